/**
 * "The user in Outlook": changes a mailbox owner makes by hand, applied straight to the store so that EWS and Graph
 * clients see them as changes made by someone else (new change keys, change-log entries, meeting copies in other
 * mailboxes, sent meeting messages).
 */
import { randomUUID } from 'node:crypto';
import type { Attendee, EmailAddress, EventInput, FolderKind, MailTask, MailContact, ResponseStatus } from '../../../relay/mailbox/types';
import { occurrenceId } from './recurrence';
import { ExchangeStore, newAttachmentId, StoreError, type OccurrenceChanges, type StoredEvent, type StoredFolder, type StoredItem, type StoredMessage } from './store';

export interface DeliveredMessageInput {
  from: EmailAddress;
  subject: string;
  bodyHtml?: string;
  to?: EmailAddress[];
  cc?: EmailAddress[];
  receivedAt?: string;
  sentAt?: string;
  internetMessageId?: string;
  conversationId?: string;
  categories?: string[];
  attachments?: { name: string; contentType: string; contentBase64: string; isInline?: boolean }[];
}

export type MeetingResponse = Extract<ResponseStatus, 'accepted' | 'tentative' | 'declined'>;

export type EventPatch = Partial<Omit<StoredEvent, 'id' | 'changeKey' | 'folderId' | 'kind' | 'createdAt' | 'lastModifiedAt'>>;
/** What the user may change on one occurrence in Outlook. */
export type OccurrencePatch = Pick<OccurrenceChanges, 'subject' | 'start' | 'end' | 'location' | 'bodyHtml' | 'isAllDay' | 'sensitivity' | 'categories'>;
/** An occurrence: 1-based position in the series, its original start (ISO instant), or its occurrence id. */
export type OccurrenceRef = number | string;
export type ItemPatch = Partial<Record<string, unknown>>;

export class MailboxUserActions {
  constructor(private readonly store: ExchangeStore) {}

  /** A message arrives in the mailbox's inbox (or another folder). */
  deliverMessage(mailbox: string, input: DeliveredMessageInput, folder = 'inbox'): StoredMessage {
    const record = this.store.mailbox(mailbox);
    const target = this.store.resolveFolder(mailbox, folder);
    const receivedAt = input.receivedAt ?? new Date().toISOString();
    const domain = input.from.address.split('@')[1] ?? 'example';
    return this.store.createItem(
      mailbox,
      target.id,
      {
        kind: 'message',
        internetMessageId: input.internetMessageId ?? `<${randomUUID()}@${domain}>`,
        conversationId: input.conversationId ?? `AAQkA${Buffer.from(randomUUID()).toString('base64url').slice(0, 32)}`,
        subject: input.subject,
        from: input.from,
        to: input.to ?? [{ address: record.address, name: record.displayName }],
        cc: input.cc ?? [],
        sentAt: input.sentAt ?? receivedAt,
        receivedAt,
        isDraft: false,
        isRead: false,
        bodyHtml: input.bodyHtml ?? `<html><body><p>${escapeHtml(input.subject)}</p></body></html>`,
        attachments: (input.attachments ?? []).map((a) => ({
          id: newAttachmentId(),
          name: a.name,
          contentType: a.contentType,
          contentBase64: a.contentBase64,
          size: Buffer.from(a.contentBase64, 'base64').length,
          isInline: a.isInline ?? false,
        })),
        categories: input.categories ?? [],
      },
      { at: receivedAt },
    ) as StoredMessage;
  }

  /** Sets the item's categories (what the user does with "Categorize"). */
  categorize(mailbox: string, itemId: string, categories: string[]): StoredItem {
    return this.store.updateItem(mailbox, itemId, (item) => {
      item.categories = [...categories];
    });
  }

  move(mailbox: string, itemId: string, folder: string): StoredItem {
    return this.store.moveItem(mailbox, itemId, this.store.resolveFolder(mailbox, folder).id);
  }

