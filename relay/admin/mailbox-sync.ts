/**
 * E1 for admins: a user's sync status (the same SyncStatus the sidebar shows) and Sync now / Pause / Resume on their
 * behalf, through the one SyncControl. Every action is audited.
 */
import type { SyncNowResponse, SyncStatus } from '../../shared/api/sync';
import type { AdminPrincipal } from '../auth/admin';
import type { Actor, SyncControl } from '../sync/types';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminNotFoundError, SyncUnavailableError } from './errors';

export type MailboxSyncAction = 'now' | 'pause' | 'resume';

async function syncOf(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string): Promise<SyncControl> {
  await managedOrganization(deps, principal, organizationId);
  if (!(await deps.store.users.get(organizationId, userId))) throw new AdminNotFoundError('user');
  const sync = deps.sync();
  if (!sync) throw new SyncUnavailableError();
  return sync;
}

export async function getMailboxSync(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string): Promise<SyncStatus> {
  return (await syncOf(deps, principal, organizationId, userId)).status(organizationId, userId);
}

export async function actOnMailboxSync(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string, action: MailboxSyncAction): Promise<SyncStatus | SyncNowResponse> {
  const sync = await syncOf(deps, principal, organizationId, userId);
  const actor: Actor = { kind: 'admin', id: principal.actor };
  let answer: SyncStatus | SyncNowResponse;
  if (action === 'now') {
    const { result } = await sync.syncNow(organizationId, userId, actor, 'admin');
    answer = { result, status: await sync.status(organizationId, userId) };
  } else {
    answer = action === 'pause' ? await sync.pause(organizationId, userId, actor) : await sync.resume(organizationId, userId, actor);
  }
  await audit(deps, principal, organizationId, `sync.${action}`, { userId });
  return answer;
}
