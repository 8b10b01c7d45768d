import { execFileSync } from 'node:child_process';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parseServerlessYaml } from '../local/topology';

/**
 * Bundle sizes and cold import times: the four functions bundled exactly as serverless.yml's
 * `custom.esbuild` says (what `sls package` ships), and each Parquet writer candidate bundled the
 * same way. Cold import = a fresh `node` process `require`-ing the bundle, median of a few runs.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleFigures {
  bytes: number;
  gzipBytes: number;
  /** Median milliseconds for a fresh process to require the bundle (module evaluation only). */
  coldImportMs: number;
  /** Biggest packages in the bundle, KB of output. */
  largest: Record<string, number>;
  /** Files that must ship beside the bundle (wasm, native addons), bytes. */
  extraBytes?: number;
}

type Obj = Record<string, unknown>;

/** The esbuild options serverless-esbuild gets from serverless.yml (custom.esbuild). */
export async function serverlessEsbuildOptions(): Promise<{
  options: BuildOptions;
  handlers: Record<string, string>;
}> {
  const doc = parseServerlessYaml(await readFile(join(ROOT, 'serverless.yml'), 'utf8')) as Obj;
  const esbuild = ((doc.custom as Obj).esbuild ?? {}) as Obj;
  const functions = doc.functions as Record<string, { handler: string }>;
  const handlers = Object.fromEntries(
    Object.entries(functions).map(([name, fn]) => [name, `${fn.handler.replace(/\.[^.]+$/, '')}.ts`]),
  );
  const options: BuildOptions = {
    bundle: esbuild.bundle as boolean,
    minify: esbuild.minify as boolean,
    sourcemap: esbuild.sourcemap as boolean,
    keepNames: esbuild.keepNames as boolean,
    target: esbuild.target as string,
    platform: esbuild.platform as BuildOptions['platform'],
    format: esbuild.format as BuildOptions['format'],
    external: esbuild.external as string[],
  };
  return { options, handlers };
}

/** Median of `runs` cold requires of a bundle, in a fresh process each. */
export function coldImportMs(path: string, runs = 5, env: NodeJS.ProcessEnv = {}): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(path)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    times.push(Number(out.toString()));
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 10) / 10;
}

async function figures(outfile: string, metafile: Metafile, runs: number, env: NodeJS.ProcessEnv = {}) {
  const body = await readFile(outfile);
  return {
    bytes: body.byteLength,
    gzipBytes: gzipSync(body).byteLength,
    coldImportMs: coldImportMs(outfile, runs, env),
    largest: largestPackages(metafile),
  };
}

function largestPackages(metafile: Metafile, top = 6): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const inModules = path.split('node_modules/').pop()!;
      const name = path.includes('node_modules/')
        ? inModules
            .split('/')
            .slice(0, inModules.startsWith('@') ? 2 : 1)
            .join('/')
        : '(project)';
      sizes[name] = (sizes[name] ?? 0) + input.bytesInOutput;
    }
  }
  return Object.fromEntries(
    Object.entries(sizes)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => [name, Math.round(bytes / 1024)]),
  );
}

/** Environment a handler module may look at on import (it should not, but a bench must not fail on it). */
const HANDLER_ENV = { RAW_BUCKET: 'raw', CURATED_BUCKET: 'curated', LOG_LEVEL: 'silent' };

/** The four functions as `sls package` bundles them. */
export async function measureFunctionBundles(
  outDir: string,
  runs = 5,
): Promise<Record<string, BundleFigures>> {
  const { options, handlers } = await serverlessEsbuildOptions();
  const result: Record<string, BundleFigures> = {};
  for (const [name, entry] of Object.entries(handlers)) {
    const outfile = join(outDir, `${name}.cjs`);
    const built = await build({
      ...options,
      entryPoints: [join(ROOT, entry)],
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    result[name] = await figures(outfile, built.metafile, runs, HANDLER_ENV);
  }
  return result;
}

/** Each Parquet writer candidate bundled with the same options (DuckDB cannot be: a native addon). */
export async function measureWriterBundles(outDir: string, runs = 5): Promise<Record<string, BundleFigures>> {
  const { options } = await serverlessEsbuildOptions();
  const entries = {
    'hyparquet-writer': 'shared/adapters/parquet-writer.ts',
    'parquet-wasm': 'bench/writers/parquet-wasm.ts',
    '@dsnp/parquetjs': 'bench/writers/parquetjs.ts',
  };
  const result: Record<string, BundleFigures> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = join(outDir, `writer-${name.replace(/[@/]/g, '_')}.cjs`);
    const built = await build({
      ...options,
      entryPoints: [join(ROOT, entry)],
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    let extraBytes: number | undefined;
    if (name === 'parquet-wasm') {
      // The node build loads its wasm from beside the module: it must ship beside the bundle.
      const wasm = join(ROOT, 'node_modules/parquet-wasm/node/parquet_wasm_bg.wasm');
      await copyFile(wasm, join(outDir, 'parquet_wasm_bg.wasm'));
      extraBytes = (await stat(wasm)).size;
    }
    result[name] = {
      ...(await figures(outfile, built.metafile, runs)),
      ...(extraBytes ? { extraBytes } : {}),
    };
  }
  // DuckDB: not bundleable; what ships is its package and native binding, and import + open is the cold cost.
  const duckScript = `const t=process.hrtime.bigint();const {DuckDBInstance}=require('@duckdb/node-api');DuckDBInstance.create(':memory:').then(()=>process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6)))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    times.push(
      Number(
        execFileSync(process.execPath, ['-e', duckScript], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'ignore'],
        }).toString(),
      ),
    );
  }
  times.sort((a, b) => a - b);
  result['duckdb (native)'] = {
    bytes: await dirBytes(join(ROOT, 'node_modules/@duckdb/node-api')),
    gzipBytes: 0,
    coldImportMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10,
    largest: {},
    extraBytes: await dirBytes(
      join(ROOT, `node_modules/@duckdb/node-bindings-${process.platform}-${process.arch}`),
    ),
  };
  return result;
}

async function dirBytes(path: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
