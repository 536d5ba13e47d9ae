/**
 * Recurring series in the emulator: expanding a master's pattern and range into occurrences, applying the user's
 * changes to single occurrences (exceptions) and deletions, and the ids of instances.
 *
 * Model (like Exchange, where exceptions are embedded in the master): a series is ONE stored item, the master, with
 * `exceptions` (changed occurrences, keyed by their original start) and `deletedOccurrences`. Occurrences are never
 * stored; they are computed on every read, which is why a change to one occurrence is a change of the master (new
 * change key, one change-log entry) — EWS SyncFolderItems reports the master, Graph calendarView delta re-expands it.
 *
 * Semantics follow Graph's recurrencePattern / recurrenceRange (EWS carries the same data):
 * - dates are calendar dates in the event's time zone; every occurrence starts at the master's local time of day
 *   (so 10:00 Berlin stays 10:00 across DST) and lasts as long as the master;
 * - weeks start on Sunday (Graph's default firstDayOfWeek) for `interval` > 1;
 * - a dayOfMonth past the month's end means the month's last day (31 → 30 April, 28/29 February);
 * - relative patterns take the index-th (or last) day of the month that is one of `daysOfWeek`;
 * - the range starts at `startDate` (dates before it are skipped), ends after `endDate` (inclusive) or after
 *   `numberOfOccurrences` slots — deleted occurrences still use up their slot, as in Outlook.
 */
import { createHash } from 'node:crypto';
import type { Recurrence } from '../../../relay/mailbox/types';
import { emulatorIana, localToUtc as zonedToUtc, utcToLocal as utcToZoned } from './graph/timezones';

/** Series of either protocol: a zone the emulator does not know is read as UTC (EWS's behaviour, see ews/timezones.ts). */
const known = (zone: string): string => (emulatorIana(zone) === undefined ? 'UTC' : zone);
const localToUtc = (local: string, zone: string): string => zonedToUtc(local, known(zone));
const utcToLocal = (instant: string, zone: string): string => utcToZoned(instant, known(zone));
import type { StoredEvent } from './store';

const DAY_MS = 86_400_000;
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = { first: 0, second: 1, third: 2, fourth: 3, last: -1 } as const;
/** No series in a test needs more; stops a noEnd series read without a window from looping forever. */
const MAX_SLOTS = 20_000;

