/**
 * What every activation use case starts from: the caller's user row, the organization, and the organization's
 * mailbox access (which must be per user), plus the credential test every path runs before anything is stored.
 */
import type { MailboxType } from '../../shared/api/activation';
import type { AccessCheck, Mailbox, MailboxAccess } from '../mailbox/types';
import { MailboxError } from '../mailbox/types';
import type { MailboxAccessSettings } from '../store/mailbox-access';
import type { Organization } from '../store/organizations';
import { StoreNotFoundError } from '../store/errors';
import type { User } from '../store/users';
import { ActivationNotPerUserError, MailboxTypeMismatchError, type ActivationCaller, type ActivationDeps } from './types';

export type PerUserKind = 'ews-direct' | 'graph-delegated';

export const MAILBOX_TYPE_OF: Record<PerUserKind, MailboxType> = { 'ews-direct': 'exchange', 'graph-delegated': 'office365' };

export function isPerUserKind(kind: string | undefined): kind is PerUserKind {
  return kind === 'ews-direct' || kind === 'graph-delegated';
}

export interface CallerContext {
  user: User;
  organization: Organization;
  access: MailboxAccessSettings | undefined;
}

export async function callerContext(deps: ActivationDeps, caller: ActivationCaller): Promise<CallerContext> {
  const [user, organization, access] = await Promise.all([
    deps.store.users.get(caller.organizationId, caller.userId),
    deps.store.organizations.get(caller.organizationId),
    deps.store.mailboxAccess.get(caller.organizationId),
  ]);
  // The token named a user an admin removed since: the routes answer "not provisioned".
  if (!user || !organization) throw new StoreNotFoundError('no such user');
  return { user, organization, access };
}

/** The organization's per-user access of the kind the user chose, or the error that says what to do instead. */
export function requireKind(context: CallerContext, kind: PerUserKind): MailboxAccessSettings {
  const access = context.access;
  if (!access || !isPerUserKind(access.kind)) throw new ActivationNotPerUserError();
  if (access.kind !== kind) throw new MailboxTypeMismatchError(MAILBOX_TYPE_OF[access.kind]);
  return access;
}

/**
 * Opens the mailbox with credentials not stored yet and checks it the way sessions use it: the mailbox root
 * (`checkAccess`), then the inbox. Never throws for the mailbox's answer: the check says what went wrong.
 */
export async function testMailbox(deps: ActivationDeps, address: string, access: MailboxAccess): Promise<AccessCheck> {
  let mailbox: Mailbox | undefined;
  try {
    mailbox = deps.mailboxes.open(address, access);
    const check = await mailbox.checkAccess();
    if (!check.ok) return check;
    await mailbox.getWellKnownFolder('inbox');
    return check;
  } catch (error) {
    if (error instanceof MailboxError) {
      const problem: AccessCheck['problem'] =
        error.code === 'invalid-credentials' ? 'invalid-credentials' : error.code === 'not-found' ? 'mailbox-not-found' : error.code === 'network' ? 'server-unreachable' : error.code === 'throttled' ? 'throttled' : error.code === 'access-denied' ? 'consent-missing' : 'unknown';
      return { ok: false, problem, message: error.message };
    }
    return { ok: false, problem: 'unknown', message: error instanceof Error ? error.message : String(error) };
  } finally {
    await mailbox?.close().catch(() => undefined);
  }
}
