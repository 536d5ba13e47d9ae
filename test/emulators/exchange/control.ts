/**
 * Test control of the Exchange emulator, shared by the EWS and Graph endpoints: injected latency, fault rules,
 * request counters, cursor invalidation, impersonation grants, and "the user" (MailboxUserActions).
 *
 * Endpoints call, per request: `count(key)`, `await delay()`, then `takeFault(match)` and answer with the fault in
 * their protocol's shape when one matches.
 */
import { z } from 'zod';
import type { ExchangeStore } from './store';
import { MailboxUserActions } from './user-actions';

export const faultKindSchema = z.enum([
  /** EWS: HTTP 500 SOAP fault ErrorServerBusy with BackOffMilliseconds. Graph: 429 with Retry-After. */
  'throttle',
  /** EWS: ErrorInvalidSyncStateData. Graph: 410 Gone (syncStateNotFound) for delta requests. */
  'invalid-cursor',
  /** 401 as for a revoked / expired credential or token. */
  'unauthorized',
  /** The TCP connection is destroyed without a response. */
  'drop',
  /** EWS: SOAP fault ErrorInternalServerError (HTTP 500). Graph: 503. */
  'server-error',
  /**
   * EWS only: HTTP 403 without a SOAP body, as Exchange Online answers once EWS is switched off for the tenant or
   * user (EwsEnabled = False, or the app is not in EwsAllowedAppIDs). Graph requests ignore this rule kind.
   */
  'ews-disabled',
]);
export type FaultKind = z.infer<typeof faultKindSchema>;

export const faultRuleSchema = z.object({
  fault: faultKindSchema,
  /** Restrict to one endpoint. */
  protocol: z.enum(['ews', 'graph']).optional(),
  /** EWS SOAP operation (e.g. `SyncFolderItems`) or Graph HTTP method (`GET`), case-insensitive. */
  method: z.string().optional(),
  /** Graph: substring of the request path (after /v1.0 or /beta). EWS: ignored. */
  path: z.string().optional(),
  /** Mailbox the request targets (impersonated / logged-on / `/users/{id}` address), case-insensitive. */
  mailbox: z.string().optional(),
  /** How many matching requests fail; default 1. Use a large number for "always". */
  times: z.number().int().positive().default(1),
  /** EWS BackOffMilliseconds for `throttle`; default 50. */
  backOffMs: z.number().int().nonnegative().optional(),
  /** Graph Retry-After seconds for `throttle`; omitted → no header. */
  retryAfterSeconds: z.number().nonnegative().optional(),
});
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema> & { id: number; hits: number };

export interface RequestMatch {
  protocol: 'ews' | 'graph';
  /** EWS operation or Graph HTTP method. */
  method: string;
  path?: string;
  mailbox?: string;
}

export class ExchangeControl {
  /** "The user in Outlook" acting on the store. */
  readonly user: MailboxUserActions;
  latencyMs = 0;
  private faults: FaultRule[] = [];
  private nextFaultId = 1;
  /** Requests per operation key, e.g. `EWS SyncFolderItems`, `GRAPH GET /users/{id}/mailFolders/{id}/messages/delta`. */
  readonly counters = new Map<string, number>();
  /** Impersonated EWS requests that arrived without X-AnchorMailbox (must stay 0). */
  missingAnchorMailbox = 0;
  /** Impersonated EWS requests whose X-AnchorMailbox differed from the impersonated address. */
  wrongAnchorMailbox = 0;
  /** Highest number of EWS requests in flight at once per authenticated account (EWSMaxConcurrency is 27). */
  readonly maxConcurrentPerAccount = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  /** EWS requests in flight on this server, all accounts together; the peak is kept until resetCounters. */
  private serverInFlight = 0;
  private serverPeakInFlight = 0;

  constructor(readonly store: ExchangeStore) {
    this.user = new MailboxUserActions(store);
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
  }

  /** Adds a fault rule; returns its id (for removeFault). */
  addFault(input: FaultRuleInput): number {
    const rule: FaultRule = { ...faultRuleSchema.parse(input), id: this.nextFaultId++, hits: 0 };
    this.faults.push(rule);
    return rule.id;
  }

  removeFault(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  clearFaults(): void {
    this.faults = [];
  }

  listFaults(): readonly FaultRule[] {
    return this.faults;
  }

  /** The first rule matching the request, consumed once (removed when its `times` are used up). */
  takeFault(request: RequestMatch): FaultRule | undefined {
    const rule = this.faults.find(
      (f) =>
        (!f.protocol || f.protocol === request.protocol) &&
        (!f.method || f.method.toLowerCase() === request.method.toLowerCase()) &&
        (!f.path || request.protocol !== 'graph' || (request.path ?? '').includes(f.path)) &&
        (!f.mailbox || f.mailbox.toLowerCase() === request.mailbox?.toLowerCase()),
    );
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.hits >= rule.times) this.removeFault(rule.id);
    return rule;
  }

  count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** Counter value (0 when never hit). */
  requests(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  /** Sum of all counters whose key starts with the prefix (e.g. `EWS ` or `GRAPH `). */
  totalRequests(prefix = ''): number {
    let total = 0;
    for (const [key, value] of this.counters) if (key.startsWith(prefix)) total += value;
    return total;
  }

  resetCounters(): void {
    this.counters.clear();
    this.missingAnchorMailbox = 0;
    this.wrongAnchorMailbox = 0;
    this.maxConcurrentPerAccount.clear();
    this.serverPeakInFlight = this.serverInFlight;
  }

  /** Most EWS requests this server handled at once since the last resetCounters (one emulator = one server). */
  peakInFlight(): number {
    return this.serverPeakInFlight;
  }

  /** Tracks concurrency per account; call `end` when the response is sent. */
  beginRequest(account: string): () => void {
    const key = account.toLowerCase();
    const now = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, now);
    this.maxConcurrentPerAccount.set(key, Math.max(now, this.maxConcurrentPerAccount.get(key) ?? 0));
    this.serverInFlight += 1;
    this.serverPeakInFlight = Math.max(this.serverPeakInFlight, this.serverInFlight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.serverInFlight -= 1;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    };
  }

  invalidateCursors(mailbox: string): void {
    this.store.invalidateCursors(mailbox);
  }

  grantImpersonation(serviceAccount: string, mailbox: string): void {
    this.store.grantImpersonation(serviceAccount, mailbox);
  }

  revokeImpersonation(serviceAccount: string, mailbox: string): void {
    this.store.revokeImpersonation(serviceAccount, mailbox);
  }
}
