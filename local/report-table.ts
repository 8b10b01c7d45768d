/** Render rows as an aligned text table (numbers right-aligned), for terminal output. */
export function renderTable(rows: Record<string, unknown>[], title?: string): string {
  if (rows.length === 0) return title ? `${title}\n  (no rows)\n` : '  (no rows)\n';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) =>
    columns.map((c) => (row[c] === null || row[c] === undefined ? '' : String(row[c]))),
  );
  const numeric = columns.map((_, i) => cells.every((r) => r[i] === '' || /^-?\d+(\.\d+)?$/.test(r[i]!)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    `  ${values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [
    ...(title ? [title] : []),
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    '',
  ].join('\n');
}
