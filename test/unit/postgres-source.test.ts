import { describe, expect, it } from 'vitest';
import {
  parsePostgresCredentials,
  postgresSecretFromLibpq,
} from '../../shared/adapters/postgres-credentials';
import { BatchEnricher } from '../../shared/domain/enrich';
import { postgres } from '../../shared/domain/sources/postgres';
import { advanceWatermarks, laterOf, NO_WATERMARKS, watermarkKey } from '../../shared/domain/watermark';
import { ConfigError, SourceDatabaseError } from '../../shared/errors';
import { defaultCostModel } from '../helpers/factories';

const order = {
  id: '7',
  customer_id: '3',
  status: 'Shipped',
  channel: 'web',
  payment_method: 'card',
  ordered_at: '2026-11-20T10:00:00.000000Z',
  updated_at: '2026-11-26T02:59:00.123456Z',
  deleted_at: null,
  changed_at: '2026-11-26T02:59:00.123456Z',
  items: [
    { line_no: 1, product_id: '4', quantity: 2, unit_price: '19.99', discount_pct: '0.00' },
    { line_no: 2, product_id: '5', quantity: 1, unit_price: '0.10', discount_pct: '12.50' },
  ],
};

describe('postgres source mapper', () => {
  it('maps an order with its items to lines, money kept as exact text', () => {
    // Act
    const lines = postgres.mapOrder(order);

    // Assess
    expect(lines.map(({ raw: _raw, ...line }) => line)).toEqual([
      {
        order_id: '7',
        line_no: 1,
        order_ts: '2026-11-20T10:00:00.000000Z',
        status: 'Shipped',
        customer_id: '3',
        product_id: '4',
        quantity: 2,
        unit_price: '19.99',
        discount_pct: '0.00',
        channel: 'web',
        payment_method: 'card',
      },
      expect.objectContaining({ line_no: 2, product_id: '5', unit_price: '0.10', discount_pct: '12.50' }),
    ]);
    expect(lines[0]?.raw).toEqual({
      order: expect.not.objectContaining({ items: expect.anything() }),
      item: order.items[0],
    });
  });

  it.each([
    ['a deleted_at', { deleted_at: '2026-11-26T03:00:00.000000Z' }, 'deleted'],
    ['no deleted_at', { deleted_at: null }, 'Shipped'],
  ])('carries an order with %s as status %s', (_name, change, status) => {
    expect(postgres.mapOrder({ ...order, ...change }).map((l) => l.status)).toEqual([status, status]);
  });

  it('states each order whole: its id and the lines it has now, none included', () => {
    expect(postgres.mapOrderSnapshot?.(order)).toEqual({ order_id: '7', line_count: 2 });
    expect(postgres.mapOrderSnapshot?.({ ...order, items: [] })).toEqual({ order_id: '7', line_count: 0 });
    expect(postgres.mapOrder({ ...order, items: [] })).toEqual([]);
  });

  it('rejects a line without a line number through the rules, not by throwing', () => {
    const [line] = postgres.mapOrder({ ...order, items: [{ ...order.items[0], line_no: 'x' }] });
    expect(Number.isNaN(line?.line_no)).toBe(true);
  });

  it('reads a raw part of the entity it is asked for, and refuses another', () => {
    const part = {
      source_file: 'postgres://db:5432/shop/orders',
      entity: 'orders',
      changed_since: null,
      records: [order],
    };
    expect(postgres.recordsOf('orders', part).records).toEqual([order]);
    expect(() => postgres.recordsOf('customers', part)).toThrow(/holds orders/);
  });

  it('keeps the first snapshot of an order a batch carries twice, and none without an id', () => {
    // Prepare
    const enricher = new BatchEnricher({
      source: 'postgres',
      batchId: 'postgres-20261126T030000Z',
      ingestedAt: '2026-11-26T03:00:00.000Z',
      costModel: defaultCostModel(),
    });

    // Act
    const first = enricher.orderSnapshot({ order_id: '7', line_count: 2 });
    const again = enricher.orderSnapshot({ order_id: ' 7 ', line_count: 1 });
    const missing = enricher.orderSnapshot({ order_id: null, line_count: 1 });

    // Assess
    expect(first).toEqual({
      source: 'postgres',
      order_id: '7',
      line_count: 2,
      batch_id: 'postgres-20261126T030000Z',
      ingested_at: '2026-11-26T03:00:00.000Z',
    });
    expect(again).toBeUndefined();
    expect(missing).toBeUndefined();
  });
});

