/**
 * Every admin route × every way a caller can be wrong: no token, forged signature, expired, wrong audience, a
 * tenant the relay does not know, a user without the admin role, and the admin of another organization. All are
 * rejected (401 / 403 / 404), and a 404 for someone else's organization looks exactly like one for no organization.
 * A positive control (the organization's own admin) proves the routes answer at all.
 */
import request from 'supertest';
import { ADMIN_ROUTES, adminPath, ErrorBodySchema } from '../../shared/api/admin';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

const [ANNA, MARCO] = DEMO_USERS;
const FABRIKAM_TENANT = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const FABRIKAM_ADMIN = { oid: '7d1e2f3a-0000-4000-8000-000000000001', upn: 'fiona@fabrikam.example', name: 'Fiona Fabrikam' };
const UNKNOWN_TENANT = '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a';
const UNKNOWN_ADMIN = { oid: '9e8d7c6b-0000-4000-8000-000000000001', upn: 'uma@unknown.example', name: 'Uma Unknown' };

jest.setTimeout(120_000);

describe('admin API authorization matrix', () => {
  let env: SandboxRelay;
  const ids: Record<string, string> = {};

  const token = (input: { tenantId?: string; oid?: string; roles?: string[]; audience?: string; expiresInSeconds?: number; signing?: 'active' | 'unpublished' } = {}) =>
    env.sandbox.entra.control.issueUserToken({
      tenantId: input.tenantId ?? DEMO_TENANT_ID,
      audience: input.audience ?? DEMO_ADDIN_CLIENT_ID,
      oid: input.oid ?? ANNA.oid,
      scp: 'access_as_user',
      roles: input.roles ?? ['Admin'],
      expiresInSeconds: input.expiresInSeconds,
      signing: input.signing,
    });

  beforeAll(async () => {
    env = await startSandboxRelay();
    const entra = env.sandbox.entra.control;
    entra.addUser({ tenantId: FABRIKAM_TENANT, ...FABRIKAM_ADMIN });
    entra.addUser({ tenantId: UNKNOWN_TENANT, ...UNKNOWN_ADMIN });
    const contoso = await env.store.organizations.getByTenant(DEMO_TENANT_ID);
    ids.orgId = contoso!.id;
    ids.userId = (await env.store.users.listByOrg(ids.orgId))[0].id;
    // Fabrikam is a real organization with its own admin, so "admin of another organization" passes the tenant check.
    await env.store.organizations.create({ name: 'Fabrikam', slug: 'fabrikam', entraTenantId: FABRIKAM_TENANT });
    const anna = await token();
    const imported = await request(env.url)
      .post(`/api/admin/organizations/${ids.orgId}/users/import?wait=true`)
      .set('Authorization', `Bearer ${anna}`)
      .set('Content-Type', 'text/csv')
      .send('full name,mailbox email address\nNew Person,new.person@contoso.example\n');
    expect(imported.status).toBe(200);
    ids.importId = imported.body.import.id;
    const run = await request(env.url).post(`/api/admin/organizations/${ids.orgId}/access-checks`).set('Authorization', `Bearer ${anna}`).send({});
    expect(run.status).toBe(202);
    ids.runId = run.body.run.id;
    const preset = await request(env.url).post(`/api/admin/organizations/${ids.orgId}/presets`).set('Authorization', `Bearer ${anna}`).send({ name: 'Matrix', settings: { syncTasks: true } });
    expect(preset.status).toBe(201);
    ids.presetId = preset.body.id;
  });

  afterAll(async () => {
    await env?.close();
  });

  const send = (route: (typeof ADMIN_ROUTES)[number], bearer: string | undefined) => {
    const url = adminPath(route.path, ids);
    let req = request(env.url)[route.method](route.path.includes(':orgId') && route.method === 'delete' ? `${url}?confirm=contoso-sandbox` : url);
    if (bearer) req = req.set('Authorization', `Bearer ${bearer}`);
    if ('bodyContentType' in route && route.bodyContentType === 'text/csv') return req.set('Content-Type', 'text/csv').send('full name,mailbox email address\nX,x@contoso.example\n');
    if (route.method === 'get' || route.method === 'delete') return req;
    return req.send({});
  };

  const cases: Array<{ name: string; bearer: () => Promise<string | undefined>; expect: (route: (typeof ADMIN_ROUTES)[number]) => number[] }> = [
    { name: 'no token', bearer: async () => undefined, expect: () => [401] },
    { name: 'bad signature', bearer: () => token({ signing: 'unpublished' }), expect: () => [401] },
    { name: 'expired', bearer: () => token({ expiresInSeconds: -3600 }), expect: () => [401] },
    { name: 'wrong audience', bearer: () => token({ audience: 'https://graph.microsoft.com' }), expect: () => [401] },
    { name: 'wrong tenant', bearer: () => token({ tenantId: UNKNOWN_TENANT, oid: UNKNOWN_ADMIN.oid }), expect: () => [401] },
    { name: 'user without the admin role', bearer: () => token({ oid: MARCO.oid, roles: [] }), expect: () => [403] },
    {
      name: 'admin of another organization',
      bearer: () => token({ tenantId: FABRIKAM_TENANT, oid: FABRIKAM_ADMIN.oid }),
      // Routes without an organization are theirs to use; operator-only ones are not.
      expect: (route) => (route.path.includes(':orgId') ? [404] : 'operatorOnly' in route && route.operatorOnly ? [403] : [200, 201, 400]),
    },
  ];

  describe.each(cases)('$name', ({ bearer, expect: expected }) => {
    it.each(ADMIN_ROUTES.map((route) => [route.operationId, route] as const))('%s is rejected', async (_id, route) => {
      const res = await send(route, await bearer());
      expect(expected(route)).toContain(res.status);
      if (res.status >= 400) expect(ErrorBodySchema.safeParse(res.body).success).toBe(true);
      if (res.status === 404) expect(res.body.error.message).not.toMatch(/contoso/i);
    });
  });

  it("another organization's admin cannot tell it from a missing one, and does not see it listed", async () => {
    const fiona = await token({ tenantId: FABRIKAM_TENANT, oid: FABRIKAM_ADMIN.oid });
    const theirs = await request(env.url).get(`/api/admin/organizations/${ids.orgId}`).set('Authorization', `Bearer ${fiona}`);
    const missing = await request(env.url).get('/api/admin/organizations/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${fiona}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(missing.body);
    const list = await request(env.url).get('/api/admin/organizations').set('Authorization', `Bearer ${fiona}`);
    expect(list.body.organizations.map((o: { slug: string }) => o.slug)).toEqual(['fabrikam']);
  });

  it('an Operator role from a customer tenant is only an Admin there', async () => {
    const fiona = await token({ tenantId: FABRIKAM_TENANT, oid: FABRIKAM_ADMIN.oid, roles: ['Operator'] });
    const me = await request(env.url).get('/api/admin/me').set('Authorization', `Bearer ${fiona}`);
    // Operator alone from a non-operator tenant is no admin role at all.
    expect(me.status).toBe(403);
  });

  it("the organization's own admin gets every read route (positive control)", async () => {
    const anna = await token();
    for (const route of ADMIN_ROUTES.filter((r) => r.method === 'get' && !('eventStream' in r && r.eventStream) && !('operatorOnly' in r && r.operatorOnly))) {
      const res = await send(route, anna);
      expect([route.operationId, res.status]).toEqual([route.operationId, 200]);
    }
  });
});
