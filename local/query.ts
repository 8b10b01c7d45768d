import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbWarehouse } from '../shared/adapters/duckdb-warehouse';
import { ANALYTICS_VIEWS } from '../shared/constants';
import { errorCode } from '../shared/errors';
import { renderTable } from './report-table';

/**
 * `npm run query -- "SELECT ..."`: run SQL against the local DuckDB warehouse (read-only) and print the
 * rows as a table, or as JSON lines with --json. Without --db it opens the newest warehouse under
 * .data/ (the last `npm start`, or `npm run dev`'s while it is stopped: DuckDB locks a file its writer holds).
 */
const USAGE = `usage: npm run query -- [--db PATH] [--json] "SELECT ..."
  --db PATH   the DuckDB file (default: the newest .data/**/warehouse.duckdb)
  --json      one JSON object a row (decimals as exact strings)
  --views     list the analytics views
example: npm run query -- "SELECT * FROM ANALYTICS.VW_SALES_BY_COUNTRY ORDER BY revenue DESC"`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      views: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sql = values.views
    ? `SELECT table_schema || '.' || table_name AS view FROM information_schema.tables WHERE table_type = 'VIEW' ORDER BY 1`
    : positionals.join(' ').trim();
  if (!sql) throw new UsageError('give a SQL statement');
  const path = values.db ? resolve(values.db) : newestWarehouse(resolve('.data'));
  if (!existsSync(path)) throw new UsageError(`no warehouse at ${path}; run npm start first`);
  const warehouse = await DuckDbWarehouse.open(path, undefined, undefined, { readOnly: true });
  try {
    const rows = await warehouse.query(sql);
    if (values.json) for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    else
      process.stdout.write(
        `${renderTable(rows)}(${rows.length} row${rows.length === 1 ? '' : 's'}; ${path})\n`,
      );
    return 0;
  } finally {
    await warehouse.close();
  }
}

/** The most recently written warehouse.duckdb under a folder (depth 3: .data/runs/<run>/warehouse.duckdb). */
function newestWarehouse(root: string): string {
  const found: { path: string; mtime: number }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else if (entry.name === 'warehouse.duckdb') found.push({ path, mtime: statSync(path).mtimeMs });
    }
  };
  walk(root, 0);
  const newest = found.sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) throw new UsageError(`no warehouse.duckdb under ${root}; run npm start first, or pass --db`);
  return newest.path;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`query failed: ${errorCode(error)}: ${(error as Error).message}\n`);
    if (usage) {
      process.stderr.write(
        `${USAGE}\nviews: ${ANALYTICS_VIEWS.map((v) => `ANALYTICS.${v.name}`).join(', ')}\n`,
      );
    }
    process.exitCode = usage ? 2 : 1;
  },
);
