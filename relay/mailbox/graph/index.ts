/**
 * Opens a mailbox over Microsoft Graph (access kinds `graph-app` and `graph-delegated`). See graph-mailbox.ts for the
 * behaviour, auth.ts for tokens, transport.ts for throttling / batching / the per-mailbox concurrency limit.
 */
import { z } from 'zod';
import type { Mailbox, MailboxAccess } from '../types';
import { AppTokenProvider, DelegatedTokenProvider, GRAPH_RESOURCE, type MsalOverrides } from './auth';
import { GraphMailbox, type CalendarWindowOptions } from './graph-mailbox';
import { GraphTransport } from './transport';

export type GraphAccess = Extract<MailboxAccess, { kind: 'graph-app' | 'graph-delegated' }>;

export interface GraphMailboxOptions {
  /** msal-node extras (knownAuthorities, networkClient trusting a CA …); production needs none. */
  msal?: MsalOverrides;
  /** Extra CA (PEM) trusted for Graph calls; only for emulators with self-signed certificates. */
  caPem?: string;
  /** Max requests in flight per mailbox (Outlook allows 4 per app and mailbox). Default 4. */
  maxConcurrency?: number;
  /** `Prefer: odata.maxpagesize` of delta pages. Default 100. */
  pageSize?: number;
  /** Calendar delta window. Default 30 days back (like SSI), 365 days ahead, re-opened after 7 days. */
  calendarWindow?: Partial<CalendarWindowOptions>;
  /** Throttling: retries per call (≤ 10), longest Retry-After slept through, back-off without Retry-After (s). */
  retry?: { maxRetries?: number; maxRetryAfterSeconds?: number; defaultDelaySeconds?: number };
  timeoutMs?: number;
  /** Token audience; `https://graph.microsoft.com` unless a national cloud. */
  graphResource?: string;
  /** Observes each HTTP request that went out (benchmarks). */
  onRequest?: (info: { method: string; url: string; status: number; ms: number }) => void;
  now?: () => Date;
}

const addressSchema = z.email();

export function openGraphMailbox(address: string, access: GraphAccess, options: GraphMailboxOptions = {}): Mailbox {
  const mailbox = addressSchema.parse(address);
  const resource = options.graphResource ?? GRAPH_RESOURCE;
  const credentials = { tenantId: access.tenantId, clientId: access.clientId, clientSecret: access.clientSecret, authorityHost: access.authorityHost };
  const auth =
    access.kind === 'graph-app'
      ? new AppTokenProvider(access.clientCertificate ? { ...credentials, clientSecret: undefined, clientCertificate: access.clientCertificate } : credentials, options.msal, resource)
      : new DelegatedTokenProvider({ ...credentials, refreshToken: access.refreshToken, onRefreshTokenRotated: access.onRefreshTokenRotated }, options.msal, resource);
  const retry = options.retry ?? {};
  const transport = new GraphTransport({
    graphBaseUrl: access.graphBaseUrl,
    address: mailbox,
    appOnly: access.kind === 'graph-app',
    clientId: access.clientId,
    auth,
    maxConcurrency: options.maxConcurrency ?? 4,
    caPem: options.caPem,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRetries: Math.min(10, retry.maxRetries ?? 3),
    maxRetryAfterSeconds: retry.maxRetryAfterSeconds ?? 30,
    defaultDelaySeconds: retry.defaultDelaySeconds ?? 2,
    onRequest: options.onRequest,
  });
  return new GraphMailbox(mailbox, transport, {
    pageSize: options.pageSize ?? 100,
    calendarWindow: { pastDays: 30, futureDays: 365, maxAgeDays: 7, ...options.calendarWindow },
    now: options.now ?? (() => new Date()),
  });
}

export { buildAuthorizationUrl, redeemAuthorizationCode, delegatedScopes, DELEGATED_GRAPH_PERMISSIONS, GRAPH_RESOURCE } from './auth';
export type { MsalOverrides, RedeemedConsent, AuthorizationUrlParams } from './auth';
export { GraphMailboxError } from './errors';
export { C4C_PROPERTY_ID, composeTaskId, splitTaskId } from './mapping';
export type { CalendarWindowOptions } from './graph-mailbox';
