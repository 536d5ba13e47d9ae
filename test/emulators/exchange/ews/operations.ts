/**
 * EWS operations of the emulator. Each takes the operation element of the request and returns the
 * `ResponseMessages` content; per-item failures become `ResponseClass="Error"` messages (HTTP 200) like Exchange.
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeControl } from '../control';
import { inWindow, occurrenceId, parseOccurrenceId, seriesInstances } from '../recurrence';
import { ExchangeStore, StoreError, type OccurrenceChanges, type StoredEvent, type StoredItem, type StoredItemKind, type NewItem } from '../store';
import { newICalUid } from '../user-actions';
import { categoryListXml, configurationItemId, contentChangeKey, parseCategoryList } from './categories';
import { findItemsIndexed } from './find-items';
import { ResolveNames } from './resolve-names';
import { folderIdOnlyXml, folderIdRefs, folderXml, KIND_OF_FOLDER_ELEMENT, readFolderShape, resolveFolderRef } from './folders';
import { applyFields, attachmentXml, checkShapeFields, deleteField, extendedKeyOf, itemIdOnlyXml, itemXml, KIND_OF_ELEMENT, readExtendedFieldRef, readItemFields, readItemShape, type ItemFields } from './items';
import { errorMessage, success } from './soap';
import { folderKindOfClass } from '../store';
import { all, attr, child, childNames, childText, el, SchemaError, tx, type XNode } from './xml';

export interface OperationContext {
  store: ExchangeStore;
  control: ExchangeControl;
  /** The mailbox being accessed (impersonated or logged-on user), lower case. */
  mailbox: string;
  /** Windows zone of the TimeZoneContext header, when sent. */
  timeZoneContext?: string;
}

export type Operation = (op: XNode, ctx: OperationContext) => string;

/** Runs `fn` and turns StoreError into the operation's error message. */
function perItem(operation: string, emptyContent: string, fn: () => string): string {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StoreError) return errorMessage(operation, error.code, error.message, emptyContent);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Folders

const GetFolder: Operation = (op, ctx) => {
  const shape = readFolderShape(child(op, 'FolderShape'));
  return folderIdRefs(child(op, 'FolderIds'))
    .map((ref) => perItem('GetFolder', el('m:Folders'), () => success('GetFolder', el('m:Folders', folderXml(ctx.store, ctx.mailbox, resolveFolderRef(ctx.store, ctx.mailbox, ref), shape)))))
    .join('');
};

const FindFolder: Operation = (op, ctx) => {
  const shape = readFolderShape(child(op, 'FolderShape'));
  const deep = (attr(op, 'Traversal') ?? 'Shallow') === 'Deep';
  if (child(op, 'Restriction') !== undefined) throw new SchemaError('The emulator does not support FindFolder restrictions; list the folders and filter them.');
  const view = child(op, 'IndexedPageFolderView');
  const max = Number(attr(view, 'MaxEntriesReturned') ?? '1000');
  const offset = Number(attr(view, 'Offset') ?? '0');
  return folderIdRefs(child(op, 'ParentFolderIds'))
    .map((ref) =>
      perItem('FindFolder', '', () => {
        const parent = resolveFolderRef(ctx.store, ctx.mailbox, ref);
        const folders = ctx.store.childFolders(ctx.mailbox, parent.id, deep);
        const page = folders.slice(offset, offset + max);
        const last = offset + page.length >= folders.length;
        return success(
          'FindFolder',
          el('m:RootFolder', el('t:Folders', page.map((f) => folderXml(ctx.store, ctx.mailbox, f, shape)).join('')), {
            IndexedPagingOffset: last ? undefined : offset + page.length,
            TotalItemsInView: folders.length,
            IncludesLastItemInRange: last,
          }),
        );
      }),
    )
    .join('');
};

const CreateFolder: Operation = (op, ctx) => {
  const [parentRef] = folderIdRefs(child(op, 'ParentFolderId'));
  if (!parentRef) throw new SchemaError('ParentFolderId is required.');
  const folders = child(op, 'Folders');
  const messages: string[] = [];
  for (const elementName of childNames(folders)) {
    for (const node of all(folders, elementName)) {
      messages.push(
        perItem('CreateFolder', el('m:Folders'), () => {
          const parent = resolveFolderRef(ctx.store, ctx.mailbox, parentRef);
          const name = childText(node, 'DisplayName');
          if (!name) throw new StoreError('ErrorInvalidRequest', 'DisplayName is required.');
          const kind = KIND_OF_FOLDER_ELEMENT[elementName] ?? folderKindOfClass(childText(node, 'FolderClass'));
          const created = ctx.store.createFolder(ctx.mailbox, parent.id, name, kind);
          return success('CreateFolder', el('m:Folders', folderIdOnlyXml(created)));
        }),
      );
    }
  }
  return messages.join('');
};

