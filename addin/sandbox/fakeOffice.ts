/**
 * A simulated Outlook host for the sandbox page and the unit tests: the subset of Office.js that the task pane uses,
 * with the Read-mode shapes and behaviours of the real API (callback-style async methods with AsyncResult, enum values
 * as office.js defines them, ItemChanged fired when the selection changes, OfficeThemeChanged, requirement sets,
 * session-scoped attachment ids, `mailbox.item` null when nothing is selected).
 *
 * Appointments can also open in the organizer's form (AppointmentCompose, `appointmentForm: 'compose'`): fields are
 * objects with getAsync, organizer.getAsync exists from Mailbox 1.7, getItemIdAsync from 1.8 (failing with
 * ItemNotSaved for a new meeting until `saveItem()`), and there is no itemId property.
 */
import type { SandboxAddress, SandboxAppointment, SandboxAttachment, SandboxItem } from '../../shared/api/sandbox';
import { ewsIdToRestId } from '../../shared/item-ids';

export type FakeTheme = 'light' | 'dark';

export interface FakeUser {
  displayName: string;
  email: string;
}

/** How an appointment is open: as an attendee sees it (Read mode) or in the organizer's form (Compose mode). */
export type FakeAppointmentForm = 'read' | 'compose';

export interface FakeItemOptions {
  /** Form an appointment opens in (default 'read'); messages always open in Read mode. */
  appointmentForm?: FakeAppointmentForm;
  /** Organizer's form only: a new meeting never saved, so getItemIdAsync has no id until `saveItem()`. */
  unsaved?: boolean;
}

export interface FakeOfficeOptions extends FakeItemOptions {
  item?: SandboxItem | null;
  theme?: FakeTheme;
  user?: FakeUser;
  /** Highest Mailbox requirement set the simulated host supports (default 1.14). */
  mailboxVersion?: string;
  /** Whether NestedAppAuth 1.1 is reported (default true). */
  nestedAppAuth?: boolean;
  /** IANA zone reported as userProfile.timeZone (default: the browser's). */
  timeZone?: string;
  /** Whether DialogApi 1.2 / DialogOrigin 1.1 are reported (default true). */
  dialogApi?: boolean;
}

