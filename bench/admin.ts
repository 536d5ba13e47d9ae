/**
 * Admin API at scale, through the real routes (relay/http/admin-routes.ts over HTTP on loopback), the real use
 * cases and store, on PGlite on disk (the default back end, `$DATA_DIR/pglite`):
 *  - CSV import of 10,000 rows (the five columns, `;`, quoted names, a dozen bad rows, every C4C user ID checked
 *    against 10,000 employees in the C4C emulator): wall time, rows/s, the process's RSS and V8 heap during the
 *    import; then the same file again (changes nothing).
 *  - Access check of 1,000 EWS-impersonation users at 20 ms injected latency per EWS request: the pg-boss job
 *    started by the route, until the run reports finished; requests per user and the most requests the Exchange
 *    emulator (one server) had in flight at once, against the concurrency cap in force.
 * The admin's token check is left out (a guard sets the principal, as in test/admin/helpers.ts): it is per request
 * and is not what these figures are about.
 * Memory is the whole bench process: the relay code, PGlite's WASM heap and the emulators run in it.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AccessCheckRunSchema, CsvImportSchema, type AccessCheckRun, type CsvImport } from '../shared/api/admin';
import { DEFAULT_EWS_CONCURRENCY, EWS_MAX_CONCURRENCY } from '../relay/mailbox/ews';
import { createMailboxFactory } from '../relay/mailbox';
import { registerAccessCheckJobs } from '../relay/admin/access-check';
import { createJobQueue, type JobQueue } from '../relay/scheduler/jobs';
import { openDb, type Db } from '../relay/store/db';
import { migrate } from '../relay/store/migrate';
import { startC4cEmulator, type C4cEmulator } from '../test/emulators/c4c';
import { startExchangeEmulator, type ExchangeEmulator } from '../test/emulators/exchange';
import { testAdmin } from '../test/admin/helpers';

const IMPORT_ROWS = 10_000;
const CHECK_USERS = 1_000;
const CHECK_LATENCY_MS = 20;
/** relay/admin/access-check.ts checks this many EWS users at once unless the caller says otherwise. */
const RUN_CONCURRENCY_EWS = 8;
const SERVICE_ACCOUNT = { username: 'svc-bench@contoso.example', password: 'bench-ews-secret' };

/** Explicit GC for steady baselines; tsx gives no way to pass --expose-gc. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

interface Generated {
  csv: string;
  /** Line numbers of the rows that must be rejected, in order. */
  badLines: number[];
  /** Of those, the rows whose only fault is a C4C user ID unknown to C4C (good rows when C4C is not asked). */
  unknownIdLines: number[];
  /** The C4C user IDs that exist (to seed the C4C emulator with). */
  employeeIds: string[];
  problems: string;
}

const loginOf = (employeeId: string): string => `BENCH.USER${employeeId.slice(-5)}`;

/**
 * `rows` data rows after the header; every 997th row is broken in one of four ways (empty address, invalid
 * address, address repeated from the line before, C4C user ID unknown to C4C), and every 50th name is quoted with
 * the separator inside, as a "Last; First" export has it.
 */
function generateCsv(rows: number, domain: string): Generated {
  const lines = ['Full name;C4C login;C4C user ID;Mailbox login;Mailbox email address'];
  const badLines: number[] = [];
  const unknownIdLines: number[] = [];
  const employeeIds: string[] = [];
  const kinds = ['empty address', 'invalid address', 'duplicate address', 'unknown C4C user ID'];
  const counts = new Map<string, number>();
  for (let i = 0; i < rows; i++) {
    const n = String(i).padStart(5, '0');
    const line = i + 2;
    const employeeId = `81${n.padStart(8, '0')}`;
    const name = i % 50 === 0 ? `"User ${n}; Bench"` : `Bench User ${n}`;
    let email = `bench.user${n}@${domain}`;
    let id = employeeId;
    if (i % 997 === 996) {
      badLines.push(line);
      const kind = kinds[badLines.length % kinds.length];
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (kind === 'empty address') email = '';
      else if (kind === 'invalid address') email = `bench.user${n}@`;
      else if (kind === 'duplicate address') email = `bench.user${String(i - 1).padStart(5, '0')}@${domain}`;
      else {
        id = `99${n.padStart(8, '0')}`;
        unknownIdLines.push(line);
      }
    }
    if (id === employeeId) employeeIds.push(employeeId);
    lines.push([name, loginOf(employeeId), id, `CONTOSO\\bench${n}`, email].join(';'));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, badLines, unknownIdLines, employeeIds, problems: [...counts].map(([k, v]) => `${v} ${k}`).join(', ') };
}