const SyncFolderHierarchy: Operation = (op, ctx) => {
  const shape = readFolderShape(child(op, 'FolderShape'));
  const syncState = childText(op, 'SyncState') || undefined;
  // SyncFolderHierarchy says IncludesLastFolderInRange (SyncFolderItems: IncludesLastItemInRange).
  return perItem('SyncFolderHierarchy', tx('m:SyncState', '') + tx('m:IncludesLastFolderInRange', true), () => {
    const page = ctx.store.readHierarchyPage(ctx.mailbox, syncState, 512);
    const changes = page.changes
      .map((c) => (c.type === 'delete' ? el('t:Delete', el('t:FolderId', null, { Id: c.folderId })) : el(c.type === 'create' ? 't:Create' : 't:Update', folderXml(ctx.store, ctx.mailbox, c.folder!, shape))))
      .join('');
    return success('SyncFolderHierarchy', tx('m:SyncState', page.cursor) + tx('m:IncludesLastFolderInRange', page.done) + el('m:Changes', changes));
  });
};

// ---------------------------------------------------------------------------------------------------------------
// Items

/** MaxChangesReturned is 1..512 in the EWS schema. */
export const MAX_SYNC_CHANGES = 512;

const SyncFolderItems: Operation = (op, ctx) => {
  const shape = readItemShape(child(op, 'ItemShape'));
  checkShapeFields(shape);
  const [folderRef] = folderIdRefs(child(op, 'SyncFolderId'));
  if (!folderRef) throw new SchemaError('SyncFolderId is required.');
  const max = Number(childText(op, 'MaxChangesReturned'));
  if (!Number.isInteger(max) || max < 1 || max > MAX_SYNC_CHANGES) throw new SchemaError(`MaxChangesReturned must be between 1 and ${MAX_SYNC_CHANGES}.`);
  const syncState = childText(op, 'SyncState') || undefined;
  const ignore = new Set(all(child(op, 'Ignore'), 'ItemId').map((i) => attr(i, 'Id')));
  return perItem('SyncFolderItems', tx('m:SyncState', '') + tx('m:IncludesLastItemInRange', true), () => {
    const folder = resolveFolderRef(ctx.store, ctx.mailbox, folderRef);
    const page = ctx.store.readChangePage(ctx.mailbox, folder.id, syncState, max);
    const changes = page.changes
      .filter((c) => !ignore.has(c.itemId))
      .map((c) => {
        if (c.type === 'delete') return el('t:Delete', el('t:ItemId', null, { Id: c.itemId }));
        return el(c.type === 'create' ? 't:Create' : 't:Update', itemXml(c.item!, shape));
      })
      .join('');
    return success('SyncFolderItems', tx('m:SyncState', page.cursor) + tx('m:IncludesLastItemInRange', page.done) + el('m:Changes', changes));
  });
};

/** An item reference of a request: a plain ItemId, an occurrence by index, or "the master of this occurrence". */
type ItemRef =
  | { kind: 'id'; id: string; changeKey?: string }
  | { kind: 'occurrence'; masterId: string; index: number }
  | { kind: 'master'; occurrenceId: string };

const ITEM_ID_ELEMENTS = ['ItemId', 'OccurrenceItemId', 'RecurringMasterItemId'];

function itemRefs(container: XNode | undefined): ItemRef[] {
  const refs: ItemRef[] = [];
  for (const name of childNames(container)) {
    if (!ITEM_ID_ELEMENTS.includes(name)) throw new SchemaError(`${name} is not supported by the emulator.`);
    for (const n of all(container, name)) {
      if (name === 'ItemId') refs.push({ kind: 'id', id: attr(n, 'Id') ?? '', changeKey: attr(n, 'ChangeKey') });
      else if (name === 'OccurrenceItemId') refs.push({ kind: 'occurrence', masterId: attr(n, 'RecurringMasterId') ?? '', index: Number(attr(n, 'InstanceIndex')) });
      else refs.push({ kind: 'master', occurrenceId: attr(n, 'OccurrenceId') ?? '' });
    }
  }
  return refs;
}

