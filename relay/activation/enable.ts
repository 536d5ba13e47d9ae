/**
 * The last step of every activation path: THE activation call (SyncControl.enable) for the caller's mailbox. A
 * suspended or paused mailbox is resumed by it (failures cleared); one that is enabled but still failing gets a
 * session now, so the new credential is used at once instead of at the next slot.
 */
import type { ActivationResult } from '../../shared/api/activation';
import { activationStatus } from './status';
import type { ActivationCaller, ActivationDeps } from './types';

export async function enableFor(deps: ActivationDeps, caller: ActivationCaller): Promise<ActivationResult> {
  const actor = { kind: 'user', id: caller.userId } as const;
  const [result] = await deps.sync.enable(caller.organizationId, [caller.userId], actor);
  const outcome = result?.outcome ?? 'already-enabled';
  if (outcome === 'already-enabled') {
    const sync = await deps.sync.status(caller.organizationId, caller.userId);
    if (sync.status === 'enabled' && (sync.lastFailure?.consecutive ?? 0) > 0) await deps.sync.syncNow(caller.organizationId, caller.userId, actor, 'manual');
  }
  return { outcome, status: await activationStatus(deps, caller) };
}
