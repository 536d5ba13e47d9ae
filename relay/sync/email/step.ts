/**
 * The email step of a session (E3, E7, E9) as a SessionStep named 'email'. Needs: the saving room (`EmailSaving`),
 * the mailbox's email_sync_items repository, and the mail domains of the organization's users (its own domains when
 * the organization configured none). From the SessionContext: mailbox, state (address, setup.folders, baselineAt),
 * both settings, blocklists, cursors, recordSetup, progress / count / itemError, shouldStop, now. Run it after the
 * 'setup' step: it does nothing for a folder whose baseline is not taken yet.
 *
 * Per session, in this order:
 *   1. once, after the baseline: the window scan (findMessages) of the categorized mail of inbox and sent items and
 *      of everything in the save folder, dated within `initialWindowDays` before the baseline; resumable by offset;
 *   2. retries: emails that failed in earlier sessions with attempts left, read again by item id;
 *   3. the change feeds of inbox, sent items and the save folder from their stored cursors. A page's cursor is
 *      committed only once every item of the page is saved, failed or skipped in email_sync_items: a killed session
 *      reads the page again and the ledger (plus email_sync_items) keeps every email saved exactly once. A cursor
 *      the server handed back unchanged (nothing new) is not written again.
 *      Inbox and sent items are read by the folder id their cursor was taken for, not resolved by name in every
 *      session (that was a GetFolder each, 2 of an idle session's 5 requests); the name is resolved again only when
 *      the server says that folder or its cursor is gone, and a different id then starts that folder's feed over.
 *      A rejected cursor: the folder is re-baselined and a catch-up scan (findMessages) looks for what the feed would
 *      have reported; decide() ignores what is already saved.
 * Per batch of read messages: decide, resolve every address not resolved yet in this session in ONE
 * `resolveAddresses` call, save each (auto links, blocked addresses never linked), then set the status categories and
 * remember the change key of that write, so its echo in the feed is not taken for the user's change.
 */
import { C4cError } from '../../c4c/errors';
import { classifyFailure } from '../classify';
import { SYNC_CATEGORIES } from '../../../shared/api/sync';
import type { EmailToSave } from '../../c4c/activities/email';
import type { AddressMatches } from '../../c4c/port';
import { chooseAttachments } from '../../saving/attachments';
import type { EmailSaving, Saver } from '../../saving/types';
import { CursorRejectedError, MailboxError, type ChangePage, type ItemRef, type MailMessage } from '../../mailbox/types';
import type { EmailSyncItem, EmailSyncItemsRepository } from '../../store/email-sync-items';
import { blocklistMatcher, normalize, ownDomainsOf, type AddressPredicate } from '../blocklist';
import { setupRecordOf, SYNCED_MAIL_FOLDERS, syncedFolderId, takeBaseline, type SetupRecord, type SyncedMailFolder } from '../setup';
import type { CursorStore, SessionContext, SessionStep } from '../types';
import { categoriesAfterFailure, categoriesAfterSave, sameCategories } from './categories';
import { decideEmail, type Decision, type SyncedFolderKey } from './decide';