/**
 * The store id a reference means: OccurrenceItemId → the occurrence's id (EWS errors for an index past the range or
 * a deleted occurrence), RecurringMasterItemId → its series master (a master names itself).
 */
function resolveRef(ctx: OperationContext, ref: ItemRef): string {
  if (ref.kind === 'id') return ref.id;
  if (ref.kind === 'occurrence') {
    if (!Number.isInteger(ref.index) || ref.index < 1) throw new SchemaError('InstanceIndex must be a positive integer.');
    return occurrenceId(ref.masterId, ctx.store.occurrenceStart(ctx.mailbox, ref.masterId, ref.index));
  }
  const parsed = parseOccurrenceId(ref.occurrenceId);
  return ctx.store.seriesMaster(ctx.mailbox, parsed?.masterId ?? ref.occurrenceId).id;
}

/** What an UpdateItem on an occurrence may change (the rest belongs to the series). */
const OCCURRENCE_FIELDS = ['subject', 'start', 'end', 'location', 'bodyHtml', 'isAllDay', 'sensitivity', 'categories', 'attendees'] as const;

const GetItem: Operation = (op, ctx) => {
  const shape = readItemShape(child(op, 'ItemShape'));
  checkShapeFields(shape);
  return itemRefs(child(op, 'ItemIds'))
    .map((ref) => perItem('GetItem', el('m:Items'), () => success('GetItem', el('m:Items', itemXml(ctx.store.readItem(ctx.mailbox, resolveRef(ctx, ref)), shape)))))
    .join('');
};

/** Properties FindItem cannot return (EWS answers ErrorInvalidPropertyRequest; clients read them with GetItem). */
const NOT_IN_FIND_ITEM = ['item:Body', 'item:Attachments', 'item:MimeContent', 'calendar:RequiredAttendees', 'calendar:OptionalAttendees', 'calendar:Resources', 'calendar:ModifiedOccurrences', 'calendar:DeletedOccurrences'];

function instantAttr(node: XNode | undefined, name: string): number {
  const value = attr(node, name);
  const ms = value === undefined ? Number.NaN : Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(ms)) throw new SchemaError(`CalendarView/@${name} must be an xs:dateTime.`);
  return ms;
}

/**
 * FindItem with a CalendarView: the calendar "as it appears" — single items and the occurrences and exceptions of
 * series overlapping [StartDate, EndDate), ordered by start; never the masters. MaxEntriesReturned cuts the list
 * (IncludesLastItemInRange="false"); clients continue from the last start. Other views are not modelled.
 */
