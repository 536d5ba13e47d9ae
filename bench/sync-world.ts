/**
 * What the sync bench sections share: the relay's database (PGlite in memory by default, as the product defaults to
 * the embedded database; `BENCH_DATABASE_URL=postgres://…` runs on a PostgreSQL server, in a schema of its own that is
 * dropped afterwards), the job queue, the store, organizations with their C4C connection and mailbox access, many
 * demo mailboxes seeded straight into the Exchange emulator's store, the real engine with a clock the bench can move,
 * and waits on the run history.
 */
import crypto from 'node:crypto';
import { createJobQueue, type JobQueue } from '../relay/scheduler/jobs';
import { createSecretBox, type SecretBox } from '../relay/secrets';
import { createStore, migrate, openDb, type Db, type Store } from '../relay/store';
import { createLogger } from '../relay/log';
import type { MailboxFactory } from '../relay/mailbox/types';
import type { MailboxAccessInput } from '../relay/store/mailbox-access';
import { defaultSessionSteps, startEngine, type EngineOptions, type SyncEngine } from '../relay/sync/engine';
import type { ExchangeStore } from '../test/emulators/exchange/store';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../test/emulators/demo-identities';

export const benchLogger = createLogger({ level: process.env.BENCH_LOG ?? 'silent' });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface BenchDb {
  db: Db;
  /** 'PGlite (in memory)' or 'PostgreSQL'. */
  label: string;
  /** pg-boss schema to use (unique on a shared server). */
  bossSchema: string;
  /** Statements sent through db.query so far (the store's, and pg-boss's parameterized ones). */
  queries(): number;
  /** Count and total milliseconds per statement (its first words), since the last reset. */
  statementTimes(): Array<{ sql: string; count: number; ms: number }>;
  resetStatementTimes(): void;
  close(): Promise<void>;
}

