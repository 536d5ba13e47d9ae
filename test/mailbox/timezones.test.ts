/**
 * Issue 9 item 9: time zones are right for every zone. Every Windows zone EWS and Graph can return (CLDR windowsZones
 * as shipped in windows-iana) is round-tripped through the Graph mapping (eventBody → Graph's local dateTime + zone,
 * and the read side's localToUtc), and each UTC instant is checked with Intl in the zone's IANA equivalent — at a
 * winter and a summer wall clock and an hour either side of every 2026 transition of zones that change.
 */
import { WINDOWS_TO_IANA_MAP, findIana } from 'windows-iana';
import { eventBody, toCalendarEvent } from '../../relay/mailbox/graph/mapping';
import { UnknownTimeZoneError, ianaZone, localToUtc, utcToLocal } from '../../relay/mailbox/graph/timezones';
import { MailboxError } from '../../relay/mailbox/types';
import { WINDOWS_ZONE_IDS, toIanaZone } from '../../shared/timezones';

const ZONES = [...new Set(WINDOWS_TO_IANA_MAP.map((r) => r.windowsName))].sort();

const wallFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
function cached(map: Map<string, Intl.DateTimeFormat>, iana: string, options: Intl.DateTimeFormatOptions, locale: string): Intl.DateTimeFormat {
  let f = map.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: iana });
    map.set(iana, f);
  }
  return f;
}

