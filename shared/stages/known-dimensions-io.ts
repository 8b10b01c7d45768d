import type { ObjectStore } from '../adapters/object-store';
import {
  type KnownDimensions,
  type KnownVersion,
  NO_KNOWN_DIMENSIONS,
  parseKnownVersion,
  previousSnapshotMarker,
  SNAPSHOT_MARKER,
  type SnapshotMarker,
  snapshotMarkerSchema,
  snapshotPrefix,
  snapshotRoot,
} from '../domain/known-dimensions';
import { parseNdjson, toNdjson } from '../domain/ndjson';
import type { Customer, Product } from '../domain/types';
import { ManifestMismatchError } from '../errors';
import { readListedFile, readManifest, writeListedFile } from './manifest-io';

/**
 * Read the known dimensions a batch starts from: the snapshot of the source's latest batch before
 * `sequence` (see known-dimensions.ts), or none. A snapshot that fails its checksums is an error,
 * never silently skipped: joining against a wrong version would misprice lines.
 */
export async function readKnownDimensions(
  store: ObjectStore,
  bucket: string,
  source: string,
  sequence: string,
): Promise<{ known: KnownDimensions; marker: string | null }> {
  const keys = (await store.list(bucket, snapshotRoot(source))).map((o) => o.key);
  const markerKey = previousSnapshotMarker(keys, source, sequence);
  if (!markerKey) return { known: NO_KNOWN_DIMENSIONS, marker: null };
  const marker = await readManifest(store, bucket, markerKey, snapshotMarkerSchema);
  const customers = await readVersions<Customer>(store, bucket, marker.customers, 'customer_id');
  const products = await readVersions<Product>(store, bucket, marker.products, 'product_id');
  return { known: { customers, products }, marker: markerKey };
}

/** Write the snapshot of what is known after a batch, its marker last; returns the marker key. */
export async function writeKnownDimensions(
  store: ObjectStore,
  bucket: string,
  snapshot: {
    source: string;
    batchId: string;
    sequence: string;
    basedOn: string | null;
    known: KnownDimensions;
  },
): Promise<string> {
  const prefix = snapshotPrefix(snapshot.source, snapshot.sequence);
  const write = async (name: string, versions: ReadonlyMap<string, KnownVersion<unknown>>) => {
    const lines = [...versions.values()].map(({ origin, row }) => ({ origin, row }));
    const written = await writeListedFile(
      store,
      bucket,
      `${prefix}${name}`,
      toNdjson(lines),
      'application/x-ndjson',
    );
    return { ...written, rows: lines.length };
  };
  const marker: SnapshotMarker = {
    source: snapshot.source,
    batch_id: snapshot.batchId,
    sequence: snapshot.sequence,
    based_on: snapshot.basedOn,
    customers: await write('customers.ndjson', snapshot.known.customers),
    products: await write('products.ndjson', snapshot.known.products),
  };
  const markerKey = `${prefix}${SNAPSHOT_MARKER}`;
  await store.put(bucket, markerKey, JSON.stringify(marker, null, 2), 'application/json');
  return markerKey;
}

async function readVersions<T>(
  store: ObjectStore,
  bucket: string,
  file: SnapshotMarker['customers'],
  idField: 'customer_id' | 'product_id',
): Promise<Map<string, KnownVersion<T>>> {
  const body = await readListedFile(store, bucket, file);
  const versions = new Map<string, KnownVersion<T>>();
  try {
    for (const line of parseNdjson(new TextDecoder().decode(body))) {
      const { id, origin, row } = parseKnownVersion<T>(line, idField);
      versions.set(id, { origin, row });
    }
  } catch (error) {
    throw new ManifestMismatchError(
      `snapshot file ${file.key} is malformed: ${(error as Error).message}`,
      file.key,
      {
        cause: error,
      },
    );
  }
  if (versions.size !== file.rows) {
    throw new ManifestMismatchError(
      `${file.key} holds ${versions.size} ids, its marker says ${file.rows}`,
      file.key,
    );
  }
  return versions;
}
