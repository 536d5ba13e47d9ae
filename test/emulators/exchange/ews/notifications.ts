/**
 * EWS notification subscriptions of the emulator, after the EWS operation reference (Subscribe, GetEvents,
 * GetStreamingEvents, Unsubscribe) and "Notification subscriptions, mailbox events, and EWS in Exchange":
 *
 * - `Subscribe` with `PullSubscriptionRequest` (Timeout 1–1440 minutes, optional Watermark) or
 *   `StreamingSubscriptionRequest`, over `FolderIds` or `SubscribeToAllFolders="true"`, for `EventTypes`
 *   (NewMailEvent, CreatedEvent, ModifiedEvent, DeletedEvent, MovedEvent, CopiedEvent, FreeBusyChangedEvent).
 *   One subscription per request and mailbox (the impersonated or logged-on one). The X-AnchorMailbox sent with it is
 *   recorded: it names the subscription's affinity group.
 * - `GetEvents` (pull): events after the given watermark, at most 50 per call (`MoreEvents`), else a `StatusEvent`;
 *   a pull subscription not polled within its Timeout has expired (ErrorExpiredSubscription).
 * - `GetStreamingEvents`: a hanging HTTP response (chunked) carrying one SOAP envelope per message — first
 *   ConnectionStatus OK, then `Notifications` as events happen, heartbeats (ConnectionStatus OK) every
 *   `heartbeatMs`, and after ConnectionTimeout minutes (1–30) a last ConnectionStatus Closed. The envelopes use the
 *   default namespace (`<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">`), as the GetStreamingEvents
 *   reference shows. Subscription ids of another affinity group than the request's X-AnchorMailbox are answered
 *   ErrorSubscriptionNotFound (the request reached a server without them), listed in ErrorSubscriptionIds. Open
 *   streaming connections per account are capped (`hangingConnectionLimit`, Exchange Online: 10; on-premises
 *   default 3): one more is ErrorExceededConnectionCount.
 * - `Unsubscribe`.
 * Faults (tests): `dropStreams()` cuts every open streaming connection (the client must reconnect).
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { ExchangeControl } from '../control';
import { type ExchangeStore, type StoreChange } from '../store';
import { folderIdRefs, resolveFolderRef } from './folders';
import { errorMessage, SERVER_VERSION, success } from './soap';
import { all, attr, child, childText, el, NS, SchemaError, text, tx, type XNode } from './xml';

const EVENT_TYPES = ['NewMailEvent', 'CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent', 'CopiedEvent', 'FreeBusyChangedEvent'] as const;
type EventType = (typeof EVENT_TYPES)[number];

interface PendingEvent {
  n: number;
  xml: string;
}

export interface EmulatedEwsSubscription {
  id: string;
  kind: 'pull' | 'streaming';
  mailbox: string;
  account: string;
  /** undefined = SubscribeToAllFolders. */
  folderIds?: Set<string>;
  eventTypes: Set<EventType>;
  anchor?: string;
  /** Events not yet acknowledged (pull) / not yet streamed (streaming). */
  events: PendingEvent[];
  next: number;
  timeoutMinutes?: number;
  lastPolledAt: number;
}

interface Stream {
  account: string;
  ids: Set<string>;
  res: Response;
  heartbeat: NodeJS.Timeout;
  lifetime: NodeJS.Timeout;
}

const watermarkOf = (id: string, n: number): string => Buffer.from(`${id}:${n}`).toString('base64');
function parseWatermark(value: string): { id: string; n: number } | undefined {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const m = /^(.+):(\d+)$/.exec(decoded);
  return m ? { id: m[1], n: Number(m[2]) } : undefined;
}

