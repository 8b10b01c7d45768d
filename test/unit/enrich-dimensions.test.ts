import { describe, expect, it } from 'vitest';
import { REASON } from '../../shared/constants';
import { BatchEnricher, enrichBatch, type Sourced } from '../../shared/domain/enrich';
import {
  type KnownDimensions,
  previousSnapshotMarker,
  snapshotPrefix,
  snapshotSequence,
} from '../../shared/domain/known-dimensions';
import type { SourceOrderLine } from '../../shared/domain/sources';
import type { Customer, Product } from '../../shared/domain/types';
import { customer, defaultCostModel, line, product } from '../helpers/factories';

const CONTEXT = {
  source: 'files',
  batchId: 'files-b2',
  ingestedAt: '2026-11-26T03:00:05.000Z',
  costModel: defaultCostModel(),
};

const knownCustomer = (id: string, city: string): Customer => ({
  source: 'files',
  customer_id: id,
  first_name: null,
  last_name: null,
  email: null,
  address_line: null,
  city,
  state: null,
  country: null,
  postal_code: null,
  batch_id: 'files-b1',
  ingested_at: '2026-11-25T03:00:00.000Z',
});

const knownProduct = (id: string, costCents: number): Product => ({
  source: 'files',
  product_id: id,
  title: null,
  category: 'laptops',
  brand: null,
  unit_price_cents: 1000,
  unit_cost_cents: costCents,
  cost_source: 'source',
  batch_id: 'files-b1',
  ingested_at: '2026-11-25T03:00:00.000Z',
});

/** A self-describing event line: it carries its customer (city) and product (category, no cost). */
const eventLine = (fields: Partial<SourceOrderLine> = {}): Sourced<SourceOrderLine> =>
  line({
    customer: { customer_id: 1, city: 'Embedded City', raw: null },
    product: { product_id: 1, category: 'books', unit_price: 10, raw: null },
    ...fields,
  });

const known = (
  customerVersion?: 'record' | 'embedded',
  productVersion?: 'record' | 'embedded',
): KnownDimensions => ({
  customers: new Map(
    customerVersion
      ? [['1', { origin: customerVersion, row: knownCustomer('1', `Known ${customerVersion}`) }]]
      : [],
  ),
  products: new Map(productVersion ? [['1', { origin: productVersion, row: knownProduct('1', 111) }]] : []),
});

describe('which version of a customer a line joins', () => {
  it.each([
    {
      name: "prefers this batch's record over everything else",
      batch: true,
      known: known('record'),
      embedded: true,
      city: 'Batch City',
    },
    {
      name: "prefers an earlier batch's record over the version the line carries",
      batch: false,
      known: known('record'),
      embedded: true,
      city: 'Known record',
    },
    {
      name: 'prefers the version the line carries over one an earlier line carried',
      batch: false,
      known: known('embedded'),
      embedded: true,
      city: 'Embedded City',
    },
    {
      name: 'falls back to a version an earlier line carried',
      batch: false,
      known: known('embedded'),
      embedded: false,
      city: 'Known embedded',
    },
  ])('$name', ({ batch, known: dims, embedded, city }) => {
    // Prepare
    const enricher = new BatchEnricher(CONTEXT, dims);
    if (batch) enricher.addCustomer(customer(1, { city: 'Batch City' }));
    enricher.addProduct(product(1, 10));
    // Act
    const outcome = enricher.enrichLine(embedded ? eventLine() : line());
    // Assess
    expect(outcome.kind).toBe('clean');
    const after = enricher.knownAfter().customers.get('1');
    expect(after?.row.city).toBe(city);
  });

  it('rejects a line whose customer no batch and no line describes', () => {
    // Act
    const result = enrichBatch({ ...CONTEXT, customers: [], products: [product(1, 10)], lines: [line()] });
    // Assess
    expect(result.rejects[0]?.reason_code).toBe(REASON.unknownCustomer);
  });

  it('ignores a carried customer whose own id is not the line’s', () => {
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [],
      products: [product(1, 10)],
      lines: [line({ customer: { customer_id: 2, city: 'Elsewhere', raw: null } })],
    });
    // Assess
    expect(result.rejects[0]?.reason_code).toBe(REASON.unknownCustomer);
  });
});

