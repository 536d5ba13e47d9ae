/**
 * Graph change notifications for Graph-accessed mailboxes (access kinds graph-app and graph-delegated).
 *
 * What is subscribed, per enabled mailbox: `users/{address}/messages` (`me/messages` with delegated access),
 * changeType created,updated,deleted — one subscription for every mail folder, because the synced folders (Inbox,
 * Sent Items, the save folder) are all mail folders and a per-folder subscription would triple the count for the
 * same hint; and, when the organization's mirroring is on, `…/events` and `…/contacts`. Notifications from other
 * folders (Drafts, Deleted Items) only cost an idle session, and the trigger folds bursts into one.
 *
 * Each subscription has its own clientState (256 random bits; only its hash is stored) and a
 * lifecycleNotificationUrl. Lifetime: `lifetimeMinutes` (default 4230, within both documented maxima; a server that
 * answers "can only be N minutes" is asked again with N), renewed by PATCH once less than `renewBeforeMinutes`
 * (default half the lifetime) is left, or at once after reauthorizationRequired. subscriptionRemoved → re-created;
 * missed → a session (handled by the endpoint); a renewal answered 404 → re-created. Subscriptions of mailboxes that
 * are no longer enabled, or of resources no longer wanted, are deleted, and so are orphans: subscriptions of the app
 * that point at this relay but that no row knows (older than 10 minutes).
 */
import crypto from 'node:crypto';
import type { GraphMailboxOptions } from '../mailbox/graph';
import { AppTokenProvider, DelegatedTokenProvider, GRAPH_RESOURCE } from '../mailbox/graph/auth';
import { GraphTransport } from '../mailbox/graph/transport';
import type { MailboxAccess } from '../mailbox/types';
import { Limiter } from '../lib/limiter';
import { createStore } from '../store';
import { createPushSubscriptionRepository, newClientState, type PushMailbox, type PushSubscription, type PushSubscriptionKind } from '../store/push-subscriptions';
import { mirrorSettings } from '../../shared/api/mirror';
import { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFICATION_PATH } from '../http/push-routes';
import { onLifecycle } from './lifecycle';
import type { PushChannel, PushChannelFactory, PushServices } from './types';

type GraphAccess = Extract<MailboxAccess, { kind: 'graph-app' | 'graph-delegated' }>;
const GRAPH_KINDS: PushSubscriptionKind[] = ['graph-messages', 'graph-events', 'graph-contacts'];
const RESOURCE_OF: Record<string, string> = { 'graph-messages': 'messages', 'graph-events': 'events', 'graph-contacts': 'contacts' };

export interface GraphPushOptions {
  graph?: GraphMailboxOptions;
  /** Requested lifetime of a subscription (minutes). Default 4230. */
  lifetimeMinutes?: number;
  /** Renew when less than this is left (minutes). Default half the lifetime. */
  renewBeforeMinutes?: number;
  /** Subscription calls in flight at once. Default 8. */
  concurrency?: number;
  now?: () => Date;
}

interface Client {
  transport: GraphTransport;
  delegated: boolean;
}

export function graphPushChannel(options: GraphPushOptions = {}): PushChannelFactory {
  return async (services) => new GraphPushChannel(services, options);
}

export class GraphPushChannel implements PushChannel {
  readonly name = 'graph';
  private readonly repo;
  private readonly store;
  private readonly clients = new Map<string, Client>();
  private readonly limiter: Limiter;
  private readonly now: () => Date;
  private lifetimeMinutes: number;
  private readonly renewBeforeMinutes: number;
  private chain: Promise<void> = Promise.resolve();
  private readonly stopListening: () => void;
  private stopped = false;
  /** Counts for tests and the bench. */
  readonly stats = { created: 0, renewed: 0, deleted: 0, recreated: 0, orphansDeleted: 0, failures: 0 };

  constructor(
    private readonly services: PushServices,
    private readonly options: GraphPushOptions,
  ) {
    this.repo = createPushSubscriptionRepository(services.db);
    this.store = createStore(services.db, services.secrets);
    this.limiter = new Limiter(options.concurrency ?? 8);
    this.now = options.now ?? (() => new Date());
    this.lifetimeMinutes = options.lifetimeMinutes ?? 4230;
    this.renewBeforeMinutes = options.renewBeforeMinutes ?? Math.floor(this.lifetimeMinutes / 2);
    this.stopListening = onLifecycle(services.db, (notice) => {
      if (!GRAPH_KINDS.includes(notice.subscription.kind)) return;
      if (notice.event === 'subscriptionRemoved') this.stats.recreated += 1;
      if (notice.event !== 'missed') void this.reconcile();
    });
  }

  reconcile(): Promise<void> {
    this.chain = this.chain.then(() => (this.stopped ? undefined : this.reconcileNow())).catch((error: unknown) => {
      this.services.logger.warn({ err: error }, 'Graph push reconcile failed');
    });
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening();
    await this.chain;
    for (const client of this.clients.values()) client.transport.close();
    this.clients.clear();
  }