const FindItem: Operation = (op, ctx) => {
  const shape = readItemShape(child(op, 'ItemShape'));
  checkShapeFields(shape);
  const forbidden = [...shape.fields].filter((f) => NOT_IN_FIND_ITEM.includes(f));
  const view = child(op, 'CalendarView');
  if (view === undefined && child(op, 'IndexedPageItemView') !== undefined) return findItemsIndexed(op, ctx, shape, forbidden);
  if (view === undefined) throw new SchemaError('The emulator supports FindItem with a CalendarView or an IndexedPageItemView.');
  if (child(op, 'Restriction') !== undefined || child(op, 'SortOrder') !== undefined) throw new SchemaError('A CalendarView cannot be combined with a restriction or a sort order.');
  const start = instantAttr(view, 'StartDate');
  const end = instantAttr(view, 'EndDate');
  const maxAttr = attr(view, 'MaxEntriesReturned');
  const max = maxAttr === undefined ? Number.POSITIVE_INFINITY : Number(maxAttr);
  if (!(max >= 1)) throw new SchemaError('MaxEntriesReturned must be a positive integer.');
  const window = { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
  return folderIdRefs(child(op, 'ParentFolderIds'))
    .map((ref) =>
      perItem('FindItem', '', () => {
        if (forbidden.length > 0) throw new StoreError('ErrorInvalidRequest', `${forbidden.join(', ')} cannot be requested in FindItem; use GetItem.`);
        if (end < start) throw new StoreError('ErrorInvalidRequest', 'EndDate is earlier than StartDate');
        const folder = resolveFolderRef(ctx.store, ctx.mailbox, ref);
        const events = ctx.store.listItems(ctx.mailbox, folder.id).filter((i): i is StoredEvent => i.kind === 'event');
        const shown = events
          .flatMap((e) => (e.recurrence ? seriesInstances(e, window) : inWindow(e, window) ? [e] : []))
          .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
        const page = shown.slice(0, Math.min(shown.length, max));
        return success(
          'FindItem',
          el('m:RootFolder', el('t:Items', page.map((i) => itemXml(i, shape)).join('')), { TotalItemsInView: shown.length, IncludesLastItemInRange: page.length === shown.length }),
        );
      }),
    )
    .join('');
};

/** Builds a new stored item of `kind` from CreateItem fields, filling what Exchange fills. */
function newItemFrom(kind: StoredItemKind, fields: ItemFields, ctx: OperationContext, options: { isDraft: boolean }): NewItem {
  const owner = ctx.store.mailbox(ctx.mailbox);
  const base = { categories: (fields.categories as string[] | undefined) ?? [], extendedProperties: fields.extendedProperties ?? {} };
  const draft: StoredItem = (() => {
    switch (kind) {
      case 'message':
        return { kind, internetMessageId: `<${randomUUID()}@${owner.address.split('@')[1]}>`, subject: '', to: [], cc: [], isDraft: options.isDraft, isRead: true, bodyHtml: '', attachments: [] } as unknown as StoredItem;
      case 'event': {
        if (fields.start === undefined || fields.end === undefined) throw new StoreError('ErrorInvalidRequest', 'A calendar item needs Start and End.');
        return {
          kind,
          iCalUid: newICalUid(),
          subject: '',
          timeZone: ctx.timeZoneContext ?? 'UTC',
          isAllDay: false,
          attendees: [],
          isOrganizer: true,
          isCancelled: false,
          type: 'singleInstance',
          sensitivity: 'normal',
          organizer: { address: owner.address, name: owner.displayName },
          myResponse: 'organizer',
        } as unknown as StoredItem;
      }
      case 'task':
        return { kind, subject: '', status: 'notStarted', importance: 'normal' } as unknown as StoredItem;
      case 'contact':
        return { kind, displayName: '', emailAddresses: [] } as unknown as StoredItem;
    }
  })();
  (draft as { extendedProperties: object }).extendedProperties = {};
  (draft as { categories: string[] }).categories = [];
  applyFields(draft, fields);
  if (draft.kind === 'event' && draft.recurrence) draft.type = 'seriesMaster';
  if (draft.kind === 'contact' && !draft.displayName) draft.displayName = [draft.givenName, draft.surname].filter(Boolean).join(' ');
  return { ...draft, ...base, extendedProperties: { ...draft.extendedProperties, ...base.extendedProperties } } as unknown as NewItem;
}

const CreateItem: Operation = (op, ctx) => {
  const disposition = attr(op, 'MessageDisposition');
  const sendInvitations = attr(op, 'SendMeetingInvitations');
  const [folderRef] = folderIdRefs(child(op, 'SavedItemFolderId'));
  const items = child(op, 'Items');
  const messages: string[] = [];
  for (const elementName of childNames(items)) {
    const kind = KIND_OF_ELEMENT[elementName];
    if (!kind) throw new SchemaError(`Creating ${elementName} is not supported by the emulator.`);
    for (const node of all(items, elementName)) {
      messages.push(
        perItem('CreateItem', el('m:Items'), () => {
          if (kind === 'event' && !sendInvitations) throw new StoreError('ErrorInvalidRequest', 'SendMeetingInvitations attribute is required for calendar items.');
          if (kind === 'message' && !disposition) throw new StoreError('ErrorInvalidRequest', 'MessageDisposition attribute is required for messages.');
          if (kind === 'contact' && folderRef?.kind === 'distinguished' && folderRef.value !== 'contacts') {
            throw new StoreError('ErrorCannotCreateContactInNonContactFolder', 'Cannot create a contact in a non-contact Folder.');
          }
          const defaultFolder = { message: disposition === 'SaveOnly' ? 'drafts' : 'sentitems', event: 'calendar', task: 'tasks', contact: 'contacts' }[kind];
          const folder = folderRef ? resolveFolderRef(ctx.store, ctx.mailbox, folderRef) : ctx.store.wellKnownFolder(ctx.mailbox, defaultFolder as 'drafts');
          const fields = readItemFields(kind, node, { contextZone: ctx.timeZoneContext });
          const created = ctx.store.createItem(ctx.mailbox, folder.id, newItemFrom(kind, fields, ctx, { isDraft: disposition === 'SaveOnly' }));
          if (created.kind === 'event' && created.attendees.length > 0 && sendInvitations !== 'SendToNone') {
            ctx.store.recordMeetingMessage({ mailbox: ctx.mailbox, itemId: created.id, iCalUid: created.iCalUid, kind: 'invitation', recipients: created.attendees.map((a) => a.address) });
          }
          if (kind === 'message' && disposition !== 'SaveOnly') return success('CreateItem', el('m:Items'));
          return success('CreateItem', el('m:Items', itemIdOnlyXml(created)));
        }),
      );
    }
  }
  return messages.join('');
};

function readFieldUri(update: XNode): { uri: string; index?: string; extended?: ReturnType<typeof readExtendedFieldRef> } {
  const field = child(update, 'FieldURI');
  if (field !== undefined) return { uri: attr(field, 'FieldURI') ?? '' };
  const indexed = child(update, 'IndexedFieldURI');
  if (indexed !== undefined) return { uri: attr(indexed, 'FieldURI') ?? '', index: attr(indexed, 'FieldIndex') };
  const extended = child(update, 'ExtendedFieldURI');
  if (extended !== undefined) return { uri: 'extended', extended: readExtendedFieldRef(extended) };
  throw new SchemaError('An update needs FieldURI, IndexedFieldURI or ExtendedFieldURI.');
}

function updateItemNode(update: XNode): XNode {
  const name = childNames(update).find((n) => !['FieldURI', 'IndexedFieldURI', 'ExtendedFieldURI'].includes(n));
  if (!name) throw new SchemaError('SetItemField needs an item element.');
  return child(update, name)!;
}

const UpdateItem: Operation = (op, ctx) => {
  const conflict = attr(op, 'ConflictResolution') ?? 'AutoResolve';
  const sendUpdates = attr(op, 'SendMeetingInvitationsOrCancellations');
  return all(child(op, 'ItemChanges'), 'ItemChange')
    .map((change) =>
      perItem('UpdateItem', el('m:Items'), () => {
        const ref = itemRefs(Object.fromEntries(ITEM_ID_ELEMENTS.flatMap((n) => (child(change, n) === undefined ? [] : [[n, child(change, n)]]))) as XNode)[0];
        if (!ref) throw new SchemaError('ItemChange needs an ItemId.');
        const id = resolveRef(ctx, ref);
        const current = ctx.store.readItem(ctx.mailbox, id);
        if (current.kind === 'event' && !sendUpdates) throw new StoreError('ErrorInvalidRequest', 'SendMeetingInvitationsOrCancellations attribute is required for calendar items.');
        const updates = child(change, 'Updates');
        // Validate everything before touching the store, so a bad update leaves the item unchanged.
        const steps: ((item: StoredItem) => void)[] = [];
        for (const name of childNames(updates)) {
          for (const update of all(updates, name)) {
            const target = readFieldUri(update);
            if (name === 'DeleteItemField') {
              if (target.extended) {
                const key = extendedKeyOf(target.extended);
                steps.push((item) => delete item.extendedProperties[key]);
              } else steps.push((item) => deleteField(item, target.uri, target.index));
            } else if (name === 'SetItemField' || name === 'AppendToItemField') {
              const node = updateItemNode(update);
              const fields = readItemFields(current.kind, node, { contextZone: current.kind === 'event' ? current.timeZone : ctx.timeZoneContext });
              if (Object.keys(fields).length === 0) throw new SchemaError(`SetItemField for ${target.uri} carries no value the emulator understands.`);
              if (name === 'AppendToItemField') {
                if (target.uri !== 'item:Body') throw new SchemaError('AppendToItemField is only supported for item:Body.');
                steps.push((item) => {
                  if (item.kind === 'task') item.bodyText = (item.bodyText ?? '') + String(fields.bodyText ?? '');
                  else if (item.kind === 'message' || item.kind === 'event') item.bodyHtml = (item.bodyHtml ?? '') + String(fields.bodyHtml ?? '');
                });
              } else steps.push((item) => applyFields(item, fields));
            } else throw new SchemaError(`Unknown update ${name}.`);
          }
        }
        const occurrence = parseOccurrenceId(id);
        if (occurrence && current.kind === 'event') {
          // An occurrence is not stored: apply the updates to its current form and keep what changed as an exception.
          const next = structuredClone(current) as StoredItem;
          for (const step of steps) step(next);
          if (next.kind !== 'event' || next.recurrence) throw new StoreError('ErrorInvalidRequest', 'An occurrence cannot get a recurrence of its own.');
          const changes: OccurrenceChanges = {};
          for (const key of OCCURRENCE_FIELDS) if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) Object.assign(changes, { [key]: structuredClone(next[key]) });
          const expected = conflict === 'NeverOverwrite' && ref.kind === 'id' ? ref.changeKey : undefined;
          if (expected && expected !== current.changeKey) throw new StoreError('ErrorIrresolvableConflict', 'The change key passed in the request does not match the current change key for the item.');
          const exception = ctx.store.modifyOccurrence(ctx.mailbox, occurrence.masterId, occurrence.originalStart, changes);
          if (exception.isOrganizer && exception.attendees.length > 0 && sendUpdates && sendUpdates !== 'SendToNone') {
            ctx.store.recordMeetingMessage({ mailbox: ctx.mailbox, itemId: exception.id, iCalUid: exception.iCalUid, kind: 'update', recipients: exception.attendees.map((a) => a.address) });
          }
          return success('UpdateItem', el('m:Items', itemIdOnlyXml(exception)) + el('m:ConflictResults', tx('t:Count', 0)));
        }
        const updated = ctx.store.updateItem(
          ctx.mailbox,
          id,
          (item) => {
            for (const step of steps) step(item);
            if (item.kind === 'event') item.type = item.recurrence ? 'seriesMaster' : 'singleInstance';
          },
          { expectedChangeKey: conflict === 'NeverOverwrite' && ref.kind === 'id' ? ref.changeKey : undefined },
        );
        if (updated.kind === 'event' && updated.isOrganizer && updated.attendees.length > 0 && sendUpdates && sendUpdates !== 'SendToNone') {
          ctx.store.recordMeetingMessage({ mailbox: ctx.mailbox, itemId: updated.id, iCalUid: updated.iCalUid, kind: 'update', recipients: updated.attendees.map((a) => a.address) });
        }
        return success('UpdateItem', el('m:Items', itemIdOnlyXml(updated)) + el('m:ConflictResults', tx('t:Count', 0)));
      }),
    )
    .join('');
};

