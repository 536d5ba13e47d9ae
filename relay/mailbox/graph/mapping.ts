/**
 * Graph JSON ⇄ the mailbox interface's types. Responses are validated with zod at this boundary (loosely: Graph adds
 * properties over time and omits what `$select` left out), requests are built from the typed inputs.
 */
import { z } from 'zod';
import {
  C4C_OBJECT_ID_PROPERTY,
  normalizeRecurrence,
  type Attachment,
  type Attendee,
  type CalendarEvent,
  type CategoryColor,
  type ContactInput,
  type EmailAddress,
  type EventInput,
  type ItemRef,
  type MailContact,
  type MailFolder,
  type MailMessage,
  type MailTask,
  type MasterCategory,
  type Recurrence,
  type ResponseStatus,
  type TaskInput,
  type WellKnownFolder,
} from '../types';
import { graphDateTime, localToUtc } from './timezones';

/** The product's extended property as Graph names it: `String {guid} Name C4CObjectID`. */
export const C4C_PROPERTY_ID = `String {${C4C_OBJECT_ID_PROPERTY.propertySetId}} Name ${C4C_OBJECT_ID_PROPERTY.name}`;
export const EXPAND_C4C_PROPERTY = `singleValueExtendedProperties($filter=id eq '${C4C_PROPERTY_ID}')`;
/**
 * Attendees the sync writes are kept in this private property instead of the event's attendee list: Graph invites
 * (and later updates / cancels) every attendee of an event written through it, with no "send to none" option.
 */
export const C4C_ATTENDEES_PROPERTY_ID = `String {${C4C_OBJECT_ID_PROPERTY.propertySetId}} Name C4CAttendees`;
export const EXPAND_EVENT_PROPERTIES = `singleValueExtendedProperties($filter=id eq '${C4C_PROPERTY_ID}' or id eq '${C4C_ATTENDEES_PROPERTY_ID}')`;
const storedAttendeesSchema = z.array(
  z.object({ address: z.string(), name: z.string().optional(), type: z.enum(['required', 'optional', 'resource']), response: z.enum(['none', 'organizer', 'accepted', 'tentative', 'declined', 'notResponded']) }),
);

const emailAddressSchema = z.object({ emailAddress: z.object({ address: z.string().optional().nullable(), name: z.string().optional().nullable() }).optional().nullable() });
const extendedPropsSchema = z.array(z.object({ id: z.string(), value: z.string().nullable().optional() })).optional();

function recipient(value: z.infer<typeof emailAddressSchema> | null | undefined): EmailAddress | undefined {
  const address = value?.emailAddress?.address;
  if (!address) return undefined;
  const name = value?.emailAddress?.name;
  return name ? { address, name } : { address };
}

function recipients(values: z.infer<typeof emailAddressSchema>[] | null | undefined): EmailAddress[] {
  return (values ?? []).map(recipient).filter((r): r is EmailAddress => r !== undefined);
}

/** Graph's etag is `W/"<changeKey>"`; delta pages with `$select` carry only the etag. */
export function changeKeyOf(item: { changeKey?: string | null; '@odata.etag'?: string | null }): string {
  if (item.changeKey) return item.changeKey;
  const m = /^W\/"(.*)"$/.exec(item['@odata.etag'] ?? '');
  return m ? m[1] : '';
}

function c4cObjectIdOf(props: z.infer<typeof extendedPropsSchema>): string | undefined {
  const hit = (props ?? []).find((p) => p.id.toLowerCase() === C4C_PROPERTY_ID.toLowerCase());
  return hit?.value ?? undefined;
}

/** Graph prints UTC instants with or without fractions and sometimes without the Z (dateTimeTimeZone in UTC). */
export function instant(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const withZone = /Z|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const dateTimeTimeZone = z.object({ dateTime: z.string(), timeZone: z.string().optional().nullable() });

function fromDateTimeTimeZone(value: z.infer<typeof dateTimeTimeZone>): string {
  return localToUtc(value.dateTime, value.timeZone ?? 'UTC');
}

// --- messages ------------------------------------------------------------------------------------------------------

export const graphAttachmentSchema = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  contentType: z.string().nullable().optional(),
  size: z.number().optional(),
  isInline: z.boolean().optional(),
  contentBytes: z.string().nullable().optional(),
});

