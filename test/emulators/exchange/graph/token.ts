/**
 * Bearer-token check of the Graph emulator against the Entra emulator: RS256 signature from the tenant's JWKS (fetched
 * over HTTPS trusting the emulator CA, refreshed on an unknown `kid`), issuer of the token's tenant, audience = Graph,
 * lifetime. Returns who is calling: app (roles) or user (scp + preferred_username).
 */
import https from 'node:https';
import http from 'node:http';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import type { TokenInfo } from './routes';

export interface EntraTrust {
  issuer(tenantId: string): string;
  jwksUri(tenantId: string): string;
  caPem?: string;
}

/** Graph's audience as Entra writes it: the resource URI or the Graph app id. */
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000'];

function fetchJson(url: string, caPem?: string): Promise<unknown> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.get(target, target.protocol === 'https:' && caPem ? { ca: caPem } : {}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function entraTokenValidator(entra: EntraTrust): (token: string) => Promise<TokenInfo> {
  const keySets = new Map<string, ReturnType<typeof createLocalJWKSet>>();
  const keysFor = async (tenantId: string, refresh: boolean): Promise<ReturnType<typeof createLocalJWKSet>> => {
    const cached = keySets.get(tenantId);
    if (cached && !refresh) return cached;
    const jwks = (await fetchJson(entra.jwksUri(tenantId), entra.caPem)) as JSONWebKeySet;
    const set = createLocalJWKSet(jwks);
    keySets.set(tenantId, set);
    return set;
  };
  return async (token: string): Promise<TokenInfo> => {
    let tid: string;
    try {
      tid = String(decodeJwt(token).tid ?? '');
    } catch {
      throw new Error('Token is not a JWT.');
    }
    if (!/^[0-9a-f-]{36}$/i.test(tid)) throw new Error('Token has no tenant.');
    const verify = async (refresh: boolean) =>
      jwtVerify(token, await keysFor(tid, refresh), { issuer: entra.issuer(tid), audience: GRAPH_AUDIENCES, algorithms: ['RS256'], clockTolerance: 30 });
    let payload;
    try {
      payload = (await verify(false)).payload;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      payload = (await verify(true)).payload;
    }
    const scp = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
    const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
    return {
      tenantId: tid,
      appId: typeof payload.azp === 'string' ? payload.azp : typeof payload.appid === 'string' ? payload.appid : undefined,
      oid: typeof payload.oid === 'string' ? payload.oid : undefined,
      upn: typeof payload.preferred_username === 'string' ? payload.preferred_username : typeof payload.upn === 'string' ? payload.upn : undefined,
      roles,
      scopes: scp,
    };
  };
}
