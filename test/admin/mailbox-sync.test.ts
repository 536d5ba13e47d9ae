/**
 * E1 for admins: the admin API shows a user's sync status and runs Sync now / Pause / Resume for them through the
 * real sync control of a sandbox relay (whose start-up enabled the demo mailboxes); each action is audited, and a user
 * never activated answers 409 sync-not-activated.
 */
import request from 'supertest';
import { SyncNowResponseSchema, SyncStatusSchema } from '../../shared/api/sync';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

const [ANNA, MARCO] = DEMO_USERS;

jest.setTimeout(120_000);

describe("admin API: a user's sync", () => {
  let env: SandboxRelay;
  let orgId: string;
  let marcoId: string;
  let bearer: string;

  beforeAll(async () => {
    env = await startSandboxRelay();
    orgId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
    marcoId = (await env.store.users.findByEntra(DEMO_TENANT_ID, MARCO.oid))!.id;
    await env.relay.services.sync.enable(orgId, [marcoId], { kind: 'system', id: 'test' });
    bearer = await env.sandbox.entra.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: ANNA.oid, scp: 'access_as_user', roles: ['Admin'] });
  });

  afterAll(async () => {
    await env?.close();
  });

  const path = (userId: string, action = '') => `/api/admin/organizations/${orgId}/users/${userId}/sync${action}`;

  it('shows the status the sidebar shows, and pauses, resumes and syncs now on the user\'s behalf', async () => {
    const status = await request(env.url).get(path(marcoId)).set('Authorization', `Bearer ${bearer}`);
    expect(status.status).toBe(200);
    expect(SyncStatusSchema.parse(status.body)).toMatchObject({ activated: true });

    const paused = await request(env.url).post(path(marcoId, '/pause')).set('Authorization', `Bearer ${bearer}`).send({});
    expect(SyncStatusSchema.parse(paused.body).status).toBe('paused');
    const refused = await request(env.url).post(path(marcoId, '/now')).set('Authorization', `Bearer ${bearer}`).send({});
    expect([refused.status, refused.body.error.code]).toEqual([409, 'sync-paused']);

    const resumed = await request(env.url).post(path(marcoId, '/resume')).set('Authorization', `Bearer ${bearer}`).send({});
    expect(SyncStatusSchema.parse(resumed.body).status).toBe('enabled');
    const now = await request(env.url).post(path(marcoId, '/now')).set('Authorization', `Bearer ${bearer}`).send({});
    expect(now.status).toBe(200);
    // Resume queued a session already: Sync now never adds a second one.
    expect(['queued', 'already-queued', 'running']).toContain(SyncNowResponseSchema.parse(now.body).result);

    const actions = (await env.store.audit.list(orgId, { limit: 20 })).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['sync.pause', 'sync.resume', 'sync.now']));
  });

  it('a user who was never activated: status says so, Sync now answers 409 sync-not-activated; an unknown user 404', async () => {
    const fresh = await env.store.users.create(orgId, { displayName: 'Never Activated', email: 'never.activated@contoso.example' });
    const status = await request(env.url).get(path(fresh.id)).set('Authorization', `Bearer ${bearer}`);
    expect(SyncStatusSchema.parse(status.body).activated).toBe(false);
    const now = await request(env.url).post(path(fresh.id, '/now')).set('Authorization', `Bearer ${bearer}`).send({});
    expect([now.status, now.body.error.code]).toEqual([409, 'sync-not-activated']);
    const unknown = await request(env.url).get(path('00000000-0000-4000-8000-000000000000')).set('Authorization', `Bearer ${bearer}`);
    expect(unknown.status).toBe(404);
  });
});
