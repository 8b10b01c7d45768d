/** The arguments a bench step gets: one JSON object in argv[2]. */
export function stepArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Print a step's result as one JSON line on stdout, with the process's peak RSS (MB) and heap. */
export function report(fields: Record<string, unknown>): void {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...fields, maxRssMb: Math.round(maxRssMb * 10) / 10 }));
}

/** One reading of process.memoryUsage(), in MB, `s` seconds after sampling began. */
export interface MemorySample {
  s: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Read process.memoryUsage() every `everyMs` while a step runs: `peaks()` gives the highest value
 * of each figure and the readings themselves (thinned to at most `keep`), to see what grows.
 */
export function sampleMemory(
  everyMs: number,
  keep = 40,
): { peaks(): MemorySample & { series: MemorySample[] } } {
  const started = performance.now();
  const samples: MemorySample[] = [];
  const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
  const read = () => {
    const m = process.memoryUsage();
    samples.push({
      s: Math.round((performance.now() - started) / 100) / 10,
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
    });
  };
  setInterval(read, everyMs).unref();
  return {
    peaks() {
      read();
      const peak = (k: keyof MemorySample) => Math.max(...samples.map((x) => x[k]));
      const step = Math.max(1, Math.ceil(samples.length / keep));
      return {
        s: peak('s'),
        rss: peak('rss'),
        heapTotal: peak('heapTotal'),
        heapUsed: peak('heapUsed'),
        external: peak('external'),
        arrayBuffers: peak('arrayBuffers'),
        series: samples.filter((_, i) => i % step === 0 || i === samples.length - 1),
      };
    },
  };
}
