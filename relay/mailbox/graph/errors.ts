/**
 * Turns what can go wrong on the Graph path (msal-node token errors, Graph OData error bodies, network failures) into
 * the mailbox layer's typed errors, and into admin-readable access problems for `checkAccess`.
 */
import { AuthError } from '@azure/msal-node';
import { CursorRejectedError, MailboxError, type AccessCheck, type AccessProblem, type MailboxErrorCode } from '../types';
import { ConnectionError } from './middleware';
import { parseRetryAfterMs } from '../../lib/backoff';

export interface GraphErrorDetails {
  status?: number;
  graphCode?: string;
  retryAfterSeconds?: number;
  /**
   * Delegated access only: the user's grant is unusable (refresh token revoked or expired, consent withdrawn, the access
   * token rejected). Nothing but the user signing in again helps, so the caller suspends the mailbox and asks for it.
   */
  userMustReauthorize?: boolean;
  /** Requests sent for a call that got no answer (1 = not resent). */
  attempts?: number;
}

/** A MailboxError from the Graph backend, with what an admin needs to know. */
export class GraphMailboxError extends MailboxError {
  constructor(
    code: MailboxErrorCode,
    message: string,
    transient: boolean,
    readonly problem: AccessProblem,
    readonly details: GraphErrorDetails = {},
    cause?: unknown,
  ) {
    super(code, message, transient, cause);
    this.name = 'GraphMailboxError';
  }

  get userMustReauthorize(): boolean {
    return this.details.userMustReauthorize === true;
  }
}

/**
 * True when the error means "this user's delegated authorization is gone": suspend the mailbox and ask the user to sign
 * in again. Such errors carry code `invalid-credentials` (token rejected by Graph) or `access-denied` (refresh token
 * refused by Entra ID), both non-transient, and AccessProblem `consent-missing`.
 */
export function needsReauthorization(error: unknown): boolean {
  return error instanceof GraphMailboxError && error.userMustReauthorize;
}

const REAUTHORIZE = 'The user has to sign in again and re-authorize the relay for the mailbox (connect the mailbox again); until then the mailbox cannot be synchronized.';

export interface GraphErrorBody {
  error?: { code?: string; message?: string; innerError?: Record<string, unknown> };
}

/** Delta-token failures: the cursor is gone and the caller must start a new round. */
const CURSOR_CODES = new Set(['syncStateNotFound', 'syncStateInvalid', 'resyncRequired', 'ErrorInvalidSyncStateData', 'SyncStateNotFound', 'InvalidSyncState']);

const MAILBOX_MISSING_CODES = new Set([
  'MailboxNotEnabledForRESTAPI',
  'MailboxNotSupportedForRESTAPI',
  'ResourceNotFound',
  'Request_ResourceNotFound',
  'ErrorNonExistentMailbox',
  'ErrorInvalidUser',
  'ErrorAccountDisabled',
  'RESTAPINotEnabledForComponentSharedMailbox',
]);

/** Retry-After in seconds (delta-seconds or an HTTP date), through the one parser of relay/lib/backoff.ts. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  const ms = parseRetryAfterMs(value);
  return ms === undefined ? undefined : ms / 1000;
}

/**
 * Maps a non-2xx Graph answer. `what` names the call for the message ("GET /users/x/mailFolders/inbox").
 * `mailboxLevel` = the request addressed the mailbox itself (a 404 then means "mailbox missing", not "item missing").
 */
