/**
 * The named transforms of the mapping tables (E10) and the normalisers every converter uses, so that both sides of a
 * field produce the same JSON for the same meaning and the hashes (hash.ts) stay stable:
 * - text: trimmed, the empty string is null;
 * - e-mail addresses: trimmed and lower-case;
 * - instants: ISO 8601 UTC without milliseconds (`2026-12-03T09:30:00Z`);
 * - dates: `yyyy-mm-dd`.
 */
import { findIanaAliases } from 'windows-iana';
import { parseODataDate, toODataDate } from '../../../c4c/odata-json';
import { toIanaZone } from '../../../../shared/timezones';
import type { FieldValue } from '../types';
import type { Transform } from './types';

// ------------------------------------------------------------------------------------------------- normalisers

export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t === '' ? null : t;
}

export function email(value: unknown): string | null {
  const t = text(value);
  return t === null ? null : t.toLowerCase();
}

function toMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string' || value.trim() === '') return null;
  const od = parseODataDate(value);
  if (od) return od.getTime();
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** Any instant (ISO, `/Date(ms)/`) → `yyyy-mm-ddThh:mm:ssZ`; null when absent or unparsable. */
export function instant(value: unknown): string | null {
  const ms = toMs(value);
  if (ms === null) return null;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `yyyy-mm-dd` (a date, or the date part of an ISO string as written); null when absent or unparsable. */
export function date(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
  return m ? m[1] : null;
}

/** The calendar date of an instant in an IANA zone (`yyyy-mm-dd`). */
export function dateIn(value: unknown, ianaZone: string): string | null {
  const ms = toMs(value);
  if (ms === null) return null;
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ianaZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The OData literal of a normalised instant, or null. */
export function odataInstant(value: FieldValue): string | null {
  return typeof value === 'string' && value !== '' ? toODataDate(value) : null;
}

export const str = (value: FieldValue): string | null => (typeof value === 'string' ? value : null);

/** Mailbox writes: a cleared text field is written as '' (the back ends clear a property set to empty). */
export const mailboxText = (value: FieldValue): string => str(value) ?? '';

// ------------------------------------------------------------------------------------------------- time zones

/**
 * SAP time-zone codes (table TTZZ) ↔ IANA. C4C's StartDate / EndDate are instants (Edm.DateTimeOffset), so the code
 * only names the zone the appointment is shown and repeated in; the instants never move with it.
 *
 * The code list is coarser than IANA (one code per set of rules), so the mapped value of the field is the SAP code:
 * both sides produce the same code for the same rules and a round trip is stable. Sources: UTC, CST, AUSACT are seen
 * in tenant responses (c4c-odata.md §4 [C-data]); the others are SAP's standard TTZZ codes [U]: those the relay already
 * writes (relay/c4c/activities/appointment.ts) and the Australian states of the same family as AUSACT. The first
 * IANA zone of each row is the one written to the mailbox.
 * A zone without a code maps to UTC: the instants stay exact, only C4C's display zone is UTC (documented exception).
 */
export const SAP_TIME_ZONE_CODES: Readonly<Record<string, readonly string[]>> = {
  UTC: ['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu'],
  GMTUK: ['Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Atlantic/Canary', 'Atlantic/Faroe', 'Atlantic/Madeira', 'Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey'],
  CET: [
    'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid', 'Europe/Rome', 'Europe/Amsterdam', 'Europe/Zurich', 'Europe/Vienna', 'Europe/Warsaw',
    'Europe/Brussels', 'Europe/Copenhagen', 'Europe/Stockholm', 'Europe/Oslo', 'Europe/Prague', 'Europe/Budapest', 'Europe/Bratislava',
    'Europe/Ljubljana', 'Europe/Zagreb', 'Europe/Belgrade', 'Europe/Sarajevo', 'Europe/Skopje', 'Europe/Luxembourg', 'Europe/Monaco',
    'Europe/Malta', 'Europe/Andorra', 'Europe/Tirane', 'Europe/Podgorica', 'Europe/Vaduz', 'Europe/San_Marino', 'Europe/Vatican', 'Europe/Gibraltar',
  ],
  EET: ['Europe/Helsinki', 'Europe/Athens', 'Europe/Kiev', 'Europe/Kyiv', 'Europe/Riga', 'Europe/Sofia', 'Europe/Tallinn', 'Europe/Vilnius', 'Europe/Bucharest'],
  EST: ['America/New_York', 'America/Toronto', 'America/Detroit', 'America/Montreal', 'America/Nassau', 'America/Indiana/Indianapolis'],
  CST: ['America/Chicago', 'America/Winnipeg', 'America/Indiana/Knox', 'America/Menominee'],
  MST: ['America/Denver', 'America/Edmonton', 'America/Boise'],
  MSTNO: ['America/Phoenix'],
  PST: ['America/Los_Angeles', 'America/Vancouver', 'America/Tijuana'],
  BRZLEA: ['America/Sao_Paulo'],
  INDIA: ['Asia/Kolkata', 'Asia/Calcutta'],
  JAPAN: ['Asia/Tokyo'],
  'UTC+8': ['Asia/Shanghai', 'Asia/Singapore', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Kuala_Lumpur', 'Asia/Manila'],
  AUSNSW: ['Australia/Sydney'],
  AUSACT: ['Australia/Canberra', 'Australia/ACT'],
  AUSVIC: ['Australia/Melbourne'],
  AUSQLD: ['Australia/Brisbane', 'Australia/Lindeman'],
  AUSSA: ['Australia/Adelaide', 'Australia/Broken_Hill'],
  AUSNT: ['Australia/Darwin'],
  AUSWA: ['Australia/Perth'],
  AUSTAS: ['Australia/Hobart', 'Australia/Currie'],
};

const CODE_BY_IANA = new Map<string, string>();
for (const [code, zones] of Object.entries(SAP_TIME_ZONE_CODES)) for (const z of zones) if (!CODE_BY_IANA.has(z)) CODE_BY_IANA.set(z, code);

/** The SAP code of a Windows or IANA zone name (CLDR aliases included); UTC for zones without a code. */
export function sapZoneCode(zone: string | undefined | null): string {
  const iana = zone ? toIanaZone(zone) : undefined;
  if (!iana) return 'UTC';
  const direct = CODE_BY_IANA.get(iana);
  if (direct) return direct;
  for (const alias of findIanaAliases(iana)) {
    const code = CODE_BY_IANA.get(alias);
    if (code) return code;
  }
  return 'UTC';
}

/** The IANA zone a SAP code is written to the mailbox as; UTC for a code the table does not know (documented). */
export function ianaForSapCode(code: string | null | undefined): string {
  const zones = code ? SAP_TIME_ZONE_CODES[code.trim().toUpperCase()] : undefined;
  return zones?.[0] ?? 'UTC';
}

/** A C4C code as read: trimmed upper-case, an empty code is UTC (C4C's default). */
export function sapCodeAsRead(code: unknown): string {
  const t = text(code);
  return t === null ? 'UTC' : t.toUpperCase();
}

// ------------------------------------------------------------------------------------------------- notes

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * HTML body → plain text as C4C's text collections hold it: block ends become line breaks, tags are dropped, entities
 * decoded, trailing spaces and repeated blank lines removed. Plain text input passes through (normalised the same).
 */
export function htmlToPlainText(html: string | undefined | null): string | null {
  if (html === undefined || html === null) return null;
  const withBreaks = html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|pre)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
      return ENTITIES[name.toLowerCase()] ?? m;
    });
  return plainText(withBreaks);
}

