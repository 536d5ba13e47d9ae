/**
 * EWS notifications for EWS-accessed mailboxes (access kinds ews-impersonation and ews-direct), through
 * ews-javascript-api.
 *
 * Streaming (default): one subscription per mailbox on all folders (`SubscribeToStreamingNotificationsOnAllFolders`:
 * the synced mail folders and, for mirroring, the calendar and contacts, in one subscription), grouped per service
 * account as Exchange's affinity rules require ("Maintain affinity between a group of subscriptions and the Mailbox
 * server"): at most `groupSize` (≤ 200) subscriptions per group; every Subscribe of a group carries
 * `X-AnchorMailbox: <the group's first mailbox>` and `X-PreferServerAffinity: true`; the group's one
 * GetStreamingEvents connection (`StreamingSubscriptionConnection`, `connectionMinutes` ≤ 30) impersonates the anchor
 * with the same header. Connections per account are capped by `maxConnectionsPerAccount` (default 3, the on-premises
 * HangingConnectionLimit; Exchange Online allows 10): mailboxes of groups beyond the cap use pull subscriptions.
 * ews-direct mailboxes are each their own account and group (anchor = the mailbox).
 *
 * Pull (`mode: 'pull'`, or beyond the connection cap): `SubscribeToPullNotificationsOnAllFolders` and GetEvents
 * every `pullIntervalMs` (a timeout of `pullTimeoutMinutes` keeps the subscription alive between polls).
 *
 * Any event only calls the debounced trigger. A connection the server closes after its lifetime is reopened at once;
 * a dropped one is reopened after the relay's back-off (relay/lib/backoff.ts), reset once a connection answers.
 * A subscription the server no longer knows (ErrorSubscriptionNotFound, expired) is subscribed again and its mailbox
 * gets one session (events in between may be lost). Every notification also persists `last_notification_at`.
 */
import type * as Ews from 'ews-javascript-api';
import { Backoff } from '../lib/backoff';
import { Limiter } from '../lib/limiter';
import type { MailboxAccess } from '../mailbox/types';
import { accountLimiter } from '../mailbox/ews/limiter';
import { createStore } from '../store';
import { createPushSubscriptionRepository, type PushMailbox, type PushSubscriptionKind } from '../store/push-subscriptions';
import { EwsStreamingTransport } from './ews-transport';
import type { PushChannel, PushChannelFactory, PushServices } from './types';

type EwsAccess = Extract<MailboxAccess, { kind: 'ews-impersonation' | 'ews-direct' }>;
const EWS_KINDS: PushSubscriptionKind[] = ['ews-streaming', 'ews-pull'];
/** ews-javascript-api, loaded with the first EWS subscription: it takes about 50 MB (see relay/mailbox/ews/index.ts). */
let ewsLibrary: typeof Ews | undefined;
const ews = (): typeof Ews => (ewsLibrary ??= require('ews-javascript-api') as typeof Ews);

const eventTypes = (): Ews.EventType[] => {
  const { EventType } = ews();
  return [EventType.NewMail, EventType.Created, EventType.Modified, EventType.Deleted, EventType.Moved, EventType.Copied];
};
/** Exchange's documented maximum of subscription ids in one affinity group / GetStreamingEvents call. */
export const MAX_GROUP_SIZE = 200;

export interface EwsPushOptions {
  mode?: 'streaming' | 'pull';
  /** Subscriptions per group and connection, ≤ 200. Default 200. */
  groupSize?: number;
  /** Streaming connections per service account. Default 3. */
  maxConnectionsPerAccount?: number;
  /** Lifetime of one GetStreamingEvents request, 1–30 minutes. Default 30. */
  connectionMinutes?: number;
  pullIntervalMs?: number;
  pullTimeoutMinutes?: number;
  caPem?: string;
  /** Reconnect back-off. Default 1 s doubling to 5 min, equal jitter. */
  reconnect?: { baseMs?: number; maxDelayMs?: number };
}

interface Member {
  organizationId: string;
  userId: string;
  address: string;
  subscription?: Ews.StreamingSubscription;
  pull?: Ews.PullSubscription;
  /** Lost on the server: subscribe again (and run a session). */
  lost: boolean;
}

interface Group {
  key: string;
  accountKey: string;
  access: EwsAccess;
  anchor: string;
  streaming: boolean;
  members: Map<string, Member>;
  connection?: Ews.StreamingSubscriptionConnection;
  /** The connection's stream: aborted on close even before the library counts the connection as open. */
  stream?: EwsStreamingTransport;
  /** The current connection has answered (headers received). */
  live: boolean;
  /** Bumped on every (re)open; events of older connections are ignored. */
  generation: number;
  backoff: Backoff;
  timer?: NodeJS.Timeout;
  dirty: boolean;
}

