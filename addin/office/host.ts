/**
 * The small typed interface the screens use instead of Office.js: what is open, when it changes, the theme and the
 * user. Screens receive an `OutlookHost`, so they can be driven by a fake in tests.
 */
import { Email } from './email';
import { isComposeForm, Meeting, readComposeMeeting, readMeetingSnapshot, resolveTimeZone, type MeetingLoad } from './meeting';
import { itemChangedCount, onItemChanged, onThemeChanged, type Unsubscribe } from './events';
import { mailbox } from './officeGlobal';
import { readOfficeTheme, type ThemeName } from './theme';

/**
 * A calendar item. `loadMeeting` reads it: at once in Read mode, with getAsync calls in the organizer's form
 * ('compose'), where it may also report that the meeting must be saved first. Each call in the organizer's form reads
 * the form afresh (the user may have saved or edited it since).
 */
export interface OpenAppointment {
  kind: 'appointment';
  key: string;
  form: 'read' | 'compose';
  loadMeeting(): Promise<MeetingLoad>;
}

export type OpenItem = { kind: 'message'; key: string; email: Email } | OpenAppointment | { kind: 'none'; key: '' };

export interface UserProfile {
  displayName: string;
  emailAddress: string;
  /** IANA name (Windows ids from Outlook desktop are mapped). */
  timeZone?: string;
}

export interface OutlookHost {
  currentItem(): OpenItem;
  onItemChanged(handler: () => void): Promise<Unsubscribe>;
  theme(): ThemeName;
  onThemeChanged(handler: (theme: ThemeName) => void): Promise<Unsubscribe>;
  userProfile(): UserProfile | null;
}

/** Identity of each compose-form item object seen: the host swaps the object when another item opens. */
const composeTokens = new WeakMap<object, number>();
let nextComposeToken = 0;

/**
 * The key of a meeting in the organizer's form, which has no id before an asynchronous read (and none at all while
 * unsaved): the item object's identity plus the ItemChanged count, so every ItemChanged re-reads the form (e.g. after
 * the user saved it) while a second look at the same item without an event keeps the view.
 */
function composeKey(item: object): string {
  let token = composeTokens.get(item);
  if (token === undefined) {
    nextComposeToken += 1;
    token = nextComposeToken;
    composeTokens.set(item, token);
  }
  return `compose:${token}:${itemChangedCount()}`;
}

/** Reads the selected item; `item.itemType` is compared by value ('message' / 'appointment') as enums may be absent. */
export function readOpenItem(): OpenItem {
  const item = mailbox()?.item;
  if (item === null || item === undefined) return { kind: 'none', key: '' };
  const type = String(item.itemType);
  // The organizer's form carries no itemId property; it is recognised by shape before the id check below.
  if (type === 'appointment' && isComposeForm(item)) {
    const compose = item;
    return { kind: 'appointment', key: composeKey(compose), form: 'compose', loadMeeting: () => readComposeMeeting(compose) };
  }
  if (typeof item.itemId !== 'string' || item.itemId === '') return { kind: 'none', key: '' };
  if (type === 'appointment') {
    const read = item as Office.AppointmentRead;
    // Read lazily, so a host oddity surfaces as an error inside the meeting view rather than breaking the pane.
    let loaded: Promise<MeetingLoad> | undefined;
    const loadMeeting = (): Promise<MeetingLoad> => {
      loaded ??= new Promise<MeetingLoad>((resolve) => resolve({ status: 'ready', meeting: new Meeting(readMeetingSnapshot(read)) }));
      return loaded;
    };
    return { kind: 'appointment', key: item.itemId, form: 'read', loadMeeting };
  }
  if (type === 'message') return { kind: 'message', key: item.itemId, email: new Email(item as Office.MessageRead) };
  return { kind: 'none', key: '' };
}

export function readUserProfile(): UserProfile | null {
  const profile = mailbox()?.userProfile;
  if (profile === undefined || profile === null) return null;
  return { displayName: profile.displayName, emailAddress: profile.emailAddress, timeZone: resolveTimeZone(profile.timeZone) };
}

export function createOutlookHost(): OutlookHost {
  return {
    currentItem: readOpenItem,
    onItemChanged,
    theme: readOfficeTheme,
    onThemeChanged,
    userProfile: readUserProfile,
  };
}
