/**
 * Calendar mirroring (E4) through the real clients against the emulators, EWS and Graph: create, update and delete
 * each way, conflicts under each rule, the window edges, one meeting in several mailboxes, no meeting messages.
 */
import { modes, eventInput, hoursFromNow, TRIGGER, DAY, useMirrorBed, type MirrorUser } from './calendar-testbed';

const bed = useMirrorBed();
const user = () => bed.tb.bed.exchange.control.user;
const store = () => bed.tb.bed.exchange.store;
const appointments = () => bed.tb.c4c.control.list('AppointmentCollection');
const appointmentByKey = (key: string) => appointments().filter((a) => a.GroupwareItemID === key);
const calendarEvents = (u: MirrorUser) => store().listItems(u.address, store().wellKnownFolder(u.address, 'calendar').id).filter((i) => i.kind === 'event');
const stampOf = (item: { extendedProperties: Record<string, { name: string; value: string }> }) => Object.values(item.extendedProperties).find((p) => p.name === 'C4CObjectID')?.value;

afterEach(() => {
  bed.tb.c4c.control.clearFaults();
  bed.tb.bed.exchange.control.clearFaults();
});

describe.each(modes)('calendar mirroring (%s)', (mode) => {
  test('a categorized event becomes one appointment (GroupwareItemID = iCalUid, groupware origin, notes, stamp); a second session writes nothing', async () => {
    const u = await bed.newUser(mode);
    const before = bed.meetingMessages();
    const event = user().createEvent(u.address, eventInput('Quarterly review', hoursFromNow(48), 1, { location: 'Room 4', bodyHtml: '<p>Agenda: <b>pricing</b></p>' }));
    const plain = user().createEvent(u.address, eventInput('Dentist', hoursFromNow(50), 1, { categories: [] }));

    const first = await bed.session(u, 'appointment');
    expect(first.result?.errors).toEqual([]);
    const [row] = appointmentByKey(event.iCalUid);
    expect(row).toMatchObject({ Subject: 'Quarterly review', Location: 'Room 4', DataOriginTypeCode: '2', OwnerPartyID: u.employee.employeeId });
    expect(row.StartDate).toBe(Date.parse(event.start));
    const texts = row.AppointmentTextCollection as { TypeCode: string; Text: string }[];
    expect(texts.find((t) => t.TypeCode === '10002')?.Text).toContain('pricing');
    expect(appointmentByKey(plain.iCalUid)).toHaveLength(0);
    expect(stampOf(store().item(u.address, event.id))).toBe(row.ObjectID);
    expect(first.links).toHaveLength(1);

    const counters = bed.tb.c4c.control.counters();
    const second = await bed.session(u, 'appointment');
    expect(second.result?.counts.create).toBe(0);
    expect(second.result?.counts.update).toBe(0);
    const after = bed.tb.c4c.control.counters();
    const writes = Object.entries(after).filter(([k, v]) => /^(POST|PATCH|PUT|DELETE) /.test(k) && !k.startsWith('POST $batch') && v !== (counters[k] ?? 0));
    expect(writes).toEqual([]);
    expect(appointmentByKey(event.iCalUid)).toHaveLength(1);
    expect(bed.meetingMessages()).toBe(before);
  });

  test('an appointment the user owns in C4C becomes a categorized, stamped event; the appointment gets its iCalUid', async () => {
    const u = await bed.newUser(mode);
    const start = hoursFromNow(72);
    const [seeded] = bed.tb.c4c.control.seed('AppointmentCollection', [
      { Subject: 'Visit at Nordwind', StartDate: start.toISOString(), EndDate: new Date(start.getTime() + 2 * 3600_000).toISOString(), StartDatetimeZoneCode: 'UTC', EnddatetimeZoneCode: 'UTC', Location: 'München', OwnerPartyID: u.employee.employeeId, LifeCycleStatusCode: '1', InformationSensitivityCode: '1' },
    ]);
    const result = await bed.session(u, 'appointment');
    expect(result.result?.errors).toEqual([]);
    const events = calendarEvents(u);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ subject: 'Visit at Nordwind', location: 'München' });
    expect(event.kind === 'event' && Date.parse(event.start)).toBe(start.getTime());
    expect(event.categories).toContain(TRIGGER);
    expect(stampOf(event)).toBe(seeded.ObjectID);
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(seeded.ObjectID))?.GroupwareItemID).toBe(event.kind === 'event' ? event.iCalUid : '');
    // Nothing more to do in the next session.
    const again = await bed.session(u, 'appointment');
    expect(again.result?.counts.create).toBe(0);
    expect(calendarEvents(u)).toHaveLength(1);
  });

  test('updates flow each way; deletes flow each way; nothing deleted comes back', async () => {
    const u = await bed.newUser(mode);
    const event = user().createEvent(u.address, eventInput('Pricing call', hoursFromNow(30)));
    await bed.session(u, 'appointment');
    const [row] = appointmentByKey(event.iCalUid);

    // Mailbox → C4C
    user().edit(u.address, event.id, { subject: 'Pricing call (moved)', location: 'Teams' });
    const up = await bed.session(u, 'appointment');
    expect(up.result?.counts.update).toBe(1);
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row.ObjectID))).toMatchObject({ Subject: 'Pricing call (moved)', Location: 'Teams' });

    // C4C → mailbox (a C4C user edits with the API)
    const client = bed.c4cClient();
    await client.update('AppointmentCollection', String(row.ObjectID), { Subject: 'Pricing call (C4C)' });
    const down = await bed.session(u, 'appointment');
    expect(down.result?.errors).toEqual([]);
    expect(store().item(u.address, event.id)).toMatchObject({ subject: 'Pricing call (C4C)', location: 'Teams' });

    // Deleted in C4C → deleted in the mailbox
    await client.delete('AppointmentCollection', String(row.ObjectID));
    const del = await bed.session(u, 'appointment');
    expect(del.result?.counts.delete).toBe(1);
    expect(store().item(u.address, event.id).folderId).toBe(store().wellKnownFolder(u.address, 'deleteditems').id);
    expect(await bed.links(u, 'appointment')).toHaveLength(0);

    // Deleted in the mailbox → deleted in C4C
    const second = user().createEvent(u.address, eventInput('Second meeting', hoursFromNow(40)));
    await bed.session(u, 'appointment');
    const [row2] = appointmentByKey(second.iCalUid);
    // Graph: an event moved to Deleted Items still reads by id, so the Graph client reports it changed, not removed
    // (the safe direction: nothing is deleted); Shift+Delete removes it for both back ends.
    user().delete(u.address, second.id, { permanent: mode === 'graph-app' });
    const del2 = await bed.session(u, 'appointment');
    expect(del2.result?.counts.delete).toBe(1);
    expect(bed.tb.c4c.control.get('AppointmentCollection', String(row2.ObjectID))).toBeUndefined();
    await bed.session(u, 'appointment');
    expect(appointmentByKey(second.iCalUid)).toHaveLength(0);
    expect(appointmentByKey(event.iCalUid)).toHaveLength(0);
  });

  test('a lost link table is rebuilt from the stamps (ObjectID on the event, GroupwareItemID in C4C): no duplicates', async () => {
    const u = await bed.newUser(mode);
    const event = user().createEvent(u.address, eventInput('From Outlook', hoursFromNow(20)));
    const start = hoursFromNow(22);
    bed.tb.c4c.control.seed('AppointmentCollection', [{ Subject: 'From C4C', StartDate: start.toISOString(), EndDate: new Date(start.getTime() + 3600_000).toISOString(), OwnerPartyID: u.employee.employeeId }]);
    await bed.session(u, 'appointment');
    const mine = () => appointments().filter((a) => a.OwnerPartyID === u.employee.employeeId);
    expect(mine()).toHaveLength(2);
    expect(calendarEvents(u)).toHaveLength(2);
    const { createMirrorLinkRepository } = await import('../../../relay/store/mirror-links');
    const repo = createMirrorLinkRepository(bed.tb.db);
    for (const link of await bed.links(u, 'appointment')) await repo.remove(bed.tb.world.organizationId, u.userId, 'appointment', { mailboxId: link.mailboxId, c4cId: link.c4cId });
    const rebuilt = await bed.session(u, 'appointment');
    expect(rebuilt.result?.errors).toEqual([]);
    expect(rebuilt.result?.counts.create).toBe(0);
    expect((await bed.links(u, 'appointment')).map((l) => l.synced.subject).sort()).toEqual(['From C4C', 'From Outlook']);
    expect(mine()).toHaveLength(2);
    expect(calendarEvents(u)).toHaveLength(2);
    expect(appointmentByKey(event.iCalUid)).toHaveLength(1);
  });

  test('an event losing the category or leaving the window is unlinked, never deleted', async () => {
    const u = await bed.newUser(mode);
    const a = user().createEvent(u.address, eventInput('Loses category', hoursFromNow(24)));
    const b = user().createEvent(u.address, eventInput('Ages out', hoursFromNow(-24 * 20)));
    const c = user().createEvent(u.address, eventInput('Too old', hoursFromNow(-24 * 40)));
    await bed.session(u, 'appointment');
    expect(appointmentByKey(a.iCalUid)).toHaveLength(1);
    expect(appointmentByKey(b.iCalUid)).toHaveLength(1);
    expect(appointmentByKey(c.iCalUid)).toHaveLength(0); // outside the window (30 days back)

    user().categorize(u.address, a.id, []);
    await bed.session(u, 'appointment');
    expect(appointmentByKey(a.iCalUid)).toHaveLength(1);
    // 15 days later b ended more than 30 days ago: it leaves the window and is unlinked.
    const later = new Date(Date.now() + 15 * DAY);
    const aged = await bed.session(u, 'appointment', { now: later });
    expect(aged.result?.counts.delete).toBe(0);
    expect(appointmentByKey(b.iCalUid)).toHaveLength(1);
    expect(store().item(u.address, b.id)).toBeDefined();
    expect((await bed.links(u, 'appointment')).map((l) => l.mailboxId)).toEqual([]);
  });
});

