/**
 * Test helpers: the published C4C samples (the project's copy in test/fixtures/c4c, origins in its README), read-only,
 * and a small reader for the vendored `$metadata` (entity types, property flags, entity sets): the emulator's copy,
 * byte-for-byte the published file (test/emulators/c4c/EDMX-SOURCE.md).
 */
import fs from 'node:fs';
import path from 'node:path';

export const C4C_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'c4c');
export const SAMPLES = path.join(C4C_FIXTURES, 'samples');
const EDMX = path.resolve(__dirname, '..', 'emulators', 'c4c', 'c4codataapi.edmx');

export function sample(name: string): string {
  return fs.readFileSync(path.join(SAMPLES, name), 'utf8');
}

export function sampleJson<T = unknown>(name: string): T {
  return JSON.parse(sample(name)) as T;
}

export interface EdmxProperty {
  type: string;
  nullable: boolean;
  creatable: boolean;
  updatable: boolean;
  filterable: boolean;
}

export interface EdmxEntityType {
  properties: Map<string, EdmxProperty>;
  navigations: Set<string>;
}

export interface EdmxModel {
  types: Map<string, EdmxEntityType>;
  /** Entity set name → entity type name. */
  sets: Map<string, string>;
  functionImports: Set<string>;
}

let cached: EdmxModel | undefined;

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([\w:]+)="([^"]*)"/g)) out[match[1]] = match[2];
  return out;
}

export function loadEdmx(): EdmxModel {
  if (cached) return cached;
  const xml = fs.readFileSync(EDMX, 'utf8');
  const types = new Map<string, EdmxEntityType>();
  for (const match of xml.matchAll(/<EntityType Name="(\w+)"[^>]*>([\s\S]*?)<\/EntityType>/g)) {
    const properties = new Map<string, EdmxProperty>();
    for (const property of match[2].matchAll(/<Property ([^>]*?)\/?>/g)) {
      const a = attributes(property[1]);
      properties.set(a.Name, {
        type: a.Type,
        nullable: a.Nullable !== 'false',
        creatable: a['sap:creatable'] !== 'false',
        updatable: a['sap:updatable'] !== 'false',
        filterable: a['sap:filterable'] !== 'false',
      });
    }
    const navigations = new Set([...match[2].matchAll(/<NavigationProperty Name="(\w+)"/g)].map((m) => m[1]));
    types.set(match[1], { properties, navigations });
  }
  const sets = new Map<string, string>();
  for (const match of xml.matchAll(/<EntitySet Name="(\w+)" EntityType="c4codata\.(\w+)"/g)) sets.set(match[1], match[2]);
  const functionImports = new Set([...xml.matchAll(/<FunctionImport Name="(\w+)"/g)].map((m) => m[1]));
  cached = { types, sets, functionImports };
  return cached;
}
