/**
 * A simulated Outlook host for the sandbox page and the unit tests: the subset of Office.js that the task pane uses,
 * with the Read-mode shapes and behaviours of the real API (callback-style async methods with AsyncResult, enum values
 * as office.js defines them, ItemChanged fired when the selection changes, OfficeThemeChanged, requirement sets,
 * session-scoped attachment ids, `mailbox.item` null when nothing is selected).
 */
import type { SandboxAddress, SandboxAttachment, SandboxItem } from '../../shared/api/sandbox';

export type FakeTheme = 'light' | 'dark';

export interface FakeUser {
  displayName: string;
  email: string;
}

export interface FakeOfficeOptions {
  item?: SandboxItem | null;
  theme?: FakeTheme;
  user?: FakeUser;
  /** Highest Mailbox requirement set the simulated host supports (default 1.14). */
  mailboxVersion?: string;
  /** Whether NestedAppAuth 1.1 is reported (default true). */
  nestedAppAuth?: boolean;
  /** IANA zone reported as userProfile.timeZone (default: the browser's). */
  timeZone?: string;
}

/** The values office.js gives these enums (so code comparing by value behaves as in Outlook). */
export const FAKE_ENUMS = {
  CoercionType: { Html: 'html', Text: 'text' },
  EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged' },
  AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
  HostType: { Outlook: 'Outlook' },
  PlatformType: { OfficeOnline: 'OfficeOnline' },
  MailboxEnums: {
    ItemType: { Message: 'message', Appointment: 'appointment' },
    AttachmentContentFormat: { Base64: 'base64', Url: 'url', Eml: 'eml', ICalendar: 'iCalendar' },
    AttachmentType: { File: 'file', Item: 'item', Cloud: 'cloud' },
    RecipientType: { DistributionList: 'distributionList', User: 'user', ExternalUser: 'externalUser', Other: 'other' },
  },
} as const;

/** Office's body colours of the light ("Colorful") and dark ("Black") themes. */
export const FAKE_THEMES: Record<FakeTheme, { bodyBackgroundColor: string; bodyForegroundColor: string; controlBackgroundColor: string; controlForegroundColor: string }> = {
  light: { bodyBackgroundColor: '#ffffff', bodyForegroundColor: '#000000', controlBackgroundColor: '#ffffff', controlForegroundColor: '#262626' },
  dark: { bodyBackgroundColor: '#262626', bodyForegroundColor: '#ffffff', controlBackgroundColor: '#1f1f1f', controlForegroundColor: '#f3f3f3' },
};

interface AsyncResultLike<T> {
  status: string;
  value: T;
  error?: { name: string; message: string; code: number };
  asyncContext?: unknown;
}
type Callback<T> = (result: AsyncResultLike<T>) => void;
type Handler = (args: unknown) => void;

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** Office async methods take optional `options` before the callback. */
function callbackOf<T>(args: unknown[]): { callback?: Callback<T>; asyncContext?: unknown } {
  const last = args[args.length - 1];
  const options = args.length >= 2 ? (args[args.length - 2] as { asyncContext?: unknown } | undefined) : undefined;
  return { callback: typeof last === 'function' ? (last as Callback<T>) : undefined, asyncContext: options?.asyncContext };
}

function succeed<T>(args: unknown[], value: T): void {
  const { callback, asyncContext } = callbackOf<T>(args);
  if (callback) setTimeout(() => callback({ status: 'succeeded', value, asyncContext }), 0);
}

function fail(args: unknown[], name: string, message: string, code: number): void {
  const { callback, asyncContext } = callbackOf<undefined>(args);
  if (callback) setTimeout(() => callback({ status: 'failed', value: undefined, error: { name, message, code }, asyncContext }), 0);
}

const details = (a: SandboxAddress | undefined): { emailAddress: string; displayName: string; recipientType: string } | undefined =>
  a === undefined ? undefined : { emailAddress: a.address, displayName: a.name ?? a.address, recipientType: 'externalUser' };