/** The bench's database, with a statement counter on db.query. */
export async function openBenchDb(): Promise<BenchDb> {
  const url = process.env.BENCH_DATABASE_URL;
  let db: Db;
  let label: string;
  let bossSchema = 'pgboss';
  let drop: (() => Promise<void>) | undefined;
  if (url) {
    const schema = `bench_${crypto.randomBytes(5).toString('hex')}`;
    bossSchema = `pgboss_${schema}`;
    const admin = await openDb({ databaseUrl: url });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const parsed = new URL(url);
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    db = await openDb({ databaseUrl: parsed.toString() });
    label = 'PostgreSQL';
    drop = async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`);
      await admin.close();
    };
  } else {
    db = await openDb({ dataDir: 'memory://' });
    label = 'PGlite (in memory)';
  }
  await migrate(db);
  let count = 0;
  let times = new Map<string, { count: number; ms: number }>();
  const query = db.query.bind(db);
  // Counts (and times) every statement of the store and pg-boss's parameterized ones; transactions use their own
  // handle. On PGlite a statement's time includes its wait for the single connection.
  db.query = (async (text: string, params?: unknown[]) => {
    count += 1;
    const started = performance.now();
    try {
      return await query(text, params);
    } finally {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      const entry = times.get(key) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += performance.now() - started;
      times.set(key, entry);
    }
  }) as Db['query'];
  return {
    db,
    label,
    bossSchema,
    queries: () => count,
    statementTimes: () => [...times].map(([sql, t]) => ({ sql, ...t })).sort((a, b) => b.ms - a.ms),
    resetStatementTimes: () => {
      times = new Map();
    },
    async close() {
      await db.close();
      await drop?.();
    },
  };
}

export interface BenchRelay {
  bench: BenchDb;
  secrets: SecretBox;
  store: Store;
  jobs: JobQueue;
  /** Moves the engine's clock forward (every engine started here shares it). */
  advance(ms: number): void;
  now(): Date;
  /** The product's engine with the product's steps; tick only when the bench calls it. */
  startEngine(options: Partial<EngineOptions> & { factory?: MailboxFactory; jobs?: JobQueue }): Promise<SyncEngine>;
  close(): Promise<void>;
}

export async function openBenchRelay(): Promise<BenchRelay> {
  const bench = await openBenchDb();
  const secrets = createSecretBox(crypto.randomBytes(32));
  const store = createStore(bench.db, secrets);
  const jobs = await createJobQueue(bench.db, { schema: bench.bossSchema, schedule: false, onError: (error) => benchLogger.error({ err: error }, 'job queue error') });
  const steps = defaultSessionSteps({ db: bench.db, secrets });
  const engines: SyncEngine[] = [];
  let shift = 0;
  const now = (): Date => new Date(Date.now() + shift);
  return {
    bench,
    secrets,
    store,
    jobs,
    advance: (ms) => {
      shift += ms;
    },
    now,
    async startEngine(options) {
      const { factory, jobs: queue, ...rest } = options;
      const engine = await startEngine(
        { db: bench.db, secrets, jobs: queue ?? jobs, logger: benchLogger },
        { steps, tickIntervalMs: 0, now, ...(factory ? { mailboxFactory: factory } : {}), ...rest },
      );
      engines.push(engine);
      return engine;
    },
    async close() {
      for (const engine of engines) await engine.stop({ timeoutMs: 5000 });
      await jobs.stop({ timeoutMs: 2000 });
      await bench.close();
    },
  };
}

/** An organization with its C4C connection and mailbox access, and its users (one insert). */
export async function createBenchOrganization(relay: BenchRelay, input: { c4cServiceRoot: string; access: MailboxAccessInput; addresses: string[] }): Promise<{ organizationId: string; userIds: string[] }> {
  const org = await relay.store.organizations.create({ name: 'Bench', slug: `bench-${crypto.randomBytes(4).toString('hex')}` });
  await relay.store.c4cConnections.upsert(org.id, { serviceRoot: input.c4cServiceRoot, username: 'sandbox', password: 'sandbox' });
  await relay.store.mailboxAccess.set(org.id, input.access);
  const { rows } = await relay.bench.db.query<{ id: string; email: string }>(
    `INSERT INTO users (organization_id, display_name, email) SELECT $1, split_part(e, '@', 1), e FROM unnest($2::text[]) AS e
     RETURNING id::text AS id, email`,
    [org.id, input.addresses],
  );
  const byEmail = new Map(rows.map((r) => [r.email, r.id]));
  return { organizationId: org.id, userIds: input.addresses.map((a) => byEmail.get(a)!) };
}

/**
 * Seeds `count` empty mailboxes straight into the Exchange emulator's store (the emulator has no bulk control route),
 * each one impersonable by the demo service account.
 */
export function seedBenchMailboxes(store: ExchangeStore, count: number, prefix = 'bench'): string[] {
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const address = `${prefix}${String(i).padStart(4, '0')}@contoso.example`;
    store.addMailbox(address, `Bench User ${i}`, 'unused-password');
    store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
    addresses.push(address);
  }
  return addresses;
}

export interface RunRow {
  userId: string;
  outcome: string;
  startedAt: Date;
  endedAt: Date;
  counts: Record<string, number>;
}

/** Runs that ended since `since` (the run history the engine writes), for these organizations. */
export async function endedRuns(relay: BenchRelay, organizationIds: string[], sinceRunId: number): Promise<RunRow[]> {
  const { rows } = await relay.bench.db.query<{ user_id: string; outcome: string; started_at: Date; ended_at: Date; counts: Record<string, number> }>(
    `SELECT user_id::text, outcome, started_at, ended_at, counts FROM sync_runs
     WHERE organization_id = ANY($1::uuid[]) AND id > $2 AND ended_at IS NOT NULL`,
    [organizationIds, sinceRunId],
  );
  return rows.map((r) => ({ userId: r.user_id, outcome: r.outcome, startedAt: new Date(r.started_at), endedAt: new Date(r.ended_at), counts: r.counts }));
}

/** The newest run id so far (runs after it are "new"). */
export async function lastRunId(relay: BenchRelay): Promise<number> {
  const { rows } = await relay.bench.db.query<{ id: string | null }>(`SELECT max(id)::text AS id FROM sync_runs`);
  return Number(rows[0]?.id ?? 0);
}

/** Waits until `count` runs of these organizations ended after `sinceRunId`; the runs, or what ended by the deadline. */
export async function waitForRuns(relay: BenchRelay, organizationIds: string[], sinceRunId: number, count: number, timeoutMs: number, pollMs = 50): Promise<RunRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await endedRuns(relay, organizationIds, sinceRunId);
    if (runs.length >= count || Date.now() > deadline) return runs;
    await sleep(pollMs);
  }
}

export function failedRuns(runs: RunRow[]): RunRow[] {
  return runs.filter((r) => r.outcome !== 'succeeded');
}
