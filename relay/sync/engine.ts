/**
 * The sync engine of one relay process: the session queue and its workers, the fan-out tick, and the SyncControl the
 * routes, the admin console and the sandbox use. Several processes on one PostgreSQL each start an engine; sessions
 * are shared through the exclusive queue and never doubled.
 *
 * The tick runs on pg-boss's cron (every minute) when the interval is a minute or more, and on a timer in the process
 * below that (sandbox, tests: pg-boss cron cannot go below a minute); either way the tick itself takes a try-lock, so
 * processes ticking together do not both claim.
 */
import type { Logger } from '../log';
import { createMailboxFactory } from '../mailbox';
import type { MailboxFactory } from '../mailbox/types';
import type { JobQueue } from '../scheduler/jobs';
import type { Db } from '../store/db';
import type { SecretBox } from '../secrets/secret-box';
import { createStore } from '../store';
import { createMailboxSyncRepository } from '../store/mailboxes';
import { createSyncSettingsRepository } from '../store/sync-settings';
import { createSyncControl, SESSION_QUEUE, SessionJobDataSchema, type SessionJobData, type SyncControlService } from './control-service';
import { createSessionRunner, DEFAULT_TIMING, type RunnerDeps, type SessionResult, type SessionTiming } from './runner';
import { createScheduler, type Scheduler, type TickResult } from './scheduler';
import type { SessionStep } from './types';
import { createSetupStep } from './setup';
import { createEmailStep } from './email/step';
import { createEmailSaving } from '../saving/email';
import { createEmailSyncItemsRepository } from '../store/email-sync-items';
import { c4cClientCache, c4cPortCache } from '../c4c/port-cache';
import { createMirrorStep } from './mirror/step';
import { attendeeAutoResolver } from './mirror/auto-resolve-attendees';
import { createMeetingOwnerRepository, createMirrorKindStatusRepository, createMirrorLinkRepository } from '../store/mirror-links';
import { mirrorSettings } from '../../shared/api/mirror';
import { createAutoResolver } from '../saving/auto-resolve';
import { createAutoResolvedRepository } from '../store/auto-resolved';

export const TICK_QUEUE = 'sync-tick';
export const DEFAULT_CONCURRENCY = 16;

export interface EngineServices {
  db: Db;
  secrets: SecretBox;
  jobs: JobQueue;
  logger: Logger;
}

export interface EngineOptions {
  /** The session's steps, in order (a function: built per session, so steps may keep per-session state). */
  steps: SessionStep[] | (() => SessionStep[]);
  /**
   * How often the fan-out tick runs. Default 60 s (pg-boss cron); below a minute a timer in the process; 0 = never on
   * its own (tests call tick()).
   */
  tickIntervalMs?: number;
  /**
   * Sessions this process runs at once. Default 16: an idle session mostly waits on the mailbox server, and the sync
   * bench's throughput still rose from 2 to 16 (EWS calls per service account stay capped by the mailbox layer).
   */
  concurrency?: number;
  /** False: control only (queue sessions, answer status), no workers and no tick in this process. Default true. */
  workers?: boolean;
  mailboxFactory?: MailboxFactory;
  timing?: Partial<SessionTiming>;
  /** How often idle session workers look for jobs. Default 2 s. */
  pollingIntervalSeconds?: number;
  /** A running pg-boss session job older than this is failed by pg-boss (the heartbeat takeover is faster). */
  sessionExpireSeconds?: number;
  now?: () => Date;
  /** Called when a session of this process ends (relay/metrics records sessions, durations and item counts). */
  onSessionEnded?: RunnerDeps['onSessionEnded'];
}

