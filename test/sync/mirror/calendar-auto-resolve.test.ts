/**
 * E8 for mirrored meetings: attendees C4C does not know are created (here as Contacts) before the appointment's
 * parties are written, and linked as parties; exclusions hold; the same unknown attendee in two mailboxes' meetings
 * gives one record. Real clients against the Exchange and C4C emulators (EWS and Graph).
 */
import crypto from 'node:crypto';
import { c4cPortCache } from '../../../relay/c4c/port-cache';
import { createAutoResolver } from '../../../relay/saving/auto-resolve';
import { createAutoResolvedRepository } from '../../../relay/store/auto-resolved';
import { attendeeAutoResolver, type AttendeeAutoResolve } from '../../../relay/sync/mirror/auto-resolve-attendees';
import { modes, eventInput, hoursFromNow, useMirrorBed, type MirrorUser } from './calendar-testbed';

const bed = useMirrorBed();
let autoResolve: AttendeeAutoResolve;
beforeAll(() => {
  const { world, db } = bed.tb;
  autoResolve = attendeeAutoResolver({
    resolver: createAutoResolver(createAutoResolvedRepository(db)),
    c4cFor: c4cPortCache(world.store.c4cConnections),
    organizationDomains: (org) => world.mailboxes.organizationDomains(org),
  });
});

const user = () => bed.tb.bed.exchange.control.user;
const rows = (set: string) => bed.tb.c4c.control.list(set);
const appointmentByKey = (key: string) => rows('AppointmentCollection').find((a) => a.GroupwareItemID === key);
const partiesOf = (objectId: unknown) => rows('AppointmentInvolvedPartiesCollection').filter((p) => p.ParentObjectID === objectId);

async function organizerWithAutoResolve(mode: (typeof modes)[number]): Promise<MirrorUser> {
  const organizer = await bed.newUser(mode, 'org');
  organizer.organizationSettings.autoResolve = 'contact';
  return organizer;
}

describe.each(modes)('auto-resolving meeting attendees (%s)', (mode) => {
  test('an unknown attendee becomes a Contact linked as the appointment party; group, own-domain and known attendees are not created', async () => {
    const organizer = await organizerWithAutoResolve(mode);
    const domain = `newco-${crypto.randomBytes(3).toString('hex')}.example`;
    const jane = `jane.roe@${domain}`;
    const attendees = [jane, `sales@${domain}`, `colleague@contoso.example`, 'katrin.hoffmann@nordwind-maschinenbau.example'].map((address) => ({ address, type: 'required' as const, response: 'none' as const, ...(address === jane ? { name: 'Jane Roe' } : {}) }));
    const contactsBefore = rows('ContactCollection').length;
    const meeting = user().createEvent(organizer.address, eventInput('Kick-off', hoursFromNow(30), 1, { attendees }));
    const session = await bed.session(organizer, 'appointment', { autoResolve });
    expect(session.result?.errors ?? []).toEqual([]);

    const created = rows('ContactCollection').filter((c) => c.Email === jane);
    expect(created).toEqual([expect.objectContaining({ FirstName: 'Jane', LastName: 'Roe', StatusCode: '1' })]);
    expect(rows('ContactCollection').length - contactsBefore).toBe(1);
    const appointment = appointmentByKey(meeting.iCalUid);
    expect(partiesOf(appointment?.ObjectID).find((p) => String(p.PartyEmailURI).toLowerCase() === jane)).toMatchObject({ PartyID: created[0].ContactID });
  });

  test('the same unknown attendee in two organizers’ meetings gives one Contact; with auto-resolving off nobody is created', async () => {
    const [a, b] = await Promise.all([organizerWithAutoResolve(mode), organizerWithAutoResolve(mode)]);
    const pat = `pat.lee@newco-${crypto.randomBytes(3).toString('hex')}.example`;
    for (const organizer of [a, b]) user().createEvent(organizer.address, eventInput(`Review ${organizer.address}`, hoursFromNow(40), 1, { attendees: [{ address: pat, name: 'Pat Lee', type: 'required', response: 'none' }] }));
    await Promise.all([bed.session(a, 'appointment', { autoResolve }), bed.session(b, 'appointment', { autoResolve })]);
    expect(rows('ContactCollection').filter((c) => c.Email === pat)).toHaveLength(1);

    const off = await bed.newUser(mode, 'off');
    const nobody = `nobody@newco-${crypto.randomBytes(3).toString('hex')}.example`;
    user().createEvent(off.address, eventInput('Quiet', hoursFromNow(50), 1, { attendees: [{ address: nobody, type: 'required', response: 'none' }] }));
    await bed.session(off, 'appointment', { autoResolve });
    expect(rows('ContactCollection').filter((c) => c.Email === nobody)).toHaveLength(0);
    expect(rows('LeadCollection').filter((c) => c.ContactEMail === nobody)).toHaveLength(0);
  });
});
