/**
 * The open calendar item: organizer, attendees, times, location, and the key the relay deduplicates by.
 *
 * Two forms reach the pane. Read mode (attendee view, AppointmentRead) has plain values. The organizer's form is
 * Compose mode (AppointmentCompose): every field is an object read with `getAsync`, and the item id is not a property
 * but comes from `getItemIdAsync` (Mailbox 1.8), which has nothing to give for a new meeting that was never saved.
 * Both end up in the same `MeetingSnapshot`. Office.js exposes no iCalendar UID today; some hosts (and the sandbox) do,
 * so it is feature-detected and the EWS item id is the fallback.
 */
import { fromAsyncResult, mailbox } from './officeGlobal';
import { toAddress, toAddresses, toIsoDate, uniqueAddresses, type PersonAddress } from './addresses';
import { supports } from './requirements';
import { toIanaZone } from '../../shared/timezones';

export interface AttendeeAddress extends PersonAddress {
  type: 'required' | 'optional';
}

/** What the pane shows of a meeting; known even for a meeting that has no id yet. */
export interface MeetingDetails {
  subject: string;
  organizer: PersonAddress | null;
  requiredAttendees: PersonAddress[];
  optionalAttendees: PersonAddress[];
  start?: string;
  end?: string;
  location: string;
  isAllDay: boolean;
  /** IANA zone the user sees the meeting in. */
  timeZone: string;
}

/** A meeting the relay can key: the details plus the ids. */
export interface MeetingSnapshot extends MeetingDetails {
  itemId: string;
  /** iCalUId when the host exposes one, else the item id. */
  groupwareItemId: string;
  groupwareItemIdSource: 'iCalUId' | 'itemId';
}

/** The user's zone as an IANA name: Outlook desktop reports Windows ids ("W. Europe Standard Time"), which are mapped; an unknown name falls back to the browser's zone. */
export function resolveTimeZone(profileZone: string | undefined): string {
  const iana = toIanaZone(profileZone);
  if (iana !== undefined) return iana;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** All-day when both ends are midnight in the user's zone and the span is whole days (Read mode has no flag). */
export function looksAllDay(startIso: string | undefined, endIso: string | undefined, timeZone: string): boolean {
  if (startIso === undefined || endIso === undefined) return false;
  const span = Date.parse(endIso) - Date.parse(startIso);
  if (span <= 0 || span % 86_400_000 !== 0) return false;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return clock.format(new Date(startIso)) === '00:00' && clock.format(new Date(endIso)) === '00:00';
}

/** Fields some hosts add beyond the typed Office.js API (not in @types/office-js, hence feature-detected). */
interface HostExtras {
  iCalUId?: unknown;
  /** A boolean in Read mode on some hosts; an object with getAsync in the organizer's form where supported. */
  isAllDayEvent?: unknown;
}

function iCalUIdOf(extras: HostExtras): string | undefined {
  return typeof extras.iCalUId === 'string' && extras.iCalUId !== '' ? extras.iCalUId : undefined;
}

function withIds(details: MeetingDetails, itemId: string, extras: HostExtras): MeetingSnapshot {
  const iCalUId = iCalUIdOf(extras);
  return {
    itemId,
    ...details,
    groupwareItemId: iCalUId ?? itemId,
    groupwareItemIdSource: iCalUId !== undefined ? 'iCalUId' : 'itemId',
  };
}

/** Attendees without the organizer (Outlook on the web / Windows lists the organizer among required attendees). */
export function attendeesOf(details: MeetingDetails): AttendeeAddress[] {
  const organizer = details.organizer?.address.toLowerCase();
  const seen = new Set<string>(organizer === undefined ? [] : [organizer]);
  const out: AttendeeAddress[] = [];
  const add = (list: PersonAddress[], type: AttendeeAddress['type']): void => {
    for (const person of list) {
      const key = person.address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...person, type });
    }
  };
  add(details.requiredAttendees, 'required');
  add(details.optionalAttendees, 'optional');
  return out;
}

/** Organizer first, then required and optional attendees; unique, lower-cased. */
export function participantAddressesOf(details: MeetingDetails, exclude: readonly string[] = []): string[] {
  const organizer = details.organizer === null ? [] : [details.organizer];
  return uniqueAddresses([organizer, details.requiredAttendees, details.optionalAttendees], exclude);
}

/** A meeting with an id, as the screens use it. */
export class Meeting {
  constructor(readonly snapshot: MeetingSnapshot) {}

  get itemId(): string {
    return this.snapshot.itemId;
  }

  participantAddresses(exclude: readonly string[] = []): string[] {
    return participantAddressesOf(this.snapshot, exclude);
  }

  attendees(): AttendeeAddress[] {
    return attendeesOf(this.snapshot);
  }
}

/** Read mode: every value is a plain property, read synchronously. */
export function readMeetingSnapshot(item: Office.AppointmentRead): MeetingSnapshot {
  const extras = item as unknown as HostExtras;
  const timeZone = resolveTimeZone(mailbox()?.userProfile?.timeZone);
  const start = toIsoDate(item.start);
  const end = toIsoDate(item.end);
  const details: MeetingDetails = {
    subject: item.subject ?? '',
    organizer: toAddress(item.organizer),
    requiredAttendees: toAddresses(item.requiredAttendees),
    optionalAttendees: toAddresses(item.optionalAttendees),
    start,
    end,
    location: typeof item.location === 'string' ? item.location : '',
    isAllDay: typeof extras.isAllDayEvent === 'boolean' ? extras.isAllDayEvent : looksAllDay(start, end, timeZone),
    timeZone,
  };
  return withIds(details, item.itemId, extras);
}

