import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

/** Where the local SQS server listens. */
export interface SqsServerOptions {
  /** Interface to bind; loopback unless you mean to expose the queues to your network. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

/** A running local SQS server (fauxqs, AWS JSON protocol). */
export interface SqsServer {
  /** `http://127.0.0.1:<port>`: pass it to {@link sqsClientConfig}. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts fauxqs on 127.0.0.1 with a free port and its logger off.
 *
 * fauxqs' own `startFauxqs()` always listens on 0.0.0.0, whatever `host` it is given (`host` only
 * names the queue URLs), so this builds its Fastify app with `buildApp()` and listens on loopback.
 * Queue URLs read `http://sqs.<region>.localhost:<port>/000000000000/<name>`, a host that does not
 * resolve everywhere: clients must set `endpoint` (as {@link sqsClientConfig} does), and use the URL
 * verbatim, since fauxqs finds a queue by its exact URL.
 *
 * @example
 * const sqsServer = await startSqsServer();
 * const sqs = new SQSClient(sqsClientConfig(sqsServer.endpoint));
 * // ...
 * await sqsServer.close();
 */
export async function startSqsServer(options: SqsServerOptions = {}): Promise<SqsServer> {
  const app = buildApp({ logger: false });
  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') {
    await app.close();
    throw new Error(`fauxqs is not listening on a TCP port (address: ${String(bound)})`);
  }
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    endpoint: `http://${host}:${bound.port}`,
    close: async () => {
      await app.close();
    },
  };
}

/** The SQS client settings for the local server: fauxqs does not check signatures, any key will do. */
export interface LocalSqsClientConfig {
  endpoint: string;
  region: 'us-east-1';
  credentials: { accessKeyId: 'local'; secretAccessKey: 'local' };
}

/**
 * Client settings for the local SQS server. With `endpoint` set, the SDK sends every call there
 * rather than to the host named in a queue URL.
 *
 * @example
 * const sqs = new SQSClient(sqsClientConfig(sqsServer.endpoint));
 */
export function sqsClientConfig(endpoint: string): LocalSqsClientConfig {
  const config: LocalSqsClientConfig = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  return config satisfies SQSClientConfig;
}
