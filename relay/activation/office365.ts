/**
 * Office 365 activation (S8, Graph delegated access): OAuth 2.0 authorization code flow with PKCE through msal-node's
 * ConfidentialClientApplication, on the relay (the client secret and the PKCE verifier never reach the browser).
 *
 * 1. start (task pane, bearer token): a sealed, user-bound, short-lived state carrying a fresh PKCE verifier; the
 *    answer is the dialog's start URL on the relay's own origin (Office opens dialogs only there).
 * 2. dialog page (browser navigation): `getAuthCodeUrl` with the S256 challenge of the state's verifier, login hint =
 *    the user's address → 302 to Entra's authorize endpoint.
 * 3. Entra redirects to the redirect page, which hands code + state to the task pane (messageParent).
 * 4. finish (task pane, bearer token): the state must be the caller's own, live and unused; `acquireTokenByCode`
 *    with the verifier; the consenting account must be the signed-in user; the mailbox is opened with the new
 *    refresh token (checkAccess + inbox) before the refresh token (the rotated one, if the test rotated it) is sealed
 *    as the user's graph-delegated credential; then sync is enabled.
 */
import { createHash } from 'node:crypto';
import { CryptoProvider } from '@azure/msal-node';
import { ACTIVATION_ROUTES, type ActivationResult, type Office365FinishRequest, type Office365StartResponse } from '../../shared/api/activation';
import { Office365FinishRequestSchema } from '../../shared/api/activation';
import { createMsalApp, delegatedScopes, redeemAuthorizationCode, type AppCredentials, type RedeemedConsent } from '../mailbox/graph/auth';
import { callerContext, requireKind, testMailbox } from './context';
import { newNonce, openConsentState, sealConsentState, UsedNonces } from './consent-state';
import { enableFor } from './enable';
import {
  ConsentFailedError,
  ConsentStateError,
  ConsentWrongAccountError,
  CredentialsRejectedError,
  MailboxTestFailedError,
  type ActivationCaller,
  type ActivationDeps,
} from './types';
import type { MailboxAccessSettings } from '../store/mailbox-access';

const DEFAULT_TTL_MS = 10 * 60 * 1000;

export function redirectUriOf(deps: ActivationDeps): string {
  return `${deps.publicOrigin().replace(/\/+$/, '')}${ACTIVATION_ROUTES.redirect}`;
}

interface DelegatedApp extends AppCredentials {
  clientSecret: string;
  graphBaseUrl: string;
}

/**
 * The organization's delegated app with its client secret. The store hands decrypted access out only together with a
 * user's credential (`accessFor`), and the consent is what creates that credential, so the sealed client secret is
 * read here, opened with the same key and context the store sealed it under (relay/store/mailbox-access.ts).
 */
async function delegatedApp(deps: ActivationDeps, organizationId: string, access: MailboxAccessSettings): Promise<DelegatedApp> {
  const { rows } = await deps.db.query<{ secret_ciphertext: string | null }>(`SELECT secret_ciphertext FROM mailbox_access WHERE organization_id = $1 AND kind = 'graph-delegated'`, [organizationId]);
  const sealed = rows[0]?.secret_ciphertext;
  if (!sealed) throw new ConsentFailedError('The organization has no client secret for Office 365 sign-in. Ask your administrator to complete the mailbox access settings.');
  const s = access.settings;
  return {
    tenantId: String(s.tenantId),
    clientId: String(s.clientId),
    clientSecret: deps.secrets.open(sealed, `mailbox-access:${organizationId}`),
    authorityHost: String(s.authorityHost),
    graphBaseUrl: String(s.graphBaseUrl),
  };
}

const usedNonces = new UsedNonces();

export async function startOffice365Consent(deps: ActivationDeps, caller: ActivationCaller): Promise<Office365StartResponse> {
  const context = await callerContext(deps, caller);
  requireKind(context, 'graph-delegated');
  const now = (deps.now ?? Date.now)();
  const expiresAt = now + (deps.consentTtlMs ?? DEFAULT_TTL_MS);
  const { verifier } = await new CryptoProvider().generatePkceCodes();
  const state = sealConsentState(deps.secrets, { organizationId: caller.organizationId, userId: caller.userId, nonce: newNonce(), codeVerifier: verifier, expiresAt });
  const dialogUrl = new URL(ACTIVATION_ROUTES.dialog, deps.publicOrigin());
  dialogUrl.searchParams.set('state', state);
  return { dialogUrl: dialogUrl.toString(), expiresAt: new Date(expiresAt).toISOString() };
}

