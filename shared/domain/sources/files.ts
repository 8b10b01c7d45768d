import { z } from 'zod';
import type { FilePart } from '../file-drop';
import type {
  Entity,
  SourceCustomer,
  SourceDefinition,
  SourceOrderLine,
  SourceProduct,
} from './source-definition';

/**
 * File drops in `landing/` (see the README's "Dropping files"): ingest parses each file into raw part
 * files (`FilePart`: the landing file, and its records with their line numbers, parsed or marked
 * unparseable); this module reads those parts back and maps them to the canonical model. Sales
 * events are self-describing: each carries its customer and product, which enrich uses where it
 * knows no better version.
 */

const fileRecord = z.union([
  z.object({ line: z.number().int().positive(), data: z.record(z.string(), z.unknown()) }),
  z.object({
    line: z.number().int().positive(),
    unparseable: z.object({ raw_text: z.string(), error: z.string() }),
  }),
]);

const partSchema = z.object({
  source_file: z.string().min(1),
  format: z.enum(['csv', 'json-array', 'jsonl']),
  entity: z.enum(['customers', 'products', 'orders']),
  /** 1-based position of the part's first record in its file. */
  first_record: z.number().int().positive(),
  records: z.array(fileRecord),
});

/** A record of a part as the mappers get it: with its file and its position in that file. */
interface LocatedRecord {
  file: string;
  line: number;
  position: number;
  data?: Record<string, unknown>;
  unparseable?: { raw_text: string; error: string };
}

const located = z.object({
  file: z.string(),
  line: z.number(),
  position: z.number(),
  data: z.record(z.string(), z.unknown()).optional(),
  unparseable: z.object({ raw_text: z.string(), error: z.string() }).optional(),
});

function asLocated(raw: unknown): LocatedRecord {
  const parsed = located.safeParse(raw);
  return parsed.success ? parsed.data : { file: '', line: 0, position: 0, unparseable: undefined };
}

/** What a reject row keeps: the record as read, with where it was read. */
function rawOf(record: LocatedRecord): unknown {
  return record.unparseable
    ? { file: record.file, line: record.line, ...record.unparseable }
    : { file: record.file, line: record.line, record: record.data };
}

/** A field's value, with blank text as absent (an empty CSV cell is no value). */
function field(row: Record<string, unknown>, name: string): unknown {
  const value = row[name];
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function anyOf(row: Record<string, unknown>, names: readonly string[]): boolean {
  return names.some((name) => field(row, name) !== undefined && field(row, name) !== null);
}

/** `customer_name` split at its first space: "Ana Maria Silva" -> Ana / Maria Silva. */
function splitName(name: unknown): { first?: string; last?: string } {
  if (typeof name !== 'string' || name.trim() === '') return {};
  const [first, ...rest] = name.trim().split(/\s+/);
  return { first, last: rest.length > 0 ? rest.join(' ') : undefined };
}

/** A positive integer (or its text), else undefined. */
function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const CUSTOMER_FIELDS = [
  'customer_name',
  'first_name',
  'last_name',
  'email',
  'city',
  'state',
  'country',
  'postal_code',
] as const;
const PRODUCT_FIELDS = ['product_name', 'category', 'brand'] as const;

function customerOf(row: Record<string, unknown>, raw: unknown, line: number): SourceCustomer {
  const name = splitName(field(row, 'customer_name'));
  return {
    customer_id: field(row, 'customer_id'),
    first_name: field(row, 'first_name') ?? name.first,
    last_name: field(row, 'last_name') ?? name.last,
    email: field(row, 'email'),
    address_line: field(row, 'address_line') ?? field(row, 'address'),
    city: field(row, 'city'),
    state: field(row, 'state'),
    country: field(row, 'country'),
    postal_code: field(row, 'postal_code'),
    source_line: line,
    raw,
  };
}

export const fileDrops: SourceDefinition = {
  name: 'files',
  kind: 'files',
  // Not URLs: the landing names each entity arrives under.
  paths: {
    customers: 'landing/customers*.csv',
    products: 'landing/products*.csv',
    orders: 'landing/{sales,events}*.jsonl, landing/sales*.json',
  },
  paging: 'none',

  recordsOf(entity: Entity, body: unknown) {
    const part = partSchema.parse(body) satisfies FilePart;
    if (part.entity !== entity) {
      throw new Error(`part holds ${part.entity}, not ${entity}`);
    }
    const records: LocatedRecord[] = part.records.map((record, index) => ({
      file: part.source_file,
      position: part.first_record + index,
      ...record,
    }));
    return { records };
  },

  mapCustomer(raw) {
    const record = asLocated(raw);
    return customerOf(record.data ?? {}, rawOf(record), record.line);
  },

  mapProduct(raw) {
    const record = asLocated(raw);
    const row = record.data ?? {};
    return {
      product_id: field(row, 'product_id'),
      title: field(row, 'title') ?? field(row, 'product_name'),
      category: field(row, 'category'),
      brand: field(row, 'brand'),
      unit_price: field(row, 'unit_price'),
      unit_cost: field(row, 'cost') ?? field(row, 'unit_cost'),
      source_line: record.line,
      raw: rawOf(record),
    };
  },

  mapOrder(raw) {
    const record = asLocated(raw);
    const rawRecord = rawOf(record);
    if (!record.data) {
      return [
        {
          order_id: undefined,
          line_no: 1,
          customer_id: undefined,
          product_id: undefined,
          quantity: undefined,
          unit_price: undefined,
          source_line: record.line,
          unparseable: record.unparseable ?? { raw_text: '', error: 'not a file record' },
          raw: rawRecord,
        },
      ];
    }
    const event = record.data;
    const eventId = field(event, 'event_id');
    const orderId = field(event, 'order_id');
    // An event is its own order unless it names one; the lines of a named order are numbered by
    // their `line_no`, else by their position in the file.
    const lineNo = positiveInt(event.line_no) ?? (orderId === undefined ? 1 : record.position);
    const line: SourceOrderLine = {
      order_id: orderId ?? eventId,
      line_no: lineNo,
      order_ts: field(event, 'event_ts'),
      status: field(event, 'status'),
      customer_id: field(event, 'customer_id'),
      product_id: field(event, 'product_id'),
      quantity: field(event, 'quantity'),
      unit_price: field(event, 'unit_price'),
      channel: field(event, 'marketing_channel') ?? field(event, 'channel'),
      payment_method: field(event, 'payment_method'),
      stated_total: field(event, 'total_amount'),
      discount_amount: field(event, 'discount_amount'),
      natural_key: eventId,
      source_line: record.line,
      raw: rawRecord,
    };
    if (field(event, 'customer_id') !== undefined && anyOf(event, CUSTOMER_FIELDS)) {
      line.customer = customerOf(event, rawRecord, record.line);
    }
    if (field(event, 'product_id') !== undefined && anyOf(event, PRODUCT_FIELDS)) {
      const product: SourceProduct = {
        product_id: field(event, 'product_id'),
        title: field(event, 'product_name'),
        category: field(event, 'category'),
        brand: field(event, 'brand'),
        unit_price: field(event, 'unit_price'),
        source_line: record.line,
        raw: rawRecord,
      };
      line.product = product;
    }
    return [line];
  },
};