export class EwsNotifications {
  readonly subscriptions = new Map<string, EmulatedEwsSubscription>();
  /** Open streaming connections per account. Exchange Online's HangingConnectionLimit is 10. */
  hangingConnectionLimit = 10;
  heartbeatMs = 45_000;
  readonly stats = { streamed: 0, polled: 0, connections: 0, maxSubscriptionsPerConnection: 0, rejectedConnections: 0 };
  private readonly streams = new Set<Stream>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ExchangeStore,
    private readonly control: ExchangeControl,
  ) {
    this.unsubscribe = store.onChange((change) => this.onStoreChange(change));
  }

  close(): void {
    this.unsubscribe();
    this.dropStreams();
  }

  /** Streaming connections open now, per account. */
  openConnections(account?: string): number {
    return [...this.streams].filter((s) => account === undefined || s.account === account.toLowerCase()).length;
  }

  /** Cuts every open streaming connection without a Closed message (a load balancer or server restart). */
  dropStreams(): void {
    for (const stream of [...this.streams]) {
      this.endStream(stream);
      stream.res.socket?.destroy();
    }
  }

  of(mailbox: string): EmulatedEwsSubscription[] {
    return [...this.subscriptions.values()].filter((s) => s.mailbox === mailbox.toLowerCase());
  }

  // ---- operations (SOAP request/response) ----

  subscribe(op: XNode, mailbox: string, account: string, anchor: string | undefined): string {
    const pull = child(op, 'PullSubscriptionRequest');
    const streaming = child(op, 'StreamingSubscriptionRequest');
    const request = pull ?? streaming;
    if (request === undefined) {
      if (child(op, 'PushSubscriptionRequest') !== undefined) return errorMessage('Subscribe', 'ErrorInvalidSubscriptionRequest', 'Push subscriptions are not supported by the Exchange emulator.');
      throw new SchemaError('Subscribe needs a PullSubscriptionRequest or a StreamingSubscriptionRequest.');
    }
    const allFolders = attr(request, 'SubscribeToAllFolders') === 'true';
    let folderIds: Set<string> | undefined;
    if (!allFolders) {
      const refs = folderIdRefs(child(request, 'FolderIds'));
      if (refs.length === 0) throw new SchemaError('FolderIds is required unless SubscribeToAllFolders is true.');
      try {
        folderIds = new Set(refs.map((ref) => resolveFolderRef(this.store, mailbox, ref).id));
      } catch {
        return errorMessage('Subscribe', 'ErrorFolderNotFound', 'The specified folder could not be found in the store.');
      }
    }
    const eventTypes = new Set(all(child(request, 'EventTypes'), 'EventType').map((n) => (text(n) ?? '').trim()) as EventType[]);
    if (eventTypes.size === 0 || [...eventTypes].some((t) => !(EVENT_TYPES as readonly string[]).includes(t))) throw new SchemaError('EventTypes must list valid event types.');
    let timeoutMinutes: number | undefined;
    if (pull !== undefined) {
      timeoutMinutes = Number(childText(pull, 'Timeout'));
      if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 1440) throw new SchemaError('Timeout must be between 1 and 1440 minutes.');
    }
    const subscription: EmulatedEwsSubscription = {
      id: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64').replace(/=+$/, '') + 'EQAAAA==',
      kind: pull !== undefined ? 'pull' : 'streaming',
      mailbox,
      account: account.toLowerCase(),
      folderIds,
      eventTypes,
      anchor: anchor?.toLowerCase(),
      events: [],
      next: 1,
      timeoutMinutes,
      lastPolledAt: Date.now(),
    };
    this.subscriptions.set(subscription.id, subscription);
    this.control.count(`EWS Subscribe ${subscription.kind}`);
    return success('Subscribe', tx('m:SubscriptionId', subscription.id) + (subscription.kind === 'pull' ? tx('m:Watermark', watermarkOf(subscription.id, 0)) : ''));
  }

  unsubscribeOp(op: XNode, account: string): string {
    const id = (childText(op, 'SubscriptionId') ?? '').trim();
    const subscription = this.subscriptions.get(id);
    if (!subscription || subscription.account !== account.toLowerCase()) return errorMessage('Unsubscribe', 'ErrorSubscriptionNotFound', 'The specified subscription was not found.');
    this.subscriptions.delete(id);
    for (const stream of this.streams) stream.ids.delete(id);
    return success('Unsubscribe');
  }

  getEvents(op: XNode, account: string): string {
    const id = (childText(op, 'SubscriptionId') ?? '').trim();
    const watermark = parseWatermark((childText(op, 'Watermark') ?? '').trim());
    const subscription = this.subscriptions.get(id);
    if (!subscription || subscription.account !== account.toLowerCase() || subscription.kind !== 'pull') return errorMessage('GetEvents', 'ErrorSubscriptionNotFound', 'The specified subscription was not found.');
    if (this.pullExpired(subscription)) {
      this.subscriptions.delete(id);
      return errorMessage('GetEvents', 'ErrorExpiredSubscription', 'The subscription has expired.');
    }
    if (!watermark || watermark.id !== id || watermark.n >= subscription.next) return errorMessage('GetEvents', 'ErrorInvalidWatermark', 'The watermark used for creating this subscription was not found.');
    subscription.lastPolledAt = Date.now();
    // Everything up to the watermark the client sends back was received.
    subscription.events = subscription.events.filter((e) => e.n > watermark.n);
    const batch = subscription.events.slice(0, 50);
    this.stats.polled += batch.length;
    const last = batch.length > 0 ? batch[batch.length - 1].n : watermark.n;
    const events = batch.length > 0 ? batch.map((e) => e.xml).join('') : el('t:StatusEvent', tx('t:Watermark', watermarkOf(id, last)));
    return success(
      'GetEvents',
      el('m:Notification', tx('t:SubscriptionId', id) + tx('t:PreviousWatermark', watermarkOf(id, watermark.n)) + tx('t:MoreEvents', subscription.events.length > batch.length) + events),
    );
  }

  /** GetStreamingEvents: answers on `res` as a hanging response; resolves when the connection ends. */
  getStreamingEvents(op: XNode, account: string, anchor: string | undefined, res: Response): void {
    const ids = all(child(op, 'SubscriptionIds'), 'SubscriptionId').map((n) => (text(n) ?? '').trim());
    const minutes = Number(childText(op, 'ConnectionTimeout'));
    if (ids.length === 0) throw new SchemaError('SubscriptionIds must list at least one subscription.');
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 30) throw new SchemaError('ConnectionTimeout must be between 1 and 30 minutes.');
    const key = account.toLowerCase();
    res.status(200).type('text/xml; charset=utf-8');
    res.setHeader('Transfer-Encoding', 'chunked');
    if (this.openConnections(key) >= this.hangingConnectionLimit) {
      this.stats.rejectedConnections += 1;
      res.end(streamEnvelope(errorMessage('GetStreamingEvents', 'ErrorExceededConnectionCount', 'You have exceeded the available concurrent connections for your account. Try again once your other requests have completed.')));
      return;
    }
    const missing = ids.filter((id) => {
      const s = this.subscriptions.get(id);
      return !s || s.kind !== 'streaming' || s.account !== key || (s.anchor !== undefined && s.anchor !== anchor?.toLowerCase());
    });
    if (missing.length > 0) {
      res.end(
        streamEnvelope(
          errorMessage('GetStreamingEvents', 'ErrorSubscriptionNotFound', 'The specified subscription was not found.', el('m:ErrorSubscriptionIds', missing.map((id) => tx('m:SubscriptionId', id)).join(''))),
        ),
      );
      return;
    }
    this.stats.connections += 1;
    this.stats.maxSubscriptionsPerConnection = Math.max(this.stats.maxSubscriptionsPerConnection, ids.length);
    const stream: Stream = {
      account: key,
      ids: new Set(ids),
      res,
      heartbeat: setInterval(() => this.write(stream, okMessage()), this.heartbeatMs),
      lifetime: setTimeout(() => {
        this.write(stream, success('GetStreamingEvents', tx('m:ConnectionStatus', 'Closed')));
        this.endStream(stream);
        res.end();
      }, minutes * 60_000),
    };
    stream.heartbeat.unref();
    stream.lifetime.unref();
    this.streams.add(stream);
    res.on('close', () => this.endStream(stream));
    this.write(stream, okMessage());
    this.flushStream(stream);
  }

  // ---- events ----

  private pullExpired(s: EmulatedEwsSubscription): boolean {
    return s.kind === 'pull' && s.timeoutMinutes !== undefined && Date.now() - s.lastPolledAt > s.timeoutMinutes * 60_000;
  }

  private onStoreChange(change: StoreChange): void {
    for (const s of this.subscriptions.values()) {
      if (s.mailbox !== change.address) continue;
      if (s.folderIds && !s.folderIds.has(change.folderId)) continue;
      const types: EventType[] = change.type === 'create' ? ['CreatedEvent', 'NewMailEvent'] : change.type === 'update' ? ['ModifiedEvent'] : ['DeletedEvent'];
      let parentChangeKey = '';
      let changeKey: string | undefined;
      let isMail = false;
      try {
        const folder = this.store.folder(change.address, change.folderId);
        parentChangeKey = folder.changeKey;
        isMail = folder.kind === 'mail';
        if (change.type !== 'delete') changeKey = this.store.item(change.address, change.itemId).changeKey;
      } catch {
        // Deleted meanwhile: the event still names the ids.
      }
      for (const type of types) {
        if (!s.eventTypes.has(type)) continue;
        if (type === 'NewMailEvent' && !isMail) continue;
        const n = s.next++;
        const xml = el(
          `t:${type}`,
          tx('t:Watermark', watermarkOf(s.id, n)) +
            tx('t:TimeStamp', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) +
            el('t:ItemId', null, { Id: change.itemId, ...(changeKey ? { ChangeKey: changeKey } : {}) }) +
            el('t:ParentFolderId', null, { Id: change.folderId, ChangeKey: parentChangeKey }),
        );
        s.events.push({ n, xml });
      }
      if (s.kind === 'streaming') for (const stream of this.streams) if (stream.ids.has(s.id)) this.flushStream(stream);
    }
  }

  private flushStream(stream: Stream): void {
    const notifications: string[] = [];
    for (const id of stream.ids) {
      const s = this.subscriptions.get(id);
      if (!s || s.events.length === 0) continue;
      notifications.push(el('m:Notification', tx('t:SubscriptionId', id) + s.events.map((e) => e.xml).join('')));
      this.stats.streamed += s.events.length;
      s.events = [];
    }
    if (notifications.length > 0) this.write(stream, success('GetStreamingEvents', el('m:Notifications', notifications.join(''))));
  }

  private write(stream: Stream, message: string): void {
    if (!this.streams.has(stream)) return;
    stream.res.write(streamEnvelope(message));
  }

  private endStream(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    clearInterval(stream.heartbeat);
    clearTimeout(stream.lifetime);
  }
}

const okMessage = (): string => success('GetStreamingEvents', tx('m:ConnectionStatus', 'OK'));

/** One message of a streaming response, in the shape of the GetStreamingEvents reference. */
function streamEnvelope(message: string): string {
  const header = `<soap11:Header xmlns:soap11="${NS.soap}">${el('ServerVersionInfo', null, { xmlns: NS.t, ...SERVER_VERSION })}</soap11:Header>`;
  const body = `<soap11:Body xmlns:soap11="${NS.soap}">${el('m:GetStreamingEventsResponse', el('m:ResponseMessages', message), { 'xmlns:m': NS.m, 'xmlns:t': NS.t })}</soap11:Body>`;
  return `<Envelope xmlns="${NS.soap}">${header}${body}</Envelope>`;
}

const registry = new WeakMap<ExchangeStore, EwsNotifications>();

/** The notification state of an emulator's store (one per store). */
export function ewsNotificationsOf(store: ExchangeStore, control: ExchangeControl): EwsNotifications {
  let notifications = registry.get(store);
  if (!notifications) {
    notifications = new EwsNotifications(store, control);
    registry.set(store, notifications);
  }
  return notifications;
}
