/**
 * The sidebar's use cases on top of the saving room (relay/saving), which the sync engine shares: who is who
 * (initial search), save an email exactly once, create a meeting exactly once, and the saved / created status.
 * What is left here is the sidebar's own part: turning requests into the room's inputs, and keying meetings by the
 * iCalendar UID read from the user's mailbox when the add-in could only send the item id.
 */
import type {
  AppointmentStatus,
  CreateAppointmentRequest,
  CreateAppointmentResponse,
  EmailStatus,
  SaveEmailRequest,
  SaveEmailResponse,
  SearchResponse,
} from '../../shared/api/sidebar';
import { createAppointmentSaving } from '../saving/appointment';
import { createEmailSaving } from '../saving/email';
import { autoSuggestion } from '../saving/linking';
import type { Saver, SavingOptions } from '../saving/types';
import type { ICalUidResolver } from './meeting-key';

export { suggestLinks, uniqueAddresses } from '../saving/linking';

export interface SidebarUser {
  organizationId: string;
  userId: string;
  email: string;
  displayName: string;
}

export interface SidebarServiceOptions extends SavingOptions {
  /** Reads a meeting's iCalendar UID from the user's mailbox when the add-in could only send the item id. */
  resolveICalUid?: ICalUidResolver;
}

const saverOf = (user: SidebarUser, mailboxAddress?: string): Saver => ({
  organizationId: user.organizationId,
  userId: user.userId,
  email: user.email,
  ownAddresses: mailboxAddress === undefined ? [] : [mailboxAddress],
  displayName: user.displayName,
});

export function createSidebarService(options: SidebarServiceOptions) {
  const { store } = options;
  const emails = createEmailSaving(options);
  const appointments = createAppointmentSaving(options);

  /** The meeting's exactly-once key: its iCalendar UID, read from the mailbox when only the item id was sent. */
  async function meetingKey(user: SidebarUser, groupwareItemId: string, source: 'iCalUId' | 'itemId' | undefined): Promise<string> {
    if (source !== 'itemId' || options.resolveICalUid === undefined) return groupwareItemId;
    const uid = await options.resolveICalUid(user, groupwareItemId);
    if (uid === undefined || uid === groupwareItemId) return groupwareItemId;
    // Created earlier under the item id (the mailbox could not be read then, e.g. an item not yet on the server):
    // keep that key, or the same meeting would be created a second time under its UID.
    const earlier = await store.appointmentCreates.get(user.organizationId, groupwareItemId);
    return earlier !== undefined && earlier.status !== 'failed' ? groupwareItemId : uid;
  }

  return {
    async search(user: SidebarUser, addresses: string[]): Promise<SearchResponse> {
      const matches = await emails.resolveAddresses(user.organizationId, addresses);
      return { results: matches.map((m) => ({ address: m.address, records: m.records })), suggestion: autoSuggestion(matches, [user.email]) };
    },

    async emailStatus(user: SidebarUser, internetMessageId: string): Promise<EmailStatus> {
      const known = await emails.emailStatus(user.organizationId, internetMessageId);
      if (known.state !== 'done') return { status: known.state === 'pending' ? 'saving' : 'not-saved' };
      return { status: 'saved', objectId: known.ids.objectId, id: known.ids.id || undefined, c4cUrl: known.c4cUrl, savedAt: known.savedAt, savedBy: known.savedBy };
    },

    async saveEmail(user: SidebarUser, request: SaveEmailRequest): Promise<SaveEmailResponse> {
      const outcome = await emails.saveEmail(saverOf(user, request.mailboxAddress), {
        email: {
          internetMessageId: request.internetMessageId,
          subject: request.subject,
          sentAt: request.sentAt,
          from: request.from,
          to: request.to,
          cc: request.cc,
          bodyHtml: request.bodyHtml,
          attachments: request.attachments ?? [],
        },
        links: {
          kind: 'explicit',
          mainAccountObjectId: request.mainAccountObjectId,
          mainContactObjectId: request.mainContactObjectId,
          mainContactKind: request.mainContactKind,
          relatedItem: request.relatedItem && { type: request.relatedItem.type, id: request.relatedItem.id },
        },
        includeAttachments: request.includeAttachments,
      });
      const response: SaveEmailResponse = { status: 'saved', objectId: outcome.ids.objectId, id: outcome.ids.id, c4cUrl: outcome.c4cUrl, alreadySaved: outcome.existed };
      if (outcome.savedAt !== undefined) response.savedAt = outcome.savedAt;
      if (outcome.savedBy !== undefined) response.savedBy = outcome.savedBy;
      return response;
    },

    async appointmentStatus(user: SidebarUser, itemKey: string, source?: 'iCalUId' | 'itemId'): Promise<AppointmentStatus> {
      const groupwareItemId = await meetingKey(user, itemKey, source);
      const known = await appointments.appointmentStatus(user.organizationId, groupwareItemId);
      if (known.state !== 'done') return { status: known.state === 'pending' ? 'creating' : 'not-created' };
      return { status: 'created', objectId: known.ids.objectId, id: known.ids.id || undefined, c4cUrl: known.c4cUrl, createdAt: known.savedAt, createdBy: known.savedBy };
    },

    async createAppointment(user: SidebarUser, request: CreateAppointmentRequest): Promise<CreateAppointmentResponse> {
      const key = await meetingKey(user, request.groupwareItemId, request.groupwareItemIdSource);
      const outcome = await appointments.createAppointment(saverOf(user), {
        meeting: {
          groupwareItemId: key,
          subject: request.subject,
          start: request.start,
          end: request.end,
          timeZone: request.timeZone,
          isAllDay: request.isAllDay,
          location: request.location,
          organizer: request.organizer,
          attendees: request.attendees,
        },
        mainAccountObjectId: request.mainAccountObjectId,
        mainContactObjectId: request.mainContactObjectId,
        mainContactKind: request.mainContactKind,
      });
      return { objectId: outcome.ids.objectId, id: outcome.ids.id, c4cUrl: outcome.c4cUrl, alreadyCreated: outcome.existed };
    },
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
