/**
 * The Graph emulator's request handling, independent of Express so `$batch` can run sub-requests through the very same
 * code: authorization (token kind, app roles / delegated scopes, RBAC for Applications scope, own-mailbox rule), the
 * per-mailbox concurrency limit, control hooks (counters, latency, fault rules), and the resources.
 */
import { z } from 'zod';
import { normalizeRecurrence, type Attendee, type CategoryColor, type EventInput, type Recurrence } from '../../../../relay/mailbox/types';
import { localToUtc } from './timezones';
import type { ExchangeControl, FaultRule } from '../control';
import { inWindow, occurrenceId, parseOccurrenceId, seriesInstances } from '../recurrence';
import { StoreError, type ExchangeStore, type FolderChange, type ExtendedPropertyValue, type OccurrenceChanges, type StoredEvent, type StoredFolder, type StoredItem, type StoredItemKind } from '../store';
import { applySelect, decodeDeltaToken, encodeDeltaToken, errorReply, GraphHttpError, parseExpand, parsePrefer, type DeltaToken, type Reply } from './odata';
import {
  parseExtendedPropertyId,
  serializeCalendar,
  serializeCategory,
  serializeContactFolder,
  serializeItem,
  serializeMailFolder,
  serializeTodoList,
  type SerializeOptions,
} from './serialize';
import { GraphEmulatorState } from './state';
import { queryMessages } from './message-filter';
import { resolveUser } from '../directory';
import { graphSubscriptionsOf, type GraphSubscriptions } from './subscriptions';

export interface TokenInfo {
  tenantId: string;
  appId?: string;
  oid?: string;
  /** preferred_username of delegated tokens: the mailbox the token owner may open. */
  upn?: string;
  roles: string[];
  scopes: string[];
}

export interface Caller {
  kind: 'app' | 'user';
  appId?: string;
  /** Lower-cased mailbox address of a delegated token's owner. */
  owner?: string;
  grants: Set<string>;
  /** The token's tenant (change notifications carry it). */
  tenantId?: string;
}

export interface GraphRequest {
  method: string;
  /** After the version segment, starting with `/`, percent-decoded per segment. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  caller: Caller;
  /** `https://host:port/v1.0`, for links. */
  base: string;
  inBatch?: boolean;
}

export class DropConnection extends Error {}

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 10;

/** Which permission a request needs: area by resource, ReadWrite for anything but GET. */
type Area = 'Mail' | 'Calendars' | 'Contacts' | 'Tasks' | 'MailboxSettings';

function areaOf(segments: string[]): Area {
  const first = (segments[0] ?? '').toLowerCase();
  if (first === 'outlook') return 'MailboxSettings';
  if (first === 'todo') return 'Tasks';
  if (['calendar', 'calendars', 'calendarview', 'events'].includes(first)) return 'Calendars';
  if (['contactfolders', 'contacts'].includes(first)) return 'Contacts';
  return 'Mail';
}

function permitted(caller: Caller, area: Area, write: boolean): boolean {
  const names = write ? [`${area}.ReadWrite`] : [`${area}.Read`, `${area}.ReadWrite`, ...(area === 'Mail' ? ['Mail.ReadBasic'] : [])];
  const all = names.flatMap((n) => [n, `${n}.All`]);
  if (area === 'MailboxSettings' && !write) all.push('MailboxSettings.ReadWrite');
  return all.some((n) => caller.grants.has(n.toLowerCase()));
}

/** Counter key with ids replaced: `GRAPH GET /users/{id}/mailFolders/{id}/messages/delta`. */
const KEYWORDS = new Set(
  ['users', 'me', 'mailFolders', 'childFolders', 'messages', 'delta', 'events', 'instances', 'calendar', 'calendars', 'calendarView', 'contactFolders', 'contacts', 'todo', 'lists', 'tasks', 'outlook', 'masterCategories', 'attachments', '$batch'].map((k) => k.toLowerCase()),
);
const CANONICAL = new Map([...['mailFolders', 'childFolders', 'calendarView', 'contactFolders', 'masterCategories'].map((k) => [k.toLowerCase(), k] as const)]);

export function counterKey(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean).map((s) => (KEYWORDS.has(s.toLowerCase()) ? (CANONICAL.get(s.toLowerCase()) ?? s.toLowerCase()) : '{id}'));
  return `GRAPH ${method.toUpperCase()} /${segments.join('/')}`;
}

/** `mailfolders('X')` → `mailfolders/X` (the published delta links use the key form). */
function normalizePath(path: string): string {
  return path.replace(/\(\s*'([^']*)'\s*\)/g, (_m, key: string) => `/${encodeURIComponent(key)}`);
}

function storeErrorReply(error: StoreError): GraphHttpError {
  switch (error.code) {
    case 'ErrorItemNotFound':
    case 'ErrorFolderNotFound':
      return new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    case 'ErrorNonExistentMailbox':
      return new GraphHttpError(404, 'ErrorInvalidUser', error.message);
    case 'ErrorFolderExists':
      return new GraphHttpError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    case 'ErrorIrresolvableConflict':
      return new GraphHttpError(412, 'ErrorIrresolvableConflict', error.message);
    case 'ErrorInvalidSyncStateData':
      return new GraphHttpError(410, 'syncStateNotFound', 'The sync state generation is not found. Restart the synchronization without a delta token.');
    default:
      return new GraphHttpError(400, error.code, error.message);
  }
}