export interface SyncEngine {
  control: SyncControlService;
  scheduler: Scheduler;
  /** Runs one tick now (tests; the timer / cron call the same). */
  tick(): Promise<TickResult>;
  /** Sessions running in this process. */
  running(): number;
  /** Stops the tick and the workers; running sessions finish their current item and end (resumed elsewhere). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startEngine(services: EngineServices, options: EngineOptions): Promise<SyncEngine> {
  const { db, jobs, logger } = services;
  const log = logger.child({ component: 'sync' });
  const store = createStore(db, services.secrets);
  const mailboxes = createMailboxSyncRepository(db);
  const now = options.now ?? (() => new Date());
  const timing: SessionTiming = { ...DEFAULT_TIMING, ...options.timing };
  const tickIntervalMs = options.tickIntervalMs === 0 ? 0 : Math.max(100, options.tickIntervalMs ?? 60000);
  const workers = options.workers ?? true;

  await jobs.createQueue(SESSION_QUEUE, {
    policy: 'exclusive',
    // Retries are the engine's own back-off; a pg-boss retry would be a second session outside those rules.
    retryLimit: 0,
    expireInSeconds: options.sessionExpireSeconds ?? 4 * 3600,
  });

  const control = createSyncControl({ db, jobs, mailboxes, organizations: store.organizations, audit: store.audit, now });
  const scheduler = createScheduler({ db, jobs, logger: log, staleAfterMs: timing.staleAfterMs, now });
  let stopping = false;
  const runSession = createSessionRunner({
    mailboxes,
    users: store.users,
    mailboxAccess: store.mailboxAccess,
    settings: createSyncSettingsRepository(db),
    organizationSettings: (organizationId) => control.settingsOf(organizationId),
    factory: options.mailboxFactory ?? createMailboxFactory(),
    steps: typeof options.steps === 'function' ? options.steps : () => options.steps as SessionStep[],
    logger: log,
    timing,
    stopping: () => stopping,
    now,
    ...(options.onSessionEnded ? { onSessionEnded: options.onSessionEnded } : {}),
  });

  const inFlight = new Set<Promise<SessionResult>>();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = (): Promise<TickResult> => {
    const run = scheduler.tick();
    ticking = run.catch(() => undefined);
    return run;
  };

  if (workers) {
    await jobs.work<SessionJobData>(
      SESSION_QUEUE,
      async (job) => {
        const parsed = SessionJobDataSchema.safeParse(job.data);
        if (!parsed.success) {
          log.error({ jobId: job.id }, 'session job with invalid data dropped');
          return { ran: false, reason: 'invalid-data' };
        }
        const session = runSession(parsed.data);
        inFlight.add(session);
        try {
          return await session;
        } finally {
          inFlight.delete(session);
        }
      },
      { concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, ...(options.pollingIntervalSeconds !== undefined ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}) },
    );

    if (tickIntervalMs >= 60000) {
      await jobs.createQueue(TICK_QUEUE, { policy: 'exclusive', retryLimit: 0, expireInSeconds: 600 });
      await jobs.work(TICK_QUEUE, async () => tick());
      await jobs.schedule(TICK_QUEUE, '* * * * *', {}, { singletonKey: 'tick' });
    } else if (tickIntervalMs > 0) {
      const loop = (): void => {
        timer = setTimeout(() => {
          void tick()
            .catch((error: unknown) => log.error({ err: error }, 'sync tick failed'))
            .finally(() => {
              if (!stopping) loop();
            });
        }, tickIntervalMs);
        timer.unref();
      };
      loop();
      // The first tick at once, so mailboxes due at start-up (and sessions of a process that died) do not wait.
      void tick().catch((error: unknown) => log.error({ err: error }, 'sync tick failed'));
    }
  }
  log.info({ workers, concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, tickIntervalMs }, 'sync engine started');

  let stopped: Promise<void> | undefined;
  return {
    control,
    scheduler,
    tick,
    running: () => inFlight.size,
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        stopping = true;
        if (timer) clearTimeout(timer);
        if (workers) {
          await jobs.offWork(SESSION_QUEUE);
          if (tickIntervalMs >= 60000) await jobs.offWork(TICK_QUEUE);
        }
        const timeoutMs = stopOptions.timeoutMs ?? 15000;
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight, ticking]),
          new Promise<void>((resolve) => {
            timeout = setTimeout(resolve, timeoutMs);
            timeout.unref();
          }),
        ]);
        if (timeout) clearTimeout(timeout);
        log.info('sync engine stopped');
      })();
      return stopped;
    },
  };
}

/**
 * How long an organization's user domains are reused across its sessions: a user imported with a new domain counts as
 * internal within a minute, and 1,000 mailboxes of one organization share one query a minute instead of one each.
 */
const ORGANIZATION_DOMAINS_TTL_MS = 60_000;

/** Per organization, the answer of `load` for `ttlMs` (a failed load is not kept). Concurrent callers share one load. */
export function cachedPerOrganization<T>(load: (organizationId: string) => Promise<T>, ttlMs: number, now: () => number = Date.now): (organizationId: string) => Promise<T> {
  const cache = new Map<string, { at: number; value: Promise<T> }>();
  return (organizationId) => {
    const hit = cache.get(organizationId);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = load(organizationId);
    cache.set(organizationId, { at: now(), value });
    value.catch(() => {
      if (cache.get(organizationId)?.value === value) cache.delete(organizationId);
    });
    return value;
  };
}

/**
 * The product's session steps, in order: the first session's setup (folders, categories, baseline cursors; a no-op
 * once done), then email saving through the same saving room as the sidebar's Save. Built once per process: the
 * steps keep no per-session state, and the C4C client cache keeps CSRF tokens and cookies across sessions.
 */
export function defaultSessionSteps(services: Pick<EngineServices, 'db' | 'secrets'>, options: { claimLeaseMs?: number } = {}): SessionStep[] {
  const store = createStore(services.db, services.secrets);
  const mailboxes = createMailboxSyncRepository(services.db);
  const organizationDomains = cachedPerOrganization((organizationId) => mailboxes.organizationDomains(organizationId), ORGANIZATION_DOMAINS_TTL_MS);
  // One C4C port cache and one auto-resolver for email and meetings: an unknown address met in both gives one record.
  const c4cPorts = c4cPortCache(store.c4cConnections);
  const autoResolver = createAutoResolver(createAutoResolvedRepository(services.db));
  return [
    createSetupStep(),
    createEmailStep({
      saving: createEmailSaving({
        store,
        c4cFor: c4cPorts,
        autoResolver,
        ...(options.claimLeaseMs !== undefined ? { claimLeaseMs: options.claimLeaseMs } : {}),
      }),
      items: createEmailSyncItemsRepository(services.db),
      organizationDomains,
    }),
    // Two-way mirroring (calendar, tasks, contacts) after email; off with MIRROR_ENABLED=false or per organization.
    createMirrorStep({
      links: createMirrorLinkRepository(services.db),
      owners: createMeetingOwnerRepository(services.db),
      figures: createMirrorKindStatusRepository(services.db),
      c4cFor: c4cClientCache(store.c4cConnections),
      mirrorSettingsFor: async (organizationId) => mirrorSettings((await store.organizations.get(organizationId))?.settings?.mirror),
      organizationDomains,
      autoResolve: attendeeAutoResolver({ resolver: autoResolver, c4cFor: c4cPorts, organizationDomains }),
    }),
  ];
}