/** The values office.js gives these enums (so code comparing by value behaves as in Outlook). */
export const FAKE_ENUMS = {
  CoercionType: { Html: 'html', Text: 'text' },
  EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged', DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
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

/**
 * `Office.context.ui.displayDialogAsync` as Outlook on the web implements it: a real browser window (popup) at the
 * start URL, which must be HTTPS or this page's origin; one dialog at a time (12007); a blocked popup is 12009. The
 * dialog page's `messageParent` arrives as DialogMessageReceived `{ message, origin }`: the page has no Office.js in
 * the sandbox, so it posts the message on a BroadcastChannel of this origin (or to its opener), which this host
 * relays. `close()` closes the window (see below why closing it by hand is not reported as 12006 here).
 */
const DIALOG_CHANNEL = 'c4c-activation-dialog';
const DIALOG_POST_MESSAGE_KEY = 'c4cActivationDialog';

function createFakeDialogApi(): (startAddress: string, ...rest: unknown[]) => void {
  let open: { close(): void } | null = null;
  return (startAddress, ...rest) => {
    const args = [startAddress, ...rest];
    const dialogOptions = (rest.length >= 2 ? rest[0] : undefined) as { width?: number; height?: number } | undefined;
    let url: URL;
    try {
      url = new URL(startAddress, window.location.href);
    } catch {
      fail(args, 'InvalidUrl', 'The URL is not valid.', 12003);
      return;
    }
    if (url.protocol !== 'https:' && url.origin !== window.location.origin) {
      fail(args, 'HttpsRequired', 'The dialog box URL must use HTTPS.', 12003);
      return;
    }
    if (open !== null) {
      fail(args, 'DialogAlreadyOpened', 'A dialog box is already opened from this add-in.', 12007);
      return;
    }
    const width = Math.round((window.screen.availWidth * (dialogOptions?.width ?? 40)) / 100);
    const height = Math.round((window.screen.availHeight * (dialogOptions?.height ?? 60)) / 100);
    const popup = window.open(url.toString(), 'sandbox-office-dialog', `popup,width=${width},height=${height}`);
    if (popup === null) {
      fail(args, 'PopupBlocked', 'The user chose to ignore the dialog box.', 12009);
      return;
    }
    const handlers = new Map<string, Set<Handler>>();
    const emit = (type: string, arg: unknown): void => {
      for (const handler of [...(handlers.get(type) ?? [])]) setTimeout(() => handler(arg), 0);
    };
    const channel = new BroadcastChannel(DIALOG_CHANNEL);
    let closed = false;
    const onPayload = (data: unknown, origin: string): void => {
      const message = (data as Record<string, unknown> | null)?.[DIALOG_POST_MESSAGE_KEY];
      if (closed || typeof message !== 'string') return;
      emit(FAKE_ENUMS.EventType.DialogMessageReceived, { message, origin, type: FAKE_ENUMS.EventType.DialogMessageReceived });
    };
    channel.onmessage = (event: MessageEvent) => onPayload(event.data, url.origin);
    const onWindowMessage = (event: MessageEvent): void => {
      if (event.origin === url.origin) onPayload(event.data, event.origin);
    };
    window.addEventListener('message', onWindowMessage);
    const stop = (): void => {
      closed = true;
      open = null;
      channel.close();
      window.removeEventListener('message', onWindowMessage);
    };
    // No 12006 from watching `popup.closed`: under the relay's strict opener policy (COOP same-origin) a window that
    // went to the sign-in on another origin looks closed to its opener while it is open, so closing cannot be told
    // apart; the task pane offers Cancel instead. Outlook's own dialog reports 12006.
    const dialog = {
      addEventHandler: (type: string, handler: Handler, callback?: Callback<undefined>) => {
        if (!handlers.has(type)) handlers.set(type, new Set());
        handlers.get(type)!.add(handler);
        if (callback) setTimeout(() => callback({ status: 'succeeded', value: undefined }), 0);
      },
      close: () => {
        stop();
        popup.close();
      },
      messageChild: () => undefined,
    };
    open = dialog;
    succeed(args, dialog);
  };
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
    body: bodyOf(source),
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

/** Values the organizer's form reads from: a copy, so the test or page can edit it like a user typing in the form. */
export interface FakeComposeState {
  itemId: string;
  saved: boolean;
  subject: string;
  start: Date;
  end: Date;
  location: string;
  organizer: SandboxAddress;
  requiredAttendees: SandboxAddress[];
  optionalAttendees: SandboxAddress[];
  isAllDay: boolean;
}

const getter = <T>(read: () => T) => ({ getAsync: (...args: unknown[]) => succeed(args, read()) });

/**
 * Builds the organizer's form (AppointmentCompose) for one appointment. Values are read when getAsync is called, so
 * edits to `state` show on the next read, as in Outlook. APIs above the simulated Mailbox version are absent, which is
 * how Office.js presents them on older hosts.
 */
/** `item.body`: the same in Read mode and in the organizer's form. */
function bodyOf(source: SandboxItem): { getAsync: (coercionType: string, ...rest: unknown[]) => void } {
  return {
    getAsync: (coercionType, ...rest) => {
      const args = [coercionType, ...rest];
      if (coercionType === 'html') succeed(args, source.bodyHtml);
      else if (coercionType === 'text') succeed(args, htmlToText(source.bodyHtml));
      else fail(args, 'InvalidCoercionType', `Unsupported coercion type ${coercionType}`, 9000);
    },
  };
}

function buildComposeItem(source: SandboxAppointment, state: FakeComposeState, mailboxVersion: string): Record<string, unknown> {
  const item: Record<string, unknown> = {
    itemType: source.kind,
    subject: getter(() => state.subject),
    start: getter(() => new Date(state.start)),
    end: getter(() => new Date(state.end)),
    location: getter(() => state.location),
    requiredAttendees: getter(() => state.requiredAttendees.map(details)),
    optionalAttendees: getter(() => state.optionalAttendees.map(details)),
    // Shown for every version: the add-in feature-detects it and infers the flag from the times where it is missing.
    isAllDayEvent: getter(() => state.isAllDay),
    body: bodyOf(source),
  };
  // The organizer value has no recipientType in the organizer's form (Office.Organizer docs).
  if (compareVersions('1.7', mailboxVersion) <= 0) {
    item.organizer = { getAsync: (...args: unknown[]) => succeed(args, { emailAddress: state.organizer.address, displayName: state.organizer.name ?? state.organizer.address }) };
  }
  if (compareVersions('1.8', mailboxVersion) <= 0) {
    item.getItemIdAsync = (...args: unknown[]) => {
      if (state.saved) succeed(args, state.itemId);
      // Office documents the error name (ItemNotSaved), not a number; the add-in goes by the name.
      else fail(args, 'ItemNotSaved', 'The ID can\'t be retrieved until the item is saved.', 9000);
    };
  }
  if (source.iCalUId !== undefined) item.iCalUId = source.iCalUId;
  return item;
}

function composeStateOf(source: SandboxAppointment, unsaved: boolean): FakeComposeState {
  return {
    itemId: source.itemId,
    saved: !unsaved,
    subject: source.subject,
    start: new Date(source.start),
    end: new Date(source.end),
    location: source.location,
    organizer: { ...source.organizer },
    requiredAttendees: source.requiredAttendees.map((a) => ({ ...a })),
    optionalAttendees: source.optionalAttendees.map((a) => ({ ...a })),
    isAllDay: source.isAllDay,
  };
}

export interface FakeOfficeHandle {
  /** Assign to `window.Office` (the cast is the boundary between this subset and the full Office.js typing). */
  office: typeof Office;
  /** Selects another item (null = nothing selected) and fires ItemChanged, as a pinned task pane sees it. */
  setItem(item: SandboxItem | null, options?: FakeItemOptions): void;
  /** The organizer's form of the open appointment, or null (edit it to simulate typing in the form). */
  composeState(): FakeComposeState | null;
  /** The user saves the meeting in the organizer's form: from now on getItemIdAsync gives its id. No event fires, as in Outlook. */
  saveItem(): void;
  /** The host fires ItemChanged for the same item (a pane that should re-read what is open). */
  fireItemChanged(): void;
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

  let compose: FakeComposeState | null = null;
  const open = (source: SandboxItem | null | undefined, itemOptions: FakeItemOptions): Record<string, unknown> | null => {
    compose = null;
    if (!source) return null;
    if (source.kind === 'appointment' && itemOptions.appointmentForm === 'compose') {
      const state = composeStateOf(source, itemOptions.unsaved === true);
      compose = state;
      return buildComposeItem(source, state, mailboxVersion);
    }
    return buildItem(source, session, () => session);
  };

  const mailbox = {
    item: open(options.item, options),
    userProfile: { displayName: user.displayName, emailAddress: user.email, timeZone, accountType: 'office365' },
    diagnostics: { hostName: 'OutlookWebApp', hostVersion: '16.0.sandbox', OWAView: 'ThreeColumns' },
    addHandlerAsync: (eventType: string, handler: Handler, ...rest: unknown[]) => {
      const args = [eventType, handler, ...rest];
      const known = [FAKE_ENUMS.EventType.ItemChanged, FAKE_ENUMS.EventType.OfficeThemeChanged] as string[];
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
    convertToRestId: ewsIdToRestId,
    convertToEwsId: (id: string) => id.replace(/-/g, '/').replace(/_/g, '+'),
  };

  const context = {
    mailbox,
    requirements: {
      isSetSupported: (name: string, version?: string) => {
        if (name === 'Mailbox') return compareVersions(version ?? '1.1', mailboxVersion) <= 0;
        if (name === 'NestedAppAuth') return options.nestedAppAuth !== false && compareVersions(version ?? '1.1', '1.1') <= 0;
        if (name === 'DialogApi') return options.dialogApi !== false && compareVersions(version ?? '1.1', '1.2') <= 0;
        if (name === 'DialogOrigin') return options.dialogApi !== false && compareVersions(version ?? '1.1', '1.1') <= 0;
        return false;
      },
    },
    ui: { displayDialogAsync: createFakeDialogApi() },
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
    setItem(item, itemOptions = {}) {
      session += 1;
      mailbox.item = open(item, itemOptions);
      fire(FAKE_ENUMS.EventType.ItemChanged, {});
    },
    composeState: () => compose,
    saveItem() {
      if (compose !== null) compose.saved = true;
    },
    fireItemChanged() {
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
