/** The arguments a bench step gets: one JSON object in argv[2]. */
export function stepArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Print a step's result as one JSON line on stdout, with the process's peak RSS (MB) and heap. */
export function report(fields: Record<string, unknown>): void {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...fields, maxRssMb: Math.round(maxRssMb * 10) / 10 }));
}
