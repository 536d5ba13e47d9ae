/**
 * The in-memory Exchange mailbox store shared by the EWS SOAP endpoint (`./ews/`) and the Graph REST endpoint
 * (`./graph/`). Both endpoints are views of the same data: an item created over EWS is found over Graph under the same
 * id, a change made by "the user" (`./user-actions.ts`) shows up in both EWS SyncFolderItems and Graph delta.
 *
 * Model
 * - Mailboxes keyed by lower-cased SMTP address; each has a password (direct logon / delegated user), folders, items,
 *   a master category list and a change log.
 * - Ids: ONE opaque format for both protocols (Graph-immutable-id semantics: an item keeps its id when it moves).
 *   Items `AAMkA…`, folders `AQMkA…`, attachments `AAMkAtt…`; all base64url (no `/`, `+`, `=`), so they are safe in
 *   Graph URL paths and in EWS `Id` attributes alike.
 * - Change keys: a new opaque value on every change of an item or folder.
 * - Change log: every mailbox has one monotonic sequence; each folder keeps the entries (create / update / delete) of
 *   its items. `readChangePage` derives paged, net changes from it; EWS SyncState and Graph delta/skip tokens are the
 *   opaque `ChangeCursor` produced by `encodeCursor` (carrying the mailbox generation, so `invalidateCursors` makes all
 *   outstanding cursors of a mailbox invalid, as a server losing sync state would).
 * - Grants: service accounts (EWS basic auth) and which mailboxes each may impersonate.
 * - Recurring series: one stored master carrying its exceptions and deleted occurrences; occurrences are computed on
 *   read and have ids of their own (`recurrence.ts`), so `readItem` resolves them while `item` sees stored items only.
 *
 * Everything is synchronous and single-threaded; endpoints call it per request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { instanceOf, parseOccurrenceId, seriesInstances, slotAt, slotAtIndex } from './recurrence';
import type {
  Attachment,
  CalendarEvent,
  CategoryColor,
  FolderKind,
  MailContact,
  MailMessage,
  MailTask,
  MasterCategory,
  ResponseStatus,
  WellKnownFolder,
} from '../../../relay/mailbox/types';

// ---------------------------------------------------------------------------------------------------------------
// Types

export interface StoredFolder {
  id: string;
  changeKey: string;
  displayName: string;
  kind: FolderKind;
  /** Undefined only for the root (msgfolderroot). */
  parentId?: string;
  wellKnownName?: WellKnownFolder;
}

/** Extended (MAPI named) property, keyed by `extendedPropertyKey(propertySetId, name)`. */
export interface ExtendedPropertyValue {
  propertySetId: string;
  name: string;
  /** EWS PropertyType (`String`, `Integer`, …); Graph singleValueExtendedProperties are always strings. */
  type: string;
  value: string;
}

/** Attachments always keep their content in the store. */
export type StoredAttachment = Required<Pick<Attachment, 'contentBase64'>> & Attachment;

interface ItemBase {
  id: string;
  changeKey: string;
  folderId: string;
  categories: string[];
  extendedProperties: Record<string, ExtendedPropertyValue>;
  /** ISO 8601 UTC. */
  createdAt: string;
  lastModifiedAt: string;
}

export type StoredMessage = ItemBase &
  Omit<MailMessage, 'id' | 'changeKey' | 'folderId' | 'categories' | 'c4cObjectId' | 'attachments'> & {
    kind: 'message';
    isRead: boolean;
    attachments: StoredAttachment[];
  };

export type StoredEvent = ItemBase &
  Omit<CalendarEvent, 'id' | 'changeKey' | 'categories' | 'c4cObjectId'> & {
    kind: 'event';
    /** The mailbox owner's own response (organizer copies: 'organizer'). */
    myResponse: ResponseStatus;
    /** Series masters: occurrences the user changed (see recurrence.ts). Cleared when the pattern or times change. */
    exceptions?: StoredOccurrenceChange[];
    /** Series masters: original starts (UTC ISO) of occurrences deleted from the series. */
    deletedOccurrences?: string[];
  };

/** What a user changed on one occurrence of a series (which makes it an exception). */
export interface StoredOccurrenceChange {
  /** UTC ISO instant (toISOString form) of the slot the pattern gave it. */
  originalStart: string;
  changeKey: string;
  lastModifiedAt: string;
  changes: OccurrenceChanges;
}
export type OccurrenceChanges = Partial<Pick<StoredEvent, 'subject' | 'start' | 'end' | 'location' | 'bodyHtml' | 'isAllDay' | 'isCancelled' | 'attendees' | 'sensitivity' | 'categories' | 'myResponse'>>;

export type StoredTask = ItemBase & Omit<MailTask, 'id' | 'changeKey' | 'categories' | 'c4cObjectId'> & { kind: 'task' };

export type StoredContact = ItemBase &
  Omit<MailContact, 'id' | 'changeKey' | 'folderId' | 'categories' | 'c4cObjectId'> & { kind: 'contact' };