export const graphMessageSchema = z.object({
  id: z.string(),
  changeKey: z.string().optional(),
  '@odata.etag': z.string().optional(),
  parentFolderId: z.string().optional(),
  internetMessageId: z.string().nullable().optional(),
  conversationId: z.string().nullable().optional(),
  subject: z.string().nullable().optional(),
  from: emailAddressSchema.nullable().optional(),
  sender: emailAddressSchema.nullable().optional(),
  toRecipients: z.array(emailAddressSchema).nullable().optional(),
  ccRecipients: z.array(emailAddressSchema).nullable().optional(),
  sentDateTime: z.string().nullable().optional(),
  receivedDateTime: z.string().nullable().optional(),
  isDraft: z.boolean().optional(),
  categories: z.array(z.string()).optional(),
  body: z.object({ contentType: z.string().optional(), content: z.string().optional() }).nullable().optional(),
  attachments: z.array(graphAttachmentSchema).optional(),
  singleValueExtendedProperties: extendedPropsSchema,
});
export type GraphMessage = z.infer<typeof graphMessageSchema>;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toMailMessage(raw: unknown): MailMessage {
  const m = graphMessageSchema.parse(raw);
  const body = m.body?.content ?? '';
  const attachments: Attachment[] = (m.attachments ?? []).map((a) => ({
    id: a.id,
    name: a.name ?? '',
    contentType: a.contentType ?? 'application/octet-stream',
    size: a.size ?? 0,
    isInline: a.isInline ?? false,
    ...(a.contentBytes ? { contentBase64: a.contentBytes } : {}),
  }));
  return {
    id: m.id,
    changeKey: changeKeyOf(m),
    folderId: m.parentFolderId ?? '',
    internetMessageId: m.internetMessageId ?? '',
    conversationId: m.conversationId ?? undefined,
    subject: m.subject ?? '',
    from: recipient(m.from) ?? recipient(m.sender),
    to: recipients(m.toRecipients),
    cc: recipients(m.ccRecipients),
    sentAt: instant(m.sentDateTime),
    receivedAt: instant(m.receivedDateTime),
    isDraft: m.isDraft ?? false,
    categories: m.categories ?? [],
    // The product stores HTML; a text body (Prefer outlook.body-content-type="text") is wrapped so it stays HTML.
    bodyHtml: m.body?.contentType?.toLowerCase() === 'text' ? `<pre>${escapeHtml(body)}</pre>` : body,
    attachments,
    c4cObjectId: c4cObjectIdOf(m.singleValueExtendedProperties),
  };
}

// --- events --------------------------------------------------------------------------------------------------------

const RESPONSES: ResponseStatus[] = ['none', 'organizer', 'accepted', 'tentative', 'declined', 'notResponded'];
/** Graph spells the tentative response `tentativelyAccepted`; everything else matches the interface's names. */
function responseOf(value: string | null | undefined): ResponseStatus {
  if (value === 'tentativelyAccepted') return 'tentative';
  return RESPONSES.find((r) => r.toLowerCase() === (value ?? '').toLowerCase()) ?? 'none';
}

const recurrenceSchema = z
  .object({
    pattern: z.object({
      type: z.string(),
      interval: z.number().optional(),
      daysOfWeek: z.array(z.string()).optional().nullable(),
      dayOfMonth: z.number().optional().nullable(),
      index: z.string().optional().nullable(),
      month: z.number().optional().nullable(),
    }),
    range: z.object({
      type: z.string().optional(),
      startDate: z.string(),
      endDate: z.string().optional().nullable(),
      numberOfOccurrences: z.number().optional().nullable(),
    }),
  })
  .nullable()
  .optional();