function decodeBase64Utf8(base64: string): string {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

function htmlToText(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Builds the Read-mode item object for one sandbox item. Attachment ids are scoped to this object, as in OWA. */
function buildItem(source: SandboxItem, session: number, currentSession: () => number): Record<string, unknown> {
  const sessionId = (attachment: SandboxAttachment): string => `${session}:${attachment.id}`;
  const attachments = source.attachments.map((a) => ({
    id: sessionId(a),
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline === true,
    attachmentType: 'file',
  }));
  const common = {
    itemId: source.itemId,
    itemType: source.kind,
    itemClass: source.kind === 'message' ? 'IPM.Note' : 'IPM.Appointment',
    conversationId: source.conversationId ?? '',
    subject: source.subject,
    normalizedSubject: source.subject.replace(/^((re|fw|fwd|aw|wg):\s*)+/i, ''),
    dateTimeCreated: new Date(source.dateTimeCreated),
    dateTimeModified: new Date(source.dateTimeModified ?? source.dateTimeCreated),
    attachments,
    body: {
      getAsync: (coercionType: string, ...rest: unknown[]) => {
        const args = [coercionType, ...rest];
        if (coercionType === 'html') succeed(args, source.bodyHtml);
        else if (coercionType === 'text') succeed(args, htmlToText(source.bodyHtml));
        else fail(args, 'InvalidCoercionType', `Unsupported coercion type ${coercionType}`, 9000);
      },
    },
    getAttachmentContentAsync: (attachmentId: string, ...rest: unknown[]) => {
      const args = [attachmentId, ...rest];
      // Ids of a previous selection are invalid, as in Outlook on the web (the session changed).
      const found = session === currentSession() ? source.attachments.find((a) => sessionId(a) === attachmentId) : undefined;
      if (found === undefined) {
        fail(args, 'InvalidAttachmentId', 'The attachment ID was invalid.', 9017);
        return;
      }
      if (found.contentType === 'message/rfc822') succeed(args, { format: 'eml', content: decodeBase64Utf8(found.contentBase64) });
      else if (found.contentType === 'text/calendar') succeed(args, { format: 'iCalendar', content: decodeBase64Utf8(found.contentBase64) });
      else succeed(args, { format: 'base64', content: found.contentBase64 });
    },
  };
  if (source.kind === 'message') {
    return {
      ...common,
      internetMessageId: source.internetMessageId,
      from: details(source.from),
      sender: details(source.from),
      to: source.to.map(details),
      cc: source.cc.map(details),
    };
  }
  const item: Record<string, unknown> = {
    ...common,
    start: new Date(source.start),
    end: new Date(source.end),
    location: source.location,
    organizer: details(source.organizer),
    requiredAttendees: source.requiredAttendees.map(details),
    optionalAttendees: source.optionalAttendees.map(details),
    isAllDayEvent: source.isAllDay,
  };
  if (source.iCalUId !== undefined) item.iCalUId = source.iCalUId;
  return item;
}

export interface FakeOfficeHandle {
  /** Assign to `window.Office` (the cast is the boundary between this subset and the full Office.js typing). */
  office: typeof Office;
  /** Selects another item (null = nothing selected) and fires ItemChanged, as a pinned task pane sees it. */
  setItem(item: SandboxItem | null): void;
  setTheme(theme: FakeTheme): void;
  setUser(user: FakeUser): void;
  /** Number of live host handlers per event type (tests check the pane registers once). */
  handlerCount(eventType: string): number;
}

export function createFakeOffice(options: FakeOfficeOptions = {}): FakeOfficeHandle {
  const mailboxVersion = options.mailboxVersion ?? '1.14';
  const handlers = new Map<string, Set<Handler>>();
  let session = 0;
  let theme: FakeTheme = options.theme ?? 'light';
  const user: FakeUser = options.user ?? { displayName: 'Sandbox User', email: 'user@contoso.example' };
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  const officeTheme = (): Record<string, string> => ({ ...FAKE_THEMES[theme] });
  const fire = (eventType: string, args: Record<string, unknown>): void => {
    for (const handler of [...(handlers.get(eventType) ?? [])]) setTimeout(() => handler({ type: eventType, ...args }), 0);
  };

  const mailbox = {
    item: options.item ? buildItem(options.item, session, () => session) : null,
    userProfile: { displayName: user.displayName, emailAddress: user.email, timeZone, accountType: 'office365' },
    diagnostics: { hostName: 'OutlookWebApp', hostVersion: '16.0.sandbox', OWAView: 'ThreeColumns' },
    addHandlerAsync: (eventType: string, handler: Handler, ...rest: unknown[]) => {
      const args = [eventType, handler, ...rest];
      const known = Object.values(FAKE_ENUMS.EventType) as string[];
      if (!known.includes(eventType)) {
        fail(args, 'InvalidEventType', `Unsupported event ${eventType}`, 9000);
        return;
      }
      if (!handlers.has(eventType)) handlers.set(eventType, new Set());
      handlers.get(eventType)!.add(handler);
      succeed(args, undefined);
    },
    /** Like Outlook: removes every handler of the type. */
    removeHandlerAsync: (eventType: string, ...rest: unknown[]) => {
      handlers.delete(eventType);
      succeed([eventType, ...rest], undefined);
    },
    convertToRestId: (id: string) => id.replace(/\//g, '-').replace(/\+/g, '_'),
    convertToEwsId: (id: string) => id.replace(/-/g, '/').replace(/_/g, '+'),
  };

  const context = {
    mailbox,
    requirements: {
      isSetSupported: (name: string, version?: string) => {
        if (name === 'Mailbox') return compareVersions(version ?? '1.1', mailboxVersion) <= 0;
        if (name === 'NestedAppAuth') return options.nestedAppAuth !== false && compareVersions(version ?? '1.1', '1.1') <= 0;
        return false;
      },
    },
    get officeTheme() {
      return officeTheme();
    },
    diagnostics: { host: 'Outlook', platform: 'OfficeOnline', version: '16.0.sandbox' },
    displayLanguage: 'en-US',
    contentLanguage: 'en-US',
  };

  const info = { host: 'Outlook', platform: 'OfficeOnline' };
  const fake = {
    ...FAKE_ENUMS,
    context,
    onReady: (callback?: (i: typeof info) => void) => {
      if (callback) setTimeout(() => callback(info), 0);
      return Promise.resolve(info);
    },
  };

  return {
    // Why the cast: the fake implements the Read-mode subset the add-in uses, not the whole Office.js surface.
    office: fake as unknown as typeof Office,
    setItem(item) {
      session += 1;
      mailbox.item = item ? buildItem(item, session, () => session) : null;
      fire(FAKE_ENUMS.EventType.ItemChanged, {});
    },
    setTheme(next) {
      theme = next;
      fire(FAKE_ENUMS.EventType.OfficeThemeChanged, { officeTheme: officeTheme() });
    },
    setUser(next) {
      mailbox.userProfile = { ...mailbox.userProfile, displayName: next.displayName, emailAddress: next.email };
    },
    handlerCount: (eventType) => handlers.get(eventType)?.size ?? 0,
  };
}
