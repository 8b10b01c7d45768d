import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseLoadMessage } from '../../shared/events';
import { processSqsBatch } from '../../shared/sqs-batch';
import { runLoad } from '../../shared/stages/load';

/** Load: one FIFO message per curated batch; loads it into the warehouse exactly once. */
export function createLoadHandler(runtime: () => Runtime) {
  return middy(async (event: SQSEvent) => {
    const rt = runtime();
    const log = rt.log.child({ stage: 'load' });
    return processSqsBatch(
      event,
      async (record) => {
        const message = parseLoadMessage(record.body);
        await runLoad({ store: rt.store, warehouse: await rt.warehouse(), log }, message);
      },
      log,
      { fifo: true },
    );
  });
}

export const handler = createLoadHandler(runtimeFromEnv);
