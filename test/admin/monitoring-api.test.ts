/**
 * A7 Monitoring through the real admin router, use cases and store on both back ends: organization isolation (an
 * admin sees only their organizations; another organization's ids answer 404), the state of each mailbox and the
 * state filters / search / paging, chart buckets computed from run rows written by the mailbox repository's own
 * beginSession / endSession, the issue list with its items, Retry (attempts reset, a session job queued through the
 * real SyncControl on pg-boss, audited), a user's run history, and the users list over 10,000 users.
 */
import request from 'supertest';
import {
  MonitoringOverviewResponseSchema,
  MonitoringUsersResponseSchema,
  SessionStatsResponseSchema,
  SyncIssueRetryResponseSchema,
  SyncIssuesResponseSchema,
  UserRunsResponseSchema,
} from '../../shared/api/admin';
import type { RunCounts } from '../../shared/api/sync';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { createStore, type Store } from '../../relay/store';
import { createEmailSyncItemsRepository } from '../../relay/store/email-sync-items';
import { createMailboxSyncRepository, type MailboxSyncRepository } from '../../relay/store/mailboxes';
import { createSecretBox } from '../../relay/secrets';
import { startEngine, type SyncEngine } from '../../relay/sync/engine';
import { SESSION_QUEUE } from '../../relay/sync/control-service';
import { describeEachBackend } from '../helpers/backends';
import { principal, silentLogger, testAdmin, TEST_TENANT, type TestAdmin } from './helpers';

jest.setTimeout(180_000);

const OTHER_TENANT = '9a1b2c3d-0000-4000-8000-00000000beef';
const HOUR = 3600_000;
/** A fixed hour boundary, so bucket arithmetic in the test does not depend on the clock. */
const T0 = new Date('2026-11-02T08:00:00.000Z');

