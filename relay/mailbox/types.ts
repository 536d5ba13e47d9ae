/**
 * The one mailbox interface used by everything above `relay/mailbox/` (sync engine, admin access checks, sandbox).
 * Two implementations: `ews/` (ews-javascript-api; impersonation or direct logon) and `graph/`
 * (Microsoft Graph client + msal-node; application access or delegated OAuth).
 *
 * Ids are opaque strings of the backend (EWS ItemId / Graph immutable id). Change keys are opaque too:
 * they change whenever the item changes, so the sync status table can detect edits without comparing fields.
 */

/**
 * A certificate uploaded to the app registration (Certificates & secrets), as msal-node's `auth.clientCertificate`
 * takes it: a thumbprint names the certificate in the assertion's header (`x5t#S256` for SHA-256, signed PS256;
 * `x5t` for the legacy SHA-1, signed RS256).
 */
export interface GraphClientCertificate {
  /** SHA-256 thumbprint, hex (preferred). */
  thumbprintSha256?: string;
  /** SHA-1 thumbprint, hex (what older Entra portals show). */
  thumbprint?: string;
  /** PEM private key (PKCS#8 or PKCS#1) of the certificate. */
  privateKeyPem: string;
  /** PEM certificate chain sent as `x5c` (subject name / issuer authentication only). */
  x5c?: string;
}

/** How an organization reaches its users' mailboxes (product feature A3). */
export type MailboxAccess =
  | {
      kind: 'ews-impersonation';
      ewsUrl: string;
      /** Service account holding the ApplicationImpersonation role (on-premises). */
      username: string;
      password: string;
      /** Max EWS calls in flight per service account; kept under the server's EWSMaxConcurrency (27). */
      maxConcurrency?: number;
    }
  | { kind: 'ews-direct'; ewsUrl: string; username: string; password: string }
  | {
      kind: 'graph-app';
      tenantId: string;
      clientId: string;
      /** Exactly one of `clientSecret` and `clientCertificate`. */
      clientSecret?: string;
      /** Certificate credential: msal-node signs a client assertion (RFC 7523 JWT) with the key instead of a secret. */
      clientCertificate?: GraphClientCertificate;
      /** Entra authority host, e.g. https://login.microsoftonline.com (the emulator's URL in tests). */
      authorityHost: string;
      /** Graph root, e.g. https://graph.microsoft.com (the emulator's URL in tests). */
      graphBaseUrl: string;
    }
  | {
      kind: 'graph-delegated';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      authorityHost: string;
      graphBaseUrl: string;
      /** Refresh token of the user's consent (decrypted by the caller; stored encrypted). */
      refreshToken: string;
      /** Called when the token endpoint rotates the refresh token, so the caller can store the new one encrypted. */
      onRefreshTokenRotated?: (refreshToken: string) => Promise<void>;
    };

/** Well-known folders plus the product's own folders (E2). */
export type WellKnownFolder = 'inbox' | 'sentitems' | 'drafts' | 'deleteditems' | 'calendar' | 'contacts' | 'tasks' | 'msgfolderroot';

export const PRODUCT_FOLDERS = {
  accounts: { name: 'SAP Accounts', kind: 'contacts' },
  contacts: { name: 'SAP Contacts', kind: 'contacts' },
  individualCustomers: { name: 'SAP Individual Customers', kind: 'contacts' },
  save: { name: 'SAP Cloud for Customer', kind: 'mail' },
} as const;

export type FolderKind = 'mail' | 'calendar' | 'contacts' | 'tasks';

export interface MailFolder {
  id: string;
  displayName: string;
  kind: FolderKind;
  parentId?: string;
  /** Set for well-known folders. */
  wellKnownName?: WellKnownFolder;
}

/** Outlook preset colours as named by Graph (`preset0`..`preset24`); EWS stores the same index. */
export type CategoryColor = `preset${number}` | 'none';

export interface MasterCategory {
  displayName: string;
  color: CategoryColor;
}

