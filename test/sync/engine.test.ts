/**
 * The sync engine on both back ends, through the real job queue and the real EWS client against the Exchange
 * emulator: activation (idempotent, bulk in a few statements, spread over the interval), the tick (due mailboxes
 * only, next slot), sessions that read the inbox's change feed into the cursor store and resume from it, Sync now /
 * Pause / Resume, suspension after the threshold, and transient failures that back off and never suspend.
 */
import crypto from 'node:crypto';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { createSecretBox } from '../../relay/secrets';
import { createStore, type Queryable, type Store } from '../../relay/store';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';
import { SESSION_QUEUE } from '../../relay/sync/control-service';
import { startEngine, type SyncEngine } from '../../relay/sync/engine';
import { MailboxPausedError, MailboxNotActivatedError, type SessionContext, type SessionStep } from '../../relay/sync/types';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { describeEachBackend } from '../helpers/backends';
import { createOrganization, createUsers, silentLogger, sleep, waitFor } from './helpers';

/** A real step: reads the inbox's change feed page by page, committing the cursor after every page. */
export function inboxReaderStep(seen?: Map<string, string[]>): SessionStep {
  return {
    name: 'inbox-reader',
    async run(ctx: SessionContext) {
      const inbox = await ctx.mailbox.getWellKnownFolder('inbox');
      let stored = await ctx.cursors.get('inbox');
      for (;;) {
        if (ctx.shouldStop()) return;
        const page = await ctx.mailbox.getChanges(inbox.id, 'message', stored?.cursor);
        ctx.count('examined', page.created.length + page.updated.length);
        if (seen) seen.set(ctx.state.userId, [...(seen.get(ctx.state.userId) ?? []), ...page.created.map((c) => c.id)]);
        stored = { folderId: inbox.id, cursor: page.cursor, baselineDone: page.done || stored?.baselineDone === true };
        await ctx.cursors.set('inbox', stored);
        ctx.progress({ step: 'inbox-reader', done: page.created.length });
        if (page.done) return;
      }
    },
  };
}

function countingDb(db: Queryable): { db: Queryable; count: () => number } {
  let n = 0;
  return {
    db: { query: (sql, params) => ((n += 1), db.query(sql, params)) },
    count: () => n,
  };
}