describeEachBackend('monitoring API', (backend) => {
  let admin: TestAdmin;
  let store: Store;
  let mailboxes: MailboxSyncRepository;
  let jobs: JobQueue;
  let engine: SyncEngine;
  let orgId: string;
  let otherOrgId: string;
  const ids: Record<string, string> = {};

  /** A finished session written as the runner writes it: beginSession, then endSession. */
  async function session(userId: string, startedAt: Date, ms: number, outcome: 'succeeded' | 'failed', counts: RunCounts, organizationId = orgId): Promise<void> {
    const begun = await mailboxes.beginSession(organizationId, userId, { trigger: 'schedule', now: startedAt, staleBefore: new Date(startedAt.getTime() - 60_000) });
    if (!begun) throw new Error('session not taken');
    const endedAt = new Date(startedAt.getTime() + ms);
    const failure = outcome === 'failed' ? { class: 'credentials-rejected' as const, message: 'The mailbox server rejected the credentials (401).', transient: false, consecutive: begun.state.consecutiveFailures + 1 } : undefined;
    await mailboxes.endSession(organizationId, userId, {
      runId: begun.run.id,
      endedAt,
      outcome,
      counts,
      errors: outcome === 'failed' ? [{ message: 'The mailbox server rejected the credentials (401).' }] : [],
      nextSessionAt: new Date(endedAt.getTime() + 30 * 60_000),
      ...(failure ? { failure } : {}),
      setupDone: outcome === 'succeeded',
    });
  }

  beforeAll(async () => {
    const db = backend.db();
    jobs = await createJobQueue(db, { schema: backend.uniqueSchema('boss'), pollingIntervalSeconds: 0.5, supervise: false, schedule: false });
    // Control only: sessions are queued (the retry's proof), no worker runs them.
    engine = await startEngine({ db, secrets: createSecretBox(Buffer.alloc(32, 7)), jobs, logger: silentLogger() }, { steps: [], workers: false, tickIntervalMs: 0 });
    admin = testAdmin(db, { jobs, sync: engine.control });
    store = createStore(db, createSecretBox(Buffer.alloc(32, 7)));
    mailboxes = createMailboxSyncRepository(db);
    const org = await store.organizations.create({ name: 'Contoso Monitoring', slug: `contoso-mon-${backend.kind}`, entraTenantId: TEST_TENANT });
    const other = await store.organizations.create({ name: 'Fabrikam Elsewhere', slug: `fabrikam-mon-${backend.kind}`, entraTenantId: OTHER_TENANT });
    orgId = org.id;
    otherOrgId = other.id;
    for (const [key, name] of [['ada', 'Ada Idle'], ['bob', 'Bob Failing'], ['cyd', 'Cyd Paused'], ['dee', 'Dee Suspended'], ['eve', 'Eve Syncing'], ['fay', 'Fay Never']] as const) {
      ids[key] = (await store.users.create(orgId, { displayName: name, email: `${key}@contoso.example` })).id;
    }
    ids.zed = (await store.users.create(otherOrgId, { displayName: 'Zed Other', email: 'zed@fabrikam.example' })).id;
    await mailboxes.enableMany(orgId, ['ada', 'bob', 'cyd', 'dee', 'eve'].map((k) => ({ userId: ids[k], offsetSeconds: 0 })), { actor: 'test', dueAt: T0 });
    await mailboxes.enableMany(otherOrgId, [{ userId: ids.zed, offsetSeconds: 0 }], { actor: 'test', dueAt: T0 });

    // Hour 0: Ada 2 sessions (1 s and 3 s, 2 + 1 saved, 4 mirrored); Bob fails (0.5 s). Hour 2: Ada 1 session (2 s).
    await session(ids.ada, new Date(T0.getTime() + 5 * 60_000), 1000, 'succeeded', { saved: 2, mirrorCreated: 3, mirrorUpdated: 1 });
    await session(ids.ada, new Date(T0.getTime() + 35 * 60_000), 3000, 'succeeded', { saved: 1 });
    await session(ids.bob, new Date(T0.getTime() + 10 * 60_000), 500, 'failed', {});
    await session(ids.ada, new Date(T0.getTime() + 2 * HOUR + 60_000), 2000, 'succeeded', { saved: 4, mirrorDeleted: 2 });
    // The other organization's run in the same hour must not count here.
    await session(ids.zed, new Date(T0.getTime() + 15 * 60_000), 9000, 'succeeded', { saved: 100 }, otherOrgId);
    // Eve: a session holds the mailbox now.
    await mailboxes.beginSession(orgId, ids.eve, { trigger: 'manual', now: new Date(), staleBefore: new Date(Date.now() - 60_000) });
    await mailboxes.setPaused(orgId, ids.cyd, 'test');
    await db.query(`UPDATE mailboxes SET status = 'suspended', suspended_reason = 'Credentials rejected 6 times', consecutive_failures = 6, failure_class = 'credentials-rejected', failure_message = 'HTTP 401' WHERE user_id = $1`, [ids.dee]);

    const items = createEmailSyncItemsRepository(db);
    await items.markFailed(orgId, ids.ada, { internetMessageId: '<offer-1@fabrikam.example>', itemId: 'AAMk-1', subject: 'Offer for 40 pumps' }, 'C4C refused the record: Account is blocked (400).');
    for (let i = 0; i < 4; i += 1) await items.markFailed(orgId, ids.ada, { internetMessageId: '<order-2@fabrikam.example>', itemId: 'AAMk-2', subject: 'Order 2' }, 'C4C refused the record (400).');
    await items.markFailed(otherOrgId, ids.zed, { internetMessageId: '<z@x.example>', itemId: 'AAMk-z', subject: 'Not yours' }, 'boom');
  });

  afterAll(async () => {
    await engine?.stop();
    await jobs?.stop();
  });
  beforeEach(() => admin.as(principal()));

  it('the overview shows only the caller\'s organizations (an operator sees all), with mailboxes counted by state', async () => {
    const mine = MonitoringOverviewResponseSchema.parse((await request(admin.app).get('/api/admin/monitoring/organizations').expect(200)).body);
    expect(mine.organizations.map((o) => o.name)).toEqual(['Contoso Monitoring']);
    expect(mine.organizations[0]).toMatchObject({
      userCount: 6,
      states: { idle: 1, failing: 1, paused: 1, suspended: 1, syncing: 1, 'not-activated': 1 },
      failedItems: 2,
    });

    admin.as(principal({ operator: true, roles: ['Operator'] }));
    const all = MonitoringOverviewResponseSchema.parse((await request(admin.app).get('/api/admin/monitoring/organizations').expect(200)).body);
    expect(all.organizations.map((o) => o.name)).toEqual(expect.arrayContaining(['Contoso Monitoring', 'Fabrikam Elsewhere']));
  });

  it('another organization answers 404 on every monitoring route', async () => {
    const base = `/api/admin/organizations/${otherOrgId}/monitoring`;
    for (const path of ['/users', '/sessions', '/issues', `/users/${ids.zed}/runs`]) {
      expect((await request(admin.app).get(base + path)).status).toBe(404);
    }
    expect((await request(admin.app).post(`${base}/issues/${ids.zed}/retry`).send({})).status).toBe(404);
    // Their user through my organization's path: also 404.
    expect((await request(admin.app).get(`/api/admin/organizations/${orgId}/monitoring/users/${ids.zed}/runs`)).status).toBe(404);
  });

  it('lists users with their state, filtered by state and searched, with the chip counts of the whole organization', async () => {
    const base = `/api/admin/organizations/${orgId}/monitoring/users`;
    const all = MonitoringUsersResponseSchema.parse((await request(admin.app).get(base).expect(200)).body);
    expect(all.users.map((u) => [u.displayName, u.state])).toEqual([
      ['Ada Idle', 'idle'],
      ['Bob Failing', 'failing'],
      ['Cyd Paused', 'paused'],
      ['Dee Suspended', 'suspended'],
      ['Eve Syncing', 'syncing'],
      ['Fay Never', 'not-activated'],
    ]);
    expect(all.users.find((u) => u.displayName === 'Bob Failing')).toMatchObject({ consecutiveFailures: 1, failureClass: 'credentials-rejected' });
    expect(all.users.find((u) => u.displayName === 'Ada Idle')?.failedItems).toBe(2);

    const failing = MonitoringUsersResponseSchema.parse((await request(admin.app).get(base).query({ state: 'failing,suspended' }).expect(200)).body);
    expect(failing.users.map((u) => u.displayName)).toEqual(['Bob Failing', 'Dee Suspended']);
    expect(failing.total).toBe(2);
    expect(failing.counts).toEqual(all.counts);
    expect(failing.counts).toMatchObject({ idle: 1, failing: 1, 'not-activated': 1 });

    const searched = MonitoringUsersResponseSchema.parse((await request(admin.app).get(base).query({ q: 'EVE@contoso' }).expect(200)).body);
    expect(searched.users.map((u) => u.state)).toEqual(['syncing']);

    const page1 = MonitoringUsersResponseSchema.parse((await request(admin.app).get(base).query({ limit: 4 }).expect(200)).body);
    const page2 = MonitoringUsersResponseSchema.parse((await request(admin.app).get(base).query({ limit: 4, cursor: page1.nextCursor }).expect(200)).body);
    expect([...page1.users, ...page2.users].map((u) => u.displayName)).toEqual(all.users.map((u) => u.displayName));
    expect(page2.nextCursor).toBeNull();

    const bad = await request(admin.app).get(base).query({ state: 'sleeping' });
    expect(bad.status).toBe(400);
  });

  it('sessions over time: hourly buckets computed from the run rows (sessions, saved, mirrored, failures, avg / p95 duration)', async () => {
    const res = await request(admin.app)
      .get(`/api/admin/organizations/${orgId}/monitoring/sessions`)
      .query({ from: new Date(T0.getTime() + 20 * 60_000).toISOString(), to: new Date(T0.getTime() + 3 * HOUR).toISOString(), bucketMinutes: 60 })
      .expect(200);
    const stats = SessionStatsResponseSchema.parse(res.body);
    // `from` is rounded down to the bucket boundary: the 08:05 and 08:10 runs are in.
    expect(stats.from).toBe(T0.toISOString());
    expect(stats.buckets.map((b) => b.start)).toEqual([0, 1, 2].map((h) => new Date(T0.getTime() + h * HOUR).toISOString()));
    const [h0, h1, h2] = stats.buckets;
    expect(h0).toMatchObject({ sessions: 3, succeeded: 2, failed: 1, itemsSaved: 3, mirrorCreated: 3, mirrorUpdated: 1, mirrorDeleted: 0, avgDurationMs: 1500 });
    // p95 of 500, 1000, 3000 ms by linear interpolation (percentile_cont): 1000 + 0.9 * 2000.
    expect(h0.p95DurationMs).toBe(2800);
    expect(h1).toMatchObject({ sessions: 0, avgDurationMs: null, p95DurationMs: null });
    expect(h2).toMatchObject({ sessions: 1, succeeded: 1, itemsSaved: 4, mirrorDeleted: 2, avgDurationMs: 2000, p95DurationMs: 2000 });
    expect(stats.totals).toMatchObject({ sessions: 4, failed: 1, itemsSaved: 7, mirrorCreated: 3, mirrorDeleted: 2, avgDurationMs: 1625 });

    const tooMany = await request(admin.app).get(`/api/admin/organizations/${orgId}/monitoring/sessions`).query({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', bucketMinutes: 1 });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'invalid-request']);
  });

  it('lists the sync issues with their items (which email, which error, since when, retries left)', async () => {
    const issues = SyncIssuesResponseSchema.parse((await request(admin.app).get(`/api/admin/organizations/${orgId}/monitoring/issues`).expect(200)).body);
    expect(issues.issues.map((i) => i.displayName)).toEqual(['Ada Idle', 'Bob Failing', 'Dee Suspended']);
    const ada = issues.issues[0];
    expect(ada.mailboxFailure).toBeNull();
    expect(ada.itemCount).toBe(2);
    expect(ada.items.map((i) => [i.kind, i.subject, i.attempts, i.willRetry])).toEqual([
      ['email', 'Offer for 40 pumps', 1, true],
      ['email', 'Order 2', 4, true],
    ]);
    expect(ada.items[0].error).toContain('Account is blocked');
    expect(Date.parse(ada.items[0].since)).toBeGreaterThan(0);
    const bob = issues.issues[1];
    expect(bob.mailboxFailure).toMatchObject({ class: 'credentials-rejected', consecutive: 1, since: new Date(T0.getTime() + 10 * 60_000).toISOString() });
    expect(bob.mailboxFailure?.advice).toMatch(/\w/);
    expect(issues.issues[2]).toMatchObject({ state: 'suspended', suspendedReason: 'Credentials rejected 6 times' });
  });

  it('Retry gives the failed emails their attempts again and queues a session through the SyncControl (audited)', async () => {
    // A 5th failure uses up Order 2's retries (maxItemAttempts 5).
    const items = createEmailSyncItemsRepository(backend.db());
    await items.markFailed(orgId, ids.ada, { internetMessageId: '<order-2@fabrikam.example>', itemId: 'AAMk-2', subject: 'Order 2' }, 'C4C refused the record (400).');
    expect((await items.listRetryable(orgId, ids.ada, 5)).map((i) => i.subject)).toEqual(['Offer for 40 pumps']);
    const before = await jobs.countByState(SESSION_QUEUE);

    const res = await request(admin.app).post(`/api/admin/organizations/${orgId}/monitoring/issues/${ids.ada}/retry`).send({}).expect(200);
    expect(SyncIssueRetryResponseSchema.parse(res.body)).toEqual({ itemsReset: 2, session: 'queued' });
    expect((await items.listRetryable(orgId, ids.ada, 5)).map((i) => [i.subject, i.attempts])).toEqual([
      ['Offer for 40 pumps', 0],
      ['Order 2', 0],
    ]);
    const after = await jobs.countByState(SESSION_QUEUE);
    expect((after.created ?? 0) - (before.created ?? 0)).toBe(1);
    const again = SyncIssueRetryResponseSchema.parse((await request(admin.app).post(`/api/admin/organizations/${orgId}/monitoring/issues/${ids.ada}/retry`).send({ keys: ['<offer-1@fabrikam.example>'] }).expect(200)).body);
    expect(again).toEqual({ itemsReset: 1, session: 'already-queued' });
    const audit = (await store.audit.list(orgId, { limit: 10 })).filter((e) => e.action === 'sync.retry');
    expect(audit).toHaveLength(2);

    // Paused: refused with the sync control's 409, nothing reset.
    const paused = await request(admin.app).post(`/api/admin/organizations/${orgId}/monitoring/issues/${ids.cyd}/retry`).send({});
    expect([paused.status, paused.body.error.code]).toEqual([409, 'sync-paused']);
    // Suspended: resumed (failure count cleared) and a session queued.
    const resumed = SyncIssueRetryResponseSchema.parse((await request(admin.app).post(`/api/admin/organizations/${orgId}/monitoring/issues/${ids.dee}/retry`).send({}).expect(200)).body);
    expect(resumed.session).toBe('queued');
    expect((await mailboxes.get(orgId, ids.dee))?.status).toBe('enabled');
  });

  it("a user's run history, newest first, with durations and paging", async () => {
    const base = `/api/admin/organizations/${orgId}/monitoring/users/${ids.ada}/runs`;
    const page1 = UserRunsResponseSchema.parse((await request(admin.app).get(base).query({ limit: 2 }).expect(200)).body);
    expect(page1.user).toMatchObject({ displayName: 'Ada Idle', state: 'idle' });
    expect(page1.runs.map((r) => [r.durationMs, r.counts.saved])).toEqual([
      [2000, 4],
      [3000, 1],
    ]);
    const page2 = UserRunsResponseSchema.parse((await request(admin.app).get(base).query({ limit: 2, cursor: page1.nextCursor }).expect(200)).body);
    expect(page2.runs.map((r) => r.durationMs)).toEqual([1000]);
    expect(page2.nextCursor).toBeNull();
  });

  it('run history order is numeric (run 10 after run 9), and pages continue it', async () => {
    const gil = (await store.users.create(orgId, { displayName: 'Gil Many Runs', email: 'gil@contoso.example' })).id;
    await mailboxes.enableMany(orgId, [{ userId: gil, offsetSeconds: 0 }], { actor: 'test', dueAt: T0 });
    for (let i = 0; i < 12; i += 1) await session(gil, new Date(T0.getTime() + 5 * HOUR + i * 60_000), 100 + i, 'succeeded', { saved: i });
    const base = `/api/admin/organizations/${orgId}/monitoring/users/${gil}/runs`;
    const all = UserRunsResponseSchema.parse((await request(admin.app).get(base).query({ limit: 50 }).expect(200)).body);
    expect(all.runs.map((r) => r.counts.saved ?? 0)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const first = UserRunsResponseSchema.parse((await request(admin.app).get(base).query({ limit: 5 }).expect(200)).body);
    const second = UserRunsResponseSchema.parse((await request(admin.app).get(base).query({ limit: 5, cursor: first.nextCursor }).expect(200)).body);
    expect([...first.runs, ...second.runs].map((r) => r.id)).toEqual(all.runs.slice(0, 10).map((r) => r.id));
  });

  it('stays fast with 10,000 users: a filtered page and the counts', async () => {
    const big = await store.organizations.create({ name: 'Big Org', slug: `big-mon-${backend.kind}`, entraTenantId: null });
    await backend.db().query(
      `INSERT INTO users (organization_id, display_name, email) SELECT $1, 'User ' || lpad(g::text, 5, '0'), 'user' || g || '@big.example' FROM generate_series(1, 10000) g`,
      [big.id],
    );
    await backend.db().query(
      `INSERT INTO mailboxes (user_id, organization_id, consecutive_failures) SELECT id, organization_id, CASE WHEN random() < 0.1 THEN 1 ELSE 0 END FROM users WHERE organization_id = $1`,
      [big.id],
    );
    await backend.db().query('ANALYZE users');
    await backend.db().query('ANALYZE mailboxes');
    admin.as(principal({ operator: true, roles: ['Operator'] }));
    const started = Date.now();
    const res = MonitoringUsersResponseSchema.parse((await request(admin.app).get(`/api/admin/organizations/${big.id}/monitoring/users`).query({ state: 'failing', limit: 50 }).expect(200)).body);
    const ms = Date.now() - started;
    expect(res.users).toHaveLength(50);
    expect(res.users.every((u) => u.state === 'failing')).toBe(true);
    expect(res.counts.failing + res.counts.idle).toBe(10000);
    console.log(`monitoring users page (10,000 users, state=failing) on ${backend.kind}: ${ms} ms`);
    expect(ms).toBeLessThan(3000);
  });
});
