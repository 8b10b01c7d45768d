import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { S3ObjectStore } from '../../shared/adapters/object-store';

/** A real s3rver in a fresh temp folder (its data under `dir/s3`), an SDK client and our store on it. */
export interface S3Store {
  /** The temp folder: free for the test's own files beside `s3/`. */
  dir: string;
  s3: S3Server;
  client: S3Client;
  store: S3ObjectStore;
  /** Stop the server and remove the folder. */
  close(): Promise<void>;
}

/**
 * Start an s3rver with `buckets` for a test file, in a temp folder named after it.
 * @example
 * let s3: S3Store;
 * beforeAll(async () => { s3 = await startS3Store('object-store', ['b']); });
 * afterAll(() => s3?.close());
 */
export async function startS3Store(name: string, buckets: string[]): Promise<S3Store> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const s3 = await startS3Server({ directory: join(dir, 's3'), buckets });
  const client = new S3Client(s3ClientConfig(s3.endpoint));
  return {
    dir,
    s3,
    client,
    store: new S3ObjectStore(client),
    close: async () => {
      client.destroy();
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
