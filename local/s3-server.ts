import type { S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { AtomicFilesystemStore } from './atomic-fs-store';

/** Where s3rver keeps its files and which buckets it creates on start. */
export interface S3ServerOptions {
  /** Directory holding buckets and objects; created when missing, left in place on close. */
  directory: string;
  buckets: string[];
  /** 0 (the default) picks a free port. */
  port?: number;
}

/** A running s3rver on a loopback port. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`: pass it to {@link s3ClientConfig}. */
  endpoint: string;
  /** The s3rver instance, whose `event` emitter the S3 -> SQS bridge listens to. */
  s3rver: S3rver;
  close(): Promise<void>;
}

/** The S3 client settings s3rver accepts (its built-in `S3RVER` key pair, path-style addressing). */
export interface S3rverClientConfig {
  endpoint: string;
  region: 'us-east-1';
  forcePathStyle: true;
  credentials: { accessKeyId: 'S3RVER'; secretAccessKey: 'S3RVER' };
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
}

/**
 * Starts s3rver on 127.0.0.1 with a free port, silent, with the given buckets created.
 *
 * @example
 * const s3 = await startS3Server({ directory: '.data/s3', buckets: ['shop-raw'] });
 * const client = new S3Client(s3ClientConfig(s3.endpoint));
 * // ...
 * await s3.close();
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  // Objects are replaced atomically, as on S3 (see atomic-fs-store.ts).
  s3rver.store = s3rver.context.store = new AtomicFilesystemStore(options.directory);
  const { address, port } = await s3rver.run();
  return {
    endpoint: `http://${address}:${port}`,
    s3rver,
    close: async () => {
      const closing = s3rver.close();
      // Keep-alive sockets of SDK clients would otherwise hold the server open.
      s3rver.httpServer?.closeAllConnections();
      await closing;
    },
  };
}

/**
 * Client settings for s3rver. Checksums are only computed when an operation requires them:
 * with the SDK's default (`WHEN_SUPPORTED`) a streamed body is sent `aws-chunked` with a
 * trailing CRC32, and s3rver stores the chunk framing as the object's content.
 *
 * @example
 * const client = new S3Client(s3ClientConfig('http://127.0.0.1:4568'));
 */
export function s3ClientConfig(endpoint: string): S3rverClientConfig {
  const config: S3rverClientConfig = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  return config satisfies S3ClientConfig;
}
