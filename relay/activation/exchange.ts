/**
 * Exchange activation (S8, EWS direct logon): the user's login and password are tested against the mailbox before
 * anything is stored; then the password is sealed as the user's credential and sync is enabled.
 *
 * Where the EWS URL comes from: the extended login form's URL when the user gave one, else Autodiscover for the
 * user's address (relay/admin/autodiscover.ts: JSON v2 anonymously, then POX with the user's own credentials). No URL
 * found → AutodiscoverFailedError, and the sidebar shows the extended form. Sessions connect to the organization's
 * EWS URL for direct logon (the store keeps one per organization): when the URL found for the user is another one,
 * the credentials are tested there too, so a stored password always works where sessions go.
 */
import { autodiscoverEwsUrl } from '../admin/autodiscover';
import { AutodiscoverError } from '../admin/errors';
import type { AccessCheck, MailboxAccess } from '../mailbox/types';
import type { ActivationResult, ExchangeActivationRequest } from '../../shared/api/activation';
import { ExchangeActivationRequestSchema } from '../../shared/api/activation';
import { callerContext, requireKind, testMailbox } from './context';
import { enableFor } from './enable';
import { AutodiscoverFailedError, CredentialsRejectedError, MailboxTestFailedError, type ActivationCaller, type ActivationDeps } from './types';

function sameEndpoint(a: string, b: string): boolean {
  const norm = (value: string): string => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`.toLowerCase();
    } catch {
      return value.trim().toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

function failed(check: AccessCheck, ewsUrl: string): Error {
  if (check.problem === 'invalid-credentials') return new CredentialsRejectedError(`The mail server rejected the login or password: ${check.message}`);
  if (check.problem === 'server-unreachable') return new MailboxTestFailedError(`The mail server at ${ewsUrl} could not be reached: ${check.message}`, 'ewsUrl');
  if (check.problem === 'mailbox-not-found') return new MailboxTestFailedError(`No mailbox was found for this login at ${ewsUrl}: ${check.message}`, 'login');
  return new MailboxTestFailedError(`The mailbox could not be opened at ${ewsUrl}: ${check.message}`);
}

export async function activateExchange(deps: ActivationDeps, caller: ActivationCaller, request: ExchangeActivationRequest): Promise<ActivationResult> {
  const input = ExchangeActivationRequestSchema.parse(request);
  const context = await callerContext(deps, caller);
  const access = requireKind(context, 'ews-direct');
  const { user } = context;
  const login = input.login ?? user.mailboxLogin ?? user.email;

  let ewsUrl = input.ewsUrl;
  if (ewsUrl === undefined) {
    try {
      ewsUrl = await autodiscoverEwsUrl(user.email, { username: login, password: input.password, ...deps.autodiscover });
    } catch (error) {
      if (error instanceof AutodiscoverError) throw new AutodiscoverFailedError(error.message);
      throw error;
    }
  }

  // The password is sent to this URL: never in clear text outside the sandbox.
  if (!deps.allowHttpEwsUrl && new URL(ewsUrl).protocol !== 'https:') throw new MailboxTestFailedError(`The EWS URL must start with https:// (${ewsUrl} would send your password unencrypted).`, 'ewsUrl');
  const credentials = (url: string): MailboxAccess => ({ kind: 'ews-direct', ewsUrl: url, username: login, password: input.password });
  const check = await testMailbox(deps, user.email, credentials(ewsUrl));
  if (!check.ok) throw failed(check, ewsUrl);
  const sessionsUrl = String(access.settings.ewsUrl ?? '');
  if (sessionsUrl && !sameEndpoint(sessionsUrl, ewsUrl)) {
    const there = await testMailbox(deps, user.email, credentials(sessionsUrl));
    if (!there.ok) {
      throw new MailboxTestFailedError(
        `Your mailbox answered at ${ewsUrl}, but your organization's sync connects to ${sessionsUrl}, which refused: ${there.message}. Ask your administrator to check the EWS URL for direct logon.`,
        'ewsUrl',
      );
    }
  }

  // Tested: now store. The login goes where sessions read it (the user's mailbox login), the password sealed.
  if (login !== (user.mailboxLogin ?? user.email)) await deps.store.users.update(caller.organizationId, caller.userId, { mailboxLogin: login });
  await deps.store.mailboxAccess.setUserCredential(caller.organizationId, caller.userId, 'password', input.password);
  deps.logger.info({ organizationId: caller.organizationId, userId: caller.userId, kind: 'ews-direct', autodiscovered: input.ewsUrl === undefined }, 'user activated their mailbox');
  return { ...(await enableFor(deps, caller)), ewsUrl };
}
