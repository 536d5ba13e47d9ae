/**
 * Pure rules for the Save panel: which accounts and contacts the user can pick, and which are preselected (the
 * relay's suggestion from the initial search, as SSI does it: c4c-odata.md §13), plus building the save and
 * appointment requests from the open item and the user's choices.
 */
import type {
  ContactKind,
  CreateAppointmentRequest,
  RelatedItemRef,
  SaveEmailRequest,
  SearchResponse,
} from '../../shared/api/sidebar';
import type { AttachmentContent, EmailSnapshot } from '../office/email';
import type { MeetingSnapshot, AttendeeAddress } from '../office/meeting';

export interface AccountOption {
  objectId: string;
  name: string;
}

export interface ContactOption {
  objectId: string;
  kind: ContactKind;
  name: string;
  accountObjectId?: string;
  accountName?: string;
}

export interface SaveDefaults {
  accounts: AccountOption[];
  contacts: ContactOption[];
  accountObjectId?: string;
  contactObjectId?: string;
}

function isContactKind(kind: string): kind is ContactKind {
  return kind === 'contact' || kind === 'lead' || kind === 'individualCustomer';
}

export function deriveSaveDefaults(search: SearchResponse): SaveDefaults {
  const accounts = new Map<string, AccountOption>();
  const contacts = new Map<string, ContactOption>();
  for (const result of search.results) {
    if (result.blocked === true) continue;
    for (const record of result.records) {
      if (record.kind === 'account') {
        if (!accounts.has(record.objectId)) accounts.set(record.objectId, { objectId: record.objectId, name: record.name });
      } else if (isContactKind(record.kind)) {
        if (!contacts.has(record.objectId)) {
          contacts.set(record.objectId, { objectId: record.objectId, kind: record.kind, name: record.name, accountObjectId: record.accountObjectId, accountName: record.accountName });
        }
        // The account a contact belongs to is a candidate main account even when its own address is not on the email.
        if (record.accountObjectId !== undefined && !accounts.has(record.accountObjectId)) {
          accounts.set(record.accountObjectId, { objectId: record.accountObjectId, name: record.accountName ?? record.accountObjectId });
        }
      }
    }
  }
  const suggestion = search.suggestion;
  const contactObjectId =
    suggestion.mainContactObjectId !== undefined && contacts.has(suggestion.mainContactObjectId) ? suggestion.mainContactObjectId : [...contacts.keys()][0];
  const contactAccount = contactObjectId !== undefined ? contacts.get(contactObjectId)?.accountObjectId : undefined;
  const accountObjectId =
    suggestion.mainAccountObjectId !== undefined && accounts.has(suggestion.mainAccountObjectId)
      ? suggestion.mainAccountObjectId
      : contactAccount ?? [...accounts.keys()][0];
  return { accounts: [...accounts.values()], contacts: [...contacts.values()], accountObjectId, contactObjectId };
}

export interface SaveSelection {
  accountObjectId?: string;
  contactObjectId?: string;
  includeAttachments: boolean;
  relatedItem?: RelatedItemRef;
}

export function buildSaveRequest(
  email: EmailSnapshot,
  bodyHtml: string,
  attachments: AttachmentContent[],
  selection: SaveSelection,
  contacts: readonly ContactOption[],
  mailboxAddress?: string,
): SaveEmailRequest {
  const contact = contacts.find((c) => c.objectId === selection.contactObjectId);
  const sender = email.from ?? { address: 'unknown', name: '' };
  return {
    internetMessageId: email.internetMessageId,
    itemId: email.itemId,
    conversationId: email.conversationId,
    subject: email.subject,
    sentAt: email.dateTimeCreated ?? new Date().toISOString(),
    from: { address: sender.address, name: sender.name },
    to: email.to.map((p) => ({ address: p.address, name: p.name })),
    cc: email.cc.map((p) => ({ address: p.address, name: p.name })),
    bodyHtml,
    attachments: selection.includeAttachments && attachments.length > 0 ? attachments : undefined,
    includeAttachments: selection.includeAttachments,
    mainAccountObjectId: selection.accountObjectId,
    mainContactObjectId: contact?.objectId,
    mainContactKind: contact?.kind,
    relatedItem: selection.relatedItem,
    ...(mailboxAddress !== undefined && mailboxAddress !== '' ? { mailboxAddress } : {}),
  };
}

export function buildAppointmentRequest(
  meeting: MeetingSnapshot,
  attendees: readonly AttendeeAddress[],
  defaults: Pick<SaveDefaults, 'accountObjectId' | 'contactObjectId'> & { contacts?: readonly ContactOption[] },
): CreateAppointmentRequest {
  const contact = defaults.contacts?.find((c) => c.objectId === defaults.contactObjectId);
  const start = meeting.start ?? new Date().toISOString();
  return {
    groupwareItemId: meeting.groupwareItemId,
    groupwareItemIdSource: meeting.groupwareItemIdSource,
    subject: meeting.subject,
    start,
    end: meeting.end ?? start,
    timeZone: meeting.timeZone,
    isAllDay: meeting.isAllDay,
    location: meeting.location === '' ? undefined : meeting.location.slice(0, 255),
    organizer: meeting.organizer ?? { address: 'unknown', name: '' },
    attendees: attendees.map((a) => ({ address: a.address, name: a.name, type: a.type })),
    mainAccountObjectId: defaults.accountObjectId,
    mainContactObjectId: defaults.contactObjectId,
    mainContactKind: contact?.kind,
  };
}
