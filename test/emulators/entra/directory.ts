/**
 * The emulated directory: tenants, app registrations, users, authorization codes and refresh tokens, plus the
 * signing keys. Everything the HTTP endpoints and the control API do goes through this one object.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { registeredCertificate, type RegisteredCertificate } from './client-assertion';
import { SigningKeyRing } from './keys';
import { appAccessClaims, delegatedAccessClaims, derivedGuid, signToken, type SignWith } from './tokens';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

export const registerAppSchema = z.object({
  tenantId: guid,
  clientId: guid,
  /** Without a secret or certificate the app is a public client (SPA / NAA / native): PKCE instead of client authentication. */
  clientSecret: z.string().min(1).optional(),
  /** Certificates (PEM) uploaded under "Certificates & secrets": the app may authenticate with a signed client assertion. */
  certificates: z.array(z.string().includes('-----BEGIN CERTIFICATE-----')).default([]),
  displayName: z.string().min(1).optional(),
  redirectUris: z.array(z.string().min(1)).default([]),
  /** Application ID URI of an API app (`api://<clientId>` by default). */
  appIdUri: z.string().min(1).optional(),
  /** Delegated scopes this app exposes as an API (e.g. `access_as_user`). */
  exposedScopes: z.array(z.string().min(1)).default(['access_as_user']),
  /** Application permissions (app roles) granted to this app; they appear as `roles` in its app-only tokens. */
  roles: z.array(z.string().min(1)).default([]),
  /** App roles this app defines for users (`appRoles` of allowedMemberTypes User, e.g. `Admin`); assigned per user. */
  appRoles: z.array(z.string().min(1)).default([]),
});
export type RegisterAppInput = z.input<typeof registerAppSchema>;
export type RegisteredApp = z.output<typeof registerAppSchema> & { appIdUri: string; servicePrincipalOid: string };

export const addUserSchema = z.object({
  tenantId: guid,
  oid: guid,
  upn: z.string().min(3),
  name: z.string().min(1),
});
export type AddUserInput = z.input<typeof addUserSchema>;

export const assignAppRoleSchema = z.object({
  tenantId: guid,
  /** The app (resource) that defines the role. */
  clientId: guid,
  oid: guid,
  role: z.string().min(1),
});
export type AssignAppRoleInput = z.input<typeof assignAppRoleSchema>;
export type DirectoryUser = z.output<typeof addUserSchema>;

const claimOverrides = z.record(z.string(), z.unknown());
const signing = z.enum(['active', 'unpublished']).default('active');

export const issueUserTokenSchema = z.object({
  tenantId: guid,
  /** `aud`: the API's client id (v2 tokens) — or anything else a negative test needs. */
  audience: z.string().min(1),
  oid: guid,
  /** Delegated scopes (`scp`), e.g. `access_as_user`. */
  scp: z.union([z.string(), z.array(z.string())]).default('access_as_user'),
  /** `azp`: the client that asked for the token (the add-in); defaults to the audience's app. */
  clientId: z.string().min(1).optional(),
  roles: z.array(z.string()).optional(),
  /** Negative values produce an already expired token. */
  expiresInSeconds: z.number().int().default(3600),
  /** Set or replace any claim; a value of `null` removes the claim. */
  overrides: claimOverrides.optional(),
  /** `unpublished` signs with a key that is not in the JWKS but under the active `kid` (a forged token). */
  signing,
});
export type IssueUserTokenInput = z.input<typeof issueUserTokenSchema>;

export const issueAppTokenSchema = z.object({
  tenantId: guid,
  clientId: guid,
  audience: z.string().min(1),
  roles: z.array(z.string()).optional(),
  expiresInSeconds: z.number().int().default(3600),
  overrides: claimOverrides.optional(),
  signing,
});
export type IssueAppTokenInput = z.input<typeof issueAppTokenSchema>;

export interface AuthorizationCode {
  tenantId: string;
  clientId: string;
  oid: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  nonce?: string;
  expiresAtMs: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  tenantId: string;
  clientId: string;
  oid: string;
  scopes: string[];
  expiresAtMs: number;
  /** `revoked`: admin / password reset; `rotated`: replaced by a newer refresh token on use. */
  state: 'active' | 'revoked' | 'rotated';
}

const AUTH_CODE_LIFETIME_MS = 10 * 60_000;
const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 3600_000;

