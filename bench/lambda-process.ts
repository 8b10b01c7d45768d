import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServerlessYaml } from '../local/topology';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How a function's process starts in Lambda, as far as memory goes. */
export interface LambdaProcess {
  /** Its `NODE_OPTIONS`, split into node arguments (V8's heap sizes). */
  nodeFlags: string[];
  /** Its `MALLOC_*` variables (glibc's allocator settings). */
  env: Record<string, string>;
  /** Every variable the function sets itself (not the provider's), as written. */
  variables: Record<string, string>;
}

/**
 * The V8 flags and allocator settings a function runs with in Lambda, from its environment in
 * serverless.yml. Benches start their steps with these, so peak RSS is measured on the process
 * Lambda runs, and cannot drift from what is deployed.
 * @example
 * const { nodeFlags, env } = await lambdaProcess('convert');
 * // nodeFlags: ['--max-old-space-size=256', '--max-semi-space-size=16'], env: { MALLOC_MMAP_THRESHOLD_: '131072' }
 */
export async function lambdaProcess(fn: string): Promise<LambdaProcess> {
  const doc = parseServerlessYaml(await readFile(join(ROOT, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { environment?: Record<string, unknown> }>;
  };
  const environment = doc.functions[fn]?.environment ?? {};
  const options = environment.NODE_OPTIONS;
  if (typeof options !== 'string') throw new Error(`serverless.yml gives ${fn} no NODE_OPTIONS`);
  const env = Object.fromEntries(
    Object.entries(environment)
      .filter(([name]) => name.startsWith('MALLOC_'))
      .map(([name, value]) => [name, String(value)]),
  );
  const variables = Object.fromEntries(
    Object.entries(environment)
      .filter(([, value]) => typeof value === 'string' || typeof value === 'number')
      .map(([name, value]) => [name, String(value)]),
  );
  return { nodeFlags: options.split(/\s+/).filter(Boolean), env, variables };
}
