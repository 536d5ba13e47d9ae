/**
 * Whether the engine saves an email it read from a synced folder (E3, E9): one pure function, one screen.
 *
 *   what email_sync_items says        → ignore (saved: never twice; own write; gave up) or go on (failed: retry)
 *   draft                             → ignore
 *   trigger (first that applies):
 *     category  the trigger category is on it (also: sent from a draft that carried it, arriving in sentitems)
 *     folder    it is in the save folder (moved or copied there)
 *     thread    autoSaveThreads and its conversation has a saved email in the organization
 *     incoming  autoSaveIncoming, inbox, received after the baseline
 *     outgoing  autoSaveOutgoing, sentitems, sent after the baseline
 *     none      → ignore
 *   explicit (category, folder): saved when dated after baseline − initialWindowDays (else skip 'outside-window');
 *     blocked addresses are saved but never linked (the step passes the predicate to the save)
 *   automatic (thread, incoming, outgoing): only mail dated after the baseline (to the second); skip 'blocked' when any participant
 *     other than the user is blocked; skip 'internal' when all are in the organization's domains (unless allowed)
 *   failed before with attempts left → 'retry' instead of 'save'
 *
 * Removing the category never leads anywhere but 'ignore': nothing here deletes.
 */
import type { OrganizationSyncSettings, UserSyncSettings } from '../../../shared/api/sync';
import { SYNC_CATEGORIES } from '../../../shared/api/sync';
import type { EmailAddress } from '../../mailbox/types';
import { isInternal, normalize, type AddressPredicate } from '../blocklist';

/** Where the message is: a synced folder, or elsewhere (a failed email the user moved away, retried by id). */
export type SyncedFolderKey = 'inbox' | 'sentitems' | 'save' | 'other';
export type Trigger = 'category' | 'folder' | 'thread' | 'incoming' | 'outgoing';
export type SkipReason = 'blocked' | 'internal' | 'outside-window' | 'no-message-id';
export type IgnoreReason = 'already-saved' | 'own-write' | 'attempts-exhausted' | 'draft' | 'no-trigger';

export type Decision =
  | { action: 'save'; trigger: Trigger; explicit: boolean }
  | { action: 'retry'; trigger: Trigger; explicit: boolean; attempts: number }
  | { action: 'skip'; trigger: Trigger; reason: SkipReason }
  | { action: 'ignore'; reason: IgnoreReason };

/** The mailbox's record of this email (email_sync_items), when there is one. */
export interface KnownItem {
  status: 'saved' | 'failed' | 'skipped';
  changeKey?: string | null;
  attempts: number;
}

export interface DecisionMessage {
  changeKey: string;
  internetMessageId: string;
  categories: readonly string[];
  from?: EmailAddress;
  to: readonly EmailAddress[];
  cc: readonly EmailAddress[];
  sentAt?: string;
  receivedAt?: string;
  isDraft: boolean;
}

export interface DecisionContext {
  folder: SyncedFolderKey;
  user: Pick<UserSyncSettings, 'autoSaveIncoming' | 'autoSaveOutgoing' | 'autoSaveThreads'>;
  organization: Pick<OrganizationSyncSettings, 'initialWindowDays' | 'autoSaveInternal' | 'maxItemAttempts'>;
  /** Addresses of the user's mailbox (never blocked, not counted as "other participants"). */
  ownAddresses: readonly string[];
  isBlocked: AddressPredicate;
  ownDomains: readonly string[];
  /** The first session's baseline; absent = no auto-save yet (the baseline is not taken). */
  baselineAt?: Date;
  known?: KnownItem;
  /** Whether the conversation has an email saved in the organization. */
  threadSaved: boolean;
  /** The session's clock (the window's anchor while no baseline exists). */
  now: Date;
}

const DAY_MS = 24 * 3600 * 1000;

function dateOf(m: DecisionMessage, folder: SyncedFolderKey): number {
  const primary = folder === 'sentitems' ? m.sentAt ?? m.receivedAt : m.receivedAt ?? m.sentAt;
  const ms = primary ? Date.parse(primary) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export function hasTriggerCategory(categories: readonly string[]): boolean {
  const trigger = SYNC_CATEGORIES.trigger.displayName.toLowerCase();
  return categories.some((c) => c.toLowerCase() === trigger);
}

function triggerOf(m: DecisionMessage, c: DecisionContext): Trigger | undefined {
  if (hasTriggerCategory(m.categories)) return 'category';
  if (c.folder === 'save') return 'folder';
  if (c.user.autoSaveThreads && c.threadSaved) return 'thread';
  if (c.folder === 'inbox' && c.user.autoSaveIncoming) return 'incoming';
  if (c.folder === 'sentitems' && c.user.autoSaveOutgoing) return 'outgoing';
  return undefined;
}

export function decideEmail(m: DecisionMessage, c: DecisionContext): Decision {
  const known = c.known;
  if (known?.status === 'saved') return { action: 'ignore', reason: 'already-saved' };
  if (known?.changeKey && known.changeKey === m.changeKey) return { action: 'ignore', reason: 'own-write' };
  if (known?.status === 'failed' && known.attempts >= c.organization.maxItemAttempts) return { action: 'ignore', reason: 'attempts-exhausted' };
  if (m.isDraft) return { action: 'ignore', reason: 'draft' };

  const trigger = triggerOf(m, c);
  if (!trigger) return { action: 'ignore', reason: 'no-trigger' };
  if (!m.internetMessageId) return { action: 'skip', trigger, reason: 'no-message-id' };

  const explicit = trigger === 'category' || trigger === 'folder';
  const date = dateOf(m, c.folder);
  if (explicit) {
    const from = (c.baselineAt ?? c.now).getTime() - c.organization.initialWindowDays * DAY_MS;
    if (date < from) return { action: 'skip', trigger, reason: 'outside-window' };
  } else {
    // Automatic saving covers only mail that arrived after activation. Servers report times to the second (Graph
    // drops the milliseconds), so the baseline's own second counts as after it.
    if (!c.baselineAt || Math.floor(date / 1000) < Math.floor(c.baselineAt.getTime() / 1000)) return { action: 'ignore', reason: 'no-trigger' };
    const own = new Set(c.ownAddresses.map(normalize));
    const participants = [m.from, ...m.to, ...m.cc].filter((a): a is EmailAddress => Boolean(a?.address)).map((a) => normalize(a.address));
    if (participants.some((p) => !own.has(p) && c.isBlocked(p))) return { action: 'skip', trigger, reason: 'blocked' };
    if (!c.organization.autoSaveInternal && isInternal(participants, c.ownDomains)) return { action: 'skip', trigger, reason: 'internal' };
  }
  if (known?.status === 'failed') return { action: 'retry', trigger, explicit, attempts: known.attempts };
  return { action: 'save', trigger, explicit };
}
