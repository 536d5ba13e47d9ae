/**
 * The organization's direction overrides (MirrorSettings.directions) checked against the mapping tables: an override
 * may name only a field of the kind's table whose direction is configurable. Errors name the kind and the field.
 */
import type { MirrorSettings } from '../../../../shared/api/mirror';
import type { Direction, MirrorKind } from '../types';
import type { MappingTable } from './types';

export class MappingOverrideError extends Error {
  constructor(
    readonly kind: MirrorKind,
    readonly field: string,
    readonly problem: 'unknown-field' | 'not-configurable',
    message: string,
  ) {
    super(message);
    this.name = 'MappingOverrideError';
  }

  /** The settings path of the offending entry, e.g. `directions.appointment.subject`. */
  get path(): string {
    return `directions.${this.kind}.${this.field}`;
  }
}

/** Throws MappingOverrideError for the first override naming an unknown or fixed field of `table`. */
export function checkOverrides<K extends MirrorKind>(table: MappingTable<K>, overrides: Record<string, Direction> | undefined): void {
  for (const field of Object.keys(overrides ?? {})) {
    const mapping = table.fields.find((f) => f.field === field);
    if (!mapping) {
      const known = table.fields.map((f) => f.field).join(', ');
      throw new MappingOverrideError(table.kind, field, 'unknown-field', `${table.kind} has no mapped field "${field}" (fields: ${known}).`);
    }
    if (!mapping.configurable && overrides?.[field] !== mapping.defaultDirection) {
      throw new MappingOverrideError(
        table.kind,
        field,
        'not-configurable',
        `The direction of ${table.kind} field "${field}" (${mapping.label}) is fixed to "${mapping.defaultDirection}"${mapping.exception ? `: ${mapping.exception}` : ''}.`,
      );
    }
  }
}

/** Every override of every kind in `settings`, against `tables`; returns all errors (empty when valid). */
export function overrideErrors(tables: { [K in MirrorKind]: MappingTable<K> }, settings: Pick<MirrorSettings, 'directions'>): MappingOverrideError[] {
  const errors: MappingOverrideError[] = [];
  for (const kind of Object.keys(settings.directions) as MirrorKind[]) {
    const overrides = settings.directions[kind];
    const table = tables[kind];
    for (const [field, direction] of Object.entries(overrides ?? {})) {
      try {
        checkOverrides(table as MappingTable<MirrorKind>, { [field]: direction });
      } catch (err) {
        if (err instanceof MappingOverrideError) errors.push(err);
        else throw err;
      }
    }
  }
  return errors;
}

/** The effective direction of each field: the table's default unless the organization overrides it. */
export function effectiveDirections<K extends MirrorKind>(table: MappingTable<K>, overrides: Record<string, Direction> | undefined): Record<string, Direction> {
  checkOverrides(table, overrides);
  const out: Record<string, Direction> = {};
  for (const f of table.fields) out[f.field] = overrides?.[f.field] ?? f.defaultDirection;
  return out;
}