describe('which version of a product prices a line', () => {
  it.each([
    {
      name: "uses an earlier batch's record and its own cost",
      known: known(undefined, 'record'),
      unitCost: 111,
    },
    {
      name: "uses the carried product (category books, model cost) over an earlier line's version",
      known: known(undefined, 'embedded'),
      unitCost: 600,
    },
    { name: 'uses the carried product when nothing else is known', known: known(), unitCost: 600 },
  ])('$name', ({ known: dims, unitCost }) => {
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [customer(1)],
      products: [],
      lines: [eventLine()],
      known: dims,
    });
    // Assess
    expect(result.orderLines[0]?.unit_cost_cents).toBe(unitCost);
  });

  it('prices a carried product without a price of its own at the line price', () => {
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [customer(1)],
      products: [],
      lines: [eventLine({ product: { product_id: 1, category: 'books', unit_price: null, raw: null } })],
    });
    // Assess
    expect(result.products).toMatchObject([
      { product_id: '1', unit_price_cents: 1000, cost_source: 'model' },
    ]);
  });
});

describe('the dimension rows a batch writes', () => {
  it('writes its records and the carried versions no record describes, one row per id, the last seen', () => {
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [customer(1)],
      products: [product(1, 10)],
      lines: [
        eventLine({ order_id: 1, customer_id: 2, customer: { customer_id: 2, city: 'First', raw: null } }),
        eventLine({ order_id: 2, customer_id: 2, customer: { customer_id: 2, city: 'Second', raw: null } }),
      ],
    });
    // Assess
    expect(result.customers.map((c) => [c.customer_id, c.city])).toEqual([
      ['1', null],
      ['2', 'Second'],
    ]);
    expect(result.products.map((p) => p.product_id)).toEqual(['1']);
  });

  it('remembers records over carried versions for the next batch', () => {
    // Prepare: the earlier batch knew customer 1 from a record, customer 2 from an event
    const earlier: KnownDimensions = {
      customers: new Map([
        ['1', { origin: 'record', row: knownCustomer('1', 'Record') }],
        ['2', { origin: 'embedded', row: knownCustomer('2', 'Old event') }],
      ]),
      products: new Map(),
    };
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [customer(3)],
      products: [product(1, 10)],
      lines: [
        eventLine({ order_id: 1, customer: { customer_id: 1, city: 'Event', raw: null } }),
        eventLine({
          order_id: 2,
          customer_id: 2,
          customer: { customer_id: 2, city: 'New event', raw: null },
        }),
      ],
      known: earlier,
    });
    // Assess
    const after = [...result.known.customers].map(([id, v]) => [id, v.origin, v.row.city]);
    expect(after).toEqual([
      ['1', 'record', 'Record'],
      ['2', 'embedded', 'New event'],
      ['3', 'record', null],
    ]);
  });

  it('refuses a dimension record after the first order line', () => {
    // Prepare
    const enricher = new BatchEnricher(CONTEXT);
    enricher.enrichLine(line());
    // Act / Assess
    expect(() => enricher.addCustomer(customer(1))).toThrow(/after the first order line/);
  });

  it('rejects an invalid product record with its line number and keeps its lines out', () => {
    // Act
    const result = enrichBatch({
      ...CONTEXT,
      customers: [customer(1)],
      products: [product(1, 'free', { source_line: 3 })],
      lines: [line()],
    });
    // Assess
    expect(result.rejects.map((r) => [r.record_type, r.reason_code, r.source_line])).toEqual([
      ['product', REASON.invalidPrice, 3],
      ['order_line', REASON.unknownProduct, null],
    ]);
  });
});

describe('known-dimension snapshots', () => {
  it('orders batches by ingestion time, then batch id', () => {
    expect(snapshotSequence('2026-11-26T03:00:05.123Z', 'dummyjson-20261126T030000Z')).toBe(
      '20261126T030005123Z_dummyjson-20261126T030000Z',
    );
  });

  const marker = (sequence: string) => `${snapshotPrefix('files', sequence)}_dims.json`;
  const keys = [
    marker('20261124T000000000Z_files-a'),
    `${snapshotPrefix('files', '20261125T000000000Z_files-b')}customers.ndjson`,
    marker('20261125T000000000Z_files-b'),
    marker('20261126T000000000Z_files-c'),
    marker('20261127T000000000Z_files-d'),
    `${snapshotPrefix('other', '20261125T120000000Z_other-x')}_dims.json`,
  ];
  it.each([
    {
      name: 'reads the latest snapshot before the batch',
      sequence: '20261126T120000000Z_files-x',
      expected: 'c',
    },
    {
      name: 'never reads its own snapshot (a replay reads what it read)',
      sequence: '20261126T000000000Z_files-c',
      expected: 'b',
    },
    {
      name: 'reads none before the first batch',
      sequence: '20261123T000000000Z_files-z',
      expected: undefined,
    },
    { name: "ignores other sources' snapshots", sequence: '20261125T180000000Z_files-y', expected: 'b' },
  ])('$name', ({ sequence, expected }) => {
    const found = previousSnapshotMarker(keys, 'files', sequence);
    expect(found?.match(/files-(\w)\/_dims\.json$/)?.[1]).toBe(expected);
  });
});
