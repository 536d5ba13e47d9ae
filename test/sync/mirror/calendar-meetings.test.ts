/**
 * One real meeting in several mailboxes (the February 2020 shape, sync-anchors.md §1.5): one C4C appointment, only the
 * owner copy drives creates and deletes, an attendee's copy disappearing never deletes the appointment, no meeting
 * message is ever sent. Plus conflicts under the fixed rules and the ETag guard. EWS and Graph.
 */
import { C4cPreconditionFailedError } from '../../../relay/c4c/errors';
import { newICalUid } from '../../emulators/exchange/user-actions';
import type { StoredEvent } from '../../emulators/exchange/store';
import { modes, eventInput, hoursFromNow, TRIGGER, useMirrorBed, type MirrorUser } from './calendar-testbed';

const bed = useMirrorBed();
const user = () => bed.tb.bed.exchange.control.user;
const store = () => bed.tb.bed.exchange.store;
const appointmentByKey = (key: string) => bed.tb.c4c.control.list('AppointmentCollection').filter((a) => a.GroupwareItemID === key);
const copyIn = (u: MirrorUser, iCalUid: string) => store().meetingCopies(iCalUid).find((c) => c.mailbox === u.address.toLowerCase())?.event as StoredEvent;

describe.each(modes)('one meeting, several mailboxes (%s)', (mode) => {
  test.each(['attendee first', 'organizer first'] as const)('organizer and attendee inside the organization (%s): one appointment, the attendee copy observes, deleting it keeps the appointment', async (order) => {
    const organizer = await bed.newUser(mode, 'org');
    const attendee = await bed.newUser(mode, 'att');
    const messages = bed.meetingMessages();
    const meeting = user().createEvent(organizer.address, eventInput('Steering committee', hoursFromNow(26), 1, { attendees: [{ address: attendee.address, name: 'Att', type: 'required', response: 'none' }] }));
    const sent = bed.meetingMessages(); // the user's own invitation, sent by Outlook, not by sync
    const copy = copyIn(attendee, meeting.iCalUid);
    user().categorize(attendee.address, copy.id, [TRIGGER]);

    if (order === 'attendee first') {
      const early = await bed.session(attendee, 'appointment');
      expect(early.result?.counts.create).toBe(0); // waits for the organizer's mailbox
      expect(appointmentByKey(meeting.iCalUid)).toHaveLength(0);
    }
    await bed.session(organizer, 'appointment');
    const linked = await bed.session(attendee, 'appointment');
    expect(linked.result?.counts.create).toBe(0);
    const [row] = appointmentByKey(meeting.iCalUid);
    expect(appointmentByKey(meeting.iCalUid)).toHaveLength(1);
    const parties = (row.AppointmentInvolvedParties as { PartyEmailURI: string; RoleCode: string }[]).map((p) => `${p.RoleCode}:${p.PartyEmailURI}`).sort();
    expect(parties).toEqual([`35:${organizer.address}`, `36:${attendee.address}`].sort());
    const links = await bed.links(attendee, 'appointment');
    expect(links).toEqual([expect.objectContaining({ mailboxId: copy.id, c4cId: row.ObjectID, state: 'observer' })]);

    // The attendee removes the meeting from their calendar: never a deletion of the meeting.
    user().delete(attendee.address, copy.id, { permanent: true });
    const after = await bed.session(attendee, 'appointment');
    expect(after.result?.counts.delete).toBe(0);
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toBeDefined();
    await bed.session(organizer, 'appointment');
    expect(appointmentByKey(meeting.iCalUid)).toHaveLength(1);
    expect(bed.meetingMessages()).toBe(sent);
    expect(sent).toBe(messages + 1);
  });

  test('a meeting with an external organizer is owned by the first mailbox claiming it; the owner attendee leaving keeps the appointment', async () => {
    const first = await bed.newUser(mode, 'a');
    const second = await bed.newUser(mode, 'b');
    const iCalUid = newICalUid();
    const start = hoursFromNow(50);
    const copies = [first, second].map((u) =>
      store().createItem(u.address, store().wellKnownFolder(u.address, 'calendar').id, {
        kind: 'event',
        ...eventInput('Supplier workshop', start, 2, { attendees: [first, second].map((x) => ({ address: x.address, type: 'required' as const, response: 'accepted' as const })) }),
        iCalUid,
        organizer: { address: 'vendor@supplier.example', name: 'Vendor' },
        isOrganizer: false,
        isCancelled: false,
        type: 'singleInstance',
        myResponse: 'accepted',
      }),
    );
    const messages = bed.meetingMessages();
    const created = await bed.session(first, 'appointment');
    expect(created.result?.counts.create).toBe(1);
    await bed.session(second, 'appointment');
    expect(appointmentByKey(iCalUid)).toHaveLength(1);
    expect((await bed.links(second, 'appointment'))[0]?.state).toBe('observer');

    user().delete(first.address, copies[0].id, { permanent: true });
    const gone = await bed.session(first, 'appointment');
    expect(gone.result?.counts.delete).toBe(0);
    expect(appointmentByKey(iCalUid)).toHaveLength(1);
    expect(bed.meetingMessages()).toBe(messages);
  });
});

