/**
 * Recurring series (decision documented in relay/sync/mirror/adapters/calendar-mailbox.ts): one C4C appointment per
 * occurrence, keyed `<iCalUid>#<original start>` with RecurrenceActGroupwareID and OccurrenceDate; an exception updates
 * its appointment; a deleted occurrence deletes only its own; a C4C edit of an occurrence's appointment makes the
 * occurrence an exception. EWS reports masters (expanded), Graph reports instances. No meeting message is sent.
 */
import { modes, eventInput, hoursFromNow, useMirrorBed } from './calendar-testbed';

const bed = useMirrorBed();
const user = () => bed.tb.bed.exchange.control.user;
const store = () => bed.tb.bed.exchange.store;
const seriesRows = (uid: string) =>
  bed.tb.c4c.control
    .list('AppointmentCollection')
    .filter((a) => a.RecurrenceActGroupwareID === uid)
    .sort((a, b) => String(a.GroupwareItemID).localeCompare(String(b.GroupwareItemID)));
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

describe.each(modes)('recurring series (%s)', (mode) => {
  test('occurrences become appointments; an exception updates one, a deleted occurrence deletes one, a C4C edit makes an exception', async () => {
    const u = await bed.newUser(mode);
    const messages = bed.meetingMessages();
    const start = hoursFromNow(24);
    const series = user().createEvent(
      u.address,
      eventInput('Weekly sync', start, 1, {
        recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: [DAYS[start.getUTCDay()]], startDate: start.toISOString().slice(0, 10), numberOfOccurrences: 4 },
      }),
    );
    const created = await bed.session(u, 'appointment');
    expect(created.result?.errors).toEqual([]);
    const rows = seriesRows(series.iCalUid);
    const starts = [0, 1, 2, 3].map((w) => new Date(start.getTime() + w * 7 * 86_400_000).toISOString());
    expect(rows.map((r) => r.GroupwareItemID)).toEqual(starts.map((s) => `${series.iCalUid}#${s}`));
    expect(rows.map((r) => r.StartDate)).toEqual(starts.map((s) => Date.parse(s)));
    expect(rows[1]).toMatchObject({ Subject: 'Weekly sync', RecurrenceActGroupwareID: series.iCalUid, OccurrenceDate: Date.parse(`${starts[1].slice(0, 10)}T00:00:00Z`) });
    // The master itself is not an appointment.
    expect(bed.tb.c4c.control.list('AppointmentCollection').filter((a) => a.GroupwareItemID === series.iCalUid)).toHaveLength(0);
    expect((await bed.session(u, 'appointment')).result?.counts.create).toBe(0);

    // An exception: the second occurrence moves an hour later with a new subject.
    const movedStart = new Date(Date.parse(starts[1]) + 3600_000).toISOString();
    user().editOccurrence(u.address, series.id, 2, { subject: 'Weekly sync (late)', start: movedStart, end: new Date(Date.parse(movedStart) + 3600_000).toISOString() });
    const exception = await bed.session(u, 'appointment');
    expect(exception.result?.errors).toEqual([]);
    expect(exception.result?.counts.update).toBe(1);
    const afterException = seriesRows(series.iCalUid);
    expect(afterException).toHaveLength(4);
    expect(afterException[1]).toMatchObject({ Subject: 'Weekly sync (late)', StartDate: Date.parse(movedStart), GroupwareItemID: `${series.iCalUid}#${starts[1]}` });
    expect(afterException.filter((r) => r.Subject === 'Weekly sync')).toHaveLength(3);

    // A deleted occurrence deletes only its own appointment.
    user().deleteOccurrence(u.address, series.id, 3);
    const deleted = await bed.session(u, 'appointment');
    expect(deleted.result?.counts.delete).toBe(1);
    expect(seriesRows(series.iCalUid).map((r) => r.GroupwareItemID)).toEqual([0, 1, 3].map((i) => `${series.iCalUid}#${starts[i]}`));

    // C4C edits the fourth occurrence's appointment: the mailbox occurrence becomes an exception.
    const fourth = seriesRows(series.iCalUid)[2];
    await bed.c4cClient().update('AppointmentCollection', String(fourth.ObjectID), { Subject: 'Weekly sync (C4C)' });
    const down = await bed.session(u, 'appointment');
    expect(down.result?.errors).toEqual([]);
    const master = store().item(u.address, series.id);
    expect(master.kind === 'event' && master.exceptions?.find((x) => x.originalStart === starts[3])?.changes.subject).toBe('Weekly sync (C4C)');
    expect((await bed.session(u, 'appointment')).result?.counts.update ?? 0).toBe(0);
    expect(seriesRows(series.iCalUid)).toHaveLength(3);

    // The whole series deleted: every occurrence's appointment goes.
    user().delete(u.address, series.id, { permanent: true });
    const all = await bed.session(u, 'appointment');
    expect(all.result?.counts.delete).toBe(3);
    expect(seriesRows(series.iCalUid)).toHaveLength(0);
    expect(bed.meetingMessages()).toBe(messages);
  });
});

describe('a series without end (ews-impersonation: the expansion horizon is the adapter\'s own)', () => {
  test('occurrences up to a year ahead become appointments; a day later the next one entering the horizon is created', async () => {
    const u = await bed.newUser('ews-impersonation');
    const start = hoursFromNow(24);
    const series = user().createEvent(u.address, eventInput('Weekly forever', start, 1, { recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: [DAYS[start.getUTCDay()]], startDate: start.toISOString().slice(0, 10) } }));
    const first = await bed.session(u, 'appointment');
    expect(first.result?.errors).toEqual([]);
    const count = seriesRows(series.iCalUid).length;
    const horizon = Date.now() + 365 * 86_400_000;
    expect(count).toBe(Math.floor((horizon - start.getTime()) / (7 * 86_400_000)) + 1);
    const later = new Date(Date.now() + 8 * 86_400_000);
    const next = await bed.session(u, 'appointment', { now: later });
    expect(next.result?.errors).toEqual([]);
    expect(next.result?.counts.create).toBe(Math.floor((horizon + 8 * 86_400_000 - start.getTime()) / (7 * 86_400_000)) + 1 - count);
    expect(next.result?.counts.create).toBeGreaterThanOrEqual(1);
    expect(next.result?.counts.delete).toBe(0);
  }, 60_000);
});
