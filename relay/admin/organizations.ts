/** A1: organizations as an admin sees them — list, create, edit, delete (sessions stop first, then the cascade). */
import crypto from 'node:crypto';
import { organizationSyncSettings } from '../../shared/api/sync';
import type { Organization, OrganizationCreateRequest, OrganizationDeletePreview, OrganizationDeleteResponse, OrganizationUpdateRequest } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { createStore } from '../store';
import type { AdminOrganizationRow } from '../store/admin';
import { StoreConflictError } from '../store/errors';
import { audit, managedOrganization, scopeOf, type AdminDeps } from './context';
import { AdminConflictError, AdminForbiddenError, ConfirmationRequiredError } from './errors';

export function toOrganizationDto(row: AdminOrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    entraTenantId: row.entraTenantId,
    syncIntervalMinutes: organizationSyncSettings(row.settings.sync).intervalMinutes,
    userCount: row.userCount,
    mailboxAccessKind: row.mailboxAccessKind,
    c4cConfigured: row.c4cConfigured,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** "Contoso Sales (EU)" → "contoso-sales-eu". */
export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return base || 'organization';
}

function conflictOf(error: StoreConflictError): AdminConflictError {
  if (error.constraint?.includes('tenant')) return new AdminConflictError('entraTenantId', 'Another organization is already bound to this Entra tenant.');
  return new AdminConflictError('slug', 'Another organization already uses this slug.');
}

function withSyncInterval(settings: Record<string, unknown>, minutes: number | undefined): Record<string, unknown> | undefined {
  if (minutes === undefined) return undefined;
  const sync = typeof settings.sync === 'object' && settings.sync !== null ? (settings.sync as Record<string, unknown>) : {};
  return { ...settings, sync: { ...sync, intervalMinutes: minutes } };
}

export async function listOrganizations(deps: AdminDeps, principal: AdminPrincipal): Promise<Organization[]> {
  return (await deps.admin.listOrganizations(scopeOf(principal))).map(toOrganizationDto);
}

export async function getOrganization(deps: AdminDeps, principal: AdminPrincipal, id: string): Promise<Organization> {
  return toOrganizationDto(await managedOrganization(deps, principal, id));
}

export async function createOrganization(deps: AdminDeps, principal: AdminPrincipal, input: OrganizationCreateRequest): Promise<Organization> {
  // Left out: the admin's own tenant, unless an organization already has it (then this one has no sidebar tenant).
  const tenant =
    input.entraTenantId === undefined
      ? (await deps.store.organizations.getByTenant(principal.tenantId)) ? null : principal.tenantId
      : input.entraTenantId?.toLowerCase() ?? null;
  if (!principal.operator && tenant !== null && tenant !== principal.tenantId) {
    throw new AdminForbiddenError('An administrator can bind an organization only to their own Entra tenant.');
  }
  const settings = withSyncInterval({}, input.syncIntervalMinutes) ?? {};
  const explicitSlug = input.slug;
  let slug = explicitSlug ?? slugify(input.name);
  for (let attempt = 0; ; attempt++) {
    try {
      const created = await deps.db.transaction(async (tx) => {
        const store = createStore(tx, deps.secrets);
        const organization = await store.organizations.create({ name: input.name, slug, entraTenantId: tenant, settings });
        // Recorded as the creating admin's, so an organization without (or with another) sidebar tenant stays theirs.
        if (!principal.operator) await tx.query('UPDATE organizations SET admin_tenant_id = $2::uuid WHERE id = $1', [organization.id, principal.tenantId]);
        await store.audit.record({ organizationId: organization.id, actor: principal.actor, action: 'organization.created', details: { name: organization.name, slug, entraTenantId: tenant } });
        return organization;
      });
      return getOrganization(deps, principal, created.id);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      // A derived slug that is taken gets a short suffix; a chosen one, or a taken tenant, is the caller's to fix.
      if (explicitSlug !== undefined || error.constraint?.includes('tenant') || attempt >= 3) throw conflictOf(error);
      slug = `${slugify(input.name).slice(0, 45)}-${crypto.randomBytes(2).toString('hex')}`;
    }
  }
}

export async function updateOrganization(deps: AdminDeps, principal: AdminPrincipal, id: string, patch: OrganizationUpdateRequest): Promise<Organization> {
  const current = await managedOrganization(deps, principal, id);
  if (patch.entraTenantId !== undefined && !principal.operator && (patch.entraTenantId?.toLowerCase() ?? null) !== current.entraTenantId) {
    throw new AdminForbiddenError('Only an operator can change the Entra tenant of an organization.');
  }
  try {
    await deps.store.organizations.update(id, {
      name: patch.name,
      slug: patch.slug,
      entraTenantId: patch.entraTenantId,
      settings: withSyncInterval(current.settings, patch.syncIntervalMinutes),
    });
  } catch (error) {
    if (error instanceof StoreConflictError) throw conflictOf(error);
    throw error;
  }
  const changed = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  await audit(deps, principal, id, 'organization.updated', { changed });
  return getOrganization(deps, principal, id);
}

export async function previewOrganizationDelete(deps: AdminDeps, principal: AdminPrincipal, id: string): Promise<OrganizationDeletePreview> {
  const organization = await managedOrganization(deps, principal, id);
  const counts = await deps.admin.deleteCounts(id);
  return {
    organizationId: id,
    name: organization.name,
    slug: organization.slug,
    users: counts.users,
    secrets: { c4cPassword: counts.c4cPassword, mailboxAccessSecret: counts.mailboxAccessSecret, userCredentials: counts.userCredentials },
    sync: { mailboxes: counts.mailboxes, enabled: counts.enabledMailboxes },
    accessCheckRuns: counts.accessCheckRuns,
    auditEntries: counts.auditEntries,
  };
}

export async function deleteOrganization(deps: AdminDeps, principal: AdminPrincipal, id: string, confirm: string): Promise<OrganizationDeleteResponse> {
  const preview = await previewOrganizationDelete(deps, principal, id);
  if (confirm !== preview.slug) throw new ConfirmationRequiredError(preview.slug);
  // Sessions stop before the rows they work on disappear: a running session finishes its item and finds no mailbox.
  let stopped = 0;
  const sync = deps.sync();
  if (sync) {
    for (const userId of await deps.admin.mailboxUserIds(id)) {
      await sync.disable(id, userId, { kind: 'admin', id: principal.actor });
      stopped++;
    }
  }
  await cancelActiveRun(deps, id);
  await deps.db.transaction(async (tx) => {
    const store = createStore(tx, deps.secrets);
    await store.organizations.delete(id);
    // The organization's own audit entries go with it; this one stays (organization-less) for operators.
    await store.audit.record({ organizationId: null, actor: principal.actor, action: 'organization.deleted', details: { organizationId: id, name: preview.name, slug: preview.slug, removed: { users: preview.users, mailboxes: preview.sync.mailboxes, secrets: preview.secrets } } });
  });
  return { deleted: true, removed: preview, mailboxesStopped: stopped };
}

async function cancelActiveRun(deps: AdminDeps, organizationId: string): Promise<void> {
  const active = await deps.admin.activeRun(organizationId);
  if (active) await deps.admin.requestCancel(organizationId, active.id);
}
