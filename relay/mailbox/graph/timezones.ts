/**
 * Graph writes event times as a local date-time plus a time zone name (`{ dateTime: "2017-04-15T12:00:00",
 * timeZone: "Pacific Standard Time" }`), Windows or IANA names alike. The mailbox interface keeps UTC instants plus the
 * event's zone, so we convert both ways with Intl (IANA) and CLDR's Windows ↔ IANA mapping (shared/timezones.ts).
 *
 * A zone neither CLDR nor Intl knows is an explicit error (MailboxError 'invalid-request' naming the zone), never a
 * silent fallback: converting in UTC while the body still names the original zone shifted the meeting by the zone's
 * offset (00:00Z in "Cen. Australia Standard Time" was sent 10.5 hours off). No zone at all means UTC, as in Graph.
 *
 * Local times that do not exist (the hour skipped when DST starts) or exist twice (the hour repeated when it ends) are
 * resolved on reads like Exchange: a skipped time moves forward by the DST delta, a repeated time is standard time (the
 * pass after the change, as .NET's TimeZoneInfo assumes). Writes never depend on that: an instant whose local time
 * the zone repeats is written in UTC (graphDateTime).
 */
import { toIanaZone } from '../../../shared/timezones';
import { MailboxError } from '../types';

export class UnknownTimeZoneError extends MailboxError {
  constructor(readonly zone: string) {
    super('invalid-request', `Unknown time zone "${zone}": not a Windows zone id (CLDR windowsZones) nor an IANA zone.`, false);
    this.name = 'UnknownTimeZoneError';
  }
}

/** The IANA zone of a Windows or IANA name; UTC when no zone is given; UnknownTimeZoneError for an unknown name. */
export function ianaZone(zone: string | undefined | null): string {
  if (zone === undefined || zone === null || zone.trim() === '') return 'UTC';
  const iana = toIanaZone(zone);
  if (iana === undefined) throw new UnknownTimeZoneError(zone);
  return iana;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(iana: string): Intl.DateTimeFormat {
  let fmt = formatters.get(iana);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(iana, fmt);
  }
  return fmt;
}

function partsIn(instantMs: number, iana: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, string> = {};
  for (const x of formatter(iana).formatToParts(new Date(instantMs))) p[x.type] = x.value;
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour) % 24, mi: Number(p.minute), s: Number(p.second) };
}

/** Offset of the zone at an instant, in ms (local = utc + offset). */
function offsetAt(instantMs: number, iana: string): number {
  const p = partsIn(instantMs, iana);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/** The instants (ascending) whose wall clock in `iana` is `naive` (the wall clock read as if it were UTC): 0, 1 or 2. */
function instantsOf(naive: number, iana: string): number[] {
  // The offsets in force a day before and a day after cover every transition near this wall clock (none is closer
  // than a day to another in the tz database).
  const offsets = new Set([offsetAt(naive - DAY_MS, iana), offsetAt(naive + DAY_MS, iana)]);
  return [...offsets]
    .map((offset) => naive - offset)
    .filter((t) => t + offsetAt(t, iana) === naive)
    .sort((a, b) => a - b);
}

/** The instant of a wall-clock time in `iana` (see the file comment for skipped and repeated times). */
function wallClockToInstant(naive: number, iana: string): number {
  const candidates = instantsOf(naive, iana);
  // A repeated time is read as Exchange (.NET TimeZoneInfo) reads it: as standard time, the pass after the change.
  if (candidates.length > 0) return candidates[candidates.length - 1];
  // Skipped by a forward transition: read with the offset before it, which lands after the gap (moved forward).
  return naive - offsetAt(naive - DAY_MS, iana);
}

/** `2017-04-15T12:00:00(.0000000)` in `zone` → ISO instant with Z. Values with Z or an offset are absolute. */
export function localToUtc(localDateTime: string, zone: string | undefined): string {
  const trimmed = localDateTime.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?/.exec(trimmed);
  if (!m) throw new MailboxError('invalid-request', `Not a local date-time: ${localDateTime}`, false);
  if (/(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isNaN(ms)) throw new MailboxError('invalid-request', `Not a date-time: ${localDateTime}`, false);
    return new Date(ms).toISOString();
  }
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), millis);
  const iana = ianaZone(zone);
  if (iana === 'UTC') return new Date(naive).toISOString();
  return new Date(wallClockToInstant(naive, iana)).toISOString();
}

/** ISO instant → Graph's local `dateTime` (7 fractional digits, as Graph prints them) in `zone`. */
export function utcToLocal(instant: string, zone: string | undefined): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new MailboxError('invalid-request', `Not an instant: ${instant}`, false);
  const p = partsIn(ms, ianaZone(zone));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const fraction = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}.${fraction}0000`;
}

/**
 * An instant as Graph's `dateTimeTimeZone` in `zone`. A local time the zone repeats when DST ends names two instants
 * and a server may read either, so an instant in either pass of a repeated hour is written in UTC
 * ({ dateTime, timeZone: "UTC" }): exact, where the local form could move it by the DST delta.
 */
export function graphDateTime(instant: string, zone: string | undefined): { dateTime: string; timeZone: string } {
  const name = zone === undefined || zone.trim() === '' ? 'UTC' : zone;
  const dateTime = utcToLocal(instant, name);
  const iana = ianaZone(name);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(dateTime);
  if (!m) throw new MailboxError('invalid-request', `Not an instant: ${instant}`, false);
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
  if (iana === 'UTC' || instantsOf(naive, iana).length === 1) return { dateTime, timeZone: name };
  return { dateTime: utcToLocal(instant, 'UTC'), timeZone: 'UTC' };
}
