/** A2: the users of an organization — search and keyset paging, add, edit, remove (sync stops first). */
import type { AdminAccessProblem, AdminUser, UserCreateRequest, UserListQuery, UserListResponse, UserUpdateRequest } from '../../shared/api/admin';
import { UserListQuerySchema } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import type { AdminUserRow } from '../store/admin';
import { StoreConflictError } from '../store/errors';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminConflictError, AdminNotFoundError } from './errors';

export function toUserDto(row: AdminUserRow): AdminUser {
  return {
    id: row.id,
    organizationId: row.organizationId,
    displayName: row.displayName,
    email: row.email,
    mailboxLogin: row.mailboxLogin,
    c4cLogin: row.c4cLogin,
    c4cUserId: row.c4cUserId,
    entraObjectId: row.entraObjectId,
    role: row.role,
    lastAccessCheck: row.lastAccessCheck
      ? { ...row.lastAccessCheck, problem: row.lastAccessCheck.problem as AdminAccessProblem, checkedAt: row.lastAccessCheck.checkedAt.toISOString() }
      : null,
    syncStatus: row.syncStatus,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function userConflict(error: StoreConflictError): AdminConflictError {
  if (error.constraint?.includes('entra')) return new AdminConflictError('entraObjectId', 'Another user of this organization has this Entra object id.');
  return new AdminConflictError('email', 'Another user of this organization has this mailbox address.');
}

export async function listUsers(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, query: UserListQuery): Promise<UserListResponse> {
  await managedOrganization(deps, principal, organizationId);
  const q = UserListQuerySchema.parse(query);
  const page = await deps.admin.listUsers(organizationId, { q: q.q || undefined, limit: q.limit, cursor: q.cursor });
  return { users: page.users.map(toUserDto), total: page.total, nextCursor: page.nextCursor };
}

export async function getUser(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string): Promise<AdminUser> {
  await managedOrganization(deps, principal, organizationId);
  const user = await deps.admin.getUser(organizationId, userId);
  if (!user) throw new AdminNotFoundError('user');
  return toUserDto(user);
}

async function assertAddressFree(deps: AdminDeps, organizationId: string, email: string): Promise<void> {
  const taken = await deps.admin.emailsInOtherOrganizations(organizationId, [email]);
  if (taken.size > 0) throw new AdminConflictError('email', 'This mailbox address belongs to a user of another organization.');
}

export async function createUser(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, input: UserCreateRequest): Promise<AdminUser> {
  await managedOrganization(deps, principal, organizationId);
  await assertAddressFree(deps, organizationId, input.email);
  let id: string;
  try {
    id = (await deps.store.users.create(organizationId, input)).id;
  } catch (error) {
    if (error instanceof StoreConflictError) throw userConflict(error);
    throw error;
  }
  await audit(deps, principal, organizationId, 'user.created', { userId: id, email: input.email, displayName: input.displayName });
  return getUser(deps, principal, organizationId, id);
}

export async function updateUser(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string, patch: UserUpdateRequest): Promise<AdminUser> {
  await managedOrganization(deps, principal, organizationId);
  if (patch.email !== undefined) await assertAddressFree(deps, organizationId, patch.email);
  let updated;
  try {
    updated = await deps.store.users.update(organizationId, userId, patch);
  } catch (error) {
    if (error instanceof StoreConflictError) throw userConflict(error);
    throw error;
  }
  if (!updated) throw new AdminNotFoundError('user');
  await audit(deps, principal, organizationId, 'user.updated', { userId, changed: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) });
  return getUser(deps, principal, organizationId, userId);
}

export async function deleteUser(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string): Promise<{ deleted: true; syncStopped: boolean }> {
  await managedOrganization(deps, principal, organizationId);
  const user = await deps.admin.getUser(organizationId, userId);
  if (!user) throw new AdminNotFoundError('user');
  let syncStopped = false;
  const sync = deps.sync();
  if (sync && user.syncStatus !== null) {
    await sync.disable(organizationId, userId, { kind: 'admin', id: principal.actor });
    syncStopped = true;
  }
  if (!(await deps.store.users.delete(organizationId, userId))) throw new AdminNotFoundError('user');
  await audit(deps, principal, organizationId, 'user.deleted', { userId, email: user.email, displayName: user.displayName });
  return { deleted: true, syncStopped };
}