export class Directory {
  readonly apps = new Map<string, RegisteredApp>(); // key: tenantId|clientId
  readonly users = new Map<string, DirectoryUser>(); // key: tenantId|oid
  readonly tenants = new Set<string>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly signInUser = new Map<string, string>();
  /** key: clientId|tenantId|oid → role values assigned to that user on that app ("Users and groups" of the enterprise app). */
  private readonly roleAssignments = new Map<string, Set<string>>();
  private readonly counts = new Map<string, number>();

  constructor(
    readonly keys: SigningKeyRing,
    private readonly issuerFor: (tenantId: string) => string,
  ) {}

  count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounters(): void {
    this.counts.clear();
  }

  registerApp(input: RegisterAppInput): RegisteredApp {
    const parsed = registerAppSchema.parse(input);
    // A PEM that is no certificate fails here, at registration, rather than at the first token request.
    parsed.certificates.forEach(registeredCertificate);
    const app: RegisteredApp = {
      ...parsed,
      appIdUri: parsed.appIdUri ?? `api://${parsed.clientId}`,
      servicePrincipalOid: derivedGuid('service-principal', parsed.tenantId, parsed.clientId),
    };
    this.tenants.add(app.tenantId);
    this.apps.set(`${app.tenantId}|${app.clientId}`, app);
    return app;
  }

  addUser(input: AddUserInput): DirectoryUser {
    const user = addUserSchema.parse(input);
    this.tenants.add(user.tenantId);
    this.users.set(`${user.tenantId}|${user.oid}`, user);
    return user;
  }

  /** A tenant id, or a domain one of its users signs in with (Entra accepts both in the authority path). */
  resolveTenant(segment: string): string | undefined {
    const lower = segment.toLowerCase();
    if (this.tenants.has(lower)) return lower;
    for (const user of this.users.values()) {
      if (user.upn.toLowerCase().endsWith(`@${lower}`)) return user.tenantId;
    }
    return undefined;
  }

  /** An app is found in the requested tenant or, being multi-tenant, in any other one (its home tenant). */
  findApp(clientId: string, tenantId?: string): RegisteredApp | undefined {
    if (tenantId) {
      const local = this.apps.get(`${tenantId}|${clientId}`);
      if (local) return local;
    }
    for (const app of this.apps.values()) if (app.clientId === clientId) return app;
    return undefined;
  }

  /** The API app whose client id or Application ID URI is `resource`. */
  findApiApp(resource: string, tenantId: string): RegisteredApp | undefined {
    const candidates = [...this.apps.values()].filter((a) => a.clientId === resource || a.appIdUri === resource);
    return candidates.find((a) => a.tenantId === tenantId) ?? candidates[0];
  }

  findUser(tenantId: string, oid: string): DirectoryUser | undefined {
    return this.users.get(`${tenantId}|${oid}`);
  }

  findUserByUpn(upn: string): DirectoryUser | undefined {
    const lower = upn.toLowerCase();
    for (const user of this.users.values()) if (user.upn.toLowerCase() === lower) return user;
    return undefined;
  }

  usersOf(tenantId: string): DirectoryUser[] {
    return [...this.users.values()].filter((u) => u.tenantId === tenantId);
  }

  assignAppRole(input: AssignAppRoleInput): void {
    const p = assignAppRoleSchema.parse(input);
    const app = this.findApp(p.clientId, p.tenantId);
    if (!app) throw new Error(`No app ${p.clientId} registered`);
    if (!app.appRoles.includes(p.role)) throw new Error(`App ${p.clientId} defines no app role ${p.role}`);
    if (!this.findUser(p.tenantId, p.oid)) throw new Error(`No user ${p.oid} in tenant ${p.tenantId}`);
    const key = `${app.clientId}|${p.tenantId}|${p.oid}`;
    const roles = this.roleAssignments.get(key) ?? new Set<string>();
    roles.add(p.role);
    this.roleAssignments.set(key, roles);
  }

  /** The app roles of `clientId` assigned to the user: Entra puts them in `roles` of the app's tokens for that user. */
  appRolesOf(clientId: string, tenantId: string, oid: string): string[] {
    return [...(this.roleAssignments.get(`${clientId}|${tenantId}|${oid}`) ?? [])];
  }

  setSignInUser(tenantId: string, oid: string | null): void {
    if (oid === null) this.signInUser.delete(tenantId);
    else this.signInUser.set(tenantId, oid);
  }

  signInUserOf(tenantId: string): string | undefined {
    return this.signInUser.get(tenantId);
  }

  /** Uploads one more certificate to the app registration (Entra keeps several, e.g. during a rollover). */
  addAppCertificate(tenantId: string, clientId: string, certificatePem: string): void {
    const app = this.apps.get(`${tenantId}|${clientId}`);
    if (!app) throw new Error(`No app ${clientId} in tenant ${tenantId}`);
    registeredCertificate(certificatePem);
    app.certificates = [...app.certificates, certificatePem];
  }