export function ewsPushChannel(options: EwsPushOptions = {}): PushChannelFactory {
  return async (services) => new EwsPushChannel(services, options);
}

export class EwsPushChannel implements PushChannel {
  readonly name = 'ews';
  private readonly repo;
  private readonly store;
  private readonly groups = new Map<string, Group>();
  /** userId → group key. */
  private readonly memberOf = new Map<string, string>();
  private readonly limiter = new Limiter(8);
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly groupSize: number;
  readonly stats = { subscribed: 0, unsubscribed: 0, connectionsOpened: 0, reconnects: 0, resubscribed: 0, notifications: 0, polls: 0 };

  constructor(
    private readonly services: PushServices,
    private readonly options: EwsPushOptions,
  ) {
    this.repo = createPushSubscriptionRepository(services.db);
    this.store = createStore(services.db, services.secrets);
    this.groupSize = Math.max(1, Math.min(MAX_GROUP_SIZE, options.groupSize ?? MAX_GROUP_SIZE));
  }

  reconcile(): Promise<void> {
    this.chain = this.chain.then(() => (this.stopped ? undefined : this.reconcileNow())).catch((error: unknown) => {
      this.services.logger.warn({ err: error }, 'EWS push reconcile failed');
    });
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.chain;
    const unsubscribes: Promise<void>[] = [];
    for (const group of this.groups.values()) {
      this.closeConnection(group);
      for (const member of group.members.values()) unsubscribes.push(this.unsubscribe(member));
    }
    await Promise.allSettled(unsubscribes);
    this.groups.clear();
    this.memberOf.clear();
  }

  /** Streaming connections whose server has answered (tests, the bench). */
  liveConnections(): number {
    return [...this.groups.values()].filter((g) => g.live && g.connection !== undefined).length;
  }

  /** Groups as they are (tests, the bench): anchor, mode and member addresses. */
  describeGroups(): Array<{ anchor: string; streaming: boolean; members: string[] }> {
    return [...this.groups.values()].map((g) => ({ anchor: g.anchor, streaming: g.streaming, members: [...g.members.values()].map((m) => m.address) }));
  }

  private async reconcileNow(): Promise<void> {
    const mailboxes = await this.repo.enabledMailboxes(['ews-impersonation', 'ews-direct']);
    const wanted = new Map(mailboxes.map((m) => [m.userId, m]));
    // Leave: mailboxes no longer enabled.
    for (const [userId, key] of [...this.memberOf]) {
      if (wanted.has(userId)) continue;
      const group = this.groups.get(key);
      const member = group?.members.get(userId);
      this.memberOf.delete(userId);
      if (!group || !member) continue;
      group.members.delete(userId);
      group.dirty = true;
      await this.unsubscribe(member);
    }
    for (const s of await this.repo.list(EWS_KINDS)) if (!wanted.has(s.userId)) await this.repo.remove(s.id);
    // Join: new mailboxes go to the first group of their account with room (assignments are sticky).
    const accessCache = new Map<string, EwsAccess | undefined>();
    for (const mailbox of mailboxes) {
      if (this.memberOf.has(mailbox.userId)) continue;
      const cacheKey = mailbox.accessKind === 'ews-direct' ? mailbox.userId : mailbox.organizationId;
      if (!accessCache.has(cacheKey)) accessCache.set(cacheKey, (await this.store.mailboxAccess.accessFor(mailbox.organizationId, mailbox.userId)) as EwsAccess | undefined);
      const access = accessCache.get(cacheKey);
      if (!access || (access.kind !== 'ews-impersonation' && access.kind !== 'ews-direct')) continue;
      this.join(mailbox, access);
    }
    for (const [key, group] of [...this.groups]) {
      if (group.members.size === 0) {
        this.closeConnection(group);
        this.groups.delete(key);
      }
    }
    this.assignModes();
    await Promise.all([...this.groups.values()].map((group) => this.bringUp(group)));
    this.ensurePolling();
  }

  private join(mailbox: PushMailbox, access: EwsAccess): void {
    const accountKey = `${access.ewsUrl}|${access.username.toLowerCase()}`;
    let group = [...this.groups.values()].find((g) => g.accountKey === accountKey && g.members.size < this.groupSize);
    if (!group) {
      const key = `${accountKey}#${mailbox.address}`;
      group = {
        key,
        accountKey,
        access,
        anchor: mailbox.address,
        streaming: true,
        members: new Map(),
        generation: 0,
        backoff: this.newBackoff(),
        dirty: true,
        live: false,
      };
      this.groups.set(key, group);
    }
    group.access = access;
    group.members.set(mailbox.userId, { organizationId: mailbox.organizationId, userId: mailbox.userId, address: mailbox.address, lost: false });
    group.dirty = true;
    this.memberOf.set(mailbox.userId, group.key);
  }

