/**
 * The relay's bearer-token validation end to end: tokens minted by the running Entra emulator, keys fetched by
 * jose over HTTPS (trusting the emulator's CA), and the Express guards answering through the relay's app.
 */
import { Writable } from 'node:stream';
import { Router } from 'express';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { createTokenValidator, requireAdmin, requireUser, type ResolvedUser, type TokenValidator } from '../../relay/auth';
import { createApp } from '../../relay/http/app';
import { createLogger } from '../../relay/log';
import { GRAPH_RESOURCE, startEntraEmulator, type EntraEmulator } from '../emulators/entra';
import { DEMO_ADDIN_CLIENT_ID, DEMO_GRAPH_APP, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';

const [ANNA, MARCO, PRIYA] = DEMO_USERS;
const OTHER_TENANT = '5b2e9c4d-1a3f-4e6b-8d7c-9f0a1b2c3d4e';
const OTHER_USER = { tenantId: OTHER_TENANT, oid: '6c3f0d5e-2b4a-4f7c-9e8d-0a1b2c3d4e5f', upn: 'eve@fabrikam.example', name: 'Eve Fabrikam' };
const PRODUCT = 'C4C Sidebar';

/** The relay's directory of provisioned users (Priya is deliberately missing). */
const PROVISIONED = new Map<string, ResolvedUser>([
  [`${DEMO_TENANT_ID}|${ANNA.oid}`, { userId: 'u-anna', organizationId: 'org-contoso', role: 'admin', email: 'anna@contoso.example', displayName: 'Anna' }],
  [`${DEMO_TENANT_ID}|${MARCO.oid}`, { userId: 'u-marco', organizationId: 'org-contoso', role: 'user', email: 'marco@contoso.example', displayName: 'Marco' }],
]);

function silentLogger() {
  return createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
}

function appWith(validator: TokenValidator, resolveUser: (tenantId: string, oid: string) => Promise<ResolvedUser | null> = async (t, o) => PROVISIONED.get(`${t}|${o}`) ?? null) {
  const routes = Router();
  const guard = requireUser({ validator, resolveUser, productName: PRODUCT });
  routes.get('/me', guard, (req, res) => {
    res.json(req.auth);
  });
  routes.get('/admin/ping', guard, requireAdmin, (req, res) => {
    res.json({ ok: true, by: req.auth?.userId });
  });
  return createApp({ logger: silentLogger(), routers: [['/api', routes]] });
}

describe('relay bearer-token validation against the Entra emulator', () => {
  let emulator: EntraEmulator;
  let validator: TokenValidator;
  let app: ReturnType<typeof appWith>;

  const userToken = (overrides: Partial<Parameters<EntraEmulator['control']['issueUserToken']>[0]> = {}) =>
    emulator.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: MARCO.oid, scp: 'access_as_user', ...overrides });

  async function expect401(token: string | undefined, reason: string, wwwAuthenticate: RegExp = /^Bearer error="invalid_token", error_description="[^"]+"$/) {
    const req = request(app).get('/api/me');
    const res = await (token === undefined ? req : req.set('Authorization', `Bearer ${token}`));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), reason } });
    expect(res.headers['www-authenticate']).toMatch(wwwAuthenticate);
    return res;
  }

  beforeAll(async () => {
    emulator = await startEntraEmulator();
    emulator.control.seedDemo();
    emulator.control.addUser(OTHER_USER);
    validator = createTokenValidator({
      authorityHost: emulator.authorityHost,
      caPem: emulator.caPem,
      audience: DEMO_ADDIN_CLIENT_ID,
      requiredScope: 'access_as_user',
      allowedTenants: [DEMO_TENANT_ID],
      clockToleranceSec: 60,
      // Tests rotate keys within milliseconds; production keeps jose's 30 s guard against kid-spraying.
      jwks: { cooldownMs: 0 },
    });
    app = appWith(validator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('accepts a valid NAA-style token of a provisioned user and sets req.auth', async () => {
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${await userToken()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tenantId: DEMO_TENANT_ID,
      oid: MARCO.oid,
      upn: MARCO.email,
      name: MARCO.displayName,
      scopes: ['access_as_user'],
      roles: [],
      kind: 'user',
      clientId: DEMO_ADDIN_CLIENT_ID,
      userId: 'u-marco',
      organizationId: 'org-contoso',
      role: 'user',
    });
  });

  it('fetches the JWKS once and serves later tokens from the cache', async () => {
    await validator.validate(await userToken());
    const before = emulator.control.counters().keys ?? 0;
    for (let i = 0; i < 3; i += 1) await validator.validate(await userToken());
    expect(emulator.control.counters().keys ?? 0).toBe(before);
  });

  it('401 missing: no Authorization header (RFC 6750: no error code), and malformed headers or tokens', async () => {
    await expect401(undefined, 'missing', /^Bearer$/);
    const basic = await request(app).get('/api/me').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.status).toBe(401);
    expect(basic.body.error.reason).toBe('malformed');
    await expect401('not.a.jwt', 'malformed');
  });

  it('401 bad-signature: a token signed by another key under the emulator kid, or by an unknown key', async () => {
    await expect401(await userToken({ signing: 'unpublished' }), 'bad-signature');

    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const foreignKid = (await exportJWK(publicKey)).n!.slice(0, 20);
    const claims = JSON.parse(Buffer.from((await userToken()).split('.')[1], 'base64url').toString('utf8'));
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: foreignKid }).sign(privateKey);
    const keysBefore = emulator.control.counters().keys ?? 0;
    await expect401(foreign, 'bad-signature');
    // An unknown kid makes the validator re-check the JWKS once (that is how rotated keys are found).
    expect(emulator.control.counters().keys).toBe(keysBefore + 1);
  });

  it('401 bad-signature: alg "none" and HS256 tokens are refused', async () => {
    const claims = JSON.parse(Buffer.from((await userToken()).split('.')[1], 'base64url').toString('utf8'));
    await expect401(new UnsecuredJWT(claims).encode(), 'bad-signature');
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: emulator.control.signingKeyIds()[0] }).sign(new TextEncoder().encode('x'.repeat(32)));
    await expect401(hs, 'bad-signature');
  });

  it('401 expired and not-yet-valid', async () => {
    await expect401(await userToken({ expiresInSeconds: -3600 }), 'expired');
    const now = Math.floor(Date.now() / 1000);
    await expect401(await userToken({ overrides: { nbf: now + 3600, iat: now + 3600 } }), 'not-yet-valid');
  });

  it('401 wrong-audience: a Graph token, and the App ID URI when only the client id is accepted', async () => {
    await expect401(await userToken({ audience: GRAPH_RESOURCE, clientId: DEMO_ADDIN_CLIENT_ID }), 'wrong-audience');
    await expect401(await userToken({ audience: `api://${DEMO_ADDIN_CLIENT_ID}` }), 'wrong-audience');
  });

  it('401 wrong-tenant: a valid token of a tenant that is not onboarded, without fetching its keys', async () => {
    const keysBefore = emulator.control.counters().keys ?? 0;
    const token = await emulator.control.issueUserToken({ tenantId: OTHER_TENANT, audience: DEMO_ADDIN_CLIENT_ID, oid: OTHER_USER.oid, scp: 'access_as_user' });
    await expect401(token, 'wrong-tenant');
    expect(emulator.control.counters().keys ?? 0).toBe(keysBefore);
  });

  it('401 wrong-issuer: real Entra issuer, another tenant in iss, and v1.0 tokens', async () => {
    await expect401(await userToken({ overrides: { iss: `https://login.microsoftonline.com/${DEMO_TENANT_ID}/v2.0` } }), 'wrong-issuer');
    await expect401(await userToken({ overrides: { iss: emulator.issuer(OTHER_TENANT) } }), 'wrong-issuer');
    await expect401(await userToken({ overrides: { iss: `https://sts.windows.net/${DEMO_TENANT_ID}/`, ver: '1.0' } }), 'wrong-issuer');
    await expect401(await userToken({ overrides: { ver: '1.0' } }), 'wrong-issuer');
  });

  it('401 missing-scope: other delegated scopes, an ID token (no scp), and app-only tokens', async () => {
    await expect401(await userToken({ scp: 'User.Read' }), 'missing-scope', /^Bearer error="insufficient_scope"/);
    await expect401(await userToken({ overrides: { scp: null } }), 'missing-scope', /^Bearer error="insufficient_scope"/);
    const appOnly = await emulator.control.issueAppToken({ tenantId: DEMO_TENANT_ID, clientId: DEMO_GRAPH_APP.clientId, audience: DEMO_ADDIN_CLIENT_ID });
    await expect401(appOnly, 'missing-scope', /^Bearer error="insufficient_scope"/);
  });

  it('401 malformed: tid that is not a GUID, or no oid', async () => {
    await expect401(await userToken({ overrides: { tid: 'contoso.example' } }), 'malformed');
    await expect401(await userToken({ overrides: { oid: null } }), 'malformed');
  });

  it('403 user-not-provisioned for a valid token of an unknown user, naming the account', async () => {
    const token = await emulator.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: PRIYA.oid, scp: 'access_as_user' });
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 'user-not-provisioned', message: `Your account (${PRIYA.email}) is not set up for ${PRODUCT}. Ask your administrator to add you.` },
    });
  });

  it('requireAdmin: 403 for a user, 200 for an admin', async () => {
    const asUser = await request(app).get('/api/admin/ping').set('Authorization', `Bearer ${await userToken()}`);
    expect(asUser.status).toBe(403);
    expect(asUser.body.error.code).toBe('forbidden');
    const asAdmin = await request(app).get('/api/admin/ping').set('Authorization', `Bearer ${await userToken({ oid: ANNA.oid })}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual({ ok: true, by: 'u-anna' });
  });

  it('picks up a rotated signing key (new kid) by re-fetching the JWKS', async () => {
    const oldToken = await userToken();
    await validator.validate(oldToken);
    const { kid } = await emulator.control.rotateSigningKeys();
    const newToken = await userToken();
    expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString('utf8')).kid).toBe(kid);
    const keysBefore = emulator.control.counters().keys ?? 0;
    const res = await request(app).get('/api/me').set('Authorization', `Bearer ${newToken}`);
    expect(res.status).toBe(200);
    expect(emulator.control.counters().keys).toBe(keysBefore + 1);
    // Tokens signed before a routine rotation keep working (the old key stays published).
    await expect(validator.validate(oldToken)).resolves.toMatchObject({ oid: MARCO.oid });
  });

  it('accepts several tenants through an allow-list callback, with keys fetched per tenant', async () => {
    const seen: string[] = [];
    const multi = createTokenValidator({
      authorityHost: emulator.authorityHost,
      caPem: emulator.caPem,
      audience: [DEMO_ADDIN_CLIENT_ID],
      requiredScope: 'access_as_user',
      allowedTenants: async (tenantId) => {
        seen.push(tenantId);
        return tenantId === DEMO_TENANT_ID || tenantId === OTHER_TENANT;
      },
    });
    const other = await emulator.control.issueUserToken({ tenantId: OTHER_TENANT, audience: DEMO_ADDIN_CLIENT_ID, oid: OTHER_USER.oid, scp: 'access_as_user' });
    await expect(multi.validate(other)).resolves.toMatchObject({ tenantId: OTHER_TENANT, oid: OTHER_USER.oid, upn: OTHER_USER.upn });
    await expect(multi.validate(await userToken())).resolves.toMatchObject({ tenantId: DEMO_TENANT_ID });
    expect(seen).toEqual([OTHER_TENANT, DEMO_TENANT_ID]);
    // A token of tenant A whose iss names tenant B is refused, even though both tenants are allowed.
    await expect(multi.validate(await userToken({ overrides: { iss: emulator.issuer(OTHER_TENANT) } }))).rejects.toMatchObject({ reason: 'wrong-issuer' });
  });

  it('answers 503 auth-unavailable when the signing keys cannot be fetched, and 500 when resolveUser fails', async () => {
    const unreachable = createTokenValidator({
      issuerTemplate: `${emulator.origin}/{tenantid}/v2.0`,
      jwksUriTemplate: 'https://127.0.0.1:1/{tenantid}/discovery/v2.0/keys',
      audience: DEMO_ADDIN_CLIENT_ID,
      requiredScope: 'access_as_user',
    });
    const res = await request(appWith(unreachable)).get('/api/me').set('Authorization', `Bearer ${await userToken()}`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('auth-unavailable');

    const broken = appWith(validator, async () => {
      throw new Error('database down');
    });
    const failed = await request(broken).get('/api/me').set('Authorization', `Bearer ${await userToken()}`);
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe('internal-error');
  });

  it('remembers a verified token: expiry still applies, the tenant is asked again, other bytes are verified afresh', async () => {
    let now = new Date();
    let onboarded = true;
    const remembering = createTokenValidator({
      authorityHost: emulator.authorityHost,
      caPem: emulator.caPem,
      audience: DEMO_ADDIN_CLIENT_ID,
      requiredScope: 'access_as_user',
      allowedTenants: async () => onboarded,
      clockToleranceSec: 60,
      jwks: { cooldownMs: 0 },
      now: () => now,
    });
    const token = await userToken({ expiresInSeconds: 600 });
    const first = await remembering.validate(token);
    expect(await remembering.validate(token)).toBe(first); // the remembered answer, no second verification
    // A changed signature is other bytes: verified, and refused.
    const [h, p, sig] = token.split('.');
    const flipped = `${h}.${p}.${sig.slice(0, -2)}${sig.endsWith('A') ? 'BA' : 'AA'}`;
    await expect(remembering.validate(flipped)).rejects.toMatchObject({ reason: expect.stringMatching(/bad-signature|malformed/) });
    // The organization is gone: refused although the token was remembered.
    onboarded = false;
    await expect(remembering.validate(token)).rejects.toMatchObject({ reason: 'wrong-tenant' });
    onboarded = true;
    expect((await remembering.validate(token)).oid).toBe(first.oid);
    // Past its expiry (and the tolerance): expired, remembered or not.
    now = new Date(Date.now() + 700_000);
    await expect(remembering.validate(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('rejects a configuration without an authority', () => {
    expect(() => createTokenValidator({ audience: DEMO_ADDIN_CLIENT_ID })).toThrow(/authorityHost/);
  });
});