export type StoredItem = StoredMessage | StoredEvent | StoredTask | StoredContact;
export type StoredItemKind = StoredItem['kind'];

/** Input of `createItem`: everything but the store-assigned fields. */
export type NewItem =
  | DistributiveOmit<StoredMessage, ItemAssigned>
  | DistributiveOmit<StoredEvent, ItemAssigned>
  | DistributiveOmit<StoredTask, ItemAssigned>
  | DistributiveOmit<StoredContact, ItemAssigned>;
type ItemAssigned = 'id' | 'changeKey' | 'folderId' | 'createdAt' | 'lastModifiedAt' | 'categories' | 'extendedProperties';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> & Partial<Pick<ItemBase, 'categories' | 'extendedProperties'>> : never;

export interface StoredCategory extends MasterCategory {
  /** Outlook's category GUID (`{…}` in the CategoryList XML). */
  id: string;
}

export type ChangeType = 'create' | 'update' | 'delete';

export interface ChangeLogEntry {
  seq: number;
  type: ChangeType;
  itemId: string;
}

/** One net change of a folder between two sequence numbers (what a sync page reports). */
export interface FolderChange {
  type: ChangeType;
  itemId: string;
  /** Current item (absent for deletes). */
  item?: StoredItem;
  seq: number;
}

/** One logged item change, as change observers see it. */
export interface StoreChange {
  address: string;
  folderId: string;
  type: ChangeType;
  itemId: string;
  seq: number;
}

export interface SentMeetingMessage {
  mailbox: string;
  itemId: string;
  iCalUid: string;
  kind: 'invitation' | 'update' | 'cancellation';
  recipients: string[];
  at: string;
}

export interface MailboxRecord {
  address: string;
  displayName: string;
  password: string;
  /** Bumped by `invalidateCursors`; cursors of older generations are rejected. */
  generation: number;
  /** Last sequence number handed out for this mailbox's change logs. */
  seq: number;
  folders: Map<string, StoredFolder>;
  items: Map<string, StoredItem>;
  /** Per folder id, ascending by seq. Kept for deleted folders too (their ids never come back). */
  folderLogs: Map<string, ChangeLogEntry[]>;
  /** Folder hierarchy log (folder ids as itemId), for SyncFolderHierarchy / mailFolders delta. */
  hierarchyLog: ChangeLogEntry[];
  masterCategories: StoredCategory[];
  /** Raw user configurations other than CategoryList (EWS Get/Create/UpdateUserConfiguration), keyed `folderId|name`. */
  userConfigurations: Map<string, { xmlDataBase64?: string; dictionary?: Record<string, string> }>;
  /**
   * Last state of hard-deleted items, so views of the change log can still describe what went away (Graph
   * calendarView delta reports every instance of a deleted series as removed).
   */
  removedItems: Map<string, StoredItem>;
  /** Last state of deleted folders, so hierarchy views can tell which kind of folder went away (mailFolders delta). */
  removedFolders: Map<string, StoredFolder>;
}