export const graphEventSchema = z.object({
  id: z.string(),
  changeKey: z.string().optional(),
  '@odata.etag': z.string().optional(),
  iCalUId: z.string().nullable().optional(),
  subject: z.string().nullable().optional(),
  start: dateTimeTimeZone,
  end: dateTimeTimeZone,
  originalStartTimeZone: z.string().nullable().optional(),
  isAllDay: z.boolean().optional(),
  location: z.object({ displayName: z.string().nullable().optional() }).nullable().optional(),
  body: z.object({ contentType: z.string().optional(), content: z.string().optional() }).nullable().optional(),
  organizer: emailAddressSchema.nullable().optional(),
  attendees: z
    .array(emailAddressSchema.extend({ type: z.string().optional(), status: z.object({ response: z.string().nullable().optional() }).nullable().optional() }))
    .nullable()
    .optional(),
  isOrganizer: z.boolean().optional(),
  isCancelled: z.boolean().optional(),
  type: z.string().optional(),
  seriesMasterId: z.string().nullable().optional(),
  originalStart: z.string().nullable().optional(),
  recurrence: recurrenceSchema,
  sensitivity: z.string().optional(),
  categories: z.array(z.string()).optional(),
  lastModifiedDateTime: z.string().nullable().optional(),
  singleValueExtendedProperties: extendedPropsSchema,
});

const EVENT_TYPES = ['singleInstance', 'seriesMaster', 'occurrence', 'exception'] as const;
const SENSITIVITIES = ['normal', 'personal', 'private', 'confidential'] as const;
const PATTERNS = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'] as const;
const WEEK_INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;

function oneOf<T extends string>(values: readonly T[], value: string | null | undefined, fallback: T): T {
  return (values as readonly string[]).includes(value ?? '') ? (value as T) : fallback;
}

/** Start, end (UTC instants) and zone of an event, from a read that selected `start,end,originalStartTimeZone`. */
const eventTimingSchema = graphEventSchema.pick({ start: true, end: true, originalStartTimeZone: true });

export function eventTimingOf(raw: unknown): Pick<CalendarEvent, 'start' | 'end' | 'timeZone'> {
  return timingOf(eventTimingSchema.parse(raw));
}

function timingOf(e: z.infer<typeof eventTimingSchema>): Pick<CalendarEvent, 'start' | 'end' | 'timeZone'> {
  return { start: fromDateTimeTimeZone(e.start), end: fromDateTimeTimeZone(e.end), timeZone: e.originalStartTimeZone || e.start.timeZone || 'UTC' };
}

export function toCalendarEvent(raw: unknown): CalendarEvent {
  const e = graphEventSchema.parse(raw);
  const attendees: Attendee[] = (e.attendees ?? [])
    .map((a): Attendee | undefined => {
      const r = recipient(a);
      if (!r) return undefined;
      const type = oneOf(['required', 'optional', 'resource'] as const, a.type?.toLowerCase(), 'required');
      return { ...r, type, response: responseOf(a.status?.response) };
    })
    .filter((a): a is Attendee => a !== undefined);
  if (attendees.length === 0) {
    const stored = (e.singleValueExtendedProperties ?? []).find((p) => p.id.toLowerCase() === C4C_ATTENDEES_PROPERTY_ID.toLowerCase())?.value;
    if (stored) {
      try {
        attendees.push(...storedAttendeesSchema.parse(JSON.parse(stored)));
      } catch {
        // A damaged property must not make the event unreadable; its real attendee list (empty) stands.
      }
    }
  }
  let recurrence: Recurrence | undefined;
  if (e.recurrence) {
    const p = e.recurrence.pattern;
    const r = e.recurrence.range;
    // Graph prints every pattern property (index "first", month 0 …) whatever the type: keep the ones it uses.
    recurrence = normalizeRecurrence({
      pattern: oneOf(PATTERNS, p.type, 'daily'),
      interval: p.interval ?? 1,
      ...(p.daysOfWeek && p.daysOfWeek.length > 0 ? { daysOfWeek: p.daysOfWeek } : {}),
      ...(p.dayOfMonth ? { dayOfMonth: p.dayOfMonth } : {}),
      ...(p.index ? { index: oneOf(WEEK_INDEXES, p.index, 'first') } : {}),
      ...(p.month ? { month: p.month } : {}),
      startDate: r.startDate,
      ...(r.type === 'endDate' && r.endDate && r.endDate !== '0001-01-01' ? { endDate: r.endDate } : {}),
      ...(r.type === 'numbered' && r.numberOfOccurrences ? { numberOfOccurrences: r.numberOfOccurrences } : {}),
    });
  }
  const type = oneOf(EVENT_TYPES, e.type, 'singleInstance');
  const instance = type === 'occurrence' || type === 'exception';
  return {
    id: e.id,
    changeKey: changeKeyOf(e),
    iCalUid: e.iCalUId ?? '',
    subject: e.subject ?? '',
    ...timingOf(e),
    isAllDay: e.isAllDay ?? false,
    location: e.location?.displayName || undefined,
    bodyHtml: e.body?.content ?? undefined,
    organizer: recipient(e.organizer),
    attendees,
    isOrganizer: e.isOrganizer ?? false,
    isCancelled: e.isCancelled ?? false,
    type,
    seriesMasterId: e.seriesMasterId ?? undefined,
    ...(instance && e.originalStart ? { originalStart: instant(e.originalStart) } : {}),
    recurrence,
    sensitivity: oneOf(SENSITIVITIES, e.sensitivity, 'normal'),
    categories: e.categories ?? [],
    c4cObjectId: c4cObjectIdOf(e.singleValueExtendedProperties),
    ...(e.lastModifiedDateTime ? { lastModifiedAt: instant(e.lastModifiedDateTime) } : {}),
  };
}