function faultReply(rule: FaultRule, isDelta: boolean): Reply {
  switch (rule.fault) {
    case 'throttle':
      // Shape of the published throttling sample (fixtures/graph/throttling-429.json).
      return errorReply(429, 'TooManyRequests', 'Please retry again later.', undefined, rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {}, { code: '429', message: 'Please retry after', status: '429' });
    case 'invalid-cursor':
      return isDelta
        ? errorReply(410, 'syncStateNotFound', 'The sync state generation is not found. Restart the synchronization without a delta token.')
        : errorReply(400, 'ErrorInvalidRequest', 'The request is invalid.');
    case 'unauthorized':
      return errorReply(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    case 'server-error':
      return errorReply(503, 'ServiceUnavailable', 'The service is temporarily unavailable.');
    case 'drop':
      throw new DropConnection('fault rule: drop');
    case 'ews-disabled':
      // An EWS switch; a rule without `protocol: 'ews'` reaching Graph is a test mistake worth seeing.
      return errorReply(400, 'ErrorInvalidRequest', "The fault kind 'ews-disabled' applies to EWS only.");
  }
}

// --- request bodies ------------------------------------------------------------------------------------------------

const emailSchema = z.object({ emailAddress: z.object({ address: z.string(), name: z.string().optional() }) });
const dttzSchema = z.object({ dateTime: z.string(), timeZone: z.string().optional() });
const extPropsSchema = z.array(z.object({ id: z.string(), value: z.string() })).optional();
const bodySchema = z.object({ contentType: z.string().optional(), content: z.string().optional() });

const eventBodySchema = z.object({
  subject: z.string().optional(),
  body: bodySchema.optional(),
  start: dttzSchema.optional(),
  end: dttzSchema.optional(),
  isAllDay: z.boolean().optional(),
  sensitivity: z.enum(['normal', 'personal', 'private', 'confidential']).optional(),
  location: z.object({ displayName: z.string().optional() }).optional(),
  attendees: z.array(emailSchema.extend({ type: z.string().optional() })).optional(),
  categories: z.array(z.string()).optional(),
  recurrence: z
    .object({
      pattern: z.object({
        type: z.enum(['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly']),
        interval: z.number().int().min(1).optional(),
        daysOfWeek: z.array(z.enum(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'])).optional(),
        dayOfMonth: z.number().int().min(0).max(31).optional(),
        index: z.enum(['first', 'second', 'third', 'fourth', 'last']).optional(),
        month: z.number().int().min(0).max(12).optional(),
        firstDayOfWeek: z.string().optional(),
      }),
      range: z.object({ type: z.string().optional(), startDate: z.string(), endDate: z.string().optional(), numberOfOccurrences: z.number().optional() }),
    })
    .nullable()
    .optional(),
  singleValueExtendedProperties: extPropsSchema,
});

function htmlOf(body: z.infer<typeof bodySchema>): string {
  const content = body.content ?? '';
  if ((body.contentType ?? 'html').toLowerCase() === 'text') return `<html><body>${content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</body></html>`;
  return /<html/i.test(content) ? content : `<html><head></head><body>${content}</body></html>`;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new GraphHttpError(400, 'RequestBodyRead', `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function extendedPropsOf(list: { id: string; value: string }[] | undefined): ExtendedPropertyValue[] {
  return (list ?? []).map((p) => {
    const parsed = parseExtendedPropertyId(p.id);
    if (!parsed) throw new GraphHttpError(400, 'ErrorInvalidProperty', `Unsupported extended property id '${p.id}' (use 'String {guid} Name X').`);
    return { ...parsed, value: p.value };
  });
}

function eventFields(b: z.infer<typeof eventBodySchema>): Partial<EventInput> {
  const out: Partial<EventInput> = {};
  if (b.subject !== undefined) out.subject = b.subject;
  if (b.body) out.bodyHtml = htmlOf(b.body);
  if (b.start) {
    out.start = localToUtc(b.start.dateTime, b.start.timeZone);
    out.timeZone = b.start.timeZone ?? 'UTC';
  }
  if (b.end) out.end = localToUtc(b.end.dateTime, b.end.timeZone ?? b.start?.timeZone);
  if (b.isAllDay !== undefined) out.isAllDay = b.isAllDay;
  if (b.sensitivity) out.sensitivity = b.sensitivity;
  if (b.location) out.location = b.location.displayName || undefined;
  if (b.categories) out.categories = b.categories;
  if (b.attendees) {
    out.attendees = b.attendees.map((a): Attendee => ({
      address: a.emailAddress.address,
      ...(a.emailAddress.name ? { name: a.emailAddress.name } : {}),
      type: (['required', 'optional', 'resource'].includes((a.type ?? '').toLowerCase()) ? (a.type ?? 'required').toLowerCase() : 'required') as Attendee['type'],
      response: 'none',
    }));
  }
  if (b.recurrence !== undefined) {
    if (b.recurrence === null) out.recurrence = undefined;
    else {
      const p = b.recurrence.pattern;
      const r = b.recurrence.range;
      const relative = p.type === 'relativeMonthly' || p.type === 'relativeYearly';
      const yearly = p.type === 'absoluteYearly' || p.type === 'relativeYearly';
      // Graph refuses patterns missing what they need (400 ErrorInvalidRequest / "... is required").
      if (relative || p.type === 'weekly') if (!p.daysOfWeek?.length) throw new GraphHttpError(400, 'ErrorInvalidRequest', `recurrence.pattern.daysOfWeek is required for ${p.type}.`);
      if (yearly && !p.month) throw new GraphHttpError(400, 'ErrorInvalidRequest', `recurrence.pattern.month is required for ${p.type}.`);
      if ((p.type === 'absoluteMonthly' || p.type === 'absoluteYearly') && !p.dayOfMonth) throw new GraphHttpError(400, 'ErrorInvalidRequest', `recurrence.pattern.dayOfMonth is required for ${p.type}.`);
      const recurrence: Recurrence = normalizeRecurrence({
        pattern: p.type,
        interval: p.interval ?? 1,
        ...(p.daysOfWeek?.length ? { daysOfWeek: p.daysOfWeek } : {}),
        ...(p.dayOfMonth ? { dayOfMonth: p.dayOfMonth } : {}),
        // Graph's default index is "first".
        ...(relative ? { index: p.index ?? 'first' } : {}),
        ...(p.month ? { month: p.month } : {}),
        startDate: r.startDate,
        ...(r.type === 'endDate' && r.endDate ? { endDate: r.endDate } : {}),
        ...(r.type === 'numbered' && r.numberOfOccurrences ? { numberOfOccurrences: r.numberOfOccurrences } : {}),
      });
      out.recurrence = recurrence;
    }
  }
  return out;
}

const taskBodySchema = z.object({
  title: z.string().optional(),
  body: bodySchema.optional(),
  status: z.enum(['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred']).optional(),
  importance: z.enum(['low', 'normal', 'high']).optional(),
  startDateTime: dttzSchema.nullable().optional(),
  dueDateTime: dttzSchema.nullable().optional(),
  completedDateTime: dttzSchema.nullable().optional(),
  categories: z.array(z.string()).optional(),
  singleValueExtendedProperties: extPropsSchema,
});

const contactBodySchema = z.object({
  givenName: z.string().nullable().optional(),
  surname: z.string().nullable().optional(),
  displayName: z.string().optional(),
  companyName: z.string().nullable().optional(),
  jobTitle: z.string().nullable().optional(),
  emailAddresses: z.array(z.object({ address: z.string(), name: z.string().optional() })).optional(),
  businessPhones: z.array(z.string()).optional(),
  mobilePhone: z.string().nullable().optional(),
  businessAddress: z.object({ street: z.string().optional(), city: z.string().optional(), state: z.string().optional(), postalCode: z.string().optional(), countryOrRegion: z.string().optional() }).optional(),
  categories: z.array(z.string()).optional(),
  singleValueExtendedProperties: extPropsSchema,
});

const messagePatchSchema = z.object({
  subject: z.string().optional(),
  body: bodySchema.optional(),
  isRead: z.boolean().optional(),
  categories: z.array(z.string()).optional(),
  inferenceClassification: z.string().optional(),
  singleValueExtendedProperties: extPropsSchema,
});

// --- the handler ---------------------------------------------------------------------------------------------------

export class GraphHandler {
  constructor(
    private readonly store: ExchangeStore,
    private readonly control: ExchangeControl,
    readonly state: GraphEmulatorState,
  ) {
    this.subscriptions = graphSubscriptionsOf(store, control);
  }

  /** Change notifications (subscriptions.ts): one registry per store. */
  readonly subscriptions: GraphSubscriptions;

  /** Handles one request (top-level or inside a batch). Never throws except DropConnection. */
  async handle(req: GraphRequest): Promise<Reply> {
    try {
      if (!req.inBatch && this.subscriptions.handles(req.path)) return await this.subscriptions.handle(req, this.state);
      if (req.path.toLowerCase() === '/$batch') {
        if (req.method !== 'POST') return errorReply(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
        return await this.batch(req);
      }
      return await this.resource(req);
    } catch (error) {
      if (error instanceof DropConnection) throw error;
      if (error instanceof GraphHttpError) return errorReply(error.status, error.code, error.message, req.headers['client-request-id'], error.headers);
      if (error instanceof StoreError) {
        const mapped = storeErrorReply(error);
        return errorReply(mapped.status, mapped.code, mapped.message, req.headers['client-request-id']);
      }
      return errorReply(500, 'InternalServerError', error instanceof Error ? error.message : String(error), req.headers['client-request-id']);
    }
  }

  private async resource(req: GraphRequest): Promise<Reply> {
    const path = normalizePath(req.path);
    const m = /^\/(me|users\/([^/]+))(\/.*)?$/i.exec(path);
    this.control.count(counterKey(req.method, path));
    if (!m) throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
    let address: string;
    const userSegment = m[1].toLowerCase() === 'me' ? '/me' : `/users/${m[2]}`;
    if (m[1].toLowerCase() === 'me') {
      if (req.caller.kind !== 'user' || !req.caller.owner) throw new GraphHttpError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      address = req.caller.owner;
    } else {
      // `/users/{id | userPrincipalName}`: an unknown name is kept so the answer below names what was asked for.
      const segment = decodeURIComponent(m[2]);
      address = resolveUser(this.store, segment) ?? segment.toLowerCase();
    }
    const segments = (m[3] ?? '').split('/').filter(Boolean).map((s) => decodeURIComponent(s));

    if (!this.store.hasMailbox(address)) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${address}' is invalid.`);
    if (this.state.restDisabled.has(address)) throw new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    if (req.caller.kind === 'app' && !this.state.appMayOpen(req.caller.appId, address)) {
      throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.');
    }
    if (req.caller.kind === 'user' && req.caller.owner !== address) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    if (!permitted(req.caller, areaOf(segments), req.method !== 'GET')) throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

    const slot = this.state.begin(address);
    if (!slot.admitted) return errorReply(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', req.headers['client-request-id'], { 'Retry-After': '1' });
    try {
      await this.control.delay();
      const fault = this.control.takeFault({ protocol: 'graph', method: req.method, path, mailbox: address });
      if (fault) return faultReply(fault, segments.some((s) => s.toLowerCase() === 'delta'));
      return await new MailboxResources(this.store, this.control, req, address, userSegment).route(segments);
    } finally {
      slot.end();
    }
  }

  private async batch(req: GraphRequest): Promise<Reply> {
    this.control.count('GRAPH POST /$batch');
    const parsed = z
      .object({
        requests: z.array(
          z.object({
            id: z.string().min(1),
            method: z.string(),
            url: z.string(),
            headers: z.record(z.string(), z.string()).optional(),
            body: z.unknown().optional(),
            dependsOn: z.array(z.string()).optional(),
          }),
        ),
      })
      .safeParse(req.body);
    if (!parsed.success) throw new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format.');
    const requests = parsed.data.requests;
    this.state.batchSizes.push(requests.length);
    if (requests.length > 20) throw new GraphHttpError(400, 'BadRequest', 'Unable to deserialize content. Number of requests in the batch exceeds the maximum allowed (20).');
    const ids = new Set(requests.map((r) => r.id));
    if (ids.size !== requests.length) throw new GraphHttpError(400, 'BadRequest', 'Batch request ids must be unique.');
    for (const r of requests) for (const d of r.dependsOn ?? []) if (!ids.has(d)) throw new GraphHttpError(400, 'BadRequest', `Request ${r.id} depends on unknown request ${d}.`);

    const results = new Map<string, Reply>();
    const done = new Map<string, Promise<void>>();
    // Outlook runs up to 4 sub-requests of a batch at a time (throttling-limits.md); dependsOn serializes.
    let running = 0;
    const waiters: (() => void)[] = [];
    const slot = async (): Promise<() => void> => {
      if (running >= 4) await new Promise<void>((resolve) => waiters.push(resolve));
      running += 1;
      return () => {
        running -= 1;
        waiters.shift()?.();
      };
    };
    const run = async (r: (typeof requests)[number]): Promise<void> => {
      await Promise.all((r.dependsOn ?? []).map((d) => done.get(d)));
      const failedDependency = (r.dependsOn ?? []).some((d) => (results.get(d)?.status ?? 500) >= 400);
      if (failedDependency) {
        results.set(r.id, errorReply(424, 'FailedDependency', 'A request this request depends on failed.'));
        return;
      }
      const release = await slot();
      try {
        const url = new URL(r.url.startsWith('/') ? r.url : `/${r.url}`, 'https://batch.invalid');
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        results.set(
          r.id,
          await this.handle({
            method: r.method.toUpperCase(),
            path: url.pathname.replace(/^\/(v1\.0|beta)(?=\/)/, ''),
            query: url.searchParams,
            headers,
            body: r.body,
            caller: req.caller,
            base: req.base,
            inBatch: true,
          }),
        );
      } finally {
        release();
      }
    };
    for (const r of requests) done.set(r.id, run(r));
    await Promise.all(done.values());
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: {
        responses: requests.map((r) => {
          const reply = results.get(r.id) as Reply;
          return { id: r.id, status: reply.status, headers: reply.headers, ...(reply.body !== undefined ? { body: reply.body } : {}) };
        }),
      },
    };
  }
}

/** Resources of one mailbox for one request. */
class MailboxResources {
  private readonly prefer: Map<string, string>;
  private readonly immutable: boolean;

  constructor(
    private readonly store: ExchangeStore,
    private readonly control: ExchangeControl,
    private readonly req: GraphRequest,
    private readonly address: string,
    private readonly userSegment: string,
  ) {
    this.prefer = parsePrefer(req.headers.prefer);
    this.immutable = (this.prefer.get('idtype') ?? '').toLowerCase() === 'immutableid';
  }

  // ids: without IdType="ImmutableId" Graph hands out ids that change when an item moves; model that by folding the
  // folder into the id. Both forms are accepted on input.
  private itemIdOut = (item: StoredItem): string => (this.immutable ? item.id : `AAMkR${Buffer.from(`${item.folderId}.${item.id}`).toString('base64url')}`);

  private itemIdIn(id: string): string {
    if (!id.startsWith('AAMkR')) return id;
    const decoded = Buffer.from(id.slice(5), 'base64url').toString('utf8');
    const dot = decoded.lastIndexOf('.');
    return dot > 0 ? decoded.slice(dot + 1) : id;
  }

  private get select(): string[] | undefined {
    const value = this.req.query.get('$select');
    return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  }

  private serializeOptions(extra: Partial<SerializeOptions> = {}): SerializeOptions {
    const record = this.store.mailbox(this.address);
    const bodyType = (this.prefer.get('outlook.body-content-type') ?? '').toLowerCase() === 'text' ? 'text' : 'html';
    return {
      itemId: this.itemIdOut,
      select: this.select,
      expand: parseExpand(this.req.query.get('$expand') ?? undefined),
      timeZone: this.prefer.get('outlook.timezone'),
      bodyType,
      mailboxAddress: record.address,
      mailboxName: record.displayName,
      webBase: 'https://outlook.office365.com',
      ...extra,
    };
  }

  private preferenceHeaders(): Record<string, string> {
    const applied: string[] = [];
    if (this.prefer.has('outlook.body-content-type')) applied.push(`outlook.body-content-type="${this.prefer.get('outlook.body-content-type')}"`);
    if (this.prefer.has('outlook.timezone')) applied.push(`outlook.timezone="${this.prefer.get('outlook.timezone')}"`);
    if (this.immutable) applied.push('IdType="ImmutableId"');
    return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
  }

  private ok(status: number, body: unknown): Reply {
    return { status, headers: { 'Content-Type': 'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8', 'OData-Version': '4.0', ...this.preferenceHeaders() }, body };
  }

  private context(suffix: string): string {
    return `${this.req.base}/$metadata#users('${this.address}')/${suffix}`;
  }

  private entity(suffix: string, body: Record<string, unknown>, status = 200): Reply {
    return this.ok(status, { '@odata.context': this.context(`${suffix}/$entity`), ...body });
  }

  /** A collection with `$top` / `$skip` paging and an absolute `@odata.nextLink`. */
  private collection(suffix: string, values: Record<string, unknown>[], linkPath: string): Reply {
    const top = Math.min(MAX_PAGE, Math.max(1, Number(this.req.query.get('$top') ?? DEFAULT_PAGE) || DEFAULT_PAGE));
    const skip = Math.max(0, Number(this.req.query.get('$skip') ?? 0) || 0);
    const page = values.slice(skip, skip + top).map((v) => applySelect(v, this.select));
    const body: Record<string, unknown> = { '@odata.context': this.context(suffix), value: page };
    if (skip + top < values.length) {
      const q = new URLSearchParams(this.req.query);
      q.set('$top', String(top));
      q.set('$skip', String(skip + top));
      body['@odata.nextLink'] = `${this.req.base}${this.userSegment}${linkPath}?${q.toString()}`;
    }
    return this.ok(200, body);
  }

  private item(id: string, kind: StoredItemKind): StoredItem {
    const item = this.store.item(this.address, this.itemIdIn(id));
    if (item.kind !== kind) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return item;
  }

  /** An event for reading: stored ones and computed occurrences / exceptions alike. */
  private readEvent(id: string): StoredEvent {
    const item = this.store.readItem(this.address, this.itemIdIn(id));
    if (item.kind !== 'event') throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    return item;
  }

  /** `startDateTime` / `endDateTime` of a calendar view (names case-insensitive), as ISO instants. */
  private viewWindow(): { start: string; end: string } {
    const param = (name: string): string | undefined => [...this.req.query.entries()].find(([k]) => k.toLowerCase() === name)?.[1];
    const start = param('startdatetime');
    const end = param('enddatetime');
    // Values without an offset are UTC unless Prefer outlook.timezone says otherwise — the emulator takes UTC.
    const instant = (v: string | undefined): number => (v === undefined ? Number.NaN : Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`));
    if (Number.isNaN(instant(start)) || Number.isNaN(instant(end))) {
      throw new GraphHttpError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
    }
    return { start: new Date(instant(start)).toISOString(), end: new Date(instant(end)).toISOString() };
  }

  /** What a calendar view shows of the folder: single events and the instances of series, never masters. */
  private viewOf(folder: StoredFolder, window: { start: string; end: string }): StoredEvent[] {
    return this.store
      .listItems(this.address, folder.id)
      .filter((i): i is StoredEvent => i.kind === 'event')
      .flatMap((e) => (e.recurrence ? seriesInstances(e, window) : inWindow(e, window) ? [e] : []))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
  }

  private calendarView(folder: StoredFolder, linkPath: string): Reply {
    const events = this.viewOf(folder, this.viewWindow());
    return this.collection('events', events.map((e) => this.itemJson(e, this.serializeOptions({ select: undefined }))), linkPath);
  }

  /**
   * `/events/{id}/instances`: the occurrences and exceptions of a series master in the window. For any other event
   * the emulator answers 400 (what Graph does there is not documented; the relay checks the type first).
   */
  private instances(id: string, linkPath: string): Reply {
    const window = this.viewWindow();
    const event = this.readEvent(id);
    if (!event.recurrence || event.type !== 'seriesMaster') throw new GraphHttpError(400, 'ErrorInvalidRequest', 'The event is not a series master; only a series master has instances.');
    const instances = this.store.seriesInstances(this.address, event.id, window);
    return this.collection('events', instances.map((e) => this.itemJson(e, this.serializeOptions({ select: undefined }))), linkPath);
  }

  private folderOf(idOrName: string, kind: StoredFolder['kind']): StoredFolder {
    const folder = this.store.resolveFolder(this.address, idOrName);
    if (folder.kind !== kind && !(kind === 'mail' && folder.wellKnownName === 'msgfolderroot')) {
      throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    return folder;
  }

  private get root(): StoredFolder {
    return this.store.wellKnownFolder(this.address, 'msgfolderroot');
  }

  async route(s: string[]): Promise<Reply> {
    const method = this.req.method;
    const lower = s.map((x) => x.toLowerCase());
    const is = (...pattern: string[]): boolean => pattern.length === s.length && pattern.every((p, i) => p === '*' || p === lower[i]);

    // mail folders
    if (is('mailfolders', 'delta') && method === 'GET') return this.mailFolderDelta();
    if (is('mailfolders') && method === 'GET') return this.listMailFolders(this.root.id, '/mailFolders');
    if (is('mailfolders') && method === 'POST') return this.createFolder(this.root.id, 'mail');
    if (is('mailfolders', '*') && method === 'GET') return this.entity('mailFolders', this.mailFolderJson(this.folderOf(s[1], 'mail')));
    if (is('mailfolders', '*', 'childfolders') && method === 'GET') return this.listMailFolders(this.folderOf(s[1], 'mail').id, `/mailFolders/${encodeURIComponent(s[1])}/childFolders`);
    if (is('mailfolders', '*', 'childfolders') && method === 'POST') return this.createFolder(this.folderOf(s[1], 'mail').id, 'mail');
    if (is('mailfolders', '*', 'messages', 'delta') && method === 'GET') {
      const folder = this.folderOf(s[1], 'mail');
      return this.delta(folder, 'message', `/mailfolders('${folder.id}')/messages/delta`);
    }
    if (is('mailfolders', '*', 'messages') && method === 'GET') {
      const folder = this.folderOf(s[1], 'mail');
      const o = this.serializeOptions({ select: undefined });
      const messages = queryMessages(this.store.listItems(this.address, folder.id), this.req.query).map((m) => this.itemJson(m, o));
      return this.collection('messages', messages, `/mailFolders/${encodeURIComponent(s[1])}/messages`);
    }

    // messages
    if (is('messages') && method === 'GET') {
      // Every message of the mailbox, whatever its folder (Graph `user-list-messages`: /users/{id}/messages).
      const items = this.store.listFolders(this.address).filter((f) => f.kind === 'mail').flatMap((f) => this.store.listItems(this.address, f.id));
      const o = this.serializeOptions({ select: undefined });
      return this.collection('messages', queryMessages(items, this.req.query).map((m) => this.itemJson(m, o)), '/messages');
    }
    if (is('messages', '*') && method === 'GET') return this.entity(this.select ? `messages(${this.select.join(',')})` : 'messages', this.itemJson(this.item(s[1], 'message')));
    if (is('messages', '*') && method === 'PATCH') return this.patchMessage(s[1]);
    if (is('messages', '*') && method === 'DELETE') return this.deleteItem(this.item(s[1], 'message'), 'soft');
    if (is('messages', '*', 'attachments') && method === 'GET') {
      const message = this.item(s[1], 'message');
      const o = this.serializeOptions({ expand: { attachments: { select: this.select } } });
      const json = serializeItem(message, o, message.folderId);
      return this.ok(200, { '@odata.context': this.context(`messages('${s[1]}')/attachments`), value: json.attachments ?? [] });
    }

    // calendars and events
    if (is('calendar') && method === 'GET') return this.entity('calendars', applySelect(this.calendarJson(this.store.wellKnownFolder(this.address, 'calendar')), this.select));
    if (is('calendars') && method === 'GET') return this.collection('calendars', this.foldersOfKind('calendar').map((f) => this.calendarJson(f)), '/calendars');
    if (is('calendars') && method === 'POST') {
      const name = parseBody(z.object({ name: z.string().min(1) }), this.req.body).name;
      const folder = this.store.createFolder(this.address, this.root.id, name, 'calendar');
      return this.entity('calendars', this.calendarJson(folder), 201);
    }
    if (is('calendars', '*') && method === 'GET') return this.entity('calendars', applySelect(this.calendarJson(this.folderOf(s[1], 'calendar')), this.select));
    if ((is('calendarview', 'delta') || is('calendar', 'calendarview', 'delta')) && method === 'GET') {
      return this.delta(this.store.wellKnownFolder(this.address, 'calendar'), 'event', '/calendarView/delta');
    }
    if (is('calendars', '*', 'calendarview', 'delta') && method === 'GET') {
      const folder = this.folderOf(s[1], 'calendar');
      return this.delta(folder, 'event', `/calendars/${encodeURIComponent(folder.id)}/calendarView/delta`);
    }
    if ((is('calendarview') || is('calendar', 'calendarview')) && method === 'GET') return this.calendarView(this.store.wellKnownFolder(this.address, 'calendar'), `/${s.join('/')}`);
    if (is('calendars', '*', 'calendarview') && method === 'GET') return this.calendarView(this.folderOf(s[1], 'calendar'), `/calendars/${encodeURIComponent(s[1])}/calendarView`);
    if ((is('events', '*', 'instances') || is('calendar', 'events', '*', 'instances')) && method === 'GET') return this.instances(s[s.length - 2], `/events/${encodeURIComponent(s[s.length - 2])}/instances`);
    if ((is('events') || is('calendar', 'events')) && method === 'POST') return this.createEvent(this.store.wellKnownFolder(this.address, 'calendar'));
    if (is('calendars', '*', 'events') && method === 'POST') return this.createEvent(this.folderOf(s[1], 'calendar'));
    if (is('events', '*') && method === 'GET') return this.entity('events', this.itemJson(this.readEvent(s[1])));
    if (is('events', '*') && method === 'PATCH') return this.patchEvent(s[1]);
    if (is('events', '*') && method === 'DELETE') return this.deleteEvent(s[1]);

    // contacts
    const contactsRoot = this.store.wellKnownFolder(this.address, 'contacts');
    if (is('contactfolders') && method === 'GET') return this.collection('contactFolders', this.store.childFolders(this.address, contactsRoot.id).map(serializeContactFolder), '/contactFolders');
    if (is('contactfolders') && method === 'POST') return this.createFolder(contactsRoot.id, 'contacts');
    if (is('contactfolders', '*') && method === 'GET') return this.entity('contactFolders', applySelect(serializeContactFolder(this.folderOf(s[1], 'contacts')), this.select));
    if (is('contactfolders', '*', 'childfolders') && method === 'POST') return this.createFolder(this.folderOf(s[1], 'contacts').id, 'contacts');
    if (is('contactfolders', '*', 'contacts', 'delta') && method === 'GET') {
      const folder = this.folderOf(s[1], 'contacts');
      return this.delta(folder, 'contact', `/contactfolders/${encodeURIComponent(folder.id)}/contacts/delta`);
    }
    if (is('contactfolders', '*', 'contacts') && method === 'POST') return this.createContact(this.folderOf(s[1], 'contacts'));
    if (is('contactfolders', '*', 'contacts') && method === 'GET') return this.collection('contacts', this.itemsJson(this.folderOf(s[1], 'contacts')), `/contactFolders/${encodeURIComponent(s[1])}/contacts`);
    if (is('contacts') && method === 'GET') return this.collection('contacts', this.itemsJson(contactsRoot), '/contacts');
    if (is('contacts') && method === 'POST') return this.createContact(contactsRoot);
    if (is('contacts', '*') && method === 'GET') return this.entity('contacts', this.itemJson(this.item(s[1], 'contact')));
    if (is('contacts', '*') && method === 'PATCH') return this.patchContact(s[1]);
    if (is('contacts', '*') && method === 'DELETE') return this.deleteItem(this.item(s[1], 'contact'), 'soft');

    // To Do (lists = task folders of the store)
    if (is('todo', 'lists') && method === 'GET') return this.collection('todo/lists', this.foldersOfKind('tasks').map((f) => this.todoListJson(f)), '/todo/lists');
    if (is('todo', 'lists') && method === 'POST') {
      const name = parseBody(z.object({ displayName: z.string().min(1) }), this.req.body).displayName;
      return this.entity('todo/lists', this.todoListJson(this.store.createFolder(this.address, this.root.id, name, 'tasks')), 201);
    }
    if (is('todo', 'lists', '*') && method === 'GET') return this.entity('todo/lists', this.todoListJson(this.folderOf(s[2], 'tasks')));
    if (is('todo', 'lists', '*', 'tasks', 'delta') && method === 'GET') {
      const folder = this.folderOf(s[2], 'tasks');
      return this.delta(folder, 'task', `/todo/lists/${encodeURIComponent(folder.id)}/tasks/delta`);
    }
    if (is('todo', 'lists', '*', 'tasks') && method === 'GET') return this.collection(`todo/lists('${s[2]}')/tasks`, this.itemsJson(this.folderOf(s[2], 'tasks')), `/todo/lists/${encodeURIComponent(s[2])}/tasks`);
    if (is('todo', 'lists', '*', 'tasks') && method === 'POST') return this.createTask(this.folderOf(s[2], 'tasks'));
    if (is('todo', 'lists', '*', 'tasks', '*')) {
      const list = this.folderOf(s[2], 'tasks');
      const task = this.item(s[4], 'task');
      if (task.folderId !== list.id) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (method === 'GET') return this.entity(`todo/lists('${list.id}')/tasks`, this.itemJson(task));
      if (method === 'PATCH') return this.patchTask(task);
      if (method === 'DELETE') return this.deleteItem(task, 'hard');
    }

    // master categories
    if (is('outlook', 'mastercategories') && method === 'GET') {
      return this.ok(200, { '@odata.context': this.context('outlook/masterCategories'), value: this.store.listCategories(this.address).map(serializeCategory) });
    }
    if (is('outlook', 'mastercategories') && method === 'POST') {
      const input = parseBody(z.object({ displayName: z.string().min(1), color: z.string().regex(/^(preset\d{1,2}|none)$/).default('none') }), this.req.body);
      if (this.store.listCategories(this.address).some((c) => c.displayName.toLowerCase() === input.displayName.toLowerCase())) {
        throw new GraphHttpError(409, 'ErrorDuplicateDisplayName', `A category with the display name '${input.displayName}' already exists.`);
      }
      const created = this.store.addCategory(this.address, { displayName: input.displayName, color: input.color as CategoryColor });
      return this.entity('outlook/masterCategories', serializeCategory(created), 201);
    }
    if (is('outlook', 'mastercategories', '*')) {
      const category = this.store.listCategories(this.address).find((c) => c.id.replace(/[{}]/g, '').toLowerCase() === s[2].replace(/[{}]/g, '').toLowerCase());
      if (!category) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      if (method === 'GET') return this.entity('outlook/masterCategories', serializeCategory(category));
      if (method === 'PATCH') {
        const input = parseBody(z.object({ color: z.string().regex(/^(preset\d{1,2}|none)$/), displayName: z.string().optional() }), this.req.body);
        if (input.displayName !== undefined && input.displayName !== category.displayName) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'The displayName of a category cannot be changed.');
        return this.entity('outlook/masterCategories', serializeCategory(this.store.updateCategoryColor(this.address, category.id, input.color as CategoryColor)));
      }
      if (method === 'DELETE') {
        this.store.deleteCategory(this.address, category.id);
        return { status: 204, headers: {} };
      }
    }
    throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${s[0] ?? ''}' or method ${method} not supported by the emulator.`);
  }

  // --- folders ---------------------------------------------------------------------------------------------------

  private foldersOfKind(kind: StoredFolder['kind']): StoredFolder[] {
    return this.store.listFolders(this.address).filter((f) => f.kind === kind && f.wellKnownName !== 'msgfolderroot');
  }

  private mailFolderJson(folder: StoredFolder): Record<string, unknown> {
    const items = [...this.store.mailbox(this.address).items.values()].filter((i) => i.folderId === folder.id);
    const children = this.store.childFolders(this.address, folder.id).filter((f) => f.kind === 'mail').length;
    return applySelect(serializeMailFolder(folder, { children, total: items.length, unread: items.filter((i) => i.kind === 'message' && !i.isRead).length }), this.select);
  }

  private listMailFolders(parentId: string, linkPath: string): Reply {
    const folders = this.store.childFolders(this.address, parentId).filter((f) => f.kind === 'mail');
    return this.collection('mailFolders', folders.map((f) => this.mailFolderJson(f)), linkPath);
  }

  /**
   * `GET /mailFolders/delta`: the mail folders of the whole hierarchy (child folders at any depth, flat, each with its
   * parentFolderId — not just the top level that `GET /mailFolders` lists), paged by `Prefer: odata.maxpagesize`;
   * deleted folders as `{ id, @removed }`. Like every Graph delta it does not say created or updated. Folders of other
   * kinds (calendars, contact folders, To Do lists) are not mail folders and are left out, deletes included.
   */
  private mailFolderDelta(): Reply {
    const raw = this.req.query.get('$skiptoken') ?? this.req.query.get('$deltatoken');
    const token: DeltaToken = raw ? decodeDeltaToken(raw) : { c: '' };
    const requested = Number(this.prefer.get('odata.maxpagesize') ?? DEFAULT_PAGE);
    const pageSize = Math.min(MAX_PAGE, Math.max(1, Number.isFinite(requested) ? requested : DEFAULT_PAGE));
    const page = this.store.readHierarchyPage(this.address, token.c || undefined, pageSize);
    const value: Record<string, unknown>[] = [];
    for (const change of page.changes) {
      const folder = change.folder ?? change.removed;
      if (folder?.kind !== 'mail') continue;
      if (change.type === 'delete' || !change.folder) value.push({ '@odata.type': '#microsoft.graph.mailFolder', id: change.folderId, '@removed': { reason: 'deleted' } });
      else value.push({ '@odata.type': '#microsoft.graph.mailFolder', ...this.mailFolderJson(change.folder) });
    }
    const link = `${this.req.base}${this.userSegment}/mailFolders/delta?${page.done ? '$deltatoken' : '$skiptoken'}=${encodeDeltaToken({ c: page.cursor })}`;
    const reply = this.ok(200, { '@odata.context': `${this.req.base}/$metadata#Collection(mailFolder)`, [page.done ? '@odata.deltaLink' : '@odata.nextLink']: link, value });
    if (this.prefer.has('odata.maxpagesize')) reply.headers['Preference-Applied'] = [reply.headers['Preference-Applied'], `odata.maxpagesize=${pageSize}`].filter(Boolean).join(', ');
    return reply;
  }

  private createFolder(parentId: string, kind: StoredFolder['kind']): Reply {
    const name = parseBody(z.object({ displayName: z.string().min(1) }), this.req.body).displayName;
    const folder = this.store.createFolder(this.address, parentId, name, kind);
    return kind === 'mail' ? this.entity('mailFolders', this.mailFolderJson(folder), 201) : this.entity('contactFolders', serializeContactFolder(folder), 201);
  }

  private calendarJson(folder: StoredFolder): Record<string, unknown> {
    const record = this.store.mailbox(this.address);
    return serializeCalendar(folder, folder.wellKnownName === 'calendar', { address: record.address, name: record.displayName });
  }

  private todoListJson(folder: StoredFolder): Record<string, unknown> {
    return serializeTodoList(folder, folder.wellKnownName === 'tasks');
  }

  // --- items -----------------------------------------------------------------------------------------------------

  private itemJson(item: StoredItem, o: SerializeOptions = this.serializeOptions()): Record<string, unknown> {
    return serializeItem(item, o, item.folderId);
  }

  private itemsJson(folder: StoredFolder): Record<string, unknown>[] {
    const o = this.serializeOptions({ select: undefined });
    return this.store.listItems(this.address, folder.id).map((i) => this.itemJson(i, o));
  }

  private applyExtended(item: StoredItem, props: ExtendedPropertyValue[]): void {
    for (const p of props) item.extendedProperties[`${p.propertySetId}|${p.name}`] = { ...p };
  }

  private patchMessage(id: string): Reply {
    const current = this.item(id, 'message');
    const b = parseBody(messagePatchSchema, this.req.body);
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const updated = this.store.updateItem(this.address, current.id, (item) => {
      if (item.kind !== 'message') return;
      if (b.subject !== undefined) item.subject = b.subject;
      if (b.body) item.bodyHtml = htmlOf(b.body);
      if (b.isRead !== undefined) item.isRead = b.isRead;
      if (b.categories) item.categories = [...b.categories];
      this.applyExtended(item, props);
    });
    return this.entity('messages', this.itemJson(updated));
  }

  private createEvent(folder: StoredFolder): Reply {
    const b = parseBody(eventBodySchema, this.req.body);
    const fields = eventFields(b);
    if (!fields.start || !fields.end) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'An event needs start and end.');
    const input: EventInput = {
      subject: fields.subject ?? '',
      start: fields.start,
      end: fields.end,
      timeZone: fields.timeZone ?? 'UTC',
      isAllDay: fields.isAllDay ?? false,
      location: fields.location,
      bodyHtml: fields.bodyHtml,
      attendees: fields.attendees ?? [],
      recurrence: fields.recurrence,
      sensitivity: fields.sensitivity ?? 'normal',
      categories: fields.categories ?? [],
    };
    // Graph always sends invitations to the attendees of a new event: exactly what the store's "user" does.
    const created = this.control.user.createEvent(this.address, input, { folder: folder.id, sendInvitations: input.attendees.length > 0 });
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const final = props.length > 0 ? this.store.updateItem(this.address, created.id, (item) => this.applyExtended(item, props)) : created;
    return this.entity('events', this.itemJson(final), 201);
  }

  /**
   * PATCH of an occurrence or exception: what changed becomes (part of) the exception; the series stays. Graph sends
   * the attendees an update when the organizer changes an occurrence of a meeting.
   */
  private patchOccurrence(id: string): Reply {
    const current = this.readEvent(id);
    const occurrence = parseOccurrenceId(current.id);
    if (!occurrence) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const b = parseBody(eventBodySchema, this.req.body);
    if (b.recurrence) throw new GraphHttpError(400, 'ErrorInvalidRequest', 'An occurrence cannot have a recurrence of its own.');
    const fields = eventFields(b);
    const changes: OccurrenceChanges = {};
    for (const key of ['subject', 'start', 'end', 'location', 'bodyHtml', 'isAllDay', 'sensitivity', 'categories'] as const) if (fields[key] !== undefined) Object.assign(changes, { [key]: fields[key] });
    const exception = this.store.modifyOccurrence(this.address, occurrence.masterId, occurrence.originalStart, changes);
    if (exception.isOrganizer && exception.attendees.length > 0 && Object.keys(changes).some((k) => k !== 'categories')) {
      this.store.recordMeetingMessage({ mailbox: this.address, itemId: exception.id, iCalUid: exception.iCalUid, kind: 'update', recipients: exception.attendees.map((a) => a.address) });
    }
    return this.entity('events', this.itemJson(exception));
  }

  private patchEvent(id: string): Reply {
    if (parseOccurrenceId(this.itemIdIn(id))) return this.patchOccurrence(id);
    const current = this.item(id, 'event');
    if (current.kind !== 'event') throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    const b = parseBody(eventBodySchema, this.req.body);
    const fields = eventFields(b);
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const updated = this.store.updateItem(this.address, current.id, (item) => {
      if (item.kind !== 'event') return;
      Object.assign(item, Object.fromEntries(Object.entries(fields).filter(([key, v]) => v !== undefined || key === 'recurrence')));
      if ('recurrence' in fields) item.type = fields.recurrence ? 'seriesMaster' : 'singleInstance';
      this.applyExtended(item, props);
    });
    // The organizer changing a meeting's time, place, text or attendees sends an update to the attendees.
    const significant = ['subject', 'start', 'end', 'location', 'bodyHtml', 'recurrence', 'attendees', 'isAllDay'].some((k) => k in fields);
    if (current.isOrganizer && significant && updated.kind === 'event' && updated.attendees.length > 0) {
      this.store.recordMeetingMessage({ mailbox: this.address, itemId: updated.id, iCalUid: current.iCalUid, kind: 'update', recipients: updated.attendees.map((a) => a.address) });
    }
    return this.entity('events', this.itemJson(updated));
  }

  private deleteEvent(id: string): Reply {
    const occurrence = parseOccurrenceId(this.itemIdIn(id));
    if (occurrence) {
      // Deleting one occurrence; on the organizer's copy of a meeting that cancels it for the attendees.
      const instance = this.readEvent(id);
      if (instance.isOrganizer && instance.attendees.length > 0 && !instance.isCancelled) this.control.user.cancelOccurrence(this.address, occurrence.masterId, occurrence.originalStart);
      else this.store.deleteOccurrence(this.address, occurrence.masterId, occurrence.originalStart);
      return { status: 204, headers: {} };
    }
    const current = this.item(id, 'event');
    if (current.kind === 'event' && current.isOrganizer && current.attendees.length > 0 && !current.isCancelled) {
      // Deleting a meeting on the organizer's calendar sends cancellations.
      this.control.user.cancelMeeting(this.address, current.id);
      return { status: 204, headers: {} };
    }
    return this.deleteItem(current, 'soft');
  }

  private deleteItem(item: StoredItem, mode: 'soft' | 'hard'): Reply {
    this.store.deleteItem(this.address, item.id, mode);
    return { status: 204, headers: {} };
  }

  private createContact(folder: StoredFolder): Reply {
    const b = parseBody(contactBodySchema, this.req.body);
    const displayName = b.displayName ?? ([b.givenName, b.surname].filter(Boolean).join(' ') || (b.emailAddresses?.[0]?.address ?? ''));
    const created = this.store.createItem(this.address, folder.id, {
      kind: 'contact',
      displayName,
      givenName: b.givenName ?? undefined,
      surname: b.surname ?? undefined,
      companyName: b.companyName ?? undefined,
      jobTitle: b.jobTitle ?? undefined,
      emailAddresses: (b.emailAddresses ?? []).map((e) => ({ address: e.address, ...(e.name ? { name: e.name } : {}) })),
      businessPhone: b.businessPhones?.[0],
      mobilePhone: b.mobilePhone ?? undefined,
      businessAddress: b.businessAddress,
      categories: b.categories ?? [],
    });
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const final = props.length > 0 ? this.store.updateItem(this.address, created.id, (item) => this.applyExtended(item, props)) : created;
    return this.entity('contacts', this.itemJson(final), 201);
  }

  private patchContact(id: string): Reply {
    const current = this.item(id, 'contact');
    const b = parseBody(contactBodySchema, this.req.body);
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const updated = this.store.updateItem(this.address, current.id, (item) => {
      if (item.kind !== 'contact') return;
      if (b.givenName !== undefined) item.givenName = b.givenName ?? undefined;
      if (b.surname !== undefined) item.surname = b.surname ?? undefined;
      if (b.displayName !== undefined) item.displayName = b.displayName;
      if (b.companyName !== undefined) item.companyName = b.companyName ?? undefined;
      if (b.jobTitle !== undefined) item.jobTitle = b.jobTitle ?? undefined;
      if (b.emailAddresses) item.emailAddresses = b.emailAddresses.map((e) => ({ address: e.address, ...(e.name ? { name: e.name } : {}) }));
      if (b.businessPhones) item.businessPhone = b.businessPhones[0];
      if (b.mobilePhone !== undefined) item.mobilePhone = b.mobilePhone ?? undefined;
      if (b.businessAddress) item.businessAddress = b.businessAddress;
      if (b.categories) item.categories = [...b.categories];
      this.applyExtended(item, props);
    });
    return this.entity('contacts', this.itemJson(updated));
  }

  private createTask(list: StoredFolder): Reply {
    const b = parseBody(taskBodySchema, this.req.body);
    const created = this.store.createItem(this.address, list.id, {
      kind: 'task',
      subject: b.title ?? '',
      bodyText: b.body?.content || undefined,
      status: b.status ?? 'notStarted',
      importance: b.importance ?? 'normal',
      startDate: b.startDateTime?.dateTime.slice(0, 10),
      dueDate: b.dueDateTime?.dateTime.slice(0, 10),
      completedAt: b.completedDateTime ? localToUtc(b.completedDateTime.dateTime, b.completedDateTime.timeZone) : undefined,
      categories: b.categories ?? [],
    });
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const final = props.length > 0 ? this.store.updateItem(this.address, created.id, (item) => this.applyExtended(item, props)) : created;
    return this.entity(`todo/lists('${list.id}')/tasks`, this.itemJson(final), 201);
  }

  private patchTask(current: StoredItem): Reply {
    const b = parseBody(taskBodySchema, this.req.body);
    const props = extendedPropsOf(b.singleValueExtendedProperties);
    const updated = this.store.updateItem(this.address, current.id, (item) => {
      if (item.kind !== 'task') return;
      if (b.title !== undefined) item.subject = b.title;
      if (b.body) item.bodyText = b.body.content || undefined;
      if (b.status) item.status = b.status;
      if (b.importance) item.importance = b.importance;
      if (b.startDateTime !== undefined) item.startDate = b.startDateTime?.dateTime.slice(0, 10);
      if (b.dueDateTime !== undefined) item.dueDate = b.dueDateTime?.dateTime.slice(0, 10);
      if (b.completedDateTime !== undefined) item.completedAt = b.completedDateTime ? localToUtc(b.completedDateTime.dateTime, b.completedDateTime.timeZone) : undefined;
      if (b.categories) item.categories = [...b.categories];
      this.applyExtended(item, props);
    });
    return this.entity(`todo/lists('${current.folderId}')/tasks`, this.itemJson(updated));
  }

  // --- delta -----------------------------------------------------------------------------------------------------

  /** The series master a change is about (its current or last known state), when it is one. */
  private seriesOf(change: FolderChange): StoredEvent | undefined {
    const record = this.store.mailbox(this.address);
    const known = change.item ?? record.items.get(change.itemId) ?? record.removedItems.get(change.itemId);
    return known?.kind === 'event' && known.recurrence ? known : undefined;
  }

  /**
   * calendarView delta entries for a change of a series master. Graph's calendar view holds instances, not masters:
   * a new or changed series shows as its occurrences and exceptions in the window; occurrences deleted from it, and
   * exceptions moved out of the window, as `@removed`; a deleted series as the removal of all its instances.
   * (One change can thus fill more than a page: the emulator pages by change, not by entry.)
   */
  private seriesDelta(change: FolderChange, master: StoredEvent, folder: StoredFolder, window: { start: string; end: string }, o: SerializeOptions): Record<string, unknown>[] {
    const removedId = (id: string): Record<string, unknown> => ({ id: this.itemIdOut({ ...master, id, folderId: folder.id }), '@removed': { reason: 'deleted' } });
    const gone = change.type === 'delete' || !change.item || master.folderId !== folder.id;
    if (gone) return seriesInstances(master, window).map((i) => removedId(i.id));
    const current = seriesInstances(master, window);
    const shown = new Set(current.map((i) => i.id));
    const entries = current.map((i) => this.itemJson(i, o));
    if (change.type === 'update') {
      const inside = (instant: string): boolean => inWindow({ start: instant, end: instant }, window);
      const candidates = [...(master.deletedOccurrences ?? []), ...(master.exceptions ?? []).map((x) => x.originalStart)].filter(inside);
      for (const at of candidates) {
        const id = occurrenceId(master.id, at);
        if (!shown.has(id)) entries.push(removedId(id));
      }
    }
    return entries;
  }

  private delta(folder: StoredFolder, kind: StoredItemKind, linkPath: string): Reply {
    const skip = this.req.query.get('$skiptoken');
    const deltaToken = this.req.query.get('$deltatoken');
    const raw = skip ?? deltaToken;
    let token: DeltaToken | undefined = raw ? decodeDeltaToken(raw) : undefined;
    if (!token) {
      const sel = this.select;
      if (kind === 'event') {
        // calendarView/delta needs its window on the first request (parameter names are case-insensitive).
        const param = (name: string): string | undefined => [...this.req.query.entries()].find(([k]) => k.toLowerCase() === name)?.[1];
        const start = param('startdatetime');
        const end = param('enddatetime');
        if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
          throw new GraphHttpError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');
        }
        token = { c: '', s: new Date(start).toISOString(), e: new Date(end).toISOString() };
      } else token = { c: '', ...(sel ? { sel } : {}) };
    }
    const requested = Number(this.prefer.get('odata.maxpagesize') ?? DEFAULT_PAGE);
    const pageSize = Math.min(MAX_PAGE, Math.max(1, Number.isFinite(requested) ? requested : DEFAULT_PAGE));
    const o = this.serializeOptions({ select: kind === 'event' ? undefined : token.sel, expand: {} });
    const type = { message: 'message', event: 'event', contact: 'contact', task: 'todoTask' }[kind];
    const typed = (body: Record<string, unknown>): Record<string, unknown> => (kind === 'task' ? body : { '@odata.type': `#microsoft.graph.${type}`, ...body });
    const inWindow = (item: StoredItem): boolean => {
      if (item.kind !== 'event' || !token?.s || !token.e) return true;
      const start = Date.parse(item.start);
      let end = Date.parse(item.end);
      if (item.recurrence) end = item.recurrence.endDate ? Date.parse(`${item.recurrence.endDate}T23:59:59Z`) : Number.POSITIVE_INFINITY;
      return start < Date.parse(token.e) && end > Date.parse(token.s);
    };
    const value: Record<string, unknown>[] = [];
    // Fill the page like Graph does: changes filtered out (events outside the window) do not shorten it.
    let page = this.store.readChangePage(this.address, folder.id, token.c || undefined, pageSize);
    const changes = [...page.changes];
    const reportable = (c: (typeof changes)[number]): boolean => c.type === 'delete' || !c.item || inWindow(c.item) || c.type === 'update';
    while (!page.done && changes.filter(reportable).length < pageSize) {
      page = this.store.readChangePage(this.address, folder.id, page.cursor, pageSize - changes.filter(reportable).length);
      changes.push(...page.changes);
    }
    for (const change of changes) {
      const removed = (): Record<string, unknown> =>
        typed({ id: change.item ? this.itemIdOut(change.item) : this.immutable ? change.itemId : `AAMkR${Buffer.from(`${folder.id}.${change.itemId}`).toString('base64url')}`, '@removed': { reason: 'deleted' } });
      const series = kind === 'event' && token.s && token.e ? this.seriesOf(change) : undefined;
      if (series && token.s && token.e) {
        value.push(...this.seriesDelta(change, series, folder, { start: token.s, end: token.e }, o).map(typed));
        continue;
      }
      if (change.type === 'delete' || !change.item) {
        value.push(removed());
        continue;
      }
      if (!inWindow(change.item)) {
        // An event that moved out of the window is reported as removed; a new one outside it is not reported.
        if (change.type === 'update') value.push(removed());
        continue;
      }
      value.push(typed(this.itemJson(change.item, o)));
    }
    const next: DeltaToken = { c: page.cursor, ...(token.s ? { s: token.s, e: token.e } : {}), ...(token.sel ? { sel: token.sel } : {}) };
    const link = `${this.req.base}${this.userSegment}${linkPath}?${page.done ? '$deltatoken' : '$skiptoken'}=${encodeDeltaToken(next)}`;
    const reply = this.ok(200, {
      '@odata.context': `${this.req.base}/$metadata#Collection(${type})`,
      [page.done ? '@odata.deltaLink' : '@odata.nextLink']: link,
      value,
    });
    if (this.prefer.has('odata.maxpagesize')) reply.headers['Preference-Applied'] = [reply.headers['Preference-Applied'], `odata.maxpagesize=${pageSize}`].filter(Boolean).join(', ');
    return reply;
  }
}
