import { describe, expect, it } from 'vitest';
import { classifyLandingKey, isLandingObject, runIdForFile } from '../../shared/domain/file-drop';
import { SOURCES, sourceNamed } from '../../shared/domain/sources';
import { fileDrops } from '../../shared/domain/sources/files';

const FILE = 's3://raw/landing/sales.jsonl';

/** A part as ingest writes it, and one record of it as recordsOf hands it to the mappers. */
const part = (records: unknown[], extra: Record<string, unknown> = {}) => ({
  source_file: FILE,
  format: 'jsonl',
  entity: 'orders',
  first_record: 1,
  records,
  ...extra,
});
const located = (data: Record<string, unknown>, line = 7, position = 3) => ({
  file: FILE,
  line,
  position,
  data,
});

const EVENT = {
  event_id: 'E0000001',
  event_ts: '2026-10-23T17:05:41Z',
  customer_id: 'C0026',
  customer_name: 'Ana Maria Silva',
  country: 'Brazil',
  city: 'São Paulo',
  product_id: 'P0020',
  product_name: 'Signature Beef Steak',
  category: 'groceries',
  quantity: 2,
  unit_price: 13.49,
  total_amount: 26.98,
  marketing_channel: 'email',
  payment_method: 'card',
  status: 'completed',
};

describe('the landing file contract', () => {
  it.each([
    ['landing/customers.csv', { entity: 'customers', format: 'csv' }],
    ['landing/2026/11/Customers-EU.CSV', { entity: 'customers', format: 'csv' }],
    ['landing/products_2026.csv.gz', { entity: 'products', format: 'csv' }],
    ['landing/sales.json', { entity: 'orders', format: 'json-array' }],
    ['landing/sales-week-47.json.gz', { entity: 'orders', format: 'json-array' }],
    ['landing/sales.jsonl', { entity: 'orders', format: 'jsonl' }],
    ['landing/events-2026-11-26.jsonl.gz', { entity: 'orders', format: 'jsonl' }],
    ['landing/events.json', undefined],
    ['landing/orders.csv', undefined],
    ['landing/customers.csv.zip', undefined],
    ['landing/notes.txt', undefined],
  ])('classifies %s', (key, expected) => {
    // Act + Assess
    expect(classifyLandingKey(key)).toEqual(expected);
  });

  it.each([
    ['landing/sales.jsonl', true],
    ['landing/2026/', false],
    ['raw/source=files/x.json', false],
  ])('watches %s: %s', (key, expected) => {
    // Act + Assess
    expect(isLandingObject(key)).toBe(expected);
  });

  it('names a file run by its file name and a hash of bucket, key and ETag (quotes or not)', () => {
    // Act
    const id = runIdForFile('raw', 'landing/Sales Week 47.jsonl', '"9b2cf535f27731c974343645a3985328"');
    // Assess
    expect(id).toMatch(/^sales-week-47-jsonl-[0-9a-f]{16}$/);
    expect(runIdForFile('raw', 'landing/Sales Week 47.jsonl', '9b2cf535f27731c974343645a3985328')).toBe(id);
    expect(runIdForFile('raw', 'landing/Sales Week 47.jsonl', '9b2cf535f27731c974343645a3985329')).not.toBe(
      id,
    );
    expect(runIdForFile('other', 'landing/Sales Week 47.jsonl', '9b2cf535f27731c974343645a3985328')).not.toBe(
      id,
    );
  });
});

