/**
 * Background jobs on pg-boss 10 (the last line that runs on Node 20), over either store back end.
 *
 * - PostgreSQL: pg-boss runs its statements on the store's pg Pool (exactly what its own driver would do).
 * - PGlite: pg-boss 10 has no PGlite driver, but accepts `db: { executeSql(text, values) }`. It sends installation,
 *   migration and maintenance commands as multi-statement scripts without parameters (`BEGIN; … COMMIT;`), which
 *   PGlite's `query` rejects, so those go through PGlite's `exec` (see `pgliteScriptRunner`) and the result of the
 *   last statement that returned rows is handed back; everything with parameters goes through `query`.
 *
 * Queue policies offered here, and why not pg-boss's `singleton`/`stately` directly:
 * in pg-boss 10 a `singleton`/`stately` queue lets a second job for key K wait in `created` while K is active. The
 * fetch query then picks that job first, hits the "one active per key" unique index, and fetches nothing, so every
 * other key behind it (every other mailbox) waits until K's job ends (observed with 10.4.2 on both back ends).
 * `exclusive` (the name pg-boss 12 uses for the same idea) adds one unique index so that at most ONE job per
 * singletonKey exists in created/retry/active; a `send` for a key that already has one returns null. That keeps
 * "scheduled session and Sync now never overlap" without head-of-line blocking, and it also holds for jobs that
 * pg-boss's cron inserts itself, because the database enforces it.
 *
 * Workers are this module's own loops over `boss.fetch` / complete / fail, not `boss.work`: pg-boss 10's worker
 * (src/worker.js) waits `pollingInterval - duration` after EVERY fetch, also one that returned a job, so with one job
 * per fetch each worker ran at most one job per polling interval (2 loops at 2 s = 1 session/s whatever a session
 * costs). Here a loop fetches again at once after a job and sleeps the interval only when the queue had nothing.
 * pg-boss's job semantics are kept: a handler running longer than the job's expireInSeconds is failed (as pg-boss's
 * `resolveWithinSeconds` does; maintenance expires it too), and completing or failing is guarded by the job's
 * retry_count, which pg-boss's fetch raises each time a job is started again: a handler whose job expired and was
 * fetched again (retried) can no longer complete or fail the new run.
 */
import PgBoss from 'pg-boss';
import { pgliteScriptRunner, postgresPool, type Db } from '../store/db';

export type QueuePolicy = 'standard' | 'short' | 'exclusive';

export interface QueueOptions {
  /**
   * standard: no limits. short: at most one job per singletonKey waiting (more sends return null).
   * exclusive: at most one job per singletonKey waiting, retrying or running (singletonKey required).
   */
  policy?: QueuePolicy;
  retryLimit?: number;
  /** Seconds before a retry (doubled each time with retryBackoff). */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A running job older than this is failed (and retried when retries remain). Default 15 minutes. */
  expireInSeconds?: number;
  /** How long a job may wait in the queue before it is dropped. Default 14 days. */
  retentionMinutes?: number;
}

export interface SendOptions {
  singletonKey?: string;
  /** Seconds from now, or a date. */
  startAfter?: number | Date;
  priority?: number;
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
}

export interface Job<T> {
  id: string;
  name: string;
  data: T;
}

/** Resolve to complete the job (the value is stored as its output); throw to fail it (and retry if allowed). */
export type JobHandler<T> = (job: Job<T>) => Promise<unknown>;

export interface WorkOptions {
  /** Jobs of this queue that may run at once in this process. Default 1. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
}

export interface JobQueueOptions {
  /** PostgreSQL schema pg-boss installs into. Default 'pgboss'. */
  schema?: string;
  /** How often idle workers look for work. Default 2 s; pg-boss's minimum is 0.5 s. */
  pollingIntervalSeconds?: number;
  /** Maintenance (expiring stuck jobs, retention); default pg-boss's 120 s. */
  maintenanceIntervalSeconds?: number;
  /** Run cron schedules in this process. Default true. */
  schedule?: boolean;
  /** Run maintenance in this process. Default true. */
  supervise?: boolean;
  /** Where pg-boss's background errors go (it emits them instead of throwing). */
  onError?: (error: Error) => void;
}