/**
 * Event body for POST/PATCH. Attendees never go into the event's attendee list: Graph sends invitations (and, on later
 * changes, updates) to every attendee of an event it creates or updates, and offers no "send to none" switch like EWS
 * SendInvitationsMode.SendToNone. They are kept in the private C4CAttendees property instead (read back by
 * toCalendarEvent when the event has no real attendees), so the data round-trips while Outlook shows an appointment
 * without attendees. `responseRequested: false` keeps Outlook from asking anyone for responses.
 */
export function eventBody(input: Partial<EventInput>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.subject !== undefined) body.subject = input.subject;
  const zone = input.timeZone ?? 'UTC';
  if (input.start !== undefined) body.start = graphDateTime(input.start, zone);
  if (input.end !== undefined) body.end = graphDateTime(input.end, zone);
  if (input.isAllDay !== undefined) body.isAllDay = input.isAllDay;
  if (input.location !== undefined) body.location = { displayName: input.location };
  if (input.bodyHtml !== undefined) body.body = { contentType: 'html', content: input.bodyHtml };
  if (input.sensitivity !== undefined) body.sensitivity = input.sensitivity;
  if (input.categories !== undefined) body.categories = input.categories;
  if (input.recurrence !== undefined) {
    // Only the fields the pattern uses; a count wins over an end date, as on EWS.
    const r = normalizeRecurrence(input.recurrence);
    body.recurrence = {
      pattern: {
        type: r.pattern,
        interval: r.interval,
        ...(r.daysOfWeek ? { daysOfWeek: r.daysOfWeek } : {}),
        ...(r.dayOfMonth ? { dayOfMonth: r.dayOfMonth } : {}),
        ...(r.index ? { index: r.index } : {}),
        ...(r.month ? { month: r.month } : {}),
      },
      range: r.endDate
        ? { type: 'endDate', startDate: r.startDate, endDate: r.endDate, recurrenceTimeZone: zone }
        : r.numberOfOccurrences
          ? { type: 'numbered', startDate: r.startDate, numberOfOccurrences: r.numberOfOccurrences, recurrenceTimeZone: zone }
          : { type: 'noEnd', startDate: r.startDate, recurrenceTimeZone: zone },
    };
  }
  if (input.attendees !== undefined) {
    body.singleValueExtendedProperties = [{ id: C4C_ATTENDEES_PROPERTY_ID, value: JSON.stringify(input.attendees.map((a) => ({ address: a.address, ...(a.name ? { name: a.name } : {}), type: a.type, response: a.response }))) }];
  }
  body.responseRequested = false;
  return body;
}

// --- To Do tasks ---------------------------------------------------------------------------------------------------

export const graphTaskSchema = z.object({
  id: z.string(),
  '@odata.etag': z.string().optional(),
  title: z.string().nullable().optional(),
  body: z.object({ content: z.string().optional(), contentType: z.string().optional() }).nullable().optional(),
  status: z.string().optional(),
  importance: z.string().optional(),
  startDateTime: dateTimeTimeZone.nullable().optional(),
  dueDateTime: dateTimeTimeZone.nullable().optional(),
  completedDateTime: dateTimeTimeZone.nullable().optional(),
  categories: z.array(z.string()).optional(),
  lastModifiedDateTime: z.string().nullable().optional(),
  singleValueExtendedProperties: extendedPropsSchema,
});

