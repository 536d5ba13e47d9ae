/** Times on the sync screens: "14:30" for today, a short date and time otherwise, in the user's (Outlook) zone. */
import { toIanaZone } from '../../shared/timezones';

function dayKey(date: Date, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone }).format(date);
}

export function formatSyncTime(iso: string | undefined, timeZone?: string, now: Date = new Date()): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const zone = toIanaZone(timeZone);
  const sameDay = dayKey(date, zone) === dayKey(now, zone);
  return new Intl.DateTimeFormat(undefined, sameDay ? { timeStyle: 'short', timeZone: zone } : { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(date);
}