  /** Deletes every certificate of the app registration: assertions signed with them fail with AADSTS700027. */
  removeAppCertificates(tenantId: string, clientId: string): void {
    const app = this.apps.get(`${tenantId}|${clientId}`);
    if (!app) throw new Error(`No app ${clientId} in tenant ${tenantId}`);
    app.certificates = [];
    // The app stays confidential (as Entra keeps it): with no credential left, every proof it presents is wrong.
    app.clientSecret ??= `removed:${randomBytes(24).toString('base64url')}`;
  }

  certificatesOf(app: RegisteredApp): RegisteredCertificate[] {
    return app.certificates.map(registeredCertificate);
  }

  revokeAppSecret(tenantId: string, clientId: string): void {
    const app = this.apps.get(`${tenantId}|${clientId}`);
    if (!app) throw new Error(`No app ${clientId} in tenant ${tenantId}`);
    // A confidential app without a valid secret stays confidential: every secret it presents is now wrong.
    app.clientSecret = `revoked:${randomBytes(24).toString('base64url')}`;
  }

  revokeUserRefreshTokens(tenantId: string, oid: string): number {
    let revoked = 0;
    for (const record of this.refreshTokens.values()) {
      if (record.tenantId === tenantId && record.oid === oid && record.state === 'active') {
        record.state = 'revoked';
        revoked += 1;
      }
    }
    return revoked;
  }

  createCode(code: Omit<AuthorizationCode, 'expiresAtMs' | 'redeemed'>): string {
    const value = `1.${randomBytes(48).toString('base64url')}`;
    this.codes.set(value, { ...code, expiresAtMs: Date.now() + AUTH_CODE_LIFETIME_MS, redeemed: false });
    return value;
  }

  code(value: string): AuthorizationCode | undefined {
    return this.codes.get(value);
  }

  createRefreshToken(record: Omit<RefreshTokenRecord, 'expiresAtMs' | 'state'>): string {
    const value = `1.${randomBytes(64).toString('base64url')}`;
    this.refreshTokens.set(value, { ...record, expiresAtMs: Date.now() + REFRESH_TOKEN_LIFETIME_MS, state: 'active' });
    return value;
  }

  refreshToken(value: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(value);
  }

  private async signer(mode: 'active' | 'unpublished'): Promise<SignWith> {
    const active = this.keys.active;
    if (mode === 'active') return active;
    const forged = await SigningKeyRing.unpublished();
    return { kid: active.kid, privateKey: forged.privateKey };
  }

  async issueUserToken(input: IssueUserTokenInput): Promise<string> {
    const p = issueUserTokenSchema.parse(input);
    const user = this.findUser(p.tenantId, p.oid);
    if (!user) throw new Error(`No user ${p.oid} in tenant ${p.tenantId}; add it with addUser first`);
    const clientId = p.clientId ?? (p.audience.startsWith('api://') ? p.audience.slice('api://'.length) : p.audience);
    const claims = delegatedAccessClaims({
      issuer: this.issuerFor(p.tenantId),
      tenantId: p.tenantId,
      audience: p.audience,
      clientId,
      oid: user.oid,
      upn: user.upn,
      name: user.name,
      scopes: typeof p.scp === 'string' ? p.scp.split(' ').filter(Boolean) : p.scp,
      roles: p.roles,
      nowSec: Math.floor(Date.now() / 1000),
      expiresInSeconds: p.expiresInSeconds,
    });
    return signToken(applyOverrides(claims, p.overrides), await this.signer(p.signing));
  }

  async issueAppToken(input: IssueAppTokenInput): Promise<string> {
    const p = issueAppTokenSchema.parse(input);
    const app = this.findApp(p.clientId, p.tenantId);
    if (!app) throw new Error(`No app ${p.clientId} registered`);
    const claims = appAccessClaims({
      issuer: this.issuerFor(p.tenantId),
      tenantId: p.tenantId,
      audience: p.audience,
      clientId: app.clientId,
      servicePrincipalOid: derivedGuid('service-principal', p.tenantId, app.clientId),
      roles: p.roles ?? app.roles,
      nowSec: Math.floor(Date.now() / 1000),
      expiresInSeconds: p.expiresInSeconds,
    });
    return signToken(applyOverrides(claims, p.overrides), await this.signer(p.signing));
  }
}

function applyOverrides(claims: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!overrides) return claims;
  const result = { ...claims };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete result[name];
    else result[name] = value;
  }
  return result;
}