describe('the files source', () => {
  it('is registered under its name, as enrich finds it from a raw manifest', () => {
    // Act + Assess
    expect(sourceNamed('files')).toBe(fileDrops);
    expect(Object.keys(SOURCES)).toContain('files');
  });

  it('reads a part back with each record located in its file, numbered across parts', () => {
    // Prepare
    const body = part(
      [
        { line: 9, data: { event_id: 'e1' } },
        { line: 10, unparseable: { raw_text: '{', error: 'x' } },
      ],
      {
        first_record: 5001,
      },
    );
    // Act
    const { records } = fileDrops.recordsOf('orders', body);
    // Assess
    expect(records).toEqual([
      { file: FILE, line: 9, position: 5001, data: { event_id: 'e1' } },
      { file: FILE, line: 10, position: 5002, unparseable: { raw_text: '{', error: 'x' } },
    ]);
  });

  it.each([
    { name: 'a body that is not a part', body: { records: 'nope' }, entity: 'orders' as const },
    { name: 'a part of another entity', body: part([], { entity: 'customers' }), entity: 'orders' as const },
    { name: 'a record without a line', body: part([{ data: {} }]), entity: 'orders' as const },
  ])('refuses $name', ({ body, entity }) => {
    // Act + Assess
    expect(() => fileDrops.recordsOf(entity, body)).toThrow();
  });

  it.each<{
    name: string;
    event: Record<string, unknown>;
    position?: number;
    expected: Record<string, unknown>;
  }>([
    {
      name: 'an event to one line of its own order, with its stated total and natural key',
      event: EVENT,
      expected: {
        order_id: 'E0000001',
        line_no: 1,
        order_ts: '2026-10-23T17:05:41Z',
        status: 'completed',
        customer_id: 'C0026',
        product_id: 'P0020',
        quantity: 2,
        unit_price: 13.49,
        channel: 'email',
        payment_method: 'card',
        stated_total: 26.98,
        natural_key: 'E0000001',
        source_line: 7,
      },
    },
    {
      name: 'an event of a named order to its line_no',
      event: { ...EVENT, order_id: 'O-1', line_no: '2' },
      expected: { order_id: 'O-1', line_no: 2, natural_key: 'E0000001' },
    },
    {
      name: 'an event of a named order without line_no to its position in the file',
      event: { ...EVENT, order_id: 'O-1' },
      position: 5003,
      expected: { order_id: 'O-1', line_no: 5003 },
    },
    {
      name: 'an event without an id to a line without order id or natural key',
      event: { ...EVENT, event_id: undefined },
      expected: { order_id: undefined, natural_key: undefined, line_no: 1 },
    },
    {
      name: 'empty texts to absent values',
      event: { ...EVENT, status: '', event_ts: '  ', marketing_channel: '' },
      expected: { status: undefined, order_ts: undefined, channel: undefined },
    },
    {
      name: 'invalid values as they are, for the rules to reject',
      event: { ...EVENT, quantity: 'two', unit_price: -5, event_ts: 'yesterday' },
      expected: { quantity: 'two', unit_price: -5, order_ts: 'yesterday' },
    },
    {
      name: "a discount amount to the line's discount amount",
      event: { ...EVENT, discount_amount: '1.00', total_amount: 25.98 },
      expected: { discount_amount: '1.00', stated_total: 25.98 },
    },
  ])('maps $name', ({ event, position, expected }) => {
    // Act
    const [line, ...more] = fileDrops.mapOrder(located(event, 7, position ?? 3));
    // Assess
    expect(more).toEqual([]);
    expect(line).toMatchObject(expected);
    expect(line?.raw).toEqual({ file: FILE, line: 7, record: event });
  });

  it('embeds the customer and product a self-describing event carries', () => {
    // Act
    const [line] = fileDrops.mapOrder(located(EVENT));
    // Assess
    expect(line?.customer).toMatchObject({
      customer_id: 'C0026',
      first_name: 'Ana',
      last_name: 'Maria Silva',
      city: 'São Paulo',
      country: 'Brazil',
    });
    expect(line?.product).toMatchObject({
      product_id: 'P0020',
      title: 'Signature Beef Steak',
      category: 'groceries',
      unit_price: 13.49,
    });
  });

  it('embeds no customer or product when the event names only their ids (unknown ones stay unknown)', () => {
    // Prepare
    const { customer_name, country, city, product_name, category, ...bare } = EVENT;
    // Act
    const [line] = fileDrops.mapOrder(located(bare));
    // Assess
    expect(line?.customer).toBeUndefined();
    expect(line?.product).toBeUndefined();
    expect(line?.customer_id).toBe('C0026');
    expect([customer_name, country, city, product_name, category]).toHaveLength(5);
  });

  it('maps an unparseable line to one line marked unparseable, with its raw text, line and file', () => {
    // Prepare
    const record = {
      file: FILE,
      line: 12,
      position: 12,
      unparseable: { raw_text: '{"event_id":"E1",', error: 'not JSON' },
    };
    // Act
    const lines = fileDrops.mapOrder(record);
    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        order_id: undefined,
        source_line: 12,
        unparseable: { raw_text: '{"event_id":"E1",', error: 'not JSON' },
        raw: { file: FILE, line: 12, raw_text: '{"event_id":"E1",', error: 'not JSON' },
      }),
    ]);
  });

  it.each<{ name: string; row: Record<string, unknown>; expected: Record<string, unknown> }>([
    {
      name: 'a customers.csv row',
      row: {
        customer_id: 'C0001',
        first_name: 'Ada',
        last_name: "O'Brien",
        email: 'ada@example.com',
        city: 'Lyon',
        state: 'ARA',
        country: 'France',
        postal_code: '69001',
      },
      expected: {
        customer_id: 'C0001',
        first_name: 'Ada',
        last_name: "O'Brien",
        email: 'ada@example.com',
        city: 'Lyon',
        state: 'ARA',
        country: 'France',
        postal_code: '69001',
      },
    },
    {
      name: 'a row with blank cells',
      row: { customer_id: 'C0002', first_name: '', email: ' ' },
      expected: { customer_id: 'C0002', first_name: undefined, email: undefined },
    },
  ])('maps $name to a customer', ({ row, expected }) => {
    // Act
    const customer = fileDrops.mapCustomer(located(row, 4));
    // Assess
    expect(customer).toMatchObject(expected);
    expect(customer.raw).toEqual({ file: FILE, line: 4, record: row });
  });

  it.each<{ name: string; row: Record<string, unknown>; expected: Record<string, unknown> }>([
    {
      name: 'a products.csv row with its own cost',
      row: {
        product_id: 'P0001',
        title: 'Bed',
        category: 'furniture',
        brand: 'Knoll',
        unit_price: '2072.49',
        cost: '1139.87',
      },
      expected: {
        product_id: 'P0001',
        title: 'Bed',
        category: 'furniture',
        brand: 'Knoll',
        unit_price: '2072.49',
        unit_cost: '1139.87',
      },
    },
    {
      name: 'a row whose cost cell is empty (no cost: the cost model applies)',
      row: {
        product_id: 'P0002',
        title: 'Frame',
        category: 'home-decoration',
        brand: '',
        unit_price: '29.99',
        cost: '',
      },
      expected: { product_id: 'P0002', brand: undefined, unit_price: '29.99', unit_cost: undefined },
    },
  ])('maps $name to a product', ({ row, expected }) => {
    // Act + Assess
    expect(fileDrops.mapProduct(located(row))).toMatchObject(expected);
  });

  it('maps an unparseable CSV row to a customer without an id, keeping its text', () => {
    // Act
    const customer = fileDrops.mapCustomer({
      file: 's3://raw/landing/customers.csv',
      line: 5,
      position: 4,
      unparseable: { raw_text: 'C0003,Broken', error: '2 fields where the header has 8' },
    });
    // Assess
    expect(customer.customer_id).toBeUndefined();
    expect(customer.raw).toEqual({
      file: 's3://raw/landing/customers.csv',
      line: 5,
      raw_text: 'C0003,Broken',
      error: '2 fields where the header has 8',
    });
  });
});
