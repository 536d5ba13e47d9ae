/**
 * Windows time zones as Exchange knows them: id, display name, IANA equivalent and the DST rule, enough to
 * (a) interpret local times sent with a StartTimeZone / MeetingTimeZone / TimeZoneContext and (b) answer with full
 * `TimeZoneDefinition` elements (Periods, TransitionsGroups, Transitions) like Exchange 2010+ does — clients such as
 * ews-javascript-api reject a definition without them.
 */
import { el, tx } from './xml';

interface DstRule {
  /** Month (1-12), week occurrence (1-4, -1 = last), day of week, local time as ISO duration. */
  toDaylight: { month: number; occurrence: number; day: string; time: string };
  toStandard: { month: number; occurrence: number; day: string; time: string };
  /** Minutes the clock moves forward. */
  delta: number;
}

interface WindowsZone {
  id: string;
  name: string;
  iana: string;
  /** Standard offset east of UTC, minutes. */
  offset: number;
  dst?: DstRule;
}

const EU: DstRule = { toDaylight: { month: 3, occurrence: -1, day: 'Sunday', time: 'PT2H' }, toStandard: { month: 10, occurrence: -1, day: 'Sunday', time: 'PT3H' }, delta: 60 };
const UK: DstRule = { toDaylight: { month: 3, occurrence: -1, day: 'Sunday', time: 'PT1H' }, toStandard: { month: 10, occurrence: -1, day: 'Sunday', time: 'PT2H' }, delta: 60 };
const US: DstRule = { toDaylight: { month: 3, occurrence: 2, day: 'Sunday', time: 'PT2H' }, toStandard: { month: 11, occurrence: 1, day: 'Sunday', time: 'PT2H' }, delta: 60 };
const AU: DstRule = { toDaylight: { month: 10, occurrence: 1, day: 'Sunday', time: 'PT2H' }, toStandard: { month: 4, occurrence: 1, day: 'Sunday', time: 'PT3H' }, delta: 60 };

const ZONES: WindowsZone[] = [
  { id: 'UTC', name: '(UTC) Coordinated Universal Time', iana: 'UTC', offset: 0 },
  { id: 'GMT Standard Time', name: '(UTC+00:00) Dublin, Edinburgh, Lisbon, London', iana: 'Europe/London', offset: 0, dst: UK },
  { id: 'W. Europe Standard Time', name: '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', iana: 'Europe/Berlin', offset: 60, dst: EU },
  { id: 'Romance Standard Time', name: '(UTC+01:00) Brussels, Copenhagen, Madrid, Paris', iana: 'Europe/Paris', offset: 60, dst: EU },
  { id: 'Central Europe Standard Time', name: '(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague', iana: 'Europe/Budapest', offset: 60, dst: EU },
  { id: 'Central European Standard Time', name: '(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb', iana: 'Europe/Warsaw', offset: 60, dst: EU },
  { id: 'FLE Standard Time', name: '(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius', iana: 'Europe/Helsinki', offset: 120, dst: { ...EU, toDaylight: { ...EU.toDaylight, time: 'PT3H' }, toStandard: { ...EU.toStandard, time: 'PT4H' } } },
  { id: 'India Standard Time', name: '(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi', iana: 'Asia/Kolkata', offset: 330 },
  { id: 'China Standard Time', name: '(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi', iana: 'Asia/Shanghai', offset: 480 },
  { id: 'Singapore Standard Time', name: '(UTC+08:00) Kuala Lumpur, Singapore', iana: 'Asia/Singapore', offset: 480 },
  { id: 'Tokyo Standard Time', name: '(UTC+09:00) Osaka, Sapporo, Tokyo', iana: 'Asia/Tokyo', offset: 540 },
  { id: 'AUS Eastern Standard Time', name: '(UTC+10:00) Canberra, Melbourne, Sydney', iana: 'Australia/Sydney', offset: 600, dst: AU },
  { id: 'Eastern Standard Time', name: '(UTC-05:00) Eastern Time (US & Canada)', iana: 'America/New_York', offset: -300, dst: US },
  { id: 'Central Standard Time', name: '(UTC-06:00) Central Time (US & Canada)', iana: 'America/Chicago', offset: -360, dst: US },
  { id: 'Mountain Standard Time', name: '(UTC-07:00) Mountain Time (US & Canada)', iana: 'America/Denver', offset: -420, dst: US },
  { id: 'US Mountain Standard Time', name: '(UTC-07:00) Arizona', iana: 'America/Phoenix', offset: -420 },
  { id: 'Pacific Standard Time', name: '(UTC-08:00) Pacific Time (US & Canada)', iana: 'America/Los_Angeles', offset: -480, dst: US },
  { id: 'Hawaiian Standard Time', name: '(UTC-10:00) Hawaii', iana: 'Pacific/Honolulu', offset: -600 },
  { id: 'E. South America Standard Time', name: '(UTC-03:00) Brasilia', iana: 'America/Sao_Paulo', offset: -180 },
];