interface MemoryPeak {
  rssBefore: number;
  externalBefore: number;
  rssPeak: number;
  heapBefore: number;
  heapPeak: number;
  heapAfter: number;
}

/** Samples RSS and heap while `work` runs (every 5 ms the event loop is free; the import awaits the database often). */
async function withMemorySampling<T>(gc: () => void, work: () => Promise<T>): Promise<{ value: T; memory: MemoryPeak }> {
  gc();
  const before = process.memoryUsage();
  const memory: MemoryPeak = { rssBefore: before.rss, externalBefore: before.external, rssPeak: before.rss, heapBefore: before.heapUsed, heapPeak: before.heapUsed, heapAfter: 0 };
  const sample = (): void => {
    const now = process.memoryUsage();
    memory.rssPeak = Math.max(memory.rssPeak, now.rss);
    memory.heapPeak = Math.max(memory.heapPeak, now.heapUsed);
  };
  const timer = setInterval(sample, 5);
  try {
    const value = await work();
    sample();
    gc();
    memory.heapAfter = process.memoryUsage().heapUsed;
    return { value, memory };
  } finally {
    clearInterval(timer);
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

class Api {
  constructor(readonly origin: string) {}

  async call(method: string, route: string, body?: string | object, contentType = 'application/json'): Promise<unknown> {
    const res = await fetch(`${this.origin}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }

  async importCsv(orgId: string, csv: string): Promise<CsvImport> {
    const answer = (await this.call('POST', `/api/admin/organizations/${orgId}/users/import?wait=true&fileName=bench.csv`, csv, 'text/csv; charset=utf-8')) as { import: unknown };
    return CsvImportSchema.parse(answer.import);
  }
}

async function createOrganization(api: Api, name: string): Promise<string> {
  const org = (await api.call('POST', '/api/admin/organizations', { name })) as { id: string };
  return org.id;
}

interface Timed<T> {
  value: T;
  ms: number;
  /** Process CPU time (user + system) meanwhile: near `ms`, the one Node thread was the limit. */
  cpuMs: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en')} rows/s`;
const cpuShare = (t: Timed<unknown>): string => `CPU ${seconds(t.cpuMs)}`;

function checkReport(report: CsvImport, file: Generated, expect: { created: number; unchanged: number; c4c: CsvImport['c4cCheck']['status'] }): void {
  const rejectedLines = report.errors.map((e) => e.line);
  const ok =
    report.status === 'succeeded' &&
    report.created === expect.created &&
    report.updated === 0 &&
    report.unchanged === expect.unchanged &&
    report.c4cCheck.status === expect.c4c &&
    JSON.stringify(rejectedLines) === JSON.stringify(file.badLines.filter((line) => expect.c4c === 'checked' || !file.unknownIdLines.includes(line)));
  if (!ok) throw new Error(`unexpected import report: ${JSON.stringify({ ...report, errors: report.errors.slice(0, 12) })}`);
}

async function benchImport(api: Api, c4c: C4cEmulator, gc: () => void): Promise<string[]> {
  const file = generateCsv(IMPORT_ROWS, 'bench-import.example');
  const bad = file.badLines.length;
  const lines = [
    `file: ${IMPORT_ROWS.toLocaleString('en')} rows, ${(Buffer.byteLength(file.csv) / 1024).toFixed(0)} KiB, ';', the five columns, every 50th name quoted with a ';' inside; ${bad} bad rows (${file.problems})`,
    'back end: PGlite on disk (a fresh $DATA_DIR/pglite, the default), writes in transactions of 500 rows',
  ];

  // Without a C4C connection the employee check is skipped: the relay's and the database's own cost.
  const orgId = await createOrganization(api, 'Bench import');
  const good = IMPORT_ROWS - bad + file.unknownIdLines.length;
  const { value: first, memory } = await withMemorySampling(gc, () => timed(() => api.importCsv(orgId, file.csv)));
  checkReport(first.value, file, { created: good, unchanged: 0, c4c: 'skipped' });
  lines.push(
    `first import:  ${seconds(first.ms).padStart(7)}  ${rate(IMPORT_ROWS, first.ms).padStart(12)}  (${cpuShare(first)})  ${first.value.created} created, ${first.value.rejected} rejected with their line`,
    `  memory of the whole process: RSS ${mib(memory.rssBefore)} before (${mib(memory.externalBefore)} of it outside V8's heap, mostly PGlite's WASM memory), peak ${mib(memory.rssPeak)} (+${mib(memory.rssPeak - memory.rssBefore)}); V8 heap used ${mib(memory.heapBefore)} before, peak ${mib(memory.heapPeak)} (+${mib(memory.heapPeak - memory.heapBefore)}), ${mib(memory.heapAfter)} after GC`,
  );
  const again = await timed(() => api.importCsv(orgId, file.csv));
  checkReport(again.value, file, { created: 0, unchanged: good, c4c: 'skipped' });
  lines.push(`re-import:     ${seconds(again.ms).padStart(7)}  ${rate(IMPORT_ROWS, again.ms).padStart(12)}  (${cpuShare(again)})  0 created, 0 updated, ${again.value.unchanged} unchanged: no write transaction`);

  // The same rows for an organization with a C4C connection: every C4C user ID checked in batched queries.
  const checkedFile = generateCsv(IMPORT_ROWS, 'bench-checked.example');
  c4c.control.seed(
    'EmployeeCollection',
    checkedFile.employeeIds.map((id) => ({ EmployeeID: id, FirstName: 'Bench', LastName: `User ${id}`, UserID: loginOf(id), Email: `e${id}@bench-checked.example` })),
  );
  const checkedOrg = await createOrganization(api, 'Bench import checked');
  await api.call('PUT', `/api/admin/organizations/${checkedOrg}/c4c-connection`, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
  c4c.control.resetCounters();
  const checked = await timed(() => api.importCsv(checkedOrg, checkedFile.csv));
  checkReport(checked.value, checkedFile, { created: IMPORT_ROWS - bad, unchanged: 0, c4c: 'checked' });
  const counters = c4c.control.counters();
  lines.push(
    `with the C4C employee check (${checkedFile.employeeIds.length + checkedFile.unknownIdLines.length} IDs against ${checkedFile.employeeIds.length} C4C employees): ${seconds(checked.ms)}, ${counters['POST $batch'] ?? 0} HTTP requests to C4C ($batch of up to 100 queries of 40 IDs), ${checked.value.rejected} rejected; ` +
      'the C4C emulator filters its employees by scanning them, which is most of the difference',
  );
  return lines;
}

async function benchAccessCheck(api: Api, exchange: ExchangeEmulator, db: Db): Promise<string[]> {
  const orgId = await createOrganization(api, 'Bench access check');
  const domain = 'bench-check.example';
  exchange.store.addServiceAccount(SERVICE_ACCOUNT.username, SERVICE_ACCOUNT.password);
  const rows = ['full name,mailbox email address'];
  for (let i = 0; i < CHECK_USERS; i++) {
    const address = `mbx${String(i).padStart(4, '0')}@${domain}`;
    exchange.store.addMailbox(address, `Mailbox ${i}`, 'unused');
    exchange.store.grantImpersonation(SERVICE_ACCOUNT.username, address);
    rows.push(`Mailbox ${i},${address}`);
  }
  const imported = await api.importCsv(orgId, rows.join('\n'));
  if (imported.created !== CHECK_USERS) throw new Error(`expected ${CHECK_USERS} users, imported ${imported.created}`);
  await api.call('PUT', `/api/admin/organizations/${orgId}/mailbox-access`, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, ...SERVICE_ACCOUNT });

  exchange.control.setLatency(CHECK_LATENCY_MS);
  exchange.control.resetCounters();
  const check = await timed(async () => {
    const { run: queued } = (await api.call('POST', `/api/admin/organizations/${orgId}/access-checks`, {})) as { run: AccessCheckRun };
    let current: AccessCheckRun = queued;
    while (current.status === 'queued' || current.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      current = AccessCheckRunSchema.parse(await api.call('GET', `/api/admin/organizations/${orgId}/access-checks/${queued.id}`));
    }
    return current;
  });
  const run = check.value;
  const wallMs = check.ms;
  exchange.control.setLatency(0);
  if (run.status !== 'succeeded' || run.passed !== CHECK_USERS) throw new Error(`access check: ${JSON.stringify(run)}`);
  const jobMs = new Date(run.finishedAt!).getTime() - new Date(run.startedAt!).getTime();

  const requests = exchange.control.totalRequests('EWS ');
  const operations = [...exchange.control.counters].filter(([key]) => key.startsWith('EWS ')).map(([key, n]) => `${n} ${key.slice(4)}`);
  const perAccount = exchange.control.maxConcurrentPerAccount.get(SERVICE_ACCOUNT.username) ?? 0;
  const peak = exchange.control.peakInFlight();
  if (perAccount > DEFAULT_EWS_CONCURRENCY) throw new Error(`the service account had ${perAccount} requests in flight, above the cap of ${DEFAULT_EWS_CONCURRENCY}`);
  const { rows: stored } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM access_check_results WHERE run_id = $1', [run.id]);
  return [
    `${CHECK_USERS.toLocaleString('en')} users, EWS impersonation through one service account, ${CHECK_LATENCY_MS} ms injected latency per EWS request, one Exchange emulator (= one mailbox server); pg-boss job on PGlite`,
    `cap in force: ${RUN_CONCURRENCY_EWS} users checked at a time (the run's EWS default) and ${DEFAULT_EWS_CONCURRENCY} EWS calls in flight per service account (the transport's limiter; EWSMaxConcurrency is ${EWS_MAX_CONCURRENCY})`,
    `total: ${seconds(wallMs)} from POST to "succeeded" (the job itself ${seconds(jobMs)}; ${cpuShare(check)} in this one process), ${(CHECK_USERS / (wallMs / 1000)).toFixed(0)} users/s; ${run.passed} passed, ${run.failed} failed, ${stored[0].n} results stored`,
    `  floor set by latency and the cap: ${requests / CHECK_USERS} sequential requests × ${CHECK_LATENCY_MS} ms per user, ${RUN_CONCURRENCY_EWS} users at a time → ${seconds((requests * CHECK_LATENCY_MS) / RUN_CONCURRENCY_EWS)}`,
    `EWS requests: ${requests} (${(requests / CHECK_USERS).toFixed(1)} per user: ${operations.join(', ')})`,
    `peak in flight on the mailbox server: ${peak} (service account: ${perAccount}); X-AnchorMailbox missing on ${exchange.control.missingAnchorMailbox} calls`,
  ];
}

export async function benchAdmin(): Promise<string[]> {
  const gc = gcFunction();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-admin-'));
  let db: Db | undefined;
  let jobs: JobQueue | undefined;
  let server: http.Server | undefined;
  let c4c: C4cEmulator | undefined;
  let exchange: ExchangeEmulator | undefined;
  try {
    db = await openDb({ dataDir: path.join(dataDir, 'pglite') });
    await migrate(db);
    jobs = await createJobQueue(db, { pollingIntervalSeconds: 0.5, supervise: false, schedule: false });
    c4c = await startC4cEmulator({ seedDemo: false });
    exchange = await startExchangeEmulator({ mountGraph: false });
    const admin = testAdmin(db, { jobs, mailboxes: createMailboxFactory() });
    await registerAccessCheckJobs(admin.deps);
    server = http.createServer(admin.app);
    // Longer than any pause between the bench's requests, so the client never reuses a socket the server is closing.
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const api = new Api(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    const lines = [`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${os.cpus().length} cores at the start (other work on the machine slows every figure)`, 'CSV import (POST …/users/import?wait=true)', ...(await benchImport(api, c4c, gc)).map((l) => `  ${l}`)];
    lines.push('Access check (POST …/access-checks, then GET until finished)', ...(await benchAccessCheck(api, exchange, db)).map((l) => `  ${l}`));
    return lines;
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
    await jobs?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await exchange?.close();
    await c4c?.close();
    await db?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchAdmin().then(
    (lines) => {
      console.log(lines.join('\n'));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
