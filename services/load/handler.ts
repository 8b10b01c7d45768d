import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import type { SecretStore } from '../../shared/adapters/secret-store';
import type { SnowflakeCredentials } from '../../shared/adapters/snowflake-credentials';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseLoadMessage } from '../../shared/events';
import { contextOfLoad, measureLoad, observe, observeBatch } from '../../shared/observability';
import {
  containerSecrets,
  SNOWFLAKE_CREDENTIALS,
  secretOf,
  snowflakeCredentials,
} from '../../shared/secrets-middleware';
import { processSqsBatch } from '../../shared/sqs-batch';
import { runLoad } from '../../shared/stages/load';

/**
 * Load: one FIFO message per curated batch; loads it into the warehouse exactly once. The Snowflake
 * credentials arrive on the context, read by the secrets middleware through the container's cache.
 */
export function createLoadHandler(runtime: () => Runtime, secrets: () => SecretStore = () => loadSecrets) {
  return middy(async (event: SQSEvent, context: Context) => {
    const rt = runtime();
    const log = rt.log.child({ stage: 'load' });
    const credentials = secretOf<SnowflakeCredentials>(context, SNOWFLAKE_CREDENTIALS);
    return processSqsBatch(
      event,
      async (record) => {
        const message = parseLoadMessage(record.body);
        const warehouse = await rt.warehouse({ credentials });
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
  })
    .use(observe('load', runtime))
    .use(snowflakeCredentials(runtime, secrets));
}

/** The container's secrets, read through a 5-minute cache by the middleware and, after a failed sign-in, by the loader. */
const loadSecrets = containerSecrets();

/** Only this function bundles the Snowflake adapter (snowflake-sdk). */
const loadRuntime = () =>
  runtimeFromEnv({
    snowflake: () => import('../../shared/adapters/snowflake-warehouse'),
    secrets: loadSecrets,
  });

export const handler = createLoadHandler(loadRuntime);
