import { join } from 'node:path';
import type { Migration, PendingMigration } from '../shared/adapters/migrations';
import type { MigrateOptions, Warehouse } from '../shared/adapters/warehouse';

/** One script of a plan: already applied (and unchanged), or pending, with why. */
export interface PlanEntry {
  /** Path under sql/, e.g. `snowflake/V1.2.0__file_formats.sql`. */
  script: string;
  status: 'applied' | 'new' | 'changed';
}

const pathOf = (migration: Migration) => join(migration.folder, migration.script);

/**
 * What `npm run migrate -- --plan` shows: every script of the target, applied or pending, read from
 * the warehouse's history without changing anything (a dry run). An edited V script fails the plan as
 * it would fail the migration.
 * @example const plan = await planMigrations(warehouse, { vars }); process.stdout.write(formatPlan('SHOP', plan));
 */
export async function planMigrations(
  warehouse: Warehouse,
  options: Omit<MigrateOptions, 'dryRun' | 'onPending' | 'onApplied'> = {},
): Promise<PlanEntry[]> {
  const applied: PlanEntry[] = [];
  const pending: PlanEntry[] = [];
  await warehouse.migrate({
    ...options,
    dryRun: true,
    onApplied: (migration) => applied.push({ script: pathOf(migration), status: 'applied' }),
    onPending: (item) => pending.push(pendingEntry(item)),
  });
  return [...applied, ...pending];
}

/** A pending migration as a plan entry. */
export function pendingEntry(item: PendingMigration): PlanEntry {
  return { script: pathOf(item.migration), status: item.reason };
}

/** The plan as text: one line a script, then the counts. */
export function formatPlan(where: string, entries: PlanEntry[]): string {
  const pending = entries.filter((e) => e.status !== 'applied').length;
  const lines = entries.map((e) =>
    e.status === 'applied' ? `  applied  ${e.script}` : `  pending  ${e.script} (${e.status})`,
  );
  const summary =
    pending === 0
      ? `up to date: ${entries.length} script(s) applied`
      : `${pending} pending, ${entries.length - pending} applied`;
  return `plan for ${where}:\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}${summary}\n`;
}