export type ItemKind = 'message' | 'event' | 'task' | 'contact';

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface ItemRef {
  id: string;
  changeKey: string;
}

/** One page of incremental changes of one folder since a cursor. */
export interface ChangePage {
  created: ItemRef[];
  updated: ItemRef[];
  deleted: string[];
  /** Persist this after every page (EWS SyncState / Graph deltaLink or nextLink). */
  cursor: string;
  /** True when the last page of the range has been returned (EWS IncludesLastItemInRange / Graph deltaLink). */
  done: boolean;
}

/** One page of changes of the folder hierarchy since a cursor (Mailbox.getFolderChanges). */
export interface FolderChangePage {
  /** Folders new since the cursor (on the first call: every folder). */
  created: MailFolder[];
  /** Folders renamed or moved since the cursor; `parentId` is the current parent. */
  updated: MailFolder[];
  /** Ids of folders deleted since the cursor; callers ignore ids they never saw. */
  deleted: string[];
  /** Persist this after every page (EWS SyncFolderHierarchy SyncState / Graph mailFolders deltaLink or nextLink). */
  cursor: string;
  /** True when the last page of the range has been returned (EWS IncludesLastFolderInRange / Graph deltaLink). */
  done: boolean;
}

/** What `Mailbox.findMessages` looks for; all given conditions must hold. */
export interface FindMessagesOptions {
  /** Messages carrying any of these categories (compared case-insensitively, as Exchange does). */
  categories?: string[];
  /** Received at or after this ISO 8601 instant. */
  receivedAfter?: string;
  /** Items per page (default 100, at most 250: Exchange's limit for restricted searches). */
  pageSize?: number;
  /** Items to skip (the previous page's `nextOffset`). */
  offset?: number;
}

/** One page of a search, newest first. */
export interface FindMessagesPage {
  items: ItemRef[];
  /** More matches after this page. */
  more: boolean;
  /** Offset of the next page. */
  nextOffset: number;
}

/** Thrown when the server rejects a stored cursor (EWS ErrorInvalidSyncStateData, Graph 410 / syncStateNotFound). */
export class CursorRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorRejectedError';
  }
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  /** Base64; present when read with content. */
  contentBase64?: string;
}

export interface MailMessage {
  id: string;
  changeKey: string;
  folderId: string;
  internetMessageId: string;
  conversationId?: string;
  subject: string;
  from?: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  sentAt?: string; // ISO 8601 UTC
  receivedAt?: string; // ISO 8601 UTC
  isDraft: boolean;
  categories: string[];
  bodyHtml: string;
  attachments: Attachment[];
  /** Value of the product's extended property (the C4C ObjectID), when stamped. */
  c4cObjectId?: string;
}

export type ResponseStatus = 'none' | 'organizer' | 'accepted' | 'tentative' | 'declined' | 'notResponded';

export interface Attendee extends EmailAddress {
  type: 'required' | 'optional' | 'resource';
  response: ResponseStatus;
}

/** Which week of the month a relative pattern means (Graph `weekIndex`, EWS `DayOfWeekIndex`). */
export type WeekIndex = 'first' | 'second' | 'third' | 'fourth' | 'last';

export type RecurrencePatternType = 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';

/**
 * A series' pattern and range, in Graph's vocabulary. Which pattern fields apply depends on `pattern`
 * (RECURRENCE_PATTERN_FIELDS); the others are absent, so two recurrences compare equal with `toEqual`.
 * - daily: interval (days)
 * - weekly: interval (weeks), daysOfWeek
 * - absoluteMonthly: interval (months), dayOfMonth
 * - relativeMonthly: interval (months), daysOfWeek, index — e.g. the last Friday
 * - absoluteYearly: interval (years), month, dayOfMonth — e.g. every 14 March
 * - relativeYearly: interval (years), month, daysOfWeek, index — e.g. the second Tuesday of October
 * Several days in a relative pattern mean "the index-th of any of these days" (monday..friday = a weekday).
 */
