/**
 * Basic authentication and SAP-style CSRF protection.
 *
 * CSRF (docs/c4c-odata.md §9): a GET/HEAD with `x-csrf-token: fetch` (any case) answers with a token in the
 * `x-csrf-token` header and binds it to a session cookie (set when the request has no live session). Modifying
 * requests (POST/PUT/PATCH/MERGE/DELETE, $batch, POST function imports) must carry that token AND the cookie;
 * otherwise 403 with `x-csrf-token: Required`. `required=false` models a technical/integration user, for which C4C
 * does not enforce the token (fetching still works).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'SAP_SESSIONID_C4C_100';
export const WWW_AUTHENTICATE = 'Basic realm="SAP NetWeaver Application Server [C4C/100]"';

export interface Credentials { username: string; password: string }

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Returns the user name for valid `Authorization: Basic …`, else undefined. */
export function authenticate(header: string | undefined, users: readonly Credentials[]): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const user = decoded.slice(0, i);
  const pass = decoded.slice(i + 1);
  const hit = users.find((u) => u.username.toLowerCase() === user.toLowerCase() && safeEqual(u.password, pass));
  return hit?.username;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export const MODIFYING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

interface Session { token: string; user: string }

export class CsrfGuard {
  private sessions = new Map<string, Session>();

  constructor(public required: boolean) {}

  /** Handles `x-csrf-token: fetch`; returns the headers to add to the response. */
  fetch(cookieHeader: string | undefined, user: string): Record<string, string | string[]> {
    const sid = parseCookies(cookieHeader)[SESSION_COOKIE];
    const live = sid ? this.sessions.get(sid) : undefined;
    if (live && live.user === user) return { 'x-csrf-token': live.token };
    const newSid = randomBytes(24).toString('base64url');
    const token = randomBytes(16).toString('base64');
    this.sessions.set(newSid, { token, user });
    return {
      'x-csrf-token': token,
      'set-cookie': [`${SESSION_COOKIE}=${newSid}; path=/; HttpOnly`, 'sap-usercontext=sap-client=100; path=/'],
    };
  }

  /** True when the request carries the token of the session named by its cookie. */
  valid(cookieHeader: string | undefined, tokenHeader: string | undefined, user: string): boolean {
    if (!this.required) return true;
    const sid = parseCookies(cookieHeader)[SESSION_COOKIE];
    const s = sid ? this.sessions.get(sid) : undefined;
    return !!s && !!tokenHeader && s.user === user && safeEqual(s.token, tokenHeader);
  }

  expireAll(): void {
    this.sessions.clear();
  }
}
