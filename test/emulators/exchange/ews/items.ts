/**
 * Items in EWS XML: response shapes (IdOnly / Default / AllProperties + AdditionalProperties) in schema element
 * order, and reading items sent in CreateItem / UpdateItem into store fields.
 */
import type { Attendee, EmailAddress, Recurrence, ResponseStatus } from '../../../../relay/mailbox/types';
import { extendedPropertyKey, type ExtendedPropertyValue, type StoredItem, type StoredItemKind } from '../store';
import { timeZoneDefinitionXml, toUtcInstant, zoneDisplayName } from './timezones';
import { all, attr, child, childNames, childText, el, escapeXml, SchemaError, text, tx, type XNode, bool } from './xml';

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export interface ExtendedFieldRef {
  propertySetId?: string;
  distinguishedPropertySetId?: string;
  propertyName?: string;
  propertyId?: string;
  propertyTag?: string;
  propertyType: string;
}

export interface ItemShape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  /** FieldURI values, e.g. `item:Subject`, plus `indexed:contacts:EmailAddress` style entries for indexed fields. */
  fields: Set<string>;
  extended: ExtendedFieldRef[];
  bodyType: 'Best' | 'HTML' | 'Text';
}

export function readExtendedFieldRef(node: XNode | undefined): ExtendedFieldRef {
  return {
    propertySetId: attr(node, 'PropertySetId'),
    distinguishedPropertySetId: attr(node, 'DistinguishedPropertySetId'),
    propertyName: attr(node, 'PropertyName'),
    propertyId: attr(node, 'PropertyId'),
    propertyTag: attr(node, 'PropertyTag'),
    propertyType: attr(node, 'PropertyType') ?? 'String',
  };
}

/** Store key of an extended field; named properties in a PropertySetId (what the product uses) or PublicStrings. */
export function extendedKeyOf(ref: ExtendedFieldRef): string {
  const set = ref.propertySetId ?? ref.distinguishedPropertySetId ?? 'tag';
  const name = ref.propertyName ?? ref.propertyId ?? ref.propertyTag ?? '';
  return extendedPropertyKey(set, name);
}