/** `yyyy-mm-dd` → days since 1970-01-01. */
function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) throw new RangeError(`Not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}
function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
function weekdayOf(day: number): number {
  return new Date(day * DAY_MS).getUTCDay();
}
function dayIndex(name: string): number {
  const i = DAY_NAMES.indexOf(name.toLowerCase());
  if (i < 0) throw new RangeError(`Not a day of the week: ${name}`);
  return i;
}

/** Days (as day numbers) of month `monthIndex` (months since year 0, January = 0) matching the rule. */
function daysInMonth(monthIndex: number): { first: number; count: number } {
  const y = Math.floor(monthIndex / 12);
  const m = monthIndex % 12;
  const first = Date.UTC(y, m, 1) / DAY_MS;
  return { first, count: Date.UTC(y, m + 1, 1) / DAY_MS - first };
}
function absoluteDay(monthIndex: number, dayOfMonth: number): number {
  const { first, count } = daysInMonth(monthIndex);
  return first + Math.min(Math.max(1, dayOfMonth), count) - 1;
}
function relativeDay(monthIndex: number, weekdays: number[], index: Recurrence['index']): number {
  const { first, count } = daysInMonth(monthIndex);
  const matching: number[] = [];
  for (let d = first; d < first + count; d++) if (weekdays.includes(weekdayOf(d))) matching.push(d);
  const i = INDEX[index ?? 'first'];
  return i < 0 ? matching[matching.length - 1] : matching[Math.min(i, matching.length - 1)];
}

/** The pattern's dates on or after the range's start date, ascending, without end (the caller stops). */
function* patternDays(r: Recurrence): Generator<number> {
  const start = dayNumber(r.startDate);
  const interval = Math.max(1, Math.floor(r.interval || 1));
  const weekdays = r.daysOfWeek && r.daysOfWeek.length > 0 ? [...new Set(r.daysOfWeek.map(dayIndex))].sort((a, b) => a - b) : [weekdayOf(start)];
  const startMonth = Number(r.startDate.slice(0, 4)) * 12 + Number(r.startDate.slice(5, 7)) - 1;
  const dayOfMonth = r.dayOfMonth ?? Number(r.startDate.slice(8, 10));
  if (r.pattern === 'daily') {
    for (let d = start; ; d += interval) yield d;
  }
  if (r.pattern === 'weekly') {
    const weekStart = start - weekdayOf(start); // Sunday of the start's week
    for (let w = weekStart; ; w += 7 * interval) for (const wd of weekdays) if (w + wd >= start) yield w + wd;
  }
  const yearly = r.pattern === 'absoluteYearly' || r.pattern === 'relativeYearly';
  const firstMonth = yearly ? Math.floor(startMonth / 12) * 12 + (r.month ?? (startMonth % 12) + 1) - 1 : startMonth;
  const step = yearly ? 12 * interval : interval;
  for (let month = firstMonth; ; month += step) {
    const d = r.pattern.startsWith('absolute') ? absoluteDay(month, dayOfMonth) : relativeDay(month, weekdays, r.index);
    if (d >= start) yield d;
  }
}

export interface SeriesTiming {
  start: string;
  end: string;
  timeZone: string;
  recurrence?: Recurrence;
}

export interface OccurrenceSlot {
  /** 1-based position in the series (EWS InstanceIndex). */
  index: number;
  /** UTC ISO instant the pattern gives this occurrence. */
  originalStart: string;
}

/**
 * The series' slots in order, up to (excluding) `untilMs` and the range's end. Slots whose local date lies well
 * before `fromMs` are counted but not converted to instants (the conversion is the expensive part).
 */
export function* occurrenceSlots(series: SeriesTiming, untilMs: number, fromMs = Number.NEGATIVE_INFINITY): Generator<OccurrenceSlot> {
  const r = series.recurrence;
  if (!r) return;
  const localStart = utcToLocal(series.start, series.timeZone);
  const timeOfDay = localStart.slice(11, 19);
  const timeMs = Date.parse(`1970-01-01T${timeOfDay}Z`);
  const duration = Date.parse(series.end) - Date.parse(series.start);
  const endDay = r.endDate && !r.numberOfOccurrences ? dayNumber(r.endDate) : Number.POSITIVE_INFINITY;
  const count = r.numberOfOccurrences ?? Number.POSITIVE_INFINITY;
  let index = 0;
  for (const day of patternDays(r)) {
    index += 1;
    if (index > count || day > endDay || index > MAX_SLOTS) return;
    // A local time is within ±14 h of UTC: skip converting slots that end two days before the window.
    const approx = day * DAY_MS + timeMs;
    if (approx > untilMs + 2 * DAY_MS) return;
    if (approx + duration < fromMs - 2 * DAY_MS) continue;
    const originalStart = localToUtc(`${dateOf(day)}T${timeOfDay}`, series.timeZone);
    if (Date.parse(originalStart) >= untilMs) return;
    yield { index, originalStart };
  }
}

/** The slot at a 1-based index, or undefined past the range. */
export function slotAtIndex(series: SeriesTiming, index: number): OccurrenceSlot | undefined {
  if (!Number.isInteger(index) || index < 1) return undefined;
  for (const slot of occurrenceSlots(series, Number.POSITIVE_INFINITY)) if (slot.index === index) return slot;
  return undefined;
}

/** The slot starting at `originalStart`, or undefined when the pattern has none there. */
export function slotAt(series: SeriesTiming, originalStart: string): OccurrenceSlot | undefined {
  const at = Date.parse(originalStart);
  if (Number.isNaN(at)) return undefined;
  for (const slot of occurrenceSlots(series, at + 1, at)) if (Date.parse(slot.originalStart) === at) return slot;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Instance ids: opaque, base64url (safe in Graph paths and EWS Id attributes), derived from master and slot so the
// same occurrence always has the same id and an exception keeps the id its occurrence had.

const OCCURRENCE_PREFIX = 'AAMkO';

export function occurrenceId(masterId: string, originalStart: string): string {
  return OCCURRENCE_PREFIX + Buffer.from(`${masterId}|${new Date(originalStart).toISOString()}`, 'utf8').toString('base64url');
}

export function parseOccurrenceId(id: string): { masterId: string; originalStart: string } | undefined {
  if (!id.startsWith(OCCURRENCE_PREFIX)) return undefined;
  const decoded = Buffer.from(id.slice(OCCURRENCE_PREFIX.length), 'base64url').toString('utf8');
  const bar = decoded.lastIndexOf('|');
  if (bar <= 0 || Number.isNaN(Date.parse(decoded.slice(bar + 1)))) return undefined;
  return { masterId: decoded.slice(0, bar), originalStart: decoded.slice(bar + 1) };
}

/** Occurrences share their master's change key (EWS OccurrenceItemId docs); this makes them distinct per instance. */
function instanceChangeKey(masterChangeKey: string, originalStart: string): string {
  return `CQAAAB${createHash('sha256').update(`${masterChangeKey}|${originalStart}`).digest('base64url').slice(0, 16)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Instances

/** One occurrence or exception as a stored-event-shaped value (never stored; `id` is an occurrence id). */
export function instanceOf(master: StoredEvent, originalStart: string): StoredEvent {
  const { exceptions, deletedOccurrences: _deleted, recurrence: _recurrence, ...base } = master;
  const exception = exceptions?.find((x) => x.originalStart === originalStart);
  const duration = Date.parse(master.end) - Date.parse(master.start);
  const instance: StoredEvent = {
    ...structuredClone(base),
    id: occurrenceId(master.id, originalStart),
    changeKey: exception?.changeKey ?? instanceChangeKey(master.changeKey, originalStart),
    type: exception ? 'exception' : 'occurrence',
    seriesMasterId: master.id,
    originalStart,
    start: originalStart,
    end: new Date(Date.parse(originalStart) + duration).toISOString(),
    lastModifiedAt: exception?.lastModifiedAt ?? master.lastModifiedAt,
  };
  if (exception) Object.assign(instance, structuredClone(exception.changes));
  return instance;
}

function overlaps(event: { start: string; end: string }, window: { start: number; end: number }): boolean {
  const start = Date.parse(event.start);
  const end = Date.parse(event.end);
  // A zero-length event at the window's start still shows in it.
  return start < window.end && (end > window.start || (end === start && start >= window.start));
}

/**
 * The occurrences and exceptions of a master overlapping [start, end), ordered by start. Exceptions count where
 * they are now (moved ones may come from slots outside the window); deleted occurrences are absent.
 */
export function seriesInstances(master: StoredEvent, window: { start: string; end: string }): StoredEvent[] {
  if (!master.recurrence) return [];
  const w = { start: Date.parse(window.start), end: Date.parse(window.end) };
  const deleted = new Set(master.deletedOccurrences ?? []);
  const changed = new Set((master.exceptions ?? []).map((x) => x.originalStart));
  const out: StoredEvent[] = [];
  const duration = Date.parse(master.end) - Date.parse(master.start);
  for (const slot of occurrenceSlots(master, w.end, w.start - duration)) {
    if (deleted.has(slot.originalStart) || changed.has(slot.originalStart)) continue;
    const instance = instanceOf(master, slot.originalStart);
    if (overlaps(instance, w)) out.push(instance);
  }
  for (const x of master.exceptions ?? []) {
    if (deleted.has(x.originalStart)) continue;
    const instance = instanceOf(master, x.originalStart);
    if (overlaps(instance, w)) out.push(instance);
  }
  return out.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
}

/** Whether a single event or an instance overlaps the window (for calendar views). */
export function inWindow(event: { start: string; end: string }, window: { start: string; end: string }): boolean {
  return overlaps(event, { start: Date.parse(window.start), end: Date.parse(window.end) });
}
