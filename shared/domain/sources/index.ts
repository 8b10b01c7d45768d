import { dummyJson } from './dummyjson';
import { fakeStore } from './fakestore';
import { fileDrops } from './files';
import { postgres } from './postgres';
import type { SourceDefinition } from './source-definition';

export type {
  Entity,
  SourceCustomer,
  SourceDefinition,
  SourceKind,
  SourceOrderLine,
  SourceOrderSnapshot,
  SourceProduct,
} from './source-definition';

/** Every source the pipeline knows. Adding a source: one module beside this file and one line here. */
export const SOURCES: Readonly<Record<string, SourceDefinition>> = {
  [dummyJson.name]: dummyJson,
  [fakeStore.name]: fakeStore,
  [fileDrops.name]: fileDrops,
  [postgres.name]: postgres,
};

/** The sources ingest pulls from an HTTP API on a schedule. */
export const API_SOURCE_NAMES: readonly string[] = Object.values(SOURCES)
  .filter((source) => source.kind === 'api')
  .map((source) => source.name);

/** The source file drops in `landing/` are ingested as. */
export const FILE_SOURCE_NAME = fileDrops.name;

/** The shop database ingest extracts incrementally on a schedule. */
export const POSTGRES_SOURCE_NAME = postgres.name;

/** The source of a name, or undefined. */
export function sourceNamed(name: string): SourceDefinition | undefined {
  return Object.hasOwn(SOURCES, name) ? SOURCES[name] : undefined;
}
