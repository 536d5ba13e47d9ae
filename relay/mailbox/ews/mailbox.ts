/**
 * The EWS implementation of `Mailbox` on ews-javascript-api (impersonation or direct logon).
 *
 * Library pitfalls handled here (each has a test in test/mailbox/ews-*.test.ts):
 * - X-AnchorMailbox is not sent for impersonation by the library: set on `service.HttpHeaders` for every call.
 * - Element values are written to the SOAP body WITHOUT XML escaping (EwsServiceXmlWriter.WriteValue): every string
 *   we hand to the library goes through `xmlText()` first, or `&`, `<` in a subject break the request.
 * - Time zones (issues #186, #209, #243, #435): instants are always sent in UTC (`DateTime` of kind Utc) with an
 *   explicit StartTimeZone/EndTimeZone resolved from the library's own Windows/IANA table; reads convert the
 *   returned UTC instant with `TotalMilliSeconds`, never through the library's local-time helpers.
 * - Non-SOAP HTTP 500 bodies crash the library's fault parser: see transport.ts.
 */
import * as ews from 'ews-javascript-api';
import { XMLParser } from 'fast-xml-parser';
// The pattern classes are typed with no-argument constructors on the `Recurrence` namespace; import them directly.
import { DailyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.DailyPattern';
import { IntervalPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.IntervalPattern';
import { MonthlyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.MonthlyPattern';
import { RelativeMonthlyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.RelativeMonthlyPattern';
import { RelativeYearlyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.RelativeYearlyPattern';
import { WeeklyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.WeeklyPattern';
import { YearlyPattern } from 'ews-javascript-api/js/ComplexProperties/Recurrence/Patterns/Recurrence.YearlyPattern';
// System.DayOfWeek (WeeklyPattern.FirstDayOfWeek) is not re-exported by the package index.
import { DayOfWeek } from 'ews-javascript-api/js/Enumerations/DayOfWeek';
import { randomUUID } from 'node:crypto';
import {
  C4C_OBJECT_ID_PROPERTY,
  CursorRejectedError,
  MailboxError,
  normalizeRecurrence,
  occurrenceWindow,
  type AccessCheck,
  type Attendee,
  type CalendarEvent,
  type ChangePage,
  type FolderChangePage,
  type FindMessagesOptions,
  type FindMessagesPage,
  type ContactInput,
  type CreateItemOptions,
  type EmailAddress,
  type EventInput,
  type FolderKind,
  type ItemKind,
  type ItemRef,
  type Mailbox,
  type MailContact,
  type MailFolder,
  type MailMessage,
  type MailTask,
  type MasterCategory,
  type Recurrence,
  type ResponseStatus,
  type TaskInput,
  type WeekIndex,
  type WellKnownFolder,
} from '../types';
import { accessCheckOf, responseCodeOf, toMailboxError, type ErrorContext } from './errors';
import { accountLimiter } from './limiter';
import { callContext, EwsTransport, type CallRecord } from './transport';

export type EwsAccess =
  | { kind: 'ews-impersonation'; ewsUrl: string; username: string; password: string; maxConcurrency?: number }
  | { kind: 'ews-direct'; ewsUrl: string; username: string; password: string };

export interface EwsMailboxOptions {
  /** Resends after ErrorServerBusy (default 4). */
  maxBusyRetries?: number;
  /** Longest BackOffMilliseconds honoured in-process (default 30 s); longer hints fail as `throttled`. */
  maxBackOffMs?: number;
  /** CA to trust for an https EWS URL with a private CA. */
  caPem?: string;
  /** Items per GetItem call (EWS guidance: about 10). */
  getItemBatchSize?: number;
}

/** GetItem batches of one mailbox in flight at once. */
const PER_MAILBOX_CONCURRENCY = 3;

/** SyncFolderItems maximum page size (EWS schema). */
export const EWS_SYNC_PAGE_SIZE = 512;

/** The library writes element text unescaped; escape everything we hand to it. */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values are written unescaped too (EwsServiceXmlWriter.WriteAttributeString). */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;');
}

/** FindItem page sizes: restricted searches return at most 250 items in Exchange (EWSFindCountLimit rules). */
const FIND_MESSAGES_PAGE = 100;
const FIND_MESSAGES_MAX_PAGE = 250;

const WELL_KNOWN: Record<WellKnownFolder, ews.WellKnownFolderName> = {
  msgfolderroot: ews.WellKnownFolderName.MsgFolderRoot,
  inbox: ews.WellKnownFolderName.Inbox,
  sentitems: ews.WellKnownFolderName.SentItems,
  drafts: ews.WellKnownFolderName.Drafts,
  deleteditems: ews.WellKnownFolderName.DeletedItems,
  calendar: ews.WellKnownFolderName.Calendar,
  contacts: ews.WellKnownFolderName.Contacts,
  tasks: ews.WellKnownFolderName.Tasks,
};

const RESPONSE: Record<number, ResponseStatus> = {
  [ews.MeetingResponseType.Unknown]: 'none',
  [ews.MeetingResponseType.Organizer]: 'organizer',
  [ews.MeetingResponseType.Tentative]: 'tentative',
  [ews.MeetingResponseType.Accept]: 'accepted',
  [ews.MeetingResponseType.Decline]: 'declined',
  [ews.MeetingResponseType.NoResponseReceived]: 'notResponded',
};
const SENSITIVITY = ['normal', 'personal', 'private', 'confidential'] as const;
const TASK_STATUS = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
const IMPORTANCE = ['low', 'normal', 'high'] as const;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** ews.DayOfTheWeekIndex order (First = 0 … Last = 4). */
const WEEK_INDEXES: WeekIndex[] = ['first', 'second', 'third', 'fourth', 'last'];
/** The day sets a relative EWS pattern can name besides one day (ews.DayOfTheWeek Day / Weekday / WeekendDay). */
const DAY_SETS: [ews.DayOfTheWeek, string[]][] = [
  [ews.DayOfTheWeek.Day, [...DAYS]],
  [ews.DayOfTheWeek.Weekday, DAYS.slice(1, 6)],
  [ews.DayOfTheWeek.WeekendDay, [DAYS[6], DAYS[0]]],
];
/** FindItem CalendarView page size (Exchange's default EWSFindCountLimit is 1000). */
const CALENDAR_VIEW_PAGE = 200;

function kindOfFolderClass(folderClass: string | undefined): FolderKind {
  if (folderClass?.startsWith('IPF.Appointment')) return 'calendar';
  if (folderClass?.startsWith('IPF.Contact')) return 'contacts';
  if (folderClass?.startsWith('IPF.Task')) return 'tasks';
  return 'mail';
}
const FOLDER_CLASS: Record<FolderKind, string> = { mail: 'IPF.Note', calendar: 'IPF.Appointment', contacts: 'IPF.Contact', tasks: 'IPF.Task' };

/**
 * An instant for the library. Kind must stay Unspecified: on write the library "scopes" Start/End/DueDate with
 * TimeZoneInfo.ConvertTime(value, StartTimeZone or Local, Utc), which throws "Kind mismatch" (surfacing as
 * "Invalid date and time") for a Utc-kind value, while for an Unspecified value it only re-zones the underlying
 * moment — the instant is kept, so what goes on the wire is exactly this UTC instant whatever the host's zone.
 */
function utcDateTime(iso: string): ews.DateTime {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new MailboxError('invalid-request', `Not an ISO 8601 instant: ${iso}`, false);
  return new ews.DateTime(ms);
}
/**
 * Recurrence start / end dates are written and read by the library as calendar dates in
 * the host's local zone, so they travel as local midnight both ways; UTC midnight would shift them by a day on hosts
 * west of UTC (write) or east of it (read).
 */
function dateOnlyDateTime(date: string): ews.DateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new MailboxError('invalid-request', `Not a date (YYYY-MM-DD): ${date}`, false);
  return new ews.DateTime(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime());
}
function isoOf(value: ews.DateTime | null | undefined): string | undefined {
  if (!value) return undefined;
  return new Date(value.TotalMilliSeconds).toISOString();
}
/** Task start / due dates travel as full dateTime values: UTC midnight of the day. */
function taskDateTime(date: string): ews.DateTime {
  return utcDateTime(`${date}T00:00:00Z`);
}
function taskDateOf(value: ews.DateTime | null | undefined): string | undefined {
  return isoOf(value)?.slice(0, 10);
}
function dateOnlyOf(value: ews.DateTime | null | undefined): string | undefined {
  if (!value) return undefined;
  const local = new Date(value.TotalMilliSeconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
}

/** Windows zone of an IANA or Windows id, via the library's own mapping table (what it will send). */
function timeZoneInfo(zone: string): ews.TimeZoneInfo {
  try {
    return ews.TimeZoneInfo.FindSystemTimeZoneById(zone);
  } catch {
    throw new MailboxError('invalid-request', `Unknown time zone ${zone}; use an IANA (Europe/Berlin) or Windows (W. Europe Standard Time) id.`, false);
  }
}

function addressOf(e: ews.EmailAddress | null | undefined): EmailAddress | undefined {
  if (!e?.Address) return undefined;
  return e.Name && e.Name !== e.Address ? { address: e.Address, name: e.Name } : { address: e.Address };
}

/** Out-parameter holder for the library's TryGetValue (starts empty). */
function emptyOut<T>(): ews.IOutParam<T> {
  return { outValue: null as unknown as T };
}

function chunk<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const categoryXmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (name) => name === 'category' });

/**
 * LastModifiedTime when the server returned it. Published GetItem answers (and servers whose property set omits it)
 * leave it out, and ews-javascript-api's getter then throws "requested, but it wasn't returned" instead of answering
 * undefined; the value only feeds the "latest change wins" rule, so its absence is not an error.
 */
function lastModifiedOf(item: ews.Item): string | undefined {
  try {
    return isoOf(item.LastModifiedTime);
  } catch {
    return undefined;
  }
}

export class EwsMailbox implements Mailbox {
  private readonly service: ews.ExchangeService;
  private readonly transport: EwsTransport;
  private readonly errorContext: ErrorContext;
  private readonly c4cProperty = new ews.ExtendedPropertyDefinition(new ews.Guid(C4C_OBJECT_ID_PROPERTY.propertySetId), C4C_OBJECT_ID_PROPERTY.name, ews.MapiPropertyType.String);
  private readonly wellKnownCache = new Map<WellKnownFolder, MailFolder>();

  constructor(
    readonly address: string,
    private readonly access: EwsAccess,
    private readonly options: EwsMailboxOptions = {},
  ) {
    this.service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    this.service.Url = new ews.Uri(access.ewsUrl);
    this.service.Credentials = new ews.WebCredentials(access.username, access.password);
    if (access.kind === 'ews-impersonation') {
      this.service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, address);
    }
    // Routes every call to the mailbox's server (mandatory with impersonation, harmless otherwise).
    this.service.HttpHeaders.Add('X-AnchorMailbox', address);
    const maxConcurrency = access.kind === 'ews-impersonation' ? access.maxConcurrency : undefined;
    this.transport = new EwsTransport({
      limiter: accountLimiter(access.ewsUrl, access.username, maxConcurrency),
      maxBusyRetries: options.maxBusyRetries,
      maxBackOffMs: options.maxBackOffMs,
      caPem: options.caPem,
    });
    this.service.XHRApi = this.transport;
    this.errorContext = { mailbox: address, ewsUrl: access.ewsUrl, username: access.username, impersonation: access.kind === 'ews-impersonation' };
  }

  /** Runs one logical operation with its own call record; classifies failures. */
  private async call<T>(fn: () => Promise<T>, options: { sync?: boolean } = {}): Promise<T> {
    const record: CallRecord = { throttled: 0, requests: 0 };
    try {
      return await callContext.run(record, fn);
    } catch (error) {
      throw toMailboxError(error, record, this.errorContext, options.sync);
    }
  }

  async checkAccess(): Promise<AccessCheck> {
    try {
      await this.call(() => ews.Folder.Bind(this.service, ews.WellKnownFolderName.MsgFolderRoot, ews.PropertySet.IdOnly));
      const how = this.access.kind === 'ews-impersonation' ? `impersonating it as ${this.access.username}` : 'with the user’s own credentials';
      return { ok: true, problem: 'ok', message: `The relay can open the mailbox ${this.address} over EWS, ${how}.` };
    } catch (error) {
      return accessCheckOf(error instanceof Error ? error : new Error(String(error)), this.errorContext);
    }
  }

  // ---- folders ----

  private folderPropertySet(): ews.PropertySet {
    return new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.FolderSchema.DisplayName, ews.FolderSchema.FolderClass, ews.FolderSchema.ParentFolderId]);
  }

  private toMailFolder(folder: ews.Folder, wellKnownName?: WellKnownFolder): MailFolder {
    const result: MailFolder = { id: folder.Id.UniqueId, displayName: folder.DisplayName, kind: kindOfFolderClass(folder.FolderClass) };
    if (folder.ParentFolderId) result.parentId = folder.ParentFolderId.UniqueId;
    if (wellKnownName) result.wellKnownName = wellKnownName;
    if (wellKnownName === 'msgfolderroot') delete result.parentId;
    return result;
  }

  async getWellKnownFolder(name: WellKnownFolder): Promise<MailFolder> {
    const cached = this.wellKnownCache.get(name);
    if (cached) return { ...cached };
    const folder = await this.call(() => ews.Folder.Bind(this.service, WELL_KNOWN[name], this.folderPropertySet()));
    const result = this.toMailFolder(folder, name);
    this.wellKnownCache.set(name, result);
    return { ...result };
  }

  /** The mailbox root and which folder id is which well-known folder (cached after the first call). */
  private async wellKnownFolders(): Promise<{ root: MailFolder; byId: Map<string, WellKnownFolder | undefined> }> {
    const wellKnown = await Promise.all((Object.keys(WELL_KNOWN) as WellKnownFolder[]).map((name) => this.getWellKnownFolder(name)));
    const root = wellKnown.find((f) => f.wellKnownName === 'msgfolderroot')!;
    return { root, byId: new Map(wellKnown.map((f) => [f.id, f.wellKnownName])) };
  }

  async listFolders(): Promise<MailFolder[]> {
    const { root, byId } = await this.wellKnownFolders();
    const folders: MailFolder[] = [root];
    let offset = 0;
    for (;;) {
      const view = new ews.FolderView(500, offset);
      view.Traversal = ews.FolderTraversal.Deep;
      view.PropertySet = this.folderPropertySet();
      const page = await this.call(() => this.service.FindFolders(new ews.FolderId(root.id), view));
      for (const folder of page.Folders) folders.push(this.toMailFolder(folder, byId.get(folder.Id.UniqueId)));
      if (!page.MoreAvailable || page.Folders.length === 0) break;
      offset = page.NextPageOffset ?? offset + page.Folders.length;
    }
    return folders;
  }

  async ensureFolder(name: string, kind: FolderKind): Promise<MailFolder> {
    const parent = await this.getWellKnownFolder(kind === 'contacts' ? 'contacts' : 'msgfolderroot');
    const findExisting = async (): Promise<MailFolder | undefined> => {
      const view = new ews.FolderView(1000);
      view.PropertySet = this.folderPropertySet();
      const page = await this.call(() => this.service.FindFolders(new ews.FolderId(parent.id), view));
      const match = page.Folders.find((f) => f.DisplayName.toLowerCase() === name.toLowerCase());
      if (!match) return undefined;
      const folder = this.toMailFolder(match);
      if (folder.kind !== kind) throw new MailboxError('conflict', `A folder named "${name}" already exists in ${this.address} but holds ${folder.kind} items, not ${kind}.`, false);
      return folder;
    };
    const existing = await findExisting();
    if (existing) return existing;
    const folder = kind === 'contacts' ? new ews.ContactsFolder(this.service) : kind === 'calendar' ? new ews.CalendarFolder(this.service) : kind === 'tasks' ? new ews.TasksFolder(this.service) : new ews.Folder(this.service);
    folder.DisplayName = xmlText(name);
    if (kind === 'mail') folder.FolderClass = FOLDER_CLASS[kind];
    try {
      await this.call(() => folder.Save(new ews.FolderId(parent.id)));
    } catch (error) {
      // Created concurrently by another run: use that one.
      if (error instanceof MailboxError && error.code === 'conflict') {
        const raced = await findExisting();
        if (raced) return raced;
      }
      throw error;
    }
    return { id: folder.Id.UniqueId, displayName: name, kind, parentId: parent.id };
  }

  // ---- master categories (user configuration "CategoryList" in the calendar folder) ----

  private async loadCategoryList(): Promise<{ config?: ews.UserConfiguration; xml?: string }> {
    try {
      const config = await this.call(() => ews.UserConfiguration.Bind(this.service, 'CategoryList', ews.WellKnownFolderName.Calendar, ews.UserConfigurationProperties.XmlData));
      const xml = config.XmlData ? Buffer.from(config.XmlData, 'base64').toString('utf8') : undefined;
      return { config, xml };
    } catch (error) {
      if (error instanceof MailboxError && error.code === 'not-found') return {};
      throw error;
    }
  }

  private parseCategories(xml: string | undefined): MasterCategory[] {
    if (!xml) return [];
    const doc = categoryXmlParser.parse(xml.replace(/^\uFEFF/, '')) as { categories?: { category?: { name?: string; color?: string }[] } };
    return (doc.categories?.category ?? [])
      .filter((c) => typeof c.name === 'string')
      .map((c) => {
        const index = Number(c.color ?? -1);
        return { displayName: String(c.name), color: index >= 0 && index <= 24 ? (`preset${index}` as const) : ('none' as const) };
      });
  }

  async listMasterCategories(): Promise<MasterCategory[]> {
    return this.parseCategories((await this.loadCategoryList()).xml);
  }

  async ensureMasterCategories(categories: MasterCategory[]): Promise<void> {
    const { config, xml } = await this.loadCategoryList();
    const existing = new Set(this.parseCategories(xml).map((c) => c.displayName.toLowerCase()));
    const missing = categories.filter((c, i) => !existing.has(c.displayName.toLowerCase()) && categories.findIndex((o) => o.displayName.toLowerCase() === c.displayName.toLowerCase()) === i);
    if (missing.length === 0) return;
    const never = '1601-01-01T00:00:00.000';
    const added = missing
      .map((c) => {
        const color = c.color === 'none' ? -1 : Number(c.color.slice('preset'.length));
        return `<category name="${xmlText(c.displayName).replace(/"/g, '&quot;')}" color="${color}" keyboardShortcut="0" usageCount="0" lastTimeUsedNotes="${never}" lastTimeUsedJournal="${never}" lastTimeUsedContacts="${never}" lastTimeUsedTasks="${never}" lastTimeUsedCalendar="${never}" lastTimeUsedMail="${never}" lastTimeUsed="${never}" lastSessionUsed="0" guid="{${randomUUID()}}" renameOnFirstUse="0"/>`;
      })
      .join('');
    // Append to the user's document as-is: their categories, colours and attributes stay untouched.
    const document =
      xml && /<\/categories>\s*$/.test(xml)
        ? xml.replace(/<\/categories>\s*$/, `${added}</categories>`)
        : xml && /<categories\b[^>]*\/>\s*$/.test(xml)
          ? xml.replace(/\/>\s*$/, `>${added}</categories>`)
          : `<?xml version="1.0"?><categories default="" lastSavedSession="0" lastSavedTime="${new Date().toISOString()}" xmlns="CategoryList.xsd">${added}</categories>`;
    const base64 = Buffer.from(document, 'utf8').toString('base64');
    if (config) {
      config.XmlData = base64;
      await this.call(() => config.Update());
    } else {
      const created = new ews.UserConfiguration(this.service);
      created.XmlData = base64;
      await this.call(() => created.Save('CategoryList', ews.WellKnownFolderName.Calendar));
    }
  }

  // ---- changes ----

  async getChanges(folderId: string, kind: ItemKind, cursor: string | undefined): Promise<ChangePage> {
    const changes = await this.call(
      () => this.service.SyncFolderItems(new ews.FolderId(folderId), ews.PropertySet.IdOnly, null as unknown as ews.ItemId[], EWS_SYNC_PAGE_SIZE, ews.SyncFolderItemsScope.NormalItems, cursor ?? (null as unknown as string)),
      { sync: true },
    );
    const page: ChangePage = { created: [], updated: [], deleted: [], cursor: changes.SyncState, done: !changes.MoreChangesAvailable };
    for (const change of changes.GetEnumerator()) {
      if (change.ChangeType === ews.ChangeType.Delete) {
        page.deleted.push(change.ItemId.UniqueId);
        continue;
      }
      if (change.ChangeType === ews.ChangeType.ReadFlagChange) continue;
      if (!this.matchesKind(change.Item, kind)) continue;
      const ref = { id: change.ItemId.UniqueId, changeKey: change.ItemId.ChangeKey };
      (change.ChangeType === ews.ChangeType.Create ? page.created : page.updated).push(ref);
    }
    return page;
  }

  /**
   * SyncFolderHierarchy under msgfolderroot. Exchange has no MaxChangesReturned here and answers the whole range in
   * one response, but IncludesLastFolderInRange is still honoured (done = !MoreChangesAvailable) so callers loop the
   * same way as on Graph. Only mail folders (FolderClass IPF.Note…, or none) are reported, to match Graph's
   * mailFolders/delta; deletes carry no class and are passed through.
   */
  async getFolderChanges(cursor: string | undefined): Promise<FolderChangePage> {
    const { root, byId } = await this.wellKnownFolders();
    const changes = await this.call(
      // The library takes null for "no SyncState yet" (initial sync) but types the parameter as string.
      () => this.service.SyncFolderHierarchy(new ews.FolderId(root.id), this.folderPropertySet(), cursor ?? (null as unknown as string)),
      { sync: true },
    );
    const page: FolderChangePage = { created: [], updated: [], deleted: [], cursor: changes.SyncState, done: !changes.MoreChangesAvailable };
    for (const change of changes.GetEnumerator()) {
      if (change.ChangeType === ews.ChangeType.Delete) {
        page.deleted.push(change.FolderId.UniqueId);
        continue;
      }
      const folderClass = change.Folder.FolderClass;
      if (folderClass && !folderClass.startsWith('IPF.Note')) continue;
      const folder = this.toMailFolder(change.Folder, byId.get(change.Folder.Id.UniqueId));
      (change.ChangeType === ews.ChangeType.Create ? page.created : page.updated).push(folder);
    }
    return page;
  }

  /**
   * FindItem with an IndexedPageItemView (newest first) and a restriction on Categories (any value equal, case
   * insensitive as Exchange compares) and DateTimeReceived. The library writes restriction constants into an attribute
   * without escaping, so every value goes through `xmlAttribute()`; the instant travels as a UTC string, never through
   * the library's local-time conversion. Exchange answers at most 250 items per restricted search: pages stay below.
   */
  async findMessages(folderId: string, options: FindMessagesOptions = {}): Promise<FindMessagesPage> {
    const pageSize = Math.min(Math.max(1, options.pageSize ?? FIND_MESSAGES_PAGE), FIND_MESSAGES_MAX_PAGE);
    const offset = Math.max(0, options.offset ?? 0);
    const filters: ews.SearchFilter[] = [];
    const categories = options.categories ?? [];
    if (categories.length > 0) {
      const byCategory = categories.map((c) => new ews.SearchFilter.IsEqualTo(ews.ItemSchema.Categories, xmlAttribute(c)));
      filters.push(byCategory.length === 1 ? byCategory[0] : new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.Or, byCategory));
    }
    if (options.receivedAfter !== undefined) {
      const ms = Date.parse(options.receivedAfter);
      if (Number.isNaN(ms)) throw new MailboxError('invalid-request', `Not an ISO 8601 instant: ${options.receivedAfter}`, false);
      // A string constant is written as-is: the exact UTC instant, whatever the host's zone.
      filters.push(new ews.SearchFilter.IsGreaterThanOrEqualTo(ews.ItemSchema.DateTimeReceived, `${new Date(ms).toISOString().slice(0, 19)}Z`));
    }
    const view = new ews.ItemView(pageSize, offset, ews.OffsetBasePoint.Beginning);
    view.PropertySet = ews.PropertySet.IdOnly;
    view.OrderBy.Add(ews.ItemSchema.DateTimeReceived, ews.SortDirection.Descending);
    const filter = filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : new ews.SearchFilter.SearchFilterCollection(ews.LogicalOperator.And, filters);
    const result = await this.call(() =>
      filter ? this.service.FindItems(new ews.FolderId(folderId), filter, view) : this.service.FindItems(new ews.FolderId(folderId), view),
    );
    const items = result.Items.filter((i) => this.matchesKind(i, 'message')).map((i) => ({ id: i.Id.UniqueId, changeKey: i.Id.ChangeKey }));
    const more = Boolean(result.MoreAvailable);
    return { items, more, nextOffset: more ? (result.NextPageOffset ?? offset + result.Items.length) : offset + result.Items.length };
  }

  /** A calendar folder also holds meeting messages etc.; only report items of the requested kind. */
  private matchesKind(item: ews.Item | null, kind: ItemKind): boolean {
    if (!item) return true;
    switch (kind) {
      case 'event':
        return item instanceof ews.Appointment;
      case 'task':
        return item instanceof ews.Task;
      case 'contact':
        return item instanceof ews.Contact;
      case 'message':
        return !(item instanceof ews.Appointment || item instanceof ews.Task || item instanceof ews.Contact);
    }
  }

  // ---- reads ----

  /**
   * GetItem in batches of ~10, at most 3 batches of one mailbox in flight (per-mailbox concurrency 2–3 is the
   * guidance; the account-wide cap is the limiter). Items that no longer exist are left out; order follows `ids`.
   */
  private async bindItems(ids: string[], propertySet: ews.PropertySet, toItemId: (id: string) => ews.ItemId = (id) => new ews.ItemId(id)): Promise<ews.Item[]> {
    const batches = chunk(ids, this.options.getItemBatchSize ?? 10);
    const results: ews.Item[][] = new Array(batches.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const index = next++;
        const responses = await this.call(() => this.service.BindToItems(batches[index].map(toItemId), propertySet));
        const items: ews.Item[] = [];
        for (const response of responses.Responses) {
          if (response.Result === ews.ServiceResult.Success && response.Item) items.push(response.Item);
          else if (ews.ServiceError[response.ErrorCode] !== 'ErrorItemNotFound') throw toMailboxError(response, undefined, this.errorContext);
        }
        results[index] = items;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PER_MAILBOX_CONCURRENCY, batches.length) }, worker));
    return results.flat();
  }

  private c4cObjectIdOf(item: ews.Item): string | undefined {
    for (const prop of item.ExtendedProperties?.GetEnumerator() ?? []) {
      const def = prop.PropertyDefinition;
      if (def.Name === C4C_OBJECT_ID_PROPERTY.name && def.PropertySetId?.ToString().toLowerCase() === C4C_OBJECT_ID_PROPERTY.propertySetId) return String(prop.Value);
    }
    return undefined;
  }

  private categoriesOf(item: ews.Item): string[] {
    return item.Categories ? item.Categories.GetEnumerator().map(String) : [];
  }

  async getMessages(ids: string[], options: { withAttachmentContent?: boolean } = {}): Promise<MailMessage[]> {
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
      ews.ItemSchema.ParentFolderId,
      ews.ItemSchema.Subject,
      ews.ItemSchema.Body,
      ews.ItemSchema.Attachments,
      ews.ItemSchema.DateTimeSent,
      ews.ItemSchema.DateTimeReceived,
      ews.ItemSchema.IsDraft,
      ews.ItemSchema.Categories,
      ews.ItemSchema.ConversationId,
      ews.EmailMessageSchema.InternetMessageId,
      ews.EmailMessageSchema.From,
      ews.EmailMessageSchema.ToRecipients,
      ews.EmailMessageSchema.CcRecipients,
      this.c4cProperty,
    ]);
    props.RequestedBodyType = ews.BodyType.HTML;
    const items = await this.bindItems(ids, props);
    const messages: MailMessage[] = [];
    for (const item of items) {
      const m = item as ews.EmailMessage;
      const attachments: MailMessage['attachments'] = [];
      for (const a of m.Attachments?.GetEnumerator() ?? []) {
        if (!(a instanceof ews.FileAttachment)) continue;
        if (options.withAttachmentContent) await this.call(() => a.Load());
        attachments.push({ id: a.Id, name: a.Name, contentType: a.ContentType, size: a.Size, isInline: a.IsInline, ...(options.withAttachmentContent ? { contentBase64: a.Base64Content } : {}) });
      }
      messages.push({
        id: m.Id.UniqueId,
        changeKey: m.Id.ChangeKey,
        folderId: m.ParentFolderId?.UniqueId ?? '',
        internetMessageId: m.InternetMessageId ?? '',
        conversationId: m.ConversationId?.UniqueId,
        subject: m.Subject ?? '',
        from: addressOf(m.From),
        to: (m.ToRecipients?.GetEnumerator() ?? []).map((a) => addressOf(a)).filter((a): a is EmailAddress => Boolean(a)),
        cc: (m.CcRecipients?.GetEnumerator() ?? []).map((a) => addressOf(a)).filter((a): a is EmailAddress => Boolean(a)),
        sentAt: isoOf(m.DateTimeSent),
        receivedAt: isoOf(m.DateTimeReceived),
        isDraft: Boolean(m.IsDraft),
        categories: this.categoriesOf(m),
        bodyHtml: m.Body?.Text ?? '',
        attachments,
        c4cObjectId: this.c4cObjectIdOf(m),
      });
    }
    return messages;
  }

  async getEvents(ids: string[]): Promise<CalendarEvent[]> {
    return this.readEvents(ids);
  }

  /**
   * GetItem of events. EWS occurrences and exceptions do not name their master, so for those the master ids are read
   * in a second GetItem of RecurringMasterItemId (IdOnly) — unless the caller already knows it (getOccurrences).
   */
  private async readEvents(ids: string[], knownMasterId?: string): Promise<CalendarEvent[]> {
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
      ews.ItemSchema.Subject,
      ews.ItemSchema.Body,
      ews.ItemSchema.Categories,
      ews.ItemSchema.Sensitivity,
      ews.AppointmentSchema.ICalUid,
      ews.AppointmentSchema.Start,
      ews.AppointmentSchema.End,
      ews.AppointmentSchema.StartTimeZone,
      ews.AppointmentSchema.IsAllDayEvent,
      ews.AppointmentSchema.Location,
      ews.AppointmentSchema.Organizer,
      ews.AppointmentSchema.RequiredAttendees,
      ews.AppointmentSchema.OptionalAttendees,
      ews.AppointmentSchema.Resources,
      ews.AppointmentSchema.MyResponseType,
      ews.AppointmentSchema.IsCancelled,
      ews.AppointmentSchema.AppointmentType,
      ews.AppointmentSchema.Recurrence,
      ews.AppointmentSchema.OriginalStart,
      ews.ItemSchema.LastModifiedTime,
      this.c4cProperty,
    ]);
    props.RequestedBodyType = ews.BodyType.HTML;
    const items = await this.bindItems(ids, props);
    const events = items.map((item) => {
      const a = item as ews.Appointment;
      const attendees = (list: ews.AttendeeCollection | null, type: Attendee['type']): Attendee[] =>
        (list?.GetEnumerator() ?? []).map((x) => ({ ...(addressOf(x) ?? { address: '' }), type, response: RESPONSE[x.ResponseType ?? 0] ?? 'none' }));
      const type = ({ [ews.AppointmentType.Single]: 'singleInstance', [ews.AppointmentType.Occurrence]: 'occurrence', [ews.AppointmentType.Exception]: 'exception', [ews.AppointmentType.RecurringMaster]: 'seriesMaster' } as const)[a.AppointmentType] ?? 'singleInstance';
      const event: CalendarEvent = {
        id: a.Id.UniqueId,
        changeKey: a.Id.ChangeKey,
        iCalUid: a.ICalUid ?? '',
        subject: a.Subject ?? '',
        start: isoOf(a.Start) ?? '',
        end: isoOf(a.End) ?? '',
        timeZone: a.StartTimeZone?.Id ?? 'UTC',
        isAllDay: Boolean(a.IsAllDayEvent),
        location: a.Location ?? undefined,
        bodyHtml: a.Body?.Text ?? undefined,
        organizer: addressOf(a.Organizer),
        attendees: [...attendees(a.RequiredAttendees, 'required'), ...attendees(a.OptionalAttendees, 'optional'), ...attendees(a.Resources, 'resource')],
        isOrganizer: a.MyResponseType === ews.MeetingResponseType.Organizer,
        isCancelled: Boolean(a.IsCancelled),
        type,
        ...(type === 'occurrence' || type === 'exception' ? { originalStart: isoOf(a.OriginalStart) ?? isoOf(a.Start) } : {}),
        recurrence: a.Recurrence ? this.readRecurrence(a.Recurrence) : undefined,
        sensitivity: SENSITIVITY[a.Sensitivity] ?? 'normal',
        categories: this.categoriesOf(a),
        c4cObjectId: this.c4cObjectIdOf(a),
        lastModifiedAt: lastModifiedOf(a),
      };
      for (const key of ['location', 'bodyHtml', 'organizer', 'recurrence', 'originalStart', 'c4cObjectId', 'lastModifiedAt'] as const) if (event[key] === undefined) delete event[key];
      return event;
    });
    const instances = events.filter((e) => e.type === 'occurrence' || e.type === 'exception');
    if (instances.length === 0) return events;
    const masterOf = new Map<string, string>();
    if (knownMasterId !== undefined) for (const e of instances) masterOf.set(e.id, knownMasterId);
    else {
      const masters = await this.bindItems(
        instances.map((e) => e.id),
        ews.PropertySet.IdOnly,
        (id) => new ews.RecurringAppointmentMasterId(id),
      );
      // Responses come in request order; one whose master is gone was left out, so match by position only when whole.
      if (masters.length === instances.length) instances.forEach((e, i) => masterOf.set(e.id, masters[i].Id.UniqueId));
      else {
        for (const e of instances) {
          const [master] = await this.bindItems([e.id], ews.PropertySet.IdOnly, (id) => new ews.RecurringAppointmentMasterId(id));
          if (master) masterOf.set(e.id, master.Id.UniqueId);
        }
      }
    }
    return events.map((e) => (masterOf.has(e.id) ? { ...e, seriesMasterId: masterOf.get(e.id) } : e));
  }

  /**
   * FindItem with a CalendarView over the master's folder (EWS has no "instances of this series" call), keeping the
   * occurrences and exceptions with the master's UID, then GetItem for their full properties. CalendarView pages end
   * with IncludesLastItemInRange="false"; the next page starts at the last item's start (dedupe by id).
   */
  async getOccurrences(seriesMasterId: string, window: { start: string; end: string }): Promise<CalendarEvent[]> {
    const { start, end } = occurrenceWindow(window);
    const masterProps = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.ItemSchema.ParentFolderId, ews.AppointmentSchema.AppointmentType, ews.AppointmentSchema.ICalUid]);
    const [master] = await this.bindItems([seriesMasterId], masterProps);
    if (!master) throw new MailboxError('not-found', `Event ${seriesMasterId} was not found in ${this.address}.`, false);
    if (!(master instanceof ews.Appointment) || master.AppointmentType !== ews.AppointmentType.RecurringMaster) {
      throw new MailboxError('invalid-request', `Item ${seriesMasterId} of ${this.address} is not a series master; only a series has occurrences.`, false);
    }
    const folderId = new ews.FolderId(master.ParentFolderId.UniqueId);
    const uid = master.ICalUid;
    const found: string[] = [];
    const seen = new Set<string>();
    let from = Date.parse(start);
    for (let guard = 0; guard < 1000; guard++) {
      const view = new ews.CalendarView(utcDateTime(new Date(from).toISOString()), utcDateTime(end), CALENDAR_VIEW_PAGE);
      view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly, [ews.AppointmentSchema.AppointmentType, ews.AppointmentSchema.ICalUid, ews.AppointmentSchema.Start]);
      const page = await this.call(() => this.service.FindAppointments(folderId, view));
      for (const a of page.Items) {
        const instance = a.AppointmentType === ews.AppointmentType.Occurrence || a.AppointmentType === ews.AppointmentType.Exception;
        if (instance && a.ICalUid === uid && !seen.has(a.Id.UniqueId)) found.push(a.Id.UniqueId);
        seen.add(a.Id.UniqueId);
      }
      const last = page.Items[page.Items.length - 1];
      const next = last ? last.Start.TotalMilliSeconds : from;
      // No progress means more than a page of items start at `from`: stop rather than loop.
      if (!page.MoreAvailable || next <= from) break;
      from = next;
    }
    const events = await this.readEvents(found, master.Id.UniqueId);
    return events.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  }

  private readRecurrence(r: ews.Recurrence): Recurrence {
    // The library leaves Interval / NumberOfOccurrences as the XML strings.
    const base = { interval: Number((r as IntervalPattern).Interval ?? 1), startDate: dateOnlyOf(r.StartDate) ?? '' };
    const daysOf = (day: ews.DayOfTheWeek): string[] => DAY_SETS.find(([set]) => set === day)?.[1] ?? [DAYS[day]];
    let recurrence: Recurrence;
    if (r instanceof WeeklyPattern) recurrence = { pattern: 'weekly', ...base, daysOfWeek: r.DaysOfTheWeek.GetEnumerator().map((d) => DAYS[d]) };
    else if (r instanceof DailyPattern) recurrence = { pattern: 'daily', ...base };
    else if (r instanceof MonthlyPattern) recurrence = { pattern: 'absoluteMonthly', ...base, dayOfMonth: Number(r.DayOfMonth) };
    else if (r instanceof RelativeMonthlyPattern) recurrence = { pattern: 'relativeMonthly', ...base, daysOfWeek: daysOf(r.DayOfTheWeek), index: WEEK_INDEXES[r.DayOfTheWeekIndex] };
    // EWS yearly patterns have no interval: every year.
    else if (r instanceof YearlyPattern) recurrence = { pattern: 'absoluteYearly', ...base, interval: 1, month: Number(r.Month), dayOfMonth: Number(r.DayOfMonth) };
    else if (r instanceof RelativeYearlyPattern) recurrence = { pattern: 'relativeYearly', ...base, interval: 1, month: Number(r.Month), daysOfWeek: daysOf(r.DayOfTheWeek), index: WEEK_INDEXES[r.DayOfTheWeekIndex] };
    else throw new MailboxError('invalid-request', `Unsupported recurrence ${r.constructor.name}`, false);
    if (r.NumberOfOccurrences) recurrence.numberOfOccurrences = Number(r.NumberOfOccurrences);
    else if (r.HasEnd && r.EndDate) recurrence.endDate = dateOnlyOf(r.EndDate);
    return normalizeRecurrence(recurrence);
  }

  async getTasks(ids: string[]): Promise<MailTask[]> {
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
      ews.ItemSchema.Subject,
      ews.ItemSchema.Body,
      ews.ItemSchema.Categories,
      ews.ItemSchema.Importance,
      ews.TaskSchema.Status,
      ews.TaskSchema.StartDate,
      ews.TaskSchema.DueDate,
      ews.TaskSchema.CompleteDate,
      ews.ItemSchema.LastModifiedTime,
      this.c4cProperty,
    ]);
    props.RequestedBodyType = ews.BodyType.Text;
    const items = await this.bindItems(ids, props);
    return items.map((item) => {
      const t = item as ews.Task;
      const task: MailTask = {
        id: t.Id.UniqueId,
        changeKey: t.Id.ChangeKey,
        subject: t.Subject ?? '',
        bodyText: t.Body?.Text ?? undefined,
        status: TASK_STATUS[t.Status] ?? 'notStarted',
        importance: IMPORTANCE[t.Importance] ?? 'normal',
        startDate: taskDateOf(t.StartDate),
        dueDate: taskDateOf(t.DueDate),
        completedAt: isoOf(t.CompleteDate),
        categories: this.categoriesOf(t),
        c4cObjectId: this.c4cObjectIdOf(t),
        lastModifiedAt: lastModifiedOf(t),
      };
      for (const key of ['bodyText', 'startDate', 'dueDate', 'completedAt', 'c4cObjectId', 'lastModifiedAt'] as const) if (task[key] === undefined) delete task[key];
      return task;
    });
  }

  async getContacts(ids: string[]): Promise<MailContact[]> {
    const props = new ews.PropertySet(ews.BasePropertySet.IdOnly, [
      ews.ItemSchema.ParentFolderId,
      ews.ItemSchema.Categories,
      ews.ContactSchema.DisplayName,
      ews.ContactSchema.GivenName,
      ews.ContactSchema.Surname,
      ews.ContactSchema.CompanyName,
      ews.ContactSchema.JobTitle,
      ews.ContactSchema.EmailAddresses,
      ews.ContactSchema.PhoneNumbers,
      ews.ContactSchema.PhysicalAddresses,
      this.c4cProperty,
    ]);
    const items = await this.bindItems(ids, props);
    return items.map((item) => {
      const c = item as ews.Contact;
      const emails: EmailAddress[] = [];
      for (const key of [ews.EmailAddressKey.EmailAddress1, ews.EmailAddressKey.EmailAddress2, ews.EmailAddressKey.EmailAddress3]) {
        const out = emptyOut<ews.EmailAddress>();
        if (c.EmailAddresses?.TryGetValue(key, out) && out.outValue) {
          const a = addressOf(out.outValue);
          if (a) emails.push(a);
        }
      }
      const phone = (key: ews.PhoneNumberKey): string | undefined => {
        const out = emptyOut<string>();
        return c.PhoneNumbers?.TryGetValue(key, out) && out.outValue ? out.outValue : undefined;
      };
      const addressOut = emptyOut<ews.PhysicalAddressEntry>();
      const business = c.PhysicalAddresses?.TryGetValue(ews.PhysicalAddressKey.Business, addressOut) ? addressOut.outValue : null;
      const contact: MailContact = {
        id: c.Id.UniqueId,
        changeKey: c.Id.ChangeKey,
        folderId: c.ParentFolderId?.UniqueId ?? '',
        givenName: c.GivenName ?? undefined,
        surname: c.Surname ?? undefined,
        displayName: c.DisplayName ?? '',
        companyName: c.CompanyName ?? undefined,
        jobTitle: c.JobTitle ?? undefined,
        emailAddresses: emails,
        businessPhone: phone(ews.PhoneNumberKey.BusinessPhone),
        mobilePhone: phone(ews.PhoneNumberKey.MobilePhone),
        businessAddress: business
          ? { street: business.Street ?? undefined, city: business.City ?? undefined, state: business.State ?? undefined, postalCode: business.PostalCode ?? undefined, countryOrRegion: business.CountryOrRegion ?? undefined }
          : undefined,
        categories: this.categoriesOf(c),
        c4cObjectId: this.c4cObjectIdOf(c),
      };
      if (contact.businessAddress) for (const k of Object.keys(contact.businessAddress) as (keyof NonNullable<MailContact['businessAddress']>)[]) if (contact.businessAddress[k] === undefined) delete contact.businessAddress[k];
      for (const key of ['givenName', 'surname', 'companyName', 'jobTitle', 'businessPhone', 'mobilePhone', 'businessAddress', 'c4cObjectId'] as const) if (contact[key] === undefined) delete contact[key];
      return contact;
    });
  }

  // ---- writes ----

  private refOf(item: ews.Item): ItemRef {
    return { id: item.Id.UniqueId, changeKey: item.Id.ChangeKey };
  }

  /** Binds an item with no properties loaded, so only what we set is sent in UpdateItem. */
  private async bindForUpdate(id: string, kind: ItemKind, extra: ews.PropertyDefinitionBase[] = []): Promise<ews.Item> {
    const set = new ews.PropertySet(ews.BasePropertySet.IdOnly, extra);
    const itemId = new ews.ItemId(id);
    switch (kind) {
      case 'event':
        return this.call(() => ews.Appointment.Bind(this.service, itemId, set));
      case 'task':
        return this.call(() => ews.Task.Bind(this.service, itemId, set));
      case 'contact':
        return this.call(() => ews.Contact.Bind(this.service, itemId, set));
      case 'message':
        return this.call(() => ews.EmailMessage.Bind(this.service, itemId, set));
    }
  }

  /** UpdateItem that never notifies attendees; last writer wins (the sync engine detects conflicts by change key). */
  private async saveUpdate(item: ews.Item): Promise<ItemRef> {
    if (item instanceof ews.Appointment) await this.call(() => item.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone));
    else await this.call(() => item.Update(ews.ConflictResolutionMode.AlwaysOverwrite));
    return this.refOf(item);
  }

  async setCategories(id: string, kind: ItemKind, categories: string[]): Promise<ItemRef> {
    const item = await this.bindForUpdate(id, kind);
    item.Categories = new ews.StringList(categories.map(xmlText));
    return this.saveUpdate(item);
  }

  /** Sets the C4C ObjectID on a new item before Save, so CreateItem carries the extended property. */
  private stampOnCreate(item: ews.Item, options: CreateItemOptions | undefined): void {
    if (options?.c4cObjectId) item.SetExtendedProperty(this.c4cProperty, xmlText(options.c4cObjectId));
  }

  async setC4cObjectId(id: string, kind: ItemKind, objectId: string): Promise<ItemRef> {
    const item = await this.bindForUpdate(id, kind);
    item.SetExtendedProperty(this.c4cProperty, xmlText(objectId));
    return this.saveUpdate(item);
  }

  private applyEvent(a: ews.Appointment, input: Partial<EventInput>, current?: { start: string; end: string; timeZone: string }): void {
    if (input.subject !== undefined) a.Subject = xmlText(input.subject);
    if (input.bodyHtml !== undefined) a.Body = new ews.MessageBody(ews.BodyType.HTML, xmlText(input.bodyHtml));
    if (input.location !== undefined) a.Location = xmlText(input.location);
    if (input.isAllDay !== undefined) a.IsAllDayEvent = input.isAllDay;
    if (input.sensitivity !== undefined) a.Sensitivity = SENSITIVITY.indexOf(input.sensitivity);
    if (input.categories !== undefined) a.Categories = new ews.StringList(input.categories.map(xmlText));
    if (input.start !== undefined || input.end !== undefined || input.timeZone !== undefined) {
      // Always send the full triple: UTC instants plus the zone (never the library's local-time conversion).
      const zone = timeZoneInfo(input.timeZone ?? current?.timeZone ?? 'UTC');
      a.StartTimeZone = zone;
      a.EndTimeZone = zone;
      a.Start = utcDateTime(input.start ?? current!.start);
      a.End = utcDateTime(input.end ?? current!.end);
    }
    if (input.attendees !== undefined) {
      a.RequiredAttendees.Clear();
      a.OptionalAttendees.Clear();
      a.Resources.Clear();
      for (const attendee of input.attendees) {
        const list = attendee.type === 'optional' ? a.OptionalAttendees : attendee.type === 'resource' ? a.Resources : a.RequiredAttendees;
        list.Add(new ews.Attendee(xmlText(attendee.name ?? attendee.address), xmlText(attendee.address)));
      }
    }
    if (input.recurrence !== undefined) a.Recurrence = this.writeRecurrence(input.recurrence);
  }

  private writeRecurrence(input: Recurrence): ews.Recurrence {
    const r = normalizeRecurrence(input);
    const start = dateOnlyDateTime(r.startDate);
    const invalid = (why: string): MailboxError => new MailboxError('invalid-request', `Recurrence ${r.pattern}: ${why}`, false);
    const days = (r.daysOfWeek ?? []).map((d) => {
      const index = DAYS.indexOf(d.toLowerCase());
      if (index < 0) throw invalid(`unknown day of week ${d}`);
      return index as ews.DayOfTheWeek;
    });
    /** A relative EWS pattern names one day, or the day sets "every day", "weekday", "weekend day". */
    const relativeDay = (): ews.DayOfTheWeek => {
      const set = [...new Set(days)].sort((a, b) => a - b);
      if (set.length === 1) return set[0];
      const named = DAY_SETS.find(([, names]) => names.length === set.length && names.map((n) => DAYS.indexOf(n)).sort((a, b) => a - b).every((d, i) => d === set[i]));
      if (!named) throw invalid(`EWS can only name one day, every day, weekdays or weekend days, not ${(r.daysOfWeek ?? []).join(', ') || 'none'}.`);
      return named[0];
    };
    const index = WEEK_INDEXES.indexOf(r.index ?? 'first') as ews.DayOfTheWeekIndex;
    const month = (r.month ?? Number(r.startDate.slice(5, 7))) as ews.Month;
    const dayOfMonth = r.dayOfMonth ?? Number(r.startDate.slice(8, 10));
    const everyYear = (): void => {
      if (r.interval !== 1) throw invalid(`EWS yearly patterns repeat every year; interval ${r.interval} cannot be written.`);
    };
    let pattern: ews.Recurrence;
    switch (r.pattern) {
      case 'daily':
        pattern = new DailyPattern(start, r.interval);
        break;
      case 'weekly': {
        const weekly = new WeeklyPattern(start, r.interval, days);
        // Graph's default week start; it decides which weeks an every-n-weeks series skips.
        weekly.FirstDayOfWeek = DayOfWeek.Sunday;
        pattern = weekly;
        break;
      }
      case 'absoluteMonthly':
        pattern = new MonthlyPattern(start, r.interval, dayOfMonth);
        break;
      case 'relativeMonthly':
        pattern = new RelativeMonthlyPattern(start, r.interval, relativeDay(), index);
        break;
      case 'absoluteYearly':
        everyYear();
        pattern = new YearlyPattern(start, month, dayOfMonth);
        break;
      case 'relativeYearly':
        everyYear();
        pattern = new RelativeYearlyPattern(start, month, relativeDay(), index);
        break;
    }
    if (r.numberOfOccurrences) pattern.NumberOfOccurrences = r.numberOfOccurrences;
    else if (r.endDate) pattern.EndDate = dateOnlyDateTime(r.endDate);
    else pattern.NeverEnds();
    return pattern;
  }

  async createEvent(folderId: string, input: EventInput, options?: CreateItemOptions): Promise<ItemRef> {
    const a = new ews.Appointment(this.service);
    this.applyEvent(a, input);
    this.stampOnCreate(a, options);
    await this.call(() => a.Save(new ews.FolderId(folderId), ews.SendInvitationsMode.SendToNone));
    return this.refOf(a);
  }

  async updateEvent(id: string, input: Partial<EventInput>): Promise<ItemRef> {
    const timing = input.start !== undefined || input.end !== undefined || input.timeZone !== undefined;
    const extra: ews.PropertyDefinitionBase[] = [];
    if (timing) extra.push(ews.AppointmentSchema.Start, ews.AppointmentSchema.End, ews.AppointmentSchema.StartTimeZone);
    if (input.attendees !== undefined) extra.push(ews.AppointmentSchema.RequiredAttendees, ews.AppointmentSchema.OptionalAttendees, ews.AppointmentSchema.Resources);
    const a = (await this.bindForUpdate(id, 'event', extra)) as ews.Appointment;
    const current = timing ? { start: isoOf(a.Start)!, end: isoOf(a.End)!, timeZone: a.StartTimeZone?.Id ?? 'UTC' } : undefined;
    this.applyEvent(a, input, current);
    return this.saveUpdate(a);
  }

  private async deleteItem(id: string): Promise<void> {
    try {
      await this.call(() => this.service.DeleteItems([new ews.ItemId(id)], ews.DeleteMode.MoveToDeletedItems, ews.SendCancellationsMode.SendToNone, ews.AffectedTaskOccurrence.AllOccurrences));
    } catch (error) {
      // Already gone is what we wanted.
      if (error instanceof MailboxError && error.code === 'not-found') return;
      throw error;
    }
  }

  async deleteEvent(id: string): Promise<void> {
    await this.deleteItem(id);
  }

  private applyTask(t: ews.Task, input: Partial<TaskInput>): void {
    if (input.subject !== undefined) t.Subject = xmlText(input.subject);
    if (input.bodyText !== undefined) t.Body = new ews.MessageBody(ews.BodyType.Text, xmlText(input.bodyText));
    if (input.status !== undefined) t.Status = TASK_STATUS.indexOf(input.status);
    if (input.importance !== undefined) t.Importance = IMPORTANCE.indexOf(input.importance);
    if (input.startDate !== undefined) t.StartDate = taskDateTime(input.startDate);
    if (input.dueDate !== undefined) t.DueDate = taskDateTime(input.dueDate);
    if (input.completedAt !== undefined) t.CompleteDate = utcDateTime(input.completedAt);
    if (input.categories !== undefined) t.Categories = new ews.StringList(input.categories.map(xmlText));
  }

  async createTask(folderId: string, input: TaskInput, options?: CreateItemOptions): Promise<ItemRef> {
    const t = new ews.Task(this.service);
    this.applyTask(t, input);
    this.stampOnCreate(t, options);
    await this.call(() => t.Save(new ews.FolderId(folderId)));
    return this.refOf(t);
  }

  async updateTask(id: string, input: Partial<TaskInput>): Promise<ItemRef> {
    const t = (await this.bindForUpdate(id, 'task')) as ews.Task;
    this.applyTask(t, input);
    return this.saveUpdate(t);
  }

  async deleteTask(id: string): Promise<void> {
    await this.deleteItem(id);
  }

  private applyContact(c: ews.Contact, input: Partial<ContactInput>): void {
    if (input.givenName !== undefined) c.GivenName = xmlText(input.givenName);
    if (input.surname !== undefined) c.Surname = xmlText(input.surname);
    if (input.displayName !== undefined) c.DisplayName = xmlText(input.displayName);
    if (input.companyName !== undefined) c.CompanyName = xmlText(input.companyName);
    if (input.jobTitle !== undefined) c.JobTitle = xmlText(input.jobTitle);
    if (input.emailAddresses !== undefined) {
      const keys = [ews.EmailAddressKey.EmailAddress1, ews.EmailAddressKey.EmailAddress2, ews.EmailAddressKey.EmailAddress3];
      input.emailAddresses.slice(0, 3).forEach((e, i) => c.EmailAddresses._setItem(keys[i], new ews.EmailAddress(xmlText(e.name ?? e.address), xmlText(e.address))));
    }
    if (input.businessPhone !== undefined) c.PhoneNumbers._setItem(ews.PhoneNumberKey.BusinessPhone, xmlText(input.businessPhone));
    if (input.mobilePhone !== undefined) c.PhoneNumbers._setItem(ews.PhoneNumberKey.MobilePhone, xmlText(input.mobilePhone));
    if (input.businessAddress !== undefined) {
      const entry = new ews.PhysicalAddressEntry();
      const a = input.businessAddress;
      if (a.street !== undefined) entry.Street = xmlText(a.street);
      if (a.city !== undefined) entry.City = xmlText(a.city);
      if (a.state !== undefined) entry.State = xmlText(a.state);
      if (a.postalCode !== undefined) entry.PostalCode = xmlText(a.postalCode);
      if (a.countryOrRegion !== undefined) entry.CountryOrRegion = xmlText(a.countryOrRegion);
      c.PhysicalAddresses._setItem(ews.PhysicalAddressKey.Business, entry);
    }
    if (input.categories !== undefined) c.Categories = new ews.StringList(input.categories.map(xmlText));
  }

  async createContact(folderId: string, input: ContactInput, options?: CreateItemOptions): Promise<ItemRef> {
    const c = new ews.Contact(this.service);
    this.applyContact(c, input);
    this.stampOnCreate(c, options);
    await this.call(() => c.Save(new ews.FolderId(folderId)));
    return this.refOf(c);
  }

  async updateContact(id: string, input: Partial<ContactInput>): Promise<ItemRef> {
    const c = (await this.bindForUpdate(id, 'contact')) as ews.Contact;
    this.applyContact(c, input);
    return this.saveUpdate(c);
  }

  async deleteContact(id: string): Promise<void> {
    await this.deleteItem(id);
  }

  async close(): Promise<void> {
    this.transport.disconnect();
  }
}

/** Opens a mailbox over EWS (impersonation or direct logon). */
export function createEwsMailbox(address: string, access: EwsAccess, options?: EwsMailboxOptions): Mailbox {
  return new EwsMailbox(address, access, options);
}

export { responseCodeOf, CursorRejectedError };
