/**
 * Graph change notifications (webhooks) over the shared Exchange store, as Microsoft Graph v1.0 documents them:
 * `POST /subscriptions` (validation-token handshake on notificationUrl and lifecycleNotificationUrl before the
 * subscription exists), `GET /subscriptions[/{id}]`, `PATCH /subscriptions/{id}` (expirationDateTime: renewal, which
 * also reauthorizes), `POST /subscriptions/{id}/reauthorize`, `DELETE /subscriptions/{id}`.
 *
 * Every store change of a subscribed resource is POSTed to the notificationUrl as a changeNotificationCollection
 * (`{ value: [{ subscriptionId, subscriptionExpirationDateTime, changeType, resource, resourceData, clientState,
 * tenantId }] }`); changes of one moment to one URL travel in one POST, like Graph batches them. A delivery not
 * answered 2xx within 3 s (Graph's limit) is retried with back-off; when the retries are spent the changes are lost
 * and a `missed` lifecycle notification follows (if the subscription has a lifecycleNotificationUrl).
 * Lifecycle notifications (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) go to the
 * lifecycleNotificationUrl with `{ value: [{ lifecycleEvent, subscriptionId, subscriptionExpirationDateTime,
 * clientState, tenantId }] }`; tests send them through `sendLifecycle`.
 *
 * Resources: `me|users/{id|upn}/messages`, `…/mailFolders('{id|well-known}')/messages` (also `mailFolders/{id}/messages`),
 * `…/events`, `…/contacts`; changeType any of created, updated, deleted.
 * Faults (tests): drop the next n notifications silently, drop all, delay each delivery, send each one more times.
 *
 * Emulator concessions: Graph requires an https notificationUrl; http is accepted for loopback hosts (the relay under
 * test listens on plain HTTP). The maximum lifetime of Outlook subscriptions is configurable (`maxExpirationMinutes`,
 * default 10080 = 7 days; older docs say 4230, see exchange-and-graph.md §10.3).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ExchangeControl } from '../control';
import { directoryObjectId, resolveUser } from '../directory';
import { itemKindOfFolder, type ExchangeStore, type StoreChange } from '../store';
import { GraphHttpError, type Reply } from './odata';
import type { GraphRequest } from './routes';
import type { GraphEmulatorState } from './state';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
type ResourceKind = 'messages' | 'events' | 'contacts';
type GraphChangeType = 'created' | 'updated' | 'deleted';

export interface EmulatedSubscription {
  id: string;
  resource: string;
  changeTypes: GraphChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
  applicationId?: string;
  creatorId?: string;
  tenantId: string;
  /** Resolved target. */
  address: string;
  kind: ResourceKind;
  folderId?: string;
  latestSupportedTlsVersion: string;
}

export interface DeliveryRecord {
  url: string;
  kind: 'validation' | 'notification' | 'lifecycle';
  status: number;
  /** Number of entries of `value` (0 for validation). */
  count: number;
  at: number;
}

const ABSOLUTE_RESOURCE = /^\/?(?:(me)|users\/([^/]+))\/(messages|events|contacts|mailfolders\('([^']+)'\)\/messages|mailfolders\/([^/]+)\/messages)$/i;
const CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
const STORE_TO_GRAPH: Record<StoreChange['type'], GraphChangeType> = { create: 'created', update: 'updated', delete: 'deleted' };
const ODATA_TYPE: Record<ResourceKind, string> = { messages: '#Microsoft.Graph.Message', events: '#Microsoft.Graph.Event', contacts: '#Microsoft.Graph.Contact' };
const SEGMENT: Record<ResourceKind, string> = { messages: 'Messages', events: 'Events', contacts: 'Contacts' };
const AREA: Record<ResourceKind, string> = { messages: 'mail', events: 'calendars', contacts: 'contacts' };

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.string().min(1),
  lifecycleNotificationUrl: z.string().min(1).optional(),
  resource: z.string().min(1),
  expirationDateTime: z.string().min(1),
  clientState: z.string().max(128).optional(),
  latestSupportedTlsVersion: z.string().optional(),
  includeResourceData: z.boolean().optional(),
});
const patchSchema = z.object({ expirationDateTime: z.string().min(1) });

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

export interface NotificationFaults {
  /** Notifications (entries) still to drop silently. */
  dropNext: number;
  /** Drop every notification (the endpoint is unreachable from Graph's side). */
  dropAll: boolean;
  /** Wait this long before each delivery. */
  delayMs: number;
  /** Send each notification POST this many extra times (Graph delivers at least once). */
  duplicates: number;
}

