/**
 * The `Mailbox` over Microsoft Graph (application access or delegated OAuth).
 *
 * Addressing: always `/users/{address}/…` (delegated tokens reach only the consenting user's own mailbox; Graph answers
 * 403 for anyone else's, which checkAccess reports). Every call carries `Prefer: IdType="ImmutableId"`.
 *
 * Folders per kind: mail = mailFolders, calendar = calendars, contacts = contactFolders, tasks = To Do lists (the
 * "folder id" of a tasks folder IS the To Do list id; task ids are `<listId>|<taskId>`, see mapping.ts).
 *
 * Changes (delta):
 * - messages: `/mailFolders/{id}/messages/delta`, contacts: `/contactFolders/{id}/contacts/delta`,
 *   tasks: `/todo/lists/{id}/tasks/delta`;
 * - calendar: Graph v1.0 has no range-free event delta, only `calendarView/delta` over a fixed window
 *   (`/users/{a}/calendarView/delta` for the default calendar, `/calendars/{id}/calendarView/delta` otherwise). The
 *   window is [now − pastDays, now + futureDays] when a round chain starts and is kept by the delta links. Once the
 *   window is older than `maxAgeDays`, getChanges throws CursorRejectedError: the caller's normal recovery (restart
 *   with no cursor) then opens a fresh window. Graph reports events that merely left the window as `@removed`, so
 *   removed event ids are re-read (one `$batch`): still existing → reported as updated, gone → deleted.
 * - The cursor is opaque to callers: base64url JSON holding the next/delta link plus what the backend needs
 *   (kind, folder, calendar window, and the server time the previous round started, to tell created from updated —
 *   Graph delta does not say which; items created since that time are "created").
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  CursorRejectedError,
  MailboxError,
  occurrenceWindow,
  type AccessCheck,
  type CalendarEvent,
  type ChangePage,
  type ContactInput,
  type EventInput,
  type FindMessagesOptions,
  type FindMessagesPage,
  type FolderChangePage,
  type FolderKind,
  type ItemKind,
  type ItemRef,
  type Mailbox,
  type MailContact,
  type MailFolder,
  type MailMessage,
  type MailTask,
  type MasterCategory,
  type CreateItemOptions,
  type TaskInput,
  type WellKnownFolder,
} from '../types';
import { accessCheckFromError, GraphMailboxError } from './errors';
import {
  c4cPropertyPatch,
  changeKeyOf,
  composeTaskId,
  eventTimingOf,
  contactBody,
  eventBody,
  EXPAND_C4C_PROPERTY,
  EXPAND_EVENT_PROPERTIES,
  graphMailFolderDeltaSchema,
  itemRefOf,
  splitTaskId,
  taskBody,
  toCalendarEvent,
  toMailContact,
  toMailFolderFromGraph,
  toMailMessage,
  toMailTask,
  toMasterCategory,
  withC4cStamp,
} from './mapping';
import { GraphTransport, type GraphResult } from './transport';

export interface CalendarWindowOptions {
  pastDays: number;
  futureDays: number;
  /** After this many days a calendar cursor is rejected so the window moves forward. */
  maxAgeDays: number;
}

export interface GraphMailboxSettings {
  /** `Prefer: odata.maxpagesize` for delta pages. */
  pageSize: number;
  calendarWindow: CalendarWindowOptions;
  now: () => Date;
}

interface CursorEnvelope {
  v: 1;
  kind: ItemKind;
  folderId: string;
  link: string;
  /** Server time the previous round started (created-vs-updated split); absent during the first round. */
  base?: string;
  /** Server time this round started. */
  round?: string;
  window?: { start: string; end: string; openedAt: string };
}

/** Cursors are base64url JSON envelopes; anything that does not decode to the expected shape is rejected. */
function encodeCursor(envelope: CursorEnvelope | FolderCursorEnvelope): string {
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

function decodeEnvelope<T>(cursor: string, isValid: (parsed: T) => boolean, what: string): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
    if (isValid(parsed)) return parsed;
  } catch {
    // Not base64url JSON: rejected below like any other foreign cursor.
  }
  throw new CursorRejectedError(`The cursor is not a Graph ${what} cursor of this backend.`);
}

function decodeCursor(cursor: string): CursorEnvelope {
  return decodeEnvelope<CursorEnvelope>(cursor, (c) => c?.v === 1 && typeof c.link === 'string' && typeof c.folderId === 'string', 'delta');
}

