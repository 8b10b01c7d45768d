/**
 * A function invocation in a child process of its own, for faults that kill the process: the
 * handler runs as it does in Lambda's runtime (the real handler module, its adapters built from the
 * environment), and the stack survives its death. At each write point the child asks the parent's
 * FaultInjector what to do; for a planned kill it gets there, says so, and the parent sends SIGKILL.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQSBatchResponse } from 'aws-lambda';
import type { FaultDecision, FaultInjector, WritePoint } from './faults';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = join(PROJECT_ROOT, 'local', 'function-worker.ts');

/** Parent -> child. */
export type ToWorker =
  | { type: 'invoke'; functionName: string; event: unknown; env: Record<string, string | undefined> }
  | { type: 'decision'; id: number; decision: FaultDecision };

/** Child -> parent. */
export type FromWorker =
  | { type: 'decide'; id: number; point: WritePoint }
  | { type: 'dying'; point: WritePoint; n: number }
  | { type: 'result'; response: unknown }
  | { type: 'error'; name: string; message: string };

/** The process running an invocation ended before it answered: killed, or crashed outright. */
export class FunctionProcessDied extends Error {
  readonly code = 'FUNCTION_PROCESS_DIED';
  constructor(
    readonly functionName: string,
    readonly exit: { code: number | null; signal: NodeJS.Signals | null },
    stderr: string,
  ) {
    super(
      `${functionName}: its process ended without a response (${exit.signal ?? `exit code ${exit.code}`})` +
        (stderr ? `: ${stderr.slice(-600)}` : ''),
    );
    this.name = 'FunctionProcessDied';
  }
}

/** The error a handler threw in its child process, as the invoker sees it. */
export class FunctionProcessError extends Error {
  readonly code = 'FUNCTION_PROCESS_ERROR';
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Invoke `functionName` with `event` in a new child process configured by `env` (the variables the
 * Lambda function would have): a cold start, as after Lambda replaced a killed runtime. Resolves
 * with the handler's response once the process has exited; rejects with FunctionProcessDied when it
 * is killed at a write point, as the plan says, or FunctionProcessError when the handler threw.
 *
 * @example
 * const response = await invokeInChildProcess({ functionName: 'convert', event, env, faults });
 */
export function invokeInChildProcess(options: {
  functionName: string;
  event: unknown;
  env: Record<string, string | undefined>;
  faults: FaultInjector;
}): Promise<SQSBatchResponse | undefined> {
  const { functionName, event, env, faults } = options;
  const child = fork(WORKER, [], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    // Settled when the process has exited, so whatever it held (the DuckDB file) is free again.
    let outcome: Extract<FromWorker, { type: 'result' | 'error' }> | undefined;
    let failed: Error | undefined;
    let dying: string | undefined;
    const send = (message: ToWorker) => child.send(message);
    child.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'decide':
          send({ type: 'decision', id: message.id, decision: faults.decide(message.point) });
          return;
        case 'dying':
          dying = `${message.point}#${message.n}`;
          child.kill('SIGKILL');
          return;
        default:
          outcome = message;
      }
    });
    child.on('error', (error) => {
      failed = error;
    });
    child.on('exit', (code, signal) => {
      if (dying && signal === 'SIGKILL') faults.killed.push(dying);
      if (outcome?.type === 'result' && code === 0) resolve(outcome.response as SQSBatchResponse | undefined);
      else if (outcome?.type === 'error') reject(new FunctionProcessError(outcome.name, outcome.message));
      else reject(failed ?? new FunctionProcessDied(functionName, { code, signal }, stderr));
    });
    send({ type: 'invoke', functionName, event, env });
  });
}
