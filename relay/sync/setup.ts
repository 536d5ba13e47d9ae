/**
 * The first session's setup (E2) as a SessionStep named 'setup'. Needs from the SessionContext: the mailbox, the
 * cursor store, recordSetup (persisted at once) and the clock; nothing else.
 *
 * Three parts, each recorded in `mailboxes.setup` when done, so an interrupted setup resumes where it stopped:
 *   folders     the mail folder "SAP Cloud for Customer" and the contact folders "SAP Accounts", "SAP Contacts",
 *               "SAP Individual Customers" (ensureFolder reuses one the user made by hand);
 *   categories  "SAP Cloud for Customer" and the status categories (existing ones and their colours are kept);
 *   baseline    for inbox, sent items and the save folder, the change feed is paged from the beginning to its end
 *               without reading a message, committing each page's cursor: a killed baseline resumes from its last
 *               page. Auto-save applies to mail dated after `baselineAt`, taken before the first page.
 * The categorized mail of the window before the baseline is found by the email step (findMessages), which saves.
 */
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { CursorRejectedError, PRODUCT_FOLDERS, type ChangePage, type MailFolder, type Mailbox } from '../mailbox/types';
import type { SessionContext, SessionStep } from './types';

/** The folders the email step reads, by cursor key. */
export const SYNCED_MAIL_FOLDERS = ['inbox', 'sentitems', 'save'] as const;
export type SyncedMailFolder = (typeof SYNCED_MAIL_FOLDERS)[number];

/** What the setup step records in mailboxes.setup (other steps read `folders`). */
export interface SetupRecord {
  folders?: Record<keyof typeof PRODUCT_FOLDERS, string>;
  categories?: boolean;
  baselineAt?: string;
  baseline?: boolean;
}

export function setupRecordOf(setup: Record<string, unknown>): SetupRecord {
  return setup as SetupRecord;
}

/** The id of a synced folder: well-known ones by name, the save folder from the setup record (or ensured). */
export async function syncedFolderId(mailbox: Mailbox, key: SyncedMailFolder, setup: SetupRecord): Promise<string> {
  if (key === 'save') return setup.folders?.save ?? (await mailbox.ensureFolder(PRODUCT_FOLDERS.save.name, PRODUCT_FOLDERS.save.kind)).id;
  return (await mailbox.getWellKnownFolder(key)).id;
}

export const SETUP_CATEGORIES = [SYNC_CATEGORIES.trigger, SYNC_CATEGORIES.saved, SYNC_CATEGORIES.error].map((c) => ({ displayName: c.displayName, color: c.color }));

/** Largest number of baseline pages per folder and session (a runaway feed never loops forever). */
const MAX_BASELINE_PAGES = 10_000;

export function createSetupStep(): SessionStep {
  return {
    name: 'setup',
    async run(ctx: SessionContext): Promise<void> {
      const setup: SetupRecord = { ...setupRecordOf(ctx.state.setup) };
      const { mailbox } = ctx;

      if (!setup.folders) {
        ctx.progress({ step: 'setup: folders' });
        const wanted = Object.entries(PRODUCT_FOLDERS) as [keyof typeof PRODUCT_FOLDERS, (typeof PRODUCT_FOLDERS)[keyof typeof PRODUCT_FOLDERS]][];
        const before = new Set((await mailbox.listFolders()).map((f) => f.id));
        const folders = {} as Record<keyof typeof PRODUCT_FOLDERS, string>;
        let created = 0;
        for (const [key, folder] of wanted) {
          const ensured: MailFolder = await mailbox.ensureFolder(folder.name, folder.kind);
          folders[key] = ensured.id;
          if (!before.has(ensured.id)) created += 1;
        }
        if (created > 0) ctx.count('foldersCreated', created);
        setup.folders = folders;
        await ctx.recordSetup({ folders });
      }
      if (ctx.shouldStop()) return;

      if (!setup.categories) {
        ctx.progress({ step: 'setup: categories' });
        const existing = new Set((await mailbox.listMasterCategories()).map((c) => c.displayName.toLowerCase()));
        await mailbox.ensureMasterCategories(SETUP_CATEGORIES);
        const created = SETUP_CATEGORIES.filter((c) => !existing.has(c.displayName.toLowerCase())).length;
        if (created > 0) ctx.count('categoriesCreated', created);
        setup.categories = true;
        await ctx.recordSetup({ categories: true });
      }
      if (ctx.shouldStop()) return;

      if (!setup.baseline) {
        if (!setup.baselineAt) {
          // The runner stamps mailboxes.baseline_at when the first session starts; the same instant is kept here.
          setup.baselineAt = (ctx.state.baselineAt ?? ctx.now()).toISOString();
          await ctx.recordSetup({ baselineAt: setup.baselineAt });
        }
        for (const [index, key] of SYNCED_MAIL_FOLDERS.entries()) {
          ctx.progress({ step: 'setup: baseline', done: index, total: SYNCED_MAIL_FOLDERS.length });
          const stopped = await takeBaseline(ctx, key, await syncedFolderId(mailbox, key, setup));
          if (stopped) return;
        }
        setup.baseline = true;
        await ctx.recordSetup({ baseline: true });
      }
    },
  };
}

/**
 * Pages one folder's change feed to its end, committing every page's cursor. Returns true when the session was asked
 * to stop before the end (the next session goes on from the committed page).
 */
export async function takeBaseline(ctx: SessionContext, key: string, folderId: string): Promise<boolean> {
  let stored = await ctx.cursors.get(key);
  if (stored?.folderId !== undefined && stored.folderId !== folderId) {
    await ctx.cursors.clear(key);
    stored = undefined;
  }
  if (stored?.baselineDone) return false;
  let cursor = stored?.cursor;
  for (let pages = 0; pages < MAX_BASELINE_PAGES; pages++) {
    if (ctx.shouldStop()) return true;
    let page: ChangePage;
    try {
      page = await ctx.mailbox.getChanges(folderId, 'message', cursor);
    } catch (error) {
      // A baseline page cursor the server no longer knows: the baseline starts over (it only enumerates ids).
      if (!(error instanceof CursorRejectedError) || cursor === undefined) throw error;
      await ctx.cursors.clear(key);
      cursor = undefined;
      continue;
    }
    cursor = page.cursor;
    await ctx.cursors.set(key, { folderId, cursor, baselineDone: page.done });
    if (page.done) return false;
  }
  return true;
}