export interface Recurrence {
  pattern: RecurrencePatternType;
  interval: number;
  daysOfWeek?: string[]; // 'monday'..'sunday'
  dayOfMonth?: number;
  index?: WeekIndex;
  /** 1 = January … 12 = December. */
  month?: number;
  startDate: string; // yyyy-mm-dd
  endDate?: string; // yyyy-mm-dd
  numberOfOccurrences?: number;
}

/** The pattern fields each pattern type uses (besides `interval`); readers drop the rest. */
export const RECURRENCE_PATTERN_FIELDS: Record<RecurrencePatternType, readonly ('daysOfWeek' | 'dayOfMonth' | 'index' | 'month')[]> = {
  daily: [],
  weekly: ['daysOfWeek'],
  absoluteMonthly: ['dayOfMonth'],
  relativeMonthly: ['daysOfWeek', 'index'],
  absoluteYearly: ['month', 'dayOfMonth'],
  relativeYearly: ['month', 'daysOfWeek', 'index'],
};

/**
 * Keeps only the fields `r.pattern` uses, in one key order. Both back ends return extra values (Graph prints
 * `index: "first"` and `month: 0` on every pattern, EWS has no interval for yearly patterns), so readers normalise.
 */
export function normalizeRecurrence(r: Recurrence): Recurrence {
  const used = RECURRENCE_PATTERN_FIELDS[r.pattern];
  const out: Recurrence = {
    pattern: r.pattern,
    interval: r.interval,
    ...(used.includes('daysOfWeek') && r.daysOfWeek && r.daysOfWeek.length > 0 ? { daysOfWeek: r.daysOfWeek.map((d) => d.toLowerCase()) } : {}),
    ...(used.includes('dayOfMonth') && r.dayOfMonth ? { dayOfMonth: r.dayOfMonth } : {}),
    ...(used.includes('index') && r.index ? { index: r.index } : {}),
    ...(used.includes('month') && r.month ? { month: r.month } : {}),
    startDate: r.startDate,
  };
  if (r.numberOfOccurrences) out.numberOfOccurrences = r.numberOfOccurrences;
  else if (r.endDate) out.endDate = r.endDate;
  return out;
}

export interface CalendarEvent {
  id: string;
  changeKey: string;
  /** iCalendar UID: the same in organizer's and attendees' copies. */
  iCalUid: string;
  subject: string;
  /** Instants in UTC (ISO 8601 with Z). */
  start: string;
  end: string;
  /** IANA or Windows time zone of the event as created (e.g. "Europe/Berlin" / "W. Europe Standard Time"). */
  timeZone: string;
  isAllDay: boolean;
  location?: string;
  bodyHtml?: string;
  organizer?: EmailAddress;
  attendees: Attendee[];
  isOrganizer: boolean;
  isCancelled: boolean;
  type: 'singleInstance' | 'seriesMaster' | 'occurrence' | 'exception';
  /** Occurrences and exceptions: the id of their series master. */
  seriesMasterId?: string;
  /**
   * Occurrences and exceptions: where the pattern put this instance (UTC). It identifies the instance across reads
   * and stays put when the user moves an exception.
   */
  originalStart?: string;
  recurrence?: Recurrence;
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  categories: string[];
  c4cObjectId?: string;
  /** When the item was last changed (ISO 8601 UTC; EWS LastModifiedTime, Graph lastModifiedDateTime), when known. */
  lastModifiedAt?: string;
}

export interface MailTask {
  id: string;
  changeKey: string;
  subject: string;
  bodyText?: string;
  status: 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';
  importance: 'low' | 'normal' | 'high';
  startDate?: string; // yyyy-mm-dd
  dueDate?: string; // yyyy-mm-dd
  completedAt?: string; // ISO 8601 UTC
  categories: string[];
  c4cObjectId?: string;
  /** When the task was last changed (ISO 8601 UTC), when known. */
  lastModifiedAt?: string;
}

