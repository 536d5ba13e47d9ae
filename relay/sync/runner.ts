/**
 * The session job handler: one session of one mailbox.
 *
 * 1. Takes the mailbox (`beginSession`: only when enabled and no live session holds it — a second line of defence
 *    behind the exclusive queue, which also covers a pg-boss job that expired while its session still ran) and opens
 *    the run row in the same statement.
 * 2. Opens the mailbox through the organization's stored access and runs the injected steps in order, giving them a
 *    SessionContext: cursors committed per call, throttled progress, counts, item errors, a heartbeat every few
 *    seconds that also notices a pause, a takeover or the relay stopping.
 * 3. Records the outcome: the run (end, counts, errors) and the mailbox (stage, last / next session, failure fields,
 *    suspension) in one statement. Transient failures back off exponentially (capped, never later than the regular
 *    slot) and never count toward suspension; consecutive permanent failures of one class suspend after the
 *    organization's threshold.
 *
 * The job itself always completes: retries are the engine's own scheduling, never pg-boss's (a pg-boss retry would
 * be a second session outside the back-off rules).
 */
import type { Logger } from '../log';
import { backoffDelay } from '../lib/backoff';
import type { Mailbox, MailboxFactory } from '../mailbox/types';
import type { MailboxAccessRepository } from '../store/mailbox-access';
import type { MailboxSyncRepository, MailboxSyncState } from '../store/mailboxes';
import type { UserRepository } from '../store/users';
import type { OrganizationSyncSettings, RunCounts, RunError, SessionProgress, UserSyncSettings } from '../../shared/api/sync';
import { USER_SYNC_SETTINGS_DEFAULTS } from '../../shared/api/sync';
import { adviceFor, classifyFailure, MailboxAccessMissingError, MailboxUserMissingError } from './classify';
import type { SessionJobData } from './control-service';
import type { Blocklists, ClassifiedFailure, CursorStore, SessionContext, SessionStep, SyncSettingsRepository } from './types';

export interface SessionTiming {
  /** How often a running session proves it is alive. Default 5 s. */
  heartbeatMs: number;
  /** A session whose heartbeat is older than this is considered dead and taken over. Default 60 s. */
  staleAfterMs: number;
  /** Progress writes at most this often. Default 1 s. */
  progressMs: number;
  /** First back-off after a transient failure; doubles per consecutive transient failure. Default 60 s. */
  backoffBaseMs: number;
  /** Longest back-off (and never beyond the regular slot). Default 15 min. */
  backoffMaxMs: number;
}

export const DEFAULT_TIMING: SessionTiming = { heartbeatMs: 5000, staleAfterMs: 60000, progressMs: 1000, backoffBaseMs: 60000, backoffMaxMs: 15 * 60000 };

export interface RunnerDeps {
  mailboxes: MailboxSyncRepository;
  users: Pick<UserRepository, 'get'>;
  mailboxAccess: Pick<MailboxAccessRepository, 'accessFor'>;
  settings?: SyncSettingsRepository;
  organizationSettings(organizationId: string): Promise<OrganizationSyncSettings>;
  factory: MailboxFactory;
  steps: () => SessionStep[];
  logger: Logger;
  timing?: Partial<SessionTiming>;
  /** True once the relay is stopping: sessions finish their current item and return. */
  stopping: () => boolean;
  now?: () => Date;
  /** Called once per session that ran, after its run row is written (metrics); never throws into the session. */
  onSessionEnded?: (ended: SessionEndedEvent) => void;
}

/** What a finished session reports to `onSessionEnded`. */
export interface SessionEndedEvent {
  organizationId: string;
  trigger: SessionJobData['trigger'];
  outcome: 'succeeded' | 'failed' | 'abandoned';
  durationMs: number;
  counts: RunCounts;
  failureClass?: ClassifiedFailure['class'];
}

