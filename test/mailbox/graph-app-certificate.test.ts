/**
 * Graph application access with a certificate credential: real msal-node signs the client assertion (PS256 with
 * `x5t#S256`, or RS256 with the legacy SHA-1 `x5t`) and the Entra emulator verifies it against the certificate
 * uploaded to the app registration, then the mailbox is read through the Graph emulator. Wrong keys, unknown or
 * expired certificates and malformed assertions get Entra's AADSTS errors, mapped to the mailbox layer's errors.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { SignJWT, importPKCS8 } from 'jose';
import { openGraphMailbox, GraphMailboxError } from '../../relay/mailbox/graph';
import { MailboxError, type Mailbox, type MailboxAccess } from '../../relay/mailbox/types';
import { DEMO_USERS } from '../emulators/demo-identities';
import { FULL_APP_ROLES, startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { generateAppCertificate, type AppCertificate } from '../helpers/app-certificate';

jest.setTimeout(60_000);

let bed: GraphTestbed;
let cert: AppCertificate;
/** An app registration with a certificate and no secret at all: a token proves the assertion was accepted. */
const certOnlyApp = randomUUID();
const anna = DEMO_USERS[0].email;
const opened: Mailbox[] = [];

type GraphAppAccess = Extract<MailboxAccess, { kind: 'graph-app' }>;

function certificateAccess(clientCertificate: NonNullable<GraphAppAccess['clientCertificate']>, clientId: string = certOnlyApp): GraphAppAccess {
  return bed.appAccess({ clientId, clientSecret: undefined, clientCertificate });
}

function open(access: GraphAppAccess, address = anna): Mailbox {
  const mailbox = openGraphMailbox(address, access, bed.options());
  opened.push(mailbox);
  return mailbox;
}

async function inboxSubjects(mailbox: Mailbox): Promise<string[]> {
  const inbox = await mailbox.getWellKnownFolder('inbox');
  const subjects: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await mailbox.getChanges(inbox.id, 'message', cursor);
    subjects.push(...(await mailbox.getMessages(page.created.map((r) => r.id))).map((m) => m.subject));
    cursor = page.cursor;
    if (page.done) return subjects;
  }
}

beforeAll(async () => {
  bed = await startGraphTestbed({ seedDemo: true });
  cert = await generateAppCertificate();
  bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: certOnlyApp, displayName: 'C4C sync (certificate)', certificates: [cert.certificatePem], roles: FULL_APP_ROLES });
  bed.exchange.control.user.deliverMessage(anna, { subject: 'Certificate-authenticated read', from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example' } });
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await bed?.close();
});

describe('Graph application access with a certificate', () => {
  test('SHA-256 thumbprint (PS256, x5t#S256): the mailbox opens and the inbox is read', async () => {
    const before = bed.entra.control.counters()['token:client_credentials'] ?? 0;
    const mailbox = open(certificateAccess({ thumbprintSha256: cert.thumbprintSha256, privateKeyPem: cert.privateKeyPem }));
    expect(await inboxSubjects(mailbox)).toContain('Certificate-authenticated read');
    await expect(mailbox.checkAccess()).resolves.toMatchObject({ ok: true, problem: 'ok' });
    // msal caches the app token: one assertion redeemed for all those calls.
    expect((bed.entra.control.counters()['token:client_credentials'] ?? 0) - before).toBe(1);
  });

  test('legacy SHA-1 thumbprint (RS256, x5t) works too', async () => {
    const mailbox = open(certificateAccess({ thumbprint: cert.thumbprintSha1.toUpperCase(), privateKeyPem: cert.privateKeyPem }));
    expect(await inboxSubjects(mailbox)).toContain('Certificate-authenticated read');
  });

  test('the app with both a secret and a certificate takes either', async () => {
    bed.entra.control.addAppCertificate(TESTBED_TENANT, bed.app.clientId, cert.certificatePem);
    const mailbox = open(certificateAccess({ thumbprintSha256: cert.thumbprintSha256, privateKeyPem: cert.privateKeyPem }, bed.app.clientId));
    await expect(mailbox.checkAccess()).resolves.toMatchObject({ ok: true });
    await expect(open(bed.appAccess()).checkAccess()).resolves.toMatchObject({ ok: true });
  });

  test('a key that does not belong to the certificate: AADSTS700027 → invalid-credentials, and the access check says what to do', async () => {
    const other = await generateAppCertificate();
    const mailbox = open(certificateAccess({ thumbprintSha256: cert.thumbprintSha256, privateKeyPem: other.privateKeyPem }));
    const error = await mailbox.getWellKnownFolder('inbox').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailboxError);
    expect(error).toBeInstanceOf(GraphMailboxError);
    expect(error).toMatchObject({ code: 'invalid-credentials', transient: false, problem: 'invalid-credentials' });
    expect((error as Error).message).toMatch(/AADSTS700027/);
    expect((error as Error).message).toMatch(/signature value did not match/);
    expect((error as Error).message).toMatch(/certificate credential/);
    expect((error as Error).message).not.toMatch(/client secret/);
    const check = await open(certificateAccess({ thumbprintSha256: cert.thumbprintSha256, privateKeyPem: other.privateKeyPem })).checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'invalid-credentials' });
    expect(check.message).toMatch(/certificate is not \(or no longer\) uploaded to the app registration/);
  });

  test('a certificate the app registration does not have: AADSTS700027 (key not found)', async () => {
    const unknown = await generateAppCertificate();
    const check = await open(certificateAccess({ thumbprintSha256: unknown.thumbprintSha256, privateKeyPem: unknown.privateKeyPem })).checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'invalid-credentials' });
    expect(check.message).toMatch(/AADSTS700027.*The key was not found/);
    expect(check.message).toContain(unknown.thumbprintSha256.toUpperCase());
  });

  test('an expired certificate stops working even with its own key', async () => {
    const expired = await generateAppCertificate({ notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const appId = randomUUID();
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: appId, certificates: [expired.certificatePem], roles: FULL_APP_ROLES });
    const check = await open(certificateAccess({ thumbprintSha256: expired.thumbprintSha256, privateKeyPem: expired.privateKeyPem }, appId)).checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'invalid-credentials' });
    expect(check.message).toMatch(/AADSTS700027/);
  });
});