export interface JobQueue {
  /** The pg-boss instance, for what the wrapper does not cover (getQueueSize, fetch, cancel, …). */
  readonly boss: PgBoss;
  readonly schema: string;
  /** Idempotent; safe at every start-up. Refuses to change an existing queue's policy. */
  createQueue(name: string, options?: QueueOptions): Promise<void>;
  /** The job id, or null when a singleton rule dropped it (a job for that key is already queued or running). */
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /** Starts `concurrency` worker loops for the queue in this process. */
  work<T extends object>(name: string, handler: JobHandler<T>, options?: WorkOptions): Promise<void>;
  /** Stops this process's workers of a queue from fetching; running handlers finish and complete on their own. */
  offWork(name: string): Promise<void>;
  schedule<T extends object>(name: string, cron: string, data?: T, options?: { tz?: string; singletonKey?: string }): Promise<void>;
  unschedule(name: string): Promise<void>;
  /** Jobs of a queue per state; for status pages and tests. */
  countByState(name: string): Promise<Record<string, number>>;
  /** Stops fetching, waits up to `timeoutMs` for running jobs, then fails what is still running (so it retries). */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

type BossPolicy = 'standard' | 'short' | 'singleton';
const BOSS_POLICY: Record<QueuePolicy, BossPolicy> = { standard: 'standard', short: 'short', exclusive: 'singleton' };
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface SqlResult {
  rows: unknown[];
}

function executorFor(db: Db): PgBoss.Db {
  const pool = postgresPool(db);
  if (pool) {
    return {
      // pg-boss's own driver does exactly this; multi-statement scripts use pg's simple protocol.
      executeSql: (text: string, values?: unknown[]) => pool.query(text, values as unknown[] | undefined),
    };
  }
  const script = pgliteScriptRunner(db);
  if (!script) throw new Error(`unsupported store back end: ${db.kind}`);
  return {
    executeSql: async (text: string, values?: unknown[]): Promise<SqlResult> => {
      if (!values || values.length === 0) {
        const results = await script(text);
        // pg-boss reads rows only from single SELECTs sent this way; skip trailing BEGIN/COMMIT results.
        const withRows = results.filter((r) => r.rows.length > 0);
        return withRows[withRows.length - 1] ?? results[results.length - 1] ?? { rows: [] };
      }
      return db.query(text, values);
    },
  };
}

/** What a fetch with includeMetadata returns, of which the loops need these. */
interface FetchedJob {
  id: string;
  name: string;
  data: unknown;
  expireInSeconds: number | string;
  retryCount: number | string;
}

/** pg-boss's own mapping of a handler's result to the job's output column (manager.js mapCompletionDataArg). */
function outputOf(data: unknown): string | null {
  if (data === null || data === undefined || typeof data === 'function') return null;
  return JSON.stringify(typeof data === 'object' && !Array.isArray(data) ? data : { value: data });
}

function failureOutput(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { value: String(error) };
}

class HandlerExpiredError extends Error {
  constructor(seconds: number) {
    super(`handler did not finish within the job's expireInSeconds (${seconds} s)`);
    this.name = 'HandlerExpiredError';
  }
}

/** One work() call: its loops and how to wake them from their idle sleep. */
interface WorkerGroup {
  name: string;
  stopping: boolean;
  sleepers: Set<() => void>;
  loops: Promise<void>[];
}

/** A job a handler of this process is running: what it takes to fail it on shutdown. */
interface RunningJob {
  name: string;
  id: string;
  retryCount: number;
}

export async function createJobQueue(db: Db, options: JobQueueOptions = {}): Promise<JobQueue> {
  const schema = options.schema ?? 'pgboss';
  // The schema name is interpolated into SQL (by pg-boss and by the exclusive index below), so it must be plain.
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid job queue schema name: ${schema}`);

  // A handler that outlives stop() (its wait is bounded) would complete its job on a pool the caller has closed by
  // then. Once stopped, statements are dropped instead: stop() has already failed that job (it retries where allowed),
  // which is safe because every job here is idempotent.
  let closed = false;
  const executor = executorFor(db);
  const boss = new PgBoss({
    db: { executeSql: (text: string, values?: unknown[]) => (closed ? Promise.resolve({ rows: [] }) : executor.executeSql(text, values as unknown[])) },
    schema,
    pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
    ...(options.maintenanceIntervalSeconds !== undefined ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds } : {}),
    schedule: options.schedule ?? true,
    supervise: options.supervise ?? true,
  });
  // An EventEmitter 'error' without a listener would crash the process.
  boss.on('error', (error: Error) => options.onError?.(error));
  await boss.start();

  // See the module comment: one job per key across created/retry/active for 'exclusive' (pg-boss 'singleton') queues.
  // Created once per schema under an advisory lock so relay instances starting together do not race.
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${schema}.exclusive_key_index`]);
    await tx.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS job_exclusive_key ON ${schema}.job (name, singleton_key)
       WHERE state <= 'active' AND singleton_key IS NOT NULL AND policy = 'singleton'`,
    );
  });

  const policies = new Map<string, QueuePolicy>();
  let stopped = false;
  const defaultIdleMs = (options.pollingIntervalSeconds ?? 2) * 1000;
  const groups: WorkerGroup[] = [];
  const running = new Set<RunningJob>();
  const run = (text: string, values: unknown[]): Promise<SqlResult> =>
    closed ? Promise.resolve({ rows: [] }) : (executor.executeSql(text, values) as Promise<SqlResult>);

  // pg-boss's completeJobs, for one job and only while it is still the run this handler fetched.
  const completeSql = `UPDATE ${schema}.job SET completed_on = now(), state = 'completed', output = $3::jsonb
    WHERE name = $1 AND id = $2::uuid AND state = 'active' AND retry_count = $4`;

  async function complete(job: RunningJob, output: unknown): Promise<void> {
    await run(completeSql, [job.name, job.id, outputOf(output), job.retryCount]);
  }

  /** pg-boss's fail (retry or failed, dead letter), applied only while the job is still this handler's run. */
  async function fail(job: RunningJob, error: unknown): Promise<void> {
    if (closed) return;
    await db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `SELECT 1 FROM ${schema}.job WHERE name = $1 AND id = $2::uuid AND state = 'active' AND retry_count = $3 FOR UPDATE`,
        [job.name, job.id, job.retryCount],
      );
      if (rows.length === 0) return;
      await boss.fail(job.name, job.id, failureOutput(error), { db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) } });
    });
  }

  async function settle(job: RunningJob, outcome: () => Promise<void>): Promise<void> {
    try {
      await outcome();
    } catch (error) {
      // Not fatal to the loop: the job stays active and pg-boss's expiry hands it on.
      if (!closed) options.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async function runJob<T>(group: WorkerGroup, fetched: FetchedJob, handler: JobHandler<T>): Promise<void> {
    const job: RunningJob = { name: group.name, id: fetched.id, retryCount: Number(fetched.retryCount) };
    const expireSeconds = Number(fetched.expireInSeconds);
    running.add(job);
    let expiry: NodeJS.Timeout | undefined;
    try {
      const handled = handler({ id: fetched.id, name: fetched.name, data: fetched.data as T });
      const output = await Promise.race([
        handled,
        new Promise<never>((_resolve, reject) => {
          expiry = setTimeout(() => reject(new HandlerExpiredError(expireSeconds)), expireSeconds * 1000);
          expiry.unref();
        }),
      ]);
      await settle(job, () => complete(job, output));
    } catch (error) {
      await settle(job, () => fail(job, error));
    } finally {
      if (expiry) clearTimeout(expiry);
      running.delete(job);
    }
  }

  function idle(group: WorkerGroup, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        group.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      group.sleepers.add(wake);
    });
  }

  async function loop<T>(group: WorkerGroup, handler: JobHandler<T>, idleMs: number): Promise<void> {
    while (!group.stopping) {
      let fetched: FetchedJob | undefined;
      try {
        [fetched] = (await boss.fetch<unknown>(group.name, { batchSize: 1, includeMetadata: true })) as unknown as FetchedJob[];
      } catch (error) {
        if (!closed) options.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
      if (fetched) await runJob(group, fetched, handler);
      else if (!group.stopping) await idle(group, idleMs);
    }
  }

  function stopGroups(name?: string): WorkerGroup[] {
    const stopping = groups.filter((g) => !g.stopping && (name === undefined || g.name === name));
    for (const group of stopping) {
      group.stopping = true;
      for (const wake of [...group.sleepers]) wake();
    }
    return stopping;
  }

  async function policyOf(name: string): Promise<QueuePolicy | undefined> {
    const known = policies.get(name);
    if (known) return known;
    const queue = await boss.getQueue(name);
    if (!queue) return undefined;
    const policy = (Object.keys(BOSS_POLICY) as QueuePolicy[]).find((p) => BOSS_POLICY[p] === queue.policy);
    if (policy) policies.set(name, policy);
    return policy;
  }

  return {
    boss,
    schema,

    async createQueue(name, queueOptions = {}) {
      const policy = queueOptions.policy ?? 'standard';
      const existing = await boss.getQueue(name);
      if (existing) {
        const existingPolicy = existing.policy ?? 'standard';
        if (existingPolicy !== BOSS_POLICY[policy]) {
          throw new Error(`queue ${name} exists with policy ${existingPolicy}; it cannot be changed to ${policy} (delete the queue first)`);
        }
      }
      const settings = {
        retryLimit: queueOptions.retryLimit,
        retryDelay: queueOptions.retryDelay,
        retryBackoff: queueOptions.retryBackoff,
        expireInSeconds: queueOptions.expireInSeconds,
        retentionMinutes: queueOptions.retentionMinutes,
      };
      const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
      // updateQueue resets the policy to 'standard' unless it is given, so always pass it.
      if (existing) await boss.updateQueue(name, { name, policy: BOSS_POLICY[policy], ...defined });
      else await boss.createQueue(name, { name, policy: BOSS_POLICY[policy], ...defined });
      policies.set(name, policy);
    },

    async send(name, data, sendOptions = {}) {
      const policy = await policyOf(name);
      if (!policy) throw new Error(`queue ${name} does not exist (create it at start-up with createQueue)`);
      if (policy === 'exclusive' && !sendOptions.singletonKey) {
        throw new Error(`queue ${name} is exclusive: send needs a singletonKey`);
      }
      const { startAfter, ...rest } = sendOptions;
      return boss.send(name, data, { ...rest, ...(startAfter !== undefined ? { startAfter } : {}) });
    },

    async work<T extends object>(name: string, handler: JobHandler<T>, workOptions: WorkOptions = {}) {
      if (stopped) throw new Error('the job queue is stopped');
      const concurrency = Math.max(1, Math.trunc(workOptions.concurrency ?? 1));
      // pg-boss's own floor for polling.
      const idleMs = Math.max(500, workOptions.pollingIntervalSeconds !== undefined ? workOptions.pollingIntervalSeconds * 1000 : defaultIdleMs);
      // Each loop takes one job at a time (a batch would tie several jobs' fate to one handler call).
      const group: WorkerGroup = { name, stopping: false, sleepers: new Set(), loops: [] };
      groups.push(group);
      for (let i = 0; i < concurrency; i += 1) group.loops.push(loop(group, handler, idleMs));
    },

    async offWork(name) {
      stopGroups(name);
    },

    async schedule(name, cron, data, scheduleOptions = {}) {
      // Cron inserts bypass send(); a keyless job on an exclusive queue would fall back to pg-boss's own singleton
      // rule and bring back the head-of-line blocking described above.
      if ((await policyOf(name)) === 'exclusive' && !scheduleOptions.singletonKey) {
        throw new Error(`queue ${name} is exclusive: schedule needs a singletonKey`);
      }
      await boss.schedule(name, cron, data ?? {}, scheduleOptions);
    },

    async unschedule(name) {
      await boss.unschedule(name);
    },

    async countByState(name) {
      const { rows } = await db.query<{ state: string; count: number }>(
        `SELECT state::text AS state, count(*)::int AS count FROM ${schema}.job WHERE name = $1 GROUP BY state`,
        [name],
      );
      return Object.fromEntries(rows.map((row) => [row.state, Number(row.count)]));
    },

    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      const timeoutMs = stopOptions.timeoutMs ?? 30000;
      for (const group of groups) stopGroups(group.name);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(groups.flatMap((g) => g.loops)),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, timeoutMs);
        }),
      ]);
      if (timeout) clearTimeout(timeout);
      // As pg-boss's own shutdown does: what is still running fails (and retries when allowed); the handler's own
      // completion later is dropped by the closed guard.
      for (const job of [...running]) await settle(job, () => fail(job, new Error('pg-boss shut down while active')));
      // Maintenance and cron; no pg-boss workers of ours are left to wait for.
      await boss.stop({ graceful: true, wait: true, close: false, timeout: 1000 });
      closed = true;
    },
  };
}