export function errorFromGraphResponse(
  status: number,
  body: GraphErrorBody | undefined,
  retryAfter: string | null | undefined,
  what: string,
  context: { address: string; appOnly: boolean; mailboxLevel?: boolean },
): Error {
  const graphCode = body?.error?.code ?? '';
  const graphMessage = body?.error?.message ?? '';
  const text = `${what}: HTTP ${status}${graphCode ? ` ${graphCode}` : ''}${graphMessage ? `: ${graphMessage}` : ''}`;
  const details = { status, graphCode, retryAfterSeconds: parseRetryAfter(retryAfter) };

  if (status === 410 || CURSOR_CODES.has(graphCode)) return new CursorRejectedError(text);
  if (status === 401) {
    // App-only: the token is the app's (tenant, client id, secret, admin consent). Delegated: it was issued for the
    // user's grant, and Graph rejecting it means the grant was revoked or has lapsed; the app's secret is fine (the
    // token endpoint accepted it), so telling the admin to rotate it would send them the wrong way.
    if (context.appOnly) {
      return new GraphMailboxError(
        'invalid-credentials',
        `Microsoft Graph rejected the app's access token for ${context.address} (${text}). Check the app registration's tenant id, ` +
          `client id and client secret, and that admin consent for its Microsoft Graph application permissions is still granted.`,
        false,
        'invalid-credentials',
        details,
      );
    }
    return new GraphMailboxError(
      'invalid-credentials',
      `Microsoft Graph no longer accepts the authorization ${context.address} gave the relay: it was revoked or has expired (${text}). ${REAUTHORIZE}`,
      false,
      'consent-missing',
      { ...details, userMustReauthorize: true },
    );
  }
  if (status === 403) {
    const policy = /AccessPolicy|RBAC|ApplicationAccessPolicy|management scope|RAOP/i.test(graphMessage);
    if (context.appOnly && policy) {
      return new GraphMailboxError(
        'access-denied',
        `The app is not allowed to open the mailbox ${context.address}: it is outside the app's RBAC for Applications scope ` +
          `(or Application Access Policy). An Exchange administrator must add the mailbox to the management scope ` +
          `(New-ManagementScope / New-ManagementRoleAssignment -App …) and verify with Test-ServicePrincipalAuthorization. (${text})`,
        false,
        'impersonation-denied',
        details,
      );
    }
    if (context.appOnly) {
      return new GraphMailboxError(
        'access-denied',
        `The app lacks a Microsoft Graph application permission for ${context.address} (Mail.ReadWrite, Calendars.ReadWrite, ` +
          `Contacts.ReadWrite, Tasks.ReadWrite.All and MailboxSettings.ReadWrite need admin consent, or the matching ` +
          `"Application …" RBAC role assignment). (${text})`,
        false,
        'consent-missing',
        details,
      );
    }
    return new GraphMailboxError(
      'access-denied',
      `The signed-in user's consent does not cover the mailbox ${context.address} (delegated access reaches only the ` +
        `user's own mailbox, with the consented scopes). The user must connect the mailbox again. (${text})`,
      false,
      'consent-missing',
      details,
    );
  }
  if (status === 404) {
    if (context.mailboxLevel || (MAILBOX_MISSING_CODES.has(graphCode) && graphCode !== 'ResourceNotFound')) {
      return new GraphMailboxError(
        'not-found',
        `The mailbox ${context.address} was not found or is not reachable through Microsoft Graph (an Exchange Online ` +
          `mailbox with a licence is required; on-premises mailboxes need EWS). (${text})`,
        false,
        'mailbox-not-found',
        details,
      );
    }
    return new GraphMailboxError('not-found', text, false, 'unknown', details);
  }
  if (status === 429 || (status === 503 && details.retryAfterSeconds !== undefined)) {
    return new GraphMailboxError('throttled', `Microsoft Graph is throttling this app on ${context.address}. (${text})`, true, 'throttled', details);
  }
  if (status === 409 || status === 412) return new GraphMailboxError('conflict', text, false, 'unknown', details);
  if (status >= 400 && status < 500) return new GraphMailboxError('invalid-request', text, false, 'unknown', details);
  return new GraphMailboxError('server-error', text, true, 'server-unreachable', details);
}

const NETWORK_CODES = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|socket hang up|timed out|CERT|certificate/i;

/**
 * Entra ID answers that mean the user's own grant is unusable (delegated access): invalid_grant covers a revoked
 * (AADSTS50173), expired (AADSTS700082, AADSTS70008) or rotated-away (AADSTS70000) refresh token; the others ask for an
 * interactive sign-in (MFA, sign-in frequency, a consent the user never gave or withdrew: AADSTS65001, AADSTS65004).
 */
const USER_GRANT_GONE = /invalid_grant|interaction_required|consent_required|login_required|AADSTS(700082|70008|70000|50173|50133|50076|50079|50078|70043|65001|65004)\b/i;

