/**
 * Feature detection by requirement set. Versions are compared numerically part by part: "1.14" is newer than "1.8",
 * although parseFloat says otherwise (office-addin.md §2.3).
 */
import { hasOffice, office } from './officeGlobal';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

export function isSetSupported(name: string, version: string): boolean {
  if (!hasOffice()) return false;
  const requirements = office().context?.requirements;
  if (requirements === undefined || typeof requirements.isSetSupported !== 'function') return false;
  return requirements.isSetSupported(name, version);
}

/** Mailbox versions the sidebar relies on, and what each one unlocks. */
export const MAILBOX_FEATURES = {
  /** body.getAsync */
  bodyAsync: '1.3',
  /** Office.EventType.ItemChanged for a pinned task pane */
  itemChanged: '1.5',
  /** organizer.getAsync in the organizer's meeting form (AppointmentCompose) */
  composeOrganizer: '1.7',
  /** getItemIdAsync: the id of an item in a compose form (a meeting the organizer has open) */
  composeItemId: '1.8',
  /** getAttachmentContentAsync */
  attachmentContent: '1.8',
  /** OfficeThemeChanged on the mailbox */
  themeChanged: '1.14',
} as const;

export type MailboxFeature = keyof typeof MAILBOX_FEATURES;

export function supports(feature: MailboxFeature): boolean {
  return isSetSupported('Mailbox', MAILBOX_FEATURES[feature]);
}

export function supportsNestedAppAuth(): boolean {
  return isSetSupported('NestedAppAuth', '1.1');
}
