/**
 * A8 and the organization's sync settings for admins: the organization-wide switches of the engine (interval,
 * auto-resolving E8, internal mail, …) and named settings presets applied to the organization or to chosen users,
 * keeping or overriding the users' own changes. Every change is audited.
 */
import type { OrganizationSyncSettingsUpdate, Preset, PresetApplyRequest, PresetApplyResponse, PresetCreateRequest, PresetUpdateRequest } from '../../shared/api/presets';
import { organizationSyncSettings, type OrganizationSyncSettings } from '../../shared/api/sync';
import type { AdminPrincipal } from '../auth/admin';
import { StoreConflictError } from '../store/errors';
import { createPresetRepository, type PresetRow } from '../store/presets';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminConflictError, AdminNotFoundError, AdminValidationError } from './errors';

function toDto(row: PresetRow): Preset {
  return {
    id: row.id,
    name: row.name,
    settings: row.settings,
    isOrganizationDefault: row.isOrganizationDefault,
    assignedUsers: row.assignedUsers,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const presetsOf = (deps: AdminDeps) => createPresetRepository(deps.db);

async function conflictAsName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StoreConflictError) throw new AdminConflictError('name', 'A preset with this name exists already.');
    throw error;
  }
}

export async function getOrganizationSyncSettings(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<{ settings: OrganizationSyncSettings }> {
  await managedOrganization(deps, principal, organizationId);
  const row = await deps.store.organizations.get(organizationId);
  if (!row) throw new AdminNotFoundError('organization');
  return { settings: organizationSyncSettings(row.settings.sync) };
}

export async function setOrganizationSyncSettings(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, patch: OrganizationSyncSettingsUpdate): Promise<{ settings: OrganizationSyncSettings }> {
  await managedOrganization(deps, principal, organizationId);
  const row = await deps.store.organizations.get(organizationId);
  if (!row) throw new AdminNotFoundError('organization');
  const current = organizationSyncSettings(row.settings.sync);
  const next: OrganizationSyncSettings = { ...current, ...patch, suspendAfter: { ...current.suspendAfter, ...(patch.suspendAfter ?? {}) } };
  if (next.autoResolveAccounts && next.autoResolve === 'off') {
    throw new AdminValidationError('Accounts are created only together with the people: choose Leads or Contacts first.', { autoResolveAccounts: 'Needs auto-resolving of people (Leads or Contacts)' });
  }
  await deps.store.organizations.update(organizationId, { settings: { ...row.settings, sync: next } });
  const changed = Object.keys(patch).filter((k) => JSON.stringify((patch as Record<string, unknown>)[k]) !== JSON.stringify((current as Record<string, unknown>)[k]));
  await audit(deps, principal, organizationId, 'sync-settings.updated', { changed });
  return { settings: next };
}

export async function listPresets(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<{ presets: Preset[] }> {
  await managedOrganization(deps, principal, organizationId);
  return { presets: (await presetsOf(deps).list(organizationId)).map(toDto) };
}

export async function createPreset(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, input: PresetCreateRequest): Promise<Preset> {
  await managedOrganization(deps, principal, organizationId);
  const row = await conflictAsName(() => presetsOf(deps).create(organizationId, input));
  await audit(deps, principal, organizationId, 'preset.created', { presetId: row.id, name: row.name, settings: row.settings });
  return toDto(row);
}

export async function updatePreset(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, presetId: string, input: PresetUpdateRequest): Promise<Preset> {
  await managedOrganization(deps, principal, organizationId);
  const row = await conflictAsName(() => presetsOf(deps).update(organizationId, presetId, input));
  if (!row) throw new AdminNotFoundError('preset');
  await audit(deps, principal, organizationId, 'preset.updated', { presetId, changed: Object.keys(input) });
  return toDto(row);
}

export async function deletePreset(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, presetId: string): Promise<{ deleted: true }> {
  await managedOrganization(deps, principal, organizationId);
  if (!(await presetsOf(deps).remove(organizationId, presetId))) throw new AdminNotFoundError('preset');
  await audit(deps, principal, organizationId, 'preset.deleted', { presetId });
  return { deleted: true };
}

export async function applyPreset(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, presetId: string, input: PresetApplyRequest): Promise<PresetApplyResponse> {
  await managedOrganization(deps, principal, organizationId);
  const result = await presetsOf(deps).apply(organizationId, presetId, input.target, input.mode);
  if (!result) throw new AdminNotFoundError('preset');
  await audit(deps, principal, organizationId, 'preset.applied', {
    presetId,
    target: input.target.kind === 'organization' ? 'organization' : `${input.target.userIds.length} user(s)`,
    mode: input.mode,
    ...result,
  });
  return result;
}
