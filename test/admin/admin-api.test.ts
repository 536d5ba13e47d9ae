/**
 * The admin routes end to end on both back ends: organizations (create, edit, delete preview, confirmation,
 * cascade, the organization-less audit entry), users (search and keyset paging over 10,000 users), write-only
 * secrets, the C4C connection test against the C4C emulator and real transport failures, and /openapi.json.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  ADMIN_ROUTES,
  C4cConnectionResponseSchema,
  C4cConnectionTestResponseSchema,
  MailboxAccessResponseSchema,
  OrganizationDeletePreviewSchema,
  OrganizationSchema,
  UserListResponseSchema,
} from '../../shared/api/admin';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { startEntraEmulator, type EntraEmulator } from '../emulators/entra';
import { describeEachBackend } from '../helpers/backends';
import { principal, testAdmin, TEST_TENANT, type TestAdmin } from './helpers';

jest.setTimeout(120_000);

describeEachBackend('admin API', (backend) => {
  let admin: TestAdmin;
  let c4c: C4cEmulator;
  let entra: EntraEmulator;
  let html: http.Server;
  let htmlUrl: string;

  beforeAll(async () => {
    admin = testAdmin(backend.db());
    c4c = await startC4cEmulator({ seedDemo: true });
    entra = await startEntraEmulator();
    html = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Sign in</body></html>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}/sap/c4c/odata/v1/c4codataapi/`;
  });
  afterAll(async () => {
    await c4c?.close();
    await entra?.close();
    await new Promise((r) => html?.close(r));
  });
  beforeEach(() => admin.as(principal()));

  it('creates, edits, previews and deletes an organization; the deletion stays in the operators\' audit log', async () => {
    const created = await request(admin.app).post('/api/admin/organizations').send({ name: 'Contoso Sales (EU)', syncIntervalMinutes: 15 });
    expect(created.status).toBe(201);
    const org = OrganizationSchema.parse(created.body);
    expect(org).toMatchObject({ slug: 'contoso-sales-eu', entraTenantId: TEST_TENANT, syncIntervalMinutes: 15, userCount: 0, c4cConfigured: false });
    // The tenant is taken now: a second organization of this admin has no sidebar tenant, but is still theirs.
    const second = OrganizationSchema.parse((await request(admin.app).post('/api/admin/organizations').send({ name: 'Contoso Sales (EU)' })).body);
    expect(second.entraTenantId).toBeNull();
    expect(second.slug).toMatch(/^contoso-sales-eu-[0-9a-f]{4}$/);
    const other = await request(admin.app).post('/api/admin/organizations').send({ name: 'X', entraTenantId: '11111111-2222-4333-8444-555555555555' });
    expect(other.status).toBe(403);

    const edited = await request(admin.app).patch(`/api/admin/organizations/${org.id}`).send({ name: 'Contoso EU', syncIntervalMinutes: 60 });
    expect(edited.body).toMatchObject({ name: 'Contoso EU', syncIntervalMinutes: 60 });
    const tenantChange = await request(admin.app).patch(`/api/admin/organizations/${org.id}`).send({ entraTenantId: null });
    expect(tenantChange.status).toBe(403);

    await request(admin.app).post(`/api/admin/organizations/${org.id}/users`).send({ displayName: 'Ann', email: 'ann@contoso.example' }).expect(201);
    await request(admin.app).put(`/api/admin/organizations/${org.id}/c4c-connection`).send({ serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' }).expect(200);
    const preview = OrganizationDeletePreviewSchema.parse((await request(admin.app).get(`/api/admin/organizations/${org.id}/delete-preview`)).body);
    expect(preview).toMatchObject({ users: 1, secrets: { c4cPassword: true, mailboxAccessSecret: false, userCredentials: 0 }, sync: { mailboxes: 0, enabled: 0 } });

    const unconfirmed = await request(admin.app).delete(`/api/admin/organizations/${org.id}?confirm=wrong`);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.code).toBe('confirmation-required');
    const deleted = await request(admin.app).delete(`/api/admin/organizations/${org.id}?confirm=contoso-sales-eu`);
    expect(deleted.status).toBe(200);
    expect(await admin.deps.store.users.listByOrg(org.id)).toEqual([]);
    expect(await admin.deps.store.c4cConnections.get(org.id)).toBeUndefined();
    expect((await request(admin.app).get(`/api/admin/organizations/${org.id}`)).status).toBe(404);

    expect((await request(admin.app).get('/api/admin/audit')).status).toBe(403);
    admin.as(principal({ operator: true, roles: ['Operator'] }));
    const all = await request(admin.app).get('/api/admin/audit?action=organization.deleted');
    expect(all.body.entries[0]).toMatchObject({ organizationId: null, action: 'organization.deleted', details: { organizationId: org.id, slug: 'contoso-sales-eu' } });
    expect(JSON.stringify(all.body)).not.toContain('sandbox"');
  });

  it('pages and searches 10,000 users by keyset, fast', async () => {
    const org = OrganizationSchema.parse((await request(admin.app).post('/api/admin/organizations').send({ name: 'Big', entraTenantId: null })).body);
    await backend.db().query(
      `INSERT INTO users (organization_id, display_name, email, c4c_login)
       SELECT $1, 'User ' || lpad(n::text, 5, '0'), 'user' || n || '@big.example', CASE WHEN n % 1000 = 7 THEN 'SPECIAL' END FROM generate_series(1, 10000) n`,
      [org.id],
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    const started = performance.now();
    do {
      const res = await request(admin.app).get(`/api/admin/organizations/${org.id}/users?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      const page = UserListResponseSchema.parse(res.body);
      expect(page.total).toBe(10000);
      for (const u of page.users) seen.add(u.id);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const perPage = (performance.now() - started) / pages;
    expect(seen.size).toBe(10000);
    expect(pages).toBe(20);
    expect(perPage).toBeLessThan(1000);
    const search = UserListResponseSchema.parse((await request(admin.app).get(`/api/admin/organizations/${org.id}/users?q=special&limit=5`)).body);
    expect(search.total).toBe(10);
    expect(search.users).toHaveLength(5);
    expect(search.nextCursor).not.toBeNull();
    const bad = await request(admin.app).get(`/api/admin/organizations/${org.id}/users?cursor=garbage`);
    expect(bad.status).toBe(400);
  });

  it('keeps secrets write-only: never returned, "set on" dates, required the first time, kept when left out', async () => {
    const org = OrganizationSchema.parse((await request(admin.app).post('/api/admin/organizations').send({ name: 'Secrets', entraTenantId: null })).body);
    const base = `/api/admin/organizations/${org.id}`;
    const first = await request(admin.app).put(`${base}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: 'https://mail.contoso.example/EWS/Exchange.asmx', username: 'svc@contoso.example' });
    expect(first.status).toBe(400);
    expect(first.body.error).toMatchObject({ code: 'secret-required', fields: { password: 'Required' } });
    const set = MailboxAccessResponseSchema.parse((await request(admin.app).put(`${base}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: 'https://mail.contoso.example/EWS/Exchange.asmx', username: 'svc@contoso.example', password: 'Pa55-secret' })).body);
    expect(set.access).toMatchObject({ kind: 'ews-impersonation', settings: { ewsUrl: 'https://mail.contoso.example/EWS/Exchange.asmx', username: 'svc@contoso.example' } });
    expect(set.access?.secretSetAt).toEqual(expect.any(String));
    const kept = MailboxAccessResponseSchema.parse((await request(admin.app).put(`${base}/mailbox-access`).send({ kind: 'ews-impersonation', ewsUrl: 'https://mail2.contoso.example/EWS/Exchange.asmx', username: 'svc@contoso.example' })).body);
    expect(kept.access?.secretSetAt).toBe(set.access?.secretSetAt);
    expect((await admin.deps.store.mailboxAccess.accessFor(org.id, (await admin.deps.store.users.create(org.id, { displayName: 'U', email: 'u@contoso.example' })).id))).toMatchObject({ password: 'Pa55-secret' });
    const cert = await request(admin.app).put(`${base}/mailbox-access`).send({ kind: 'graph-app', tenantId: TEST_TENANT, clientId: TEST_TENANT, certificate: { privateKeyPem: 'x', thumbprintSha256: 'a'.repeat(64) } });
    expect(cert.status).toBe(400);

    await request(admin.app).put(`${base}/c4c-connection`).send({ serviceRoot: c4c.serviceRoot, username: 'sandbox' }).expect(400);
    const connection = C4cConnectionResponseSchema.parse((await request(admin.app).put(`${base}/c4c-connection`).send({ serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' })).body);
    expect(connection.connection).toMatchObject({ serviceRoot: c4c.serviceRoot, username: 'sandbox', passwordSetAt: expect.any(String) });
    for (const path of ['mailbox-access', 'c4c-connection', 'audit']) {
      const body = JSON.stringify((await request(admin.app).get(`${base}/${path}`)).body);
      expect(body).not.toContain('Pa55-secret');
      expect(body).not.toMatch(/"password"|sandbox"\s*}/);
    }
  });

  describe('C4C test connection says exactly what failed', () => {
    let base: string;
    beforeAll(async () => {
      const org = OrganizationSchema.parse((await request(admin.app).post('/api/admin/organizations').send({ name: 'C4C tests', entraTenantId: null })).body);
      base = `/api/admin/organizations/${org.id}`;
      await request(admin.app).put(`${base}/c4c-connection`).send({ serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' }).expect(200);
    });
    afterEach(() => c4c.control.clearFaults());
    const test = async (body: Record<string, string> = {}) => C4cConnectionTestResponseSchema.parse((await request(admin.app).post(`${base}/c4c-connection/test`).send(body).expect(200)).body);

    it('passes: CSRF token, $metadata, one employee page', async () => {
      const result = await test();
      expect(result).toMatchObject({ ok: true, problem: null, employeesSampled: 1 });
      expect(result.steps.filter((s) => s.ok).map((s) => s.step)).toEqual(expect.arrayContaining(['csrf', 'metadata', 'employees']));
    });
    it('401: wrong password', async () => expect(await test({ password: 'wrong' })).toMatchObject({ ok: false, problem: 'unauthorized', message: expect.stringContaining('sandbox') }));
    it('403: no authorization for employees', async () => {
      c4c.control.addFault({ kind: 'status', status: 403, pathIncludes: 'EmployeeCollection' });
      expect(await test()).toMatchObject({ ok: false, problem: 'forbidden' });
    });
    it('not an OData service: a web page, and a 404', async () => {
      expect(await test({ serviceRoot: htmlUrl })).toMatchObject({ ok: false, problem: 'not-odata' });
      expect(await test({ serviceRoot: `${c4c.origin}/not/the/service/` })).toMatchObject({ ok: false, problem: 'not-odata' });
    });
    it('DNS, refused connection, untrusted TLS certificate', async () => {
      expect(await test({ serviceRoot: 'https://my000000.c4c-relay-test.invalid/sap/c4c/odata/v1/c4codataapi/' })).toMatchObject({ ok: false, problem: 'dns' });
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      expect(await test({ serviceRoot: `http://127.0.0.1:${port}/sap/` })).toMatchObject({ ok: false, problem: 'connect' });
      expect(await test({ serviceRoot: `${entra.origin}/sap/c4c/odata/v1/c4codataapi/` })).toMatchObject({ ok: false, problem: 'tls' });
    });
  });

  it('serves /openapi.json generated from the route table', async () => {
    const doc = (await request(admin.app).get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(operations.sort()).toEqual(ADMIN_ROUTES.map((r) => r.operationId).sort());
    const createOrg = doc.paths['/api/admin/organizations'].post;
    expect(createOrg.requestBody.content['application/json'].schema.properties.name).toMatchObject({ type: 'string', maxLength: 200 });
    expect(doc.paths['/api/admin/organizations/{orgId}/users'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['orgId', 'cursor', 'limit', 'q']);
    expect(doc.paths['/api/admin/organizations/{orgId}/users/import'].post.requestBody.content).toHaveProperty(['text/csv']);
  });
});
