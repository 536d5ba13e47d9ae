/**
 * Calendar events ↔ C4C Appointments (E4; c4c-odata.md §3.6, §4, §16). C4C keeps instants (StartDate / EndDate are
 * Edm.DateTimeOffset), a SAP zone code per end, the attendees as AppointmentInvolvedParties and the notes in
 * AppointmentTextCollection (type 10002).
 */
import type { Attendee } from '../../../mailbox/types';
import type { FieldValue } from '../types';
import {
  TRANSFORMS,
  email,
  htmlToPlainText,
  ianaForSapCode,
  instant,
  mailboxText,
  odataInstant,
  plainText,
  plainTextToHtml,
  sapCodeAsRead,
  sapZoneCode,
  str,
  text,
} from './transforms';
import type { FieldMapping, MappingTable } from './types';

type F = FieldMapping<'appointment'>;

export const ROLE_ORGANIZER = '35';
export const ROLE_ATTENDEE = '36';

export interface MappedAttendee {
  [key: string]: FieldValue;
  email: string;
  name: string | null;
  role: 'organizer' | 'attendee';
}

/** Organizer first, then attendees; one entry per address (the organizer's role wins); sorted by e-mail within a role. */
export function normaliseAttendees(list: MappedAttendee[]): MappedAttendee[] {
  const byEmail = new Map<string, MappedAttendee>();
  for (const a of list) {
    const prev = byEmail.get(a.email);
    if (!prev || (prev.role === 'attendee' && a.role === 'organizer')) byEmail.set(a.email, { email: a.email, name: a.name ?? prev?.name ?? null, role: a.role });
    else if (prev.name === null && a.name !== null) prev.name = a.name;
  }
  return [...byEmail.values()].sort((x, y) => (x.role === y.role ? x.email.localeCompare(y.email) : x.role === 'organizer' ? -1 : 1));
}

function asAttendees(value: FieldValue): MappedAttendee[] {
  if (!Array.isArray(value)) return [];
  const out: MappedAttendee[] = [];
  for (const v of value) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    const e = email(v.email);
    if (e === null) continue;
    out.push({ email: e, name: text(v.name), role: v.role === 'organizer' ? 'organizer' : 'attendee' });
  }
  return normaliseAttendees(out);
}

const SENSITIVITY_TO_C4C = { normal: '1', personal: '2', private: '3', confidential: '4' } as const;
type Sensitivity = keyof typeof SENSITIVITY_TO_C4C;
const SENSITIVITY_FROM_C4C: Record<string, Sensitivity> = { '1': 'normal', '2': 'personal', '3': 'private', '4': 'confidential' };
const isSensitivity = (v: FieldValue): v is Sensitivity => typeof v === 'string' && v in SENSITIVITY_TO_C4C;