  private newBackoff(): Backoff {
    return new Backoff({ baseMs: this.options.reconnect?.baseMs ?? 1000, maxDelayMs: this.options.reconnect?.maxDelayMs ?? 300_000, jitter: 'equal' });
  }

  /** Streaming for the first groups of each account up to the connection cap, pull for the rest. */
  private assignModes(): void {
    const cap = this.options.maxConnectionsPerAccount ?? 3;
    const perAccount = new Map<string, number>();
    for (const group of this.groups.values()) {
      const n = perAccount.get(group.accountKey) ?? 0;
      const streaming = this.options.mode !== 'pull' && n < cap;
      if (streaming) perAccount.set(group.accountKey, n + 1);
      if (streaming !== group.streaming) {
        group.streaming = streaming;
        group.dirty = true;
        this.closeConnection(group);
        for (const member of group.members.values()) void this.unsubscribe(member);
      }
    }
  }

  private service(access: EwsAccess, impersonate: string | undefined, anchor: string, transport: Ews.IXHRApi): Ews.ExchangeService {
    const lib = ews();
    const service = new lib.ExchangeService(lib.ExchangeVersion.Exchange2013_SP1);
    service.Url = new lib.Uri(access.ewsUrl);
    service.Credentials = new lib.WebCredentials(access.username, access.password);
    if (access.kind === 'ews-impersonation' && impersonate) service.ImpersonatedUserId = new lib.ImpersonatedUserId(lib.ConnectingIdType.SmtpAddress, impersonate);
    service.HttpHeaders.Add('X-AnchorMailbox', anchor);
    service.HttpHeaders.Add('X-PreferServerAffinity', 'true');
    service.XHRApi = transport;
    return service;
  }

  private transport(access: EwsAccess): EwsStreamingTransport {
    const maxConcurrency = access.kind === 'ews-impersonation' ? access.maxConcurrency : undefined;
    return new EwsStreamingTransport({ limiter: accountLimiter(access.ewsUrl, access.username, maxConcurrency), caPem: this.options.caPem });
  }

  /** Subscribes what is missing and (re)opens the group's connection when its membership changed. */
  private async bringUp(group: Group): Promise<void> {
    if (this.stopped) return;
    const pending = [...group.members.values()].filter((m) => m.lost || (group.streaming ? !m.subscription : !m.pull));
    if (pending.length === 0 && !group.dirty) return;
    const resubscribed: Member[] = [];
    await Promise.all(
      pending.map(async (member) => {
        const release = await this.limiter.acquire();
        try {
          if (member.lost) resubscribed.push(member);
          await this.subscribe(group, member);
        } catch (error) {
          this.services.logger.warn({ err: error, mailbox: member.address }, 'EWS subscribe failed; the schedule still runs every session');
        } finally {
          release();
        }
      }),
    );
    for (const member of resubscribed) {
      // Events between the loss and the new subscription are gone: one session catches up.
      this.stats.resubscribed += 1;
      this.services.trigger.notify(member.organizationId, member.userId, { source: 'ews' });
    }
    if (group.streaming) this.open(group);
    group.dirty = false;
  }

  private async subscribe(group: Group, member: Member): Promise<void> {
    const transport = this.transport(group.access);
    const service = this.service(group.access, member.address, group.anchor, transport);
    const timeout = this.options.pullTimeoutMinutes ?? 10;
    if (group.streaming) {
      member.subscription = await service.SubscribeToStreamingNotificationsOnAllFolders(...eventTypes());
      member.pull = undefined;
    } else {
      member.pull = await service.SubscribeToPullNotificationsOnAllFolders(timeout, null as unknown as string, ...eventTypes());
      member.subscription = undefined;
    }
    member.lost = false;
    this.stats.subscribed += 1;
    const remoteId = member.subscription?.Id ?? member.pull?.Id ?? '';
    await this.repo.save({
      organizationId: member.organizationId,
      userId: member.userId,
      kind: group.streaming ? 'ews-streaming' : 'ews-pull',
      remoteId,
      resource: 'all-folders',
      anchorMailbox: group.anchor,
      watermark: member.pull?.Watermark,
      expiresAt: group.streaming ? undefined : new Date(Date.now() + timeout * 60_000),
    });
  }

  private async unsubscribe(member: Member): Promise<void> {
    const subscription = member.subscription ?? member.pull;
    member.subscription = undefined;
    member.pull = undefined;
    if (!subscription) return;
    try {
      await subscription.Unsubscribe();
      this.stats.unsubscribed += 1;
    } catch {
      // Already gone on the server (expired with its connection): nothing to undo.
    }
  }