export type SessionResult =
  | { ran: false; reason: 'not-activated' | 'not-enabled' | 'held' }
  | { ran: true; runId: string; outcome: 'succeeded' | 'failed' | 'abandoned'; failure?: ClassifiedFailure };

/** The first instant after `now` that is `offsetSeconds` into an epoch-aligned interval (the mailbox's slot). */
export function nextSlot(now: Date, offsetSeconds: number, intervalSeconds: number): Date {
  const interval = Math.max(1, Math.trunc(intervalSeconds));
  const offset = ((Math.trunc(offsetSeconds) % interval) + interval) % interval;
  const seconds = now.getTime() / 1000;
  return new Date(((Math.floor((seconds - offset) / interval) + 1) * interval + offset) * 1000);
}

/** Next session after a transient failure: exponential from the base, capped, never later than the regular slot. */
export function backoffAt(now: Date, consecutive: number, slot: Date, timing: Pick<SessionTiming, 'backoffBaseMs' | 'backoffMaxMs'>): Date {
  const delay = backoffDelay(consecutive, { baseMs: timing.backoffBaseMs, maxDelayMs: timing.backoffMaxMs });
  return new Date(Math.min(now.getTime() + delay, slot.getTime()));
}

/** The failure fields of a failed session, given the state before it. */
export function failureOutcome(
  state: Pick<MailboxSyncState, 'failureClass' | 'failureTransient' | 'consecutiveFailures'>,
  failure: ClassifiedFailure,
  settings: OrganizationSyncSettings,
): { consecutive: number; suspend: boolean } {
  const sameKind = state.failureClass === failure.class && state.failureTransient === failure.transient;
  const consecutive = sameKind ? state.consecutiveFailures + 1 : 1;
  if (failure.transient) return { consecutive, suspend: false };
  const thresholds = settings.suspendAfter as Partial<Record<string, number>>;
  const threshold = thresholds[failure.class] ?? settings.suspendAfter.unknown;
  return { consecutive, suspend: consecutive >= threshold };
}

/**
 * The session's view of the mailbox's cursors: all of them read in one statement on first use and kept, every change
 * written through at once (a killed session resumes from the last committed page), and a write of exactly what is
 * stored skipped. Only this session writes this mailbox's cursors while it holds the mailbox.
 */
export function sessionCursors(mailboxes: Pick<MailboxSyncRepository, 'cursors' | 'listCursors'>, organizationId: string, userId: string): CursorStore {
  const inner = mailboxes.cursors(organizationId, userId);
  type Stored = NonNullable<Awaited<ReturnType<CursorStore['get']>>>;
  let known: Promise<Map<string, Stored>> | undefined;
  const all = (): Promise<Map<string, Stored>> => {
    known ??= mailboxes.listCursors(organizationId, userId).then(
      (rows) => new Map(rows.map((r) => [r.folderKey, { folderId: r.folderId, ...(r.cursor !== undefined ? { cursor: r.cursor } : {}), baselineDone: r.baselineDone }])),
    );
    // A failed read is not kept: the next call reads again.
    known.catch(() => {
      known = undefined;
    });
    return known;
  };
  return {
    async get(folderKey) {
      const stored = (await all()).get(folderKey);
      return stored ? { ...stored } : undefined;
    },
    async set(folderKey, value) {
      const cache = await all();
      const stored = cache.get(folderKey);
      if (stored && stored.folderId === value.folderId && stored.cursor === value.cursor && stored.baselineDone === value.baselineDone) return;
      await inner.set(folderKey, value);
      cache.set(folderKey, { folderId: value.folderId, ...(value.cursor !== undefined ? { cursor: value.cursor } : {}), baselineDone: value.baselineDone });
    },
    async clear(folderKey) {
      const cache = await all();
      await inner.clear(folderKey);
      cache.delete(folderKey);
    },
  };
}

