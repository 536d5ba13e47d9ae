/**
 * Creating a meeting's C4C Appointment exactly once per organization (S5), keyed by its groupware item id (the
 * iCalendar UID wherever it is known) through the `appointment_creates` ledger: organizer and attendees become
 * involved parties, the chosen account and contact the main links (a lead is referenced).
 */
import { buildAppointment, type AppointmentParty } from '../c4c/activities/appointment';
import type { C4cPort } from '../c4c/port';
import { ownAddressesOf, resolvePartyId } from './email';
import { exactlyOnce } from './exactly-once';
import { mainContactLinks, ownerPartyId, partiesOf, uniqueAddresses } from './linking';
import { recordStatus, timingsOf, toOutcome } from './outcome';
import type { AppointmentSaving, CreateAppointmentInput, SaveOutcome, Saver, SavingOptions } from './types';

export function createAppointmentSaving(options: SavingOptions): AppointmentSaving {
  const { store } = options;
  const { leaseMs, waitMs } = timingsOf(options);
  const once = exactlyOnce({ ledger: store.appointmentCreates, what: 'appointment', leaseMs, waitMs });

  async function buildBody(c4c: C4cPort, saver: Saver, input: CreateAppointmentInput): Promise<Record<string, unknown>> {
    const { meeting } = input;
    const own = ownAddressesOf(saver);
    const matches = await c4c.search(uniqueAddresses([meeting.organizer, ...meeting.attendees, ...own.map((address) => ({ address }))]));
    const parties = partiesOf(matches);
    const appointmentParties = new Map<string, AppointmentParty>();
    for (const [address, record] of parties) {
      if (record.kind !== 'lead') appointmentParties.set(address, { partyId: record.id, kind: record.kind });
    }
    const mainAccountPartyId = input.mainAccountObjectId
      ? await resolvePartyId(c4c, matches, 'account', input.mainAccountObjectId, 'mainAccountObjectId')
      : undefined;
    const kind = input.mainContactKind ?? 'contact';
    const contact = input.mainContactObjectId
      ? mainContactLinks(await resolvePartyId(c4c, matches, kind, input.mainContactObjectId, 'mainContactObjectId'), kind)
      : mainContactLinks(undefined, undefined);
    return buildAppointment(meeting, {
      parties: appointmentParties,
      mainAccountPartyId,
      mainContactPartyId: contact.mainContactPartyId,
      related: contact.related,
      ownerPartyId: ownerPartyId(parties, own),
    });
  }

  return {
    async createAppointment(saver: Saver, input: CreateAppointmentInput): Promise<SaveOutcome> {
      const c4c = await options.c4cFor(saver.organizationId);
      const key = input.meeting.groupwareItemId;
      const result = await once.run({
        organizationId: saver.organizationId,
        key,
        userId: saver.userId,
        find: () => c4c.findAppointment(key),
        create: async () => c4c.createAppointment(await buildBody(c4c, saver, input), key),
      });
      return toOutcome(store, saver, c4c, 'appointment', result);
    },

    async appointmentStatus(organizationId: string, groupwareItemId: string) {
      const c4c = await options.c4cFor(organizationId);
      return recordStatus(store, once, organizationId, groupwareItemId, 'appointment', c4c, () => c4c.findAppointment(groupwareItemId));
    },
  };
}
