/**
 * The mapping tables (E10) and `kindMapping`, the one entry point side adapters and the planner use: a kind's table
 * with the organization's effective directions, the converters filtered by direction, and the side hashes.
 */
import type { MirrorSettings } from '../../../../shared/api/mirror';
import type { Direction, MappedFields, MirrorKind, Side } from '../types';
import { ACCOUNT_TABLE } from './account';
import { APPOINTMENT_TABLE } from './appointment';
import { CONTACT_TABLE } from './contact';
import { mirrorHash } from './hash';
import { INDIVIDUAL_CUSTOMER_TABLE } from './individual-customer';
import { effectiveDirections } from './overrides';
import { TASK_TABLE } from './task';
import type { C4cWrite, KindMapping, MappingTable, NativeTypes } from './types';

export { mirrorHash, canonicalJson } from './hash';
export { MappingOverrideError, checkOverrides, overrideErrors, effectiveDirections } from './overrides';

export const MAPPING_TABLES: { readonly [K in MirrorKind]: MappingTable<K> } = {
  appointment: APPOINTMENT_TABLE,
  task: TASK_TABLE,
  contact: CONTACT_TABLE,
  account: ACCOUNT_TABLE,
  individualCustomer: INDIVIDUAL_CUSTOMER_TABLE,
};

/** Directions whose changes flow from `side` into the other side. */
export const flowsFrom = (side: Side, d: Direction): boolean => d === 'both' || d === (side === 'mailbox' ? 'to-c4c' : 'to-mailbox');
/** Directions whose changes may be written into `side`. */
export const flowsInto = (side: Side, d: Direction): boolean => d === 'both' || d === (side === 'mailbox' ? 'to-mailbox' : 'to-c4c');

/** The fields of a kind whose changes flow from `side` (what that side's hash covers). */
export function fieldsFrom(directions: Record<string, Direction>, side: Side): string[] {
  return Object.entries(directions)
    .filter(([, d]) => flowsFrom(side, d))
    .map(([f]) => f)
    .sort();
}

/**
 * The kind's table combined with the organization's overrides (settings.directions[kind]); throws
 * MappingOverrideError when an override names an unknown or fixed field.
 */
export function kindMapping<K extends MirrorKind>(kind: K, settings: Pick<MirrorSettings, 'directions'>): KindMapping<K> {
  const table = MAPPING_TABLES[kind] as MappingTable<K>;
  const directions = effectiveDirections(table, settings.directions[kind]);
  const active = table.fields.filter((f) => directions[f.field] !== 'none');
  const fromSideFields = { mailbox: fieldsFrom(directions, 'mailbox'), c4c: fieldsFrom(directions, 'c4c') };
  return {
    table,
    directions,
    fromMailbox(item) {
      const out: MappedFields = {};
      for (const f of active) out[f.field] = f.fromMailbox(item);
      return out;
    },
    fromC4c(record) {
      const out: MappedFields = {};
      for (const f of active) out[f.field] = f.fromC4c(record);
      return out;
    },
    toMailbox(fields) {
      const out: Partial<NativeTypes[K]['mailboxInput']> = {};
      for (const f of active) if (flowsInto('mailbox', directions[f.field]) && f.field in fields) f.toMailbox(fields[f.field] ?? null, out);
      return out;
    },
    toC4c(fields) {
      const out: C4cWrite = { body: {} };
      for (const f of active) if (flowsInto('c4c', directions[f.field]) && f.field in fields) f.toC4c(fields[f.field] ?? null, out);
      return out;
    },
    hash(side, fields) {
      return mirrorHash(fields, fromSideFields[side]);
    },
  };
}
