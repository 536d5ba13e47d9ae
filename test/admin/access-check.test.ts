/**
 * The access check (A4) as a pg-boss job, through the admin routes, against the Exchange emulator's EWS and Graph
 * endpoints answering each real error; stored results, SSE, cancel, resume after a crash; then bulk activation (A5).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AccessCheckResultsResponseSchema, AccessCheckRunSchema, ActivationResponseSchema, type AccessCheckRun } from '../../shared/api/admin';
import { registerAccessCheckJobs, runAccessCheck } from '../../relay/admin/access-check';
import { createMailboxFactory } from '../../relay/mailbox';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import type { EnableResult, SyncControl } from '../../relay/sync/types';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { describeEachBackend } from '../helpers/backends';
import { testAdmin, TEST_TENANT, type TestAdmin } from './helpers';

jest.setTimeout(180_000);

const [ANNA, MARCO, PRIYA] = DEMO_USERS;

/** Idempotent like the real one: a second enable of the same mailbox changes nothing. */
function fakeSync(): SyncControl & { enabled: Set<string> } {
  const enabled = new Set<string>();
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    enabled,
    async enable(_org, userIds): Promise<EnableResult[]> {
      return userIds.map((userId) => {
        const outcome = enabled.has(userId) ? 'already-enabled' : 'enabled';
        enabled.add(userId);
        return { userId, outcome };
      });
    },
    pause: unused,
    resume: unused,
    syncNow: unused,
    async disable(_org, userId) {
      enabled.delete(userId);
    },
    status: unused,
  };
}