const byId = new Map(ZONES.map((z) => [z.id.toLowerCase(), z]));
const byIana = new Map(ZONES.map((z) => [z.iana.toLowerCase(), z]));

/** Looks a zone up by Windows id, IANA id, or display name. */
export function findZone(idOrName: string | undefined): WindowsZone | undefined {
  if (!idOrName) return undefined;
  const key = idOrName.toLowerCase();
  return byId.get(key) ?? byIana.get(key) ?? ZONES.find((z) => z.name.toLowerCase() === key);
}

/** Offset (minutes east of UTC) of an IANA zone at an instant. */
function offsetAt(iana: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

/**
 * Converts an xs:dateTime from a request to a UTC instant (ISO with Z). Values with `Z` or an offset are absolute;
 * values without are local times of `zoneId` (UTC when the zone is unknown), as Exchange interprets them.
 */
export function toUtcInstant(value: string, zoneId: string | undefined): string {
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (hasZone) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new RangeError(`Invalid dateTime ${value}`);
    return new Date(ms).toISOString().replace('.000Z', 'Z');
  }
  const asUtc = Date.parse(`${value}Z`);
  if (Number.isNaN(asUtc)) throw new RangeError(`Invalid dateTime ${value}`);
  const zone = findZone(zoneId);
  if (!zone) return new Date(asUtc).toISOString().replace('.000Z', 'Z');
  // Two passes settle the offset around DST changes.
  let instant = asUtc - offsetAt(zone.iana, asUtc) * 60000;
  instant = asUtc - offsetAt(zone.iana, instant) * 60000;
  return new Date(instant).toISOString().replace('.000Z', 'Z');
}

function duration(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `${sign}PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${!h && !m ? '0M' : ''}`;
}

/**
 * A full TimeZoneDefinition element (`t:StartTimeZone`, `t:EndTimeZone`) as Exchange 2010+ returns it.
 * Bias is minutes WEST of UTC (Windows convention), as in real responses.
 */
export function timeZoneDefinitionXml(elementName: string, zoneId: string): string {
  const zone = findZone(zoneId) ?? ZONES[0];
  const base = `trule:Microsoft/Registry/${zone.id}/2006`;
  if (!zone.dst) {
    const periodId = `${base}-Standard`;
    return el(
      elementName,
      el('t:Periods', el('t:Period', null, { Bias: duration(-zone.offset), Name: 'Standard', Id: periodId })) +
        el('t:TransitionsGroups', el('t:TransitionsGroup', el('t:Transition', tx('t:To', periodId, { Kind: 'Period' })), { Id: '0' })) +
        el('t:Transitions', el('t:Transition', tx('t:To', '0', { Kind: 'Group' }))),
      { Id: zone.id, Name: zone.name },
    );
  }
  const std = `${base}-Standard`;
  const dst = `${base}-Daylight`;
  const rule = (to: string, r: DstRule['toDaylight']): string =>
    el('t:RecurringDayTransition', tx('t:To', to, { Kind: 'Period' }) + tx('t:TimeOffset', r.time) + tx('t:Month', r.month) + tx('t:DayOfWeek', r.day) + tx('t:Occurrence', r.occurrence));
  return el(
    elementName,
    el('t:Periods', el('t:Period', null, { Bias: duration(-zone.offset), Name: 'Standard', Id: std }) + el('t:Period', null, { Bias: duration(-(zone.offset + zone.dst.delta)), Name: 'Daylight', Id: dst })) +
      el('t:TransitionsGroups', el('t:TransitionsGroup', rule(dst, zone.dst.toDaylight) + rule(std, zone.dst.toStandard), { Id: '0' })) +
      el('t:Transitions', el('t:Transition', tx('t:To', '0', { Kind: 'Group' }))),
    { Id: zone.id, Name: zone.name },
  );
}

/** Display name used in the legacy `t:TimeZone` string property (unescaped). */
export function zoneDisplayName(zoneId: string): string {
  return findZone(zoneId)?.name ?? zoneId;
}
