/** Newline-delimited JSON: one object a line, a trailing newline, nothing for no rows. */
export function toNdjson(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** Parse NDJSON; blank lines are skipped, a malformed line throws naming its number. */
export function parseNdjson(text: string): unknown[] {
  const rows: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      rows.push(JSON.parse(line));
    } catch (error) {
      throw new SyntaxError(`line ${i + 1} is not JSON`, { cause: error });
    }
  }
  return rows;
}