  private async reconcileNow(): Promise<void> {
    const mailboxes = await this.repo.enabledMailboxes(['graph-app', 'graph-delegated']);
    const existing = await this.repo.list(GRAPH_KINDS);
    const wanted = new Map<string, { mailbox: PushMailbox; kind: PushSubscriptionKind }>();
    for (const mailbox of mailboxes) {
      const kinds: PushSubscriptionKind[] = ['graph-messages'];
      if (mirrorSettings(mailbox.organizationSettings.mirror).enabled) kinds.push('graph-events', 'graph-contacts');
      for (const kind of kinds) wanted.set(`${mailbox.userId}|${kind}`, { mailbox, kind });
    }
    const have = new Map(existing.map((s) => [`${s.userId}|${s.kind}`, s]));
    const work: Promise<void>[] = [];
    for (const subscription of existing) {
      const want = wanted.get(`${subscription.userId}|${subscription.kind}`);
      if (!want) work.push(this.limited(() => this.drop(subscription)));
      else if (subscription.needs === 'reauthorize' || this.dueForRenewal(subscription)) work.push(this.limited(() => this.renew(want.mailbox, subscription)));
    }
    for (const [key, { mailbox, kind }] of wanted) if (!have.has(key)) work.push(this.limited(() => this.create(mailbox, kind)));
    await Promise.all(work);
    // Orphans: subscriptions of this app pointing at this relay that no row knows (a create whose answer was lost,
    // two relay processes subscribing the same mailbox at once). Graph would keep notifying them until expiry.
    const known = new Set((await this.repo.list(GRAPH_KINDS)).map((s) => s.remoteId));
    const apps = new Map<string, PushMailbox>();
    for (const mailbox of mailboxes) if (mailbox.accessKind === 'graph-app' && !apps.has(mailbox.organizationId)) apps.set(mailbox.organizationId, mailbox);
    await Promise.all([...apps.values()].map((mailbox) => this.limited(() => this.dropOrphans(mailbox, known))));
  }

  private async dropOrphans(mailbox: PushMailbox, known: Set<string>): Promise<void> {
    const client = await this.client(mailbox.organizationId, mailbox.userId);
    if (!client) return;
    const ours = `${this.services.publicOrigin()}${GRAPH_NOTIFICATION_PATH}`;
    // Made more than 10 minutes ago (another process may be about to store a fresh one).
    const youngerThan = this.now().getTime() + (this.lifetimeMinutes - 10) * 60_000;
    let next: string | undefined = '/subscriptions';
    for (let page = 0; next && page < 50; page++) {
      const result = await client.transport.call('GET', next);
      const body = result.body as { value?: Array<{ id?: unknown; notificationUrl?: unknown; expirationDateTime?: unknown }>; '@odata.nextLink'?: unknown };
      for (const s of body.value ?? []) {
        if (typeof s.id !== 'string' || s.notificationUrl !== ours || known.has(s.id)) continue;
        if (typeof s.expirationDateTime === 'string' && Date.parse(s.expirationDateTime) > youngerThan) continue;
        try {
          await client.transport.call('DELETE', `/subscriptions/${encodeURIComponent(s.id)}`);
          this.stats.orphansDeleted += 1;
        } catch (error) {
          if ((error as { code?: string }).code !== 'not-found') throw error;
        }
      }
      next = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
    }
  }

  private async limited(fn: () => Promise<void>): Promise<void> {
    const release = await this.limiter.acquire();
    try {
      if (!this.stopped) await fn();
    } catch (error) {
      this.stats.failures += 1;
      this.services.logger.warn({ err: error }, 'Graph subscription call failed; the schedule still runs every session');
    } finally {
      release();
    }
  }

  private dueForRenewal(s: PushSubscription): boolean {
    return !s.expiresAt || s.expiresAt.getTime() - this.now().getTime() < this.renewBeforeMinutes * 60_000;
  }

  private expiry(): Date {
    return new Date(this.now().getTime() + this.lifetimeMinutes * 60_000);
  }

