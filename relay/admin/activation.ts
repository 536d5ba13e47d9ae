/**
 * A5 bulk activation: enable sync (SyncControl.enable, idempotent) for every user whose latest access check passed,
 * or for a chosen set. Users left out are listed with the reason (never checked, check failed, not found).
 */
import type { ActivationRequest, ActivationResponse, AdminAccessProblem } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { audit, managedOrganization, type AdminDeps } from './context';
import { SyncUnavailableError } from './errors';

export async function activateUsers(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, request: ActivationRequest): Promise<ActivationResponse> {
  await managedOrganization(deps, principal, organizationId);
  const sync = deps.sync();
  if (!sync) throw new SyncUnavailableError();
  const users = await deps.store.users.listByOrg(organizationId);
  const byId = new Map(users.map((u) => [u.id, u]));
  const latest = await deps.admin.latestResults(organizationId);
  const wanted = request.mode === 'passed' ? users.map((u) => u.id) : [...new Set(request.userIds.map((id) => id.toLowerCase()))];

  const notActivated: ActivationResponse['notActivated'] = [];
  const eligible: string[] = [];
  for (const userId of wanted) {
    const user = byId.get(userId);
    if (!user) {
      notActivated.push({ userId, email: null, displayName: null, reason: 'not-found', problem: null, message: 'No such user in this organization.' });
      continue;
    }
    const result = latest.get(userId);
    if (!result) {
      notActivated.push({ userId, email: user.email, displayName: user.displayName, reason: 'not-checked', problem: null, message: 'The access to this mailbox was never checked. Run "Check users\' access" first.' });
    } else if (!result.ok) {
      notActivated.push({ userId, email: user.email, displayName: user.displayName, reason: 'check-failed', problem: result.problem as AdminAccessProblem, message: result.message });
    } else {
      eligible.push(userId);
    }
  }
  const outcomes = eligible.length > 0 ? await sync.enable(organizationId, eligible, { kind: 'admin', id: principal.actor }) : [];
  const activated = outcomes.map((o) => ({ userId: o.userId, email: byId.get(o.userId)?.email ?? '', outcome: o.outcome }));
  const tally = (outcome: string): number => activated.filter((a) => a.outcome === outcome).length;
  await audit(deps, principal, organizationId, 'users.activated', {
    mode: request.mode,
    enabled: tally('enabled'),
    alreadyEnabled: tally('already-enabled'),
    resumed: tally('resumed'),
    notActivated: notActivated.length,
  });
  return { activated, notActivated };
}
