/**
 * Access tokens for Microsoft Graph through msal-node, for the two Graph access kinds:
 * - application access: client credentials, scope `https://graph.microsoft.com/.default`, proven with a client secret
 *   or a certificate (msal-node signs a fresh client assertion with its private key); msal caches the token;
 * - delegated access: the user's refresh token (stored encrypted by the caller) is redeemed with
 *   `acquireTokenByRefreshToken`. msal-node never returns refresh tokens in `AuthenticationResult`; the rotated one is
 *   written to msal's token cache, so we read it back from the serialized cache and hand it to
 *   `onRefreshTokenRotated` whenever it differs from the one we hold.
 * Plus the two steps of the S8 activation flow (authorization URL with PKCE, code redemption).
 */
import { ConfidentialClientApplication, CryptoProvider, type AuthenticationResult, type Configuration, type NodeAuthOptions, type NodeSystemOptions } from '@azure/msal-node';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { GraphClientCertificate } from '../types';

/** Resource id of Microsoft Graph: token audience, independent of the URL the calls go to (an emulator in tests). */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

/** Delegated permissions the product needs on the user's own mailbox. */
export const DELEGATED_GRAPH_PERMISSIONS = ['Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite', 'MailboxSettings.ReadWrite'] as const;

export function delegatedScopes(resource = GRAPH_RESOURCE): string[] {
  return [...DELEGATED_GRAPH_PERMISSIONS.map((p) => `${resource}/${p}`), 'offline_access'];
}

/** Extra msal-node settings: in tests the Entra emulator's knownAuthorities / metadata / CA-trusting network client. */
export interface MsalOverrides {
  auth?: Partial<Omit<NodeAuthOptions, 'clientId' | 'clientSecret' | 'clientCertificate' | 'clientAssertion' | 'authority'>>;
  system?: NodeSystemOptions;
}

export interface AppCredentials {
  tenantId: string;
  clientId: string;
  /** Exactly one of `clientSecret` and `clientCertificate`. */
  clientSecret?: string;
  clientCertificate?: GraphClientCertificate;
  authorityHost: string;
}

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${length}}$`), `${length} hex characters`);

const certificateSchema = z
  .object({
    thumbprintSha256: hex(64).optional(),
    thumbprint: hex(40).optional(),
    privateKeyPem: z.string().includes('PRIVATE KEY-----'),
    x5c: z.string().includes('-----BEGIN CERTIFICATE-----').optional(),
  })
  .refine((c) => c.thumbprintSha256 !== undefined || c.thumbprint !== undefined, 'a certificate needs its SHA-256 (or SHA-1) thumbprint');

const credentialsSchema = z
  .object({
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientCertificate: certificateSchema.optional(),
    authorityHost: z.url({ protocol: /^https$/ }),
  })
  .refine((c) => (c.clientSecret === undefined) !== (c.clientCertificate === undefined), 'give either a client secret or a client certificate');

/** msal-node's credential options: a secret, or a certificate it turns into a signed client assertion per request. */
function credentialOptions(c: z.output<typeof credentialsSchema>): Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> {
  if (!c.clientCertificate) return { clientSecret: c.clientSecret };
  const cert = c.clientCertificate;
  return {
    clientCertificate: {
      // SHA-256 wins when both are known: msal then signs PS256 with `x5t#S256` (SHA-1 / RS256 is deprecated).
      ...(cert.thumbprintSha256 ? { thumbprintSha256: cert.thumbprintSha256.toLowerCase() } : { thumbprint: cert.thumbprint?.toLowerCase() }),
      privateKey: cert.privateKeyPem,
      ...(cert.x5c ? { x5c: cert.x5c } : {}),
    },
  };
}

export function createMsalApp(credentials: AppCredentials, overrides: MsalOverrides = {}): ConfidentialClientApplication {
  const c = credentialsSchema.parse(credentials);
  const config: Configuration = {
    auth: {
      ...overrides.auth,
      clientId: c.clientId,
      ...credentialOptions(c),
      authority: `${c.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(c.tenantId)}`,
    },
    system: {
      // No logger callback: msal logs nothing, so no token can end up in our logs.
      ...overrides.system,
    },
  };
  return new ConfidentialClientApplication(config);
}

/** Application access (client credentials). */
export class AppTokenProvider implements AuthenticationProvider {
  private readonly app: ConfidentialClientApplication;

  constructor(credentials: AppCredentials, overrides: MsalOverrides = {}, private readonly resource = GRAPH_RESOURCE) {
    this.app = createMsalApp(credentials, overrides);
  }

  async getAccessToken(): Promise<string> {
    // msal-node serves the cached token until shortly before it expires.
    const result = await this.app.acquireTokenByClientCredential({ scopes: [`${this.resource}/.default`] });
    if (!result?.accessToken) throw new Error('msal-node returned no access token for the client credential request');
    return result.accessToken;
  }
}