export function readItemShape(node: XNode | undefined): ItemShape {
  const base = childText(node, 'BaseShape') ?? 'Default';
  if (base !== 'IdOnly' && base !== 'Default' && base !== 'AllProperties') throw new SchemaError(`Invalid BaseShape ${base}`);
  const additional = child(node, 'AdditionalProperties');
  const fields = new Set<string>();
  for (const f of all(additional, 'FieldURI')) fields.add(attr(f, 'FieldURI') ?? '');
  for (const f of all(additional, 'IndexedFieldURI')) fields.add(attr(f, 'FieldURI') ?? '');
  const extended = all(additional, 'ExtendedFieldURI').map(readExtendedFieldRef);
  const bodyType = (childText(node, 'BodyType') ?? 'Best') as ItemShape['bodyType'];
  return { base, fields, extended, bodyType };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

const RESPONSE_TYPE: Record<ResponseStatus, string> = {
  none: 'Unknown',
  organizer: 'Organizer',
  accepted: 'Accept',
  tentative: 'Tentative',
  declined: 'Decline',
  notResponded: 'NoResponseReceived',
};
export const RESPONSE_STATUS: Record<string, ResponseStatus> = Object.fromEntries(Object.entries(RESPONSE_TYPE).map(([k, v]) => [v, k as ResponseStatus]));

const ITEM_CLASS: Record<StoredItemKind, string> = { message: 'IPM.Note', event: 'IPM.Appointment', task: 'IPM.Task', contact: 'IPM.Contact' };
export const ELEMENT_OF_KIND: Record<StoredItemKind, string> = { message: 'Message', event: 'CalendarItem', task: 'Task', contact: 'Contact' };
export const KIND_OF_ELEMENT: Record<string, StoredItemKind> = { Message: 'message', CalendarItem: 'event', Task: 'task', Contact: 'contact', Item: 'message' };

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** xs:dateTime in UTC with second precision, as Exchange writes it (2006-06-16T00:12:41Z). */
function utc(iso: string | undefined): string | undefined {
  return iso ? new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

export function mailboxXml(address: EmailAddress): string {
  return el('t:Mailbox', tx('t:Name', address.name ?? address.address) + tx('t:EmailAddress', address.address) + tx('t:RoutingType', 'SMTP') + tx('t:MailboxType', 'OneOff'));
}

function attendeesXml(name: string, attendees: Attendee[]): string {
  if (attendees.length === 0) return '';
  return el(name, attendees.map((a) => el('t:Attendee', mailboxXml(a) + tx('t:ResponseType', RESPONSE_TYPE[a.response]))).join(''));
}

function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

function bodyXml(item: StoredItem, bodyType: ItemShape['bodyType']): string {
  let html: string | undefined;
  let plain: string | undefined;
  if (item.kind === 'message' || item.kind === 'event') html = item.bodyHtml ?? '';
  else if (item.kind === 'task') plain = item.bodyText ?? '';
  else plain = '';
  if (html !== undefined) {
    if (bodyType === 'Text') return tx('t:Body', htmlToText(html), { BodyType: 'Text', IsTruncated: 'false' });
    return el('t:Body', escapeXml(html), { BodyType: 'HTML', IsTruncated: 'false' });
  }
  return el('t:Body', escapeXml(plain ?? ''), { BodyType: 'Text', IsTruncated: 'false' });
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEK_INDEX: Record<NonNullable<Recurrence['index']>, string> = { first: 'First', second: 'Second', third: 'Third', fourth: 'Fourth', last: 'Last' };
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const WEEKEND = ['saturday', 'sunday'];
const ALL_DAYS = [...WEEKEND.slice(1), ...WEEKDAYS, WEEKEND[0]];

/**
 * A relative pattern names ONE DayOfWeekType in EWS: a day, or Day / Weekday / WeekendDay for the day sets Graph
 * spells as lists. Other sets (only writable over Graph) have no EWS form; the first day stands in for them.
 */
function relativeDayXml(days: string[] | undefined): string {
  const set = [...new Set((days ?? []).map((d) => d.toLowerCase()))].sort();
  const same = (other: string[]): boolean => set.length === other.length && [...other].sort().every((d, i) => d === set[i]);
  if (set.length === 1) return cap(set[0]);
  if (same(ALL_DAYS)) return 'Day';
  if (same(WEEKDAYS)) return 'Weekday';
  if (same(WEEKEND)) return 'WeekendDay';
  return cap(set[0] ?? 'monday');
}

function relativeDaysOf(value: string): string[] {
  if (value === 'Day') return [...ALL_DAYS];
  if (value === 'Weekday') return [...WEEKDAYS];
  if (value === 'WeekendDay') return [...WEEKEND];
  return value.split(/\s+/).filter(Boolean).map((d) => d.toLowerCase());
}

function recurrenceXml(r: Recurrence): string {
  const days = (r.daysOfWeek ?? []).map(cap).join(' ');
  const index = WEEK_INDEX[r.index ?? 'first'];
  const month = MONTHS[(r.month ?? Number(r.startDate.slice(5, 7))) - 1] ?? 'January';
  let pattern: string;
  switch (r.pattern) {
    case 'daily':
      pattern = el('t:DailyRecurrence', tx('t:Interval', r.interval));
      break;
    case 'weekly':
      // Sunday: the week start the emulator expands with (Graph's default firstDayOfWeek).
      pattern = el('t:WeeklyRecurrence', tx('t:Interval', r.interval) + tx('t:DaysOfWeek', days) + tx('t:FirstDayOfWeek', 'Sunday'));
      break;
    case 'absoluteMonthly':
      pattern = el('t:AbsoluteMonthlyRecurrence', tx('t:Interval', r.interval) + tx('t:DayOfMonth', r.dayOfMonth ?? 1));
      break;
    case 'relativeMonthly':
      pattern = el('t:RelativeMonthlyRecurrence', tx('t:Interval', r.interval) + tx('t:DaysOfWeek', relativeDayXml(r.daysOfWeek)) + tx('t:DayOfWeekIndex', index));
      break;
    // EWS yearly patterns have no Interval: every year.
    case 'absoluteYearly':
      pattern = el('t:AbsoluteYearlyRecurrence', tx('t:DayOfMonth', r.dayOfMonth ?? 1) + tx('t:Month', month));
      break;
    case 'relativeYearly':
      pattern = el('t:RelativeYearlyRecurrence', tx('t:DaysOfWeek', relativeDayXml(r.daysOfWeek)) + tx('t:DayOfWeekIndex', index) + tx('t:Month', month));
      break;
  }
  let range: string;
  if (r.numberOfOccurrences) range = el('t:NumberedRecurrence', tx('t:StartDate', r.startDate) + tx('t:NumberOfOccurrences', r.numberOfOccurrences));
  else if (r.endDate) range = el('t:EndDateRecurrence', tx('t:StartDate', r.startDate) + tx('t:EndDate', r.endDate));
  else range = el('t:NoEndRecurrence', tx('t:StartDate', r.startDate));
  return el('t:Recurrence', pattern + range);
}

function extendedXml(item: StoredItem, refs: ExtendedFieldRef[]): string {
  return refs
    .map((ref) => {
      const value = item.extendedProperties[extendedKeyOf(ref)];
      if (!value) return '';
      const uriAttrs = {
        DistinguishedPropertySetId: ref.distinguishedPropertySetId,
        PropertySetId: ref.propertySetId,
        PropertyTag: ref.propertyTag,
        PropertyName: ref.propertyName,
        PropertyId: ref.propertyId,
        PropertyType: ref.propertyType,
      };
      return el('t:ExtendedProperty', el('t:ExtendedFieldURI', null, uriAttrs) + tx('t:Value', value.value));
    })
    .join('');
}

type Writer = (item: StoredItem, shape: ItemShape) => string;

interface FieldDef {
  uri: string;
  kinds?: StoredItemKind[];
  /** Kinds whose Default shape includes the field. */
  inDefault?: StoredItemKind[];
  /** Included in AllProperties (default true). */
  inAll?: boolean;
  write: Writer;
}

/** EWS schema order (types.xsd ItemType, then the subtype's own elements). */
const FIELDS: FieldDef[] = [
  { uri: 'item:ParentFolderId', write: (i) => el('t:ParentFolderId', null, { Id: i.folderId }) },
  { uri: 'item:ItemClass', write: (i) => tx('t:ItemClass', ITEM_CLASS[i.kind]) },
  { uri: 'item:Subject', inDefault: ['message', 'event', 'task'], write: (i) => (i.kind === 'contact' ? '' : tx('t:Subject', i.subject)) },
  { uri: 'item:Sensitivity', inDefault: ['message'], write: (i) => tx('t:Sensitivity', i.kind === 'event' ? cap(i.sensitivity) : 'Normal') },
  { uri: 'item:Body', inDefault: ['message'], write: (i, s) => bodyXml(i, s.bodyType) },
  {
    uri: 'item:Attachments',
    inDefault: ['message'],
    write: (i) =>
      i.kind === 'message' && i.attachments.length > 0
        ? el('t:Attachments', i.attachments.map((a) => el('t:FileAttachment', el('t:AttachmentId', null, { Id: a.id }) + tx('t:Name', a.name) + tx('t:ContentType', a.contentType) + tx('t:Size', a.size) + tx('t:LastModifiedTime', utc(i.lastModifiedAt)) + tx('t:IsInline', a.isInline) + tx('t:IsContactPhoto', false))).join(''))
        : '',
  },
  { uri: 'item:DateTimeReceived', write: (i) => tx('t:DateTimeReceived', utc(i.kind === 'message' ? i.receivedAt ?? i.createdAt : i.createdAt)) },
  { uri: 'item:Size', inDefault: ['message'], write: (i) => tx('t:Size', Buffer.byteLength(JSON.stringify(i))) },
  { uri: 'item:Categories', write: (i) => (i.categories.length ? el('t:Categories', i.categories.map((c) => tx('t:String', c)).join('')) : '') },
  { uri: 'item:Importance', write: (i) => tx('t:Importance', i.kind === 'task' ? cap(i.importance) : 'Normal') },
  { uri: 'item:IsSubmitted', write: () => tx('t:IsSubmitted', false) },
  { uri: 'item:IsDraft', write: (i) => tx('t:IsDraft', i.kind === 'message' ? i.isDraft : false) },
  { uri: 'item:IsFromMe', write: () => tx('t:IsFromMe', false) },
  { uri: 'item:IsResend', write: () => tx('t:IsResend', false) },
  { uri: 'item:IsUnmodified', write: () => tx('t:IsUnmodified', false) },
  { uri: 'item:DateTimeSent', inDefault: ['message'], write: (i) => tx('t:DateTimeSent', utc(i.kind === 'message' ? i.sentAt ?? i.createdAt : i.createdAt)) },
  { uri: 'item:DateTimeCreated', inDefault: ['message'], write: (i) => tx('t:DateTimeCreated', utc(i.createdAt)) },
  { uri: 'item:HasAttachments', inDefault: ['message', 'task', 'contact'], write: (i) => tx('t:HasAttachments', i.kind === 'message' && i.attachments.length > 0) },
  { uri: '__extended__', inAll: false, write: () => '' },
  { uri: 'item:Culture', write: () => tx('t:Culture', 'en-US') },
  { uri: 'item:LastModifiedTime', write: (i) => tx('t:LastModifiedTime', utc(i.lastModifiedAt)) },
  { uri: 'item:ConversationId', kinds: ['message'], write: (i) => (i.kind === 'message' && i.conversationId ? el('t:ConversationId', null, { Id: i.conversationId }) : '') },
  // Message
  { uri: 'message:ToRecipients', kinds: ['message'], inDefault: ['message'], write: (i) => (i.kind === 'message' && i.to.length ? el('t:ToRecipients', i.to.map(mailboxXml).join('')) : '') },
  { uri: 'message:CcRecipients', kinds: ['message'], inDefault: ['message'], write: (i) => (i.kind === 'message' && i.cc.length ? el('t:CcRecipients', i.cc.map(mailboxXml).join('')) : '') },
  { uri: 'message:IsReadReceiptRequested', kinds: ['message'], inDefault: ['message'], write: () => tx('t:IsReadReceiptRequested', false) },
  { uri: 'message:IsDeliveryReceiptRequested', kinds: ['message'], inDefault: ['message'], write: () => tx('t:IsDeliveryReceiptRequested', false) },
  { uri: 'message:From', kinds: ['message'], inDefault: ['message'], write: (i) => (i.kind === 'message' && i.from ? el('t:From', mailboxXml(i.from)) : '') },
  { uri: 'message:InternetMessageId', kinds: ['message'], write: (i) => (i.kind === 'message' ? tx('t:InternetMessageId', i.internetMessageId) : '') },
  { uri: 'message:IsRead', kinds: ['message'], inDefault: ['message'], write: (i) => (i.kind === 'message' ? tx('t:IsRead', i.isRead) : '') },
  // CalendarItem
  { uri: 'calendar:UID', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:UID', i.iCalUid) : '') },
  { uri: 'calendar:Start', kinds: ['event'], inDefault: ['event'], write: (i) => (i.kind === 'event' ? tx('t:Start', utc(i.start)) : '') },
  { uri: 'calendar:End', kinds: ['event'], inDefault: ['event'], write: (i) => (i.kind === 'event' ? tx('t:End', utc(i.end)) : '') },
  // Occurrences and exceptions only: where the pattern put them.
  { uri: 'calendar:OriginalStart', kinds: ['event'], write: (i) => (i.kind === 'event' && i.originalStart ? tx('t:OriginalStart', utc(i.originalStart)) : '') },
  { uri: 'calendar:IsAllDayEvent', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:IsAllDayEvent', i.isAllDay) : '') },
  { uri: 'calendar:LegacyFreeBusyStatus', kinds: ['event'], inDefault: ['event'], write: (i) => (i.kind === 'event' ? tx('t:LegacyFreeBusyStatus', i.isCancelled ? 'Free' : 'Busy') : '') },
  { uri: 'calendar:Location', kinds: ['event'], inDefault: ['event'], write: (i) => (i.kind === 'event' && i.location !== undefined ? tx('t:Location', i.location) : '') },
  { uri: 'calendar:IsMeeting', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:IsMeeting', i.attendees.length > 0) : '') },
  { uri: 'calendar:IsCancelled', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:IsCancelled', i.isCancelled) : '') },
  { uri: 'calendar:IsRecurring', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:IsRecurring', i.type !== 'singleInstance') : '') },
  { uri: 'calendar:MeetingRequestWasSent', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:MeetingRequestWasSent', false) : '') },
  {
    uri: 'calendar:CalendarItemType',
    kinds: ['event'],
    inDefault: ['event'],
    write: (i) => (i.kind === 'event' ? tx('t:CalendarItemType', { singleInstance: 'Single', seriesMaster: 'RecurringMaster', occurrence: 'Occurrence', exception: 'Exception' }[i.type]) : ''),
  },
  { uri: 'calendar:MyResponseType', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:MyResponseType', RESPONSE_TYPE[i.myResponse]) : '') },
  { uri: 'calendar:Organizer', kinds: ['event'], inDefault: ['event'], write: (i) => (i.kind === 'event' && i.organizer ? el('t:Organizer', mailboxXml(i.organizer)) : '') },
  { uri: 'calendar:RequiredAttendees', kinds: ['event'], write: (i) => (i.kind === 'event' ? attendeesXml('t:RequiredAttendees', i.attendees.filter((a) => a.type === 'required')) : '') },
  { uri: 'calendar:OptionalAttendees', kinds: ['event'], write: (i) => (i.kind === 'event' ? attendeesXml('t:OptionalAttendees', i.attendees.filter((a) => a.type === 'optional')) : '') },
  { uri: 'calendar:Resources', kinds: ['event'], write: (i) => (i.kind === 'event' ? attendeesXml('t:Resources', i.attendees.filter((a) => a.type === 'resource')) : '') },
  { uri: 'calendar:Duration', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:Duration', `PT${Math.round((Date.parse(i.end) - Date.parse(i.start)) / 60000)}M`) : '') },
  { uri: 'calendar:TimeZone', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:TimeZone', zoneDisplayName(i.timeZone)) : '') },
  { uri: 'calendar:AppointmentSequenceNumber', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:AppointmentSequenceNumber', 0) : '') },
  { uri: 'calendar:AppointmentState', kinds: ['event'], write: (i) => (i.kind === 'event' ? tx('t:AppointmentState', (i.attendees.length ? 1 : 0) | (i.isCancelled ? 4 : 0) | (i.isOrganizer ? 0 : 2)) : '') },
  { uri: 'calendar:Recurrence', kinds: ['event'], write: (i) => (i.kind === 'event' && i.recurrence ? recurrenceXml(i.recurrence) : '') },
  { uri: 'calendar:StartTimeZone', kinds: ['event'], write: (i) => (i.kind === 'event' ? timeZoneDefinitionXml('t:StartTimeZone', i.timeZone) : '') },
  { uri: 'calendar:EndTimeZone', kinds: ['event'], write: (i) => (i.kind === 'event' ? timeZoneDefinitionXml('t:EndTimeZone', i.timeZone) : '') },
  // Task
  { uri: 'task:ChangeCount', kinds: ['task'], write: () => tx('t:ChangeCount', 1) },
  { uri: 'task:CompleteDate', kinds: ['task'], write: (i) => (i.kind === 'task' && i.completedAt ? tx('t:CompleteDate', utc(i.completedAt)) : '') },
  { uri: 'task:DueDate', kinds: ['task'], write: (i) => (i.kind === 'task' && i.dueDate ? tx('t:DueDate', `${i.dueDate}T00:00:00Z`) : '') },
  { uri: 'task:IsComplete', kinds: ['task'], write: (i) => (i.kind === 'task' ? tx('t:IsComplete', i.status === 'completed') : '') },
  { uri: 'task:IsRecurring', kinds: ['task'], write: () => tx('t:IsRecurring', false) },
  { uri: 'task:PercentComplete', kinds: ['task'], write: (i) => (i.kind === 'task' ? tx('t:PercentComplete', i.status === 'completed' ? 100 : 0) : '') },
  { uri: 'task:StartDate', kinds: ['task'], write: (i) => (i.kind === 'task' && i.startDate ? tx('t:StartDate', `${i.startDate}T00:00:00Z`) : '') },
  { uri: 'task:Status', kinds: ['task'], inDefault: ['task'], write: (i) => (i.kind === 'task' ? tx('t:Status', TASK_STATUS[i.status]) : '') },
  { uri: 'task:StatusDescription', kinds: ['task'], write: (i) => (i.kind === 'task' ? tx('t:StatusDescription', TASK_STATUS_TEXT[i.status]) : '') },
  // Contact
  { uri: 'contacts:FileAs', kinds: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:FileAs', i.surname && i.givenName ? `${i.surname}, ${i.givenName}` : i.displayName) : '') },
  { uri: 'contacts:FileAsMapping', kinds: ['contact'], write: () => tx('t:FileAsMapping', 'LastCommaFirst') },
  { uri: 'contacts:DisplayName', kinds: ['contact'], inDefault: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:DisplayName', i.displayName) : '') },
  { uri: 'contacts:GivenName', kinds: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:GivenName', i.givenName) : '') },
  {
    uri: 'contacts:CompleteName',
    kinds: ['contact'],
    write: (i) => (i.kind === 'contact' ? el('t:CompleteName', tx('t:FirstName', i.givenName) + tx('t:LastName', i.surname) + tx('t:FullName', i.displayName)) : ''),
  },
  { uri: 'contacts:CompanyName', kinds: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:CompanyName', i.companyName) : '') },
  {
    uri: 'contacts:EmailAddresses',
    kinds: ['contact'],
    inDefault: ['contact'],
    write: (i) => (i.kind === 'contact' && i.emailAddresses.length ? el('t:EmailAddresses', i.emailAddresses.slice(0, 3).map((e, n) => tx('t:Entry', e.address, { Key: `EmailAddress${n + 1}`, Name: e.name, RoutingType: 'SMTP', MailboxType: 'Contact' })).join('')) : ''),
  },
  {
    uri: 'contacts:PhysicalAddresses',
    kinds: ['contact'],
    write: (i) => {
      if (i.kind !== 'contact' || !i.businessAddress) return '';
      const a = i.businessAddress;
      return el('t:PhysicalAddresses', el('t:Entry', tx('t:Street', a.street) + tx('t:City', a.city) + tx('t:State', a.state) + tx('t:CountryOrRegion', a.countryOrRegion) + tx('t:PostalCode', a.postalCode), { Key: 'Business' }));
    },
  },
  {
    uri: 'contacts:PhoneNumbers',
    kinds: ['contact'],
    write: (i) => {
      if (i.kind !== 'contact' || (!i.businessPhone && !i.mobilePhone)) return '';
      return el('t:PhoneNumbers', tx('t:Entry', i.businessPhone, { Key: 'BusinessPhone' }) + tx('t:Entry', i.mobilePhone, { Key: 'MobilePhone' }));
    },
  },
  { uri: 'contacts:JobTitle', kinds: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:JobTitle', i.jobTitle) : '') },
  { uri: 'contacts:Surname', kinds: ['contact'], write: (i) => (i.kind === 'contact' ? tx('t:Surname', i.surname) : '') },
];

export const TASK_STATUS: Record<string, string> = { notStarted: 'NotStarted', inProgress: 'InProgress', completed: 'Completed', waitingOnOthers: 'WaitingOnOthers', deferred: 'Deferred' };
const TASK_STATUS_TEXT: Record<string, string> = { notStarted: 'Not Started', inProgress: 'In Progress', completed: 'Completed', waitingOnOthers: 'Waiting on someone else', deferred: 'Deferred' };
const KNOWN_URIS = new Set(FIELDS.map((f) => f.uri));

/** Throws for a FieldURI the emulator does not know (Exchange: ErrorInvalidPropertyRequest), so gaps show up in tests. */
export function checkShapeFields(shape: ItemShape): void {
  for (const uri of shape.fields) {
    if (!KNOWN_URIS.has(uri) && !IGNORED_URIS.has(uri)) throw new SchemaError(`The emulator does not support the property ${uri}.`);
  }
}
/** Properties clients commonly request that this emulator answers with nothing. */
const IGNORED_URIS = new Set(['item:InReplyTo', 'item:InternetMessageHeaders', 'item:ReminderDueBy', 'item:ReminderIsSet', 'item:ReminderMinutesBeforeStart', 'item:DisplayCc', 'item:DisplayTo', 'item:EffectiveRights', 'item:LastModifiedName', 'item:IsAssociated', 'item:WebClientReadFormQueryString', 'item:WebClientEditFormQueryString', 'item:UniqueBody', 'item:MimeContent', 'item:ItemId', 'message:Sender', 'message:BccRecipients', 'message:ConversationIndex', 'message:ConversationTopic', 'message:References', 'message:ReplyTo', 'calendar:MeetingTimeZone', 'calendar:When', 'calendar:ConferenceType', 'calendar:IsOnlineMeeting', 'calendar:AllowNewTimeProposal']);

/** `<t:Message>` / `<t:CalendarItem>` / … for a response, in the requested shape. */
export function itemXml(item: StoredItem, shape: ItemShape): string {
  const kind = item.kind;
  let body = el('t:ItemId', null, { Id: item.id, ChangeKey: item.changeKey });
  for (const field of FIELDS) {
    if (field.uri === '__extended__') {
      body += extendedXml(item, shape.extended);
      continue;
    }
    if (field.kinds && !field.kinds.includes(kind)) continue;
    const wanted =
      shape.fields.has(field.uri) ||
      (shape.base === 'AllProperties' && field.inAll !== false) ||
      (shape.base === 'Default' && (field.inDefault ?? []).includes(kind));
    if (wanted) body += field.write(item, shape);
  }
  return el(`t:${ELEMENT_OF_KIND[kind]}`, body);
}

/** Id-only element used in CreateItem / UpdateItem responses and sync Create/Update entries. */
export function itemIdOnlyXml(item: StoredItem): string {
  return el(`t:${ELEMENT_OF_KIND[item.kind]}`, el('t:ItemId', null, { Id: item.id, ChangeKey: item.changeKey }));
}

export function attachmentXml(attachment: { id: string; name: string; contentType: string; size: number; isInline: boolean; contentBase64: string }, withContent: boolean): string {
  return el(
    't:FileAttachment',
    el('t:AttachmentId', null, { Id: attachment.id }) + tx('t:Name', attachment.name) + tx('t:ContentType', attachment.contentType) + tx('t:Size', attachment.size) + tx('t:IsInline', attachment.isInline) + tx('t:IsContactPhoto', false) + (withContent ? tx('t:Content', attachment.contentBase64) : ''),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Fields of a stored item as read from request XML; only present keys are set. */
export type ItemFields = Record<string, unknown> & { extendedProperties?: Record<string, ExtendedPropertyValue> };

export interface ReadContext {
  /** Zone for local (unzoned) times: TimeZoneContext header or the item's stored zone. */
  contextZone?: string;
}

function readMailbox(node: XNode | undefined): EmailAddress | undefined {
  const mailbox = child(node, 'Mailbox') ?? node;
  const address = childText(mailbox, 'EmailAddress');
  if (!address) return undefined;
  const name = childText(mailbox, 'Name');
  return name && name !== address ? { address, name } : { address };
}

function readAttendees(node: XNode | undefined, type: Attendee['type']): Attendee[] {
  return all(node, 'Attendee').map((a) => {
    const mailbox = readMailbox(a);
    if (!mailbox) throw new SchemaError('Attendee without EmailAddress.');
    const responseType = childText(a, 'ResponseType');
    return { ...mailbox, type, response: responseType ? (RESPONSE_STATUS[responseType] ?? 'none') : 'none' };
  });
}

function readRecurrence(node: XNode): Recurrence {
  const names = childNames(node);
  const patternName = names.find((n) => n.endsWith('Recurrence') && !['NoEndRecurrence', 'EndDateRecurrence', 'NumberedRecurrence'].includes(n));
  const rangeName = names.find((n) => ['NoEndRecurrence', 'EndDateRecurrence', 'NumberedRecurrence'].includes(n));
  if (!patternName || !rangeName) throw new SchemaError('Recurrence needs a pattern and a range.');
  const p = child(node, patternName);
  const r = child(node, rangeName);
  const patterns: Record<string, Recurrence['pattern']> = {
    DailyRecurrence: 'daily',
    WeeklyRecurrence: 'weekly',
    AbsoluteMonthlyRecurrence: 'absoluteMonthly',
    RelativeMonthlyRecurrence: 'relativeMonthly',
    AbsoluteYearlyRecurrence: 'absoluteYearly',
    RelativeYearlyRecurrence: 'relativeYearly',
  };
  const pattern = patterns[patternName];
  if (!pattern) throw new SchemaError(`Unsupported recurrence ${patternName}.`);
  const days = childText(p, 'DaysOfWeek');
  const startDate = (childText(r, 'StartDate') ?? '').slice(0, 10);
  const relative = pattern === 'relativeMonthly' || pattern === 'relativeYearly';
  const yearly = pattern === 'absoluteYearly' || pattern === 'relativeYearly';
  const recurrence: Recurrence = { pattern, interval: yearly ? 1 : Number(childText(p, 'Interval') ?? 1), startDate };
  if (days) recurrence.daysOfWeek = relative ? relativeDaysOf(days) : days.split(/\s+/).filter(Boolean).map((d) => d.toLowerCase());
  const dayOfMonth = childText(p, 'DayOfMonth');
  if (dayOfMonth) recurrence.dayOfMonth = Number(dayOfMonth);
  const index = childText(p, 'DayOfWeekIndex');
  if (relative) {
    const found = (Object.entries(WEEK_INDEX) as [NonNullable<Recurrence['index']>, string][]).find(([, name]) => name === index);
    if (!found) throw new SchemaError(`'${index ?? ''}' is not a valid DayOfWeekIndex.`);
    recurrence.index = found[0];
  }
  const month = childText(p, 'Month');
  if (yearly) {
    const m = MONTHS.indexOf(month ?? '');
    if (m < 0) throw new SchemaError(`'${month ?? ''}' is not a valid Month.`);
    recurrence.month = m + 1;
  }
  const endDate = childText(r, 'EndDate');
  if (endDate) recurrence.endDate = endDate.slice(0, 10);
  const count = childText(r, 'NumberOfOccurrences');
  if (count) recurrence.numberOfOccurrences = Number(count);
  return recurrence;
}

function readDateOnly(value: string | undefined): string | undefined {
  return value ? value.slice(0, 10) : undefined;
}

function enumValue<T extends string>(value: string | undefined, map: Record<string, T>, what: string): T | undefined {
  if (value === undefined) return undefined;
  const found = map[value];
  if (!found) throw new SchemaError(`'${value}' is not a valid ${what}.`);
  return found;
}

/**
 * Reads the item element of a CreateItem / SetItemField into store fields. Calendar times: Start/End with an
 * offset are absolute; without, they are local times of StartTimeZone / MeetingTimeZone / the context zone.
 */
export function readItemFields(kind: StoredItemKind, node: XNode, ctx: ReadContext = {}): ItemFields {
  const f: ItemFields = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) f[key] = value;
  };
  set('subject', childText(node, 'Subject'));
  const body = child(node, 'Body');
  if (body !== undefined) {
    const content = text(body) ?? '';
    const isHtml = (attr(body, 'BodyType') ?? 'Text') === 'HTML';
    if (kind === 'task') set('bodyText', content);
    else if (kind === 'message' || kind === 'event') set('bodyHtml', isHtml ? content : `<html><body><pre>${escapeXml(content)}</pre></body></html>`);
  }
  const categories = child(node, 'Categories');
  if (categories !== undefined) set('categories', all(categories, 'String').map((s) => text(s) ?? ''));
  const extended = all(node, 'ExtendedProperty');
  if (extended.length) {
    f.extendedProperties = {};
    for (const prop of extended) {
      const ref = readExtendedFieldRef(child(prop, 'ExtendedFieldURI'));
      f.extendedProperties[extendedKeyOf(ref)] = {
        propertySetId: ref.propertySetId ?? ref.distinguishedPropertySetId ?? 'tag',
        name: ref.propertyName ?? ref.propertyId ?? ref.propertyTag ?? '',
        type: ref.propertyType,
        value: childText(prop, 'Value') ?? '',
      };
    }
  }
  if (kind === 'message') {
    set('isRead', bool(childText(node, 'IsRead')));
    const to = child(node, 'ToRecipients');
    if (to !== undefined) set('to', all(to, 'Mailbox').map((m) => readMailbox(m)).filter(Boolean));
    const cc = child(node, 'CcRecipients');
    if (cc !== undefined) set('cc', all(cc, 'Mailbox').map((m) => readMailbox(m)).filter(Boolean));
    const from = child(node, 'From');
    if (from !== undefined) set('from', readMailbox(from));
    set('internetMessageId', childText(node, 'InternetMessageId'));
  }
  if (kind === 'event') {
    const startZone = attr(child(node, 'StartTimeZone'), 'Id') ?? attr(child(node, 'MeetingTimeZone'), 'TimeZoneName');
    const endZone = attr(child(node, 'EndTimeZone'), 'Id');
    if (startZone) set('timeZone', startZone);
    // The store keeps one zone per event (Start's); an EndTimeZone is accepted and checked, not stored separately.
    if (endZone) set('__endTimeZone', endZone);
    const zone = startZone ?? ctx.contextZone;
    const start = childText(node, 'Start');
    const end = childText(node, 'End');
    try {
      if (start !== undefined) set('start', toUtcInstant(start, zone));
      if (end !== undefined) set('end', toUtcInstant(end, endZone ?? zone));
    } catch (error) {
      throw new SchemaError(error instanceof Error ? error.message : String(error));
    }
    set('isAllDay', bool(childText(node, 'IsAllDayEvent')));
    set('location', childText(node, 'Location'));
    set('iCalUid', childText(node, 'UID'));
    set('sensitivity', enumValue(childText(node, 'Sensitivity'), { Normal: 'normal', Personal: 'personal', Private: 'private', Confidential: 'confidential' } as const, 'Sensitivity'));
    const groups: [string, Attendee['type']][] = [
      ['RequiredAttendees', 'required'],
      ['OptionalAttendees', 'optional'],
      ['Resources', 'resource'],
    ];
    for (const [name, type] of groups) {
      const list = child(node, name);
      if (list !== undefined) set(`attendees:${type}`, readAttendees(list, type));
    }
    const recurrence = child(node, 'Recurrence');
    if (recurrence !== undefined) set('recurrence', readRecurrence(recurrence));
  }
  if (kind === 'task') {
    set('status', enumValue(childText(node, 'Status'), { NotStarted: 'notStarted', InProgress: 'inProgress', Completed: 'completed', WaitingOnOthers: 'waitingOnOthers', Deferred: 'deferred' } as const, 'TaskStatus'));
    set('importance', enumValue(childText(node, 'Importance'), { Low: 'low', Normal: 'normal', High: 'high' } as const, 'Importance'));
    set('startDate', readDateOnly(childText(node, 'StartDate')));
    set('dueDate', readDateOnly(childText(node, 'DueDate')));
    const complete = childText(node, 'CompleteDate');
    if (complete) set('completedAt', new Date(Date.parse(complete)).toISOString());
  }
  if (kind === 'contact') {
    set('displayName', childText(node, 'DisplayName'));
    set('givenName', childText(node, 'GivenName'));
    set('surname', childText(node, 'Surname'));
    set('companyName', childText(node, 'CompanyName'));
    set('jobTitle', childText(node, 'JobTitle'));
    const emails = child(node, 'EmailAddresses');
    if (emails !== undefined) {
      set(
        'emailEntries',
        all(emails, 'Entry').map((e) => ({ key: attr(e, 'Key') ?? 'EmailAddress1', address: text(e) ?? '', name: attr(e, 'Name') })),
      );
    }
    const phones = child(node, 'PhoneNumbers');
    if (phones !== undefined) for (const p of all(phones, 'Entry')) set(attr(p, 'Key') === 'MobilePhone' ? 'mobilePhone' : attr(p, 'Key') === 'BusinessPhone' ? 'businessPhone' : '__ignoredPhone', text(p));
    const addresses = child(node, 'PhysicalAddresses');
    if (addresses !== undefined) {
      for (const a of all(addresses, 'Entry')) {
        if (attr(a, 'Key') !== 'Business') continue;
        const address: Record<string, string> = {};
        for (const [xmlName, key] of [['Street', 'street'], ['City', 'city'], ['State', 'state'], ['PostalCode', 'postalCode'], ['CountryOrRegion', 'countryOrRegion']] as const) {
          const value = childText(a, xmlName);
          if (value !== undefined) address[key] = value;
        }
        set('businessAddress', address);
      }
    }
  }
  delete f.__ignoredPhone;
  return f;
}

/** Applies read fields to a stored item (create or SetItemField). Contact e-mail entries merge by key. */
export function applyFields(item: StoredItem, fields: ItemFields): void {
  const target = item as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('__')) continue;
    if (key === 'extendedProperties') {
      Object.assign(item.extendedProperties, value as Record<string, ExtendedPropertyValue>);
    } else if (key.startsWith('attendees:') && item.kind === 'event') {
      const type = key.slice('attendees:'.length) as Attendee['type'];
      item.attendees = [...item.attendees.filter((a) => a.type !== type), ...(value as Attendee[])];
    } else if (key === 'emailEntries' && item.kind === 'contact') {
      const slots = [...item.emailAddresses];
      for (const entry of value as { key: string; address: string; name?: string }[]) {
        const index = Number(entry.key.replace('EmailAddress', '')) - 1;
        if (index < 0 || index > 2 || Number.isNaN(index)) throw new SchemaError(`Invalid EmailAddress key ${entry.key}.`);
        slots[index] = entry.name ? { address: entry.address, name: entry.name } : { address: entry.address };
      }
      item.emailAddresses = slots.filter(Boolean);
    } else if (key === 'businessAddress' && item.kind === 'contact') {
      item.businessAddress = { ...(item.businessAddress ?? {}), ...(value as Record<string, string>) };
    } else {
      target[key] = value;
    }
  }
}

/** DeleteItemField: which stored key(s) a FieldURI clears. */
export function deleteField(item: StoredItem, uri: string, index?: string): void {
  const target = item as unknown as Record<string, unknown>;
  const map: Record<string, string> = {
    'item:Body': item.kind === 'task' ? 'bodyText' : 'bodyHtml',
    'item:Categories': 'categories',
    'calendar:Location': 'location',
    'calendar:Recurrence': 'recurrence',
    'task:DueDate': 'dueDate',
    'task:StartDate': 'startDate',
    'task:CompleteDate': 'completedAt',
    'contacts:GivenName': 'givenName',
    'contacts:Surname': 'surname',
    'contacts:CompanyName': 'companyName',
    'contacts:JobTitle': 'jobTitle',
  };
  if (uri === 'item:Categories') {
    item.categories = [];
  } else if (uri === 'calendar:RequiredAttendees' || uri === 'calendar:OptionalAttendees' || uri === 'calendar:Resources') {
    if (item.kind === 'event') {
      const type = uri === 'calendar:RequiredAttendees' ? 'required' : uri === 'calendar:OptionalAttendees' ? 'optional' : 'resource';
      item.attendees = item.attendees.filter((a) => a.type !== type);
    }
  } else if (uri === 'contacts:EmailAddress' && item.kind === 'contact' && index) {
    const i = Number(index.replace('EmailAddress', '')) - 1;
    item.emailAddresses = item.emailAddresses.filter((_, n) => n !== i);
  } else if (uri === 'contacts:PhoneNumber' && item.kind === 'contact' && index) {
    if (index === 'BusinessPhone') delete item.businessPhone;
    if (index === 'MobilePhone') delete item.mobilePhone;
  } else if (map[uri]) {
    if (map[uri] === 'bodyHtml' || map[uri] === 'bodyText') target[map[uri]] = '';
    else delete target[map[uri]];
  } else {
    throw new SchemaError(`DeleteItemField is not supported for ${uri}.`);
  }
}
