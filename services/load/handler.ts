import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseLoadMessage } from '../../shared/events';
import { contextOfLoad, measureLoad, observe, observeBatch } from '../../shared/observability';
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
        const warehouse = await rt.warehouse();
        await observeBatch(
          { ...rt, log },
          'load',
          contextOfLoad(message),
          (log) => runLoad({ store: rt.store, warehouse, log }, message),
          measureLoad,
        );
      },
      log,
      { fifo: true },
    );
  }).use(observe('load', runtime));
}

/** Only this function bundles the Snowflake adapter (snowflake-sdk). */
const loadRuntime = () =>
  runtimeFromEnv({ snowflake: () => import('../../shared/adapters/snowflake-warehouse') });

export const handler = createLoadHandler(loadRuntime);