interface SerializedCache {
  RefreshToken?: Record<string, { secret?: string }>;
}

/** The refresh token msal-node holds in its cache (it keeps exactly one per account/client after clearCache). */
export function refreshTokenFromCache(app: ConfidentialClientApplication): string | undefined {
  const cache = JSON.parse(app.getTokenCache().serialize()) as SerializedCache;
  const entries = Object.values(cache.RefreshToken ?? {});
  return entries.find((e) => typeof e.secret === 'string' && e.secret.length > 0)?.secret;
}

const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/** Delegated access from a stored refresh token. */
export class DelegatedTokenProvider implements AuthenticationProvider {
  private readonly app: ConfidentialClientApplication;
  private refreshToken: string;
  private current?: { token: string; expiresAt: number };
  private pending?: Promise<string>;
  private readonly onRotated?: (refreshToken: string) => Promise<void>;

  constructor(
    credentials: AppCredentials & { refreshToken: string; onRefreshTokenRotated?: (refreshToken: string) => Promise<void> },
    overrides: MsalOverrides = {},
    private readonly resource = GRAPH_RESOURCE,
  ) {
    this.app = createMsalApp(credentials, overrides);
    this.refreshToken = z.string().min(1).parse(credentials.refreshToken);
    this.onRotated = credentials.onRefreshTokenRotated;
  }

  async getAccessToken(): Promise<string> {
    if (this.current && this.current.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return this.current.token;
    // Concurrent calls share one redemption: a refresh token may be single-use once rotated.
    this.pending ??= this.redeem().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async redeem(): Promise<string> {
    // Start from an empty cache so the refresh token read back afterwards is the one this response delivered.
    this.app.clearCache();
    const result = await this.app.acquireTokenByRefreshToken({
      scopes: delegatedScopes(this.resource),
      refreshToken: this.refreshToken,
      // Store the response even though no account was cached before: that is where the rotated refresh token lands.
      forceCache: true,
    });
    if (!result?.accessToken) throw new Error('msal-node returned no access token for the refresh token request');
    const rotated = refreshTokenFromCache(this.app);
    if (rotated && rotated !== this.refreshToken) {
      this.refreshToken = rotated;
      await this.onRotated?.(rotated);
    }
    this.current = { token: result.accessToken, expiresAt: expiresAt(result) };
    return result.accessToken;
  }
}

function expiresAt(result: AuthenticationResult): number {
  return result.expiresOn ? result.expiresOn.getTime() : Date.now() + 10 * 60 * 1000;
}

// --- S8 activation flow -------------------------------------------------------------------------------------------

export interface AuthorizationUrlParams extends AppCredentials {
  redirectUri: string;
  /** Opaque anti-CSRF value the caller checks on the redirect. */
  state: string;
  loginHint?: string;
  msal?: MsalOverrides;
  resource?: string;
}

/** Step 1: the URL to send the user to, and the PKCE verifier the caller keeps (server side) for step 2. */
export async function buildAuthorizationUrl(params: AuthorizationUrlParams): Promise<{ url: string; codeVerifier: string }> {
  const app = createMsalApp(params, params.msal);
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await app.getAuthCodeUrl({
    scopes: delegatedScopes(params.resource),
    redirectUri: params.redirectUri,
    state: params.state,
    loginHint: params.loginHint,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    responseMode: 'query',
  });
  return { url, codeVerifier: pkce.verifier };
}

export interface RedeemedConsent {
  refreshToken: string;
  accessToken: string;
  /** The user who consented (UPN / preferred_username), tenant and object id when the token response said so. */
  username?: string;
  tenantId?: string;
  oid?: string;
  scopes: string[];
}

/** Step 2: exchanges the authorization code for tokens; the caller stores `refreshToken` encrypted. */
export async function redeemAuthorizationCode(
  params: AppCredentials & { code: string; redirectUri: string; codeVerifier?: string; msal?: MsalOverrides; resource?: string },
): Promise<RedeemedConsent> {
  const app = createMsalApp(params, params.msal);
  const result = await app.acquireTokenByCode({
    scopes: delegatedScopes(params.resource),
    redirectUri: params.redirectUri,
    code: z.string().min(1).parse(params.code),
    codeVerifier: params.codeVerifier,
  });
  const refreshToken = refreshTokenFromCache(app);
  if (!refreshToken) throw new Error('The token endpoint returned no refresh token (was offline_access consented?)');
  return {
    refreshToken,
    accessToken: result.accessToken,
    username: result.account?.username,
    tenantId: result.tenantId || result.account?.tenantId,
    oid: result.uniqueId || result.account?.localAccountId,
    scopes: result.scopes,
  };
}