/** The Entra emulator's checks of hand-made assertions (what msal-node never sends, but a broken client might). */
describe('Entra emulator: client assertion checks', () => {
  const tokenEndpoint = (): string => `${bed.entra.origin}/${TESTBED_TENANT}/oauth2/v2.0/token`;

  async function assertion(overrides: { aud?: string; iss?: string; exp?: number; nbf?: number; jti?: string; header?: Record<string, string> } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const key = await importPKCS8(cert.privateKeyPem, 'PS256');
    return new SignJWT({ jti: overrides.jti ?? randomUUID() })
      .setProtectedHeader({ alg: 'PS256', 'x5t#S256': Buffer.from(cert.thumbprintSha256, 'hex').toString('base64url'), ...overrides.header })
      .setAudience(overrides.aud ?? tokenEndpoint())
      .setIssuer(overrides.iss ?? certOnlyApp)
      .setSubject(overrides.iss ?? certOnlyApp)
      .setNotBefore(overrides.nbf ?? now)
      .setExpirationTime(overrides.exp ?? now + 600)
      .sign(key);
  }

  function redeem(clientAssertion: string, extra: Record<string, string> = {}): Promise<{ status: number; body: { access_token?: string; error?: string; error_codes?: number[]; error_description?: string } }> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: certOnlyApp,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      ...extra,
    }).toString();
    return new Promise((resolve, reject) => {
      const req = https.request(tokenEndpoint(), { method: 'POST', ca: bed.entra.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(form);
    });
  }

  test('a valid assertion gets a token, again while it is valid (msal-node reuses its assertion); no jti: AADSTS50027', async () => {
    const jwt = await assertion();
    const first = await redeem(jwt);
    expect(first.status).toBe(200);
    expect(first.body.access_token).toEqual(expect.any(String));
    expect((await redeem(jwt)).status).toBe(200);
    const key = await importPKCS8(cert.privateKeyPem, 'PS256');
    const noJti = await new SignJWT({})
      .setProtectedHeader({ alg: 'PS256', 'x5t#S256': Buffer.from(cert.thumbprintSha256, 'hex').toString('base64url') })
      .setAudience(tokenEndpoint())
      .setIssuer(certOnlyApp)
      .setSubject(certOnlyApp)
      .setNotBefore(Math.floor(Date.now() / 1000))
      .setExpirationTime('10m')
      .sign(key);
    expect((await redeem(noJti)).body).toMatchObject({ error: 'invalid_request', error_codes: [50027] });
  });

  test('expired or not yet valid: AADSTS700024', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await redeem(await assertion({ nbf: now - 1200, exp: now - 600 }));
    expect(expired).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [700024] } });
    expect(expired.body.error_description).toMatch(/^AADSTS700024: Client assertion is not within its valid time range/);
    const early = await redeem(await assertion({ nbf: now + 600, exp: now + 1200 }));
    expect(early.body.error_codes).toEqual([700024]);
  });

  test('wrong audience, wrong issuer, no thumbprint header, wrong assertion type, secret and assertion together', async () => {
    expect((await redeem(await assertion({ aud: 'https://login.microsoftonline.com/other/oauth2/v2.0/token' }))).body.error_codes).toEqual([700023]);
    expect((await redeem(await assertion({ iss: randomUUID() }))).body.error_codes).toEqual([700021]);
    const key = await importPKCS8(cert.privateKeyPem, 'PS256');
    const bare = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'PS256' }).setAudience(tokenEndpoint()).setIssuer(certOnlyApp).setSubject(certOnlyApp).setNotBefore(Math.floor(Date.now() / 1000)).setExpirationTime('10m').sign(key);
    expect((await redeem(bare)).body.error_codes).toEqual([700027]);
    expect((await redeem(await assertion(), { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' })).body.error).toBe('invalid_request');
    expect((await redeem(await assertion(), { client_secret: 'x' })).body.error).toBe('invalid_request');
  });

  test('a secret sent to a certificate-only app: AADSTS7000215; nothing at all: AADSTS7000218', async () => {
    const form = (extra: Record<string, string>) => new URLSearchParams({ grant_type: 'client_credentials', client_id: certOnlyApp, scope: 'https://graph.microsoft.com/.default', ...extra }).toString();
    const post = (body: string) =>
      new Promise<{ error_codes?: number[] }>((resolve, reject) => {
        const req = https.request(tokenEndpoint(), { method: 'POST', ca: bed.entra.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect((await post(form({ client_secret: 'guess' }))).error_codes).toEqual([7000215]);
    expect((await post(form({}))).error_codes).toEqual([7000218]);
  });

  test('removing the certificate from the app registration: AADSTS700027 on the next assertion', async () => {
    const appId = randomUUID();
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: appId, certificates: [cert.certificatePem], roles: FULL_APP_ROLES });
    const access = certificateAccess({ thumbprintSha256: cert.thumbprintSha256, privateKeyPem: cert.privateKeyPem }, appId);
    await expect(open(access).checkAccess()).resolves.toMatchObject({ ok: true });
    bed.entra.control.removeAppCertificates(TESTBED_TENANT, appId);
    const check = await open(access).checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'invalid-credentials' });
    expect(check.message).toMatch(/AADSTS700027/);
  });
});
