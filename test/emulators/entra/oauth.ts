/**
 * The OAuth 2.0 / OIDC behaviour of the emulator: the token endpoint's grants and the authorize endpoint's
 * immediate sign-in. Pure functions of the directory and the request parameters; HTTP lives in server.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyClientAssertion } from './client-assertion';
import { aadsts, EntraError } from './errors';
import type { Directory, DirectoryUser, RegisteredApp } from './directory';
import { appAccessClaims, clientInfo, delegatedAccessClaims, GRAPH_RESOURCE, idTokenClaims, signToken } from './tokens';

export const MULTI_TENANT_SEGMENTS = new Set(['common', 'organizations']);
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const GRAPH_ALIASES = new Set([GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, '00000003-0000-0000-c000-000000000000']);
/** Entra issues 60–90 minute tokens; a fixed hour keeps tests deterministic. */
const ACCESS_TOKEN_LIFETIME_SEC = 3599;

export interface OAuthContext {
  directory: Directory;
  issuer(tenantId: string): string;
  /** The emulator's origin: client assertions name `<origin>/<tenant>/oauth2/v2.0/token` as their audience. */
  origin(): string;
}

type Params = Record<string, string | undefined>;

export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
}

interface ResolvedResource {
  audience: string;
  /** The resource as it is written in the response's `scope` (Graph's URL or the API's App ID URI). */
  scopePrefix: string;
  /** Delegated scope names (`scp`); for `.default` the resource's configured scopes. */
  names: string[];
  api?: RegisteredApp;
}

function splitScope(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter(Boolean);
}

/** Splits `https://graph.microsoft.com/Mail.Read`, `api://<id>/access_as_user`, `Mail.Read` into resource + name. */
function resourceOf(scope: string): { resource: string; name: string } {
  const slash = scope.lastIndexOf('/');
  if (slash <= 0) return { resource: GRAPH_RESOURCE, name: scope };
  const resource = scope.slice(0, slash);
  return { resource: GRAPH_ALIASES.has(resource) ? GRAPH_RESOURCE : resource, name: scope.slice(slash + 1) };
}

function resolveResource(ctx: OAuthContext, tenantId: string, scopes: string[], rawScope: string): ResolvedResource {
  const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s)).map(resourceOf);
  const resources = [...new Set(resourceScopes.map((s) => s.resource))];
  if (resources.length > 1) {
    throw new EntraError(400, 'invalid_scope', 28000, `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${rawScope} is not valid.`);
  }
  // Only OIDC scopes: Entra gives a Graph token for the user's own profile.
  if (resources.length === 0) return { audience: GRAPH_RESOURCE, scopePrefix: GRAPH_RESOURCE, names: ['User.Read'] };
  const resource = resources[0];
  const names = resourceScopes.map((s) => s.name);
  if (resource === GRAPH_RESOURCE) {
    return { audience: GRAPH_RESOURCE, scopePrefix: GRAPH_RESOURCE, names: names.includes('.default') ? ['User.Read'] : names };
  }
  const api = ctx.directory.findApiApp(resource, tenantId);
  if (!api) throw aadsts.resourceNotFound(resource, tenantId);
  if (names.includes('.default')) return { audience: api.clientId, scopePrefix: api.appIdUri, names: api.exposedScopes, api };
  const unknown = names.find((n) => !api.exposedScopes.includes(n));
  if (unknown) throw aadsts.invalidScope(`${resource}/${unknown}`);
  return { audience: api.clientId, scopePrefix: api.appIdUri, names, api };
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** How the client proved itself on this request: a secret, a signed client assertion (certificate), or nothing. */
interface ClientProof {
  secret?: string;
  assertion?: string;
  assertionType?: string;
  /** Token endpoint URLs an assertion may name as `aud`. */
  audiences: string[];
}

function isConfidential(app: RegisteredApp): boolean {
  return app.clientSecret !== undefined || app.certificates.length > 0;
}

/**
 * Confidential apps must prove a secret or a certificate they registered; public clients (neither registered) must
 * send neither.
 */
