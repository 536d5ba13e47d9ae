/**
 * What the sidebar shows about the user's own activation: whether the organization's access is per user, whether
 * the user's credential is stored and sync activated, and whether the mail server kept rejecting the sessions so
 * the user has to authorize again (S8: REAUTHORIZE_AFTER_REJECTIONS in a row, or the mailbox suspended for it).
 */
import { REAUTHORIZE_AFTER_REJECTIONS, type ActivationStatus } from '../../shared/api/activation';
import type { SyncStatus } from '../../shared/api/sync';
import { callerContext, isPerUserKind, MAILBOX_TYPE_OF } from './context';
import type { ActivationCaller, ActivationDeps } from './types';

export function reauthorizationOf(sync: SyncStatus): ActivationStatus['reauthorize'] {
  const failure = sync.lastFailure;
  if (!sync.activated || failure === undefined || failure.class !== 'credentials-rejected') return undefined;
  const suspended = sync.status === 'suspended';
  if (!suspended && failure.consecutive < REAUTHORIZE_AFTER_REJECTIONS) return undefined;
  return { failureClass: failure.class, reason: failure.message, consecutive: failure.consecutive, suspended };
}

export async function activationStatus(deps: ActivationDeps, caller: ActivationCaller): Promise<ActivationStatus> {
  const { user, access } = await callerContext(deps, caller);
  const kind = access?.kind;
  const perUser = isPerUserKind(kind);
  const [hasCredential, sync] = await Promise.all([
    perUser ? deps.store.mailboxAccess.hasUserCredential(caller.organizationId, caller.userId) : Promise.resolve(false),
    deps.sync.status(caller.organizationId, caller.userId),
  ]);
  const status: ActivationStatus = {
    perUser,
    mailboxType: isPerUserKind(kind) ? MAILBOX_TYPE_OF[kind] : null,
    address: user.email,
    hasCredential,
    syncActivated: sync.activated,
    needsActivation: perUser && (!hasCredential || !sync.activated),
  };
  const reauthorize = perUser && hasCredential ? reauthorizationOf(sync) : undefined;
  if (reauthorize) status.reauthorize = reauthorize;
  return status;
}
