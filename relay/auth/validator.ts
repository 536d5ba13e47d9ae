/**
 * Validation of the Entra ID v2.0 access tokens the add-in sends (obtained through Nested App Authentication).
 * Follows docs/exchange-and-graph.md §11.3: RS256 only, issuer bound to the token's own `tid`
 * (`<authority>/<tid>/v2.0`), tenant on the allow-list, audience = our API, required delegated scope, JWKS per
 * tenant cached and re-fetched on an unknown `kid`.
 *
 * The cheap checks (shape, tenant, issuer) run before any key fetch, so a token naming an arbitrary tenant can
 * never make the relay fetch keys from an address of the caller's choosing.
 */
import crypto from 'node:crypto';
import type { Agent } from 'node:http';
import https from 'node:https';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { AuthError } from './errors';
import type { ValidatedToken } from './types';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_PLACEHOLDER = /\{tenant(id)?\}/gi;

export type TenantAllowList = readonly string[] | ((tenantId: string) => boolean | Promise<boolean>);

const optionsSchema = z
  .object({
    /** e.g. `https://login.microsoftonline.com` (or the Entra emulator's origin). */
    authorityHost: z.url({ protocol: /^https?$/ }).optional(),
    /** Overrides the issuer derived from authorityHost; must contain `{tenantid}`. */
    issuerTemplate: z.string().includes('{tenantid}').optional(),
    /** Overrides the JWKS URI derived from authorityHost; may contain `{tenantid}`. */
    jwksUriTemplate: z.string().min(1).optional(),
    /** Accepted `aud` values: the API's client id (v2 tokens); an App ID URI only if you accept it deliberately. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Delegated scope a user token must carry in `scp`, e.g. `access_as_user`. */
    requiredScope: z.string().min(1).optional(),
    /** App role an app-only token must carry in `roles`; without it app-only tokens are refused. */
    requiredAppRole: z.string().min(1).optional(),
    clockToleranceSec: z.number().int().min(0).max(600).default(300),
    /**
     * How long a token that passed verification is remembered, so the next requests with it skip the signature
     * check (the sidebar sends one token for up to an hour). Never past the token's expiry; the tenant is checked
     * again every time. 0 turns it off. Shorter than the JWKS cache, so a withdrawn key is not trusted longer.
     */
    verifiedCacheMs: z.number().int().min(0).max(3_600_000).default(300_000),
    jwks: z
      .object({
        cacheMaxAgeMs: z.number().int().positive().default(24 * 3600_000),
        /** Minimum time between re-fetches triggered by an unknown `kid` (abuse guard). */
        cooldownMs: z.number().int().min(0).default(30_000),
        timeoutMs: z.number().int().positive().default(5_000),
      })
      .default({ cacheMaxAgeMs: 24 * 3600_000, cooldownMs: 30_000, timeoutMs: 5_000 }),
  })
  .refine((o) => o.authorityHost !== undefined || (o.issuerTemplate !== undefined && o.jwksUriTemplate !== undefined), {
    message: 'set authorityHost, or both issuerTemplate and jwksUriTemplate',
  });

export interface TokenValidatorOptions extends z.input<typeof optionsSchema> {
  /** Onboarded tenants (list or lookup). Unset means any tenant; then `requireUser`'s resolveUser is the gate. */
  allowedTenants?: TenantAllowList;
  /** Trust for fetching keys: an http(s) Agent, or a CA certificate (PEM) added for a test/sandbox authority. */
  agent?: Agent;
  caPem?: string;
  /** Clock for tests. */
  now?: () => Date;
}

export interface TokenValidator {
  /** Resolves with the token's identity or rejects with an AuthError. */
  validate(token: string | undefined | null): Promise<ValidatedToken>;
}

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