export interface MailContact {
  id: string;
  changeKey: string;
  folderId: string;
  givenName?: string;
  surname?: string;
  displayName: string;
  companyName?: string;
  jobTitle?: string;
  emailAddresses: EmailAddress[];
  businessPhone?: string;
  mobilePhone?: string;
  businessAddress?: { street?: string; city?: string; state?: string; postalCode?: string; countryOrRegion?: string };
  categories: string[];
  c4cObjectId?: string;
}

/** What the sync engine writes; ids, change keys and server-computed fields are omitted. */
export type EventInput = Omit<CalendarEvent, 'id' | 'changeKey' | 'iCalUid' | 'isOrganizer' | 'isCancelled' | 'type' | 'seriesMasterId' | 'originalStart' | 'c4cObjectId' | 'organizer' | 'lastModifiedAt'>;
export type TaskInput = Omit<MailTask, 'id' | 'changeKey' | 'c4cObjectId' | 'lastModifiedAt'>;
export type ContactInput = Omit<MailContact, 'id' | 'changeKey' | 'folderId' | 'c4cObjectId'>;

export type AccessProblem =
  | 'ok'
  | 'impersonation-denied'
  | 'mailbox-not-found'
  | 'invalid-credentials'
  | 'consent-missing'
  | 'server-unreachable'
  | 'throttled'
  | 'unknown';

export interface AccessCheck {
  ok: boolean;
  problem: AccessProblem;
  /** A sentence an admin understands, with what to do. */
  message: string;
}

/** An opened mailbox. Every method may throw MailboxError (typed, with `transient` telling whether a retry can help). */
/** Optional extras of Mailbox.createEvent / createTask / createContact. */
export interface CreateItemOptions {
  /** Stamps the C4C ObjectID (the product's extended property) inside the create request itself. */
  c4cObjectId?: string;
}

export interface Mailbox {
  readonly address: string;
  checkAccess(): Promise<AccessCheck>;

  listFolders(): Promise<MailFolder[]>;
  /** Returns the folder, creating it under the matching root (msgfolderroot / contacts) when missing. Idempotent. */
  ensureFolder(name: string, kind: FolderKind): Promise<MailFolder>;
  getWellKnownFolder(name: WellKnownFolder): Promise<MailFolder>;

  listMasterCategories(): Promise<MasterCategory[]>;
  /** Adds missing categories; leaves existing ones (and the user's colour choice) alone. Idempotent. */
  ensureMasterCategories(categories: MasterCategory[]): Promise<void>;

  /**
   * One page of changes of a folder since `cursor` (undefined = from the beginning: every item is "created").
   * Throws CursorRejectedError when the cursor is no longer valid; the caller then restarts with undefined.
   *
   * Calendars differ by back end, as the servers do: EWS reports series masters (a changed or deleted occurrence
   * updates its master), Graph's calendarView delta reports single events, occurrences and exceptions inside its
   * window and never masters. Callers read either kind with getEvents and use `seriesMasterId` / getOccurrences.
   */
  getChanges(folderId: string, kind: ItemKind, cursor: string | undefined): Promise<ChangePage>;

  /**
   * One page of changes of the mail-folder hierarchy under the top of the information store (child folders at any
   * depth; the root itself is never reported) since `cursor` (undefined = from the beginning: every folder is
   * "created"). Well-known folders carry `wellKnownName`. Throws CursorRejectedError when the cursor is no longer
   * valid; the caller then restarts with undefined.
   *
   * Mail folders only on both back ends: Graph's `mailFolders/delta` has no calendars, contact folders or To Do lists,
   * so EWS SyncFolderHierarchy results are filtered to match (a deleted EWS folder's kind is unknown, so `deleted` may
   * name a folder of another kind — hence "ignore ids you never saw"). EWS answers the whole hierarchy in one
   * response while Graph pages; callers loop until `done` either way.
   */
  getFolderChanges(cursor: string | undefined): Promise<FolderChangePage>;