export interface EmailStepOptions {
  saving: EmailSaving;
  items: EmailSyncItemsRepository;
  /** The mail domains of the organization's users: its own domains when `ownDomains` is empty. */
  organizationDomains(organizationId: string): Promise<string[]>;
  /** Messages read (GetItem / $batch) and decided together. Default 20. */
  batchSize?: number;
  /** Save attachments with the email (under the sidebar's limits). Default true. */
  includeAttachments?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;
const MAX_PAGES_PER_FOLDER = 10_000;
const SCAN_PAGE = 100;

type StoredCursor = NonNullable<Awaited<ReturnType<CursorStore['get']>>>;

interface WindowScanRecord {
  done?: boolean;
  folder?: SyncedMailFolder;
  offset?: number;
}

/** Everything one session's email step works with. */
interface Session {
  ctx: SessionContext;
  setup: SetupRecord;
  folderIds: Map<SyncedMailFolder, string>;
  keyOfFolder: Map<string, SyncedMailFolder>;
  baselineAt?: Date;
  isBlocked: AddressPredicate;
  ownDomains: string[];
  saver: Saver;
  /** Addresses resolved in this session (each is searched once per session). */
  resolved: Map<string, AddressMatches>;
}

export function toEmailToSave(message: MailMessage, owner: { address: string; name?: string }, now: Date): EmailToSave {
  return {
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    sentAt: message.sentAt ?? message.receivedAt ?? now.toISOString(),
    // A message without a sender is the user's own (a sent item whose From the server left out).
    from: message.from ?? { address: owner.address, ...(owner.name ? { name: owner.name } : {}) },
    to: message.to,
    cc: message.cc,
    bodyHtml: message.bodyHtml,
    attachments: [],
  };
}

function participants(message: MailMessage): string[] {
  return [message.from, ...message.to, ...message.cc].filter((a): a is NonNullable<typeof a> => Boolean(a?.address)).map((a) => normalize(a.address));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function createEmailStep(options: EmailStepOptions): SessionStep {
  const { saving, items } = options;
  const batchSize = Math.max(1, options.batchSize ?? 20);
  const includeAttachments = options.includeAttachments ?? true;

  async function open(ctx: SessionContext, stored: ReadonlyMap<SyncedMailFolder, StoredCursor>): Promise<Session> {
    const setup = setupRecordOf(ctx.state.setup);
    const folderIds = new Map<SyncedMailFolder, string>();
    for (const key of SYNCED_MAIL_FOLDERS) {
      // The save folder's id is the setup record's (replacing it restarts its feed); the well-known ones the cursor's.
      const known = key === 'save' ? undefined : stored.get(key)?.folderId;
      folderIds.set(key, known ?? (await syncedFolderId(ctx.mailbox, key, setup)));
    }
    const baselineAt = ctx.state.baselineAt ?? (setup.baselineAt ? new Date(setup.baselineAt) : undefined);
    const configured = ctx.organizationSettings.ownDomains;
    const ownDomains = ownDomainsOf(configured.length > 0 ? configured : await options.organizationDomains(ctx.state.organizationId), []);
    return {
      ctx,
      setup,
      folderIds,
      keyOfFolder: new Map([...folderIds].map(([k, id]) => [id, k])),
      baselineAt,
      isBlocked: blocklistMatcher(ctx.blocklists, [ctx.state.address]),
      ownDomains,
      saver: { organizationId: ctx.state.organizationId, userId: ctx.state.userId, email: ctx.state.address, displayName: ctx.state.displayName },
      resolved: new Map(),
    };
  }

  const orgOf = (s: Session): [string, string] => [s.ctx.state.organizationId, s.ctx.state.userId];

  /** Reads the refs (minus those email_sync_items says need no read) and processes them; false = asked to stop. */
  async function processRefs(s: Session, refs: readonly ItemRef[]): Promise<boolean> {
    const unique = [...new Map(refs.map((r) => [r.id, r])).values()];
    if (unique.length === 0) return true;
    const known = new Map((await items.findByItemIds(...orgOf(s), unique.map((r) => r.id))).map((row) => [row.itemId, row]));
    // Our own category write, an item unchanged since we recorded it, or one already saved: nothing to read.
    const toRead = unique.filter((r) => {
      const row = known.get(r.id);
      return !row || (row.status !== 'saved' && row.changeKey !== r.changeKey);
    });
    for (const batch of chunk(toRead, batchSize)) {
      if (s.ctx.shouldStop()) return false;
      const messages = await s.ctx.mailbox.getMessages(batch.map((r) => r.id));
      if (!(await processMessages(s, messages))) return false;
    }
    return true;
  }

  function folderKeyOf(s: Session, message: MailMessage): SyncedFolderKey {
    return s.keyOfFolder.get(message.folderId) ?? 'other';
  }

  async function processMessages(s: Session, messages: readonly MailMessage[], failedBefore = new Map<string, EmailSyncItem>()): Promise<boolean> {
    const { ctx } = s;
    if (messages.length === 0) return true;
    const [org, user] = orgOf(s);
    const rows = new Map((await items.findByMessageIds(org, user, messages.filter((m) => m.internetMessageId).map((m) => m.internetMessageId))).map((r) => [r.internetMessageId, r]));
    for (const [id, row] of failedBefore) rows.set(id, row);
    const threads = ctx.userSettings.autoSaveThreads ? await items.savedConversations(org, messages.map((m) => m.conversationId ?? '')) : new Set<string>();
    ctx.count('examined', messages.length);

    const decided: Array<{ message: MailMessage; decision: Decision }> = messages.map((message) => {
      const row = rows.get(message.internetMessageId);
      return {
        message,
        decision: decideEmail(message, {
          folder: folderKeyOf(s, message),
          user: ctx.userSettings,
          organization: ctx.organizationSettings,
          ownAddresses: [ctx.state.address],
          isBlocked: s.isBlocked,
          ownDomains: s.ownDomains,
          baselineAt: s.baselineAt,
          known: row ? { status: row.status, changeKey: row.changeKey, attempts: row.attempts } : undefined,
          threadSaved: Boolean(message.conversationId && threads.has(message.conversationId)),
          now: ctx.now(),
        }),
      };
    });

    for (const { message, decision } of decided) {
      if (decision.action === 'ignore') {
        if (decision.reason === 'already-saved') ctx.count('alreadySaved');
        const row = rows.get(message.internetMessageId);
        if (decision.reason === 'no-trigger' && row?.status === 'failed') {
          // The user took the category off (or moved it out of the save folder) while it was failing: retries end.
          await items.markSkipped(org, user, { internetMessageId: message.internetMessageId, itemId: message.id, changeKey: message.changeKey, conversationId: message.conversationId, subject: message.subject }, 'trigger-removed');
          await writeCategories(s, message, message.categories.filter((c) => c.toLowerCase() !== SYNC_CATEGORIES.error.displayName.toLowerCase()), message.internetMessageId);
        }
        continue;
      }
      if (decision.action === 'skip') {
        ctx.count(decision.reason === 'blocked' ? 'blocked' : 'skipped');
        if (message.internetMessageId) {
          await items.markSkipped(org, user, { internetMessageId: message.internetMessageId, itemId: message.id, changeKey: message.changeKey, conversationId: message.conversationId, subject: message.subject, trigger: decision.trigger }, decision.reason);
        }
      }
    }

    const toSave = decided.filter((d): d is { message: MailMessage; decision: Extract<Decision, { action: 'save' | 'retry' }> } => d.decision.action === 'save' || d.decision.action === 'retry');
    if (toSave.length === 0) return true;

    // E7: every address of the batch not resolved yet in this session, in one call (blocked ones are never linked).
    // The user's own address too: the owner employee is found by it.
    const missing = [...new Set([normalize(ctx.state.address), ...toSave.flatMap((d) => participants(d.message))])].filter((a) => !s.resolved.has(a) && !s.isBlocked(a));
    let resolveError: unknown;
    if (missing.length > 0) {
      try {
        for (const match of await saving.resolveAddresses(org, missing)) s.resolved.set(normalize(match.address), match);
        for (const a of missing) if (!s.resolved.has(a)) s.resolved.set(a, { address: a, records: [] });
        await autoResolve(s, toSave.map((d) => d.message), missing);
      } catch (error) {
        resolveError = error;
      }
    }

    // One look-up for the batch: which of these emails C4C has already (saved by anyone); the others are created
    // without a look-up each, so a saved email costs one create plus its share of this query and the search.
    let inC4c: Set<string> | undefined;
    if (resolveError === undefined) {
      try {
        inC4c = await saving.findSaved(org, toSave.map((d) => d.message.internetMessageId));
      } catch (error) {
        resolveError = error;
      }
    }

    for (const [index, { message, decision }] of toSave.entries()) {
      if (ctx.shouldStop()) return false;
      ctx.progress({ step: 'email', done: index, total: toSave.length });
      const input = { internetMessageId: message.internetMessageId, itemId: message.id, changeKey: message.changeKey, conversationId: message.conversationId, subject: message.subject, trigger: decision.trigger };
      let outcome: Awaited<ReturnType<EmailSaving['saveEmail']>>;
      try {
        if (resolveError !== undefined) throw resolveError;
        const email = toEmailToSave(message, { address: ctx.state.address, name: ctx.state.displayName }, ctx.now());
        if (includeAttachments && message.attachments.some((a) => !a.isInline)) {
          const [full] = await ctx.mailbox.getMessages([message.id], { withAttachmentContent: true });
          const chosen = chooseAttachments(full?.attachments ?? []);
          email.attachments = chosen.attachments;
          for (const skipped of chosen.skipped.filter((a) => a.reason !== 'inline')) {
            ctx.itemError({ subject: message.subject, class: 'attachment-skipped', message: `Attachment "${skipped.name}" was not saved (${skipped.reason}, ${skipped.size} bytes).` });
          }
        }
        const matches = [...new Set([normalize(ctx.state.address), ...participants(message)])].map((a) => s.resolved.get(a)).filter((m): m is AddressMatches => Boolean(m));
        outcome = await saving.saveEmail(s.saver, { email, links: { kind: 'auto', matches, blocked: s.isBlocked }, includeAttachments, absentInC4c: inC4c !== undefined && !inC4c.has(message.internetMessageId) });
      } catch (error) {
        // C4C unreachable or throttling it: no fault of this email. The session fails as transient (it backs off) and
        // this page's cursor stays where it was, so the email is read again next time without spending an attempt;
        // emails saved before it are in the ledger, so nothing is saved twice.
        if (isTransientC4cFailure(error)) throw error;
        const failed = await items.markFailed(org, user, input, errorText(error));
        ctx.count('failed');
        ctx.itemError({ subject: message.subject, message: errorText(error), class: error instanceof Error ? error.name : 'unknown' });
        await writeCategories(s, message, categoriesAfterFailure(message.categories), failed.internetMessageId);
        continue;
      }
      await items.markSaved(org, user, input);
      ctx.count(outcome.existed ? 'alreadySaved' : 'saved');
      await writeCategories(s, message, categoriesAfterSave(message.categories, ctx.organizationSettings.triggerCategoryAfterSave), message.internetMessageId);
    }
    return true;
  }

  /**
   * E8: the people of these emails that C4C did not know (among the addresses just searched) are created as the
   * organization chose, and the emails link them like any other match. A person that could not be created is an item
   * error, never a failed email: the email is saved without that link.
   */
  async function autoResolve(s: Session, messages: MailMessage[], searched: string[]): Promise<void> {
    const settings = s.ctx.organizationSettings;
    if (settings.autoResolve === 'off') return;
    const wanted = new Set(searched.filter((a) => a !== normalize(s.ctx.state.address) && (s.resolved.get(a)?.records.length ?? 0) === 0));
    if (wanted.size === 0) return;
    const people = messages
      .flatMap((m) => [m.from, ...m.to, ...m.cc])
      .filter((p): p is NonNullable<typeof p> => Boolean(p?.address) && wanted.has(normalize(p!.address)))
      .map((p) => ({ address: normalize(p.address), ...(p.name ? { name: p.name } : {}) }));
    const result = await saving.autoResolve({
      organizationId: s.ctx.state.organizationId,
      userId: s.ctx.state.userId,
      people,
      matches: s.resolved,
      settings,
      scope: { ownDomains: s.ownDomains, isBlocked: s.isBlocked },
    });
    for (const match of result.resolved) s.resolved.set(match.address, match);
    if (result.created > 0) s.ctx.count('autoResolved', result.created);
    for (const skipped of result.skipped.filter((k) => k.reason === 'failed')) {
      s.ctx.itemError({ subject: skipped.address, class: 'auto-resolve', message: `${skipped.address} could not be created in C4C: ${skipped.message ?? 'unknown error'}` });
    }
  }

  /** Sets the status categories and records the change key of that write; a failed write is reported, not fatal. */
  async function writeCategories(s: Session, message: MailMessage, next: string[], internetMessageId: string): Promise<void> {
    if (sameCategories(message.categories, next)) return;
    try {
      const ref = await s.ctx.mailbox.setCategories(message.id, 'message', next);
      await items.setChangeKey(...orgOf(s), internetMessageId, ref.id, ref.changeKey);
    } catch (error) {
      s.ctx.itemError({ subject: message.subject, class: 'category-write', message: `The status category could not be set: ${errorText(error)}` });
    }
  }

  /** findMessages pages of one folder for `condition`, processed as they come; false = asked to stop. */
  async function scanFolder(s: Session, key: SyncedMailFolder, receivedAfter: string, categories: string[] | undefined, from = 0, onPage?: (next: number) => Promise<void>): Promise<boolean> {
    let offset = from;
    for (let guard = 0; guard < MAX_PAGES_PER_FOLDER; guard++) {
      if (s.ctx.shouldStop()) return false;
      const page = await s.ctx.mailbox.findMessages(s.folderIds.get(key)!, { ...(categories ? { categories } : {}), receivedAfter, pageSize: SCAN_PAGE, offset });
      if (!(await processRefs(s, page.items))) return false;
      offset = page.nextOffset;
      await onPage?.(offset);
      if (!page.more) return true;
    }
    return true;
  }

  function windowStart(s: Session): string {
    return new Date((s.baselineAt ?? s.ctx.now()).getTime() - s.ctx.organizationSettings.initialWindowDays * DAY_MS).toISOString();
  }

  /** Categorized mail (inbox, sent items) and everything in the save folder, within the window: once, resumable. */
  async function windowScan(s: Session): Promise<boolean> {
    const record = ((s.setup as Record<string, unknown>).windowScan ?? {}) as WindowScanRecord;
    if (record.done) return true;
    const start = windowStart(s);
    const firstFolder = record.folder ? SYNCED_MAIL_FOLDERS.indexOf(record.folder) : 0;
    for (const key of SYNCED_MAIL_FOLDERS.slice(firstFolder)) {
      s.ctx.progress({ step: `email: first look at ${key}` });
      const from = key === record.folder ? record.offset ?? 0 : 0;
      const categories = key === 'save' ? undefined : [SYNC_CATEGORIES.trigger.displayName];
      const finished = await scanFolder(s, key, start, categories, from, (offset) => s.ctx.recordSetup({ windowScan: { folder: key, offset } }));
      if (!finished) return false;
    }
    await s.ctx.recordSetup({ windowScan: { done: true } });
    return true;
  }

  async function retryFailed(s: Session): Promise<boolean> {
    const [org, user] = orgOf(s);
    const rows = await items.listRetryable(org, user, s.ctx.organizationSettings.maxItemAttempts);
    for (const batch of chunk(rows, batchSize)) {
      if (s.ctx.shouldStop()) return false;
      const messages = await s.ctx.mailbox.getMessages(batch.map((r) => r.itemId));
      const found = new Set(messages.map((m) => m.internetMessageId));
      for (const gone of batch.filter((r) => !found.has(r.internetMessageId))) {
        // Deleted or moved out of reach: the attempt counts, so the retries end.
        await items.markFailed(org, user, { internetMessageId: gone.internetMessageId, itemId: gone.itemId, subject: gone.subject }, 'The email is no longer in the mailbox.');
      }
      // The row's own change key is the engine's error-category write: decide must not take it for "unchanged".
      const rowsById = new Map(batch.map((r) => [r.internetMessageId, { ...r, changeKey: null }]));
      if (!(await processMessages(s, messages, rowsById))) return false;
    }
    return true;
  }

  /** After a rejected cursor: the feed restarts from now, and a scan finds what it would have reported. */
  async function rebaseline(s: Session, key: SyncedMailFolder, folderId: string): Promise<boolean> {
    await s.ctx.cursors.clear(key);
    if (await takeBaseline(s.ctx, key, folderId)) return false;
    const { userSettings, organizationSettings } = s.ctx;
    const autoSaves = userSettings.autoSaveThreads || (key === 'inbox' && userSettings.autoSaveIncoming) || (key === 'sentitems' && userSettings.autoSaveOutgoing);
    const start = windowStart(s);
    if (key === 'save' || !autoSaves) return scanFolder(s, key, start, key === 'save' ? undefined : [SYNC_CATEGORIES.trigger.displayName]);
    // Auto-save: every message since the baseline, at most the window back from now (decide ignores what is saved).
    const since = new Date(Math.max(s.baselineAt?.getTime() ?? 0, s.ctx.now().getTime() - organizationSettings.initialWindowDays * DAY_MS)).toISOString();
    return (await scanFolder(s, key, start, [SYNC_CATEGORIES.trigger.displayName])) && scanFolder(s, key, since, undefined);
  }

  function setFolderId(s: Session, key: SyncedMailFolder, folderId: string): void {
    const previous = s.folderIds.get(key);
    if (previous !== undefined) s.keyOfFolder.delete(previous);
    s.folderIds.set(key, folderId);
    s.keyOfFolder.set(folderId, key);
  }

  async function followFeed(s: Session, key: SyncedMailFolder, initial: StoredCursor | undefined): Promise<boolean> {
    let folderId = s.folderIds.get(key)!;
    let stored = initial;
    // The save folder's id was not the cursor's: resolving it by name again would tell nothing new.
    let resolvedAgain = key === 'save';
    for (let pages = 0; pages < MAX_PAGES_PER_FOLDER; pages++) {
      if (s.ctx.shouldStop()) return false;
      if (!stored?.baselineDone) return true; // the setup step has not taken this folder's baseline yet
      if (stored.folderId !== folderId) {
        // The save folder was replaced (deleted and made again), or a well-known folder has a new id: a new feed,
        // taken from now.
        if (!(await rebaseline(s, key, folderId))) return false;
        stored = await s.ctx.cursors.get(key);
        continue;
      }
      let page: ChangePage;
      try {
        page = await s.ctx.mailbox.getChanges(folderId, 'message', stored.cursor);
      } catch (error) {
        const rejected = error instanceof CursorRejectedError;
        if (!rejected && !(error instanceof MailboxError && error.code === 'not-found')) throw error;
        if (!resolvedAgain) {
          // The id came from the cursor; the folder may have a new one now (mailbox moved or restored).
          resolvedAgain = true;
          const current = await syncedFolderId(s.ctx.mailbox, key, s.setup);
          if (current !== folderId) {
            setFolderId(s, key, current);
            folderId = current;
            continue;
          }
        }
        if (!rejected) throw error;
        if (!(await rebaseline(s, key, folderId))) return false;
        stored = await s.ctx.cursors.get(key);
        continue;
      }
      if (!(await processRefs(s, [...page.created, ...page.updated]))) return false;
      if (page.cursor !== stored.cursor) await s.ctx.cursors.set(key, { folderId, cursor: page.cursor, baselineDone: true });
      stored = { folderId, cursor: page.cursor, baselineDone: true };
      if (page.done) return true;
    }
    return true;
  }

  return {
    name: 'email',
    async run(ctx: SessionContext): Promise<void> {
      // Each cursor read once per session; followFeed keeps its own copy current as it commits pages.
      const stored = new Map<SyncedMailFolder, StoredCursor>();
      for (const key of SYNCED_MAIL_FOLDERS) {
        const cursor = await ctx.cursors.get(key);
        if (!cursor?.baselineDone) return; // first session not through its baseline: nothing to compare with yet
        stored.set(key, cursor);
      }
      const s = await open(ctx, stored);
      if (!(await windowScan(s))) return;
      if (!(await retryFailed(s))) return;
      for (const key of SYNCED_MAIL_FOLDERS) {
        ctx.progress({ step: `email: ${key}` });
        // The window scan and the retries do not move cursors, so the copy read above is still the stored one.
        if (!(await followFeed(s, key, stored.get(key)))) return;
      }
    },
  };
}

/** A C4C outage or throttling (not a problem of the email itself). */
function isTransientC4cFailure(error: unknown): boolean {
  const failure = classifyFailure(error);
  return failure.transient && (failure.class === 'c4c-unreachable' || (failure.class === 'throttled' && error instanceof C4cError));
}