function fill(template: string, tenantId: string): string {
  return template.replace(TENANT_PLACEHOLDER, tenantId);
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function stringArrayClaim(payload: JWTPayload, name: string): string[] {
  const value = payload[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Maps jose's verification errors to our reasons; anything unrecognised is a key fetch problem or a bug. */
function fromJoseError(error: unknown): AuthError {
  if (error instanceof joseErrors.JWTExpired) return new AuthError('expired', 'The access token has expired', { cause: error });
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new AuthError('wrong-audience', 'The access token is not meant for this API', { cause: error });
      case 'iss':
        return new AuthError('wrong-issuer', 'The access token was issued by an unexpected authority', { cause: error });
      case 'nbf':
        return new AuthError('not-yet-valid', 'The access token is not valid yet', { cause: error });
      default:
        return new AuthError('malformed', `The access token has an invalid "${error.claim}" claim`, { cause: error });
    }
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return new AuthError('bad-signature', 'The access token signature is not valid', { cause: error });
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return new AuthError('malformed', 'The access token is not a valid JWT', { cause: error });
  }
  return new AuthError('keys-unavailable', 'The signing keys of the token issuer could not be fetched', { cause: error });
}

export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  const config = optionsSchema.parse(options);
  const authority = config.authorityHost?.replace(/\/+$/, '');
  const issuerTemplate = config.issuerTemplate ?? `${authority}/{tenantid}/v2.0`;
  const jwksUriTemplate = config.jwksUriTemplate ?? `${authority}/{tenantid}/discovery/v2.0/keys`;
  const audiences = Array.isArray(config.audience) ? config.audience : [config.audience];
  const agent = options.agent ?? (options.caPem ? new https.Agent({ ca: options.caPem, keepAlive: true }) : undefined);
  const allowList = options.allowedTenants;
  const allowedSet = Array.isArray(allowList) ? new Set(allowList.map((t) => t.toLowerCase())) : undefined;
  const jwksByTenant = new Map<string, RemoteJwks>();
  const verified = config.verifiedCacheMs > 0 ? new LRUCache<string, ValidatedToken>({ max: 10_000, ttl: config.verifiedCacheMs }) : undefined;

  async function tenantAllowed(tenantId: string): Promise<boolean> {
    if (allowList === undefined) return true;
    if (allowedSet) return allowedSet.has(tenantId);
    return (allowList as (tenantId: string) => boolean | Promise<boolean>)(tenantId);
  }

  /** One key set per tenant: keys are fetched from the tenant's own JWKS, so keys are restricted by issuer. */
  function jwksFor(tenantId: string): RemoteJwks {
    let jwks = jwksByTenant.get(tenantId);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(fill(jwksUriTemplate, tenantId)), {
        agent,
        cacheMaxAge: config.jwks.cacheMaxAgeMs,
        cooldownDuration: config.jwks.cooldownMs,
        timeoutDuration: config.jwks.timeoutMs,
      });
      jwksByTenant.set(tenantId, jwks);
    }
    return jwks;
  }

  async function validate(token: string | undefined | null): Promise<ValidatedToken> {
    if (!token) throw new AuthError('missing', 'No access token was sent');
    // Keyed by the token's digest: the bytes that were verified, nothing else.
    const digest = verified ? crypto.createHash('sha256').update(token).digest('base64url') : '';
    const known = verified?.get(digest);
    if (known) {
      const now = (options.now?.() ?? new Date()).getTime();
      if (now < known.expiresAt.getTime() + config.clockToleranceSec * 1000 && (await tenantAllowed(known.tenantId))) return known;
      verified?.delete(digest);
    }
    const valid = await verify(token);
    verified?.set(digest, valid);
    return valid;
  }

  async function verify(token: string): Promise<ValidatedToken> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (error) {
      throw new AuthError('malformed', 'The access token is not a valid JWT', { cause: error });
    }
    // `alg: none` and HMAC tokens (signed with a public key as secret) are refused before anything else.
    if (header.alg !== 'RS256') throw new AuthError('bad-signature', `Tokens signed with "${String(header.alg)}" are not accepted`);
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new AuthError('malformed', 'The access token names no signing key');

    const tenantId = stringClaim(unverified, 'tid')?.toLowerCase();
    if (!tenantId || !GUID.test(tenantId)) throw new AuthError('malformed', 'The access token has no valid tenant id');
    if (!(await tenantAllowed(tenantId))) throw new AuthError('wrong-tenant', 'Your organization is not registered with this service');
    const expectedIssuer = fill(issuerTemplate, tenantId);
    if (unverified.iss !== expectedIssuer) {
      throw new AuthError('wrong-issuer', 'The access token was issued by an unexpected authority (a v2.0 token from Microsoft Entra ID is required)');
    }
    if (unverified.ver !== '2.0') throw new AuthError('wrong-issuer', 'Only v2.0 access tokens are accepted');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwksFor(tenantId), {
        issuer: expectedIssuer,
        audience: audiences,
        algorithms: ['RS256'],
        clockTolerance: config.clockToleranceSec,
        requiredClaims: ['exp', 'iat'],
        currentDate: options.now?.(),
      }));
    } catch (error) {
      throw fromJoseError(error);
    }

    const scopes = (stringClaim(payload, 'scp') ?? '').split(' ').filter(Boolean);
    const roles = stringArrayClaim(payload, 'roles');
    const kind: ValidatedToken['kind'] = scopes.length === 0 && payload.idtyp === 'app' ? 'app' : 'user';
    // A user token without `scp` is no access token at all (an ID token, say): never accept it.
    if (kind === 'user' && scopes.length === 0) throw new AuthError('missing-scope', 'The token is not an access token for this API');
    if (kind === 'user' && config.requiredScope && !scopes.includes(config.requiredScope)) {
      throw new AuthError('missing-scope', `The access token lacks the "${config.requiredScope}" permission`);
    }
    if (kind === 'app' && (!config.requiredAppRole || !roles.includes(config.requiredAppRole))) {
      throw new AuthError('missing-scope', 'App-only tokens are not accepted here');
    }
    const oid = stringClaim(payload, 'oid');
    if (!oid) throw new AuthError('malformed', 'The access token has no object id');
    return {
      tenantId,
      oid: oid.toLowerCase(),
      upn: stringClaim(payload, 'preferred_username') ?? stringClaim(payload, 'upn') ?? stringClaim(payload, 'email') ?? '',
      name: stringClaim(payload, 'name') ?? '',
      scopes,
      roles,
      kind,
      clientId: stringClaim(payload, 'azp') ?? stringClaim(payload, 'appid') ?? '',
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
  }

  return { validate };
}
