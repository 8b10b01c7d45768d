import { dummyJson } from './dummyjson';
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
};

/** The source of a name, or undefined. */
export function sourceNamed(name: string): SourceDefinition | undefined {
  return Object.hasOwn(SOURCES, name) ? SOURCES[name] : undefined;
}
