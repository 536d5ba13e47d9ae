/**
 * Load bench (issue 12): the relay alone in its own process (an ordinary, non-sandbox start pointed at the emulators
 * by environment), the emulators in theirs (`npm run emulators`), the load generator (autocannon) in this one; all on
 * loopback, every step bounded in time.
 *
 * For PGlite and (when reachable) PostgreSQL: RSS of the relay at idle; then e-mail saves (POST /api/sidebar/emails,
 * every request a new Internet Message-ID) offered at 50, 100, 200 and 400/s: saves/s sustained, p50 / p95 / p99 of
 * every answer, answers by status; records in C4C compared with the 2xx answers (duplicates, lost); RSS after.
 *
 * Env: LOAD_SECONDS (per rate, default 10), LOAD_RATES (default 50,100,200,400), LOAD_RELAY_DIR (another checkout's
 * root, to measure a "before"), LOAD_BACKENDS (pglite,postgres).
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
const RELAY_DIR = path.resolve(process.env.LOAD_RELAY_DIR ?? ROOT);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KATRIN = 'katrin.hoffmann@nordwind-maschinenbau.example';

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function startEmulators(dir: string): Promise<{ child: ChildProcess; descriptor: EmulatorsDescriptor }> {
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

async function startRelayProcess(env: Record<string, string>): Promise<Relay> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('relay', 'main.ts')], { cwd: RELAY_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function offer(url: string, tokens: string[], rate: number, label: string): Promise<RateResult> {
  let n = 0;
  const latencies: number[] = [];
  const latencies503: number[] = [];
  const byStatus: Record<string, number> = {};
  const instance = autocannon({
    url,
    connections: Math.max(10, Math.min(400, rate)),
    overallRate: rate,
    duration: SECONDS,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/api/sidebar/emails',
        setupRequest: (request: Record<string, unknown>) => {
          n += 1;
          const key = `<load-${label}-${rate}-${n}@nordwind-maschinenbau.example>`;
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[n % tokens.length]}` },
            body: JSON.stringify({
              internetMessageId: key,
              itemId: `AAMkLoad${n}`,
              subject: `Load ${n}`,
              sentAt: new Date().toISOString(),
              from: { address: KATRIN, name: 'Katrin Hoffmann' },
              to: [{ address: DEMO_USERS[0].email }],
              cc: [],
              bodyHtml: `<p>load ${n}</p>`,
              includeAttachments: false,
            }),
          };
        },
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
  const result = await instance;
  latencies.sort((a, b) => a - b);
  latencies503.sort((a, b) => a - b);
  const ok = (byStatus['201'] ?? 0) + (byStatus['200'] ?? 0);
  return {
    offered: rate,
    sent: result.requests.sent,
    byStatus,
    okPerSecond: ok / SECONDS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    p99of503: percentile(latencies503, 99),
    errors: result.errors + result.timeouts,
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

async function runBackend(backend: 'pglite' | 'postgres', emulators: EmulatorsDescriptor, label: string): Promise<string[]> {
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
    // Warm-up (JIT, connection pools, C4C session): not measured.
    await offer(relay.url, tokens, 20, `${label}-warm-${backend}`);
    let peak = rssMiB(relay.child.pid!);
    let ok = 0;
    for (const rate of RATES) {
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB(relay.child.pid!));
      }, 250);
      const r = await offer(relay.url, tokens, rate, `${label}-${backend}`);
      clearInterval(sampler);
      ok += (r.byStatus['201'] ?? 0) + (r.byStatus['200'] ?? 0);
      const statuses = Object.entries(r.byStatus).sort().map(([s, c]) => `${s}×${c}`).join(' ');
      lines.push(
        `${backend} offered ${String(rate).padStart(3)}/s: ${r.okPerSecond.toFixed(0).padStart(3)} saves/s sustained; latency p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms` +
          `${r.byStatus['503'] ? ` (p99 of the 503s ${r.p99of503.toFixed(0)} ms)` : ''}; answers ${statuses}${r.errors ? `; client errors/timeouts ${r.errors}` : ''}`,
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
  const lines: string[] = [`relay from ${path.relative(ROOT, RELAY_DIR) || '.'}; ${SECONDS} s per rate; emulators pid ${child.pid}`];
  try {
    const backends = (process.env.LOAD_BACKENDS ?? 'pglite,postgres').split(',') as Array<'pglite' | 'postgres'>;
    for (const backend of backends) {
      if (backend === 'postgres' && !(await postgresReachable())) {
        lines.push(`postgres: not reachable at ${DATABASE_URL}, skipped`);
        continue;
      }
      lines.push(...(await runBackend(backend, descriptor, label)));
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
