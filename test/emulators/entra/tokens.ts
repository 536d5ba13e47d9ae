/**
 * Minting of v2.0 access tokens and ID tokens with the claims Entra puts in them (access-tokens.md, id-tokens.md):
 * the relay's validator and the Graph emulator check exactly these.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload, type KeyLike } from 'jose';
import type { SigningKey } from './keys';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface SignWith {
  kid: string;
  privateKey: KeyLike;
}

/** Entra's `sub` is pairwise: the same user has a different `sub` in every app, so it must never be a user key. */
export function pairwiseSub(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}|${clientId}`).digest('base64url').slice(0, 43);
}

/** Deterministic GUID-shaped id (e.g. a service principal's object id) derived from stable inputs. */
export function derivedGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function uti(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export async function signToken(claims: JWTPayload, key: SignWith | SigningKey, typ = 'JWT'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ, kid: key.kid }).sign(key.privateKey);
}

export interface DelegatedClaimsInput {
  issuer: string;
  tenantId: string;
  audience: string;
  clientId: string;
  oid: string;
  upn: string;
  name: string;
  scopes: string[];
  roles?: string[];
  nowSec: number;
  expiresInSeconds: number;
}

export function delegatedAccessClaims(input: DelegatedClaimsInput): JWTPayload {
  const claims: JWTPayload = {
    aud: input.audience,
    iss: input.issuer,
    iat: input.nowSec,
    nbf: input.nowSec,
    exp: input.nowSec + input.expiresInSeconds,
    aio: randomBytes(24).toString('base64url'),
    azp: input.clientId,
    azpacr: '1',
    name: input.name,
    oid: input.oid,
    preferred_username: input.upn,
    rh: `0.${randomBytes(12).toString('base64url')}.`,
    scp: input.scopes.join(' '),
    sid: derivedGuid('session', input.tenantId, input.oid),
    sub: pairwiseSub(input.oid, input.clientId),
    tid: input.tenantId,
    uti: uti(),
    ver: '2.0',
  };
  if (input.roles && input.roles.length > 0) claims.roles = input.roles;
  return claims;
}

export interface AppClaimsInput {
  issuer: string;
  tenantId: string;
  audience: string;
  clientId: string;
  servicePrincipalOid: string;
  roles: string[];
  nowSec: number;
  expiresInSeconds: number;
}

export function appAccessClaims(input: AppClaimsInput): JWTPayload {
  const claims: JWTPayload = {
    aud: input.audience,
    iss: input.issuer,
    iat: input.nowSec,
    nbf: input.nowSec,
    exp: input.nowSec + input.expiresInSeconds,
    aio: randomBytes(24).toString('base64url'),
    azp: input.clientId,
    azpacr: '1',
    idtyp: 'app',
    oid: input.servicePrincipalOid,
    rh: `0.${randomBytes(12).toString('base64url')}.`,
    sub: input.servicePrincipalOid,
    tid: input.tenantId,
    uti: uti(),
    ver: '2.0',
  };
  if (input.roles.length > 0) claims.roles = input.roles;
  return claims;
}

export interface IdTokenInput {
  issuer: string;
  tenantId: string;
  clientId: string;
  oid: string;
  upn: string;
  name: string;
  nonce?: string;
  /** App roles of the client app assigned to the user (Entra emits them in the ID token too). */
  roles?: string[];
  nowSec: number;
}

export function idTokenClaims(input: IdTokenInput): JWTPayload {
  const claims: JWTPayload = {
    aud: input.clientId,
    iss: input.issuer,
    iat: input.nowSec,
    nbf: input.nowSec,
    exp: input.nowSec + 3600,
    name: input.name,
    oid: input.oid,
    preferred_username: input.upn,
    rh: `0.${randomBytes(12).toString('base64url')}.`,
    sub: pairwiseSub(input.oid, input.clientId),
    tid: input.tenantId,
    uti: uti(),
    ver: '2.0',
  };
  if (input.nonce) claims.nonce = input.nonce;
  if (input.roles && input.roles.length > 0) claims.roles = input.roles;
  return claims;
}

/** msal uses `client_info` (base64url JSON of uid/utid) to build the account's home id. */
export function clientInfo(oid: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tenantId })).toString('base64url');
}
