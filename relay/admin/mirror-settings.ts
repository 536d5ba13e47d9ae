/**
 * E10 / E11: an organization's two-way mirroring settings (organizations.settings.mirror): kill switch, conflict rule,
 * calendar window, deletion cap, contact filter and limit, read-only contacts, and the per-field direction overrides,
 * validated against the mapping tables. Reads answer the effective tables too, for the console and the README.
 */
import { mirrorSettings, type MirrorSettings, type MirrorSettingsResponse, type MirrorTable } from '../../shared/api/mirror';
import type { AdminPrincipal } from '../auth/admin';
import { MAPPING_TABLES, overrideErrors } from '../sync/mirror/mapping';
import type { Direction, MirrorKind } from '../sync/mirror/types';
import { MIRROR_KINDS } from '../sync/mirror/types';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminNotFoundError, AdminValidationError } from './errors';

/** The mapping tables with the organization's directions (unknown / fixed overrides in stored data are ignored). */
export function effectiveTables(settings: Pick<MirrorSettings, 'directions'>): MirrorTable[] {
  return MIRROR_KINDS.map((kind) => {
    const table = MAPPING_TABLES[kind];
    const overrides: Record<string, Direction> = settings.directions[kind] ?? {};
    return {
      kind,
      c4cEntitySet: table.c4cEntitySet,
      mailboxFolder: table.mailboxFolder,
      fields: table.fields.map((f) => {
        const override = f.configurable ? overrides[f.field] : undefined;
        return {
          field: f.field,
          label: f.label,
          mailboxProperty: f.mailboxProperty,
          c4cProperty: f.c4cProperty,
          defaultDirection: f.defaultDirection,
          direction: override ?? f.defaultDirection,
          configurable: f.configurable,
          transform: f.transform?.name ?? null,
          exception: f.exception ?? null,
        };
      }),
    };
  });
}

/** Only overrides that differ from the default are stored, so a later change of a default reaches the organization. */
function compactDirections(directions: MirrorSettings['directions']): MirrorSettings['directions'] {
  const out: MirrorSettings['directions'] = {};
  for (const kind of Object.keys(directions) as MirrorKind[]) {
    const fields = MAPPING_TABLES[kind].fields;
    const kept = Object.entries(directions[kind] ?? {}).filter(([field, d]) => fields.find((f) => f.field === field)?.defaultDirection !== d);
    if (kept.length > 0) out[kind] = Object.fromEntries(kept);
  }
  return out;
}

async function organizationRow(deps: AdminDeps, organizationId: string) {
  const row = await deps.store.organizations.get(organizationId);
  if (!row) throw new AdminNotFoundError('organization');
  return row;
}

export async function getMirrorSettings(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<MirrorSettingsResponse> {
  await managedOrganization(deps, principal, organizationId);
  const row = await organizationRow(deps, organizationId);
  const settings = mirrorSettings(row.settings.mirror);
  return { settings, tables: effectiveTables(settings) };
}

/**
 * Replaces the organization's mirror settings. The input is already shaped by MirrorSettingsSchema (the route parses
 * it); here each direction override is checked against its table: an unknown field or a fixed one is a 400 naming
 * `directions.<kind>.<field>`.
 */
export async function setMirrorSettings(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, input: MirrorSettings): Promise<MirrorSettingsResponse> {
  await managedOrganization(deps, principal, organizationId);
  const errors = overrideErrors(MAPPING_TABLES, input);
  if (errors.length > 0) {
    const fields = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    throw new AdminValidationError(`Invalid mapping overrides: ${errors.map((e) => e.path).join(', ')}. ${errors[0].message}`, fields);
  }
  const row = await organizationRow(deps, organizationId);
  const before = mirrorSettings(row.settings.mirror);
  const next: MirrorSettings = { ...input, directions: compactDirections(input.directions) };
  await deps.store.organizations.update(organizationId, { settings: { ...row.settings, mirror: next } });
  const changed = (Object.keys(next) as (keyof MirrorSettings)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(before[k]));
  await audit(deps, principal, organizationId, 'mirror-settings.updated', { changed, enabled: next.enabled, conflictRule: next.conflictRule, directions: next.directions });
  return { settings: next, tables: effectiveTables(next) };
}