/** Maps an msal-node or transport exception (anything thrown before an HTTP answer arrived). */
export function errorFromException(error: unknown, what: string, context: { address: string; appOnly: boolean }): Error {
  if (error instanceof MailboxError || error instanceof CursorRejectedError) return error;
  if (error instanceof AuthError) {
    const code = error.errorCode;
    const message = `${error.errorCode}: ${error.errorMessage}`.slice(0, 500);
    // Certificate credentials: checked first, since they also come as invalid_client and the advice differs.
    const assertion = /AADSTS(700027|700024|700023|700021)\b/.exec(message);
    if (assertion) {
      const why =
        assertion[1] === '700024'
          ? "the signed client assertion was outside its valid time range: check the relay host's clock."
          : assertion[1] === '700027'
            ? "the certificate is not (or no longer) uploaded to the app registration (Certificates & secrets), or the private key does not belong to it. Upload the certificate to the app, or save the matching certificate and key in the organization settings."
            : 'the signed client assertion names the wrong app or token endpoint: check the tenant id and client id.';
      return new GraphMailboxError('invalid-credentials', `Entra ID rejected the app's certificate credential: ${why} (${message})`, false, 'invalid-credentials', {}, error);
    }
    if (/AADSTS7000215|AADSTS7000222|invalid_client/i.test(message) || code === 'invalid_client') {
      return new GraphMailboxError(
        'invalid-credentials',
        `Entra ID rejected the app's client secret (expired or wrong). Create a new client secret for the app registration and save it in the organization settings.` +
          `${context.appOnly ? '' : ' This concerns the app, not the user: users do not need to sign in again.'} (${message})`,
        false,
        'invalid-credentials',
        {},
        error,
      );
    }
    // Checked before the admin-consent case: for delegated access AADSTS65001 means this user's consent is missing.
    if (!context.appOnly && (code === 'invalid_grant' || USER_GRANT_GONE.test(message))) {
      return new GraphMailboxError(
        'access-denied',
        `The authorization ${context.address} gave the relay is no longer valid (refresh token revoked or expired, or consent withdrawn). ${REAUTHORIZE} (${message})`,
        false,
        'consent-missing',
        { userMustReauthorize: true },
        error,
      );
    }
    if (/AADSTS700016|AADSTS65001|AADSTS650052|unauthorized_client/i.test(message)) {
      return new GraphMailboxError(
        'access-denied',
        `The app registration is not consented in the tenant (or does not exist there). A Global Administrator must grant admin consent for the app. (${message})`,
        false,
        'consent-missing',
        {},
        error,
      );
    }
    if (code === 'invalid_grant' || USER_GRANT_GONE.test(message)) {
      // App-only has no user grant; a refused client-credentials request is the app's configuration.
      return new GraphMailboxError(
        'access-denied',
        `Entra ID refused the token request for the app. Check the app registration's client secret and that admin consent for its Microsoft Graph application permissions is granted. (${message})`,
        false,
        'consent-missing',
        {},
        error,
      );
    }
    if (/AADSTS90002|tenant/i.test(message) && /not found|invalid/i.test(message)) {
      return new GraphMailboxError('invalid-credentials', `The tenant id is wrong: Entra ID does not know it. (${message})`, false, 'invalid-credentials', {}, error);
    }
    if (/network|ECONN|fetch|endpoints_resolution|ENOTFOUND/i.test(message)) {
      return new GraphMailboxError('network', `Entra ID could not be reached. (${message})`, true, 'server-unreachable', {}, error);
    }
    return new GraphMailboxError('invalid-credentials', `Token request failed. (${message})`, false, 'unknown', {}, error);
  }
  if (error instanceof ConnectionError) {
    const tried = error.attempts > 1 ? `, ${error.attempts} attempts` : '';
    const notResent = error.kind === 'connection' && !error.replayable ? '; not sent again, because the server may have executed it' : '';
    const message =
      error.kind === 'tls'
        ? `The TLS certificate of Microsoft Graph was not trusted (${what}: ${error.code}: ${error.message}).`
        : error.kind === 'timeout'
          ? `Microsoft Graph did not answer in time (${what}: ${error.message}).`
          : `The connection to Microsoft Graph failed without an answer (${what}: ${error.code}${tried}${notResent}).`;
    return new GraphMailboxError('network', message, true, 'server-unreachable', { attempts: error.attempts }, error);
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const errno = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (NETWORK_CODES.test(text) || NETWORK_CODES.test(errno)) {
    return new GraphMailboxError('network', `Microsoft Graph could not be reached (${what}: ${errno || text}).`, true, 'server-unreachable', {}, error);
  }
  return new GraphMailboxError('server-error', `${what}: ${text}`, true, 'unknown', {}, error);
}

/** The admin-facing summary of an error from any call made while checking access. */
export function accessCheckFromError(error: unknown): AccessCheck {
  if (error instanceof GraphMailboxError) return { ok: false, problem: error.problem === 'ok' ? 'unknown' : error.problem, message: error.message };
  if (error instanceof MailboxError) return { ok: false, problem: 'unknown', message: error.message };
  return { ok: false, problem: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