describe.each(modes)('C4C side: window edges and paging (%s)', (mode) => {
  test('appointments ending inside the window come in, older ones do not; an appointment moved out of the window in C4C is unlinked, not deleted', async () => {
    const u = await bed.newUser(mode);
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY);
    const seed = (subject: string, end: Date) =>
      bed.tb.c4c.control.seed('AppointmentCollection', [{ Subject: subject, StartDate: new Date(end.getTime() - 3600_000).toISOString(), EndDate: end.toISOString(), OwnerPartyID: u.employee.employeeId }])[0];
    seed('Ended 29 days ago', at(29));
    seed('Ended 31 days ago', at(31));
    const future = seed('Next month', at(-30));
    await bed.session(u, 'appointment');
    expect(calendarEvents(u).map((e) => e.kind === 'event' && e.subject).sort()).toEqual(['Ended 29 days ago', 'Next month']);

    // Moved into the past in C4C (before the window): it leaves the scope; the mailbox event stays.
    const moved = at(40);
    await bed.c4cClient().update('AppointmentCollection', String(future.ObjectID), { StartDate: new Date(moved.getTime() - 3600_000).toISOString(), EndDate: moved.toISOString() });
    const out = await bed.session(u, 'appointment');
    expect(out.result?.counts.delete).toBe(0);
    expect(calendarEvents(u)).toHaveLength(2);
    expect((await bed.links(u, 'appointment')).map((l) => l.synced.subject)).toEqual(['Ended 29 days ago']);
  });

  // Paging is C4C's: one back end suffices.
  (mode === 'graph-app' ? test.skip : test)('more appointments than one $expand page (100): every one arrives, following __next', async () => {
    const u = await bed.newUser(mode);
    const start = hoursFromNow(24 * 3);
    bed.tb.c4c.control.seed(
      'AppointmentCollection',
      Array.from({ length: 105 }, (_, i) => ({ Subject: `Slot ${i}`, StartDate: new Date(start.getTime() + i * 3600_000).toISOString(), EndDate: new Date(start.getTime() + (i + 0.5) * 3600_000).toISOString(), OwnerPartyID: u.employee.employeeId })),
    );
    const result = await bed.session(u, 'appointment');
    expect(result.result?.errors).toEqual([]);
    expect(result.result?.counts.create).toBe(105);
    expect(calendarEvents(u)).toHaveLength(105); // the first page holds 100
  }, 60_000);
});
