/**
 * The part of s3rver 3.x (a CommonJS package without types) that the embedded stack uses.
 * s3rver is a Koa application, hence an EventEmitter: it emits `event` with an S3 event
 * (`{ Records: [record] }`) after each object put, post, copy or delete.
 */
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  export interface S3rverBucketConfig {
    name: string;
    /** CORS or website configuration documents (XML). */
    configs?: Array<string | Buffer>;
  }

  export interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    configureBuckets?: S3rverBucketConfig[];
  }

  export default class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    /** The HTTP server, once `run()` has resolved. */
    readonly httpServer?: Server;
    /** The object store; the controllers read it from `context.store`. Replaceable before `run()`. */
    store: unknown;
    readonly context: { store: unknown };
    /** Creates the configured buckets, then listens; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    /** Removes every bucket and object from the store. */
    reset(): void;
  }
}

/** s3rver's object model: what a store takes on put and returns on get. */
declare module 's3rver/lib/models/object.js' {
  import type { Readable } from 'node:stream';

  export default class S3Object {
    /** The headers a store keeps with an object (besides `x-amz-meta-*`). */
    static readonly ALLOWED_METADATA: readonly string[];
    constructor(
      bucket: string,
      key: string,
      content: Readable | Buffer | null,
      metadata: Record<string, unknown>,
    );
    readonly bucket: string;
    readonly key: string;
    content: Readable | Buffer | null;
    metadata: Record<string, string>;
    range?: { start: number; end: number };
  }
}

/** s3rver's filesystem store, which `local/atomic-fs-store.ts` extends. */
declare module 's3rver/lib/stores/filesystem.js' {
  import type S3Object from 's3rver/lib/models/object.js';

  export type S3rverMetadata = Record<string, string | number>;

  export default class FilesystemStore {
    constructor(rootDirectory: string);
    readonly rootDirectory: string;
    getResourcePath(bucket: string, key?: string, resource?: string): string;
    getMetadata(bucket: string, key: string): Promise<S3rverMetadata>;
    getBucket(bucket: string): Promise<unknown>;
    putObject(object: S3Object): Promise<{ size: number; md5: string }>;
    getObject(
      bucket: string,
      key: string,
      options?: { start?: number; end?: number },
    ): Promise<S3Object | null>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: Record<string, string>,
    ): Promise<S3rverMetadata>;
    deleteObject(bucket: string, key: string): Promise<void>;
    reset(): void;
  }
}