  /** Edits fields of any item (subject, body, start/end, status, …). Unknown keys are rejected. */
  edit(mailbox: string, itemId: string, patch: ItemPatch): StoredItem {
    const current = this.store.item(mailbox, itemId);
    for (const key of Object.keys(patch)) {
      if (['id', 'changeKey', 'folderId', 'kind', 'createdAt', 'lastModifiedAt'].includes(key) || !(key in current || isOptionalField(current.kind, key))) {
        throw new StoreError('ErrorInvalidRequest', `Cannot edit field ${key} of a ${current.kind}`);
      }
    }
    return this.store.updateItem(mailbox, itemId, (item) => {
      Object.assign(item, structuredClone(patch));
    });
  }

  /** Deletes like Outlook's Delete key (to Deleted Items) or Shift+Delete (`permanent`). */
  delete(mailbox: string, itemId: string, options: { permanent?: boolean } = {}): void {
    this.store.deleteItem(mailbox, itemId, options.permanent ? 'hard' : 'soft');
  }

  /**
   * Creates an event in the user's calendar as Outlook would: the user is organizer; with `sendInvitations`
   * (default when attendees exist) the server records an invitation and puts a copy into every attendee mailbox it hosts.
   */
  createEvent(mailbox: string, input: EventInput & { iCalUid?: string }, options: { folder?: string; sendInvitations?: boolean } = {}): StoredEvent {
    const record = this.store.mailbox(mailbox);
    const folder = this.store.resolveFolder(mailbox, options.folder ?? 'calendar');
    const iCalUid = input.iCalUid ?? newICalUid();
    const organizer = { address: record.address, name: record.displayName };
    const attendees: Attendee[] = input.attendees.map((a) => ({ ...a, response: a.response === 'organizer' ? 'organizer' : 'none' }));
    const event = this.store.createItem(mailbox, folder.id, {
      kind: 'event',
      ...structuredClone(input),
      iCalUid,
      organizer,
      attendees,
      isOrganizer: true,
      isCancelled: false,
      type: input.recurrence ? 'seriesMaster' : 'singleInstance',
      myResponse: 'organizer',
      categories: input.categories ?? [],
    }) as StoredEvent;
    const send = options.sendInvitations ?? attendees.length > 0;
    if (send && attendees.length > 0) {
      this.store.recordMeetingMessage({ mailbox: record.address, itemId: event.id, iCalUid, kind: 'invitation', recipients: attendees.map((a) => a.address) });
      for (const attendee of attendees) {
        if (!this.store.hasMailbox(attendee.address) || attendee.address.toLowerCase() === record.address) continue;
        const calendar = this.store.wellKnownFolder(attendee.address, 'calendar');
        this.store.createItem(attendee.address, calendar.id, {
          ...structuredClone(event),
          kind: 'event',
          isOrganizer: false,
          myResponse: 'notResponded',
          attendees: attendees.map((a) => ({ ...a, response: 'none' as ResponseStatus })),
          categories: [],
          extendedProperties: {},
        } as Omit<StoredEvent, 'id' | 'changeKey' | 'folderId' | 'createdAt' | 'lastModifiedAt'>);
      }
    }
    return event;
  }

  /** Accept / tentatively accept / decline an attendee copy; the organizer's copy (if hosted here) records the response. */
  respondToMeeting(mailbox: string, itemId: string, response: MeetingResponse): StoredEvent {
    const record = this.store.mailbox(mailbox);
    const own = this.store.item(mailbox, itemId);
    if (own.kind !== 'event' || own.isOrganizer) throw new StoreError('ErrorInvalidRequest', 'Only an attendee copy of a meeting can be responded to.');
    const setResponse = (attendees: Attendee[]): Attendee[] => attendees.map((a) => (a.address.toLowerCase() === record.address ? { ...a, response } : a));
    const updated = this.store.updateItem(mailbox, itemId, (item) => {
      if (item.kind !== 'event') return;
      item.myResponse = response;
      item.attendees = setResponse(item.attendees);
    }) as StoredEvent;
    for (const copy of this.store.meetingCopies(own.iCalUid)) {
      if (!copy.event.isOrganizer) continue;
      this.store.updateItem(copy.mailbox, copy.event.id, (item) => {
        if (item.kind === 'event') item.attendees = setResponse(item.attendees);
      });
    }
    return updated;
  }

