/**
 * The open calendar item in Read mode (organizer or attendee view): organizer, attendees, times, location, and the
 * key the relay deduplicates by. Office.js exposes no iCalendar UID in Read mode today; some hosts (and the sandbox)
 * do, so it is feature-detected and the EWS item id is the fallback.
 */
import { mailbox } from './officeGlobal';
import { toAddress, toAddresses, toIsoDate, uniqueAddresses, type PersonAddress } from './addresses';
import { toIanaZone } from '../../shared/timezones';

export interface AttendeeAddress extends PersonAddress {
  type: 'required' | 'optional';
}

export interface MeetingSnapshot {
  itemId: string;
  subject: string;
  organizer: PersonAddress | null;
  requiredAttendees: PersonAddress[];
  optionalAttendees: PersonAddress[];
  start?: string;
  end?: string;
  location: string;
  /** iCalUId when the host exposes one, else the item id. */
  groupwareItemId: string;
  groupwareItemIdSource: 'iCalUId' | 'itemId';
  isAllDay: boolean;
  /** IANA zone the user sees the meeting in. */
  timeZone: string;
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

/** Fields some hosts add beyond the typed Read-mode API. */
interface HostExtras {
  iCalUId?: unknown;
  isAllDayEvent?: unknown;
}

export class Meeting {
  readonly snapshot: MeetingSnapshot;

  constructor(item: Office.AppointmentRead) {
    const extras = item as unknown as HostExtras;
    const timeZone = resolveTimeZone(mailbox()?.userProfile?.timeZone);
    const start = toIsoDate(item.start);
    const end = toIsoDate(item.end);
    const iCalUId = typeof extras.iCalUId === 'string' && extras.iCalUId !== '' ? extras.iCalUId : undefined;
    this.snapshot = {
      itemId: item.itemId,
      subject: item.subject ?? '',
      organizer: toAddress(item.organizer),
      requiredAttendees: toAddresses(item.requiredAttendees),
      optionalAttendees: toAddresses(item.optionalAttendees),
      start,
      end,
      location: typeof item.location === 'string' ? item.location : '',
      groupwareItemId: iCalUId ?? item.itemId,
      groupwareItemIdSource: iCalUId !== undefined ? 'iCalUId' : 'itemId',
      isAllDay: typeof extras.isAllDayEvent === 'boolean' ? extras.isAllDayEvent : looksAllDay(start, end, timeZone),
      timeZone,
    };
  }

  get itemId(): string {
    return this.snapshot.itemId;
  }

  /** Organizer first, then required and optional attendees; unique, lower-cased. */
  participantAddresses(exclude: readonly string[] = []): string[] {
    const organizer = this.snapshot.organizer === null ? [] : [this.snapshot.organizer];
    return uniqueAddresses([organizer, this.snapshot.requiredAttendees, this.snapshot.optionalAttendees], exclude);
  }

  /** Attendees without the organizer (Outlook on the web / Windows lists the organizer among required attendees). */
  attendees(): AttendeeAddress[] {
    const organizer = this.snapshot.organizer?.address.toLowerCase();
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
    add(this.snapshot.requiredAttendees, 'required');
    add(this.snapshot.optionalAttendees, 'optional');
    return out;
  }
}