async function authenticateClient(ctx: OAuthContext, app: RegisteredApp, proof: ClientProof): Promise<void> {
  if (!isConfidential(app)) {
    if (proof.secret !== undefined || proof.assertion !== undefined) {
      throw new EntraError(401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    }
    return;
  }
  if (proof.secret !== undefined && proof.assertion !== undefined) {
    throw new EntraError(400, 'invalid_request', 90014, "The request must contain only one of 'client_assertion' and 'client_secret'.");
  }
  if (proof.assertion !== undefined) {
    await verifyClientAssertion(
      { assertion: proof.assertion, assertionType: proof.assertionType, clientId: app.clientId, audiences: proof.audiences },
      ctx.directory.certificatesOf(app),
    );
    return;
  }
  if (proof.secret === undefined) throw aadsts.secretRequired();
  if (app.clientSecret === undefined || !sameSecret(proof.secret, app.clientSecret)) throw aadsts.invalidClientSecret(app.clientId);
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw aadsts.missingParameter(name);
  return value;
}

/** Resolves the authority path segment; undefined means a multi-tenant authority (`common`, `organizations`). */
export function tenantOfSegment(ctx: OAuthContext, segment: string): string | undefined {
  if (MULTI_TENANT_SEGMENTS.has(segment.toLowerCase())) return undefined;
  const tenantId = ctx.directory.resolveTenant(segment);
  if (!tenantId) throw aadsts.tenantNotFound(segment);
  return tenantId;
}

export interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export async function handleTokenRequest(ctx: OAuthContext, segment: string, params: Params, basic: ClientCredentials): Promise<TokenResponse> {
  const pathTenant = tenantOfSegment(ctx, segment);
  const grantType = required(params, 'grant_type');
  ctx.directory.count(`token:${grantType}`);
  const clientId = params.client_id ?? basic.clientId;
  if (!clientId) throw aadsts.missingParameter('client_id');
  const tokenEndpoint = (tenant: string): string => `${ctx.origin()}/${tenant}/oauth2/v2.0/token`;
  const proof: ClientProof = {
    secret: params.client_secret ?? basic.clientSecret,
    assertion: params.client_assertion,
    assertionType: params.client_assertion_type,
    audiences: [...new Set([tokenEndpoint(segment), ...(pathTenant ? [tokenEndpoint(pathTenant)] : [])])],
  };
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(ctx, pathTenant, segment, clientId, proof, params);
    case 'authorization_code':
      return authorizationCode(ctx, pathTenant, clientId, proof, params);
    case 'refresh_token':
      return refreshToken(ctx, pathTenant, clientId, proof, params);
    default:
      throw aadsts.unsupportedGrantType(grantType);
  }
}