  /** The organizer cancels a meeting: organizer copy deleted, attendee copies marked cancelled, cancellation recorded. */
  cancelMeeting(mailbox: string, itemId: string): void {
    const record = this.store.mailbox(mailbox);
    const own = this.store.item(mailbox, itemId);
    if (own.kind !== 'event' || !own.isOrganizer) throw new StoreError('ErrorInvalidRequest', 'Only the organizer can cancel a meeting.');
    this.store.recordMeetingMessage({ mailbox: record.address, itemId, iCalUid: own.iCalUid, kind: 'cancellation', recipients: own.attendees.map((a) => a.address) });
    for (const copy of this.store.meetingCopies(own.iCalUid)) {
      if (copy.event.isOrganizer) continue;
      this.store.updateItem(copy.mailbox, copy.event.id, (item) => {
        if (item.kind !== 'event') return;
        item.isCancelled = true;
        if (!item.subject.startsWith('Canceled: ')) item.subject = `Canceled: ${item.subject}`;
      });
    }
    this.store.deleteItem(mailbox, itemId, 'soft');
  }

  /**
   * The user opens one occurrence of a series and changes it: it becomes an exception (same id, new times or text).
   * When the organizer of a meeting does this, the attendees get an update and their copies change the same way.
   * Returns the exception as it now reads.
   */
  editOccurrence(mailbox: string, masterId: string, occurrence: OccurrenceRef, patch: OccurrencePatch): StoredEvent {
    const record = this.store.mailbox(mailbox);
    const master = this.store.seriesMaster(mailbox, masterId);
    const allowed: (keyof OccurrencePatch)[] = ['subject', 'start', 'end', 'location', 'bodyHtml', 'isAllDay', 'sensitivity', 'categories'];
    for (const key of Object.keys(patch)) if (!allowed.includes(key as keyof OccurrencePatch)) throw new StoreError('ErrorInvalidRequest', `Cannot change ${key} of a single occurrence`);
    const changes: OccurrenceChanges = structuredClone(patch);
    for (const key of ['start', 'end'] as const) if (changes[key] !== undefined) changes[key] = new Date(changes[key] as string).toISOString();
    const originalStart = this.store.occurrenceStart(mailbox, masterId, occurrence);
    const exception = this.store.modifyOccurrence(mailbox, masterId, originalStart, changes);
    if (master.isOrganizer && master.attendees.length > 0) {
      this.store.recordMeetingMessage({ mailbox: record.address, itemId: exception.id, iCalUid: master.iCalUid, kind: 'update', recipients: master.attendees.map((a) => a.address) });
      const { categories: _own, ...shared } = changes;
      for (const copy of this.attendeeCopies(master)) {
        try {
          this.store.modifyOccurrence(copy.mailbox, copy.event.id, originalStart, shared);
        } catch (error) {
          if (!(error instanceof StoreError)) throw error; // the attendee already removed that occurrence
        }
      }
    }
    return exception;
  }

  /**
   * Deletes one occurrence from the user's calendar. On the organizer's copy of a meeting this is Outlook's "Cancel
   * occurrence" (see cancelOccurrence); on an attendee's copy or a plain appointment it just goes away.
   */
  deleteOccurrence(mailbox: string, masterId: string, occurrence: OccurrenceRef): void {
    const master = this.store.seriesMaster(mailbox, masterId);
    if (master.isOrganizer && master.attendees.length > 0) {
      this.cancelOccurrence(mailbox, masterId, occurrence);
      return;
    }
    this.store.deleteOccurrence(mailbox, masterId, this.store.occurrenceStart(mailbox, masterId, occurrence));
  }

