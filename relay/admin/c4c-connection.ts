/** A6: the organization's C4C connection (password write-only) and its test. */
import type { C4cConnectionRequest, C4cConnectionResponse, C4cConnectionTestRequest, C4cConnectionTestResponse } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { audit, managedOrganization, type AdminDeps } from './context';
import { NotConfiguredError, SecretRequiredError } from './errors';
import { testC4cConnection, type C4cTestOptions } from './c4c-test';

export async function getC4cConnection(deps: AdminDeps, principal: AdminPrincipal, organizationId: string): Promise<C4cConnectionResponse> {
  await managedOrganization(deps, principal, organizationId);
  const connection = await deps.store.c4cConnections.get(organizationId);
  if (!connection) return { configured: false, connection: null };
  const dates = await deps.admin.secretDates(organizationId);
  return {
    configured: true,
    connection: {
      serviceRoot: connection.serviceRoot,
      authKind: connection.authKind,
      username: connection.username,
      passwordSetAt: (dates.c4cPasswordSetAt ?? connection.updatedAt).toISOString(),
      updatedAt: connection.updatedAt.toISOString(),
    },
  };
}

export async function setC4cConnection(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, input: C4cConnectionRequest): Promise<C4cConnectionResponse> {
  await managedOrganization(deps, principal, organizationId);
  const current = await deps.store.c4cConnections.get(organizationId);
  if (!current && !input.password) throw new SecretRequiredError('password', "Enter the technical user's password (it is needed the first time).");
  await deps.store.c4cConnections.upsert(organizationId, { serviceRoot: input.serviceRoot, username: input.username, password: input.password });
  await audit(deps, principal, organizationId, 'c4c-connection.updated', { serviceRoot: input.serviceRoot, username: input.username, passwordReplaced: input.password !== undefined });
  return getC4cConnection(deps, principal, organizationId);
}

export async function runC4cConnectionTest(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  input: C4cConnectionTestRequest,
  options: C4cTestOptions = {},
): Promise<C4cConnectionTestResponse> {
  await managedOrganization(deps, principal, organizationId);
  const stored = await deps.store.c4cConnections.getWithSecret(organizationId);
  const serviceRoot = input.serviceRoot ?? stored?.serviceRoot;
  const username = input.username ?? stored?.username;
  const password = input.password ?? stored?.password;
  if (!serviceRoot || !username) throw new NotConfiguredError('c4c-connection', 'There is no C4C connection to test yet: enter the service root and the technical user.');
  if (!password) throw new SecretRequiredError('password', "Enter the technical user's password to test the connection.");
  const result = await testC4cConnection({ serviceRoot, username, password }, { timeoutMs: deps.c4cTimeoutMs, ...options });
  await audit(deps, principal, organizationId, 'c4c-connection.tested', { serviceRoot, username, ok: result.ok, problem: result.problem });
  return result;
}
