/**
 * The child process of `function-process.ts`: one invocation of one function, with adapters built
 * from the function's environment variables (sent with the invocation) as in Lambda, and every write point put to the parent's FaultInjector over
 * IPC. Exits after answering; a planned kill ends it at the write point instead.
 */
import type { Context } from 'aws-lambda';
import { createConvertHandler } from '../services/convert/handler';
import { createEnrichHandler } from '../services/enrich/handler';
import { createIngestHandler } from '../services/ingest/handler';
import { createLoadHandler } from '../services/load/handler';
import { compose, type Runtime } from '../shared/compose';
import { loadConfig } from '../shared/config';
import { type FaultDecision, faultedRuntime, type WritePoint } from './faults';
import type { FromWorker, ToWorker } from './function-process';

const HANDLERS: Record<
  string,
  (runtime: () => Runtime) => (event: never, context: Context) => Promise<unknown>
> = {
  ingest: createIngestHandler,
  enrich: createEnrichHandler,
  convert: createConvertHandler,
  load: createLoadHandler,
};

const send = (message: FromWorker) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(message, undefined, {}, (e) => (e ? reject(e) : resolve())),
  );

const pending = new Map<number, (decision: FaultDecision) => void>();
let nextId = 0;

async function invoke(
  functionName: string,
  event: unknown,
  env: Record<string, string | undefined>,
): Promise<void> {
  const create = HANDLERS[functionName];
  if (!create) throw new Error(`no handler for function "${functionName}"`);
  const runtime = faultedRuntime(compose(loadConfig(env)), {
    decide: (point: WritePoint) =>
      new Promise<FaultDecision>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        void send({ type: 'decide', id, point });
      }),
    die: async (point, n) => {
      await send({ type: 'dying', point, n });
      // The parent sends SIGKILL; nothing after this line runs.
      return new Promise<never>(() => undefined);
    },
  });
  let outcome: FromWorker;
  try {
    const context = { functionName, awsRequestId: `child-${process.pid}` } as Context;
    const response = await create(() => runtime)(event as never, context);
    outcome = { type: 'result', response: response ?? null };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    outcome = { type: 'error', name, message };
  }
  // Closed before answering: the warehouse file is free when the parent hears back.
  await runtime.close();
  await send(outcome);
}

// Orphaned (the stack's process ended): a Lambda runtime without its service ends too.
process.on('disconnect', () => process.exit(1));

process.on('message', (message: ToWorker) => {
  if (message.type === 'decision') {
    pending.get(message.id)?.(message.decision);
    pending.delete(message.id);
  } else if (message.type === 'invoke') {
    invoke(message.functionName, message.event, message.env).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  }
});
