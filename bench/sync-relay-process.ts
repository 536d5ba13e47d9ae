/**
 * The relay process of the sync bench's throughput run (forked by bench/sync.ts over IPC): the database, the job
 * queue and the real engine with the product's steps, without the emulators (they run in the parent), so its RSS and
 * CPU are the relay's own.
 *
 * Messages: init (organization, users, enable, first sessions) → initialized; round (one engine configuration, one
 * round of idle sessions: the clock moves past the interval and one tick queues every mailbox) → round; exit.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { createMailboxSyncRepository } from '../relay/store/mailboxes';
import type { SyncEngine } from '../relay/sync/engine';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../test/emulators/demo-identities';
import { createBenchOrganization, failedRuns, lastRunId, openBenchRelay, waitForRuns, type BenchRelay } from './sync-world';

export interface InitMessage {
  type: 'init';
  ewsUrl: string;
  c4cServiceRoot: string;
  addresses: string[];
  /** Sessions at once for the (unmeasured) first sessions. */
  warmConcurrency: number;
  /** The organization's EWS calls in flight per service account (the product's default 8 when absent). */
  ewsMaxConcurrency?: number;
}

export interface RoundMessage {
  type: 'round';
  label: string;
  /** SYNC_CONCURRENCY; the engine's default when absent. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  /** Stop measuring after this long even if the round is not through. */
  timeBoxMs: number;
}

export type ParentMessage = InitMessage | RoundMessage | { type: 'exit' };

export interface InitializedMessage {
  type: 'initialized';
  database: string;
  mailboxes: number;
  firstSessionsMs: number;
  /** RSS once the database is open and migrated, before any mailbox (PGlite's WASM heap is most of it). */
  rssOpenMiB: number;
  /** RSS after the first sessions of every mailbox. */
  rssAfterFirstMiB: number;
  failed: number;
  failures: string[];
}

export interface RoundResult {
  type: 'round';
  label: string;
  sessions: number;
  failed: number;
  ms: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  heapUsedEndMiB: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Statements through db.query during the round (store + pg-boss parameterized), incl. the bench's own polls. */
  queries: number;
  benchPolls: number;
  /** Median / p95 of the session durations recorded in the run history. */
  sessionMedianMs: number;
  sessionP95Ms: number;
}

export type ChildMessage = { type: 'ready' } | InitializedMessage | RoundResult | { type: 'error'; message: string };

const MIB = 1024 * 1024;
const INTERVAL_MS = 30 * 60_000;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** BENCH_CPU_PROF=<dir>: a CPU profile of each round only (not of the first sessions), one .cpuprofile per round. */
async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return fn();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string): Promise<unknown> => new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${label.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

let relay: BenchRelay | undefined;
let organizationId = '';
let mailboxCount = 0;

async function init(message: InitMessage): Promise<InitializedMessage> {
  relay = await openBenchRelay();
  const rssOpen = process.memoryUsage.rss();
  const org = await createBenchOrganization(relay, {
    c4cServiceRoot: message.c4cServiceRoot,
    access: { kind: 'ews-impersonation', ewsUrl: message.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password, ...(message.ewsMaxConcurrency ? { maxConcurrency: message.ewsMaxConcurrency } : {}) },
    addresses: message.addresses,
  });
  organizationId = org.organizationId;
  mailboxCount = org.userIds.length;
  const started = performance.now();
  const since = await lastRunId(relay);
  const warm = await relay.startEngine({ concurrency: message.warmConcurrency, pollingIntervalSeconds: 0.5 });
  await warm.control.enable(organizationId, org.userIds, { kind: 'system', id: 'bench' });
  const runs = await waitForRuns(relay, [organizationId], since, mailboxCount, 600_000, 250);
  await warm.stop({ timeoutMs: 30_000 });
  const failed = failedRuns(runs);
  const state = await createMailboxSyncRepository(relay.bench.db).get(organizationId, org.userIds[0]);
  if (!state?.setupDoneAt) throw new Error('the first session did not finish the setup');
  return {
    type: 'initialized',
    database: relay.bench.label,
    mailboxes: mailboxCount,
    firstSessionsMs: performance.now() - started,
    rssOpenMiB: rssOpen / MIB,
    rssAfterFirstMiB: process.memoryUsage.rss() / MIB,
    failed: failed.length,
    failures: failed.slice(0, 3).map((r) => `${r.outcome}: ${JSON.stringify(r.counts)}`),
  };
}

async function round(message: RoundMessage): Promise<RoundResult> {
  if (!relay) throw new Error('not initialized');
  const r = relay;
  let engine: SyncEngine | undefined;
  let rssPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 50);
  try {
    engine = await r.startEngine({
      ...(message.concurrency !== undefined ? { concurrency: message.concurrency } : {}),
      ...(message.pollingIntervalSeconds !== undefined ? { pollingIntervalSeconds: message.pollingIntervalSeconds } : {}),
    });
    // Past every mailbox's slot: the next tick finds all of them due, as the minute tick would over a real interval.
    r.advance(INTERVAL_MS + 60_000);
    const since = await lastRunId(r);
    const queriesBefore = r.bench.queries();
    r.bench.resetStatementTimes();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let polls = 0;
    let runs: Awaited<ReturnType<typeof waitForRuns>> = [];
    const tick = await profiled(message.label, async () => {
      const result = await engine!.tick();
      const deadline = Date.now() + message.timeBoxMs;
      runs = await waitForRuns(r, [organizationId], since, 0, 0);
      while (runs.length < mailboxCount && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        polls += 1;
        runs = await waitForRuns(r, [organizationId], since, 0, 0);
      }
      return result;
    });
    if (tick.due !== mailboxCount) throw new Error(`the tick found ${tick.due} of ${mailboxCount} mailboxes due`);
    const ms = performance.now() - started;
    if (process.env.BENCH_SQL_STATS) {
      // Diagnostics: where the database time of the round went, per statement.
      for (const t of r.bench.statementTimes().slice(0, 15)) process.stderr.write(`${t.ms.toFixed(0).padStart(7)} ms ${String(t.count).padStart(6)}x ${t.sql}\n`);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const queries = r.bench.queries() - queriesBefore;
    const rssEnd = process.memoryUsage.rss();
    rssPeak = Math.max(rssPeak, rssEnd);
    const durations = runs.map((run) => run.endedAt.getTime() - run.startedAt.getTime()).sort((a, b) => a - b);
    return {
      type: 'round',
      label: message.label,
      sessions: runs.length,
      failed: failedRuns(runs).length,
      ms,
      rssPeakMiB: rssPeak / MIB,
      rssEndMiB: rssEnd / MIB,
      heapUsedEndMiB: process.memoryUsage().heapUsed / MIB,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      queries,
      benchPolls: polls + 1,
      sessionMedianMs: percentile(durations, 0.5),
      sessionP95Ms: percentile(durations, 0.95),
    };
  } finally {
    clearInterval(sampler);
    // Sessions in flight finish; jobs still waiting run in the next round (the tick skips mailboxes that have one).
    await engine?.stop({ timeoutMs: 60_000 });
  }
}

process.on('message', (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.type === 'init') send(await init(message));
      else if (message.type === 'round') send(await round(message));
      else {
        await relay?.close();
        process.exit(0);
      }
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  })();
});
send({ type: 'ready' });