/** The oracle: Intl's wall clock of an instant in an IANA zone, `yyyy-mm-ddThh:mm:ss`. */
function wallClock(instantMs: number, iana: string): string {
  const parts = cached(wallFormats, iana, { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }, 'en-CA').formatToParts(new Date(instantMs));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

/** The oracle's offset (Intl longOffset, e.g. "GMT+05:45") in minutes. */
function offsetMinutes(instantMs: number, iana: string): number {
  const name = cached(offsetFormats, iana, { timeZoneName: 'longOffset' }, 'en-US').formatToParts(new Date(instantMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** Does the zone repeat this instant's wall clock (either pass of the hour repeated when DST ends)? */
function repeated(instantMs: number, iana: string): boolean {
  const local = wallClock(instantMs, iana);
  return [30, 60, 120].some((minutes) => wallClock(instantMs - minutes * 60_000, iana) === local || wallClock(instantMs + minutes * 60_000, iana) === local);
}

const STEP = 6 * 3_600_000;

/** Instants (ms) in 2026 at which the zone's offset changes, found in 6-hour steps and narrowed to the minute. */
function transitions2026(iana: string): number[] {
  const out: number[] = [];
  const start = Date.UTC(2026, 0, 1);
  const end = Date.UTC(2027, 0, 1);
  let prev = offsetMinutes(start, iana);
  for (let t = start + STEP; t <= end; t += STEP) {
    const cur = offsetMinutes(t, iana);
    if (cur !== prev) {
      let lo = t - STEP;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetMinutes(mid, iana) === prev) lo = mid;
        else hi = mid;
      }
      out.push(hi);
      prev = cur;
    }
  }
  return out;
}

/**
 * Writes an event through the Graph mapping, checks the wall clock against Intl, reads it back. An instant whose wall
 * clock the zone repeats cannot be named by a local time without ambiguity: it is written in UTC.
 */
function roundTrip(windowsZone: string, instantMs: number): void {
  const iana = findIana(windowsZone, '001')[0];
  for (const ms of [instantMs, instantMs + 30 * 60_000]) {
    const at = new Date(ms).toISOString();
    const body = eventBody({ start: at, timeZone: windowsZone }) as { start: { dateTime: string; timeZone: string } };
    if (repeated(ms, iana)) expect(body.start).toEqual({ dateTime: `${wallClock(ms, 'UTC')}.0000000`, timeZone: 'UTC' });
    else expect(body.start).toEqual({ dateTime: `${wallClock(ms, iana)}.0000000`, timeZone: windowsZone });
    expect(localToUtc(body.start.dateTime, body.start.timeZone)).toBe(at);
  }
}

const JAN = Date.UTC(2026, 0, 15, 9, 30);
const JUL = Date.UTC(2026, 6, 15, 9, 30);

describe('every Windows zone of CLDR windowsZones', () => {
  it('the list is the whole CLDR list and each maps to an IANA zone Intl knows', () => {
    expect(ZONES.length).toBeGreaterThanOrEqual(139);
    expect([...WINDOWS_ZONE_IDS]).toEqual(ZONES);
    for (const zone of ZONES) expect(toIanaZone(zone)).toBe(findIana(zone, '001')[0]);
  });

  it.each(ZONES)('%s: winter and summer wall clocks round-trip to the same UTC instant', (zone) => {
    roundTrip(zone, JAN);
    roundTrip(zone, JUL);
  });

  const changing = ZONES.map((zone) => ({ zone, at: transitions2026(findIana(zone, '001')[0]) })).filter((z) => z.at.length > 0);

  it('finds DST-changing zones on both hemispheres', () => {
    const names = changing.map((z) => z.zone);
    expect(names).toEqual(expect.arrayContaining(['W. Europe Standard Time', 'Pacific Standard Time', 'Cen. Australia Standard Time', 'Newfoundland Standard Time', 'New Zealand Standard Time', 'Lord Howe Standard Time']));
    expect(changing.length).toBeGreaterThan(30);
  });

  it.each(changing.map((z) => [z.zone, z.at] as const))('%s: an hour either side of each 2026 transition', (zone, at) => {
    for (const t of at) {
      roundTrip(zone, t - 3_600_000);
      roundTrip(zone, t + 3_600_000);
      roundTrip(zone, t - 60_000);
      roundTrip(zone, t);
    }
  });
});

describe('half-hour and 45-minute zones, and the reported defect', () => {
  it.each([
    // 00:00Z in Adelaide in December (ACDT, +10:30) is 10:30 local; it was sent as 00:00 "Cen. Australia" time.
    ['Cen. Australia Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T10:30:00'],
    ['Cen. Australia Standard Time', '2026-07-03T00:00:00.000Z', '2026-07-03T09:30:00'],
    ['AUS Central Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T09:30:00'],
    ['India Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T05:30:00'],
    ['Newfoundland Standard Time', '2026-12-03T12:00:00.000Z', '2026-12-03T08:30:00'],
    ['Newfoundland Standard Time', '2026-07-03T12:00:00.000Z', '2026-07-03T09:30:00'],
    ['Nepal Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T05:45:00'],
    ['Chatham Islands Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T13:45:00'],
    ['Lord Howe Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T11:00:00'],
    ['Lord Howe Standard Time', '2026-07-03T00:00:00.000Z', '2026-07-03T10:30:00'],
    ['Iran Standard Time', '2026-12-03T00:00:00.000Z', '2026-12-03T03:30:00'],
    ['Marquesas Standard Time', '2026-12-03T12:00:00.000Z', '2026-12-03T02:30:00'],
  ])('%s: %s is %s local', (zone, instant, local) => {
    const body = eventBody({ start: instant, end: instant, timeZone: zone }) as { start: { dateTime: string; timeZone: string } };
    expect(body.start).toEqual({ dateTime: `${local}.0000000`, timeZone: zone });
    expect(localToUtc(`${local}.0000000`, zone)).toBe(instant);
  });

  it('reads a Graph event given in a Windows zone at the right instant', () => {
    const event = toCalendarEvent({
      id: 'AAMk1',
      changeKey: 'ck',
      iCalUId: 'uid-1',
      subject: 'Adelaide',
      start: { dateTime: '2026-12-03T10:30:00.0000000', timeZone: 'Cen. Australia Standard Time' },
      end: { dateTime: '2026-12-03T11:00:00.0000000', timeZone: 'Cen. Australia Standard Time' },
      originalStartTimeZone: 'Cen. Australia Standard Time',
      isAllDay: false,
      isOrganizer: true,
      isCancelled: false,
      type: 'singleInstance',
      sensitivity: 'normal',
      attendees: [],
      categories: [],
    });
    expect(event.start).toBe('2026-12-03T00:00:00.000Z');
    expect(event.end).toBe('2026-12-03T00:30:00.000Z');
    expect(event.timeZone).toBe('Cen. Australia Standard Time');
  });
});

describe('DST gaps and repeated hours', () => {
  it('reads: a skipped local time moves forward by the DST delta; a repeated one is standard time (after the change)', () => {
    // 29 March 2026 02:30 does not exist in Berlin (02:00 → 03:00): read as 03:30 CEST = 01:30Z.
    expect(localToUtc('2026-03-29T02:30:00', 'W. Europe Standard Time')).toBe('2026-03-29T01:30:00.000Z');
    // 25 October 2026 02:30 happens twice in Berlin: standard time (CET, 01:30Z), as Exchange reads it.
    expect(localToUtc('2026-10-25T02:30:00', 'W. Europe Standard Time')).toBe('2026-10-25T01:30:00.000Z');
    // Southern hemisphere: Adelaide 5 April 2026 02:30 repeats (03:00 ACDT → 02:00 ACST): ACST is 17:00Z on the 4th.
    expect(localToUtc('2026-04-05T02:30:00', 'Cen. Australia Standard Time')).toBe('2026-04-04T17:00:00.000Z');
    // Newfoundland 8 March 2026 02:30 is skipped: 03:30 NDT = 06:00Z.
    expect(localToUtc('2026-03-08T02:30:00', 'Newfoundland Standard Time')).toBe('2026-03-08T06:00:00.000Z');
  });

  it('writes: both passes of a repeated hour go out in UTC, the hours around them in the zone', () => {
    const at = (iso: string) => eventBody({ start: iso, timeZone: 'Pacific Standard Time' }).start;
    expect(at('2026-11-01T08:30:00.000Z')).toEqual({ dateTime: '2026-11-01T08:30:00.0000000', timeZone: 'UTC' }); // 01:30 PDT
    expect(at('2026-11-01T09:30:00.000Z')).toEqual({ dateTime: '2026-11-01T09:30:00.0000000', timeZone: 'UTC' }); // 01:30 PST
    expect(at('2026-11-01T07:30:00.000Z')).toEqual({ dateTime: '2026-11-01T00:30:00.0000000', timeZone: 'Pacific Standard Time' });
    expect(at('2026-11-01T10:30:00.000Z')).toEqual({ dateTime: '2026-11-01T02:30:00.0000000', timeZone: 'Pacific Standard Time' });
  });
});

describe('unknown zones are explicit errors, never a silent shift', () => {
  it('refuses to write or read in a zone neither CLDR nor Intl knows', () => {
    expect(() => utcToLocal('2026-12-03T00:00:00Z', 'Mars Standard Time')).toThrow(UnknownTimeZoneError);
    expect(() => eventBody({ start: '2026-12-03T00:00:00Z', end: '2026-12-03T01:00:00Z', timeZone: 'Mars Standard Time' })).toThrow(/Unknown time zone "Mars Standard Time"/);
    expect(() => localToUtc('2026-12-03T10:30:00', 'Mars Standard Time')).toThrow(MailboxError);
    try {
      ianaZone('Mars Standard Time');
    } catch (err) {
      expect(err).toBeInstanceOf(MailboxError);
      expect((err as MailboxError).code).toBe('invalid-request');
      expect((err as MailboxError).transient).toBe(false);
    }
  });

  it('no zone means UTC (as in Graph); IANA names and case-insensitive Windows ids are accepted', () => {
    expect(utcToLocal('2026-12-03T00:00:00Z', undefined)).toBe('2026-12-03T00:00:00.0000000');
    expect(localToUtc('2026-12-03T00:00:00', '')).toBe('2026-12-03T00:00:00.000Z');
    expect(utcToLocal('2026-12-03T00:00:00Z', 'Asia/Kathmandu')).toBe('2026-12-03T05:45:00.0000000');
    expect(utcToLocal('2026-12-03T00:00:00Z', 'cen. australia standard time')).toBe('2026-12-03T10:30:00.0000000');
  });
});