  private async client(organizationId: string, userId: string): Promise<Client | undefined> {
    const access = (await this.store.mailboxAccess.accessFor(organizationId, userId)) as GraphAccess | undefined;
    if (!access || (access.kind !== 'graph-app' && access.kind !== 'graph-delegated')) return undefined;
    const delegated = access.kind === 'graph-delegated';
    const secret = delegated ? access.refreshToken : (access.clientSecret ?? access.clientCertificate?.privateKeyPem ?? '');
    // One client per app (application access) or per user (delegated); a changed credential gets a new one.
    const key = `${organizationId}|${delegated ? userId : ''}|${access.clientId}|${crypto.createHash('sha256').update(secret).digest('hex')}`;
    const cached = this.clients.get(key);
    if (cached) return cached;
    const graph = this.options.graph ?? {};
    const resource = graph.graphResource ?? GRAPH_RESOURCE;
    const credentials = { tenantId: access.tenantId, clientId: access.clientId, clientSecret: access.clientSecret, authorityHost: access.authorityHost };
    const auth =
      access.kind === 'graph-app'
        ? new AppTokenProvider(access.clientCertificate ? { ...credentials, clientSecret: undefined, clientCertificate: access.clientCertificate } : credentials, graph.msal, resource)
        : new DelegatedTokenProvider({ ...credentials, refreshToken: access.refreshToken, onRefreshTokenRotated: access.onRefreshTokenRotated }, graph.msal, resource);
    const retry = graph.retry ?? {};
    const transport = new GraphTransport({
      graphBaseUrl: access.graphBaseUrl,
      // The limiter key: subscription calls are not mailbox calls, they get their own small budget.
      address: `subscriptions-${delegated ? userId : organizationId}`,
      appOnly: !delegated,
      clientId: access.clientId,
      auth,
      maxConcurrency: 4,
      caPem: graph.caPem,
      timeoutMs: graph.timeoutMs ?? 30_000,
      maxRetries: Math.min(10, retry.maxRetries ?? 3),
      maxRetryAfterSeconds: retry.maxRetryAfterSeconds ?? 30,
      defaultDelaySeconds: retry.defaultDelaySeconds ?? 2,
    });
    const client = { transport, delegated };
    this.clients.set(key, client);
    return client;
  }

  private resourceFor(client: Client, mailbox: PushMailbox, kind: PushSubscriptionKind): string {
    return `${client.delegated ? 'me' : `users/${mailbox.address}`}/${RESOURCE_OF[kind]}`;
  }

  private async create(mailbox: PushMailbox, kind: PushSubscriptionKind): Promise<void> {
    const client = await this.client(mailbox.organizationId, mailbox.userId);
    if (!client) return;
    const origin = this.services.publicOrigin();
    const clientState = newClientState();
    const resource = this.resourceFor(client, mailbox, kind);
    const body = (expirationDateTime: Date) => ({
      changeType: 'created,updated,deleted',
      notificationUrl: `${origin}${GRAPH_NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${origin}${GRAPH_LIFECYCLE_PATH}`,
      resource,
      expirationDateTime: expirationDateTime.toISOString(),
      clientState,
      latestSupportedTlsVersion: 'v1_2',
    });
    const result = await this.withLifetime((expiry) => client.transport.call('POST', '/subscriptions', { body: body(expiry) }));
    const created = subscriptionOf(result.body);
    await this.repo.save({
      organizationId: mailbox.organizationId,
      userId: mailbox.userId,
      kind,
      remoteId: created.id,
      resource,
      clientState,
      expiresAt: created.expirationDateTime,
    });
    this.stats.created += 1;
  }

  private async renew(mailbox: PushMailbox, subscription: PushSubscription): Promise<void> {
    const client = await this.client(mailbox.organizationId, mailbox.userId);
    if (!client) return;
    try {
      const result = await this.withLifetime((expiry) => client.transport.call('PATCH', `/subscriptions/${encodeURIComponent(subscription.remoteId)}`, { body: { expirationDateTime: expiry.toISOString() } }));
      await this.repo.renewed(subscription.id, subscriptionOf(result.body).expirationDateTime);
      this.stats.renewed += 1;
    } catch (error) {
      if ((error as { code?: string }).code !== 'not-found') throw error;
      // Expired or removed on Graph's side: a new one.
      await this.repo.remove(subscription.id);
      await this.create(mailbox, subscription.kind);
      this.stats.recreated += 1;
    }
  }

  private async drop(subscription: PushSubscription): Promise<void> {
    const client = await this.client(subscription.organizationId, subscription.userId);
    if (client) {
      try {
        await client.transport.call('DELETE', `/subscriptions/${encodeURIComponent(subscription.remoteId)}`);
      } catch (error) {
        if ((error as { code?: string }).code !== 'not-found') throw error;
      }
    }
    await this.repo.remove(subscription.id);
    this.stats.deleted += 1;
  }

  /** Runs a create/renew; if Graph names a shorter maximum lifetime, adopts it and asks once more. */
  private async withLifetime<T>(fn: (expiry: Date) => Promise<T>): Promise<T> {
    try {
      return await fn(this.expiry());
    } catch (error) {
      const max = /can only be (\d+) minutes/i.exec(error instanceof Error ? error.message : '')?.[1];
      if (!max || Number(max) >= this.lifetimeMinutes) throw error;
      this.lifetimeMinutes = Math.max(1, Number(max) - 5);
      return fn(this.expiry());
    }
  }
}

function subscriptionOf(body: unknown): { id: string; expirationDateTime: Date } {
  const b = body as { id?: unknown; expirationDateTime?: unknown } | undefined;
  if (typeof b?.id !== 'string' || typeof b.expirationDateTime !== 'string') throw new Error('Graph answered a subscription call without id / expirationDateTime');
  return { id: b.id, expirationDateTime: new Date(b.expirationDateTime) };
}