describe.each(modes)('conflicts and concurrency (%s)', (mode) => {
  test.each(['mailbox-wins', 'c4c-wins'] as const)('both sides changed the subject: %s decides, the loser is overwritten, the decision is reported', async (rule) => {
    const u = await bed.newUser(mode);
    const event = user().createEvent(u.address, eventInput('Budget', hoursFromNow(30)));
    await bed.session(u, 'appointment', { conflictRule: rule });
    const [row] = appointmentByKey(event.iCalUid);
    user().edit(u.address, event.id, { subject: 'Budget (Outlook)' });
    await bed.c4cClient().update('AppointmentCollection', String(row.ObjectID), { Subject: 'Budget (C4C)' });
    const result = await bed.session(u, 'appointment', { conflictRule: rule });
    expect(result.result?.errors).toEqual([]);
    const winner = rule === 'mailbox-wins' ? 'Budget (Outlook)' : 'Budget (C4C)';
    expect(store().item(u.address, event.id)).toMatchObject({ subject: winner });
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toMatchObject({ Subject: winner });
    expect(result.result?.conflicts).toEqual([expect.objectContaining({ field: 'subject', rule, winner: rule === 'mailbox-wins' ? 'mailbox' : 'c4c' })]);
  });

  test.each(['mailbox', 'c4c'] as const)('latest-wins: the side changed last (%s) wins', async (last) => {
    const u = await bed.newUser(mode);
    const event = user().createEvent(u.address, eventInput('Roadmap', hoursFromNow(30)));
    await bed.session(u, 'appointment', { conflictRule: 'latest-wins' });
    const [row] = appointmentByKey(event.iCalUid);
    const editMailbox = () => user().edit(u.address, event.id, { subject: 'Roadmap (Outlook)' });
    const editC4c = () => bed.c4cClient().update('AppointmentCollection', String(row.ObjectID), { Subject: 'Roadmap (C4C)' });
    // More than a second apart: EWS reports LastModifiedTime to the second.
    if (last === 'mailbox') {
      await editC4c();
      await new Promise((r) => setTimeout(r, 1100));
      editMailbox();
    } else {
      editMailbox();
      await new Promise((r) => setTimeout(r, 1100));
      await editC4c();
    }
    const result = await bed.session(u, 'appointment', { conflictRule: 'latest-wins' });
    const winner = last === 'mailbox' ? 'Roadmap (Outlook)' : 'Roadmap (C4C)';
    expect(store().item(u.address, event.id)).toMatchObject({ subject: winner });
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toMatchObject({ Subject: winner });
    expect(result.result?.conflicts).toEqual([expect.objectContaining({ field: 'subject', rule: 'latest-wins', winner: last })]);
  });

  test('an update with a stale ETag is refused (412) and nothing is overwritten', async () => {
    const u = await bed.newUser(mode);
    const event = user().createEvent(u.address, eventInput('Stale', hoursFromNow(30)));
    const first = await bed.session(u, 'appointment');
    const link = first.links[0];
    const [row] = appointmentByKey(event.iCalUid);
    await bed.c4cClient().update('AppointmentCollection', String(row.ObjectID), { Subject: 'Changed in C4C' });
    const { calendarAdapters } = await import('../../../relay/sync/mirror/adapters/calendar');
    const { kindMapping } = await import('../../../relay/sync/mirror/mapping');
    const { createMeetingOwnerRepository } = await import('../../../relay/store/mirror-links');
    const { MIRROR_DEFAULTS } = await import('../../../shared/api/mirror');
    const settings = { ...MIRROR_DEFAULTS, directions: {} };
    const ctx = { mailbox: u.mailbox, state: { userId: u.userId, organizationId: bed.tb.world.organizationId, address: u.address, displayName: u.displayName, setup: {} }, userSettings: u.userSettings, cursors: bed.tb.world.mailboxes.cursors(bed.tb.world.organizationId, u.userId), now: () => new Date() } as unknown as Parameters<typeof calendarAdapters>[0]['ctx'];
    const pair = await calendarAdapters({ kind: 'appointment', ctx, c4c: bed.c4cClient(), mapping: kindMapping('appointment', settings), settings, owners: createMeetingOwnerRepository(bed.tb.db), employee: u.employee, links: first.links });
    await expect(pair.c4c.update(String(link.c4cId), { subject: 'From a stale read' }, link.c4cStamp)).rejects.toBeInstanceOf(C4cPreconditionFailedError);
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toMatchObject({ Subject: 'Changed in C4C' });
  });
});

