/**
 * What a failed session means for the mailbox: the reason class shown to the user and the admin, the server's own
 * message, and whether it is transient (back off, never count toward suspension) or permanent (count; suspend after
 * the organization's threshold). Pure: no I/O, so the rules are tested one by one.
 *
 * Transient: throttling (EWS ErrorServerBusy, Graph 429 / 503 with Retry-After, C4C 429), server errors (5xx),
 * network failures and C4C being unreachable. Permanent: the mail server rejected the credentials or the rights
 * (a revoked impersonation grant, a withdrawn consent), the mailbox does not exist, and anything unrecognised.
 */
import type { FailureClass } from '../../shared/api/sync';
import { MailboxError } from '../mailbox/types';
import { C4cAuthError, C4cError, C4cForbiddenError, C4cNetworkError, C4cServerError, C4cThrottledError } from '../c4c/errors';
import { C4cNotConfiguredError } from '../saving/types';
import type { ClassifiedFailure } from './types';

/** The organization has no mailbox access configured, or this user has not given their own credential yet. */
export class MailboxAccessMissingError extends Error {
  constructor(message = 'No mailbox access is configured for this user: the administrator has to set up the organization\'s mailbox access (or the user has to connect the mailbox).') {
    super(message);
    this.name = 'MailboxAccessMissingError';
  }
}

/** The user row is gone or has no mailbox address. */
export class MailboxUserMissingError extends Error {
  constructor(message = 'The user of this mailbox no longer exists.') {
    super(message);
    this.name = 'MailboxUserMissingError';
  }
}

const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|network/i;
const MAILBOX_MISSING = /no mailbox|mailbox .*not (found|exist)|NonExistentMailbox|MailboxNotEnabled|not found or is not reachable|ErrorInvalidUser|AccountDisabled/i;
const MAX_MESSAGE = 1000;

function messageOf(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error';
  return raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE - 1)}…` : raw;
}

function failure(cls: FailureClass, error: unknown, transient: boolean): ClassifiedFailure {
  return { class: cls, message: messageOf(error), transient };
}

/** The AccessProblem a Graph error carries (GraphMailboxError.problem), read structurally to stay back-end neutral. */
function problemOf(error: MailboxError): string | undefined {
  const problem = (error as { problem?: unknown }).problem;
  return typeof problem === 'string' ? problem : undefined;
}

function classifyMailboxError(error: MailboxError): ClassifiedFailure {
  switch (error.code) {
    case 'throttled':
      return failure('throttled', error, true);
    case 'invalid-credentials':
    case 'access-denied':
      return failure('credentials-rejected', error, false);
    case 'not-found': {
      const problem = problemOf(error);
      if (problem === 'mailbox-not-found' || (problem === undefined && MAILBOX_MISSING.test(error.message))) return failure('mailbox-not-found', error, false);
      return failure('unknown', error, false);
    }
    case 'network':
    case 'server-error':
      // Unreachable mail server or a 5xx: no class of its own; transient, so it backs off and never suspends.
      return failure('unknown', error, error.transient);
    default:
      return failure('unknown', error, error.transient);
  }
}

function classifyC4cError(error: C4cError): ClassifiedFailure {
  if (error instanceof C4cThrottledError) return failure('throttled', error, true);
  if (error instanceof C4cServerError || error instanceof C4cNetworkError) return failure('c4c-unreachable', error, true);
  // Wrong technical user or missing authorization: waiting does not help, the administrator must fix the connection.
  if (error instanceof C4cAuthError || error instanceof C4cForbiddenError) return failure('c4c-unreachable', error, false);
  return failure('unknown', error, false);
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK.test(code)) return true;
  return NETWORK.test(error.message) || (error.cause !== undefined && isNetworkError(error.cause));
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof MailboxError) return classifyMailboxError(error);
  if (error instanceof C4cError) return classifyC4cError(error);
  if (error instanceof MailboxAccessMissingError) return failure('credentials-rejected', error, false);
  if (error instanceof MailboxUserMissingError) return failure('mailbox-not-found', error, false);
  if (error instanceof C4cNotConfiguredError) return failure('c4c-unreachable', error, false);
  if (isNetworkError(error)) return failure('unknown', error, true);
  return failure('unknown', error, false);
}

/** What to do, per class, in words for the status screen (user) and the admin API. */
export function adviceFor(cls: FailureClass, transient = cls === 'throttled' || cls === 'c4c-unreachable'): string {
  // The stored state keeps the class, not the flag; callers without it get the class's usual meaning.
  switch (cls) {
    case 'credentials-rejected':
      return 'The mail server rejected the relay\'s credentials or rights for this mailbox. Your administrator has to check the mailbox access (service account password, impersonation rights, app secret or consent); with your own sign-in, connect the mailbox again. Then press Resume.';
    case 'mailbox-not-found':
      return 'The mail server does not know this mailbox (renamed, moved or removed). Your administrator has to check the address and the mailbox access settings, then press Resume.';
    case 'c4c-unreachable':
      return transient
        ? 'SAP Cloud for Customer did not answer. Nothing is lost: the next sessions try again on their own.'
        : 'SAP Cloud for Customer refused the relay\'s connection. Your administrator has to check the C4C connection (technical user and its authorizations).';
    case 'throttled':
      return 'The mail server is busy or unreachable. Nothing is lost: the relay backs off and tries again on its own.';
    case 'unknown':
      if (transient) return 'The mail server or the network did not answer. Nothing is lost: the relay backs off and tries again on its own.';
      return 'Something unexpected went wrong. The relay tries again at the next session; if it keeps failing, tell your administrator the message shown.';
  }
}