  private closeConnection(group: Group): void {
    group.generation += 1;
    group.live = false;
    if (group.timer) clearTimeout(group.timer);
    group.timer = undefined;
    const connection = group.connection;
    const stream = group.stream;
    group.connection = undefined;
    group.stream = undefined;
    if (connection?.IsOpen) {
      try {
        connection.Close();
      } catch {
        // Closing a connection that is going down anyway.
      }
    }
    // A request still waiting for its first byte is not "open" for the library: abort it here, or it would hold one
    // of the account's hanging connections on the server.
    stream?.disconnect();
  }

  private open(group: Group): void {
    this.closeConnection(group);
    if (this.stopped) return;
    const subscriptions = [...group.members.values()].map((m) => m.subscription).filter((s): s is Ews.StreamingSubscription => s !== undefined);
    if (subscriptions.length === 0) return;
    const generation = group.generation;
    const transport = this.transport(group.access);
    const service = this.service(group.access, group.anchor, group.anchor, transport);
    const connection = new (ews().StreamingSubscriptionConnection)(service, Math.max(1, Math.min(30, this.options.connectionMinutes ?? 30)));
    for (const s of subscriptions) connection.AddSubscription(s);
    const byId = new Map([...group.members.values()].filter((m) => m.subscription).map((m) => [m.subscription!.Id, m]));
    let ended = false;
    const onEnd = (error: unknown): void => {
      if (ended || generation !== group.generation) return;
      ended = true;
      group.connection = undefined;
      group.live = false;
      if (this.stopped) return;
      if (error === null || error === undefined) {
        // The server closed the connection after its lifetime (ConnectionStatus Closed): reopen at once.
        void this.reconnect(group, 0);
        return;
      }
      const step = group.backoff.next();
      this.services.logger.warn({ err: error, anchor: group.anchor, delayMs: step.delayMs }, 'EWS streaming connection dropped; reconnecting');
      void this.reconnect(group, step.delayMs);
    };
    connection.OnResponseHeader.push(() => {
      if (generation !== group.generation) return;
      group.backoff = this.newBackoff();
      group.live = true;
    });
    connection.OnNotificationEvent.push((_sender, args) => {
      if (generation !== group.generation) return;
      const member = byId.get(args.Subscription.Id);
      if (!member || args.Events.length === 0) return;
      this.stats.notifications += 1;
      this.services.trigger.notify(member.organizationId, member.userId, { source: 'ews' });
      void this.repo.touch(EWS_KINDS, args.Subscription.Id, new Date()).catch(() => undefined);
    });
    connection.OnSubscriptionError.push((_sender, args) => {
      if (generation !== group.generation) return;
      const member = args.Subscription ? byId.get(args.Subscription.Id) : undefined;
      if (member) {
        member.lost = true;
        member.subscription = undefined;
      } else onEnd(args.Exception ?? new Error('GetStreamingEvents failed'));
    });
    connection.OnDisconnect.push((_sender, args) => onEnd(args.Exception));
    group.connection = connection;
    group.stream = transport;
    this.stats.connectionsOpened += 1;
    connection.Open().catch((error: unknown) => onEnd(error ?? new Error('GetStreamingEvents failed')));
  }

  private async reconnect(group: Group, delayMs: number): Promise<void> {
    this.stats.reconnects += 1;
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        group.timer = setTimeout(resolve, delayMs);
        group.timer.unref();
      });
    }
    if (this.stopped || !this.groups.has(group.key)) return;
    group.dirty = true;
    this.chain = this.chain.then(() => this.bringUp(group)).catch((error: unknown) => this.services.logger.warn({ err: error }, 'EWS reconnect failed'));
    await this.chain;
  }

  private ensurePolling(): void {
    const anyPull = [...this.groups.values()].some((g) => !g.streaming && g.members.size > 0);
    if (anyPull && !this.pollTimer) {
      this.pollTimer = setInterval(() => void this.poll(), this.options.pullIntervalMs ?? 5000);
      this.pollTimer.unref();
    } else if (!anyPull && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const members = [...this.groups.values()].filter((g) => !g.streaming).flatMap((g) => [...g.members.values()].map((m) => ({ group: g, member: m })));
      await Promise.all(
        members.map(async ({ group, member }) => {
          if (!member.pull) return;
          const release = await this.limiter.acquire();
          try {
            const results = await member.pull.GetEvents();
            this.stats.polls += 1;
            if (results.AllEvents.length > 0) {
              this.stats.notifications += 1;
              this.services.trigger.notify(member.organizationId, member.userId, { source: 'ews' });
              await this.repo.touch(EWS_KINDS, member.pull.Id, new Date(), member.pull.Watermark);
            }
          } catch (error) {
            this.services.logger.info({ err: error, mailbox: member.address }, 'EWS pull subscription lost; subscribing again');
            member.lost = true;
            member.pull = undefined;
            group.dirty = true;
            void this.reconcile();
          } finally {
            release();
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }
}
