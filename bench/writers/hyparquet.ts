import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { ParquetStreamWriter } from '../../shared/adapters/parquet-writer';
import { ORDER_LINE_COLUMNS } from '../../shared/domain/tables';
import type { OrderLine } from '../../shared/domain/types';
import { ndjsonBatches } from '../../shared/stages/ndjson-lines';

/** Candidate: hyparquet-writer, streaming one row group at a time (the adapter convert uses). */
export async function writeWithHyparquet(
  input: string,
  output: string,
  rowGroupRows: number,
): Promise<number> {
  const out = createWriteStream(output);
  const file = new ParquetStreamWriter<OrderLine>(ORDER_LINE_COLUMNS);
  const reader = ndjsonBatches(createReadStream(input, { highWaterMark: 1 << 16 }));
  for await (const rows of reader.batches) {
    for (const row of rows) {
      file.add(row as OrderLine);
      if (file.bufferedRows >= rowGroupRows && !out.write(file.flushRowGroup())) await once(out, 'drain');
    }
  }
  out.end(file.finish());
  await once(out, 'finish');
  return file.writtenRows;
}