describe('watermarks', () => {
  it('moves each entity forward only, to the later database timestamp', () => {
    const current = {
      customers: '2026-11-26T03:00:00.000001Z',
      products: null,
      orders: '2026-11-26T03:00:00.500000Z',
    };
    const seen = {
      customers: '2026-11-26T02:00:00.000000Z',
      products: '2026-11-26T01:00:00.000000Z',
      orders: null,
    };
    expect(advanceWatermarks(current, seen)).toEqual({
      customers: '2026-11-26T03:00:00.000001Z',
      products: '2026-11-26T01:00:00.000000Z',
      orders: '2026-11-26T03:00:00.500000Z',
    });
    expect(advanceWatermarks(NO_WATERMARKS, NO_WATERMARKS)).toEqual(NO_WATERMARKS);
    expect(laterOf('2026-11-26T03:00:00.000010Z', '2026-11-26T03:00:00.000009Z')).toBe(
      '2026-11-26T03:00:00.000010Z',
    );
  });

  it('lives under state/, outside the raw zone and its notifications', () => {
    expect(watermarkKey('postgres')).toBe('state/source=postgres/watermark.json');
  });
});

describe('PostgreSQL secret', () => {
  const secret = { host: 'db.internal', port: 5432, database: 'shop', user: 'reader', password: 's3cret!' };

  it.each([
    [{}, 'verify-full'],
    [{ ssl: true }, 'verify-full'],
    [{ ssl: 'require' }, 'require'],
    [{ ssl: false }, 'disable'],
  ])('reads %j as ssl %s', (extra, ssl) => {
    expect(parsePostgresCredentials(JSON.stringify({ ...secret, ...extra }), 'id')).toEqual({
      ...secret,
      ssl,
    });
  });

  it('accepts a port as text and defaults it to 5432', () => {
    expect(parsePostgresCredentials(JSON.stringify({ ...secret, port: '6432' }), 'id').port).toBe(6432);
    expect(parsePostgresCredentials(JSON.stringify({ ...secret, port: undefined }), 'id').port).toBe(5432);
  });

  it('names every bad field and never a value', () => {
    const bad = JSON.stringify({ host: '', port: 70_000, user: 'reader', password: 's3cret!', ssl: 'maybe' });
    expect(() => parsePostgresCredentials(bad, 'shop/postgres')).toThrow(ConfigError);
    expect(() => parsePostgresCredentials(bad, 'shop/postgres')).toThrow(
      /shop\/postgres: missing or invalid host, database, port, ssl/,
    );
    expect(() => parsePostgresCredentials('{"password": "s3cret!"', 'shop/postgres')).toThrow(
      /^PostgreSQL secret shop\/postgres is not a JSON object$/,
    );
  });

  it('builds the secret from the libpq variables of a local run', () => {
    expect(postgresSecretFromLibpq({})).toBeUndefined();
    expect(
      JSON.parse(
        postgresSecretFromLibpq({
          PGHOST: 'localhost',
          PGUSER: 'me',
          PGPASSWORD: 'pw',
          PGSSLMODE: 'require',
        }) ?? '',
      ),
    ).toEqual({ host: 'localhost', port: 5432, database: 'me', user: 'me', password: 'pw', ssl: 'require' });
  });
});

describe('SourceDatabaseError', () => {
  it.each([
    ['28P01', 'terminal'],
    ['42P01', 'terminal'],
    ['57014', 'transient'],
    ['08006', 'transient'],
    [undefined, 'transient'],
  ])('with SQLSTATE %s is %s', (state, kind) => {
    expect(new SourceDatabaseError('x', 'postgres://db:5432/shop', state).kind).toBe(kind);
  });
});
