/**
 * The small typed interface the screens use instead of Office.js: what is open, when it changes, the theme and the
 * user. Screens receive an `OutlookHost`, so they can be driven by a fake in tests.
 */
import { Email } from './email';
import { Meeting, resolveTimeZone } from './meeting';
import { onItemChanged, onThemeChanged, type Unsubscribe } from './events';
import { mailbox } from './officeGlobal';
import { readOfficeTheme, type ThemeName } from './theme';

export type OpenItem =
  | { kind: 'message'; key: string; email: Email }
  | { kind: 'appointment'; key: string; meeting: Meeting }
  | { kind: 'none'; key: '' };

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

/** Reads the selected item; `item.itemType` is compared by value ('message' / 'appointment') as enums may be absent. */
export function readOpenItem(): OpenItem {
  const item = mailbox()?.item;
  if (item === null || item === undefined || typeof item.itemId !== 'string' || item.itemId === '') return { kind: 'none', key: '' };
  const type = String(item.itemType);
  if (type === 'appointment') return { kind: 'appointment', key: item.itemId, meeting: new Meeting(item as Office.AppointmentRead) };
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
