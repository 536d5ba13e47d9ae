/**
 * Graph writes event times as a local date-time plus a time zone name (`{ dateTime: "2017-04-15T12:00:00",
 * timeZone: "Pacific Standard Time" }`), Windows or IANA names alike. The mailbox interface keeps UTC instants plus the
 * event's zone, so we convert both ways with Intl (IANA) and a map of the Windows zones Outlook uses most.
 */

import { toIanaZone } from '../../../shared/timezones';

export function ianaZone(zone: string | undefined): string {
  return toIanaZone(zone) ?? 'UTC';
}

function partsIn(instantMs: number, iana: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p = Object.fromEntries(fmt.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  return { y: Number(p.year), mo: Number(p.month), d: Number(p.day), h: Number(p.hour) % 24, mi: Number(p.minute), s: Number(p.second) };
}

/** Offset of the zone at an instant, in ms (local = utc + offset). */
function offsetAt(instantMs: number, iana: string): number {
  const p = partsIn(instantMs, iana);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** `2017-04-15T12:00:00(.0000000)` in `zone` → ISO instant with Z. */
export function localToUtc(localDateTime: string, zone: string | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?/.exec(localDateTime.trim());
  if (!m) throw new Error(`Not a local date-time: ${localDateTime}`);
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (/Z|[+-]\d{2}:\d{2}$/.test(localDateTime.trim())) return new Date(Date.parse(localDateTime)).toISOString();
  const iana = ianaZone(zone);
  // Two passes settle DST transitions: the offset at the guessed instant, then at the corrected one.
  let guess = naive - offsetAt(naive, iana);
  guess = naive - offsetAt(guess, iana);
  return new Date(guess).toISOString();
}

/** ISO instant → Graph's local `dateTime` (7 fractional digits, as Graph prints them) in `zone`. */
export function utcToLocal(instant: string, zone: string | undefined): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`Not an instant: ${instant}`);
  const p = partsIn(ms, ianaZone(zone));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}.0000000`;
}