describeEachBackend('admin access check and activation', (backend) => {
  let bed: GraphTestbed;
  let jobs: JobQueue;
  let admin: TestAdmin;
  const sync = fakeSync();
  const noGrant = 'no-grant@contoso.example';
  const nobody = 'nobody@contoso.example';

  beforeAll(async () => {
    bed = await startGraphTestbed({ seedDemo: true });
    bed.addMailbox(noGrant, 'No Grant');
    bed.state.restrictApp(bed.app.clientId, DEMO_USERS.map((u) => u.email));
    jobs = await createJobQueue(backend.db(), { schema: backend.uniqueSchema('boss'), pollingIntervalSeconds: 0.5, supervise: false, schedule: false });
    admin = testAdmin(backend.db(), { jobs, sync, mailboxes: createMailboxFactory({ graph: bed.options(), ews: { maxBackOffMs: 500 } }) });
    await registerAccessCheckJobs(admin.deps);
  });
  afterAll(async () => {
    await jobs?.stop({ timeoutMs: 2000 });
    await bed?.close();
  });
  afterEach(() => {
    bed.exchange.control.clearFaults();
    bed.exchange.control.setLatency(0);
  });

  async function orgWith(addresses: string[]): Promise<string> {
    const org = await admin.deps.store.organizations.create({ name: 'Checked', slug: `checked-${randomUUID().slice(0, 8)}` });
    await admin.deps.admin.setAdminTenant(org.id, TEST_TENANT);
    for (const email of addresses) await admin.deps.store.users.create(org.id, { displayName: email.split('@')[0], email });
    return org.id;
  }

  async function runToEnd(orgId: string): Promise<AccessCheckRun> {
    const started = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks`).send({});
    expect(started.status).toBe(202);
    const runId = started.body.run.id as string;
    for (let i = 0; i < 300; i++) {
      const run = AccessCheckRunSchema.parse((await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${runId}`)).body);
      if (run.status !== 'queued' && run.status !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the access check did not finish');
  }

  async function problemsOf(orgId: string, runId: string): Promise<Record<string, string>> {
    const res = await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${runId}/results?limit=500`);
    const { results } = AccessCheckResultsResponseSchema.parse(res.body);
    return Object.fromEntries(results.map((r) => [r.email, r.problem]));
  }

  it('EWS impersonation: ok, impersonation denied, mailbox not found, EWS disabled for the tenant; results stored and streamed', async () => {
    const orgId = await orgWith([ANNA.email, noGrant, nobody, MARCO.email]);
    const put = await request(admin.app)
      .put(`/api/admin/organizations/${orgId}/mailbox-access`)
      .send({ kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.body)).not.toContain(DEMO_EWS_SERVICE_ACCOUNT.password);
    bed.exchange.control.addFault({ fault: 'ews-disabled', protocol: 'ews', mailbox: MARCO.email, times: 1000 });
    const run = await runToEnd(orgId);
    expect(run).toMatchObject({ status: 'succeeded', total: 4, checked: 4, passed: 1, failed: 3, accessKind: 'ews-impersonation' });
    expect(await problemsOf(orgId, run.id)).toEqual({
      [ANNA.email]: 'ok',
      [noGrant]: 'impersonation-denied',
      [nobody]: 'mailbox-not-found',
      [MARCO.email]: 'ews-disabled',
    });
    const results = (await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${run.id}/results?outcome=failed`)).body.results as Array<{ email: string; message: string }>;
    expect(results.find((r) => r.email === noGrant)?.message).toMatch(/ApplicationImpersonation/);
    expect(results.find((r) => r.email === MARCO.email)?.message).toMatch(/EWS is switched off/);
    // SSE of a finished run: progress, every result, done, then the stream ends.
    const events = await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${run.id}/events`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => done(null, text));
    });
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    expect((events.body as string).match(/event: result/g)).toHaveLength(4);
    expect(events.body).toMatch(/event: done\ndata: \{[^\n]*"status":"succeeded"/);
  });

  it('EWS: a wrong service account password is reported as such for every user', async () => {
    const orgId = await orgWith([ANNA.email, PRIYA.email]);
    await request(admin.app).put(`/api/admin/organizations/${orgId}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: 'wrong' }).expect(200);
    const run = await runToEnd(orgId);
    expect(await problemsOf(orgId, run.id)).toEqual({ [ANNA.email]: 'invalid-credentials', [PRIYA.email]: 'invalid-credentials' });
  });

  it('Graph app-only: ok, outside the RBAC for Applications scope, mailbox not found, wrong secret, app without mail permissions', async () => {
    const orgId = await orgWith([ANNA.email, noGrant, nobody]);
    const access = bed.appAccess();
    await request(admin.app)
      .put(`/api/admin/organizations/${orgId}/mailbox-access`)
      .send({ kind: 'graph-app', tenantId: access.tenantId, clientId: access.clientId, clientSecret: access.clientSecret, authorityHost: access.authorityHost, graphBaseUrl: access.graphBaseUrl })
      .expect(200);
    const run = await runToEnd(orgId);
    expect(await problemsOf(orgId, run.id)).toEqual({ [ANNA.email]: 'ok', [noGrant]: 'app-scope-denied', [nobody]: 'mailbox-not-found' });

    // The stored secret is replaced by a wrong one: every user says so.
    await request(admin.app).put(`/api/admin/organizations/${orgId}/mailbox-access`).send({ kind: 'graph-app', tenantId: access.tenantId, clientId: access.clientId, clientSecret: 'not-the-secret', authorityHost: access.authorityHost, graphBaseUrl: access.graphBaseUrl }).expect(200);
    const wrong = await runToEnd(orgId);
    expect(new Set(Object.values(await problemsOf(orgId, wrong.id)))).toEqual(new Set(['invalid-credentials']));

    // An app consented without Mail.* application permissions: Graph answers 403 ErrorAccessDenied.
    const bare = { clientId: randomUUID(), clientSecret: `s-${randomUUID()}` };
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: bare.clientId, clientSecret: bare.clientSecret, displayName: 'No permissions', redirectUris: [], roles: [] });
    await request(admin.app).put(`/api/admin/organizations/${orgId}/mailbox-access`).send({ kind: 'graph-app', tenantId: access.tenantId, ...bare, authorityHost: access.authorityHost, graphBaseUrl: access.graphBaseUrl }).expect(200);
    const denied = await runToEnd(orgId);
    const problems = await problemsOf(orgId, denied.id);
    expect(problems[ANNA.email]).toBe('consent-missing');
  });

  it('refuses a second run while one is active, cancels a running one, and resumes a crashed one without checking anyone twice', async () => {
    const many = Array.from({ length: 12 }, (_, i) => bed.addMailbox(`bulk${i}@contoso.example`));
    const orgId = await orgWith(many);
    await request(admin.app).put(`/api/admin/organizations/${orgId}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: 'relay-svc@contoso.example', password: 'x' }).expect(200);
    bed.exchange.control.setLatency(150);
    const started = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks`).send({}).expect(202);
    const second = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks`).send({});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('check-in-progress');
    const cancelled = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks/${started.body.run.id}/cancel`).expect(200);
    expect(['cancelled', 'running']).toContain(cancelled.body.status);
    for (let i = 0; i < 100; i++) {
      const run = await admin.deps.admin.getRunById(started.body.run.id);
      if (run?.status === 'cancelled') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const final = await admin.deps.admin.getRunById(started.body.run.id);
    expect(final?.status).toBe('cancelled');
    expect(final!.checked).toBeLessThan(12);
    bed.exchange.control.setLatency(0);

    // A run whose worker died after one user: resuming checks only the others.
    const users = await admin.deps.store.users.listByOrg(orgId);
    const crashed = await admin.deps.admin.createRun({ organizationId: orgId, accessKind: 'ews-impersonation', userIds: null, startedBy: 'test' });
    await admin.deps.admin.markRunStarted(crashed.id, users.length);
    await admin.deps.admin.recordResult(crashed.id, orgId, { userId: users[0].id, ok: false, problem: 'unknown', message: 'before the crash', ms: 1 });
    const resumed = await runAccessCheck(admin.deps, crashed.id);
    expect(resumed).toMatchObject({ status: 'succeeded', checked: 12, total: 12 });
    const results = await admin.deps.admin.listResults(orgId, crashed.id, { limit: 100 });
    expect(results).toHaveLength(12);
    expect(results.find((r) => r.userId === users[0].id)?.message).toBe('before the crash');
  });

  it('bulk activation enables the users whose check passed, lists the others with their reason, and is idempotent', async () => {
    const orgId = await orgWith([ANNA.email, PRIYA.email, noGrant, 'unchecked@contoso.example']);
    await request(admin.app).put(`/api/admin/organizations/${orgId}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password }).expect(200);
    const users = await admin.deps.store.users.listByOrg(orgId);
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    const checked = users.filter((u) => u.email !== 'unchecked@contoso.example').map((u) => u.id);
    const started = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks`).send({ userIds: checked }).expect(202);
    for (let i = 0; i < 200 && (await admin.deps.admin.getRunById(started.body.run.id))?.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 100));

    const first = ActivationResponseSchema.parse((await request(admin.app).post(`/api/admin/organizations/${orgId}/activation`).send({ mode: 'passed' }).expect(200)).body);
    expect(first.activated.map((a) => [a.email, a.outcome]).sort()).toEqual([[ANNA.email, 'enabled'], [PRIYA.email, 'enabled']]);
    expect(first.notActivated.map((n) => [n.email, n.reason, n.problem]).sort()).toEqual([[noGrant, 'check-failed', 'impersonation-denied'], ['unchecked@contoso.example', 'not-checked', null]]);
    const again = ActivationResponseSchema.parse((await request(admin.app).post(`/api/admin/organizations/${orgId}/activation`).send({ mode: 'passed' })).body);
    expect(again.activated.map((a) => a.outcome)).toEqual(['already-enabled', 'already-enabled']);
    const chosen = ActivationResponseSchema.parse((await request(admin.app).post(`/api/admin/organizations/${orgId}/activation`).send({ mode: 'users', userIds: [idOf(noGrant), randomUUID()] })).body);
    expect(chosen.activated).toEqual([]);
    expect(chosen.notActivated.map((n) => n.reason).sort()).toEqual(['check-failed', 'not-found']);
    const audit = await admin.deps.store.audit.list(orgId);
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['mailbox-access.updated', 'access-check.started', 'users.activated']));
    expect(JSON.stringify(audit)).not.toContain(DEMO_EWS_SERVICE_ACCOUNT.password);
  });
});