const DeleteItem: Operation = (op, ctx) => {
  const deleteType = attr(op, 'DeleteType');
  if (!deleteType) throw new SchemaError('DeleteType is required.');
  const cancellations = attr(op, 'SendMeetingCancellations');
  return itemRefs(child(op, 'ItemIds'))
    .map((ref) =>
      perItem('DeleteItem', '', () => {
        const id = resolveRef(ctx, ref);
        const item = ctx.store.readItem(ctx.mailbox, id);
        if (item.kind === 'event' && !cancellations) throw new StoreError('ErrorInvalidRequest', 'SendMeetingCancellations attribute is required for calendar items.');
        if (item.kind === 'event' && item.isOrganizer && item.attendees.length > 0 && cancellations !== 'SendToNone') {
          ctx.store.recordMeetingMessage({ mailbox: ctx.mailbox, itemId: item.id, iCalUid: item.iCalUid, kind: 'cancellation', recipients: item.attendees.map((a) => a.address) });
        }
        const occurrence = parseOccurrenceId(id);
        // Deleting an occurrence removes it from its series (whatever the DeleteType); the master stays.
        if (occurrence) ctx.store.deleteOccurrence(ctx.mailbox, occurrence.masterId, occurrence.originalStart);
        else ctx.store.deleteItem(ctx.mailbox, id, deleteType === 'HardDelete' ? 'hard' : 'soft');
        return success('DeleteItem');
      }),
    )
    .join('');
};

