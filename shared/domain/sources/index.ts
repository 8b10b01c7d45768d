import { dummyJson } from './dummyjson';
import { fakeStore } from './fakestore';
import { fileDrops } from './files';
import type { SourceDefinition } from './source-definition';

export type {
  Entity,
  SourceCustomer,
  SourceDefinition,
  SourceOrderLine,
  SourceProduct,
} from './source-definition';

/** Every source the pipeline knows. Adding a source: one module beside this file and one line here. */
export const SOURCES: Readonly<Record<string, SourceDefinition>> = {
  [dummyJson.name]: dummyJson,
  [fakeStore.name]: fakeStore,
  [fileDrops.name]: fileDrops,
};

/** The sources ingest pulls from an HTTP API on a schedule: every source but the file drops. */
export const API_SOURCE_NAMES: readonly string[] = Object.keys(SOURCES).filter(
  (name) => name !== fileDrops.name,
);

/** The source file drops in `landing/` are ingested as. */
export const FILE_SOURCE_NAME = fileDrops.name;

/** The source of a name, or undefined. */
export function sourceNamed(name: string): SourceDefinition | undefined {
  return Object.hasOwn(SOURCES, name) ? SOURCES[name] : undefined;
}
