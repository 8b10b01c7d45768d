import type { Entity } from '../domain/sources';

/** One row as the extraction query selects it, with the time it last changed (`changed_at`). */
export type ChangedRow = Record<string, unknown> & { changed_at: string };

/** Which rows of an entity to read: those changed at or after `watermark` less `overlapSeconds`. */
export interface ChangeWindow {
  /** The entity's watermark (a database timestamp, see domain/watermark.ts); null: read every row. */
  watermark: string | null;
  overlapSeconds: number;
}

/** Reads inside one consistent snapshot of the database. */
export interface ChangeReader {
  /** The lower bound the window names, as the database computes it (null: no bound). */
  lowerBound(window: ChangeWindow): Promise<string | null>;
  /**
   * The entity's rows changed in the window, `batchRows` at a time through a server-side cursor, so
   * a large table never sits in memory. Orders come with all of their current items.
   */
  changes(entity: Entity, window: ChangeWindow, batchRows: number): AsyncIterable<ChangedRow[]>;
}

/**
 * A shop's own database, as the incremental extraction sees it: one connection, read in one
 * repeatable-read, read-only transaction, so customers, products and orders come from one snapshot.
 */
export interface ShopDatabase {
  /** `postgres://host:port/database`: where rows came from (lineage, logs, errors); never credentials. */
  readonly location: string;
  /** Run `work` in one read-only snapshot; committed (nothing to commit) or rolled back after. */
  snapshot<T>(work: (reader: ChangeReader) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
