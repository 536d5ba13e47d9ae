/**
 * Graph application access with a certificate through the admin API: the certificate and key are checked (they match,
 * valid now; thumbprints computed by the relay), stored write-only (GET and audit show thumbprint, subject and expiry,
 * never the key), and the access check (pg-boss job) passes for a user against the Entra + Graph emulators; once the
 * certificate is gone from the app registration every user's reason is Entra's AADSTS700027 in words.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AccessCheckResultsResponseSchema, AccessCheckRunSchema, MailboxAccessResponseSchema, type AccessCheckRun } from '../../shared/api/admin';
import { registerAccessCheckJobs } from '../../relay/admin/access-check';
import { createMailboxFactory } from '../../relay/mailbox';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { DEMO_USERS } from '../emulators/demo-identities';
import { FULL_APP_ROLES, startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { describeEachBackend } from '../helpers/backends';
import { generateAppCertificate, type AppCertificate } from '../helpers/app-certificate';
import { testAdmin, TEST_TENANT, type TestAdmin } from './helpers';

jest.setTimeout(120_000);

const [ANNA, MARCO] = DEMO_USERS;

describeEachBackend('admin: Graph application access with a certificate', (backend) => {
  let bed: GraphTestbed;
  let jobs: JobQueue;
  let admin: TestAdmin;
  let cert: AppCertificate;
  const clientId = randomUUID();

  beforeAll(async () => {
    bed = await startGraphTestbed({ seedDemo: true });
    cert = await generateAppCertificate({ commonName: 'c4c-relay.contoso.example' });
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId, displayName: 'C4C sync (certificate)', certificates: [cert.certificatePem], roles: FULL_APP_ROLES });
    jobs = await createJobQueue(backend.db(), { schema: backend.uniqueSchema('boss'), pollingIntervalSeconds: 0.5, supervise: false, schedule: false });
    admin = testAdmin(backend.db(), { jobs, mailboxes: createMailboxFactory({ graph: bed.options() }) });
    await registerAccessCheckJobs(admin.deps);
  });
  afterAll(async () => {
    await jobs?.stop({ timeoutMs: 2000 });
    await bed?.close();
  });

  async function orgWith(addresses: string[]): Promise<string> {
    const org = await admin.deps.store.organizations.create({ name: 'Certified', slug: `cert-${randomUUID().slice(0, 8)}` });
    await admin.deps.admin.setAdminTenant(org.id, TEST_TENANT);
    for (const email of addresses) await admin.deps.store.users.create(org.id, { displayName: email.split('@')[0], email });
    return org.id;
  }

  async function runToEnd(orgId: string): Promise<AccessCheckRun> {
    const started = await request(admin.app).post(`/api/admin/organizations/${orgId}/access-checks`).send({});
    expect(started.status).toBe(202);
    for (let i = 0; i < 300; i++) {
      const run = AccessCheckRunSchema.parse((await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${started.body.run.id}`)).body);
      if (run.status !== 'queued' && run.status !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the access check did not finish');
  }

  async function resultsOf(orgId: string, runId: string): Promise<Record<string, { problem: string; message: string }>> {
    const res = await request(admin.app).get(`/api/admin/organizations/${orgId}/access-checks/${runId}/results?limit=500`);
    return Object.fromEntries(AccessCheckResultsResponseSchema.parse(res.body).results.map((r) => [r.email, { problem: r.problem, message: r.message }]));
  }

  const body = (certificate: { certificatePem: string; privateKeyPem: string }) => ({
    kind: 'graph-app',
    tenantId: TESTBED_TENANT,
    clientId,
    certificate,
    authorityHost: bed.entra.authorityHost,
    graphBaseUrl: bed.exchange.graphBaseUrl,
  });

  it('set a certificate, GET shows its metadata only, the audit has no key, and the access check passes', async () => {
    const orgId = await orgWith([ANNA.email]);
    const base = `/api/admin/organizations/${orgId}`;
    // A PKCS#1 key (`BEGIN RSA PRIVATE KEY`, as older tools export it) is accepted; msal gets PKCS#8.
    const pkcs1 = createPrivateKey(cert.privateKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const put = await request(admin.app).put(`${base}/mailbox-access`).send(body({ certificatePem: cert.certificatePem, privateKeyPem: pkcs1 }));
    expect(put.status).toBe(200);
    const got = MailboxAccessResponseSchema.parse((await request(admin.app).get(`${base}/mailbox-access`)).body);
    expect(got.access).toMatchObject({
      kind: 'graph-app',
      secretSetAt: expect.any(String),
      settings: {
        tenantId: TESTBED_TENANT,
        clientId,
        credentialType: 'certificate',
        certificateThumbprintSha256: cert.thumbprintSha256,
        certificateThumbprint: cert.thumbprintSha1,
        certificateSubject: 'CN=c4c-relay.contoso.example',
        certificateNotAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const keyBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'))[1];
    for (const path of ['mailbox-access', 'audit']) {
      const text = JSON.stringify((await request(admin.app).get(`${base}/${path}`)).body);
      expect(text).not.toContain(keyBody(cert.privateKeyPem));
      expect(text).not.toContain(keyBody(pkcs1));
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
    const audit = JSON.stringify((await request(admin.app).get(`${base}/audit?action=mailbox-access.updated`)).body);
    expect(audit).toContain(cert.thumbprintSha256);
    expect(audit).toContain('"secretReplaced":true');

    const run = await runToEnd(orgId);
    expect(run).toMatchObject({ status: 'succeeded', passed: 1, failed: 0, accessKind: 'graph-app' });

    // An edit without a credential keeps the certificate.
    await request(admin.app).put(`${base}/mailbox-access`).send({ kind: 'graph-app', tenantId: TESTBED_TENANT, clientId, authorityHost: bed.entra.authorityHost, graphBaseUrl: bed.exchange.graphBaseUrl }).expect(200);
    const kept = MailboxAccessResponseSchema.parse((await request(admin.app).get(`${base}/mailbox-access`)).body);
    expect(kept.access?.secretSetAt).toBe(got.access?.secretSetAt);
    expect(kept.access?.settings).toMatchObject({ credentialType: 'certificate', certificateThumbprintSha256: cert.thumbprintSha256 });
    expect((await runToEnd(orgId)).passed).toBe(1);
  });

  it('refuses a key of another certificate, an expired certificate, garbage, an encrypted key, a client-sent thumbprint, and secret + certificate', async () => {
    const orgId = await orgWith([ANNA.email]);
    const url = `/api/admin/organizations/${orgId}/mailbox-access`;
    const other = await generateAppCertificate();
    const mismatch = await request(admin.app).put(url).send(body({ certificatePem: cert.certificatePem, privateKeyPem: other.privateKeyPem }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toMatchObject({ fields: { 'certificate.privateKeyPem': 'Does not match the certificate' } });

    const expired = await generateAppCertificate({ notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const old = await request(admin.app).put(url).send(body({ certificatePem: expired.certificatePem, privateKeyPem: expired.privateKeyPem }));
    expect(old.status).toBe(400);
    expect(old.body.error).toMatchObject({ fields: { 'certificate.certificatePem': 'Expired' } });

    const garbage = await request(admin.app).put(url).send(body({ certificatePem: 'hello', privateKeyPem: cert.privateKeyPem }));
    expect(garbage.body.error).toMatchObject({ fields: { 'certificate.certificatePem': 'Not a PEM certificate' } });

    const encrypted = createPrivateKey(cert.privateKeyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const locked = await request(admin.app).put(url).send(body({ certificatePem: cert.certificatePem, privateKeyPem: encrypted }));
    expect(locked.body.error).toMatchObject({ fields: { 'certificate.privateKeyPem': 'Encrypted keys are not accepted' } });

    const thumb = await request(admin.app).put(url).send({ ...body({ certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem }), certificate: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem, thumbprintSha256: 'a'.repeat(64) } });
    expect(thumb.status).toBe(400);

    const both = await request(admin.app).put(url).send({ ...body({ certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem }), clientSecret: 's' });
    expect(both.status).toBe(400);
    expect((await request(admin.app).get(url)).body).toMatchObject({ configured: false });
  });

  it('the certificate removed from the app registration: every user fails with the AADSTS700027 reason', async () => {
    const appId = randomUUID();
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: appId, certificates: [cert.certificatePem], roles: FULL_APP_ROLES });
    const orgId = await orgWith([ANNA.email, MARCO.email]);
    await request(admin.app)
      .put(`/api/admin/organizations/${orgId}/mailbox-access`)
      .send({ ...body({ certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem }), clientId: appId })
      .expect(200);
    bed.entra.control.removeAppCertificates(TESTBED_TENANT, appId);
    const run = await runToEnd(orgId);
    expect(run).toMatchObject({ status: 'succeeded', passed: 0, failed: 2 });
    const results = await resultsOf(orgId, run.id);
    for (const email of [ANNA.email, MARCO.email]) {
      expect(results[email].problem).toBe('invalid-credentials');
      expect(results[email].message).toMatch(/certificate credential.*not \(or no longer\) uploaded to the app registration.*AADSTS700027/);
    }
  });
});
