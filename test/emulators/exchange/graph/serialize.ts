/**
 * Store records → Graph v1.0 JSON, in the shapes of the published examples (fixtures/graph): message-get.json,
 * event-create*.json, todotask-delta.json, contact-delta.json, mastercategories-*.json.
 */
import { responseZone, utcToLocal } from './timezones';
import type { StoredCategory, StoredContact, StoredEvent, StoredFolder, StoredItem, StoredMessage, StoredTask } from '../store';
import { applySelect, etag, graphInstant, graphPreciseInstant, htmlToText, type ExpandSpec } from './odata';

export interface SerializeOptions {
  /** Ids as the client asked for them (Prefer IdType="ImmutableId" or not). */
  itemId: (item: StoredItem) => string;
  select?: string[];
  expand?: ExpandSpec;
  /** Prefer outlook.timezone (events); default UTC. */
  timeZone?: string;
  /** Prefer outlook.body-content-type. */
  bodyType?: 'html' | 'text';
  mailboxAddress: string;
  mailboxName: string;
  webBase: string;
}

const recipient = (r: { address: string; name?: string } | undefined): Record<string, unknown> | null =>
  r ? { emailAddress: { name: r.name ?? r.address, address: r.address } } : null;

function body(html: string, type: 'html' | 'text' | undefined): { contentType: string; content: string } {
  return type === 'text' ? { contentType: 'text', content: htmlToText(html) } : { contentType: 'html', content: html };
}

/** Graph property names are `id eq 'String {guid} Name X'`; the store keys them `guid|X`. */
export function extendedPropertyGraphId(prop: { type: string; propertySetId: string; name: string }): string {
  return `${prop.type} {${prop.propertySetId.toLowerCase()}} Name ${prop.name}`;
}

/** Parses `String {guid} Name X`; the GUID compares case-insensitively, the name case-sensitively (as in Exchange). */
export function parseExtendedPropertyId(id: string): { type: string; propertySetId: string; name: string } | undefined {
  const m = /^(\w+)\s+\{([0-9a-fA-F-]{36})\}\s+Name\s+(.+)$/.exec(id.trim());
  return m ? { type: m[1], propertySetId: m[2].toLowerCase(), name: m[3] } : undefined;
}

function sameExtendedId(a: string, b: string): boolean {
  const x = parseExtendedPropertyId(a);
  const y = parseExtendedPropertyId(b);
  return !!x && !!y && x.type.toLowerCase() === y.type.toLowerCase() && x.propertySetId === y.propertySetId && x.name === y.name;
}

function withExtensions(entity: Record<string, unknown>, item: StoredItem, expand: ExpandSpec | undefined): Record<string, unknown> {
  const wanted = expand?.extendedProperties;
  if (!wanted) return entity;
  const props = Object.values(item.extendedProperties)
    .map((p) => ({ id: extendedPropertyGraphId(p), value: p.value }))
    .filter((p) => wanted.length === 0 || wanted.some((w) => sameExtendedId(w, p.id)));
  // Graph omits the navigation property when the filter matches nothing.
  if (props.length > 0) entity.singleValueExtendedProperties = props;
  return entity;
}

