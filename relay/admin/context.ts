/** What every admin use case is given, and the caller's scope. */
import type { AdminPrincipal } from '../auth/admin';
import type { Logger } from '../log';
import type { MailboxFactory } from '../mailbox/types';
import type { JobQueue } from '../scheduler/jobs';
import type { SecretBox } from '../secrets/secret-box';
import type { Db } from '../store/db';
import { createStore, type Store } from '../store';
import { createAdminRepository, type AdminRepository, type AdminOrganizationRow, type OrganizationScope } from '../store/admin';
import type { SyncControl } from '../sync/types';
import { AdminNotFoundError } from './errors';

export interface AdminDeps {
  db: Db;
  secrets: SecretBox;
  store: Store;
  admin: AdminRepository;
  jobs: JobQueue;
  logger: Logger;
  mailboxes: MailboxFactory;
  /** The sync engine's control surface, when it runs in this relay (read late: it may be wired after the routes). */
  sync(): SyncControl | undefined;
  /** Defaults for graph-delegated access: the relay's own app registration. */
  delegatedApp?: { clientId: string; clientSecret?: string; authorityHost: string; graphBaseUrl?: string };
  /** Trust for the C4C test and the CSV's employee check (a private CA). */
  c4cTimeoutMs?: number;
}

export function createAdminDeps(input: Omit<AdminDeps, 'store' | 'admin'>): AdminDeps {
  return { ...input, store: createStore(input.db, input.secrets), admin: createAdminRepository(input.db) };
}

export function scopeOf(principal: AdminPrincipal): OrganizationScope {
  return principal.operator ? { all: true } : { all: false, tenantId: principal.tenantId };
}

/** The organization when the caller may manage it; otherwise the same "not found" as for an unknown id. */
export async function managedOrganization(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<AdminOrganizationRow> {
  const organization = await deps.admin.getOrganization(scopeOf(principal), organizationId);
  if (!organization) throw new AdminNotFoundError('organization');
  return organization;
}

/** Audit entries never carry secrets: callers pass only names, ids, counts and "replaced" flags. */
export async function audit(deps: AdminDeps, principal: AdminPrincipal, organizationId: string | null, action: string, details: Record<string, unknown> = {}): Promise<void> {
  await deps.store.audit.record({ organizationId, actor: principal.actor, action, details });
}
