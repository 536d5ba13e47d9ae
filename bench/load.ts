/**
 * Load bench (issue 12): the relay alone in its own process (an ordinary, non-sandbox start pointed at the emulators
 * by environment), the emulators in theirs (`npm run emulators`), the load generator (autocannon) in this one; all on
 * loopback, every step bounded in time.
 *
 * For PGlite and (when reachable) PostgreSQL: RSS of the relay at idle; then e-mail saves (POST /api/sidebar/emails,
 * every request a new Internet Message-ID) offered at 50, 100, 200 and 400/s: saves/s sustained, p50 / p95 / p99 of
 * every answer, answers by status; records in C4C compared with the 2xx answers (duplicates, lost); RSS after.
 *
 * Env: LOAD_SECONDS (per rate, default 10), LOAD_RATES (default 50,100,200,400), LOAD_PARTS (load generators
 * started apart within each second, default 20; 1 = autocannon's own once-a-second bursts), LOAD_RELAY_DIR (another checkout's
 * root, to measure a "before"), LOAD_BACKENDS (pglite,postgres), LOAD_RELAY_BUILD (source: relay/main.ts through tsx, as
 * `npm start`; compiled: dist/server, as `npm run start:compiled`, after `npm run build:relay`), LOAD_HEAP_SNAPSHOT (a
 * folder: the relay writes a heap snapshot there at idle, broken down by bench/heap-breakdown.ts).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { EmulatorsDescriptor } from '../relay/sandbox/emulators-process';
import { demoUserToken, provisionDemoUsers } from '../relay/sandbox/emulators-process';
import { DEMO_USERS } from '../test/emulators/demo-identities';
import { heapBreakdown } from './heap-breakdown';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { sent: number };
  errors: number;
  timeouts: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
const autocannon = require('autocannon') as Autocannon;

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const RATES = (process.env.LOAD_RATES ?? '50,100,200,400').split(',').map(Number);
const PARTS = Number(process.env.LOAD_PARTS ?? 20);
/** `source` runs relay/main.ts through tsx (as `npm start`); `compiled` runs dist/server (as `npm run start:compiled`). */
/** Where the relay writes a heap snapshot at idle (then broken down here); unset: no snapshot. */
const HEAP_SNAPSHOT_DIR = process.env.LOAD_HEAP_SNAPSHOT ? path.resolve(process.env.LOAD_HEAP_SNAPSHOT) : undefined;
const RELAY_BUILD = process.env.LOAD_RELAY_BUILD === 'compiled' ? 'compiled' : 'source';
const RELAY_DIR = path.resolve(process.env.LOAD_RELAY_DIR ?? ROOT);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KATRIN = 'katrin.hoffmann@nordwind-maschinenbau.example';

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export async function startEmulators(dir: string): Promise<{ child: ChildProcess; descriptor: EmulatorsDescriptor }> {
  const child = fork(path.join(ROOT, 'relay', 'sandbox', 'emulators-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, EMULATORS_DIR: dir, EMULATORS_C4C_PORT: '0', EMULATORS_EXCHANGE_PORT: '0', EMULATORS_GRAPH_PORT: '0', EMULATORS_ENTRA_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const descriptor = await new Promise<EmulatorsDescriptor>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulators did not start in 120 s')), 120_000);
    child.once('message', (message: { type: string; descriptor: EmulatorsDescriptor }) => {
      clearTimeout(timer);
      resolve(message.descriptor);
    });
    child.once('exit', (code) => reject(new Error(`emulators exited with ${code}`)));
  });
  return { child, descriptor };
}