export function serializeMessage(m: StoredMessage, o: SerializeOptions, folderIdOut: string): Record<string, unknown> {
  const id = o.itemId(m);
  const text = htmlToText(m.bodyHtml);
  const entity: Record<string, unknown> = {
    '@odata.etag': etag(m.changeKey),
    id,
    createdDateTime: graphInstant(m.createdAt),
    lastModifiedDateTime: graphInstant(m.lastModifiedAt),
    changeKey: m.changeKey,
    categories: [...m.categories],
    receivedDateTime: graphInstant(m.receivedAt),
    sentDateTime: graphInstant(m.sentAt),
    hasAttachments: m.attachments.some((a) => !a.isInline),
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    bodyPreview: text.replace(/\s+/g, ' ').slice(0, 255),
    importance: 'normal',
    parentFolderId: folderIdOut,
    conversationId: m.conversationId ?? null,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: m.isRead,
    isDraft: m.isDraft,
    webLink: `${o.webBase}/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: body(m.bodyHtml, o.bodyType),
    uniqueBody: body(m.bodyHtml, o.bodyType),
    sender: recipient(m.from),
    from: recipient(m.from),
    toRecipients: m.to.map(recipient),
    ccRecipients: m.cc.map(recipient),
    bccRecipients: [],
    replyTo: [],
    flag: { flagStatus: 'notFlagged' },
  };
  if (o.expand?.attachments) {
    entity.attachments = m.attachments.map((a) =>
      applySelect(
        {
          '@odata.type': '#microsoft.graph.fileAttachment',
          '@odata.mediaContentType': a.contentType,
          id: a.id,
          lastModifiedDateTime: graphInstant(m.lastModifiedAt),
          name: a.name,
          contentType: a.contentType,
          size: a.size,
          isInline: a.isInline,
          contentId: null,
          contentLocation: null,
          contentBytes: a.contentBase64,
        },
        o.expand?.attachments?.select,
      ),
    );
  }
  // uniqueBody is only returned when selected (as in message-get-text-body); default GETs do not carry it.
  const selected = o.select && o.select.length > 0 ? applySelect(entity, [...o.select, ...(o.expand?.attachments ? ['attachments'] : [])]) : (({ uniqueBody: _u, ...rest }) => rest)(entity);
  return withExtensions(selected, m, o.expand);
}

const LOCATION_DEFAULTS = { locationType: 'default', uniqueIdType: 'private' };

export function serializeEvent(e: StoredEvent, o: SerializeOptions): Record<string, unknown> {
  const id = o.itemId(e);
  const zone = responseZone(o.timeZone);
  const text = htmlToText(e.bodyHtml ?? '');
  // Graph prints every pattern property whatever the type (month 0, index "first", dayOfMonth 0 when unused).
  const recurrence = e.recurrence
    ? {
        pattern: {
          type: e.recurrence.pattern,
          interval: e.recurrence.interval,
          month: e.recurrence.month ?? 0,
          dayOfMonth: e.recurrence.dayOfMonth ?? 0,
          daysOfWeek: e.recurrence.daysOfWeek ?? [],
          firstDayOfWeek: 'sunday',
          index: e.recurrence.index ?? 'first',
        },
        range: {
          type: e.recurrence.endDate ? 'endDate' : e.recurrence.numberOfOccurrences ? 'numbered' : 'noEnd',
          startDate: e.recurrence.startDate,
          endDate: e.recurrence.endDate ?? '0001-01-01',
          recurrenceTimeZone: e.timeZone,
          numberOfOccurrences: e.recurrence.numberOfOccurrences ?? 0,
        },
      }
    : null;
  const entity: Record<string, unknown> = {
    '@odata.etag': etag(e.changeKey),
    id,
    createdDateTime: graphPreciseInstant(e.createdAt),
    lastModifiedDateTime: graphPreciseInstant(e.lastModifiedAt),
    changeKey: e.changeKey,
    categories: [...e.categories],
    originalStartTimeZone: e.timeZone,
    originalEndTimeZone: e.timeZone,
    iCalUId: e.iCalUid,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    transactionId: null,
    isDraft: false,
    subject: e.subject,
    bodyPreview: text.replace(/\s+/g, ' ').slice(0, 255),
    importance: 'normal',
    sensitivity: e.sensitivity,
    isAllDay: e.isAllDay,
    isCancelled: e.isCancelled,
    isOrganizer: e.isOrganizer,
    responseRequested: true,
    // The master's id in the form the client asked for (immutable or folder-bound); it lives in the same folder.
    seriesMasterId: e.seriesMasterId ? o.itemId({ ...e, id: e.seriesMasterId }) : null,
    showAs: 'busy',
    type: e.type,
    webLink: `${o.webBase}/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    hideAttendees: false,
    onlineMeeting: null,
    responseStatus: { response: e.myResponse, time: '0001-01-01T00:00:00Z' },
    body: body(e.bodyHtml ?? '', o.bodyType),
    start: { dateTime: utcToLocal(e.start, zone), timeZone: zone },
    end: { dateTime: utcToLocal(e.end, zone), timeZone: zone },
    location: e.location ? { displayName: e.location, ...LOCATION_DEFAULTS, uniqueId: e.location } : { displayName: '', locationType: 'default', uniqueIdType: 'unknown' },
    locations: e.location ? e.location.split('; ').map((name) => ({ displayName: name, locationType: 'default', uniqueIdType: 'unknown' })) : [],
    recurrence,
    attendees: e.attendees.map((a) => ({
      type: a.type,
      status: { response: a.response === 'tentative' ? 'tentativelyAccepted' : a.response, time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: a.name ?? a.address, address: a.address },
    })),
    organizer: recipient(e.organizer ?? { address: o.mailboxAddress, name: o.mailboxName }),
  };
  // Occurrences and exceptions only ("not returned for events that are single instances").
  if (e.originalStart) entity.originalStart = graphInstant(e.originalStart);
  return withExtensions(applySelect(entity, o.select), e, o.expand);
}

