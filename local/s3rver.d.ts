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
    /** Creates the configured buckets, then listens; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    /** Removes every bucket and object from the store. */
    reset(): void;
  }
}
