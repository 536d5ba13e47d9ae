/**
 * The one mailbox interface used by everything above `relay/mailbox/` (sync engine, admin access checks, sandbox).
 * Two implementations: `ews/` (ews-javascript-api; impersonation or direct logon) and `graph/`
 * (Microsoft Graph client + msal-node; application access or delegated OAuth).
 *
 * Ids are opaque strings of the backend (EWS ItemId / Graph immutable id). Change keys are opaque too:
 * they change whenever the item changes, so the sync status table can detect edits without comparing fields.
 */

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
      clientSecret: string;
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

export interface Recurrence {
  pattern: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  daysOfWeek?: string[]; // 'monday'..'sunday'
  dayOfMonth?: number;
  startDate: string; // yyyy-mm-dd
  endDate?: string; // yyyy-mm-dd
  numberOfOccurrences?: number;
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
  seriesMasterId?: string;
  recurrence?: Recurrence;
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  categories: string[];
  c4cObjectId?: string;
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
export type EventInput = Omit<CalendarEvent, 'id' | 'changeKey' | 'iCalUid' | 'isOrganizer' | 'isCancelled' | 'type' | 'seriesMasterId' | 'c4cObjectId' | 'organizer'>;
export type TaskInput = Omit<MailTask, 'id' | 'changeKey' | 'c4cObjectId'>;
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
   */
  getChanges(folderId: string, kind: ItemKind, cursor: string | undefined): Promise<ChangePage>;

  getMessages(ids: string[], options?: { withAttachmentContent?: boolean }): Promise<MailMessage[]>;
  getEvents(ids: string[]): Promise<CalendarEvent[]>;
  getTasks(ids: string[]): Promise<MailTask[]>;
  getContacts(ids: string[]): Promise<MailContact[]>;

  setCategories(id: string, kind: ItemKind, categories: string[]): Promise<ItemRef>;

  /** Never sends invitations or cancellations to attendees. */
  createEvent(folderId: string, input: EventInput): Promise<ItemRef>;
  updateEvent(id: string, input: Partial<EventInput>): Promise<ItemRef>;
  deleteEvent(id: string): Promise<void>;
  createTask(folderId: string, input: TaskInput): Promise<ItemRef>;
  updateTask(id: string, input: Partial<TaskInput>): Promise<ItemRef>;
  deleteTask(id: string): Promise<void>;
  createContact(folderId: string, input: ContactInput): Promise<ItemRef>;
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

/** Product-wide names of the extended property holding the C4C ObjectID. */
export const C4C_OBJECT_ID_PROPERTY = {
  propertySetId: 'f9c2a2b4-6f7e-4c55-9d0a-5c4c0b1e7a31',
  name: 'C4CObjectID',
} as const;

export interface MailboxFactory {
  open(address: string, access: MailboxAccess): Mailbox;
}