/**
 * Cursor of the folder-hierarchy feed. Graph's mailFolders/delta does not say created or updated, and mail folders
 * have no createdDateTime, so the cursor carries short hashes of the folder ids reported so far: a folder not among
 * them is "created". 11 base64url characters (66 bits) per folder keeps a 500-folder mailbox under ~10 KB.
 */
interface FolderCursorEnvelope {
  v: 1;
  scope: 'folders';
  link: string;
  known: string[];
}

function decodeFolderCursor(cursor: string): FolderCursorEnvelope {
  return decodeEnvelope<FolderCursorEnvelope>(cursor, (c) => c?.v === 1 && c.scope === 'folders' && typeof c.link === 'string' && Array.isArray(c.known), 'folder-hierarchy');
}

function folderIdHash(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 11);
}

const DAY = 24 * 3600 * 1000;
const MAIL_WELL_KNOWN: WellKnownFolder[] = ['msgfolderroot', 'inbox', 'sentitems', 'drafts', 'deleteditems'];

const deltaPageSchema = z.object({
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
  value: z.array(
    z.looseObject({
      id: z.string(),
      changeKey: z.string().optional(),
      '@odata.etag': z.string().optional(),
      '@removed': z.object({ reason: z.string().optional() }).optional(),
      createdDateTime: z.string().optional(),
    }),
  ),
});

export interface DeltaPage {
  items: { id: string; changeKey: string; createdDateTime?: string }[];
  /** Ids reported with `@removed`. */
  removed: string[];
  nextLink?: string;
  deltaLink?: string;
}

/** One delta response (messages, events, contacts, To Do tasks): the items, the removals and the link to go on with. */
export function readDeltaPage(body: unknown): DeltaPage {
  const parsed = deltaPageSchema.safeParse(body);
  if (!parsed.success) throw new GraphMailboxError('server-error', `Unexpected Graph delta page: ${parsed.error.issues[0]?.message ?? ''}`, true, 'unknown');
  const page = parsed.data;
  if (!page['@odata.nextLink'] && !page['@odata.deltaLink']) {
    throw new GraphMailboxError('server-error', 'Graph delta page without @odata.nextLink or @odata.deltaLink', true, 'unknown');
  }
  return {
    items: page.value.filter((v) => !v['@removed']).map((v) => ({ id: v.id, changeKey: changeKeyOf(v), createdDateTime: v.createdDateTime })),
    removed: page.value.filter((v) => v['@removed']).map((v) => v.id),
    nextLink: page['@odata.nextLink'],
    deltaLink: page['@odata.nextLink'] ? undefined : page['@odata.deltaLink'],
  };
}

export class GraphMailbox implements Mailbox {
  private readonly u: string;
  private defaultCalendarId?: string;

  constructor(
    readonly address: string,
    private readonly transport: GraphTransport,
    private readonly settings: GraphMailboxSettings,
  ) {
    this.u = `/users/${encodeURIComponent(address)}`;
  }

  // --- access ----------------------------------------------------------------------------------------------------

  async checkAccess(): Promise<AccessCheck> {
    // One read per permission the product needs; the first failure names what is missing.
    const probes: [string, string][] = [
      ['mail', `${this.u}/mailFolders/inbox?$select=id`],
      ['calendar', `${this.u}/calendar?$select=id`],
      ['contacts', `${this.u}/contactFolders?$top=1&$select=id`],
      ['tasks', `${this.u}/todo/lists?$top=1`],
      ['categories', `${this.u}/outlook/masterCategories`],
    ];
    const outcomes = await Promise.all(
      probes.map(async ([, path]) => {
        try {
          await this.transport.call('GET', path, { mailboxLevel: true });
          return undefined;
        } catch (error) {
          return error;
        }
      }),
    );
    const failures = outcomes.map((error, i) => ({ error, area: probes[i][0] })).filter((o) => o.error !== undefined);
    if (failures.length === 0) {
      return { ok: true, problem: 'ok', message: `Microsoft Graph can read and write mail, calendar, contacts, To Do and categories of ${this.address}.` };
    }
    // The most fundamental problem first (credentials, then mailbox, then permissions, then the rest).
    const order = ['invalid-credentials', 'server-unreachable', 'mailbox-not-found', 'impersonation-denied', 'consent-missing', 'throttled', 'unknown'];
    const checks = failures.map((f) => ({ ...accessCheckFromError(f.error), area: f.area }));
    checks.sort((a, b) => order.indexOf(a.problem) - order.indexOf(b.problem));
    const first = checks[0];
    const areas = checks.filter((c) => c.problem === first.problem).map((c) => c.area);
    return { ok: false, problem: first.problem, message: `${first.message} (affected: ${areas.join(', ')})` };
  }