export function serializeContact(c: StoredContact, o: SerializeOptions, folderIdOut: string): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    '@odata.etag': etag(c.changeKey),
    id: o.itemId(c),
    createdDateTime: graphInstant(c.createdAt),
    lastModifiedDateTime: graphInstant(c.lastModifiedAt),
    changeKey: c.changeKey,
    categories: [...c.categories],
    parentFolderId: folderIdOut,
    birthday: null,
    fileAs: [c.surname, c.givenName].filter(Boolean).join(', ') || c.displayName,
    displayName: c.displayName,
    givenName: c.givenName ?? null,
    initials: null,
    middleName: null,
    nickName: null,
    surname: c.surname ?? null,
    title: null,
    jobTitle: c.jobTitle ?? null,
    companyName: c.companyName ?? null,
    department: null,
    businessHomePage: null,
    businessPhones: c.businessPhone ? [c.businessPhone] : [],
    homePhones: [],
    mobilePhone: c.mobilePhone ?? null,
    emailAddresses: c.emailAddresses.map((e) => ({ name: e.name ?? e.address, address: e.address })),
    businessAddress: { ...(c.businessAddress ?? {}) },
    homeAddress: {},
    otherAddress: {},
  };
  return withExtensions(applySelect(entity, o.select), c, o.expand);
}

const dateTimeTimeZone = (date: string | undefined): Record<string, string> | undefined => (date ? { dateTime: `${date}T00:00:00.0000000`, timeZone: 'UTC' } : undefined);

export function serializeTask(t: StoredTask, o: SerializeOptions): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    '@odata.etag': etag(t.changeKey),
    importance: t.importance,
    isReminderOn: false,
    status: t.status,
    title: t.subject,
    createdDateTime: graphPreciseInstant(t.createdAt),
    lastModifiedDateTime: graphPreciseInstant(t.lastModifiedAt),
    categories: [...t.categories],
    id: o.itemId(t),
    body: { content: t.bodyText ?? '', contentType: 'text' },
  };
  if (t.startDate) entity.startDateTime = dateTimeTimeZone(t.startDate);
  if (t.dueDate) entity.dueDateTime = dateTimeTimeZone(t.dueDate);
  if (t.completedAt) entity.completedDateTime = { dateTime: graphPreciseInstant(t.completedAt).replace(/Z$/, ''), timeZone: 'UTC' };
  return withExtensions(applySelect(entity, o.select), t, o.expand);
}

export function serializeItem(item: StoredItem, o: SerializeOptions, folderIdOut: string): Record<string, unknown> {
  switch (item.kind) {
    case 'message':
      return serializeMessage(item, o, folderIdOut);
    case 'event':
      return serializeEvent(item, o);
    case 'contact':
      return serializeContact(item, o, folderIdOut);
    case 'task':
      return serializeTask(item, o);
  }
}

export function serializeMailFolder(f: StoredFolder, counts: { children: number; total: number; unread: number }): Record<string, unknown> {
  return { id: f.id, displayName: f.displayName, parentFolderId: f.parentId ?? null, childFolderCount: counts.children, unreadItemCount: counts.unread, totalItemCount: counts.total, isHidden: false };
}

export function serializeCalendar(f: StoredFolder, isDefault: boolean, owner: { address: string; name: string }): Record<string, unknown> {
  return {
    id: f.id,
    name: f.displayName,
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: isDefault,
    changeKey: f.changeKey,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: !isDefault,
    owner: { name: owner.name, address: owner.address },
  };
}

export function serializeContactFolder(f: StoredFolder): Record<string, unknown> {
  return { id: f.id, displayName: f.displayName, parentFolderId: f.parentId ?? null };
}

export function serializeTodoList(f: StoredFolder, isDefault: boolean): Record<string, unknown> {
  return { '@odata.etag': etag(f.changeKey), displayName: f.displayName, isOwner: true, isShared: false, wellknownListName: isDefault ? 'defaultList' : 'none', id: f.id };
}

/** Graph category ids are bare GUIDs; Outlook's CategoryList (and the store) wraps them in braces. */
export function serializeCategory(c: StoredCategory): Record<string, unknown> {
  return { id: c.id.replace(/[{}]/g, ''), displayName: c.displayName, color: c.color };
}