const GetAttachment: Operation = (op, ctx) => {
  return all(child(op, 'AttachmentIds'), 'AttachmentId')
    .map((node) =>
      perItem('GetAttachment', el('m:Attachments'), () => {
        const { attachment } = ctx.store.attachment(ctx.mailbox, attr(node, 'Id') ?? '');
        return success('GetAttachment', el('m:Attachments', attachmentXml(attachment, true)));
      }),
    )
    .join('');
};

// ---------------------------------------------------------------------------------------------------------------
// User configuration (the master category list)

function configurationTarget(op: XNode, ctx: OperationContext, container: XNode | undefined): { name: string; folderId: string } {
  const nameNode = child(container, 'UserConfigurationName');
  const name = attr(nameNode, 'Name');
  if (!name) throw new SchemaError('UserConfigurationName/@Name is required.');
  const [ref] = folderIdRefs(nameNode);
  if (!ref) throw new SchemaError('UserConfigurationName needs a folder id.');
  return { name, folderId: resolveFolderRef(ctx.store, ctx.mailbox, ref).id };
}

const GetUserConfiguration: Operation = (op, ctx) =>
  perItem('GetUserConfiguration', '', () => {
    const { name, folderId } = configurationTarget(op, ctx, op);
    const calendar = ctx.store.wellKnownFolder(ctx.mailbox, 'calendar');
    const properties = (childText(op, 'UserConfigurationProperties') ?? 'All').split(/\s+/);
    const wants = (p: string): boolean => properties.includes(p) || properties.includes('All');
    let xmlDataBase64: string | undefined;
    let changeSource: string;
    if (name === 'CategoryList' && folderId === calendar.id) {
      const categories = ctx.store.listCategories(ctx.mailbox);
      changeSource = JSON.stringify(categories);
      xmlDataBase64 = Buffer.from(categoryListXml(categories), 'utf8').toString('base64');
    } else {
      const stored = ctx.store.mailbox(ctx.mailbox).userConfigurations.get(`${folderId}|${name}`);
      if (!stored) throw new StoreError('ErrorItemNotFound', 'The specified object was not found in the store.');
      xmlDataBase64 = stored.xmlDataBase64;
      changeSource = xmlDataBase64 ?? '';
    }
    const folder = ctx.store.folder(ctx.mailbox, folderId);
    const config =
      el('t:UserConfigurationName', el('t:FolderId', null, { Id: folder.id, ChangeKey: folder.changeKey }), { Name: name }) +
      (wants('Id') ? el('t:ItemId', null, { Id: configurationItemId(ctx.mailbox, name), ChangeKey: contentChangeKey(changeSource) }) : '') +
      (wants('XmlData') && xmlDataBase64 ? tx('t:XmlData', xmlDataBase64) : '');
    return success('GetUserConfiguration', el('m:UserConfiguration', config));
  });