async function clientCredentials(
  ctx: OAuthContext,
  tenantId: string | undefined,
  segment: string,
  clientId: string,
  proof: ClientProof,
  params: Params,
): Promise<TokenResponse> {
  if (!tenantId) {
    throw new EntraError(400, 'invalid_request', 900023, `Specified tenant identifier '${segment}' is neither a valid DNS name, nor a valid external domain.`);
  }
  const app = ctx.directory.findApp(clientId, tenantId);
  if (!app) throw aadsts.appNotFound(clientId, tenantId);
  await authenticateClient(ctx, app, proof);
  if (!isConfidential(app)) {
    throw new EntraError(400, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  const rawScope = required(params, 'scope');
  const scopes = splitScope(rawScope);
  if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) throw aadsts.clientCredentialsScope(rawScope);
  const resource = resolveResource(ctx, tenantId, scopes, rawScope);
  const claims = appAccessClaims({
    issuer: ctx.issuer(tenantId),
    tenantId,
    audience: resource.audience,
    clientId: app.clientId,
    servicePrincipalOid: app.servicePrincipalOid,
    roles: app.roles,
    nowSec: Math.floor(Date.now() / 1000),
    expiresInSeconds: ACCESS_TOKEN_LIFETIME_SEC,
  });
  const accessToken = await signToken(claims, ctx.directory.keys.active);
  return { token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_SEC, ext_expires_in: ACCESS_TOKEN_LIFETIME_SEC, access_token: accessToken };
}

function verifyPkce(challenge: string, method: 'S256' | 'plain', verifier: string | undefined): void {
  if (!verifier) throw aadsts.missingParameter('code_verifier');
  const computed = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  if (computed !== challenge) throw aadsts.pkceFailed();
}

async function authorizationCode(
  ctx: OAuthContext,
  pathTenant: string | undefined,
  clientId: string,
  proof: ClientProof,
  params: Params,
): Promise<TokenResponse> {
  const codeValue = required(params, 'code');
  const redirectUri = required(params, 'redirect_uri');
  const record = ctx.directory.code(codeValue);
  if (!record || (pathTenant !== undefined && pathTenant !== record.tenantId) || record.clientId !== clientId) throw aadsts.codeInvalid();
  if (record.redeemed) throw aadsts.codeRedeemed();
  if (record.expiresAtMs < Date.now()) throw aadsts.codeExpired();
  if (record.redirectUri !== redirectUri) throw aadsts.redirectMismatch(redirectUri, clientId);
  const app = ctx.directory.findApp(clientId, record.tenantId);
  if (!app) throw aadsts.appNotFound(clientId, record.tenantId);
  await authenticateClient(ctx, app, proof);
  if (record.codeChallenge) verifyPkce(record.codeChallenge, record.codeChallengeMethod ?? 'plain', params.code_verifier);
  const user = ctx.directory.findUser(record.tenantId, record.oid);
  if (!user) throw aadsts.userNotFound(record.oid, record.tenantId);
  record.redeemed = true;
  const scopes = params.scope ? splitScope(params.scope) : record.scopes;
  return delegatedResponse(ctx, app, user, scopes, params, record.nonce);
}

async function refreshToken(
  ctx: OAuthContext,
  pathTenant: string | undefined,
  clientId: string,
  proof: ClientProof,
  params: Params,
): Promise<TokenResponse> {
  const value = required(params, 'refresh_token');
  const record = ctx.directory.refreshToken(value);
  if (!record || (pathTenant !== undefined && pathTenant !== record.tenantId)) throw aadsts.refreshTokenInvalid();
  if (record.clientId !== clientId) throw aadsts.refreshTokenClientMismatch();
  const app = ctx.directory.findApp(clientId, record.tenantId);
  if (!app) throw aadsts.appNotFound(clientId, record.tenantId);
  await authenticateClient(ctx, app, proof);
  if (record.state === 'revoked') throw aadsts.refreshTokenRevoked();
  // Refresh tokens rotate: a replaced one is dead, so a client that keeps the old one learns it at once.
  if (record.state === 'rotated') throw aadsts.refreshTokenClientMismatch();
  if (record.expiresAtMs < Date.now()) throw aadsts.refreshTokenExpired();
  const user = ctx.directory.findUser(record.tenantId, record.oid);
  if (!user) throw aadsts.userNotFound(record.oid, record.tenantId);
  const scopes = params.scope ? splitScope(params.scope) : record.scopes;
  const response = await delegatedResponse(ctx, app, user, [...new Set([...scopes, 'offline_access'])], params);
  record.state = 'rotated';
  return response;
}

async function delegatedResponse(
  ctx: OAuthContext,
  app: RegisteredApp,
  user: DirectoryUser,
  scopes: string[],
  params: Params,
  nonce?: string,
): Promise<TokenResponse> {
  const rawScope = scopes.join(' ');
  const resource = resolveResource(ctx, user.tenantId, scopes, rawScope);
  const nowSec = Math.floor(Date.now() / 1000);
  const issuer = ctx.issuer(user.tenantId);
  const accessToken = await signToken(
    delegatedAccessClaims({
      issuer,
      tenantId: user.tenantId,
      audience: resource.audience,
      clientId: app.clientId,
      oid: user.oid,
      upn: user.upn,
      name: user.name,
      scopes: resource.names,
      // App roles of the resource assigned to the user (e.g. the relay API's `Admin`), as Entra emits them.
      roles: resource.api ? ctx.directory.appRolesOf(resource.api.clientId, user.tenantId, user.oid) : undefined,
      nowSec,
      expiresInSeconds: ACCESS_TOKEN_LIFETIME_SEC,
    }),
    ctx.directory.keys.active,
  );
  const oidcGranted = scopes.filter((s) => OIDC_SCOPES.has(s));
  const response: TokenResponse = {
    token_type: 'Bearer',
    scope: [...resource.names.map((n) => `${resource.scopePrefix}/${n}`), ...oidcGranted].join(' '),
    expires_in: ACCESS_TOKEN_LIFETIME_SEC,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_SEC,
    access_token: accessToken,
  };
  if (scopes.includes('offline_access')) {
    response.refresh_token = ctx.directory.createRefreshToken({ tenantId: user.tenantId, clientId: app.clientId, oid: user.oid, scopes });
  }
  if (scopes.includes('openid')) {
    response.id_token = await signToken(
      idTokenClaims({ issuer, tenantId: user.tenantId, clientId: app.clientId, oid: user.oid, upn: user.upn, name: user.name, nonce, roles: ctx.directory.appRolesOf(app.clientId, user.tenantId, user.oid), nowSec }),
      ctx.directory.keys.active,
    );
  }
  if (params.client_info === '1') response.client_info = clientInfo(user.oid, user.tenantId);
  return response;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Entra matches redirect URIs exactly, except that for loopback URIs the port is ignored (RFC 8252 §7.3; Entra's
 * "Redirect URI restrictions", localhost exceptions): a relay on an ephemeral port needs no registration per port.
 */
export function redirectUriRegistered(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  let url: URL;
  try {
    url = new URL(presented);
  } catch {
    return false;
  }
  if (!LOOPBACK_HOSTS.has(url.hostname) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  const withoutPort = (u: URL): string => `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
  return registered.some((candidate) => {
    try {
      return withoutPort(new URL(candidate)) === withoutPort(url);
    } catch {
      return false;
    }
  });
}

export type AuthorizeOutcome =
  | { kind: 'redirect'; redirectUri: string; responseMode: 'query' | 'fragment' | 'form_post'; params: Record<string, string> }
  /**
   * Interactive sign-in with no user to pick silently: Entra's account picker. The page posts the same request back
   * with the chosen account as `login_hint`.
   */
  | { kind: 'sign-in-page'; appName: string; accounts: Array<DirectoryUser & { roles: string[] }>; params: Record<string, string> }
  /** Entra shows an error page (never redirects) when the client or the redirect URI cannot be trusted. */
  | { kind: 'error-page'; error: EntraError };

/**
 * Signs in at once, with no page: the user is the `login_hint`, else the one a test selected for the tenant
 * (`setSignInUser`), else the tenant's only user.
 */
export function handleAuthorize(ctx: OAuthContext, segment: string, params: Params): AuthorizeOutcome {
  ctx.directory.count('authorize');
  let pathTenant: string | undefined;
  try {
    pathTenant = tenantOfSegment(ctx, segment);
  } catch (error) {
    return { kind: 'error-page', error: error as EntraError };
  }
  const clientId = params.client_id;
  if (!clientId) return { kind: 'error-page', error: aadsts.missingParameter('client_id') };
  const app = ctx.directory.findApp(clientId, pathTenant);
  if (!app) return { kind: 'error-page', error: aadsts.appNotFound(clientId, pathTenant ?? segment) };
  const redirectUri = params.redirect_uri;
  if (!redirectUri) return { kind: 'error-page', error: aadsts.missingParameter('redirect_uri') };
  if (!redirectUriRegistered(app.redirectUris, redirectUri)) return { kind: 'error-page', error: aadsts.redirectMismatch(redirectUri, clientId) };

  const responseMode = params.response_mode === 'fragment' || params.response_mode === 'form_post' ? params.response_mode : 'query';
  const withState = (p: Record<string, string>): Record<string, string> => (params.state ? { ...p, state: params.state } : p);
  const fail = (error: EntraError): AuthorizeOutcome => ({
    kind: 'redirect',
    redirectUri,
    responseMode,
    params: withState({ error: error.error, error_description: error.message, error_codes: String(error.aadstsCode) }),
  });

  if (params.response_type !== 'code') return fail(aadsts.unsupportedResponseType(params.response_type ?? ''));
  const scopes = splitScope(params.scope);
  if (scopes.length === 0) return fail(aadsts.missingParameter('scope'));
  const prompt = params.prompt;
  const interactive = prompt !== 'none';
  const user = prompt === 'select_account' || prompt === 'login' ? undefined : pickUser(ctx, pathTenant, params.login_hint);
  if (!user && interactive && (params.login_hint === undefined || prompt === 'select_account' || prompt === 'login')) {
    const tenants = pathTenant ? [pathTenant] : [...ctx.directory.tenants];
    const accounts = tenants.flatMap((t) => ctx.directory.usersOf(t)).map((u) => ({ ...u, roles: ctx.directory.appRolesOf(app.clientId, u.tenantId, u.oid) }));
    const echoed: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) if (value !== undefined && key !== 'login_hint' && key !== 'prompt') echoed[key] = value;
    return { kind: 'sign-in-page', appName: app.displayName ?? app.clientId, accounts, params: echoed };
  }
  if (!user) return fail(params.login_hint ? aadsts.userNotFound(params.login_hint, pathTenant ?? segment) : aadsts.loginRequired());
  try {
    resolveResource(ctx, user.tenantId, scopes, scopes.join(' '));
  } catch (error) {
    return fail(error as EntraError);
  }
  const method = params.code_challenge_method === 'S256' ? 'S256' : params.code_challenge ? 'plain' : undefined;
  const code = ctx.directory.createCode({
    tenantId: user.tenantId,
    clientId,
    oid: user.oid,
    scopes,
    redirectUri,
    codeChallenge: params.code_challenge,
    codeChallengeMethod: method,
    nonce: params.nonce,
  });
  return {
    kind: 'redirect',
    redirectUri,
    responseMode,
    params: withState({ code, client_info: clientInfo(user.oid, user.tenantId), session_state: user.oid }),
  };
}

function pickUser(ctx: OAuthContext, tenantId: string | undefined, loginHint: string | undefined): DirectoryUser | undefined {
  const { directory } = ctx;
  if (loginHint) {
    const user = directory.findUserByUpn(loginHint);
    return user && (tenantId === undefined || user.tenantId === tenantId) ? user : undefined;
  }
  const tenants = tenantId ? [tenantId] : [...directory.tenants];
  for (const t of tenants) {
    const selected = directory.signInUserOf(t);
    if (selected) return directory.findUser(t, selected);
  }
  const candidates = tenants.flatMap((t) => directory.usersOf(t));
  return candidates.length === 1 ? candidates[0] : undefined;
}