/** The Entra authorize URL for a state started by `startOffice365Consent` (the dialog page redirects there). */
export async function office365AuthorizeUrl(deps: ActivationDeps, sealedState: string): Promise<string> {
  const state = openConsentState(deps.secrets, sealedState, (deps.now ?? Date.now)());
  const context = await callerContext(deps, { organizationId: state.organizationId, userId: state.userId });
  const access = requireKind(context, 'graph-delegated');
  const app = await delegatedApp(deps, state.organizationId, access);
  const msal = createMsalApp(app, deps.msal);
  return msal.getAuthCodeUrl({
    scopes: delegatedScopes(),
    redirectUri: redirectUriOf(deps),
    state: sealedState,
    loginHint: context.user.email,
    codeChallenge: createHash('sha256').update(state.codeVerifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    responseMode: 'query',
  });
}

/** msal-node's errors carry Entra's own words (AADSTS…) in errorMessage; never a secret. */
function consentError(error: unknown): ConsentFailedError {
  const e = error as { errorCode?: string; errorMessage?: string; message?: string };
  const words = (e.errorMessage ?? e.message ?? String(error)).split(/\r?\n/)[0];
  return new ConsentFailedError(`Microsoft did not accept the sign-in${e.errorCode ? ` (${e.errorCode})` : ''}: ${words}`);
}

export async function finishOffice365Consent(deps: ActivationDeps, caller: ActivationCaller, request: Office365FinishRequest): Promise<ActivationResult> {
  const input = Office365FinishRequestSchema.parse(request);
  const now = (deps.now ?? Date.now)();
  const state = openConsentState(deps.secrets, input.state, now);
  if (state.organizationId !== caller.organizationId || state.userId !== caller.userId) throw new ConsentStateError('it was started by another user');
  if (!usedNonces.claim(state.nonce, state.expiresAt, now)) throw new ConsentStateError('it was completed already');
  const context = await callerContext(deps, caller);
  const access = requireKind(context, 'graph-delegated');
  const app = await delegatedApp(deps, caller.organizationId, access);

  let consent: RedeemedConsent;
  try {
    consent = await redeemAuthorizationCode({ ...app, code: input.code, redirectUri: redirectUriOf(deps), codeVerifier: state.codeVerifier, msal: deps.msal });
  } catch (error) {
    throw consentError(error);
  }

  // The consent must be the signed-in user's own: their Entra object id, else their address.
  const { user, organization } = context;
  const sameObject = user.entraObjectId !== null && consent.oid !== undefined && consent.oid.toLowerCase() === user.entraObjectId.toLowerCase();
  const sameTenant = organization.entraTenantId === null || consent.tenantId === undefined || consent.tenantId.toLowerCase() === organization.entraTenantId.toLowerCase();
  const sameName = consent.username !== undefined && consent.username.toLowerCase() === user.email.toLowerCase();
  if (!sameTenant || !(sameObject || (user.entraObjectId === null && sameName))) throw new ConsentWrongAccountError(user.email, consent.username ?? consent.oid ?? 'another account');

  let refreshToken = consent.refreshToken;
  const check = await testMailbox(deps, user.email, {
    kind: 'graph-delegated',
    ...app,
    refreshToken,
    // The test redeems the refresh token; Entra rotates it, and only the newest one stays valid.
    onRefreshTokenRotated: async (rotated) => {
      refreshToken = rotated;
    },
  });
  if (!check.ok) {
    if (check.problem === 'invalid-credentials') throw new CredentialsRejectedError(`Microsoft 365 refused the new sign-in: ${check.message}`);
    throw new MailboxTestFailedError(`Your mailbox could not be opened with this sign-in: ${check.message}`);
  }
  await deps.store.mailboxAccess.setUserCredential(caller.organizationId, caller.userId, 'refresh-token', refreshToken);
  deps.logger.info({ organizationId: caller.organizationId, userId: caller.userId, kind: 'graph-delegated' }, 'user activated their mailbox');
  return enableFor(deps, caller);
}
