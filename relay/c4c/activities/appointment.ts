/**
 * Pure mapping from an Outlook meeting to the C4C Appointment deep insert (c4c-odata.md §3.6, §4): header with
 * start / end instants and SAP time-zone codes, all-day flag, location, groupware key, and the organizer, attendees and
 * main account as AppointmentInvolvedParties with their role and party-type codes.
 */
import { APPOINTMENT_CODES, RELATED_ITEM_ROLE_PREDECESSOR } from './codes';
import { normalizeAddress, toODataDate, type MailAddress } from './email';

export interface MeetingToCreate {
  /** iCalendar UID (or the item id when the host does not expose it): the exactly-once key. */
  groupwareItemId: string;
  subject: string;
  start: string;
  end: string;
  /** IANA time zone of the meeting as the user sees it. */
  timeZone: string;
  isAllDay: boolean;
  location?: string;
  organizer: MailAddress;
  attendees: Array<MailAddress & { type: 'required' | 'optional' | 'resource' }>;
}

export type PartyKind = 'contact' | 'individualCustomer' | 'employee' | 'account';

export interface AppointmentParty {
  partyId: string;
  kind: PartyKind;
}

/**
 * SAP time-zone codes (table TTZZ) of the zones sales teams use most. C4C stores instants, so an unknown zone falls back
 * to UTC without shifting the meeting; only the display zone in C4C differs.
 */
const SAP_TIME_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Etc/UTC': 'UTC',
  'Europe/London': 'GMTUK',
  'Europe/Dublin': 'GMTUK',
  'Europe/Berlin': 'CET',
  'Europe/Paris': 'CET',
  'Europe/Madrid': 'CET',
  'Europe/Rome': 'CET',
  'Europe/Amsterdam': 'CET',
  'Europe/Zurich': 'CET',
  'Europe/Vienna': 'CET',
  'Europe/Warsaw': 'CET',
  'Europe/Helsinki': 'EET',
  'Europe/Athens': 'EET',
  'America/New_York': 'EST',
  'America/Toronto': 'EST',
  'America/Chicago': 'CST',
  'America/Denver': 'MST',
  'America/Phoenix': 'MSTNO',
  'America/Los_Angeles': 'PST',
  'America/Sao_Paulo': 'BRZLEA',
  'Asia/Kolkata': 'INDIA',
  'Asia/Tokyo': 'JAPAN',
  'Asia/Singapore': 'UTC+8',
  'Asia/Shanghai': 'UTC+8',
  'Australia/Sydney': 'AUSNSW',
  'Australia/Canberra': 'AUSACT',
  'Australia/Melbourne': 'AUSVIC',
};

export function sapTimeZoneCode(ianaZone: string): string {
  return SAP_TIME_ZONES[ianaZone] ?? 'UTC';
}

const PARTY_TYPE: Record<PartyKind, string> = {
  contact: APPOINTMENT_CODES.partyTypeBusinessPartner,
  individualCustomer: APPOINTMENT_CODES.partyTypeBusinessPartner,
  employee: APPOINTMENT_CODES.partyTypeEmployee,
  account: APPOINTMENT_CODES.partyTypeAccount,
};

export function buildAppointment(
  meeting: MeetingToCreate,
  options: {
    parties: ReadonlyMap<string, AppointmentParty>;
    mainAccountPartyId?: string;
    mainContactPartyId?: string;
    ownerPartyId?: string;
    /** References such as a lead chosen as the main contact (a lead is not a business partner). */
    related?: ReadonlyArray<{ typeCode: string; id: string }>;
  },
): Record<string, unknown> {
  if (Date.parse(meeting.end) < Date.parse(meeting.start)) throw new RangeError('the meeting ends before it starts');
  const zone = sapTimeZoneCode(meeting.timeZone);
  const involved: Array<Record<string, unknown>> = [];
  const partyRow = (address: MailAddress, roleCode: string) => {
    const party = options.parties.get(normalizeAddress(address.address));
    const row: Record<string, unknown> = {
      RoleCode: roleCode,
      PartyEmailURI: address.address.slice(0, 254),
      PartyName: (address.name || address.address).slice(0, 255),
    };
    if (party) {
      row.PartyID = party.partyId;
      row.PartyTypeCode = PARTY_TYPE[party.kind];
    }
    return row;
  };
  involved.push(partyRow(meeting.organizer, APPOINTMENT_CODES.roleOrganizer));
  const seen = new Set([normalizeAddress(meeting.organizer.address)]);
  for (const attendee of meeting.attendees) {
    const key = normalizeAddress(attendee.address);
    if (seen.has(key) || attendee.type === 'resource') continue;
    seen.add(key);
    involved.push(partyRow(attendee, APPOINTMENT_CODES.roleAttendee));
  }
  if (options.mainAccountPartyId) {
    involved.push({ RoleCode: APPOINTMENT_CODES.roleAccount, PartyID: options.mainAccountPartyId, PartyTypeCode: APPOINTMENT_CODES.partyTypeAccount, MainIndicator: true });
  }

  const organizerParty = options.parties.get(normalizeAddress(meeting.organizer.address));
  const header: Record<string, unknown> = {
    Subject: meeting.subject.slice(0, 765),
    DocumentType: APPOINTMENT_CODES.documentType,
    LifeCycleStatusCode: APPOINTMENT_CODES.lifeCycleOpen,
    Priority: APPOINTMENT_CODES.priorityNormal,
    InformationSensitivityCode: APPOINTMENT_CODES.sensitivityNormal,
    DataOriginTypeCode: APPOINTMENT_CODES.dataOriginGroupware,
    StartDate: toODataDate(meeting.start),
    EndDate: toODataDate(meeting.end),
    StartDatetimeZoneCode: zone,
    EnddatetimeZoneCode: zone,
    FullDayIndicator: meeting.isAllDay,
    GroupwareItemID: meeting.groupwareItemId.slice(0, 765),
    OrganizerEmailURI: meeting.organizer.address.slice(0, 254),
    OrganizerPartyName: (meeting.organizer.name || meeting.organizer.address).slice(0, 255),
    AppointmentInvolvedParties: involved,
  };
  if (meeting.location) header.Location = meeting.location.slice(0, 480);
  if (organizerParty?.kind === 'employee') header.OrganizerPartyID = organizerParty.partyId;
  if (options.mainAccountPartyId) header.MainAccountPartyID = options.mainAccountPartyId;
  if (options.mainContactPartyId) header.MainContactPartyID = options.mainContactPartyId;
  if (options.ownerPartyId) header.OwnerPartyID = options.ownerPartyId;
  if (options.related !== undefined && options.related.length > 0) {
    // The appointment's reference names its role BTDRoleCode (the E-Mail's says RoleCode), per the metadata.
    header.AppointmentBTDReference = options.related.map((item) => ({ ID: item.id, TypeCode: item.typeCode, BTDRoleCode: RELATED_ITEM_ROLE_PREDECESSOR }));
  }
  return header;
}
