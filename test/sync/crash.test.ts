/**
 * Crash test with real processes: a relay process (test/sync/crash-relay.ts: store, job queue, sync engine with the
 * product's setup and email steps) saving 300 categorized emails is killed with SIGKILL in the middle of its session
 * and started again on the same database. Exactly 300 E-Mails end up in C4C, none twice, and the second process
 * resumed from the committed cursors instead of reading the inbox from the start.
 *
 * The 300 categorized emails sit among 900 uncategorized ones, so the inbox's change feed spans three EWS pages (512
 * each) and the kill falls after the first page's cursor was committed. Runs against PostgreSQL and PGlite (the same
 * data folder, which the test process opens only while no relay process runs).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createSecretBox } from '../../relay/secrets';
import { createStore, migrate, openDb, type Db } from '../../relay/store';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { isPostgresReachable, TEST_DATABASE_URL } from '../helpers/backends';
import { sleep, waitFor } from './helpers';
import { sessionsEnded, startCrashRelay, type CrashRelay } from './crash-relay-process';

const CATEGORIZED = 300;
const NOISE = 900;
const ANNA = DEMO_USERS[0].email;

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const backends: Array<'pglite' | 'postgres'> = ['pglite', ...(process.env.CI === 'true' || isPostgresReachable() ? (['postgres'] as const) : [])];

describe.each(backends)('a relay killed mid-session [%s]', (kind) => {
  let exchange: ExchangeEmulator;
  let c4c: C4cEmulator;
  const relays: CrashRelay[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    exchange = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
    c4c = await startC4cEmulator({ users: [{ username: 'sandbox', password: 'sandbox' }], seedDemo: true });
  });
  afterAll(async () => {
    for (const r of relays) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    for (const c of cleanups.reverse()) await c();
    await exchange?.close();
    await c4c?.close();
  });

  it('saves every categorized email exactly once and resumes from the committed cursors', async () => {
    const key = crypto.randomBytes(32);
    const env: Record<string, string> = { RELAY_SECRET_KEY: key.toString('base64') };
    let open: () => Promise<Db>;
    if (kind === 'postgres') {
      const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
      await adminQuery(`CREATE SCHEMA ${schema}`);
      cleanups.push(() => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      const url = new URL(TEST_DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      env.DATABASE_URL = url.toString();
      env.JOB_SCHEMA = `${schema}_boss`;
      cleanups.push(() => adminQuery(`DROP SCHEMA IF EXISTS ${schema}_boss CASCADE`));
      open = () => openDb({ databaseUrl: env.DATABASE_URL });
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-pglite-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      env.DATA_DIR = dir;
      open = () => openDb({ dataDir: dir });
    }

    // The organization, Anna and her mailbox, set up through the store before any relay process runs.
    let db = await open();
    await migrate(db);
    const store = createStore(db, createSecretBox(key));
    const org = await store.organizations.create({ name: 'Crash', slug: `crash-${crypto.randomBytes(3).toString('hex')}` });
    await store.c4cConnections.upsert(org.id, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
    await store.mailboxAccess.set(org.id, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    const anna = await store.users.create(org.id, { displayName: 'Anna Berger', email: ANNA });
    await createMailboxSyncRepository(db).enableMany(org.id, [{ userId: anna.id, offsetSeconds: 0 }], { actor: 'test', dueAt: new Date() });
    if (kind === 'pglite') await db.close();

    // Relay A: its first session sets the mailbox up and takes the baseline.
    const a = startCrashRelay(env);
    relays.push(a);
    await waitFor(() => sessionsEnded(a, 'succeeded') >= 1, 90000, 'the first session (setup and baseline)');

    // Mail arrives after the baseline: 1,200 emails, every fourth with the SAP category.
    for (let i = 0; i < CATEGORIZED + NOISE; i += 1) {
      exchange.control.user.deliverMessage(ANNA, {
        subject: i % 4 === 0 ? `crash ${i}` : `noise ${i}`,
        from: { address: `buyer${i % 7}@fabrikam.example`, name: 'Buyer' },
        internetMessageId: `<crash-${i}-${crypto.randomBytes(4).toString('hex')}@fabrikam.example>`,
        categories: i % 4 === 0 ? [SYNC_CATEGORIES.trigger.displayName] : [],
      });
    }
    const crashEmails = () => c4c.control.list('EMailCollection').filter((row) => String(row.Subject).startsWith('crash '));
    c4c.control.setLatency(10);
    a.child.stdin.write(`sync-now ${org.id} ${anna.id}\n`);
    // Past the first page (128 categorized emails), well before the end.
    await waitFor(() => crashEmails().length >= 150, 120000, 'relay A to save 150 emails');
    a.child.kill('SIGKILL');
    await a.exited;
    const savedByA = crashEmails().length;
    expect(savedByA).toBeLessThan(CATEGORIZED);

    // Relay B on the same database: the dead session's heartbeat is stale, the tick takes it over and a new session
    // resumes from the committed cursors.
    const b = startCrashRelay(env);
    relays.push(b);
    await waitFor(() => crashEmails().length >= CATEGORIZED && sessionsEnded(b, 'succeeded') >= 1, 120000, 'relay B to save the rest');
    // A pending claim left by the kill expires after its lease; one more session would pick up anything left.
    b.child.stdin.write(`sync-now ${org.id} ${anna.id}\n`);
    await waitFor(() => sessionsEnded(b, 'succeeded') >= 2, 60000, 'a further session of relay B');
    b.child.kill('SIGTERM');
    await b.exited;

    const emails = crashEmails();
    expect(emails).toHaveLength(CATEGORIZED);
    expect(new Set(emails.map((e) => e.GroupwareItemID)).size).toBe(CATEGORIZED);

    db = await open();
    try {
      const repo = createMailboxSyncRepository(db);
      const runs = await repo.listRuns(org.id, anna.id, { limit: 50 });
      // A's killed run was taken over and marked abandoned; B's runs succeeded.
      expect(runs.filter((r) => r.outcome === 'abandoned')).toHaveLength(1);
      expect(runs.filter((r) => r.outcome === 'running')).toHaveLength(0);
      const bRuns = runs.filter((r) => r.outcome === 'succeeded' && r.startedAt > runs.find((x) => x.outcome === 'abandoned')!.startedAt);
      if (process.env.CRASH_DEBUG) console.log(JSON.stringify({ savedByA, runs }, null, 1));
      const examinedByB = bRuns.reduce((sum, r) => sum + (r.counts.examined ?? 0), 0);
      const savedByB = bRuns.reduce((sum, r) => sum + (r.counts.saved ?? 0), 0);
      // Resumed, not restarted: B never read the first page again, and saved only what A had not.
      expect(examinedByB).toBeLessThanOrEqual(CATEGORIZED + NOISE - 512);
      expect(savedByB).toBeLessThanOrEqual(CATEGORIZED - savedByA + 1);
      expect(savedByB).toBeGreaterThan(0);
      const { rows } = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM email_saves WHERE organization_id = $1`, [org.id]);
      expect(Number(rows[0].count)).toBeGreaterThanOrEqual(CATEGORIZED);
      const cursor = await repo.cursors(org.id, anna.id).get('inbox');
      expect(cursor?.baselineDone).toBe(true);
    } finally {
      await db.close();
    }
    await sleep(0);
  });
});