export class StoreError extends Error {
  constructor(
    /** EWS response code; the Graph endpoint maps these to HTTP statuses. */
    readonly code:
      | 'ErrorNonExistentMailbox'
      | 'ErrorItemNotFound'
      | 'ErrorFolderNotFound'
      | 'ErrorFolderExists'
      | 'ErrorIrresolvableConflict'
      | 'ErrorInvalidSyncStateData'
      | 'ErrorInvalidIdMalformed'
      | 'ErrorCannotCreateContactInNonContactFolder'
      | 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange'
      | 'ErrorCalendarOccurrenceIsDeletedFromRecurrence'
      | 'ErrorInvalidRequest',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ids, change keys, cursors

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function newItemId(): string {
  return `AAMkA${b64url(randomBytes(33))}`;
}
export function newFolderId(): string {
  return `AQMkA${b64url(randomBytes(24))}`;
}
export function newAttachmentId(): string {
  return `AAMkAtt${b64url(randomBytes(24))}`;
}
export function newChangeKey(): string {
  return `CQAAAB${b64url(randomBytes(12))}`;
}

export function extendedPropertyKey(propertySetId: string, name: string): string {
  return `${propertySetId.toLowerCase().replace(/[{}]/g, '')}|${name}`;
}

/** Decoded content of a sync cursor (EWS SyncState / Graph delta or skip token). */
export interface ChangeCursor {
  /** Kind of log: a folder's items, or the folder hierarchy. */
  scope: 'items' | 'hierarchy';
  mailbox: string;
  folderId?: string;
  generation: number;
  /** Changes after this sequence number are reported. */
  since: number;
  /** Set while paging through one round: changes up to this sequence number, starting at `offset`. */
  until?: number;
  offset?: number;
}

const CURSOR_PREFIX = 'H4sIEMU';

/** Opaque, base64 (standard alphabet, like a real gzip SyncState starting `H4sI`). */
export function encodeCursor(cursor: ChangeCursor): string {
  const compact = [cursor.scope === 'items' ? 'i' : 'h', cursor.mailbox, cursor.folderId ?? '', cursor.generation, cursor.since, cursor.until ?? '', cursor.offset ?? ''];
  return CURSOR_PREFIX + Buffer.from(JSON.stringify(compact), 'utf8').toString('base64');
}

/** Throws StoreError ErrorInvalidSyncStateData for anything that is not a cursor this store produced. */
export function decodeCursor(token: string): ChangeCursor {
  const invalid = new StoreError('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');
  if (!token.startsWith(CURSOR_PREFIX)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(CURSOR_PREFIX.length), 'base64').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 7) throw invalid;
  const [scope, mailbox, folderId, generation, since, until, offset] = parsed as unknown[];
  if ((scope !== 'i' && scope !== 'h') || typeof mailbox !== 'string' || typeof folderId !== 'string') throw invalid;
  if (typeof generation !== 'number' || typeof since !== 'number') throw invalid;
  return {
    scope: scope === 'i' ? 'items' : 'hierarchy',
    mailbox,
    folderId: folderId || undefined,
    generation,
    since,
    until: typeof until === 'number' ? until : undefined,
    offset: typeof offset === 'number' ? offset : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Well-known folders

const WELL_KNOWN: { name: WellKnownFolder; displayName: string; kind: FolderKind }[] = [
  { name: 'inbox', displayName: 'Inbox', kind: 'mail' },
  { name: 'sentitems', displayName: 'Sent Items', kind: 'mail' },
  { name: 'drafts', displayName: 'Drafts', kind: 'mail' },
  { name: 'deleteditems', displayName: 'Deleted Items', kind: 'mail' },
  { name: 'calendar', displayName: 'Calendar', kind: 'calendar' },
  { name: 'contacts', displayName: 'Contacts', kind: 'contacts' },
  { name: 'tasks', displayName: 'Tasks', kind: 'tasks' },
];

/** EWS FolderClass of a folder kind. */
export function folderClassOf(kind: FolderKind): string {
  return { mail: 'IPF.Note', calendar: 'IPF.Appointment', contacts: 'IPF.Contact', tasks: 'IPF.Task' }[kind];
}
export function folderKindOfClass(folderClass: string | undefined): FolderKind {
  if (!folderClass) return 'mail';
  if (folderClass.startsWith('IPF.Appointment')) return 'calendar';
  if (folderClass.startsWith('IPF.Contact')) return 'contacts';
  if (folderClass.startsWith('IPF.Task')) return 'tasks';
  return 'mail';
}
/** Which item kind a folder kind holds. */
export function itemKindOfFolder(kind: FolderKind): StoredItemKind {
  return ({ mail: 'message', calendar: 'event', contacts: 'contact', tasks: 'task' } as const)[kind];
}

/** Outlook's default master categories (the six colour categories of a new profile). */
const DEFAULT_CATEGORIES: MasterCategory[] = [
  { displayName: 'Red category', color: 'preset0' },
  { displayName: 'Orange category', color: 'preset1' },
  { displayName: 'Yellow category', color: 'preset3' },
  { displayName: 'Green category', color: 'preset4' },
  { displayName: 'Blue category', color: 'preset7' },
  { displayName: 'Purple category', color: 'preset8' },
];

export function presetIndex(color: CategoryColor): number {
  return color === 'none' ? -1 : Number(color.slice('preset'.length));
}
export function presetColor(index: number): CategoryColor {
  return index < 0 || index > 24 || !Number.isInteger(index) ? 'none' : `preset${index}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The store

export interface ServiceAccount {
  username: string;
  password: string;
  /** Lower-cased mailbox addresses this account may impersonate (ApplicationImpersonation scope). */
  impersonates: Set<string>;
}

export interface Principal {
  kind: 'service' | 'user';
  /** Lower-cased username / mailbox address. */
  name: string;
}

export class ExchangeStore {
  private readonly mailboxes = new Map<string, MailboxRecord>();
  private readonly serviceAccounts = new Map<string, ServiceAccount>();
  /** Meeting messages the server sent on behalf of a mailbox (tests assert sync never sends any). */
  readonly sentMeetingMessages: SentMeetingMessage[] = [];

  // ---- mailboxes and accounts ----

  /** Creates a mailbox with the well-known folders and Outlook's default categories. Idempotent per address. */
  addMailbox(address: string, displayName: string, password: string): MailboxRecord {
    const key = address.toLowerCase();
    const existing = this.mailboxes.get(key);
    if (existing) return existing;
    const record: MailboxRecord = {
      address: key,
      displayName,
      password,
      generation: 1,
      seq: 0,
      folders: new Map(),
      items: new Map(),
      folderLogs: new Map(),
      hierarchyLog: [],
      masterCategories: DEFAULT_CATEGORIES.map((c) => ({ ...c, id: `{${randomUUID()}}` })),
      userConfigurations: new Map(),
      removedItems: new Map(),
      removedFolders: new Map(),
    };
    this.mailboxes.set(key, record);
    const root = this.insertFolder(record, { displayName: 'Top of Information Store', kind: 'mail', wellKnownName: 'msgfolderroot' });
    for (const wk of WELL_KNOWN) this.insertFolder(record, { displayName: wk.displayName, kind: wk.kind, parentId: root.id, wellKnownName: wk.name });
    return record;
  }

  hasMailbox(address: string): boolean {
    return this.mailboxes.has(address.toLowerCase());
  }

  /** Throws StoreError ErrorNonExistentMailbox. */
  mailbox(address: string): MailboxRecord {
    const record = this.mailboxes.get(address.toLowerCase());
    if (!record) throw new StoreError('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it: ${address}`);
    return record;
  }

  listMailboxes(): MailboxRecord[] {
    return [...this.mailboxes.values()];
  }

  addServiceAccount(username: string, password: string): ServiceAccount {
    const key = username.toLowerCase();
    const account = this.serviceAccounts.get(key) ?? { username: key, password, impersonates: new Set<string>() };
    account.password = password;
    this.serviceAccounts.set(key, account);
    return account;
  }

  serviceAccount(username: string): ServiceAccount | undefined {
    return this.serviceAccounts.get(username.toLowerCase());
  }

  /** Changes a mailbox user's or service account's password (old credentials then fail with 401). */
  setPassword(username: string, password: string): void {
    const account = this.serviceAccounts.get(username.toLowerCase());
    if (account) account.password = password;
    const mailbox = this.mailboxes.get(username.toLowerCase());
    if (mailbox) mailbox.password = password;
  }

  grantImpersonation(serviceAccount: string, mailbox: string): void {
    const account = this.serviceAccounts.get(serviceAccount.toLowerCase());
    if (!account) throw new Error(`Unknown service account ${serviceAccount}`);
    account.impersonates.add(mailbox.toLowerCase());
  }

  revokeImpersonation(serviceAccount: string, mailbox: string): void {
    this.serviceAccounts.get(serviceAccount.toLowerCase())?.impersonates.delete(mailbox.toLowerCase());
  }

  canImpersonate(serviceAccount: string, mailbox: string): boolean {
    return this.serviceAccounts.get(serviceAccount.toLowerCase())?.impersonates.has(mailbox.toLowerCase()) ?? false;
  }

  /** Basic-auth check: service accounts first, then mailbox users (direct logon). */
  authenticate(username: string, password: string): Principal | undefined {
    const key = username.toLowerCase();
    const account = this.serviceAccounts.get(key);
    if (account) return account.password === password ? { kind: 'service', name: key } : undefined;
    const mailbox = this.mailboxes.get(key);
    if (mailbox && mailbox.password === password) return { kind: 'user', name: key };
    return undefined;
  }

  /** Makes every outstanding cursor (SyncState / delta token) of the mailbox invalid. */
  invalidateCursors(address: string): void {
    this.mailbox(address).generation += 1;
  }

  // ---- folders ----

  private insertFolder(record: MailboxRecord, folder: Omit<StoredFolder, 'id' | 'changeKey'>): StoredFolder {
    const stored: StoredFolder = { ...folder, id: newFolderId(), changeKey: newChangeKey() };
    record.folders.set(stored.id, stored);
    record.folderLogs.set(stored.id, []);
    record.hierarchyLog.push({ seq: ++record.seq, type: 'create', itemId: stored.id });
    return stored;
  }

  /** Throws ErrorFolderNotFound. */
  folder(address: string, folderId: string): StoredFolder {
    const folder = this.mailbox(address).folders.get(folderId);
    if (!folder) throw new StoreError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    return folder;
  }

  wellKnownFolder(address: string, name: WellKnownFolder): StoredFolder {
    for (const folder of this.mailbox(address).folders.values()) if (folder.wellKnownName === name) return folder;
    throw new StoreError('ErrorFolderNotFound', `The distinguished folder ${name} does not exist.`);
  }

  /** Resolves a folder id or a well-known name (EWS DistinguishedFolderId / Graph well-known folder names). */
  resolveFolder(address: string, idOrWellKnown: string): StoredFolder {
    const record = this.mailbox(address);
    const direct = record.folders.get(idOrWellKnown);
    if (direct) return direct;
    const lower = idOrWellKnown.toLowerCase();
    for (const folder of record.folders.values()) if (folder.wellKnownName === lower) return folder;
    throw new StoreError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  }

  listFolders(address: string): StoredFolder[] {
    return [...this.mailbox(address).folders.values()];
  }

  childFolders(address: string, parentId: string, deep = false): StoredFolder[] {
    const all = this.listFolders(address);
    const direct = all.filter((f) => f.parentId === parentId);
    if (!deep) return direct;
    return direct.flatMap((f) => [f, ...this.childFolders(address, f.id, true)]);
  }

  /** Throws ErrorFolderExists when the parent already has a child of that name (case-insensitive, like Exchange). */
  createFolder(address: string, parentId: string, displayName: string, kind: FolderKind): StoredFolder {
    const record = this.mailbox(address);
    this.folder(address, parentId);
    const clash = [...record.folders.values()].some((f) => f.parentId === parentId && f.displayName.toLowerCase() === displayName.toLowerCase());
    if (clash) throw new StoreError('ErrorFolderExists', 'A folder with the specified name already exists.');
    return this.insertFolder(record, { displayName, kind, parentId });
  }

  /** Renames a folder (what the user does in Outlook): new change key, logged as a hierarchy update. */
  renameFolder(address: string, folderId: string, displayName: string): StoredFolder {
    const record = this.mailbox(address);
    const folder = this.folder(address, folderId);
    if (folder.wellKnownName) throw new StoreError('ErrorInvalidRequest', 'A distinguished folder cannot be renamed.');
    const clash = [...record.folders.values()].some((f) => f.id !== folderId && f.parentId === folder.parentId && f.displayName.toLowerCase() === displayName.toLowerCase());
    if (clash) throw new StoreError('ErrorFolderExists', 'A folder with the specified name already exists.');
    const renamed: StoredFolder = { ...folder, displayName, changeKey: newChangeKey() };
    record.folders.set(folderId, renamed);
    record.hierarchyLog.push({ seq: ++record.seq, type: 'update', itemId: folderId });
    return renamed;
  }

  /**
   * Hard-deletes a folder with its subfolders and items (Shift+Delete in Outlook). Every removed folder is logged as a
   * hierarchy delete, as SyncFolderHierarchy reports each of them; the items go with their folders (their folder logs
   * stay, so a SyncFolderItems cursor of a deleted folder is answered with ErrorFolderNotFound, not garbage).
   */
  deleteFolder(address: string, folderId: string): void {
    const record = this.mailbox(address);
    const folder = this.folder(address, folderId);
    if (folder.wellKnownName) throw new StoreError('ErrorInvalidRequest', 'A distinguished folder cannot be deleted.');
    for (const gone of [folder, ...this.childFolders(address, folderId, true)].reverse()) {
      for (const item of [...record.items.values()]) {
        if (item.folderId !== gone.id) continue;
        record.items.delete(item.id);
        record.removedItems.set(item.id, item);
      }
      record.folders.delete(gone.id);
      record.removedFolders.set(gone.id, gone);
      record.hierarchyLog.push({ seq: ++record.seq, type: 'delete', itemId: gone.id });
    }
  }

  // ---- items ----

  /** Throws ErrorItemNotFound (also for ids of another mailbox). */
  item(address: string, itemId: string): StoredItem {
    const item = this.mailbox(address).items.get(itemId);
    if (!item) throw new StoreError('ErrorItemNotFound', 'The specified object was not found in the store.');
    return item;
  }

  /** Items of a folder, newest first (by creation). */
  listItems(address: string, folderId: string): StoredItem[] {
    this.folder(address, folderId);
    return [...this.mailbox(address).items.values()].filter((i) => i.folderId === folderId).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Finds items of the mailbox carrying an extended property value (the C4C ObjectID stamp search). */
  findByExtendedProperty(address: string, propertySetId: string, name: string, value: string): StoredItem[] {
    const key = extendedPropertyKey(propertySetId, name);
    return [...this.mailbox(address).items.values()].filter((i) => i.extendedProperties[key]?.value === value);
  }

  private log(record: MailboxRecord, folderId: string, type: ChangeType, itemId: string): void {
    let log = record.folderLogs.get(folderId);
    if (!log) {
      log = [];
      record.folderLogs.set(folderId, log);
    }
    log.push({ seq: ++record.seq, type, itemId });
    for (const listener of this.changeListeners) listener({ address: record.address, folderId, type, itemId, seq: record.seq });
  }

  /** Observers of every logged item change (the Graph subscription and EWS notification emulators). */
  private readonly changeListeners = new Set<(change: StoreChange) => void>();

  /** Calls `listener` after every item change; returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Creates an item in a folder. Checks that the folder holds that kind of item (contacts only in contact folders,
   * like Exchange's ErrorCannotCreateContactInNonContactFolder). `options.at` sets createdAt (seeding history).
   */
  createItem<T extends NewItem>(address: string, folderId: string, input: T, options: { at?: string; id?: string } = {}): StoredItem {
    const record = this.mailbox(address);
    const folder = this.folder(address, folderId);
    if (input.kind === 'contact' && folder.kind !== 'contacts') {
      throw new StoreError('ErrorCannotCreateContactInNonContactFolder', 'Cannot create a contact in a non-contact Folder.');
    }
    const now = options.at ?? new Date().toISOString();
    const item = {
      ...input,
      categories: input.categories ?? [],
      extendedProperties: input.extendedProperties ?? {},
      id: options.id ?? newItemId(),
      changeKey: newChangeKey(),
      folderId,
      createdAt: now,
      lastModifiedAt: now,
    } as StoredItem;
    record.items.set(item.id, item);
    this.log(record, folderId, 'create', item.id);
    return item;
  }

  /**
   * Applies `mutate` to a copy of the item and stores it with a new change key.
   * `expectedChangeKey` models EWS ConflictResolution=NeverOverwrite / Graph If-Match: a stale key → ErrorIrresolvableConflict.
   */
  updateItem(address: string, itemId: string, mutate: (item: StoredItem) => void, options: { expectedChangeKey?: string } = {}): StoredItem {
    const record = this.mailbox(address);
    const current = this.item(address, itemId);
    if (options.expectedChangeKey && options.expectedChangeKey !== current.changeKey) {
      throw new StoreError('ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
    }
    const next = structuredClone(current);
    mutate(next);
    if (next.kind === 'event' && current.kind === 'event' && (next.exceptions?.length || next.deletedOccurrences?.length)) {
      // Outlook drops a series' exceptions when its pattern or times change: the old slots no longer exist.
      const timing = (e: StoredEvent): string => JSON.stringify([e.recurrence ?? null, e.start, e.end, e.timeZone]);
      if (timing(next) !== timing(current)) {
        delete next.exceptions;
        delete next.deletedOccurrences;
      }
    }
    next.id = current.id;
    next.folderId = current.folderId;
    next.changeKey = newChangeKey();
    next.lastModifiedAt = new Date().toISOString();
    record.items.set(itemId, next);
    this.log(record, next.folderId, 'update', itemId);
    return next;
  }

  /** Moves an item (id kept: immutable-id semantics); logged as delete in the source and create in the target. */
  moveItem(address: string, itemId: string, targetFolderId: string): StoredItem {
    const record = this.mailbox(address);
    const item = this.item(address, itemId);
    this.folder(address, targetFolderId);
    if (item.folderId === targetFolderId) return item;
    const moved = { ...item, folderId: targetFolderId, changeKey: newChangeKey(), lastModifiedAt: new Date().toISOString() } as StoredItem;
    record.items.set(itemId, moved);
    this.log(record, item.folderId, 'delete', itemId);
    this.log(record, targetFolderId, 'create', itemId);
    return moved;
  }

  /** `soft` moves to Deleted Items (unless already there); `hard` removes the item. */
  deleteItem(address: string, itemId: string, mode: 'hard' | 'soft' = 'hard'): void {
    const record = this.mailbox(address);
    const item = this.item(address, itemId);
    const deleted = this.wellKnownFolder(address, 'deleteditems');
    if (mode === 'soft' && item.folderId !== deleted.id) {
      this.moveItem(address, itemId, deleted.id);
      return;
    }
    record.items.delete(itemId);
    record.removedItems.set(itemId, item);
    this.log(record, item.folderId, 'delete', itemId);
  }

  // ---- recurring series (see recurrence.ts) ----

  /** A series master of the mailbox; ErrorItemNotFound for anything else. */
  seriesMaster(address: string, masterId: string): StoredEvent {
    const item = this.item(address, masterId);
    if (item.kind !== 'event' || !item.recurrence) throw new StoreError('ErrorItemNotFound', 'The specified object is not a recurring master.');
    return item;
  }

  /**
   * Finds an item by id, occurrence ids included (computed from their master; deleted occurrences and slots the
   * pattern does not have are ErrorItemNotFound). Reads only: writes go through the master.
   */
  readItem(address: string, itemId: string): StoredItem {
    const occurrence = parseOccurrenceId(itemId);
    if (!occurrence) return this.item(address, itemId);
    const master = this.seriesMaster(address, occurrence.masterId);
    const slot = slotAt(master, occurrence.originalStart);
    if (!slot || (master.deletedOccurrences ?? []).includes(slot.originalStart)) throw new StoreError('ErrorItemNotFound', 'The specified object was not found in the store.');
    return instanceOf(master, slot.originalStart);
  }

  /** Occurrences and exceptions of a master overlapping [start, end). */
  seriesInstances(address: string, masterId: string, window: { start: string; end: string }): StoredEvent[] {
    return seriesInstances(this.seriesMaster(address, masterId), window);
  }

  /**
   * The original start of an occurrence named by 1-based index (EWS InstanceIndex) or by original start (an ISO
   * instant, or an occurrence id). Throws the EWS errors for indexes past the range and deleted occurrences.
   */
  occurrenceStart(address: string, masterId: string, occurrence: number | string): string {
    const master = this.seriesMaster(address, masterId);
    let slot;
    if (typeof occurrence === 'number') slot = slotAtIndex(master, occurrence);
    else {
      const parsed = parseOccurrenceId(occurrence);
      if (parsed && parsed.masterId !== masterId) throw new StoreError('ErrorItemNotFound', 'The occurrence belongs to another series.');
      slot = slotAt(master, parsed?.originalStart ?? occurrence);
    }
    if (!slot) throw new StoreError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange', 'Occurrence index is out of recurrence range.');
    if ((master.deletedOccurrences ?? []).includes(slot.originalStart)) throw new StoreError('ErrorCalendarOccurrenceIsDeletedFromRecurrence', 'Occurrence with this index was previously deleted from the recurrence.');
    return slot.originalStart;
  }

  /** Makes (or changes) an exception: the master gets a new change key, the instance its own. */
  modifyOccurrence(address: string, masterId: string, originalStart: string, changes: OccurrenceChanges): StoredEvent {
    const at = this.occurrenceStart(address, masterId, originalStart);
    const now = new Date().toISOString();
    const master = this.updateItem(address, masterId, (item) => {
      if (item.kind !== 'event') return;
      const exceptions = item.exceptions ?? [];
      const existing = exceptions.find((x) => x.originalStart === at);
      const merged = { ...(existing?.changes ?? {}), ...structuredClone(changes) };
      const entry: StoredOccurrenceChange = { originalStart: at, changeKey: newChangeKey(), lastModifiedAt: now, changes: merged };
      item.exceptions = [...exceptions.filter((x) => x.originalStart !== at), entry];
    }) as StoredEvent;
    return instanceOf(master, at);
  }

  /** Deletes one occurrence (or exception) from its series. */
  deleteOccurrence(address: string, masterId: string, originalStart: string): void {
    const at = this.occurrenceStart(address, masterId, originalStart);
    this.updateItem(address, masterId, (item) => {
      if (item.kind !== 'event') return;
      item.exceptions = (item.exceptions ?? []).filter((x) => x.originalStart !== at);
      item.deletedOccurrences = [...(item.deletedOccurrences ?? []), at];
    });
  }

  /** Finds an attachment across the mailbox's messages. */
  attachment(address: string, attachmentId: string): { item: StoredItem; attachment: StoredAttachment } {
    for (const item of this.mailbox(address).items.values()) {
      if (item.kind !== 'message') continue;
      const attachment = item.attachments.find((a) => a.id === attachmentId);
      if (attachment) return { item, attachment };
    }
    throw new StoreError('ErrorItemNotFound', 'The specified attachment was not found.');
  }

  setExtendedProperty(address: string, itemId: string, prop: ExtendedPropertyValue): StoredItem {
    return this.updateItem(address, itemId, (item) => {
      item.extendedProperties[extendedPropertyKey(prop.propertySetId, prop.name)] = { ...prop };
    });
  }

  // ---- master categories ----

  listCategories(address: string): StoredCategory[] {
    return this.mailbox(address).masterCategories.map((c) => ({ ...c }));
  }

  /** Adds a category; displayName is unique (case-insensitive), so a duplicate throws ErrorInvalidRequest. */
  addCategory(address: string, category: MasterCategory): StoredCategory {
    const record = this.mailbox(address);
    if (record.masterCategories.some((c) => c.displayName.toLowerCase() === category.displayName.toLowerCase())) {
      throw new StoreError('ErrorInvalidRequest', `A category named ${category.displayName} already exists.`);
    }
    const stored = { ...category, id: `{${randomUUID()}}` };
    record.masterCategories.push(stored);
    return stored;
  }

  /** Replaces the whole list (EWS UpdateUserConfiguration of CategoryList); ids are kept for unchanged names. */
  replaceCategories(address: string, categories: (MasterCategory & { id?: string })[]): void {
    const record = this.mailbox(address);
    record.masterCategories = categories.map((c) => ({
      displayName: c.displayName,
      color: c.color,
      id: c.id ?? record.masterCategories.find((old) => old.displayName === c.displayName)?.id ?? `{${randomUUID()}}`,
    }));
  }

  updateCategoryColor(address: string, categoryId: string, color: CategoryColor): StoredCategory {
    const category = this.mailbox(address).masterCategories.find((c) => c.id === categoryId);
    if (!category) throw new StoreError('ErrorItemNotFound', 'The category was not found.');
    category.color = color;
    return { ...category };
  }

  deleteCategory(address: string, categoryId: string): void {
    const record = this.mailbox(address);
    const before = record.masterCategories.length;
    record.masterCategories = record.masterCategories.filter((c) => c.id !== categoryId);
    if (record.masterCategories.length === before) throw new StoreError('ErrorItemNotFound', 'The category was not found.');
  }

  // ---- change log and cursors ----

  /** The latest sequence number of the mailbox (the "now" of a sync round). */
  currentSequence(address: string): number {
    return this.mailbox(address).seq;
  }

  /**
   * Net changes of a folder in (since, until], newest first: an item created and deleted in the range disappears,
   * created-then-updated is a create, existed-then-deleted is a delete. Deterministic for a given range, which is
   * what lets a paged round be resumed by offset.
   */
  changesBetween(address: string, folderId: string, since: number, until: number): FolderChange[] {
    const record = this.mailbox(address);
    const log = record.folderLogs.get(folderId);
    if (!log) throw new StoreError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    return netChanges(log, since, until, (id) => {
      const item = record.items.get(id);
      return item && item.folderId === folderId ? item : undefined;
    });
  }

  /**
   * One page of a folder's changes. `cursor` undefined = initial sync (everything currently in the folder is a
   * create). Returns the page, the cursor to store, and `done` (EWS IncludesLastItemInRange / Graph deltaLink).
   * Throws ErrorInvalidSyncStateData for a cursor of another mailbox, folder or generation.
   * Items deleted after the round started are skipped from creates/updates (the next round reports the delete).
   */
  readChangePage(address: string, folderId: string, cursor: string | undefined, pageSize: number): { changes: FolderChange[]; cursor: string; done: boolean } {
    const record = this.mailbox(address);
    this.folder(address, folderId);
    let state: ChangeCursor = { scope: 'items', mailbox: record.address, folderId, generation: record.generation, since: 0 };
    if (cursor) {
      state = decodeCursor(cursor);
      if (state.scope !== 'items' || state.mailbox !== record.address || state.folderId !== folderId || state.generation !== record.generation || state.since > record.seq) {
        throw new StoreError('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');
      }
    }
    const until = state.until ?? record.seq;
    const offset = state.offset ?? 0;
    const all = this.changesBetween(address, folderId, state.since, until);
    const slice = all.slice(offset, offset + pageSize);
    const done = offset + slice.length >= all.length;
    const next: ChangeCursor = done
      ? { scope: 'items', mailbox: record.address, folderId, generation: record.generation, since: until }
      : { scope: 'items', mailbox: record.address, folderId, generation: record.generation, since: state.since, until, offset: offset + slice.length };
    return { changes: slice.filter((c) => c.type === 'delete' || c.item), cursor: encodeCursor(next), done };
  }

  /** Same as readChangePage for the folder hierarchy (SyncFolderHierarchy / mailFolders delta). */
  readHierarchyPage(
    address: string,
    cursor: string | undefined,
    pageSize: number,
  ): { changes: { type: ChangeType; folderId: string; folder?: StoredFolder; /** Deletes: the folder's last state. */ removed?: StoredFolder }[]; cursor: string; done: boolean } {
    const record = this.mailbox(address);
    let state: ChangeCursor = { scope: 'hierarchy', mailbox: record.address, generation: record.generation, since: 0 };
    if (cursor) {
      state = decodeCursor(cursor);
      if (state.scope !== 'hierarchy' || state.mailbox !== record.address || state.generation !== record.generation || state.since > record.seq) {
        throw new StoreError('ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.');
      }
    }
    const until = state.until ?? record.seq;
    const offset = state.offset ?? 0;
    const root = this.wellKnownFolder(address, 'msgfolderroot');
    const all = netChanges(record.hierarchyLog, state.since, until, (id) => record.folders.get(id)).filter((c) => c.itemId !== root.id);
    const slice = all.slice(offset, offset + pageSize);
    const done = offset + slice.length >= all.length;
    const next: ChangeCursor = done
      ? { scope: 'hierarchy', mailbox: record.address, generation: record.generation, since: until }
      : { scope: 'hierarchy', mailbox: record.address, generation: record.generation, since: state.since, until, offset: offset + slice.length };
    return {
      changes: slice
        .filter((c) => c.type === 'delete' || c.item)
        .map((c) => ({ type: c.type, folderId: c.itemId, folder: c.item, ...(c.type === 'delete' ? { removed: record.removedFolders.get(c.itemId) } : {}) })),
      cursor: encodeCursor(next),
      done,
    };
  }

  // ---- meeting messages ----

  recordMeetingMessage(message: Omit<SentMeetingMessage, 'at'>): void {
    this.sentMeetingMessages.push({ ...message, at: new Date().toISOString() });
  }

  /** Finds every copy of a meeting (organizer and attendees) across mailboxes. Series: the masters. */
  meetingCopies(iCalUid: string): { mailbox: string; event: StoredEvent }[] {
    const copies: { mailbox: string; event: StoredEvent }[] = [];
    for (const record of this.mailboxes.values()) {
      for (const item of record.items.values()) if (item.kind === 'event' && item.iCalUid === iCalUid) copies.push({ mailbox: record.address, event: item });
    }
    return copies;
  }
}

function netChanges<T>(log: ChangeLogEntry[], since: number, until: number, current: (id: string) => T | undefined): { type: ChangeType; itemId: string; item?: T; seq: number }[] {
  // First index with seq > since (binary search: logs are ascending).
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid].seq <= since) lo = mid + 1;
    else hi = mid;
  }
  const perItem = new Map<string, { first: ChangeType; last: ChangeType; seq: number }>();
  for (let i = lo; i < log.length && log[i].seq <= until; i++) {
    const entry = log[i];
    const seen = perItem.get(entry.itemId);
    if (seen) {
      seen.last = entry.type;
      seen.seq = entry.seq;
    } else perItem.set(entry.itemId, { first: entry.type, last: entry.type, seq: entry.seq });
  }
  const changes: { type: ChangeType; itemId: string; item?: T; seq: number }[] = [];
  for (const [itemId, { first, last, seq }] of perItem) {
    let type: ChangeType;
    if (last === 'delete') {
      if (first === 'create') continue; // born and gone inside the range
      type = 'delete';
    } else type = first === 'create' ? 'create' : first === 'delete' ? 'update' : 'update';
    // delete-then-create in one range (moved out and back): the client knew it, so it is an update.
    changes.push({ type, itemId, item: type === 'delete' ? undefined : current(itemId), seq });
  }
  return changes.sort((a, b) => b.seq - a.seq);
}