  /**
   * The organizer cancels one occurrence of a meeting: it leaves the organizer's series, a cancellation goes out, and
   * in every attendee copy hosted here the occurrence stays, marked cancelled ("Canceled: …"), until the attendee
   * removes it — as Exchange does.
   */
  cancelOccurrence(mailbox: string, masterId: string, occurrence: OccurrenceRef): void {
    const record = this.store.mailbox(mailbox);
    const master = this.store.seriesMaster(mailbox, masterId);
    if (!master.isOrganizer) throw new StoreError('ErrorInvalidRequest', 'Only the organizer can cancel an occurrence of a meeting.');
    const originalStart = this.store.occurrenceStart(mailbox, masterId, occurrence);
    this.store.recordMeetingMessage({ mailbox: record.address, itemId: master.id, iCalUid: master.iCalUid, kind: 'cancellation', recipients: master.attendees.map((a) => a.address) });
    for (const copy of this.attendeeCopies(master)) {
      let current: StoredItem;
      try {
        current = this.store.readItem(copy.mailbox, occurrenceId(copy.event.id, originalStart));
      } catch (error) {
        if (error instanceof StoreError) continue; // the attendee already removed that occurrence
        throw error;
      }
      const subject = current.kind === 'event' ? current.subject : copy.event.subject;
      this.store.modifyOccurrence(copy.mailbox, copy.event.id, originalStart, { isCancelled: true, subject: subject.startsWith('Canceled: ') ? subject : `Canceled: ${subject}` });
    }
    this.store.deleteOccurrence(mailbox, masterId, originalStart);
  }

  /** Attendee copies (series masters) of a meeting in the other mailboxes of this server. */
  private attendeeCopies(master: StoredEvent): { mailbox: string; event: StoredEvent }[] {
    return this.store.meetingCopies(master.iCalUid).filter((c) => !c.event.isOrganizer && c.event.recurrence);
  }

  createTask(mailbox: string, input: Omit<MailTask, 'id' | 'changeKey' | 'c4cObjectId' | 'categories'> & { categories?: string[] }, folder = 'tasks'): StoredItem {
    return this.store.createItem(mailbox, this.store.resolveFolder(mailbox, folder).id, { kind: 'task', ...structuredClone(input), categories: input.categories ?? [] });
  }

  createContact(mailbox: string, input: Omit<MailContact, 'id' | 'changeKey' | 'folderId' | 'c4cObjectId' | 'categories'> & { categories?: string[] }, folder = 'contacts'): StoredItem {
    return this.store.createItem(mailbox, this.store.resolveFolder(mailbox, folder).id, { kind: 'contact', ...structuredClone(input), categories: input.categories ?? [] });
  }

  /** Creates a folder under `parent` (a folder id or well-known name; default the top of the information store). */
  createFolder(mailbox: string, displayName: string, options: { parent?: string; kind?: FolderKind } = {}): StoredFolder {
    return this.store.createFolder(mailbox, this.store.resolveFolder(mailbox, options.parent ?? 'msgfolderroot').id, displayName, options.kind ?? 'mail');
  }

  renameFolder(mailbox: string, folderId: string, displayName: string): StoredFolder {
    return this.store.renameFolder(mailbox, folderId, displayName);
  }

  /** Deletes a folder with its subfolders and items (Shift+Delete). */
  deleteFolder(mailbox: string, folderId: string): void {
    this.store.deleteFolder(mailbox, folderId);
  }
}

/** Optional fields that may be absent on a stored item but can still be set by an edit. */
function isOptionalField(kind: StoredItem['kind'], key: string): boolean {
  const optional: Record<StoredItem['kind'], string[]> = {
    message: ['conversationId', 'from', 'sentAt', 'receivedAt'],
    event: ['location', 'bodyHtml', 'organizer', 'recurrence', 'seriesMasterId'],
    task: ['bodyText', 'startDate', 'dueDate', 'completedAt'],
    contact: ['givenName', 'surname', 'companyName', 'jobTitle', 'businessPhone', 'mobilePhone', 'businessAddress'],
  };
  return optional[kind].includes(key);
}

/** Outlook-style global object id: hex, starting with the well-known 040000008200E00074C5B7101A82E008 prefix. */
export function newICalUid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomUUID().replace(/-/g, '').toUpperCase()}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
