/**
 * Time zone names as Microsoft hands them out: Outlook desktop, EWS and Graph report Windows zone ids ("W. Europe
 * Standard Time") where browsers and Intl want IANA names ("Europe/Berlin"). Used by the relay and the add-in alike.
 *
 * The Windows ↔ IANA mapping is CLDR's windowsZones data as maintained in the `windows-iana` package (every zone of
 * the Windows registry, i.e. every zone EWS and Graph can return); the "001" (golden) territory gives the IANA zone.
 */
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';

function goldenZones(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of WINDOWS_TO_IANA_MAP) {
    const first = row.iana[0];
    if (row.territory === '001' && first !== undefined) out[row.windowsName] = first;
  }
  // Display names older clients and Exchange 2007 wrote instead of the id.
  out['Coordinated Universal Time'] = 'UTC';
  return out;
}

/** Windows zone id → IANA (CLDR windowsZones, territory "001"). */
export const WINDOWS_TO_IANA: Readonly<Record<string, string>> = goldenZones();

const BY_LOWER_CASE = new Map(Object.entries(WINDOWS_TO_IANA).map(([k, v]) => [k.toLowerCase(), v]));

/** Every Windows zone id CLDR knows (the ids EWS and Graph return), sorted. */
export const WINDOWS_ZONE_IDS: readonly string[] = [...new Set(WINDOWS_TO_IANA_MAP.map((r) => r.windowsName))].sort();

const validIana = new Map<string, boolean>();
function isIana(zone: string): boolean {
  let ok = validIana.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      ok = true;
    } catch {
      ok = false;
    }
    validIana.set(zone, ok);
  }
  return ok;
}

/**
 * The IANA name for a Windows or IANA zone name (Windows ids matched case-insensitively), or undefined when neither
 * CLDR nor Intl knows it. Never guesses: callers decide what an unknown zone means.
 */
export function toIanaZone(zone: string | undefined): string | undefined {
  if (zone === undefined) return undefined;
  const name = zone.trim();
  if (name === '') return undefined;
  const candidate = WINDOWS_TO_IANA[name] ?? BY_LOWER_CASE.get(name.toLowerCase()) ?? name;
  return isIana(candidate) ? candidate : undefined;
}