describeEachBackend('sync engine', (backend) => {
  let exchange: ExchangeEmulator;
  let jobs: JobQueue;
  let store: Store;
  const secrets = createSecretBox(crypto.randomBytes(32));
  const engines: SyncEngine[] = [];
  let steps: SessionStep[] = [];

  async function engine(options: Partial<Parameters<typeof startEngine>[1]> = {}): Promise<SyncEngine> {
    const e = await startEngine(
      { db: backend.db(), secrets, jobs, logger: silentLogger },
      { steps: () => steps, tickIntervalMs: 0, pollingIntervalSeconds: 0.5, timing: { heartbeatMs: 200, backoffBaseMs: 1000, backoffMaxMs: 8000 }, ...options },
    );
    engines.push(e);
    return e;
  }

  async function demoOrganization(settings: Record<string, unknown> = {}): Promise<{ org: string; anna: string; marco: string }> {
    const org = await createOrganization(backend.db(), { sync: settings });
    const [anna, marco] = await createUsers(backend.db(), org, [DEMO_USERS[0].email, DEMO_USERS[1].email]);
    await store.mailboxAccess.set(org, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    return { org, anna, marco };
  }

  async function runs(org: string, user: string) {
    return createMailboxSyncRepository(backend.db()).listRuns(org, user, { limit: 100 });
  }

  beforeAll(async () => {
    exchange = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
    store = createStore(backend.db(), secrets);
    jobs = await createJobQueue(backend.db(), { schema: backend.kind === 'postgres' ? backend.uniqueSchema('pgboss') : 'pgboss', pollingIntervalSeconds: 0.5, schedule: false });
  });
  afterAll(async () => {
    // Generous: on a loaded machine a session may still be inside an EWS back-off; a job that pg-boss fails after the
    // database closed would surface as an error in this file.
    for (const e of engines) await e.stop({ timeoutMs: 15_000 });
    await jobs?.stop({ timeoutMs: 15_000 });
    await exchange?.close();
  });
  // Each test gets its own engines and a quiet queue: an earlier test's workers (with that test's steps) or its due
  // mailboxes would otherwise take this test's sessions or show up in its tick.
  afterEach(async () => {
    exchange.control.clearFaults();
    for (const e of engines.splice(0)) await e.stop({ timeoutMs: 15_000 });
    await backend.db().query(`DELETE FROM ${jobs.schema}.job WHERE name = $1`, [SESSION_QUEUE]);
    await backend.db().query('DELETE FROM mailboxes');
  });

  it('enables 1,000 mailboxes in a few statements, idempotently, spread over the interval, each with its first session queued', async () => {
    const control = (await engine({ workers: false })).control;
    const org = await createOrganization(backend.db());
    const users = await createUsers(backend.db(), org, 1000);
    const counter = countingDb(backend.db());
    // The same control over a counting handle: every statement of the store goes through it.
    const { createSyncControl } = await import('../../relay/sync/control-service');
    const counted = createSyncControl({ db: counter.db, jobs, mailboxes: createMailboxSyncRepository(counter.db), organizations: createStore(counter.db, secrets).organizations, audit: createStore(counter.db, secrets).audit });
    const result = await counted.enable(org, users, { kind: 'admin', id: 'bulk' });
    expect(result).toHaveLength(1000);
    expect(result.every((r) => r.outcome === 'enabled')).toBe(true);
    // Organization settings, one enable statement, one audit entry (the job insert is one more, on pg-boss's handle).
    expect(counter.count()).toBeLessThanOrEqual(3);
    const { rows } = await backend.db().query<{ count: number }>(`SELECT count(*)::int AS count FROM ${jobs.schema}.job WHERE name = $1 AND singleton_key = ANY($2::text[])`, [SESSION_QUEUE, users]);
    expect(Number(rows[0].count)).toBe(1000);

    const again = await control.enable(org, [...users, users[0]], { kind: 'admin', id: 'bulk' });
    expect(again.every((r) => r.outcome === 'already-enabled')).toBe(true);
    const { rows: after } = await backend.db().query<{ count: number }>(`SELECT count(*)::int AS count FROM ${jobs.schema}.job WHERE name = $1 AND singleton_key = ANY($2::text[])`, [SESSION_QUEUE, users]);
    expect(Number(after[0].count)).toBe(1000);

    // Offsets spread over the 30-minute interval: ten 3-minute buckets of about 100 each.
    const { rows: offsets } = await backend.db().query<{ o: number }>(`SELECT schedule_offset_seconds AS o FROM mailboxes WHERE organization_id = $1`, [org]);
    const buckets = new Array(10).fill(0) as number[];
    for (const { o } of offsets) {
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(1800);
      buckets[Math.floor(o / 180)] += 1;
    }
    for (const b of buckets) expect(b).toBeGreaterThan(60);
    // Users of another organization are ignored.
    const other = await createOrganization(backend.db());
    expect(await control.enable(other, users.slice(0, 5), { kind: 'admin', id: 'x' })).toEqual([]);
    await backend.db().query(`DELETE FROM ${jobs.schema}.job WHERE name = $1`, [SESSION_QUEUE]);
  });

  it('the tick sends sessions for due mailboxes only and moves each to its next slot', async () => {
    const e = await engine({ workers: false });
    const org = await createOrganization(backend.db(), { sync: { intervalMinutes: 10 } });
    const [due1, due2, later] = await createUsers(backend.db(), org, 3);
    const repo = createMailboxSyncRepository(backend.db());
    const past = new Date(Date.now() - 60000);
    await repo.enableMany(org, [{ userId: due1, offsetSeconds: 0 }, { userId: due2, offsetSeconds: 300 }], { actor: 'system:test', dueAt: past });
    await repo.enableMany(org, [{ userId: later, offsetSeconds: 0 }], { actor: 'system:test', dueAt: new Date(Date.now() + 3600000) });
    const result = await e.tick();
    expect(result.ran).toBe(true);
    const { rows } = await backend.db().query<{ singleton_key: string; data: { trigger: string } }>(`SELECT singleton_key, data FROM ${jobs.schema}.job WHERE name = $1 AND singleton_key = ANY($2::text[])`, [SESSION_QUEUE, [due1, due2, later]]);
    expect(rows.map((r) => r.singleton_key).sort()).toEqual([due1, due2].sort());
    expect(rows.every((r) => r.data.trigger === 'schedule')).toBe(true);
    for (const [user, offset] of [[due1, 0], [due2, 300]] as const) {
      const next = (await repo.get(org, user))!.nextSessionAt!;
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(600000);
      expect((next.getTime() / 1000) % 600).toBe(offset);
    }
    // Nothing is due any more; a second tick sends nothing.
    expect((await e.tick()).due).toBe(0);
    await backend.db().query(`DELETE FROM ${jobs.schema}.job WHERE name = $1`, [SESSION_QUEUE]);
  });

  it('runs sessions through the real mailbox: the first reads the inbox into the cursor store, the next resumes from the cursor', async () => {
    const seen = new Map<string, string[]>();
    steps = [inboxReaderStep(seen)];
    const e = await engine();
    const { org, anna } = await demoOrganization();
    const inboxCount = exchange.store.listItems(DEMO_USERS[0].email, exchange.store.wellKnownFolder(DEMO_USERS[0].email, 'inbox').id).length;
    expect(inboxCount).toBeGreaterThan(0);

    expect(await e.control.enable(org, [anna], { kind: 'system', id: 'test' })).toEqual([{ userId: anna, outcome: 'enabled' }]);
    await waitFor(async () => (await runs(org, anna)).some((r) => r.outcome !== 'running'), 20000, 'the first session');
    const status = await e.control.status(org, anna);
    expect(status).toMatchObject({ activated: true, status: 'enabled', stage: 'idle', intervalMinutes: 30 });
    expect(status.recentRuns[0]).toMatchObject({ outcome: 'succeeded', counts: { examined: inboxCount }, trigger: 'schedule' });
    expect(status.lastSuccessAt).toBeDefined();
    expect(Date.parse(status.nextSessionAt!) - Date.now()).toBeLessThanOrEqual(30 * 60000);
    const cursor = await createMailboxSyncRepository(backend.db()).cursors(org, anna).get('inbox');
    expect(cursor).toMatchObject({ baselineDone: true, cursor: expect.any(String) });

    exchange.control.user.deliverMessage(DEMO_USERS[0].email, { subject: 'New after the baseline', from: { address: 'someone@fabrikam.example' } });
    expect(await e.control.syncNow(org, anna, { kind: 'user', id: anna })).toEqual({ result: 'queued' });
    await waitFor(async () => (await runs(org, anna)).filter((r) => r.outcome === 'succeeded').length === 2, 20000, 'the second session');
    const second = (await runs(org, anna))[0];
    expect(second).toMatchObject({ trigger: 'manual', counts: { examined: 1 } });
    expect(seen.get(anna)).toHaveLength(inboxCount + 1);
  });

  it('Sync now answers already-queued / running instead of a second session; Pause stops a running session; Resume queues one', async () => {
    let release!: () => void;
    const running = new Set<string>();
    let overlaps = 0;
    steps = [
      {
        name: 'slow',
        async run(ctx) {
          if (running.has(ctx.state.userId)) overlaps += 1;
          running.add(ctx.state.userId);
          try {
            await new Promise<void>((resolve) => {
              release = resolve;
              const poll = setInterval(() => {
                if (ctx.shouldStop()) {
                  clearInterval(poll);
                  resolve();
                }
              }, 50);
            });
          } finally {
            running.delete(ctx.state.userId);
          }
        },
      },
    ];
    const e = await engine();
    const { org, marco } = await demoOrganization();
    await expect(e.control.syncNow(org, marco, { kind: 'user', id: marco })).rejects.toBeInstanceOf(MailboxNotActivatedError);
    await e.control.enable(org, [marco], { kind: 'admin', id: 'a' });
    await waitFor(() => running.has(marco), 20000, 'the first session to run');
    expect(await e.control.syncNow(org, marco, { kind: 'user', id: marco })).toEqual({ result: 'running' });
    expect((await e.control.status(org, marco)).stage).toBe('setting-up');

    // Pause: the running session notices at its next heartbeat and ends; no session runs while paused.
    const paused = await e.control.pause(org, marco, { kind: 'user', id: marco });
    expect(paused.status).toBe('paused');
    await waitFor(() => !running.has(marco), 5000, 'the session to stop after the pause');
    await waitFor(async () => (await runs(org, marco))[0]?.outcome !== 'running', 5000, 'the run to end');
    await expect(e.control.syncNow(org, marco, { kind: 'user', id: marco })).rejects.toBeInstanceOf(MailboxPausedError);

    const resumed = await e.control.resume(org, marco, { kind: 'user', id: marco });
    expect(resumed.status).toBe('enabled');
    await waitFor(() => running.has(marco), 20000, 'the resumed session');
    expect((await runs(org, marco))[0].trigger).toBe('resume');
    release();
    await waitFor(async () => (await runs(org, marco))[0]?.outcome === 'succeeded', 10000, 'the resumed session to end');
    // Now nothing waits or runs: Sync now queues, and a second press while it waits is refused.
    const first = await e.control.syncNow(org, marco, { kind: 'user', id: marco });
    const second = await e.control.syncNow(org, marco, { kind: 'user', id: marco });
    expect(first).toEqual({ result: 'queued' });
    expect(['already-queued', 'running']).toContain(second.result);
    await waitFor(() => running.has(marco), 20000, 'the manual session');
    release();
    expect(overlaps).toBe(0);
    await waitFor(async () => (await runs(org, marco))[0]?.outcome === 'succeeded', 10000, 'the manual session to end');
  });

  it('a rejected credential suspends the mailbox after the threshold with its reason; transient throttling backs off and never suspends', async () => {
    steps = [inboxReaderStep()];
    const e = await engine();
    const { org, anna, marco } = await demoOrganization({ suspendAfter: { 'credentials-rejected': 3 } });
    const repo = createMailboxSyncRepository(backend.db());

    // Marco: the service account loses its impersonation right on his mailbox.
    exchange.control.revokeImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_USERS[1].email);
    try {
      await e.control.enable(org, [marco], { kind: 'admin', id: 'a' });
      for (let n = 1; n <= 3; n += 1) {
        await waitFor(async () => (await runs(org, marco)).filter((r) => r.outcome === 'failed').length === n, 20000, `failed session ${n}`);
        const state = (await repo.get(org, marco))!;
        expect(state).toMatchObject({ failureClass: 'credentials-rejected', consecutiveFailures: n, status: n < 3 ? 'enabled' : 'suspended' });
        if (n < 3) expect(await e.control.syncNow(org, marco, { kind: 'admin', id: 'a' })).toEqual({ result: 'queued' });
      }
      const status = await e.control.status(org, marco);
      expect(status.status).toBe('suspended');
      expect(status.suspendedReason).toContain(DEMO_USERS[1].email);
      expect(status.lastFailure).toMatchObject({ class: 'credentials-rejected', consecutive: 3, advice: expect.stringContaining('Resume') });
      expect(status.nextSessionAt).toBeUndefined();
      await expect(e.control.syncNow(org, marco, { kind: 'user', id: marco })).rejects.toBeInstanceOf(MailboxPausedError);
    } finally {
      exchange.control.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_USERS[1].email);
    }
    // Fixed by the admin: Resume lifts the suspension and the next session succeeds.
    await e.control.resume(org, marco, { kind: 'admin', id: 'a' });
    await waitFor(async () => (await runs(org, marco))[0]?.outcome === 'succeeded', 20000, 'the session after resume');
    expect((await repo.get(org, marco))!).toMatchObject({ status: 'enabled', consecutiveFailures: 0 });

    // Anna: EWS answers ErrorServerBusy with a back-off beyond what a session waits: transient, five times over.
    exchange.control.addFault({ fault: 'throttle', mailbox: DEMO_USERS[0].email, backOffMs: 600000, times: 1000 });
    await e.control.enable(org, [anna], { kind: 'admin', id: 'a' });
    const delays: number[] = [];
    for (let n = 1; n <= 5; n += 1) {
      await waitFor(async () => (await runs(org, anna)).filter((r) => r.outcome === 'failed').length === n, 20000, `throttled session ${n}`);
      const state = (await repo.get(org, anna))!;
      expect(state).toMatchObject({ status: 'enabled', failureClass: 'throttled', failureTransient: true, consecutiveFailures: n });
      delays.push(state.nextSessionAt!.getTime() - state.updatedAt.getTime());
      if (n < 5) await e.control.syncNow(org, anna, { kind: 'user', id: anna });
    }
    // Exponential from 1 s, capped at 8 s: 1, 2, 4, 8, 8.
    expect(delays.map((d) => Math.round(d / 1000))).toEqual([1, 2, 4, 8, 8]);
    expect((await e.control.status(org, anna)).lastFailure).toMatchObject({ class: 'throttled', advice: expect.stringContaining('tries again') });
    // The back-off is honoured by the tick: once due, the tick queues the session on its own.
    exchange.control.clearFaults();
    await sleep(8500);
    await e.tick();
    await waitFor(async () => (await runs(org, anna))[0]?.outcome === 'succeeded', 20000, 'the session after the back-off');
    expect((await runs(org, anna))[0].trigger).toBe('schedule');
  });
});
