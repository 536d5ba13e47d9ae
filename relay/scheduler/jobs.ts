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
  work<T extends object>(name: string, handler: JobHandler<T>, options?: WorkOptions): Promise<void>;
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

export async function createJobQueue(db: Db, options: JobQueueOptions = {}): Promise<JobQueue> {
  const schema = options.schema ?? 'pgboss';
  // The schema name is interpolated into SQL (by pg-boss and by the exclusive index below), so it must be plain.
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid job queue schema name: ${schema}`);

  // pg-boss completes or fails a job without awaiting it (manager.js onFetch), so a handler that outlives stop()
  // would reach a closed pool as an unhandled rejection. Once stopped, statements are dropped instead: such a job stays
  // active until pg-boss's expiry retries it, which is safe because every job here is idempotent.
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
      const concurrency = Math.max(1, Math.trunc(workOptions.concurrency ?? 1));
      // pg-boss 10 runs one fetch → handle loop per work() call, so concurrency means that many loops, each taking
      // one job at a time (a batch would tie several jobs' fate to one handler call).
      for (let i = 0; i < concurrency; i += 1) {
        await boss.work<T>(
          name,
          { batchSize: 1, ...(workOptions.pollingIntervalSeconds !== undefined ? { pollingIntervalSeconds: workOptions.pollingIntervalSeconds } : {}) },
          async ([job]) => handler({ id: job.id, name: job.name, data: job.data }),
        );
      }
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
      await boss.stop({ graceful: true, wait: true, close: false, timeout: stopOptions.timeoutMs ?? 30000 });
      closed = true;
    },
  };
}
