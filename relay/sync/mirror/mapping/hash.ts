/**
 * The hash of a side's mapped fields (types.ts: SideItem.hash): SHA-256 over a canonical JSON of the named fields, with
 * object keys sorted at every depth and a missing field written as null, so key order, absent-versus-null and fields
 * outside the list never change it.
 */
import { createHash } from 'node:crypto';
import type { FieldValue, MappedFields } from '../types';

/** JSON with object keys sorted at every depth; array order is kept (the converters sort where order is meaningless). */
export function canonicalJson(value: FieldValue | undefined): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** Hex SHA-256 of the canonical JSON of `fields` restricted to `fieldNames` (order of the names is irrelevant). */
export function mirrorHash(fields: MappedFields, fieldNames: readonly string[]): string {
  const picked: Record<string, FieldValue> = {};
  for (const name of [...new Set(fieldNames)].sort()) picked[name] = fields[name] ?? null;
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}
