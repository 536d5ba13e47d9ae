/**
 * Turning what happened on an EWS call into MailboxError / AccessCheck. The transport's CallRecord (HTTP status,
 * SOAP fault code, network error) is the primary source; the library's exception only supplies per-item response
 * codes (ResponseClass="Error" inside HTTP 200).
 */
import * as ews from 'ews-javascript-api';
import { CursorRejectedError, MailboxError, type AccessCheck, type AccessProblem } from '../types';
import type { CallRecord } from './transport';

/** EWS response code name of a library exception (ServiceResponseException / SoapFaultDetails), if any. */
export function responseCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // The library's exceptions expose numeric ServiceError codes under different names.
  const candidate = error as { ErrorCode?: unknown; ResponseCode?: unknown; Response?: { ErrorCode?: unknown } };
  for (const value of [candidate.ErrorCode, candidate.Response?.ErrorCode, candidate.ResponseCode]) {
    if (typeof value === 'number' && ews.ServiceError[value]) return ews.ServiceError[value];
    if (typeof value === 'string' && value.startsWith('Error')) return value;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  // Per-item ServiceResponse objects carry the server's MessageText here.
  if (typeof error === 'object' && error !== null && typeof (error as { ErrorMessage?: unknown }).ErrorMessage === 'string') return (error as { ErrorMessage: string }).ErrorMessage;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/**
 * `throttled` from EWS (ErrorServerBusy that was not waited out in-process: the hint exceeded `maxBackOffMs`, or the
 * resends were used up). `backOffMs` is the server's last BackOffMilliseconds, so a scheduler can put the job off for
 * at least that long instead of hammering a busy server.
 */
export class EwsThrottledError extends MailboxError {
  constructor(
    message: string,
    readonly backOffMs: number | undefined,
    cause?: unknown,
  ) {
    super('throttled', message, true, cause);
    this.name = 'EwsThrottledError';
  }
}

export interface ErrorContext {
  mailbox: string;
  ewsUrl: string;
  username: string;
  impersonation: boolean;
}

/** Classifies a failed call. `syncCall` turns ErrorInvalidSyncStateData into CursorRejectedError. */
export function toMailboxError(error: unknown, record: CallRecord | undefined, ctx: ErrorContext, syncCall = false): Error {
  if (error instanceof MailboxError || error instanceof CursorRejectedError) return error;
  // Library response codes only count for per-item errors inside an HTTP 200; otherwise trust the wire.
  const code = record?.faultCode ?? (record?.status !== undefined && record.status !== 200 ? undefined : responseCodeOf(error));
  if (syncCall && code === 'ErrorInvalidSyncStateData') return new CursorRejectedError(`Exchange rejected the stored SyncState of ${ctx.mailbox}; a full resync is needed.`);
  if (record?.status === 0 || record?.networkError) {
    return new MailboxError('network', `Could not reach the EWS endpoint ${ctx.ewsUrl} (${record?.networkError ?? 'no response'}).`, true, error);
  }
  if (record?.status === 401) return new MailboxError('invalid-credentials', `The EWS server rejected the credentials of ${ctx.username} (HTTP 401).`, false, error);
  if (record?.status === 403) return new MailboxError('access-denied', `The EWS server refused access for ${ctx.username} (HTTP 403).`, false, error);
  switch (code) {
    case 'ErrorServerBusy':
      return new EwsThrottledError(`Exchange is throttling ${ctx.username}${record?.backOffMs ? `; it asked to wait ${record.backOffMs} ms` : ''}.`, record?.backOffMs, error);
    case 'ErrorImpersonateUserDenied':
    case 'ErrorAccessDenied':
      return new MailboxError('access-denied', `${ctx.username} may not access the mailbox ${ctx.mailbox} (${code}).`, false, error);
    case 'ErrorNonExistentMailbox':
      return new MailboxError('not-found', `Exchange has no mailbox for ${ctx.mailbox}.`, false, error);
    case 'ErrorItemNotFound':
    case 'ErrorFolderNotFound':
    case 'ErrorSyncFolderNotFound':
      return new MailboxError('not-found', `${code}: ${messageOf(error)}`, false, error);
    case 'ErrorIrresolvableConflict':
    case 'ErrorFolderExists':
      return new MailboxError('conflict', `${code}: ${messageOf(error)}`, false, error);
    case 'ErrorInvalidSyncStateData':
      return new MailboxError('invalid-request', `${code}: ${messageOf(error)}`, false, error);
    case 'ErrorTimeoutExpired':
    case 'ErrorInternalServerError':
    case 'ErrorMailboxMoveInProgress':
    case 'ErrorMailboxStoreUnavailable':
      return new MailboxError('server-error', `${code}: ${messageOf(error)}`, true, error);
    case undefined:
      break;
    default:
      return new MailboxError('invalid-request', `${code}: ${messageOf(error)}`, false, error);
  }
  if (record?.status && record.status >= 500) return new MailboxError('server-error', `The EWS endpoint failed (HTTP ${record.status}): ${messageOf(error)}`, true, error);
  return new MailboxError('server-error', `EWS call failed: ${messageOf(error)}`, false, error);
}

const PROBLEM_OF: Record<string, AccessProblem> = {
  'access-denied': 'impersonation-denied',
  'not-found': 'mailbox-not-found',
  'invalid-credentials': 'invalid-credentials',
  network: 'server-unreachable',
  throttled: 'throttled',
};

/** An admin-readable access check result for a failed probe. */
export function accessCheckOf(error: Error, ctx: ErrorContext): AccessCheck {
  if (!(error instanceof MailboxError)) return { ok: false, problem: 'unknown', message: `Checking the mailbox ${ctx.mailbox} failed: ${error.message}` };
  const problem: AccessProblem = error.code === 'access-denied' && !ctx.impersonation ? 'invalid-credentials' : (PROBLEM_OF[error.code] ?? 'unknown');
  const messages: Record<AccessProblem, string> = {
    ok: '',
    'impersonation-denied': `The service account ${ctx.username} may not impersonate ${ctx.mailbox}. Assign it the ApplicationImpersonation role for this mailbox (New-ManagementRoleAssignment -Role ApplicationImpersonation -User ${ctx.username}, scoped to the synchronized users) and check again.`,
    'mailbox-not-found': `Exchange has no mailbox for ${ctx.mailbox}. Check the user's primary SMTP address in the user mapping.`,
    'invalid-credentials': ctx.impersonation
      ? `The EWS server rejected the service account ${ctx.username}. Check its user name and password in the organization settings.`
      : `The EWS server rejected the credentials of ${ctx.username}. The user has to enter the current mailbox password again.`,
    'consent-missing': '',
    'server-unreachable': `The relay could not reach the EWS endpoint ${ctx.ewsUrl}. Check the EWS URL and that the relay can connect to the Exchange server.`,
    throttled: `Exchange is throttling ${ctx.username} right now. Nothing is wrong with the configuration; check again in a few minutes.`,
    unknown: `Checking the mailbox ${ctx.mailbox} failed: ${error.message}`,
  };
  return { ok: false, problem, message: messages[problem] };
}