/**
 * The organizer's form (AppointmentCompose) is told apart by shape, not by a mode flag (Office.js has none): there
 * `subject` is an object with getAsync, in Read mode a string.
 */
export function isComposeForm(item: unknown): item is Office.AppointmentCompose {
  if (typeof item !== 'object' || item === null) return false;
  const subject = (item as { subject?: unknown }).subject;
  return typeof subject === 'object' && subject !== null && typeof (subject as { getAsync?: unknown }).getAsync === 'function';
}

/** Why a meeting in the organizer's form cannot be keyed yet. */
export type UnsavedReason =
  /** A new meeting that was never saved: Outlook has no id for it (getItemIdAsync answers ItemNotSaved). */
  | 'not-saved'
  /** The host lacks Mailbox 1.8 (getItemIdAsync), so the id of an item in the organizer's form is out of reach. */
  | 'id-unavailable';

/** The outcome of reading a meeting: ready to use, or shown but in need of a save before C4C can link to it. */
export type MeetingLoad = { status: 'ready'; meeting: Meeting } | { status: 'needs-save'; reason: UnsavedReason; details: MeetingDetails };

/** Office's error name when getItemIdAsync is called on an item that has never been saved. */
const ITEM_NOT_SAVED = 'ItemNotSaved';

type IdRead = { itemId: string } | { unsaved: UnsavedReason };

/**
 * Gets the id of an item in the organizer's form. Never calls saveAsync to obtain one: saving a meeting that has
 * attendees can send them an update, which is the user's decision, not the add-in's.
 */
async function readComposeItemId(item: Office.AppointmentCompose): Promise<IdRead> {
  // Both checks: the set says the host implements it, the shape guards hosts that report sets loosely.
  if (!supports('composeItemId') || typeof item.getItemIdAsync !== 'function') return { unsaved: 'id-unavailable' };
  try {
    const id = await fromAsyncResult<string>((callback) => item.getItemIdAsync(callback));
    // Some hosts answer an unsaved item with an empty id instead of the ItemNotSaved error.
    return typeof id === 'string' && id !== '' ? { itemId: id } : { unsaved: 'not-saved' };
  } catch (error) {
    if (error instanceof Error && error.name === ITEM_NOT_SAVED) return { unsaved: 'not-saved' };
    throw error;
  }
}

/**
 * The organizer of a meeting in the organizer's form: organizer.getAsync (Mailbox 1.7) where the host has it, else
 * the signed-in user, who is the one editing the meeting as its organizer. A failing organizer read falls back the
 * same way rather than hiding the whole meeting.
 */
async function readComposeOrganizer(item: Office.AppointmentCompose): Promise<PersonAddress | null> {
  const profile = mailbox()?.userProfile;
  const fallback = toAddress(profile === undefined ? undefined : { emailAddress: profile.emailAddress, displayName: profile.displayName });
  if (!supports('composeOrganizer') || typeof item.organizer?.getAsync !== 'function') return fallback;
  try {
    return toAddress(await fromAsyncResult<Office.EmailAddressDetails>((callback) => item.organizer.getAsync(callback))) ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * The all-day flag: isAllDayEvent.getAsync where the host has it (not typed in @types/office-js, so detected by
 * shape), else inferred from the times as in Read mode.
 */
async function readComposeAllDay(item: Office.AppointmentCompose, start: string | undefined, end: string | undefined, timeZone: string): Promise<boolean> {
  const flag = (item as unknown as HostExtras).isAllDayEvent as { getAsync?: unknown } | undefined;
  const getAsync = flag?.getAsync;
  if (typeof getAsync === 'function') {
    try {
      const value = await fromAsyncResult<boolean>((callback) => (getAsync as (cb: typeof callback) => void).call(flag, callback));
      if (typeof value === 'boolean') return value;
    } catch {
      // An unreadable flag is not worth failing the meeting for: the times tell the same story.
    }
  }
  return looksAllDay(start, end, timeZone);
}

/**
 * Reads a meeting in the organizer's form (AppointmentCompose). Values are what the form shows now, including edits
 * not saved yet. Rejects with the host error when a field cannot be read.
 */
export async function readComposeMeeting(item: Office.AppointmentCompose): Promise<MeetingLoad> {
  const timeZone = resolveTimeZone(mailbox()?.userProfile?.timeZone);
  const [subject, start, end, location, required, optional, organizer, id] = await Promise.all([
    fromAsyncResult<string>((callback) => item.subject.getAsync(callback)),
    fromAsyncResult<Date>((callback) => item.start.getAsync(callback)),
    fromAsyncResult<Date>((callback) => item.end.getAsync(callback)),
    fromAsyncResult<string>((callback) => item.location.getAsync(callback)),
    fromAsyncResult<Office.EmailAddressDetails[]>((callback) => item.requiredAttendees.getAsync(callback)),
    fromAsyncResult<Office.EmailAddressDetails[]>((callback) => item.optionalAttendees.getAsync(callback)),
    readComposeOrganizer(item),
    readComposeItemId(item),
  ]);
  const startIso = toIsoDate(start);
  const endIso = toIsoDate(end);
  const details: MeetingDetails = {
    subject: typeof subject === 'string' ? subject : '',
    organizer,
    requiredAttendees: toAddresses(required),
    optionalAttendees: toAddresses(optional),
    start: startIso,
    end: endIso,
    location: typeof location === 'string' ? location : '',
    isAllDay: await readComposeAllDay(item, startIso, endIso, timeZone),
    timeZone,
  };
  if ('unsaved' in id) return { status: 'needs-save', reason: id.unsaved, details };
  return { status: 'ready', meeting: new Meeting(withIds(details, id.itemId, item as unknown as HostExtras)) };
}