async function readSettings(deps: RunnerDeps, organizationId: string, userId: string): Promise<{ user: UserSyncSettings; blocklists: Blocklists }> {
  if (!deps.settings) return { user: { ...USER_SYNC_SETTINGS_DEFAULTS }, blocklists: { organization: [], user: [] } };
  const [{ settings }, blocklists] = await Promise.all([deps.settings.getUserSettings(organizationId, userId), deps.settings.getBlocklists(organizationId, userId)]);
  return { user: settings, blocklists };
}

export function createSessionRunner(deps: RunnerDeps): (data: SessionJobData) => Promise<SessionResult> {
  const timing: SessionTiming = { ...DEFAULT_TIMING, ...deps.timing };
  const clock = deps.now ?? (() => new Date());
  const log = deps.logger;

  return async function runSession(data) {
    const { organizationId, userId, trigger } = data;
    const startedAt = clock();
    // beginSession takes only an enabled mailbox no live session holds; why it refused is read only when it did.
    const begun = await deps.mailboxes.beginSession(organizationId, userId, { trigger, now: startedAt, staleBefore: new Date(startedAt.getTime() - timing.staleAfterMs) });
    if (!begun) {
      const latest = await deps.mailboxes.get(organizationId, userId);
      return { ran: false, reason: !latest ? 'not-activated' : latest.status !== 'enabled' ? 'not-enabled' : 'held' };
    }
    const { run, state } = begun;
    if (begun.tookOverRunId) {
      await deps.mailboxes.abandonRuns(organizationId, [begun.tookOverRunId], startedAt, 'The session stopped responding (its relay process ended); a new session took over from the last committed cursors.');
    }
    const runLog = log.child({ organizationId, userId, runId: run.id, trigger });
    runLog.info('session started');

    const counts: RunCounts = {};
    const errors: RunError[] = [];
    let lostHold = false;
    let paused = false;
    let pendingProgress: SessionProgress | undefined;
    let progressWrittenAt = 0;
    let progressTimer: NodeJS.Timeout | undefined;
    let beating: Promise<void> = Promise.resolve();

    const beat = (progress?: SessionProgress | null): Promise<void> => {
      beating = beating.then(async () => {
        try {
          const status = await deps.mailboxes.heartbeat(organizationId, userId, run.id, progress);
          if (status === undefined) lostHold = true;
          else if (status !== 'enabled') paused = true;
        } catch (error) {
          runLog.warn({ err: error }, 'session heartbeat failed');
        }
      });
      return beating;
    };
    const heartbeatTimer = setInterval(() => void beat(), timing.heartbeatMs);
    heartbeatTimer.unref();

    const flushProgress = (): void => {
      progressTimer = undefined;
      if (!pendingProgress) return;
      const p = pendingProgress;
      pendingProgress = undefined;
      progressWrittenAt = Date.now();
      void beat(p);
    };

    let mailbox: Mailbox | undefined;
    let organizationSettings: OrganizationSyncSettings | undefined;
    let failure: ClassifiedFailure | undefined;
    let stoppedByRelay = false;
    const shouldStop = (): boolean => {
      if (deps.stopping()) stoppedByRelay = true;
      return stoppedByRelay || paused || lostHold;
    };
    try {
      const user = await deps.users.get(organizationId, userId);
      if (!user) throw new MailboxUserMissingError();
      const access = await deps.mailboxAccess.accessFor(organizationId, userId);
      if (!access) throw new MailboxAccessMissingError();
      const [settings, { user: userSettings, blocklists }] = await Promise.all([deps.organizationSettings(organizationId), readSettings(deps, organizationId, userId)]);
      organizationSettings = settings;
      mailbox = deps.factory.open(user.email, access);
      const ctx: SessionContext = {
        mailbox,
        state: {
          userId,
          organizationId,
          address: user.email,
          displayName: user.displayName,
          setup: state.setup,
          ...(state.setupDoneAt ? { setupDoneAt: state.setupDoneAt } : {}),
          ...(state.baselineAt ? { baselineAt: state.baselineAt } : {}),
        },
        organizationSettings: settings,
        userSettings,
        blocklists,
        cursors: sessionCursors(deps.mailboxes, organizationId, userId),
        recordSetup: async (patch) => {
          await deps.mailboxes.recordSetup(organizationId, userId, patch);
          Object.assign(ctx.state.setup, patch);
        },
        progress: (progress) => {
          pendingProgress = progress;
          const wait = timing.progressMs - (Date.now() - progressWrittenAt);
          if (wait <= 0) flushProgress();
          else progressTimer ??= setTimeout(flushProgress, wait);
        },
        count: (key, by = 1) => {
          counts[key] = (counts[key] ?? 0) + by;
        },
        itemError: (error) => {
          if (errors.length < 50) errors.push(error);
        },
        shouldStop,
        now: clock,
      };
      for (const step of deps.steps()) {
        if (shouldStop()) break;
        runLog.debug({ step: step.name }, 'session step');
        await step.run(ctx);
      }
    } catch (error) {
      failure = classifyFailure(error);
      runLog.warn({ failureClass: failure.class, transient: failure.transient, message: failure.message }, 'session failed');
    } finally {
      clearInterval(heartbeatTimer);
      if (progressTimer) clearTimeout(progressTimer);
      await beating;
      await mailbox?.close().catch((error: unknown) => runLog.warn({ err: error }, 'closing the mailbox failed'));
    }

    const endedAt = clock();
    // The settings the session ran with (read again only when the session failed before reading them).
    const settings = organizationSettings ?? (await deps.organizationSettings(organizationId));
    const slot = nextSlot(endedAt, state.scheduleOffsetSeconds, settings.intervalMinutes * 60);
    let outcome: 'succeeded' | 'failed' | 'abandoned' = failure ? 'failed' : 'succeeded';
    let nextSessionAt = slot;
    let failureFields: Parameters<MailboxSyncRepository['endSession']>[2]['failure'];
    if (failure) {
      const { consecutive, suspend } = failureOutcome(state, failure, settings);
      if (failure.transient) nextSessionAt = backoffAt(endedAt, consecutive, slot, timing);
      failureFields = {
        class: failure.class,
        message: failure.message,
        transient: failure.transient,
        consecutive,
        ...(suspend ? { suspendedReason: `${failure.message} — ${adviceFor(failure.class, false)}` } : {}),
      };
      if (suspend) runLog.warn({ failureClass: failure.class, consecutive }, 'mailbox suspended');
    } else if (stoppedByRelay || lostHold) {
      // Cut short by a shutdown: due again at once, so another process (or this one after its restart) resumes it
      // from the committed cursors.
      outcome = 'abandoned';
      nextSessionAt = endedAt;
    }
    if (outcome === 'abandoned' && stoppedByRelay) errors.push({ message: 'The relay stopped during the session; the next session resumes from the last committed cursors.' });
    const ended = await deps.mailboxes.endSession(organizationId, userId, {
      runId: run.id,
      endedAt,
      outcome,
      counts,
      errors,
      nextSessionAt,
      ...(failureFields ? { failure: failureFields } : {}),
      setupDone: outcome === 'succeeded' && !paused,
    });
    if (!ended) runLog.warn('the session no longer held the mailbox when it ended (taken over or disabled)');
    runLog.info({ outcome, counts, failureClass: failure?.class }, 'session ended');
    try {
      deps.onSessionEnded?.({ organizationId, trigger, outcome, durationMs: endedAt.getTime() - startedAt.getTime(), counts, ...(failure ? { failureClass: failure.class } : {}) });
    } catch (error) {
      runLog.warn({ err: error }, 'onSessionEnded hook failed');
    }
    return { ran: true, runId: run.id, outcome, ...(failure ? { failure } : {}) };
  };
}