function writeConfiguration(op: XNode, ctx: OperationContext, create: boolean): string {
  const operation = create ? 'CreateUserConfiguration' : 'UpdateUserConfiguration';
  return perItem(operation, '', () => {
    const container = child(op, 'UserConfiguration');
    const { name, folderId } = configurationTarget(op, ctx, container);
    const xmlData = childText(container, 'XmlData');
    const calendar = ctx.store.wellKnownFolder(ctx.mailbox, 'calendar');
    const record = ctx.store.mailbox(ctx.mailbox);
    const key = `${folderId}|${name}`;
    if (name === 'CategoryList' && folderId === calendar.id) {
      if (create) throw new StoreError('ErrorInvalidRequest', 'The user configuration object CategoryList already exists.');
      if (xmlData === undefined) throw new StoreError('ErrorInvalidRequest', 'XmlData is required for CategoryList.');
      const parsed = parseCategoryList(Buffer.from(xmlData, 'base64').toString('utf8'));
      const names = parsed.map((c) => c.displayName.toLowerCase());
      if (new Set(names).size !== names.length) throw new StoreError('ErrorInvalidRequest', 'Category names must be unique.');
      ctx.store.replaceCategories(ctx.mailbox, parsed);
      return success(operation);
    }
    const exists = record.userConfigurations.has(key);
    if (create && exists) throw new StoreError('ErrorInvalidRequest', `The user configuration object ${name} already exists.`);
    if (!create && !exists) throw new StoreError('ErrorItemNotFound', 'The specified object was not found in the store.');
    record.userConfigurations.set(key, { xmlDataBase64: xmlData });
    return success(operation);
  });
}

const CreateUserConfiguration: Operation = (op, ctx) => writeConfiguration(op, ctx, true);
const UpdateUserConfiguration: Operation = (op, ctx) => writeConfiguration(op, ctx, false);

export const OPERATIONS: Record<string, Operation> = {
  GetFolder,
  FindFolder,
  CreateFolder,
  SyncFolderHierarchy,
  SyncFolderItems,
  FindItem,
  GetItem,
  CreateItem,
  UpdateItem,
  DeleteItem,
  GetAttachment,
  GetUserConfiguration,
  CreateUserConfiguration,
  UpdateUserConfiguration,
  ResolveNames,
};
