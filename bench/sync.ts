/**
 * The sync engine (issue 7's figures), through the real engine (pg-boss session queue, workers, the product's steps:
 * setup, then email through the saving room) against the loopback emulators at 20 ms injected latency per request,
 * on the embedded database (PGlite, the product's default; `BENCH_DATABASE_URL=postgres://…` for a server):
 *
 *  1. requests per idle session: an activated mailbox after its first session, nothing changed, one more session;
 *     EWS (impersonation) and Graph (app-only) mailbox requests, and C4C requests;
 *  2. idle sessions per second of one relay process with SYNC_MAILBOXES enabled mailboxes, and its RSS: the relay
 *     runs in a child process (bench/sync-relay-process.ts), the emulators here; one round = the clock moves past
 *     the interval, one tick queues every mailbox, the workers run them. Measured with the product's defaults and
 *     with lower and higher SYNC_CONCURRENCY;
 *  3. C4C requests per saved email: SAVE_EMAILS emails categorized, one session;
 *  4. the idle session of (1) against a naive baseline that lists every item of the synced folders (EWS FindItem),
 *     for inboxes of 1,000 and 10,000 items.
 * Request counts come from the emulators' counters, never from the client.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createMailboxFactory } from '../relay/mailbox';
import { DEFAULT_CONCURRENCY, type SyncEngine } from '../relay/sync/engine';
import { setupRecordOf } from '../relay/sync/setup';
import { createMailboxSyncRepository } from '../relay/store/mailboxes';
import { SYNC_CATEGORIES } from '../shared/api/sync';
import { startC4cEmulator, type C4cEmulator } from '../test/emulators/c4c';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../test/emulators/demo-identities';
import { startExchangeEmulator } from '../test/emulators/exchange';
import type { ExchangeControl } from '../test/emulators/exchange/control';
import { DEMO_CUSTOMER_PEOPLE, generateBulkItems } from '../test/emulators/exchange/demo-data';
import { startGraphTestbed, type GraphTestbed } from '../test/emulators/exchange/graph/testbed';
import { naiveIdleSession } from './sync-naive';
import type { ChildMessage, InitializedMessage, ParentMessage, RoundMessage, RoundResult } from './sync-relay-process';
import { createBenchOrganization, endedRuns, lastRunId, openBenchRelay, seedBenchMailboxes, sleep, type BenchRelay, type RunRow } from './sync-world';

const LATENCY_MS = 20;
/** Mailboxes of the throughput run (the longest part of the section; lower it for a quick look). */
const SYNC_MAILBOXES = Number(process.env.BENCH_SYNC_MAILBOXES ?? 1000);
const SAVE_EMAILS = 100;
const NAIVE_INBOX_SIZES = [1000, 10_000];
const EWS_ACCESS = { username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password };

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "3 SyncFolderItems + 2 GetFolder" from the emulator's counters of one protocol. */
function breakdown(counters: Iterable<[string, number]>, prefix: string): { total: number; text: string } {
  const parts = [...counters].filter(([k, v]) => k.startsWith(prefix) && v > 0).sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((sum, [, v]) => sum + v, 0);
  return { total, text: parts.map(([k, v]) => `${v} ${k.slice(prefix.length)}`).join(' + ') || 'none' };
}

function c4cBreakdown(c4c: C4cEmulator): { total: number; text: string } {
  const entries = Object.entries(c4c.control.counters()).filter(([k]) => k !== 'total' && !k.startsWith('batch:'));
  return breakdown(entries, '');
}