  // --- folders ---------------------------------------------------------------------------------------------------

  private async collect(path: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: GraphResult = await this.transport.call('GET', next);
      const body = page.body as { value?: Record<string, unknown>[]; '@odata.nextLink'?: string };
      items.push(...(body.value ?? []));
      next = body['@odata.nextLink'];
    }
    return items;
  }

  private async mailWellKnownIds(): Promise<Map<string, WellKnownFolder>> {
    const results = await this.transport.batch(MAIL_WELL_KNOWN.map((name) => ({ method: 'GET' as const, url: `${this.u}/mailFolders/${name}?$select=id` })));
    const map = new Map<string, WellKnownFolder>();
    results.forEach((r, i) => {
      if (!(r instanceof Error)) map.set(String((r.body as { id: string }).id), MAIL_WELL_KNOWN[i]);
    });
    return map;
  }

  async listFolders(): Promise<MailFolder[]> {
    const wellKnown = await this.mailWellKnownIds();
    const folders: MailFolder[] = [];
    const rootId = [...wellKnown].find(([, name]) => name === 'msgfolderroot')?.[0];
    if (rootId) folders.push({ id: rootId, displayName: 'Top of Information Store', kind: 'mail', wellKnownName: 'msgfolderroot' });
    const walk = async (path: string): Promise<void> => {
      for (const f of await this.collect(path)) {
        const id = String(f.id);
        folders.push({ id, displayName: String(f.displayName ?? ''), kind: 'mail', parentId: f.parentFolderId ? String(f.parentFolderId) : undefined, ...(wellKnown.has(id) ? { wellKnownName: wellKnown.get(id) } : {}) });
        if (Number(f.childFolderCount ?? 0) > 0) await walk(`${this.u}/mailFolders/${encodeURIComponent(id)}/childFolders?$top=100`);
      }
    };
    await walk(`${this.u}/mailFolders?$top=100`);

    for (const c of await this.collect(`${this.u}/calendars?$top=100&$select=id,name,isDefaultCalendar`)) {
      folders.push({ id: String(c.id), displayName: String(c.name ?? ''), kind: 'calendar', ...(c.isDefaultCalendar ? { wellKnownName: 'calendar' as const } : {}) });
      if (c.isDefaultCalendar) this.defaultCalendarId = String(c.id);
    }
    const contactsRoot = await this.getWellKnownFolder('contacts');
    folders.push(contactsRoot);
    for (const c of await this.collect(`${this.u}/contactFolders?$top=100`)) {
      folders.push({ id: String(c.id), displayName: String(c.displayName ?? ''), kind: 'contacts', parentId: c.parentFolderId ? String(c.parentFolderId) : contactsRoot.id });
    }
    for (const l of await this.collect(`${this.u}/todo/lists?$top=100`)) {
      folders.push({ id: String(l.id), displayName: String(l.displayName ?? ''), kind: 'tasks', ...(l.wellknownListName === 'defaultList' ? { wellKnownName: 'tasks' as const } : {}) });
    }
    return folders;
  }

  async getWellKnownFolder(name: WellKnownFolder): Promise<MailFolder> {
    if (name === 'calendar') {
      const { body } = await this.transport.call('GET', `${this.u}/calendar?$select=id,name`);
      const c = body as { id: string; name?: string };
      this.defaultCalendarId = c.id;
      return { id: c.id, displayName: c.name ?? 'Calendar', kind: 'calendar', wellKnownName: 'calendar' };
    }
    if (name === 'tasks') {
      const lists = await this.collect(`${this.u}/todo/lists?$top=100`);
      const list = lists.find((l) => l.wellknownListName === 'defaultList');
      if (!list) throw new GraphMailboxError('not-found', `${this.address} has no default To Do list`, false, 'unknown');
      return { id: String(list.id), displayName: String(list.displayName ?? 'Tasks'), kind: 'tasks', wellKnownName: 'tasks' };
    }
    if (name === 'contacts') {
      // [U] The default contacts folder has no documented well-known name in v1.0; `contactFolders/contacts` is tried
      // first, then the parent of any child folder or contact (both point at the default folder).
      try {
        const { body } = await this.transport.call('GET', `${this.u}/contactFolders/contacts`);
        const f = body as { id: string; displayName?: string; parentFolderId?: string };
        return { id: f.id, displayName: f.displayName ?? 'Contacts', kind: 'contacts', parentId: f.parentFolderId, wellKnownName: 'contacts' };
      } catch (error) {
        if (!(error instanceof MailboxError) || (error.code !== 'not-found' && error.code !== 'invalid-request')) throw error;
      }
      for (const path of [`${this.u}/contactFolders?$top=1&$select=parentFolderId`, `${this.u}/contacts?$top=1&$select=parentFolderId`]) {
        const { body } = await this.transport.call('GET', path);
        const first = (body as { value?: { parentFolderId?: string }[] }).value?.[0];
        if (first?.parentFolderId) return { id: first.parentFolderId, displayName: 'Contacts', kind: 'contacts', wellKnownName: 'contacts' };
      }
      throw new GraphMailboxError('not-found', `The default contacts folder of ${this.address} could not be determined`, false, 'unknown');
    }
    const { body } = await this.transport.call('GET', `${this.u}/mailFolders/${name}?$select=id,displayName,parentFolderId`);
    const f = body as { id: string; displayName?: string; parentFolderId?: string };
    return { id: f.id, displayName: f.displayName ?? name, kind: 'mail', parentId: name === 'msgfolderroot' ? undefined : f.parentFolderId, wellKnownName: name };
  }

  async ensureFolder(name: string, kind: FolderKind): Promise<MailFolder> {
    const same = (value: unknown): boolean => String(value ?? '').toLowerCase() === name.toLowerCase();
    const find = async (): Promise<MailFolder | undefined> => {
      if (kind === 'mail') {
        const f = (await this.collect(`${this.u}/mailFolders?$top=100`)).find((x) => same(x.displayName));
        return f && { id: String(f.id), displayName: String(f.displayName), kind, parentId: f.parentFolderId ? String(f.parentFolderId) : undefined };
      }
      if (kind === 'contacts') {
        const f = (await this.collect(`${this.u}/contactFolders?$top=100`)).find((x) => same(x.displayName));
        return f && { id: String(f.id), displayName: String(f.displayName), kind, parentId: f.parentFolderId ? String(f.parentFolderId) : undefined };
      }
      if (kind === 'calendar') {
        const f = (await this.collect(`${this.u}/calendars?$top=100&$select=id,name`)).find((x) => same(x.name));
        return f && { id: String(f.id), displayName: String(f.name), kind };
      }
      const f = (await this.collect(`${this.u}/todo/lists?$top=100`)).find((x) => same(x.displayName));
      return f && { id: String(f.id), displayName: String(f.displayName), kind };
    };
    const existing = await find();
    if (existing) return existing;
    const create: Record<FolderKind, [string, Record<string, string>]> = {
      mail: [`${this.u}/mailFolders`, { displayName: name }],
      contacts: [`${this.u}/contactFolders`, { displayName: name }],
      calendar: [`${this.u}/calendars`, { name }],
      tasks: [`${this.u}/todo/lists`, { displayName: name }],
    };
    try {
      const { body } = await this.transport.call('POST', create[kind][0], { body: create[kind][1] });
      const f = body as { id: string; displayName?: string; name?: string; parentFolderId?: string };
      return { id: f.id, displayName: f.displayName ?? f.name ?? name, kind, ...(f.parentFolderId ? { parentId: f.parentFolderId } : {}) };
    } catch (error) {
      // Someone else created it between our look-up and the POST: use theirs.
      if (error instanceof MailboxError && error.code === 'conflict') {
        const raced = await find();
        if (raced) return raced;
      }
      throw error;
    }
  }

  // --- categories ------------------------------------------------------------------------------------------------

  async listMasterCategories(): Promise<MasterCategory[]> {
    return (await this.collect(`${this.u}/outlook/masterCategories`)).map(toMasterCategory);
  }

  async ensureMasterCategories(categories: MasterCategory[]): Promise<void> {
    const existing = new Set((await this.listMasterCategories()).map((c) => c.displayName.toLowerCase()));
    for (const category of categories) {
      if (existing.has(category.displayName.toLowerCase())) continue;
      try {
        await this.transport.call('POST', `${this.u}/outlook/masterCategories`, { body: { displayName: category.displayName, color: category.color } });
      } catch (error) {
        // displayName is unique: a conflict means it exists now, which is all we want.
        if (!(error instanceof MailboxError && (error.code === 'conflict' || error.code === 'invalid-request'))) throw error;
        const now = await this.listMasterCategories();
        if (!now.some((c) => c.displayName.toLowerCase() === category.displayName.toLowerCase())) throw error;
      }
      existing.add(category.displayName.toLowerCase());
    }
  }

  // --- changes ---------------------------------------------------------------------------------------------------

  private async isDefaultCalendar(folderId: string): Promise<boolean> {
    if (!this.defaultCalendarId) await this.getWellKnownFolder('calendar');
    return folderId === this.defaultCalendarId;
  }

  private async initialCursor(folderId: string, kind: ItemKind): Promise<CursorEnvelope> {
    const fid = encodeURIComponent(folderId);
    const root = this.transport.versionRoot;
    if (kind === 'message') return { v: 1, kind, folderId, link: `${root}${this.u}/mailFolders/${fid}/messages/delta?$select=id,changeKey,createdDateTime` };
    if (kind === 'contact') return { v: 1, kind, folderId, link: `${root}${this.u}/contactFolders/${fid}/contacts/delta?$select=id,changeKey,createdDateTime` };
    if (kind === 'task') return { v: 1, kind, folderId, link: `${root}${this.u}/todo/lists/${fid}/tasks/delta` };
    const now = this.settings.now().getTime();
    const { pastDays, futureDays } = this.settings.calendarWindow;
    const window = { start: new Date(now - pastDays * DAY).toISOString(), end: new Date(now + futureDays * DAY).toISOString(), openedAt: new Date(now).toISOString() };
    const scope = (await this.isDefaultCalendar(folderId)) ? this.u : `${this.u}/calendars/${fid}`;
    const link = `${root}${scope}/calendarView/delta?startDateTime=${encodeURIComponent(window.start)}&endDateTime=${encodeURIComponent(window.end)}`;
    return { v: 1, kind, folderId, link, window };
  }

  async getChanges(folderId: string, kind: ItemKind, cursor: string | undefined): Promise<ChangePage> {
    let state: CursorEnvelope;
    if (cursor === undefined) state = await this.initialCursor(folderId, kind);
    else {
      state = decodeCursor(cursor);
      if (state.folderId !== folderId || state.kind !== kind) throw new CursorRejectedError('The cursor belongs to another folder or item kind.');
      if (state.window && this.settings.now().getTime() - Date.parse(state.window.openedAt) > this.settings.calendarWindow.maxAgeDays * DAY) {
        throw new CursorRejectedError('The calendar window of this cursor is too old; restart to open a new window.');
      }
    }
    const page = await this.transport.call('GET', state.link, { headers: { Prefer: `odata.maxpagesize=${this.settings.pageSize}` } });
    const delta = readDeltaPage(page.body);
    const serverNow = new Date(page.headers.get('Date') ?? this.settings.now().toUTCString()).toISOString();
    const round = state.round ?? serverNow;
    const idOf = (id: string): string => (kind === 'task' ? composeTaskId(folderId, id) : id);

    const result: ChangePage = { created: [], updated: [], deleted: [], cursor: '', done: false };
    const removed = delta.removed;
    // Graph delta does not say created or updated; we call "created" what was created since the previous round began
    // (server clock, `Date` header, second precision: the whole boundary second counts as new). An item created in that
    // second before the round began can thus be reported as created twice: callers upsert by id.
    const baseMs = state.base ? Math.floor(Date.parse(state.base) / 1000) * 1000 : undefined;
    for (const item of delta.items) {
      const ref: ItemRef = { id: idOf(item.id), changeKey: item.changeKey };
      const created = baseMs === undefined || (item.createdDateTime !== undefined && Date.parse(item.createdDateTime) >= baseMs);
      (created ? result.created : result.updated).push(ref);
    }
    if (kind === 'event' && removed.length > 0) {
      // calendarView delta also "removes" events that only left the window: check which still exist.
      const checks = await this.transport.batch(removed.map((id) => ({ method: 'GET' as const, url: `${this.u}/events/${encodeURIComponent(id)}?$select=id,changeKey` })));
      checks.forEach((r, i) => {
        if (r instanceof MailboxError && r.code === 'not-found') result.deleted.push(removed[i]);
        else if (r instanceof Error) throw r;
        else result.updated.push(itemRefOf(r.body));
      });
    } else result.deleted.push(...removed.map(idOf));

    if (delta.nextLink) {
      result.cursor = encodeCursor({ ...state, link: delta.nextLink, round });
    } else {
      result.cursor = encodeCursor({ v: 1, kind, folderId, link: delta.deltaLink as string, base: round, ...(state.window ? { window: state.window } : {}) });
      result.done = true;
    }
    return result;
  }

  /**
   * `/mailFolders/delta`: every mail folder of the hierarchy, child folders included, flat with parentFolderId
   * (unlike `GET /mailFolders`, which lists one level). Created vs updated comes from the ids the cursor knows.
   */
  async getFolderChanges(cursor: string | undefined): Promise<FolderChangePage> {
    const state: FolderCursorEnvelope = cursor
      ? decodeFolderCursor(cursor)
      : { v: 1, scope: 'folders', link: `${this.transport.versionRoot}${this.u}/mailFolders/delta?$select=id,displayName,parentFolderId`, known: [] };
    const response = await this.transport.call('GET', state.link, { headers: { Prefer: `odata.maxpagesize=${this.settings.pageSize}` } });
    const parsed = graphMailFolderDeltaSchema.safeParse(response.body);
    if (!parsed.success) throw new GraphMailboxError('server-error', `Unexpected Graph mailFolders delta page: ${parsed.error.issues[0]?.message ?? ''}`, true, 'unknown');
    const body = parsed.data;
    const link = body['@odata.nextLink'] ?? body['@odata.deltaLink'];
    if (!link) throw new GraphMailboxError('server-error', 'Graph delta page without @odata.nextLink or @odata.deltaLink', true, 'unknown');
    const wellKnown = body.value.some((v) => !v['@removed']) ? await this.mailWellKnownIds() : new Map<string, WellKnownFolder>();
    const known = new Set(state.known);
    const page: FolderChangePage = { created: [], updated: [], deleted: [], cursor: '', done: !body['@odata.nextLink'] };
    for (const entry of body.value) {
      const hash = folderIdHash(entry.id);
      if (entry['@removed']) {
        known.delete(hash);
        page.deleted.push(entry.id);
        continue;
      }
      (known.has(hash) ? page.updated : page.created).push(toMailFolderFromGraph(entry, wellKnown.get(entry.id)));
      known.add(hash);
    }
    page.cursor = encodeCursor({ v: 1, scope: 'folders', link, known: [...known] });
    return page;
  }

  // --- reads -----------------------------------------------------------------------------------------------------

  private async readMany<T>(paths: string[], map: (body: unknown, index: number) => T): Promise<T[]> {
    const results = await this.transport.batch(paths.map((url) => ({ method: 'GET' as const, url })));
    const out: T[] = [];
    results.forEach((r, i) => {
      // A missing item is skipped (deleted since it was reported); anything else fails the read.
      if (r instanceof MailboxError && r.code === 'not-found') return;
      if (r instanceof Error) throw r;
      out.push(map(r.body, i));
    });
    return out;
  }

  /**
   * `GET /mailFolders/{id}/messages?$filter=receivedDateTime ge … and categories/any(c:c eq '…')&$top&$skip`, newest
   * first. Graph wants a property of `$orderby` to come first in `$filter`, so receivedDateTime leads when present;
   * string literals double their single quotes (OData).
   */
  async findMessages(folderId: string, options: FindMessagesOptions = {}): Promise<FindMessagesPage> {
    const pageSize = Math.min(Math.max(1, options.pageSize ?? 100), 250);
    const offset = Math.max(0, options.offset ?? 0);
    const clauses: string[] = [];
    if (options.receivedAfter !== undefined) {
      const ms = Date.parse(options.receivedAfter);
      if (Number.isNaN(ms)) throw new GraphMailboxError('invalid-request', `Not an ISO 8601 instant: ${options.receivedAfter}`, false, 'unknown');
      clauses.push(`receivedDateTime ge ${new Date(ms).toISOString().slice(0, 19)}Z`);
    }
    const categories = options.categories ?? [];
    if (categories.length > 0) {
      const any = categories.map((c) => `c eq '${c.replace(/'/g, "''")}'`).join(' or ');
      clauses.push(`categories/any(c:${any})`);
    }
    const query = new URLSearchParams({ $select: 'id,changeKey', $top: String(pageSize), $skip: String(offset) });
    if (clauses.length > 0) query.set('$filter', clauses.join(' and '));
    if (options.receivedAfter !== undefined) query.set('$orderby', 'receivedDateTime desc');
    const { body } = await this.transport.call('GET', `${this.u}/mailFolders/${encodeURIComponent(folderId)}/messages?${query.toString().replace(/\+/g, '%20')}`);
    const page = body as { value?: unknown[]; '@odata.nextLink'?: string };
    const items = (page.value ?? []).map((v) => itemRefOf(v));
    const more = Boolean(page['@odata.nextLink']);
    return { items, more, nextOffset: offset + items.length };
  }

  getMessages(ids: string[], options: { withAttachmentContent?: boolean } = {}): Promise<MailMessage[]> {
    const attachments = options.withAttachmentContent ? 'attachments' : 'attachments($select=id,name,contentType,size,isInline)';
    const expand = encodeURIComponent(`${attachments},${EXPAND_C4C_PROPERTY}`);
    return this.readMany(
      ids.map((id) => `${this.u}/messages/${encodeURIComponent(id)}?$expand=${expand}`),
      (body) => toMailMessage(body),
    );
  }

  getEvents(ids: string[]): Promise<CalendarEvent[]> {
    const expand = encodeURIComponent(EXPAND_EVENT_PROPERTIES);
    return this.readMany(
      ids.map((id) => `${this.u}/events/${encodeURIComponent(id)}?$expand=${expand}`),
      (body) => toCalendarEvent(body),
    );
  }

  /**
   * `GET /events/{id}/instances` with the window, after checking in the same `$batch` that the id is a series master:
   * Graph documents instances for masters only, and the interface promises 'invalid-request' for anything else.
   */
  async getOccurrences(seriesMasterId: string, window: { start: string; end: string }): Promise<CalendarEvent[]> {
    const { start, end } = occurrenceWindow(window);
    const id = encodeURIComponent(seriesMasterId);
    const expand = encodeURIComponent(EXPAND_EVENT_PROPERTIES);
    const [master, first] = await this.transport.batch([
      { method: 'GET', url: `${this.u}/events/${id}?$select=id,type` },
      { method: 'GET', url: `${this.u}/events/${id}/instances?startDateTime=${encodeURIComponent(start)}&endDateTime=${encodeURIComponent(end)}&$top=100&$expand=${expand}` },
    ]);
    if (master instanceof Error) throw master;
    const type = (master.body as { type?: string }).type;
    if (type !== 'seriesMaster') throw new GraphMailboxError('invalid-request', `Event ${seriesMasterId} of ${this.address} is not a series master (type ${type ?? 'unknown'}); only a series has occurrences.`, false, 'unknown');
    if (first instanceof Error) throw first;
    const raw: unknown[] = [];
    let page = first.body as { value?: unknown[]; '@odata.nextLink'?: string };
    for (;;) {
      raw.push(...(page.value ?? []));
      const next = page['@odata.nextLink'];
      if (!next) break;
      page = (await this.transport.call('GET', next)).body as typeof page;
    }
    return raw
      .map((body) => toCalendarEvent(body))
      .filter((e) => e.type === 'occurrence' || e.type === 'exception')
      .map((e) => ({ ...e, seriesMasterId: e.seriesMasterId ?? seriesMasterId }))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  }

  getTasks(ids: string[]): Promise<MailTask[]> {
    const parts = ids.map(splitTaskId);
    const expand = encodeURIComponent(EXPAND_C4C_PROPERTY);
    return this.readMany(
      parts.map((p) => `${this.u}/todo/lists/${encodeURIComponent(p.listId)}/tasks/${encodeURIComponent(p.taskId)}?$expand=${expand}`),
      (body, i) => toMailTask(body, parts[i].listId),
    );
  }

  getContacts(ids: string[]): Promise<MailContact[]> {
    const expand = encodeURIComponent(EXPAND_C4C_PROPERTY);
    return this.readMany(
      ids.map((id) => `${this.u}/contacts/${encodeURIComponent(id)}?$expand=${expand}`),
      (body) => toMailContact(body),
    );
  }

  // --- writes ----------------------------------------------------------------------------------------------------

  private itemPath(id: string, kind: ItemKind): string {
    if (kind === 'task') {
      const { listId, taskId } = splitTaskId(id);
      return `${this.u}/todo/lists/${encodeURIComponent(listId)}/tasks/${encodeURIComponent(taskId)}`;
    }
    const segment = { message: 'messages', event: 'events', contact: 'contacts' }[kind];
    return `${this.u}/${segment}/${encodeURIComponent(id)}`;
  }

  private async patch(id: string, kind: ItemKind, body: Record<string, unknown>): Promise<ItemRef> {
    const { body: updated } = await this.transport.call('PATCH', this.itemPath(id, kind), { body });
    const ref = itemRefOf(updated);
    return kind === 'task' ? { id: composeTaskId(splitTaskId(id).listId, ref.id), changeKey: ref.changeKey } : ref;
  }

  setCategories(id: string, kind: ItemKind, categories: string[]): Promise<ItemRef> {
    return this.patch(id, kind, { categories });
  }

  setC4cObjectId(id: string, kind: ItemKind, objectId: string): Promise<ItemRef> {
    return this.patch(id, kind, c4cPropertyPatch(objectId));
  }

  async createEvent(folderId: string, input: EventInput, options?: CreateItemOptions): Promise<ItemRef> {
    const { body } = await this.transport.call('POST', `${this.u}/calendars/${encodeURIComponent(folderId)}/events`, { body: withC4cStamp(eventBody(input), options) });
    return itemRefOf(body);
  }

  /**
   * Graph sends updates / cancellations to attendees when the organizer's copy of a meeting changes or is deleted,
   * and has no switch to suppress them. So changes that would notify (time, place, text, recurrence, deletion) are
   * refused for meetings this mailbox organizes with attendees; attendee copies and plain appointments are fine.
   */
  /** Refuses a write Graph would announce to attendees; returns the event's timing, read in the same request. */
  private async assertNoAttendeeNotification(id: string, what: string): Promise<Pick<CalendarEvent, 'start' | 'end' | 'timeZone'>> {
    const { body } = await this.transport.call('GET', `${this.u}/events/${encodeURIComponent(id)}?$select=id,isOrganizer,attendees,isCancelled,start,end,originalStartTimeZone`);
    const e = body as { isOrganizer?: boolean; attendees?: unknown[]; isCancelled?: boolean };
    if (e.isOrganizer && (e.attendees?.length ?? 0) > 0 && !e.isCancelled) {
      throw new GraphMailboxError(
        'invalid-request',
        `Not ${what} the meeting ${id} of ${this.address}: Microsoft Graph would notify its ${e.attendees?.length} attendees, and the sync never sends meeting messages.`,
        false,
        'unknown',
      );
    }
    return eventTimingOf(body);
  }

  async updateEvent(id: string, input: Partial<EventInput>): Promise<ItemRef> {
    const notifying = (['subject', 'start', 'end', 'isAllDay', 'location', 'bodyHtml', 'recurrence', 'timeZone'] as const).some((k) => input[k] !== undefined);
    const current = notifying ? await this.assertNoAttendeeNotification(id, 'updating') : undefined;
    const timed = input.start !== undefined || input.end !== undefined || input.recurrence !== undefined;
    const zoneOnly = input.timeZone !== undefined && (input.start === undefined || input.end === undefined);
    let effective = input;
    // Every timed change is "notifying": `current` is the event as it stands, read by the attendee check above.
    if (current !== undefined && ((timed && input.timeZone === undefined) || zoneOnly)) {
      // Graph writes times as local time plus zone: moving an event must name its current zone (or it lands in UTC),
      // and a zone change alone needs the instants so start and end stay the same moments.
      const timeZone = input.timeZone ?? current.timeZone;
      effective = zoneOnly ? { ...input, timeZone, start: input.start ?? current.start, end: input.end ?? current.end } : { ...input, timeZone };
    }
    return this.patch(id, 'event', eventBody(effective));
  }

  async deleteEvent(id: string): Promise<void> {
    try {
      await this.assertNoAttendeeNotification(id, 'deleting');
      await this.transport.call('DELETE', this.itemPath(id, 'event'));
    } catch (error) {
      if (error instanceof MailboxError && error.code === 'not-found') return;
      throw error;
    }
  }

  async createTask(folderId: string, input: TaskInput, options?: CreateItemOptions): Promise<ItemRef> {
    const { body } = await this.transport.call('POST', `${this.u}/todo/lists/${encodeURIComponent(folderId)}/tasks`, { body: withC4cStamp(taskBody(input), options) });
    const ref = itemRefOf(body);
    return { id: composeTaskId(folderId, ref.id), changeKey: ref.changeKey };
  }

  updateTask(id: string, input: Partial<TaskInput>): Promise<ItemRef> {
    return this.patch(id, 'task', taskBody(input));
  }

  async deleteTask(id: string): Promise<void> {
    await this.deleteQuietly(this.itemPath(id, 'task'));
  }

  async createContact(folderId: string, input: ContactInput, options?: CreateItemOptions): Promise<ItemRef> {
    const { body } = await this.transport.call('POST', `${this.u}/contactFolders/${encodeURIComponent(folderId)}/contacts`, { body: withC4cStamp(contactBody(input), options) });
    return itemRefOf(body);
  }

  updateContact(id: string, input: Partial<ContactInput>): Promise<ItemRef> {
    return this.patch(id, 'contact', contactBody(input));
  }

  async deleteContact(id: string): Promise<void> {
    await this.deleteQuietly(this.itemPath(id, 'contact'));
  }

  private async deleteQuietly(path: string): Promise<void> {
    try {
      await this.transport.call('DELETE', path);
    } catch (error) {
      // Already gone is what we wanted.
      if (error instanceof MailboxError && error.code === 'not-found') return;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