const TASK_STATUS = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;

/**
 * To Do tasks live in lists and are addressed as `/todo/lists/{listId}/tasks/{taskId}`, but the mailbox interface
 * passes bare ids. The Graph backend's task id is therefore `<listId>|<taskId>` ('|' never occurs in Graph ids).
 */
export function composeTaskId(listId: string, taskId: string): string {
  return `${listId}|${taskId}`;
}
export function splitTaskId(id: string): { listId: string; taskId: string } {
  const at = id.indexOf('|');
  if (at <= 0 || at === id.length - 1) throw new Error(`Not a Graph task id (expected <listId>|<taskId>): ${id}`);
  return { listId: id.slice(0, at), taskId: id.slice(at + 1) };
}

/** To Do task dates are dateTimeTimeZone values; the interface keeps the calendar date. */
function dateOnly(value: z.infer<typeof dateTimeTimeZone> | null | undefined): string | undefined {
  if (!value) return undefined;
  return value.dateTime.slice(0, 10);
}

export function toMailTask(raw: unknown, listId: string): MailTask {
  const t = graphTaskSchema.parse(raw);
  const completed = t.completedDateTime ? fromDateTimeTimeZone(t.completedDateTime) : undefined;
  return {
    id: composeTaskId(listId, t.id),
    changeKey: changeKeyOf(t),
    subject: t.title ?? '',
    bodyText: t.body?.content || undefined,
    status: oneOf(TASK_STATUS, t.status, 'notStarted'),
    importance: oneOf(['low', 'normal', 'high'] as const, t.importance, 'normal'),
    startDate: dateOnly(t.startDateTime),
    dueDate: dateOnly(t.dueDateTime),
    completedAt: completed,
    categories: t.categories ?? [],
    c4cObjectId: c4cObjectIdOf(t.singleValueExtendedProperties),
    ...(t.lastModifiedDateTime ? { lastModifiedAt: instant(t.lastModifiedDateTime) } : {}),
  };
}

export function taskBody(input: Partial<TaskInput>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.subject !== undefined) body.title = input.subject;
  if (input.bodyText !== undefined) body.body = { contentType: 'text', content: input.bodyText };
  if (input.status !== undefined) body.status = input.status;
  if (input.importance !== undefined) body.importance = input.importance;
  if (input.startDate !== undefined) body.startDateTime = { dateTime: `${input.startDate}T00:00:00.0000000`, timeZone: 'UTC' };
  if (input.dueDate !== undefined) body.dueDateTime = { dateTime: `${input.dueDate}T00:00:00.0000000`, timeZone: 'UTC' };
  if (input.completedAt !== undefined) body.completedDateTime = { dateTime: input.completedAt.replace(/Z$/, ''), timeZone: 'UTC' };
  if (input.categories !== undefined) body.categories = input.categories;
  return body;
}

// --- contacts ------------------------------------------------------------------------------------------------------

const physicalAddress = z.object({ street: z.string().nullable().optional(), city: z.string().nullable().optional(), state: z.string().nullable().optional(), postalCode: z.string().nullable().optional(), countryOrRegion: z.string().nullable().optional() });

export const graphContactSchema = z.object({
  id: z.string(),
  changeKey: z.string().optional(),
  '@odata.etag': z.string().optional(),
  parentFolderId: z.string().optional(),
  givenName: z.string().nullable().optional(),
  surname: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  companyName: z.string().nullable().optional(),
  jobTitle: z.string().nullable().optional(),
  emailAddresses: z.array(z.object({ address: z.string().nullable().optional(), name: z.string().nullable().optional() })).nullable().optional(),
  businessPhones: z.array(z.string()).nullable().optional(),
  mobilePhone: z.string().nullable().optional(),
  businessAddress: physicalAddress.nullable().optional(),
  categories: z.array(z.string()).optional(),
  singleValueExtendedProperties: extendedPropsSchema,
});

