/**
 * The Graph emulator's own time-zone conversion (it must not share the relay's converter, or a wrong conversion in the
 * relay would be mirrored here and no test could see it). Zone names: the EWS emulator's Windows zones (ews/timezones.ts)
 * plus the table below, written by hand from the Windows registry ids and checked against Intl (IANA), and any IANA
 * name Intl knows.
 *
 * Like Graph, a write naming a zone it does not know is refused (400 TimeZoneNotSupportedException); an unknown
 * `Prefer: outlook.timezone` is ignored and UTC is used.
 */
import { findZone } from '../ews/timezones';
import { GraphHttpError } from './odata';

/** Windows ids beyond the EWS emulator's list: half-hour, 45-minute, southern-hemisphere and other DST zones. */
const MORE_WINDOWS_ZONES: Record<string, string> = {
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'W. Australia Standard Time': 'Australia/Perth',
  'Tasmania Standard Time': 'Australia/Hobart',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Iran Standard Time': 'Asia/Tehran',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'Myanmar Standard Time': 'Asia/Yangon',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Chatham Islands Standard Time': 'Pacific/Chatham',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'GTB Standard Time': 'Europe/Bucharest',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Russian Standard Time': 'Europe/Moscow',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Arabian Standard Time': 'Asia/Dubai',
  'Korea Standard Time': 'Asia/Seoul',
  'Alaskan Standard Time': 'America/Anchorage',
  'Atlantic Standard Time': 'America/Halifax',
  'SA Pacific Standard Time': 'America/Bogota',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Pacific SA Standard Time': 'America/Santiago',
  'Samoa Standard Time': 'Pacific/Apia',
  'Dateline Standard Time': 'Etc/GMT+12',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};
const MORE_BY_LOWER = new Map(Object.entries(MORE_WINDOWS_ZONES).map(([k, v]) => [k.toLowerCase(), v]));

function intlKnows(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** IANA zone of a Windows or IANA name, or undefined when this emulator does not know it. */
export function emulatorIana(zone: string | undefined | null): string | undefined {
  if (zone === undefined || zone === null || zone.trim() === '') return 'UTC';
  const name = zone.trim();
  const iana = findZone(name)?.iana ?? MORE_BY_LOWER.get(name.toLowerCase()) ?? name;
  return intlKnows(iana) ? iana : undefined;
}

/** The zone a response is written in: the asked-for zone when known, else UTC (Graph ignores an unknown Prefer zone). */
export function responseZone(zone: string | undefined): string {
  return zone !== undefined && emulatorIana(zone) !== undefined ? zone : 'UTC';
}

function requireIana(zone: string | undefined | null): string {
  const iana = emulatorIana(zone);
  if (iana === undefined) {
    throw new GraphHttpError(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone ?? ''}'.`);
  }
  return iana;
}

function offsetMs(iana: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second')) - Math.floor(instant / 1000) * 1000;
}

/** A Graph `dateTime` (local, no offset) in `zone` → ISO instant; 400 for a zone the emulator does not know. */
export function localToUtc(localDateTime: string, zone: string | undefined | null): string {
  const value = localDateTime.trim();
  if (/(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new GraphHttpError(400, 'BadRequest', `Cannot convert the literal '${localDateTime}' to DateTimeOffset.`);
    return new Date(ms).toISOString();
  }
  const naive = Date.parse(`${value.replace(/(\.\d{3})\d*$/, '$1')}Z`);
  if (Number.isNaN(naive)) throw new GraphHttpError(400, 'BadRequest', `Cannot convert the literal '${localDateTime}' to DateTime.`);
  const iana = requireIana(zone);
  // Two passes settle the offset around DST changes (a skipped local time lands after the gap).
  let instant = naive - offsetMs(iana, naive);
  instant = naive - offsetMs(iana, instant);
  return new Date(instant).toISOString();
}

/** ISO instant → Graph's local `dateTime` in `zone` (7 fractional digits); 400 for a zone the emulator does not know. */
export function utcToLocal(instant: string, zone: string | undefined | null): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new GraphHttpError(400, 'BadRequest', `Not an instant: ${instant}`);
  const iana = requireIana(zone);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMs(iana, ms));
  return `${local.toISOString().slice(0, 19)}.0000000`;
}