interface Relay {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export async function startRelayProcess(env: Record<string, string>): Promise<Relay> {
  const extraArgs = (process.env.LOAD_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (HEAP_SNAPSHOT_DIR) extraArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${HEAP_SNAPSHOT_DIR}`);
  const compiled = path.join(RELAY_DIR, 'dist', 'server', 'relay', 'main.js');
  if (RELAY_BUILD === 'compiled' && !fs.existsSync(compiled)) throw new Error(`LOAD_RELAY_BUILD=compiled: ${compiled} is missing; run npm run build:relay first`);
  const entry = RELAY_BUILD === 'compiled' ? [compiled] : ['--import', 'tsx', path.join('relay', 'main.ts')];
  const child = spawn(process.execPath, [...extraArgs, ...entry], { cwd: RELAY_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in 180 s: ${stderr}`)), 180_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^relay: (\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** SIGUSR2 makes the relay (started with --heapsnapshot-signal) write a snapshot; waits for it, then breaks it down. */
async function idleHeapSnapshot(pid: number): Promise<string[]> {
  const dir = HEAP_SNAPSHOT_DIR as string;
  fs.mkdirSync(dir, { recursive: true });
  const before = new Set(fs.readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const written = fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // Written in one go at the end; a size that holds still over half a second is complete.
    if (written) {
      const file = path.join(dir, written);
      const size = fs.statSync(file).size;
      await new Promise((r) => setTimeout(r, 500));
      if (size > 0 && fs.statSync(file).size === size) return heapBreakdown(file);
    }
  }
  return ['heap snapshot: none written within 60 s'];
}

interface RateResult {
  offered: number;
  sent: number;
  byStatus: Record<string, number>;
  okPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  p99of503: number;
  errors: number;
}

/**
 * Offers `rate` saves per second for SECONDS. autocannon paces each connection per wall-clock second, all in step, so
 * one instance sends its whole second's share at once; PARTS instances started 1/PARTS s apart spread the requests
 * over the second (PARTS bursts of rate/PARTS), closer to users arriving independently.
 */
async function offer(url: string, tokens: string[], rate: number, label: string): Promise<RateResult> {
  let n = 0;
  const latencies: number[] = [];
  const latencies503: number[] = [];
  const byStatus: Record<string, number> = {};
  const parts = Math.max(1, Math.min(PARTS, Math.floor(rate / 5)));
  const body = (): string => {
    n += 1;
    const key = `<load-${label}-${rate}-${n}@nordwind-maschinenbau.example>`;
    return JSON.stringify({
      internetMessageId: key,
      itemId: `AAMkLoad${n}`,
      subject: `Load ${n}`,
      sentAt: new Date().toISOString(),
      from: { address: KATRIN, name: 'Katrin Hoffmann' },
      to: [{ address: DEMO_USERS[0].email }],
      cc: [],
      bodyHtml: `<p>load ${n}</p>`,
      includeAttachments: false,
    });
  };
  const results = await Promise.all(
    Array.from({ length: parts }, async (_, part) => {
      await new Promise((resolve) => setTimeout(resolve, (part * 1000) / parts));
      const share = Math.round((rate * (part + 1)) / parts) - Math.round((rate * part) / parts);
      const instance = autocannon({
        url,
        connections: Math.max(1, Math.min(400, share)),
        overallRate: share,
        duration: SECONDS,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/api/sidebar/emails',
            setupRequest: (request: Record<string, unknown>) => ({
              ...request,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[n % tokens.length]}` },
              body: body(),
            }),
          },
        ],
      });
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
        latencies.push(responseTime);
        if (statusCode === 503) latencies503.push(responseTime);
      });
      instance.on('reqError', () => {
        byStatus.error = (byStatus.error ?? 0) + 1;
      });
      return instance;
    }),
  );
  latencies.sort((a, b) => a - b);
  latencies503.sort((a, b) => a - b);
  const ok = (byStatus['201'] ?? 0) + (byStatus['200'] ?? 0);
  return {
    offered: rate,
    sent: results.reduce((sum, r) => sum + r.requests.sent, 0),
    byStatus,
    // Every generator offers for SECONDS, the last starting within the first second: the offered rate holds for SECONDS.
    okPerSecond: ok / SECONDS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    p99of503: percentile(latencies503, 99),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

async function c4cRecords(c4cOrigin: string): Promise<Map<string, number>> {
  const response = await fetch(`${c4cOrigin}/__control/list/EMailCollection`);
  const rows = (await response.json()) as Array<{ GroupwareItemID?: string }>;
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (!row.GroupwareItemID?.startsWith('<load-')) continue;
    counts.set(row.GroupwareItemID, (counts.get(row.GroupwareItemID) ?? 0) + 1);
  }
  return counts;
}

async function ledgerSaved(backend: string, databaseUrl: string | undefined, relayUrl: string): Promise<number | undefined> {
  void relayUrl;
  if (backend !== 'postgres' || !databaseUrl) return undefined;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>("select count(*) as n from email_saves where status = 'saved' and internet_message_id like '<load-%'");
    return Number(result.rows[0].n);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function runBackend(backend: 'pglite' | 'postgres', emulators: EmulatorsDescriptor, emulatorsPid: number, label: string): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `load-${backend}-`));
  const env: Record<string, string> = { ...emulators.relayEnv, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', PUBLIC_ORIGIN: '' };
  let schema: string | undefined;
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    schema = `load_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
    env.DATABASE_URL = databaseUrl;
  }
  const lines: string[] = [];
  const relay = await startRelayProcess(env);
  try {
    await provisionDemoUsers(relay.url, emulators.entraOrigin, emulators.caFile);
    const tokens = await Promise.all(DEMO_USERS.map((u) => demoUserToken(emulators.entraOrigin, emulators.caFile, u.oid)));
    // Idle: after start-up settles and a collection.
    await new Promise((r) => setTimeout(r, 5000));
    const idle = rssMiB(relay.child.pid!);
    lines.push(`${backend}: relay RSS at idle ${idle} MiB (relay process only; emulators and load generator in their own processes)`);
    if (HEAP_SNAPSHOT_DIR) lines.push(...(await idleHeapSnapshot(relay.child.pid!)));
    // Warm-up (JIT, connection pools, C4C session): not measured.
    await offer(relay.url, tokens, 100, `${label}-warm-${backend}`);
    let peak = rssMiB(relay.child.pid!);
    let ok = 0;
    for (const rate of RATES) {
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB(relay.child.pid!));
      }, 250);
      const cpuBefore = { relay: cpuSeconds(relay.child.pid!), emulators: cpuSeconds(emulatorsPid), self: process.cpuUsage() };
      const r = await offer(relay.url, tokens, rate, `${label}-${backend}`);
      clearInterval(sampler);
      const selfCpu = process.cpuUsage(cpuBefore.self);
      const cpu = {
        relay: cpuSeconds(relay.child.pid!) - cpuBefore.relay,
        emulators: cpuSeconds(emulatorsPid) - cpuBefore.emulators,
        generator: (selfCpu.user + selfCpu.system) / 1e6,
      };
      ok += (r.byStatus['201'] ?? 0) + (r.byStatus['200'] ?? 0);
      const statuses = Object.entries(r.byStatus).sort().map(([s, c]) => `${s}×${c}`).join(' ');
      lines.push(
        `${backend} offered ${String(rate).padStart(3)}/s: ${r.okPerSecond.toFixed(0).padStart(3)} saves/s sustained; latency p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms` +
          `${r.byStatus['503'] ? ` (p99 of the 503s ${r.p99of503.toFixed(0)} ms)` : ''}; answers ${statuses}${r.errors ? `; client errors/timeouts ${r.errors}` : ''}` +
          `; CPU of ${SECONDS} s: relay ${cpu.relay.toFixed(1)} s, emulators ${cpu.emulators.toFixed(1)} s, load generator ${cpu.generator.toFixed(1)} s`,
      );
      // Let the relay drain before the next rate.
      await new Promise((res) => setTimeout(res, 2000));
    }
    const records = await c4cRecords(emulators.c4cOrigin);
    const mine = [...records.entries()].filter(([key]) => key.includes(`-${label}-${backend}-`));
    const duplicates = mine.filter(([, count]) => count > 1).length;
    const stored = mine.length;
    const ledger = await ledgerSaved(backend, databaseUrl, relay.url);
    // Records beyond the 2xx count are requests still in flight when a run's time was up (answered after autocannon
    // stopped listening); "lost" counts 2xx answers without a record.
    lines.push(`${backend}: ${ok} saves answered 2xx, ${stored} distinct records in C4C (${Math.max(0, stored - ok)} from requests still in flight at the end of a run), ${duplicates} duplicates, ${Math.max(0, ok - stored)} lost${ledger !== undefined ? ` (ledger: ${ledger} saved)` : ''}`);
    await new Promise((r) => setTimeout(r, 3000));
    lines.push(`${backend}: relay RSS peak during load ${peak} MiB, ${rssMiB(relay.child.pid!)} MiB 3 s after`);
  } finally {
    await relay.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (schema) {
      const admin = new Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }
  return lines;
}

export async function benchLoad(): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-emulators-'));
  const { child, descriptor } = await startEmulators(dir);
  const label = crypto.randomBytes(3).toString('hex');
  const lines: string[] = [`relay from ${path.relative(ROOT, RELAY_DIR) || '.'} (${RELAY_BUILD}); ${SECONDS} s per rate; emulators pid ${child.pid}`];
  try {
    const backends = (process.env.LOAD_BACKENDS ?? 'pglite,postgres').split(',') as Array<'pglite' | 'postgres'>;
    for (const backend of backends) {
      if (backend === 'postgres' && !(await postgresReachable())) {
        lines.push(`postgres: not reachable at ${DATABASE_URL}, skipped`);
        continue;
      }
      lines.push(...(await runBackend(backend, descriptor, child.pid!, label)));
    }
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (require.main === module) {
  benchLoad().then(
    (lines) => {
      for (const line of lines) process.stdout.write(`  ${line}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
