import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDrop } from './drop-writer';

/**
 * `npm run generate`: write a seeded file drop (customers.csv, products.csv, sales.json,
 * sales.jsonl) with a known share of invalid events, and print what it holds as JSON on stdout.
 */
const USAGE = `usage: npm run generate -- --out DIR [--customers N] [--products N] [--orders N]
                            [--invalid-rate R] [--seed S]
  --out DIR          folder to write customers.csv, products.csv, sales.json and sales.jsonl into
  --customers N      customers (default 60)
  --products N       products (default 40)
  --orders N         sales events, split between sales.json and sales.jsonl (default 200)
  --invalid-rate R   share of invalid events, 0..1 (default 0.1): missing id, bad timestamp,
                     non-numeric/zero/negative quantity, negative or non-numeric amount, unknown
                     customer or product, duplicate, and (in sales.jsonl) a line cut short
  --seed S           seed: the same options always write the same bytes (default 42)
Then: npm start -- --files DIR/*   ingests the files; its summary matches the printed report.`;

function integer(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${name} takes an integer >= ${min}`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      customers: { type: 'string' },
      products: { type: 'string' },
      orders: { type: 'string' },
      'invalid-rate': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const invalidRate = values['invalid-rate'] === undefined ? 0.1 : Number(values['invalid-rate']);
  if (!(invalidRate >= 0 && invalidRate <= 1)) throw new UsageError('--invalid-rate takes a number in 0..1');
  const options = {
    seed: integer('seed', values.seed, 42, Number.MIN_SAFE_INTEGER),
    customers: integer('customers', values.customers, 60, 1),
    products: integer('products', values.products, 40, 1),
    orders: integer('orders', values.orders, 200, 0),
    invalidRate,
  };
  const dir = resolve(values.out);
  const report = await writeDrop(dir, options);
  process.stderr.write(`wrote ${Object.keys(report.files).join(', ')} to ${dir}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      error instanceof UsageError ? `${message}\n${USAGE}\n` : `generate failed: ${message}\n`,
    );
    process.exitCode = 1;
  },
);