/** Plain text normalised: CRLF → LF, trailing spaces per line dropped, at most one blank line, trimmed. */
export function plainText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return t === '' ? null : t;
}

/** Plain text → a minimal HTML body for the mailbox (escaped, line breaks kept). */
export function plainTextToHtml(value: string | null): string {
  if (value === null) return '';
  const esc = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<html><body><p>${esc.split('\n').join('<br>')}</p></body></html>`;
}

// ------------------------------------------------------------------------------------------------- countries

let countryByName: Map<string, string> | undefined;
function countryNames(): Map<string, string> {
  if (countryByName) return countryByName;
  countryByName = new Map();
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      if (name && name !== code) countryByName.set(name.toLowerCase(), code);
    }
  }
  return countryByName;
}

/** A mailbox country ("Germany", "de", "DE") → ISO 3166 alpha-2 as C4C's CountryCode; unknown names stay as written. */
export function countryCode(value: unknown): string | null {
  const t = text(value);
  if (t === null) return null;
  if (/^[a-z]{2}$/i.test(t)) return t.toUpperCase();
  return countryNames().get(t.toLowerCase()) ?? t;
}

/** ISO code → the English name the mailbox shows ("DE" → "Germany"); other values pass through. */
export function countryName(code: string | null): string | null {
  if (code === null) return null;
  if (!/^[A-Z]{2}$/.test(code)) return code;
  return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
}

// ------------------------------------------------------------------------------------------------- named transforms

export const TRANSFORMS = {
  text: { name: 'text', description: 'Trimmed; empty is none.' },
  email: { name: 'email', description: 'Trimmed, lower-case.' },
  instant: { name: 'instant', description: 'UTC instant, seconds precision; C4C /Date(ms)/ ↔ ISO 8601.' },
  sapTimeZone: { name: 'sapTimeZone', description: 'Windows / IANA zone ↔ SAP time-zone code (table in transforms.ts; no code → UTC, instants unchanged).' },
  boolean: { name: 'boolean', description: 'true / false.' },
  attendees: { name: 'attendees', description: 'Organizer and attendees as {email, name, role: organizer | attendee}, sorted by e-mail; RoleCode 35 / 36; resources left out.' },
  htmlToText: { name: 'htmlToText', description: 'Mailbox HTML body → plain text (tags dropped, entities decoded, blank lines collapsed).' },
  plainText: { name: 'plainText', description: 'Plain text, line endings and trailing spaces normalised.' },
  sensitivity: { name: 'sensitivity', description: 'normal / personal / private / confidential ↔ InformationSensitivityCode 1 / 2 / 3 / 4.' },
  cancelled: { name: 'cancelled', description: 'Mailbox isCancelled ↔ LifeCycleStatusCode 4 (Canceled); other codes are active.' },
  taskStatus: { name: 'taskStatus', description: 'notStarted ↔ 1 Open, inProgress (and waitingOnOthers) ↔ 2 In Process, completed ↔ 3 Completed, deferred ↔ 4 Canceled.' },
  priority: { name: 'priority', description: 'low ↔ 7 Low, normal ↔ 3 Normal, high ↔ 2 Urgent (1 Immediate reads as high).' },
  taskDate: { name: 'taskDate', description: 'Mailbox date (yyyy-mm-dd) ↔ C4C instant at 00:00 of that date in UTC; read back in the record\'s zone code.' },
  country: { name: 'country', description: 'Country name or code ↔ ISO 3166 alpha-2 CountryCode.' },
  address: { name: 'address', description: 'Business address {street, city, postalCode, country} ↔ Street, City, StreetPostalCode, CountryCode.' },
} as const satisfies Record<string, Transform>;