export function toMailContact(raw: unknown): MailContact {
  const c = graphContactSchema.parse(raw);
  const address = c.businessAddress;
  const hasAddress = address && Object.values(address).some((v) => v);
  return {
    id: c.id,
    changeKey: changeKeyOf(c),
    folderId: c.parentFolderId ?? '',
    givenName: c.givenName || undefined,
    surname: c.surname || undefined,
    displayName: c.displayName ?? '',
    companyName: c.companyName || undefined,
    jobTitle: c.jobTitle || undefined,
    emailAddresses: (c.emailAddresses ?? []).filter((e) => e.address).map((e) => (e.name ? { address: e.address as string, name: e.name } : { address: e.address as string })),
    businessPhone: c.businessPhones?.[0] || undefined,
    mobilePhone: c.mobilePhone || undefined,
    businessAddress: hasAddress
      ? Object.fromEntries(Object.entries(address).filter(([, v]) => v)) as MailContact['businessAddress']
      : undefined,
    categories: c.categories ?? [],
    c4cObjectId: c4cObjectIdOf(c.singleValueExtendedProperties),
  };
}

export function contactBody(input: Partial<ContactInput>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.givenName !== undefined) body.givenName = input.givenName;
  if (input.surname !== undefined) body.surname = input.surname;
  if (input.displayName !== undefined) body.displayName = input.displayName;
  if (input.companyName !== undefined) body.companyName = input.companyName;
  if (input.jobTitle !== undefined) body.jobTitle = input.jobTitle;
  if (input.emailAddresses !== undefined) body.emailAddresses = input.emailAddresses.map((e) => ({ address: e.address, name: e.name ?? e.address }));
  if (input.businessPhone !== undefined) body.businessPhones = input.businessPhone ? [input.businessPhone] : [];
  if (input.mobilePhone !== undefined) body.mobilePhone = input.mobilePhone;
  if (input.businessAddress !== undefined) body.businessAddress = input.businessAddress;
  if (input.categories !== undefined) body.categories = input.categories;
  return body;
}

// --- categories, refs ----------------------------------------------------------------------------------------------

export const graphCategorySchema = z.object({ id: z.string().optional(), displayName: z.string(), color: z.string() });

export function toMasterCategory(raw: unknown): MasterCategory {
  const c = graphCategorySchema.parse(raw);
  const color: CategoryColor = /^preset\d+$/.test(c.color) ? (c.color as CategoryColor) : 'none';
  return { displayName: c.displayName, color };
}

export function itemRefOf(raw: unknown): ItemRef {
  const r = z.object({ id: z.string(), changeKey: z.string().optional(), '@odata.etag': z.string().optional() }).parse(raw);
  return { id: r.id, changeKey: changeKeyOf(r) };
}

export function c4cPropertyPatch(objectId: string): Record<string, unknown> {
  return { singleValueExtendedProperties: [{ id: C4C_PROPERTY_ID, value: objectId }] };
}

/**
 * A create's POST body carrying the C4C ObjectID when `options.c4cObjectId` is given (Graph stores
 * `singleValueExtendedProperties` of a POST with the new item), next to any extended property the body already has.
 */
export function withC4cStamp(body: Record<string, unknown>, options: { c4cObjectId?: string } | undefined): Record<string, unknown> {
  if (!options?.c4cObjectId) return body;
  const existing = Array.isArray(body.singleValueExtendedProperties) ? (body.singleValueExtendedProperties as unknown[]) : [];
  return { ...body, singleValueExtendedProperties: [...existing, { id: C4C_PROPERTY_ID, value: options.c4cObjectId }] };
}

/** One entry of a `mailFolders/delta` page: a folder, or `{ id, @removed }` for a deleted one. */
export const graphMailFolderDeltaSchema = z.object({
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
  value: z.array(
    z.looseObject({
      id: z.string(),
      displayName: z.string().optional(),
      parentFolderId: z.string().nullable().optional(),
      '@removed': z.object({ reason: z.string().optional() }).optional(),
    }),
  ),
});

export function toMailFolderFromGraph(raw: { id: string; displayName?: string; parentFolderId?: string | null }, wellKnownName?: WellKnownFolder): MailFolder {
  return {
    id: raw.id,
    displayName: raw.displayName ?? '',
    kind: 'mail',
    ...(raw.parentFolderId ? { parentId: raw.parentFolderId } : {}),
    ...(wellKnownName ? { wellKnownName } : {}),
  };
}