export class GraphSubscriptions {
  readonly subscriptions = new Map<string, EmulatedSubscription>();
  readonly deliveries: DeliveryRecord[] = [];
  readonly faults: NotificationFaults = { dropNext: 0, dropAll: false, delayMs: 0, duplicates: 0 };
  /** Longest lifetime accepted for Outlook resources, minutes. */
  maxExpirationMinutes = 10080;
  /** Retries of a failed delivery, and the first back-off (doubling). */
  retries = 3;
  retryBaseMs = 200;
  /** Counts by what happened to a notification entry. */
  readonly stats = { delivered: 0, dropped: 0, failed: 0, duplicated: 0 };
  private readonly queue = new Map<string, { subscription: EmulatedSubscription; entries: unknown[] }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ExchangeStore,
    private readonly control: ExchangeControl,
  ) {
    this.unsubscribe = store.onChange((change) => this.onStoreChange(change));
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.flushTimer) clearTimeout(this.flushTimer);
  }

  /** Subscriptions of a mailbox (tests). */
  of(address: string): EmulatedSubscription[] {
    return [...this.subscriptions.values()].filter((s) => s.address === address.toLowerCase() && !this.expired(s));
  }

  /** Sends a lifecycle notification; `subscriptionRemoved` also removes the subscription, as Graph does. */
  async sendLifecycle(subscriptionId: string, event: LifecycleEvent): Promise<number> {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    if (event === 'subscriptionRemoved') this.subscriptions.delete(subscriptionId);
    if (!subscription.lifecycleNotificationUrl) return 0;
    const body = {
      value: [
        {
          lifecycleEvent: event,
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: subscription.expirationDateTime,
          ...(subscription.clientState !== undefined ? { clientState: subscription.clientState } : {}),
          tenantId: subscription.tenantId,
          organizationId: subscription.tenantId,
        },
      ],
    };
    return this.post(subscription.lifecycleNotificationUrl, body, 'lifecycle', 1);
  }

  /** Lets a subscription lapse now (tests of expiry): no more notifications, GET/PATCH answer 404. */
  expireNow(subscriptionId: string): void {
    const subscription = this.subscriptions.get(subscriptionId);
    if (subscription) subscription.expirationDateTime = new Date(Date.now() - 1000).toISOString();
  }

  /** Sends a notification POST as if Graph had (e.g. a forged one with the wrong clientState), returns the status. */
  async deliverRaw(url: string, body: unknown): Promise<number> {
    return this.post(url, body, 'notification', 0);
  }

  handles(path: string): boolean {
    return /^\/subscriptions(\/|$)/i.test(path);
  }

  async handle(req: GraphRequest, state: GraphEmulatorState): Promise<Reply> {
    const m = /^\/subscriptions(?:\/([^/]+))?(?:\/(reauthorize))?\/?$/i.exec(req.path);
    if (!m) throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${req.path}'.`);
    const [, id, action] = m;
    this.control.count(`GRAPH ${req.method} /subscriptions${id ? '/{id}' : ''}${action ? '/reauthorize' : ''}`);
    await this.control.delay();
    if (!id) {
      if (req.method === 'POST') return this.create(req, state);
      if (req.method === 'GET') return json(200, { '@odata.context': `${req.base}/$metadata#subscriptions`, value: [...this.subscriptions.values()].filter((s) => !this.expired(s) && this.visibleTo(s, req)).map((s) => this.serialize(s)) });
      throw new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    }
    const subscription = this.subscriptions.get(id);
    if (!subscription || this.expired(subscription) || !this.visibleTo(subscription, req)) {
      throw new GraphHttpError(404, 'ResourceNotFound', `The object was not found.`);
    }
    if (action) {
      if (req.method !== 'POST') throw new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
      return { status: 204, headers: {} };
    }
    if (req.method === 'GET') return json(200, { '@odata.context': `${req.base}/$metadata#subscriptions/$entity`, ...this.serialize(subscription) });
    if (req.method === 'DELETE') {
      this.subscriptions.delete(id);
      return { status: 204, headers: {} };
    }
    if (req.method === 'PATCH') {
      const parsed = patchSchema.safeParse(req.body);
      if (!parsed.success) throw new GraphHttpError(400, 'InvalidRequest', 'expirationDateTime is required.');
      subscription.expirationDateTime = this.checkExpiration(parsed.data.expirationDateTime);
      return json(200, { '@odata.context': `${req.base}/$metadata#subscriptions/$entity`, ...this.serialize(subscription) });
    }
    throw new GraphHttpError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  }

  private visibleTo(s: EmulatedSubscription, req: GraphRequest): boolean {
    return req.caller.kind === 'app' ? s.applicationId === req.caller.appId : s.address === req.caller.owner;
  }

  private expired(s: EmulatedSubscription): boolean {
    return Date.parse(s.expirationDateTime) <= Date.now();
  }

  private checkExpiration(value: string): string {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new GraphHttpError(400, 'InvalidRequest', `The expirationDateTime '${value}' is not a valid DateTimeOffset.`);
    if (at <= Date.now()) throw new GraphHttpError(400, 'InvalidRequest', 'Subscription expiration date must be in the future.');
    if (at > Date.now() + this.maxExpirationMinutes * 60_000 + 60_000) {
      throw new GraphHttpError(400, 'ExtensionError', `Operation: Create; Exception: [Status Code: BadRequest; Reason: Subscription expiration can only be ${this.maxExpirationMinutes} minutes in the future.]`);
    }
    return new Date(at).toISOString();
  }

  private checkUrl(value: string, what: string): string {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new GraphHttpError(400, 'InvalidRequest', `Invalid ${what}: '${value}'.`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new GraphHttpError(400, 'InvalidRequest', `The ${what} must be an https URL.`);
    }
    return url.toString();
  }

  private async create(req: GraphRequest, state: GraphEmulatorState): Promise<Reply> {
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) throw new GraphHttpError(400, 'InvalidRequest', `Invalid subscription: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
    const body = parsed.data;
    const changeTypes = body.changeType.split(',').map((c) => c.trim());
    if (changeTypes.some((c) => !(CHANGE_TYPES as readonly string[]).includes(c))) throw new GraphHttpError(400, 'InvalidRequest', `Invalid changeType '${body.changeType}'.`);
    const target = this.resolveResource(body.resource, req);
    if (req.caller.kind === 'app') {
      if (!state.appMayOpen(req.caller.appId, target.address)) throw new GraphHttpError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access to OData is disabled.]');
      const area = AREA[target.kind];
      if (![...req.caller.grants].some((g) => g.startsWith(`${area}.read`))) throw new GraphHttpError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: The caller does not have the permission to subscribe to this resource.]');
    } else if (req.caller.owner !== target.address) {
      throw new GraphHttpError(403, 'ExtensionError', 'Operation: Create; Exception: [Status Code: Forbidden; Reason: Access is denied.]');
    }
    const notificationUrl = this.checkUrl(body.notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = body.lifecycleNotificationUrl ? this.checkUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl') : undefined;
    const expirationDateTime = this.checkExpiration(body.expirationDateTime);
    // The handshake: each endpoint must echo the token within 10 s, as text/plain, or nothing is created.
    for (const url of [notificationUrl, ...(lifecycleNotificationUrl ? [lifecycleNotificationUrl] : [])]) await this.validate(url);
    const subscription: EmulatedSubscription = {
      id: randomUUID(),
      resource: body.resource,
      changeTypes: changeTypes as GraphChangeType[],
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: body.clientState,
      expirationDateTime,
      applicationId: req.caller.appId,
      creatorId: req.caller.kind === 'user' ? directoryObjectId(this.store, target.address) : randomUUID(),
      tenantId: req.caller.tenantId ?? randomUUID(),
      address: target.address,
      kind: target.kind,
      folderId: target.folderId,
      latestSupportedTlsVersion: body.latestSupportedTlsVersion ?? 'v1_2',
    };
    this.subscriptions.set(subscription.id, subscription);
    return json(201, { '@odata.context': `${req.base}/$metadata#subscriptions/$entity`, ...this.serialize(subscription) });
  }

  private resolveResource(resource: string, req: GraphRequest): { address: string; kind: ResourceKind; folderId?: string } {
    const m = ABSOLUTE_RESOURCE.exec(resource.trim());
    if (!m) throw new GraphHttpError(400, 'ExtensionError', `Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource '${resource}' is not supported.]`);
    let address: string | undefined;
    if (m[1]) {
      if (req.caller.kind !== 'user' || !req.caller.owner) throw new GraphHttpError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      address = req.caller.owner;
    } else address = resolveUser(this.store, decodeURIComponent(m[2]));
    if (!address || !this.store.hasMailbox(address)) throw new GraphHttpError(404, 'ExtensionError', `Operation: Create; Exception: [Status Code: NotFound; Reason: The requested user '${m[2] ?? 'me'}' is invalid.]`);
    const tail = m[3].toLowerCase();
    if (tail === 'messages' || tail === 'events' || tail === 'contacts') return { address, kind: tail };
    const folder = this.store.resolveFolder(address, decodeURIComponent(m[4] ?? m[5]));
    return { address, kind: 'messages', folderId: folder.id };
  }

  private serialize(s: EmulatedSubscription): Record<string, unknown> {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId ?? null,
      changeType: s.changeTypes.join(','),
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: s.expirationDateTime,
      creatorId: s.creatorId ?? null,
      includeResourceData: false,
      latestSupportedTlsVersion: s.latestSupportedTlsVersion,
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    let status: number;
    let text: string;
    let contentType: string;
    try {
      const response = await fetch(target, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(10_000) });
      status = response.status;
      contentType = response.headers.get('content-type') ?? '';
      text = await response.text();
    } catch (error) {
      this.deliveries.push({ url, kind: 'validation', status: 0, count: 0, at: Date.now() });
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new GraphHttpError(400, 'ValidationError', timedOut ? 'Subscription validation request timed out.' : `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.`);
    }
    this.deliveries.push({ url, kind: 'validation', status, count: 0, at: Date.now() });
    if (status !== 200) throw new GraphHttpError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
    if (text !== token || !/^text\/plain/i.test(contentType)) throw new GraphHttpError(400, 'ValidationError', 'Subscription validation request failed. Response must exactly match validationToken query parameter.');
  }

  private onStoreChange(change: StoreChange): void {
    if (this.closed) return;
    let kind: ResourceKind;
    try {
      const itemKind = itemKindOfFolder(this.store.folder(change.address, change.folderId).kind);
      if (itemKind === 'message') kind = 'messages';
      else if (itemKind === 'event') kind = 'events';
      else if (itemKind === 'contact') kind = 'contacts';
      else return;
    } catch {
      return;
    }
    const changeType = STORE_TO_GRAPH[change.type];
    for (const s of this.subscriptions.values()) {
      if (s.address !== change.address || s.kind !== kind || this.expired(s)) continue;
      if (s.folderId && s.folderId !== change.folderId) continue;
      if (!s.changeTypes.includes(changeType)) continue;
      const userPart = `${directoryObjectId(this.store, s.address)}@${s.tenantId}`;
      const path = `Users/${userPart}/${SEGMENT[kind]}/${change.itemId}`;
      const entry = {
        id: randomUUID().replace(/-/g, '').slice(0, 16),
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        changeType,
        resource: path,
        resourceData: { '@odata.type': ODATA_TYPE[kind], '@odata.id': path, '@odata.etag': `W/"${change.seq}"`, id: change.itemId },
        ...(s.clientState !== undefined ? { clientState: s.clientState } : {}),
        tenantId: s.tenantId,
      };
      if (this.faults.dropAll || this.faults.dropNext > 0) {
        if (!this.faults.dropAll) this.faults.dropNext -= 1;
        this.stats.dropped += 1;
        continue;
      }
      const queued = this.queue.get(s.notificationUrl) ?? { subscription: s, entries: [] };
      queued.entries.push(entry);
      this.queue.set(s.notificationUrl, queued);
    }
    if (this.queue.size > 0 && !this.flushTimer) {
      // Changes of one moment (one store operation, one $batch) travel together.
      this.flushTimer = setTimeout(() => this.flush(), 5);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batches = [...this.queue.entries()];
    this.queue.clear();
    for (const [url, { subscription, entries }] of batches) void this.deliver(url, subscription, entries);
  }

  private async deliver(url: string, subscription: EmulatedSubscription, entries: unknown[]): Promise<void> {
    if (this.faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faults.delayMs).unref());
    const copies = 1 + this.faults.duplicates;
    for (let copy = 0; copy < copies; copy++) {
      if (copy > 0) this.stats.duplicated += entries.length;
      let delivered = false;
      for (let attempt = 0; attempt <= this.retries && !this.closed; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.retryBaseMs * 2 ** (attempt - 1)).unref());
        const status = await this.post(url, { value: entries }, 'notification', entries.length);
        if (status >= 200 && status < 300) {
          delivered = true;
          break;
        }
        // A 4xx other than throttling is the endpoint saying no (e.g. wrong clientState): Graph does not insist.
        if (status >= 400 && status < 500 && status !== 429 && status !== 408) break;
      }
      if (copy === 0) {
        if (delivered) this.stats.delivered += entries.length;
        else {
          this.stats.failed += entries.length;
          if (subscription.lifecycleNotificationUrl && this.subscriptions.has(subscription.id)) void this.sendLifecycle(subscription.id, 'missed').catch(() => undefined);
        }
      }
    }
  }

  private async post(url: string, body: unknown, kind: DeliveryRecord['kind'], count: number): Promise<number> {
    let status: number;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveries.push({ url, kind, status, count, at: Date.now() });
    return status;
  }
}

function json(status: number, body: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json' }, body };
}

const registry = new WeakMap<ExchangeStore, GraphSubscriptions>();

/** The one subscription registry of an emulator's store (shared by its /v1.0 and /beta routers). */
export function graphSubscriptionsOf(store: ExchangeStore, control: ExchangeControl): GraphSubscriptions {
  let subscriptions = registry.get(store);
  if (!subscriptions) {
    subscriptions = new GraphSubscriptions(store, control);
    registry.set(store, subscriptions);
  }
  return subscriptions;
}

/** The registry if the store has one (tests reach it through the store). */
export function existingGraphSubscriptions(store: ExchangeStore): GraphSubscriptions | undefined {
  return registry.get(store);
}