const fields: F[] = [
  {
    field: 'subject',
    label: 'Subject',
    mailboxProperty: 'Subject / subject',
    c4cProperty: 'Subject',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.text,
    fromMailbox: (e) => text(e.subject),
    toMailbox: (v, out) => {
      out.subject = mailboxText(v);
    },
    fromC4c: (r) => text(r.header.Subject),
    toC4c: (v, out) => {
      out.body.Subject = (str(v) ?? '').slice(0, 765);
    },
  },
  {
    field: 'start',
    label: 'Start',
    mailboxProperty: 'Start / start',
    c4cProperty: 'StartDate',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.instant,
    fromMailbox: (e) => instant(e.start),
    toMailbox: (v, out) => {
      const s = str(v);
      if (s !== null) out.start = s;
    },
    fromC4c: (r) => instant(r.header.StartDate),
    toC4c: (v, out) => {
      out.body.StartDate = odataInstant(v);
    },
  },
  {
    field: 'end',
    label: 'End',
    mailboxProperty: 'End / end',
    c4cProperty: 'EndDate',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.instant,
    fromMailbox: (e) => instant(e.end),
    toMailbox: (v, out) => {
      const s = str(v);
      if (s !== null) out.end = s;
    },
    fromC4c: (r) => instant(r.header.EndDate),
    toC4c: (v, out) => {
      out.body.EndDate = odataInstant(v);
    },
  },
  {
    field: 'timeZone',
    label: 'Time zone',
    mailboxProperty: 'StartTimeZone / start.timeZone',
    c4cProperty: 'StartDatetimeZoneCode, EnddatetimeZoneCode',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.sapTimeZone,
    exception:
      'Compared as SAP time-zone codes, which are coarser than Windows / IANA zones (Europe/Paris and Europe/Berlin are both CET); a zone without a code is written as UTC. The instants never move: only the zone C4C shows the appointment in.',
    fromMailbox: (e) => sapZoneCode(e.timeZone),
    toMailbox: (v, out) => {
      out.timeZone = ianaForSapCode(str(v));
    },
    fromC4c: (r) => sapCodeAsRead(r.header.StartDatetimeZoneCode),
    toC4c: (v, out) => {
      const code = str(v) ?? 'UTC';
      out.body.StartDatetimeZoneCode = code;
      out.body.EnddatetimeZoneCode = code;
    },
  },
  {
    field: 'isAllDay',
    label: 'All day',
    mailboxProperty: 'IsAllDayEvent / isAllDay',
    c4cProperty: 'FullDayIndicator',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.boolean,
    fromMailbox: (e) => e.isAllDay === true,
    toMailbox: (v, out) => {
      out.isAllDay = v === true;
    },
    fromC4c: (r) => r.header.FullDayIndicator === true,
    toC4c: (v, out) => {
      out.body.FullDayIndicator = v === true;
    },
  },
  {
    field: 'location',
    label: 'Location',
    mailboxProperty: 'Location / location.displayName',
    c4cProperty: 'Location',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.text,
    fromMailbox: (e) => text(e.location),
    toMailbox: (v, out) => {
      out.location = mailboxText(v);
    },
    fromC4c: (r) => text(r.header.Location),
    toC4c: (v, out) => {
      out.body.Location = (str(v) ?? '').slice(0, 480);
    },
  },
  {
    field: 'attendees',
    label: 'Attendees',
    mailboxProperty: 'Organizer, RequiredAttendees, OptionalAttendees / organizer, attendees',
    c4cProperty: 'AppointmentInvolvedParties (RoleCode 35 organizer, 36 attendee; PartyEmailURI, PartyName)',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.attendees,
    exception:
      'E-mail, name and role only: C4C has no required / optional distinction or responses, resources are not mirrored, and the organizer is not changed in the mailbox. Linking an address to its C4C contact or employee is the adapter\'s job. Written to the mailbox without sending invitations.',
    fromMailbox: (e) => {
      const list: MappedAttendee[] = [];
      const org = email(e.organizer?.address);
      if (org !== null) list.push({ email: org, name: text(e.organizer?.name), role: 'organizer' });
      for (const a of e.attendees) {
        const addr = email(a.address);
        if (addr === null || a.type === 'resource') continue;
        list.push({ email: addr, name: text(a.name), role: 'attendee' });
      }
      return normaliseAttendees(list);
    },
    toMailbox: (v, out) => {
      const attendees: Attendee[] = asAttendees(v)
        .filter((a) => a.role === 'attendee')
        .map((a) => ({ address: a.email, ...(a.name !== null ? { name: a.name } : {}), type: 'required', response: 'none' }));
      out.attendees = attendees;
    },
    fromC4c: (r) => {
      const list: MappedAttendee[] = [];
      for (const p of r.involvedParties) {
        if (p.RoleCode !== ROLE_ORGANIZER && p.RoleCode !== ROLE_ATTENDEE) continue;
        const addr = email(p.PartyEmailURI) ?? email(p.EMail);
        if (addr === null) continue;
        list.push({ email: addr, name: text(p.PartyName) ?? text(p.Name), role: p.RoleCode === ROLE_ORGANIZER ? 'organizer' : 'attendee' });
      }
      if (!list.some((a) => a.role === 'organizer')) {
        const org = email(r.header.OrganizerEmailURI);
        if (org !== null) list.push({ email: org, name: text(r.header.OrganizerPartyName), role: 'organizer' });
      }
      return normaliseAttendees(list);
    },
    toC4c: (v, out) => {
      out.involvedParties = asAttendees(v).map((a) => ({
        PartyEmailURI: a.email.slice(0, 254),
        ...(a.name !== null ? { PartyName: a.name.slice(0, 255) } : {}),
        RoleCode: a.role === 'organizer' ? ROLE_ORGANIZER : ROLE_ATTENDEE,
      }));
    },
  },
  {
    field: 'notes',
    label: 'Notes',
    mailboxProperty: 'Body / body (HTML)',
    c4cProperty: 'AppointmentTextCollection (TypeCode 10002)',
    defaultDirection: 'to-c4c',
    configurable: true,
    transform: TRANSFORMS.htmlToText,
    exception:
      'The mailbox body is HTML, C4C notes are plain text: by default the body is written to C4C as plain text and C4C notes are not written back, so an edit in C4C never replaces a formatted body (set to "both" to write C4C notes into the body as plain text).',
    fromMailbox: (e) => htmlToPlainText(e.bodyHtml),
    toMailbox: (v, out) => {
      out.bodyHtml = plainTextToHtml(str(v));
    },
    fromC4c: (r) => plainText(r.notes),
    toC4c: (v, out) => {
      out.notes = str(v) ?? '';
    },
  },
  {
    field: 'sensitivity',
    label: 'Private / sensitivity',
    mailboxProperty: 'Sensitivity / sensitivity',
    c4cProperty: 'InformationSensitivityCode',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.sensitivity,
    fromMailbox: (e) => e.sensitivity ?? 'normal',
    toMailbox: (v, out) => {
      out.sensitivity = isSensitivity(v) ? v : 'normal';
    },
    fromC4c: (r) => SENSITIVITY_FROM_C4C[text(r.header.InformationSensitivityCode) ?? '1'] ?? 'normal',
    toC4c: (v, out) => {
      out.body.InformationSensitivityCode = SENSITIVITY_TO_C4C[isSensitivity(v) ? v : 'normal'];
    },
  },
  {
    field: 'cancelled',
    label: 'Status (cancelled)',
    mailboxProperty: 'IsCancelled / isCancelled',
    c4cProperty: 'LifeCycleStatusCode',
    defaultDirection: 'to-c4c',
    configurable: false,
    transform: TRANSFORMS.cancelled,
    exception:
      'Only the organizer cancels a meeting, and cancelling in the mailbox notifies attendees, which sync never does: a cancellation flows to C4C (status 4 Canceled), never from it.',
    fromMailbox: (e) => e.isCancelled === true,
    toMailbox: () => {
      // Not writable in the mailbox without sending cancellations (EventInput has no isCancelled); direction is to-c4c.
    },
    fromC4c: (r) => text(r.header.LifeCycleStatusCode) === '4',
    toC4c: (v, out) => {
      out.body.LifeCycleStatusCode = v === true ? '4' : '1';
    },
  },
];

export const APPOINTMENT_TABLE: MappingTable<'appointment'> = {
  kind: 'appointment',
  c4cEntitySet: 'AppointmentCollection',
  mailboxFolder: 'calendar',
  fields,
};
