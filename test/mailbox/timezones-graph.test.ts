/**
 * Issue 9 item 9 end to end: the relay's Graph client writes events in Windows zones (half-hour, 45-minute and
 * DST-changing ones) to the Graph emulator, which converts with its OWN zone table (test/emulators/exchange/graph/
 * timezones.ts, not the relay's converter). The emulator's stored instant and the event read back must be the instant
 * the relay meant; before the fix 00:00Z in "Cen. Australia Standard Time" was stored 10.5 hours off.
 */
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { Mailbox } from '../../relay/mailbox/types';
import type { StoredEvent } from '../emulators/exchange/store';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';

jest.setTimeout(60_000);

const ANNA = 'anna.zones@contoso.example';
let bed: GraphTestbed;
let mailbox: Mailbox;

beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(ANNA, 'Anna Zones');
  mailbox = openGraphMailbox(ANNA, bed.appAccess(), bed.options());
});

afterAll(async () => {
  await mailbox?.close();
  await bed?.close();
});

function storedEvent(subject: string): StoredEvent {
  const calendar = bed.exchange.store.wellKnownFolder(ANNA, 'calendar');
  const hit = bed.exchange.store.listItems(ANNA, calendar.id).find((i): i is StoredEvent => i.kind === 'event' && i.subject === subject);
  if (!hit) throw new Error(`no stored event ${subject}`);
  return hit;
}

describe('Graph events in every kind of zone through the emulator', () => {
  it.each([
    ['Cen. Australia Standard Time', '2026-12-03T00:00:00.000Z'],
    ['Cen. Australia Standard Time', '2026-07-03T00:00:00.000Z'],
    ['India Standard Time', '2026-12-03T00:00:00.000Z'],
    ['Newfoundland Standard Time', '2026-12-03T12:00:00.000Z'],
    ['Newfoundland Standard Time', '2026-07-03T12:00:00.000Z'],
    ['Nepal Standard Time', '2026-12-03T00:00:00.000Z'],
    ['W. Europe Standard Time', '2026-03-29T00:30:00.000Z'], // 01:30 CET, half an hour before the spring change
    ['W. Europe Standard Time', '2026-03-29T01:30:00.000Z'], // 03:30 CEST, just after it
    ['Pacific Standard Time', '2026-11-01T08:30:00.000Z'], // 01:30 PDT: the first pass of the repeated hour
    ['Pacific Standard Time', '2026-11-01T09:30:00.000Z'], // 01:30 PST: the second pass (written in UTC)
    ['AUS Eastern Standard Time', '2026-04-04T15:30:00.000Z'], // 02:30 AEDT, first pass of Sydney's repeated hour
  ])('%s at %s: stored and read back at the same instant', async (zone, start) => {
    const end = new Date(Date.parse(start) + 45 * 60_000).toISOString();
    const subject = `Zone ${zone} ${start}`;
    const calendar = await mailbox.getWellKnownFolder('calendar');
    const ref = await mailbox.createEvent(calendar.id, { subject, start, end, timeZone: zone, isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] });
    const stored = storedEvent(subject);
    expect([Date.parse(stored.start), Date.parse(stored.end)]).toEqual([Date.parse(start), Date.parse(end)]);
    const [read] = await mailbox.getEvents([ref.id]);
    expect([read.start, read.end]).toEqual([start, end]);
    // Moving it by an hour in the same zone keeps the arithmetic right as well.
    const moved = new Date(Date.parse(start) + 3_600_000).toISOString();
    await mailbox.updateEvent(ref.id, { start: moved, end: new Date(Date.parse(moved) + 45 * 60_000).toISOString(), timeZone: zone });
    const [again] = await mailbox.getEvents([ref.id]);
    expect(again.start).toBe(moved);
  });

  it('a zone nobody knows is refused by the relay before anything is sent', async () => {
    const calendar = await mailbox.getWellKnownFolder('calendar');
    await expect(
      mailbox.createEvent(calendar.id, { subject: 'Nowhere', start: '2026-12-03T00:00:00Z', end: '2026-12-03T01:00:00Z', timeZone: 'Mars Standard Time', isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] }),
    ).rejects.toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/Unknown time zone "Mars Standard Time"/) });
    expect(bed.exchange.store.listItems(ANNA, bed.exchange.store.wellKnownFolder(ANNA, 'calendar').id).some((i) => i.kind === 'event' && i.subject === 'Nowhere')).toBe(false);
  });
});