describe.each(modes)('no meeting messages from sync writes (%s)', (mode) => {
  test('a C4C appointment with attendees is created, updated and deleted in the organizer mailbox without any invitation, update or cancellation', async () => {
    const u = await bed.newUser(mode);
    const messages = bed.meetingMessages();
    const start = hoursFromNow(80);
    const [seeded] = bed.tb.c4c.control.seed('AppointmentCollection', [
      {
        Subject: 'Customer visit',
        StartDate: start.toISOString(),
        EndDate: new Date(start.getTime() + 3600_000).toISOString(),
        OwnerPartyID: u.employee.employeeId,
        AppointmentInvolvedParties: [
          { RoleCode: '35', PartyEmailURI: u.address, PartyName: 'Me' },
          { RoleCode: '36', PartyEmailURI: 'katrin.hoffmann@nordwind-maschinenbau.example', PartyName: 'Katrin Hoffmann' },
        ],
      },
    ]);
    const created = await bed.session(u, 'appointment');
    expect(created.result?.errors).toEqual([]);
    const [event] = store().listItems(u.address, store().wellKnownFolder(u.address, 'calendar').id).filter((i) => i.kind === 'event') as StoredEvent[];
    expect(event.subject).toBe('Customer visit');
    if (mode === 'ews-impersonation') expect(event.attendees.map((a) => a.address)).toEqual(['katrin.hoffmann@nordwind-maschinenbau.example']);

    await bed.c4cClient().update('AppointmentCollection', String(seeded.ObjectID), { Subject: 'Customer visit (new agenda)' });
    const updated = await bed.session(u, 'appointment');
    expect(updated.result?.errors).toEqual([]);
    expect(store().item(u.address, event.id)).toMatchObject({ subject: 'Customer visit (new agenda)' });

    await bed.c4cClient().delete('AppointmentCollection', String(seeded.ObjectID));
    const deleted = await bed.session(u, 'appointment');
    expect(deleted.result?.counts.delete).toBe(1);
    expect(bed.meetingMessages()).toBe(messages);
  });
});

describe.each(modes)("C4C changes to a meeting the user organizes in Outlook (%s)", (mode) => {
  test('EWS writes them with SendToNone; Graph refuses the write it would announce; no meeting message either way', async () => {
    const organizer = await bed.newUser(mode, 'org');
    const attendee = await bed.newUser(mode, 'att');
    const meeting = user().createEvent(organizer.address, eventInput('Design review', hoursFromNow(28), 1, { attendees: [{ address: attendee.address, type: 'required', response: 'none' }] }));
    await bed.session(organizer, 'appointment');
    const [row] = appointmentByKey(meeting.iCalUid);
    const messages = bed.meetingMessages();

    await bed.c4cClient().update('AppointmentCollection', String(row.ObjectID), { Subject: 'Design review (C4C)' });
    const updated = await bed.session(organizer, 'appointment');
    if (mode === 'ews-impersonation') {
      expect(updated.result?.errors).toEqual([]);
      expect(store().item(organizer.address, meeting.id)).toMatchObject({ subject: 'Design review (C4C)' });
    } else {
      expect(updated.result?.errors).toEqual([expect.objectContaining({ action: 'update', target: 'mailbox', message: expect.stringContaining('would notify') })]);
      expect(store().item(organizer.address, meeting.id)).toMatchObject({ subject: 'Design review' });
      expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toMatchObject({ Subject: 'Design review (C4C)' });
    }
    // The attendee's copy was not touched by sync either way.
    expect(copyIn(attendee, meeting.iCalUid).subject).toBe('Design review');
    expect(bed.meetingMessages()).toBe(messages);
  });
});
