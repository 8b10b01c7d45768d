import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  customersCsv,
  type DropOptions,
  type DropReport,
  productsCsv,
  SALES_FILES,
  salesGenerator,
} from './generator';

/**
 * Write a generated drop into `dir`: customers.csv, products.csv, sales.json (a JSON array) and
 * sales.jsonl, the same bytes `generateDrop` builds in memory, streamed so millions of events fit.
 * Resolves with the report of what the files hold.
 * @example const report = await writeDrop('.data/drop', { orders: 10_000, invalidRate: 0.05, seed: 7 });
 */
export async function writeDrop(dir: string, options: DropOptions = {}): Promise<DropReport> {
  const orders = options.orders ?? 200;
  if (!Number.isSafeInteger(orders) || orders < 0) {
    throw new RangeError(`orders must be a non-negative integer, got ${orders}`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'customers.csv'), customersCsv(options));
  await writeFile(join(dir, 'products.csv'), productsCsv(options));

  const sales = salesGenerator(options);
  const counts: Record<string, number> = {};
  const jsonCount = Math.floor(orders / 2);
  for (const file of SALES_FILES) {
    const total = file.format === 'json-array' ? jsonCount : orders - jsonCount;
    const out = createWriteStream(join(dir, file.name));
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    let n = 0;
    if (file.format === 'json-array') await write(total === 0 ? '[]\n' : '[\n');
    for (const text of sales.events(total, file.format)) {
      await write(file.format === 'jsonl' ? `${text}\n` : `${n > 0 ? ',\n' : ''}${text}`);
      n += 1;
    }
    if (file.format === 'json-array' && total > 0) await write('\n]\n');
    out.end();
    await once(out, 'finish');
    counts[file.name] = n;
  }
  const report = sales.report();
  report.files = {
    'customers.csv': report.customers,
    'products.csv': report.products,
    ...counts,
  };
  return report;
}