  /**
   * Messages of one mail folder matching every given condition, newest first, paged by offset (EWS FindItem with a
   * restriction and an IndexedPageItemView; Graph `/mailFolders/{id}/messages?$filter=…&$top&$skip`). Finds what a
   * change feed's baseline cannot tell: e.g. the categorized mail of the last 30 days, without reading every message.
   */
  findMessages(folderId: string, options?: FindMessagesOptions): Promise<FindMessagesPage>;
  getMessages(ids: string[], options?: { withAttachmentContent?: boolean }): Promise<MailMessage[]>;
  /** Occurrences and exceptions carry `seriesMasterId` and `originalStart`. */
  getEvents(ids: string[]): Promise<CalendarEvent[]>;
  /**
   * The instances of a series that overlap `window` (UTC instants, end exclusive): its occurrences and exceptions
   * (type 'occurrence' / 'exception'), each with its own id, `seriesMasterId` and `originalStart`, ordered by start.
   * Deleted occurrences are absent; an occurrence the organizer cancelled stays in an attendee's calendar with
   * `isCancelled` until the attendee removes it. Throws MailboxError 'not-found' when the master does not exist and
   * 'invalid-request' when the id is not a series master.
   */
  getOccurrences(seriesMasterId: string, window: { start: string; end: string }): Promise<CalendarEvent[]>;
  getTasks(ids: string[]): Promise<MailTask[]>;
  getContacts(ids: string[]): Promise<MailContact[]>;

  setCategories(id: string, kind: ItemKind, categories: string[]): Promise<ItemRef>;

  /**
   * Never sends invitations or cancellations to attendees. Creates take optional `CreateItemOptions`: with
   * `c4cObjectId` the new item carries the product's extended property from its creation (one request, no
   * setC4cObjectId afterwards); the ItemRef returned is the created item's id and change key.
   */
  createEvent(folderId: string, input: EventInput, options?: CreateItemOptions): Promise<ItemRef>;
  updateEvent(id: string, input: Partial<EventInput>): Promise<ItemRef>;
  deleteEvent(id: string): Promise<void>;
  createTask(folderId: string, input: TaskInput, options?: CreateItemOptions): Promise<ItemRef>;
  updateTask(id: string, input: Partial<TaskInput>): Promise<ItemRef>;
  deleteTask(id: string): Promise<void>;
  createContact(folderId: string, input: ContactInput, options?: CreateItemOptions): Promise<ItemRef>;
  updateContact(id: string, input: Partial<ContactInput>): Promise<ItemRef>;
  deleteContact(id: string): Promise<void>;

  /** Stamps the C4C ObjectID in the product's private extended property. */
  setC4cObjectId(id: string, kind: ItemKind, objectId: string): Promise<ItemRef>;

  close(): Promise<void>;
}

export type MailboxErrorCode =
  | 'not-found'
  | 'access-denied'
  | 'invalid-credentials'
  | 'throttled'
  | 'server-error'
  | 'network'
  | 'invalid-request'
  | 'conflict';

export class MailboxError extends Error {
  constructor(
    readonly code: MailboxErrorCode,
    message: string,
    readonly transient: boolean,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'MailboxError';
  }
}

/** A getOccurrences window as UTC ISO instants; MailboxError 'invalid-request' for unparsable or reversed bounds. */
export function occurrenceWindow(window: { start: string; end: string }): { start: string; end: string } {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
    throw new MailboxError('invalid-request', `Not a time window (ISO 8601 instants, start before end): ${window.start} – ${window.end}`, false);
  }
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** Product-wide names of the extended property holding the C4C ObjectID. */
export const C4C_OBJECT_ID_PROPERTY = {
  propertySetId: 'f9c2a2b4-6f7e-4c55-9d0a-5c4c0b1e7a31',
  name: 'C4CObjectID',
} as const;

export interface MailboxFactory {
  open(address: string, access: MailboxAccess): Mailbox;
}