/** Sync now for one mailbox through the engine's control, and the run it produced. */
async function sessionOf(relay: BenchRelay, engine: SyncEngine, organizationId: string, userId: string): Promise<RunRow & { wallMs: number }> {
  const since = await lastRunId(relay);
  const started = performance.now();
  const queued = await engine.control.syncNow(organizationId, userId, { kind: 'system', id: 'bench' });
  if (queued.result !== 'queued') throw new Error(`sync now answered ${queued.result}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const run = (await endedRuns(relay, [organizationId], since)).find((r) => r.userId === userId);
    if (run) {
      if (run.outcome !== 'succeeded') throw new Error(`session ${run.outcome}: ${JSON.stringify(run.counts)}`);
      return { ...run, wallMs: performance.now() - started };
    }
    if (Date.now() > deadline) throw new Error('the session did not end within 2 minutes');
    await sleep(20);
  }
}

function resetAll(exchange: ExchangeControl, c4c: C4cEmulator): void {
  exchange.resetCounters();
  c4c.control.resetCounters();
}

function setLatency(exchange: ExchangeControl, c4c: C4cEmulator, ms: number): void {
  exchange.setLatency(ms);
  c4c.control.setLatency(ms);
}

// ---------------------------------------------------------------------------------------------------------------
// 1, 3, 4: one relay in this process, EWS and Graph mailboxes.

interface SessionFigures {
  header: string[];
  idle: string[];
  save: string[];
  naive: string[];
}

async function sessionFigures(): Promise<SessionFigures> {
  const out: SessionFigures = { header: [], idle: [], save: [], naive: [] };
  let bed: GraphTestbed | undefined;
  let c4c: C4cEmulator | undefined;
  let relay: BenchRelay | undefined;
  try {
    [bed, c4c] = await Promise.all([startGraphTestbed({ seedDemo: true }), startC4cEmulator({ seedDemo: true })]);
    relay = await openBenchRelay();
    const exchange = bed.exchange;
    const xc = exchange.control;
    let graphHttp = 0;
    const factory = createMailboxFactory({ graph: bed.options({ onRequest: () => (graphHttp += 1) }) });
    // Sessions are picked up within 0.5 s (the product polls every 2 s); the counts do not depend on it.
    const engine = await relay.startEngine({ factory, pollingIntervalSeconds: 0.5 });
    out.header.push(`database: ${relay.bench.label}; engine with the product's steps, concurrency ${DEFAULT_CONCURRENCY}; ${LATENCY_MS} ms injected latency per request on the Exchange and C4C emulators`);

    // Mailboxes: demo users (with their demo mail) over EWS impersonation and Graph app-only; one for the 100 saves;
    // two with big inboxes for the naive comparison.
    const saveAddress = bed.addMailbox('save-bench@contoso.example', 'Save Bench');
    exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, saveAddress);
    const toSave = Array.from({ length: SAVE_EMAILS }, (_, i) => {
      const sender = DEMO_CUSTOMER_PEOPLE[i % DEMO_CUSTOMER_PEOPLE.length];
      return xc.user.deliverMessage(saveAddress, {
        from: { address: sender.address, name: sender.name },
        to: [{ address: saveAddress, name: 'Save Bench' }],
        subject: `Bench save ${i + 1}`,
        bodyHtml: `<p>Bench email ${i + 1}</p>`,
        receivedAt: new Date(Date.now() - 2 * 3600_000 + i * 1000).toISOString(),
      });
    });
    const naiveAddresses = NAIVE_INBOX_SIZES.map((size) => {
      const address = bed!.addMailbox(`inbox-${size}@contoso.example`, `Inbox ${size}`);
      exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
      generateBulkItems(exchange.store, address, exchange.store.wellKnownFolder(address, 'inbox').id, size);
      return address;
    });
    const ewsAddresses = [DEMO_USERS[0].email, saveAddress, ...naiveAddresses];
    const ewsOrg = await createBenchOrganization(relay, { c4cServiceRoot: c4c.serviceRoot, access: { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, ...EWS_ACCESS }, addresses: ewsAddresses });
    const graphOrg = await createBenchOrganization(relay, { c4cServiceRoot: c4c.serviceRoot, access: bed.appAccess(), addresses: [DEMO_USERS[1].email] });
    const userOf = (address: string): string => ewsOrg.userIds[ewsAddresses.indexOf(address)];

    // First sessions (setup, baselines, window scan) at 0 ms: not measured.
    const since = await lastRunId(relay);
    await engine.control.enable(ewsOrg.organizationId, ewsOrg.userIds, { kind: 'system', id: 'bench' });
    await engine.control.enable(graphOrg.organizationId, graphOrg.userIds, { kind: 'system', id: 'bench' });
    const expected = ewsOrg.userIds.length + graphOrg.userIds.length;
    for (let waited = 0; (await endedRuns(relay, [ewsOrg.organizationId, graphOrg.organizationId], since)).length < expected; waited += 50) {
      if (waited > 180_000) throw new Error('first sessions did not end within 3 minutes');
      await sleep(50);
    }
    const firstFailed = (await endedRuns(relay, [ewsOrg.organizationId, graphOrg.organizationId], since)).filter((r) => r.outcome !== 'succeeded');
    if (firstFailed.length > 0) throw new Error(`first sessions failed: ${JSON.stringify(firstFailed)}`);

    setLatency(xc, c4c, LATENCY_MS);

    // 1. Idle session, EWS.
    out.idle.push('', '1. requests per idle session (nothing changed since the last session; goal: 1 per synced folder, 0 to C4C)');
    out.idle.push('   synced folders: inbox, sent items, save folder');
    resetAll(xc, c4c);
    let queries = relay.bench.queries();
    const ewsIdle = await sessionOf(relay, engine, ewsOrg.organizationId, userOf(DEMO_USERS[0].email));
    queries = relay.bench.queries() - queries;
    const ews = breakdown(xc.counters, 'EWS ');
    const c4cIdle = c4cBreakdown(c4c);
    out.idle.push(
      `   EWS impersonation: ${ews.total} EWS requests (${ews.text}), ${c4cIdle.total} C4C; session ${fmt(ewsIdle.endedAt.getTime() - ewsIdle.startedAt.getTime())} ms (run history), ${fmt(ewsIdle.wallMs)} ms from Sync now to the run's end`,
    );
    out.idle.push(`     database statements in the session incl. pg-boss fetch/complete and the bench's polls: ~${queries}`);

    // 1. Idle session, Graph.
    resetAll(xc, c4c);
    graphHttp = 0;
    const entraBefore = bed.entra.control.counters().token ?? 0;
    const graphIdle = await sessionOf(relay, engine, graphOrg.organizationId, graphOrg.userIds[0]);
    const graph = breakdown(xc.counters, 'GRAPH ');
    const c4cGraph = c4cBreakdown(c4c);
    const tokens = (bed.entra.control.counters().token ?? 0) - entraBefore;
    out.idle.push(
      `   Graph app-only: ${graphHttp} Graph HTTP requests (${graph.text}), ${tokens} Entra token request(s), ${c4cGraph.total} C4C; session ${fmt(graphIdle.endedAt.getTime() - graphIdle.startedAt.getTime())} ms`,
    );

    // 3. C4C requests per saved email.
    out.save.push('', `3. C4C requests per saved email (goal: 1 create plus the amortized address search): ${SAVE_EMAILS} emails categorized, one session`);
    for (const message of toSave) xc.user.categorize(saveAddress, message.id, [SYNC_CATEGORIES.trigger.displayName]);
    resetAll(xc, c4c);
    const saveRun = await sessionOf(relay, engine, ewsOrg.organizationId, userOf(saveAddress));
    const c4cSave = c4cBreakdown(c4c);
    const ewsSave = breakdown(xc.counters, 'EWS ');
    const created = c4c.control.list('EMailCollection').filter((row) => toSave.some((m) => m.internetMessageId === row.GroupwareItemID)).length;
    if (saveRun.counts.saved !== SAVE_EMAILS || created !== SAVE_EMAILS) throw new Error(`expected ${SAVE_EMAILS} saved, the run says ${saveRun.counts.saved}, C4C holds ${created}`);
    const distinctSenders = new Set(toSave.map((m) => m.from?.address)).size;
    out.save.push(
      `   ${c4cSave.total} C4C HTTP requests = ${fmt(c4cSave.total / SAVE_EMAILS, 2)} per email (${c4cSave.text}); ${distinctSenders} distinct senders + the owner, each searched once`,
    );
    out.save.push(`   mailbox side: ${ewsSave.total} EWS requests (${ewsSave.text}); session ${fmt((saveRun.endedAt.getTime() - saveRun.startedAt.getTime()) / 1000, 1)} s`);

    // 4. Naive baseline beside the engine's idle session.
    out.naive.push('', '4. idle session: change feeds (the engine) vs. a naive session listing every item (EWS FindItem, pages of 1,000)');
    out.naive.push(`   ${'inbox items'.padEnd(12)} ${'engine: requests'.padEnd(18)} ${'engine: ms'.padEnd(11)} ${'naive: requests'.padEnd(17)} ${'naive: ms'.padEnd(10)} naive items read`);
    const mailboxes = createMailboxSyncRepository(relay.bench.db);
    for (const [index, size] of NAIVE_INBOX_SIZES.entries()) {
      const address = naiveAddresses[index];
      const userId = userOf(address);
      resetAll(xc, c4c);
      const run = await sessionOf(relay, engine, ewsOrg.organizationId, userId);
      const engineRequests = xc.totalRequests('EWS ');
      if (c4c.control.counters().total) throw new Error('the idle session called C4C');
      const state = await mailboxes.get(ewsOrg.organizationId, userId);
      const saveFolderId = setupRecordOf(state?.setup ?? {}).folders?.save;
      if (!saveFolderId) throw new Error('no save folder recorded');
      resetAll(xc, c4c);
      const naive = await naiveIdleSession({ ewsUrl: exchange.ewsUrl, ...EWS_ACCESS, address, saveFolderId });
      const naiveRequests = xc.totalRequests('EWS ');
      if (naive.items < size) throw new Error(`the naive session listed ${naive.items} items of ${size}`);
      out.naive.push(
        `   ${fmt(size).padEnd(12)} ${String(engineRequests).padEnd(18)} ${fmt(run.endedAt.getTime() - run.startedAt.getTime()).padEnd(11)} ${String(naiveRequests).padEnd(17)} ${fmt(naive.ms).padEnd(10)} ${fmt(naive.items)}`,
      );
    }
  } finally {
    await relay?.close();
    await c4c?.close();
    await bed?.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// 2: throughput of one relay process (a child), emulators here.

interface Child {
  request<T extends ChildMessage>(message: ParentMessage, type: T['type']): Promise<T>;
  close(): Promise<void>;
}

async function forkRelay(): Promise<Child> {
  const file = path.join(__dirname, 'sync-relay-process.ts');
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<(message: ChildMessage) => void> = [];
  child.on('message', (message: ChildMessage) => waiting.shift()?.(message));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (type: ChildMessage['type']): Promise<ChildMessage> =>
    new Promise((resolve, reject) => {
      waiting.push((message) => (message.type === 'error' ? reject(new Error(`relay process: ${message.message}`)) : message.type === type ? resolve(message) : reject(new Error(`unexpected ${message.type}`))));
      void exited.then(() => reject(new Error('the relay process exited')));
    });
  await next('ready');
  return {
    async request<T extends ChildMessage>(message: ParentMessage, type: T['type']) {
      const answer = next(type);
      child.send(message);
      return (await answer) as T;
    },
    async close() {
      if (child.exitCode === null) {
        child.send({ type: 'exit' } satisfies ParentMessage);
        await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
      }
    },
  };
}

async function throughputFigures(lines: string[]): Promise<void> {
  const [exchange, c4c] = await Promise.all([startExchangeEmulator({ mountGraph: false, seedDemo: true }), startC4cEmulator({ seedDemo: true })]);
  let child: Child | undefined;
  try {
    const addresses = seedBenchMailboxes(exchange.store, SYNC_MAILBOXES);
    child = await forkRelay();
    const init = await child.request<InitializedMessage>({ type: 'init', ewsUrl: exchange.ewsUrl, c4cServiceRoot: c4c.serviceRoot, addresses, warmConcurrency: 16, ...(process.env.BENCH_EWS_MAX_CONCURRENCY ? { ewsMaxConcurrency: Number(process.env.BENCH_EWS_MAX_CONCURRENCY) } : {}) }, 'initialized');
    if (init.failed > 0) throw new Error(`${init.failed} first sessions failed: ${init.failures.join('; ')}`);
    const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' / ');
    lines.push(
      `2. idle sessions per second of one relay process, ${fmt(init.mailboxes)} enabled mailboxes (goal ≥ 100/s), ${init.database}, EWS impersonation, ${LATENCY_MS} ms latency`,
      `   (first sessions of all ${fmt(init.mailboxes)}: ${fmt(init.firstSessionsMs / 1000, 1)} s at 0 ms with 16 at once, not measured below; relay RSS ${fmt(init.rssOpenMiB)} MiB with the database open, ${fmt(init.rssAfterFirstMiB)} MiB after them)`,
      `   ${'engine configuration'.padEnd(58)} ${'sessions'.padEnd(9)} ${'per s'.padEnd(7)} ${'session p50/p95 ms'.padEnd(19)} ${'RSS peak/end MiB'.padEnd(17)} ${'relay CPU'.padEnd(22)} EWS req/session`,
    );
    setLatency(exchange.control, c4c, LATENCY_MS);
    const rounds: Array<Omit<RoundMessage, 'type'>> = [
      { label: `product defaults: SYNC_CONCURRENCY ${DEFAULT_CONCURRENCY}, polling 2 s`, timeBoxMs: 120_000 },
      { label: 'SYNC_CONCURRENCY 2', concurrency: 2, timeBoxMs: 30_000 },
      { label: 'SYNC_CONCURRENCY 32', concurrency: 32, timeBoxMs: 120_000 },
      { label: 'SYNC_CONCURRENCY 64 (the highest allowed)', concurrency: 64, timeBoxMs: 120_000 },
    ];
    // BENCH_SYNC_ROUNDS=3,4: only those rounds (1-based), e.g. under BENCH_CPU_PROF=<dir> to profile one.
    const only = process.env.BENCH_SYNC_ROUNDS?.split(',').map(Number);
    const results: RoundResult[] = [];
    for (const [index, round] of rounds.entries()) {
      if (only && !only.includes(index + 1)) continue;
      exchange.control.resetCounters();
      c4c.control.resetCounters();
      const parentCpu = process.cpuUsage();
      const result = await child.request<RoundResult>({ type: 'round', ...round }, 'round');
      const emulatorCpu = process.cpuUsage(parentCpu);
      results.push(result);
      const perSecond = result.sessions / (result.ms / 1000);
      const partial = result.sessions < init.mailboxes ? ` (in ${fmt(result.ms / 1000, 0)} s)` : '';
      const cpuMs = result.cpuUserMs + result.cpuSystemMs;
      const cpu = `${fmt((cpuMs / result.ms) * 100)}%, ${fmt(cpuMs / Math.max(1, result.sessions), 1)} ms/session`;
      const ewsPerSession = result.sessions > 0 ? fmt(exchange.control.totalRequests('EWS ') / result.sessions, 1) : '-';
      lines.push(
        `   ${round.label.padEnd(58)} ${`${fmt(result.sessions)}${partial}`.padEnd(9)} ${fmt(perSecond, 1).padEnd(7)} ${`${fmt(result.sessionMedianMs)} / ${fmt(result.sessionP95Ms)}`.padEnd(19)} ${`${fmt(result.rssPeakMiB)} / ${fmt(result.rssEndMiB)}`.padEnd(17)} ${cpu.padEnd(22)} ${ewsPerSession}`,
      );
      if (result.failed > 0) lines.push(`     ${result.failed} sessions did not succeed`);
      if (c4c.control.counters().total) lines.push(`     C4C requests during the round: ${c4c.control.counters().total}`);
      const emulatorShare = ((emulatorCpu.user + emulatorCpu.system) / 1000 / result.ms) * 100;
      lines.push(`     ${fmt(result.queries / Math.max(1, result.sessions), 1)} database statements per session; emulators' process CPU ${fmt(emulatorShare)}%`);
    }
    lines.push(`   machine load average (1 / 5 / 15 min) at the end: ${load()} on ${os.cpus().length} cores (other work on the machine slows every figure)`);
  } finally {
    await child?.close();
    await exchange.close();
    await c4c.close();
  }
}

export async function benchSync(): Promise<string[]> {
  // BENCH_SYNC_PART=throughput (or sessions) runs one half only.
  const part = process.env.BENCH_SYNC_PART;
  const sessions = part !== 'throughput' ? await sessionFigures() : undefined;
  const throughput: string[] = [];
  if (part !== 'sessions') await throughputFigures(throughput);
  const lines = [...(sessions?.header ?? []), ...(sessions?.idle ?? [])];
  if (throughput.length > 0) lines.push('', ...throughput);
  if (sessions) lines.push(...sessions.save, ...sessions.naive);
  return lines;
}

if (require.main === module) {
  benchSync().then(
    (lines) => console.log(lines.join('\n')),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
