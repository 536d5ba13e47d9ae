/**
 * The Entra emulator against real clients: @azure/msal-node 7 (client credentials, auth code + PKCE, refresh)
 * over HTTPS with the emulator's CA, jose fetching the JWKS, and raw requests checking Entra's wire shapes.
 */
import https from 'node:https';
import { AuthError, ConfidentialClientApplication, CryptoProvider, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  followAuthorizeRedirect,
  GRAPH_RESOURCE,
  msalNodeConfigFor,
  startEntraEmulator,
  type EntraEmulator,
} from '../emulators/entra';
import { DEMO_ADDIN_CLIENT_ID, DEMO_GRAPH_APP, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';

const WEB_APP = { clientId: '3e1c9a7b-5d2f-4a68-9b0c-7f1e2d3c4b5a', clientSecret: 'web-app-secret', redirectUri: 'https://localhost:3000/auth/callback' };
const MARCO = DEMO_USERS[1];

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(emulator: EntraEmulator, method: 'GET' | 'POST', path: string, body?: string | object, headers: Record<string, string> = {}): Promise<RawResponse> {
  const url = new URL(path, emulator.origin);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders: Record<string, string> = { ...headers };
  if (payload !== undefined) {
    allHeaders['content-type'] ??= typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json';
    allHeaders['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: allHeaders, ca: emulator.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function refreshTokenIn(cca: ConfidentialClientApplication): string {
  const cache = JSON.parse(cca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const entries = Object.values(cache.RefreshToken);
  expect(entries).toHaveLength(1);
  return entries[0].secret;
}

type MsalServerSideError = ServerError | InteractionRequiredAuthError;

/** msal surfaces token-endpoint errors as ServerError, or as InteractionRequiredAuthError for invalid_grant. */
async function expectServerError(promise: Promise<unknown>, errorCode: string, aadsts: number, kind: 'server' | 'interaction' = 'server'): Promise<MsalServerSideError> {
  const error = await promise.then(
    () => {
      throw new Error('expected msal to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toBeInstanceOf(kind === 'server' ? ServerError : InteractionRequiredAuthError);
  const msalError = error as MsalServerSideError;
  expect(msalError.errorCode).toBe(errorCode);
  expect(msalError.errorMessage).toContain(`AADSTS${aadsts}`);
  // msal copies error_codes[0] as it comes (a number), despite its `string` typing.
  expect(String(msalError.errorNo)).toBe(String(aadsts));
  return msalError;
}

describe('Entra emulator', () => {
  let emulator: EntraEmulator;

  beforeAll(async () => {
    emulator = await startEntraEmulator();
    emulator.control.seedDemo();
    emulator.control.registerApp({
      tenantId: DEMO_TENANT_ID,
      clientId: WEB_APP.clientId,
      clientSecret: WEB_APP.clientSecret,
      redirectUris: [WEB_APP.redirectUri],
    });
  });
  afterAll(async () => {
    await emulator.close();
  });

  describe('discovery and keys', () => {
    it('serves a per-tenant OpenID configuration that points at its own endpoints', async () => {
      const res = await raw(emulator, 'GET', `/${DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      const doc = JSON.parse(res.body);
      expect(doc.issuer).toBe(`${emulator.origin}/${DEMO_TENANT_ID}/v2.0`);
      expect(doc.issuer).toBe(emulator.issuer(DEMO_TENANT_ID));
      expect(doc.jwks_uri).toBe(emulator.jwksUri(DEMO_TENANT_ID));
      expect(doc.token_endpoint).toBe(`${emulator.origin}/${DEMO_TENANT_ID}/oauth2/v2.0/token`);
      expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256']);
    });

    it('serves the multi-tenant configuration with the {tenantid} issuer template', async () => {
      const doc = JSON.parse((await raw(emulator, 'GET', '/common/v2.0/.well-known/openid-configuration')).body);
      expect(doc.issuer).toBe(`${emulator.origin}/{tenantid}/v2.0`);
      expect(doc.jwks_uri).toBe(`${emulator.origin}/common/discovery/v2.0/keys`);
    });

    it('answers an unknown tenant with an Entra-shaped AADSTS90002 error echoing the correlation id', async () => {
      const res = await raw(emulator, 'GET', '/00000000-1111-4222-8333-444444444444/v2.0/.well-known/openid-configuration', undefined, {
        'client-request-id': 'corr-123',
      });
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body);
      expect(body.error).toBe('invalid_tenant');
      expect(body.error_codes).toEqual([90002]);
      expect(body.error_description).toMatch(/^AADSTS90002: Tenant '00000000-1111-4222-8333-444444444444' not found\./);
      expect(body.correlation_id).toBe('corr-123');
      expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    });

    it('publishes RS256 keys with kid, adds a new key on rotation and drops old ones on retirement', async () => {
      const before = JSON.parse((await raw(emulator, 'GET', `/${DEMO_TENANT_ID}/discovery/v2.0/keys`)).body) as { keys: Array<{ kid: string; kty: string; use: string; issuer: string }> };
      expect(before.keys.length).toBeGreaterThanOrEqual(1);
      for (const key of before.keys) {
        expect(key).toMatchObject({ kty: 'RSA', use: 'sig', issuer: emulator.issuer(DEMO_TENANT_ID) });
      }
      const { kid, publishedKids } = await emulator.control.rotateSigningKeys();
      expect(before.keys.map((k) => k.kid)).not.toContain(kid);
      const after = JSON.parse((await raw(emulator, 'GET', `/${DEMO_TENANT_ID}/discovery/v2.0/keys`)).body) as { keys: Array<{ kid: string }> };
      expect(after.keys.map((k) => k.kid)).toEqual(publishedKids);
      expect(after.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([...before.keys.map((k) => k.kid), kid]));

      const retired = await emulator.control.rotateSigningKeys({ retirePrevious: true });
      const final = JSON.parse((await raw(emulator, 'GET', `/${DEMO_TENANT_ID}/discovery/v2.0/keys`)).body) as { keys: Array<{ kid: string }> };
      expect(final.keys.map((k) => k.kid)).toEqual([retired.kid]);
    });
  });

  describe('msal-node client credentials', () => {
    it('gets an app-only Graph token whose signature verifies against the emulator JWKS over HTTPS', async () => {
      const cca = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, DEMO_GRAPH_APP.clientId, DEMO_GRAPH_APP.clientSecret));
      const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
      expect(result?.accessToken).toBeTruthy();
      const token = result!.accessToken;
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: emulator.control.signingKeyIds().at(-1) });

      const jwks = createRemoteJWKSet(new URL(emulator.jwksUri(DEMO_TENANT_ID)), { agent: new https.Agent({ ca: emulator.caPem }) });
      const { payload } = await jwtVerify(token, jwks, { issuer: emulator.issuer(DEMO_TENANT_ID), audience: GRAPH_RESOURCE, algorithms: ['RS256'] });
      expect(payload).toMatchObject({ tid: DEMO_TENANT_ID, azp: DEMO_GRAPH_APP.clientId, idtyp: 'app', ver: '2.0' });
      expect(payload.roles).toEqual(expect.arrayContaining(['Mail.ReadWrite']));
      expect(payload.scp).toBeUndefined();

      // msal caches the app token: a second call must not reach the token endpoint.
      const tokenCalls = emulator.control.counters()['token:client_credentials'];
      const again = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
      expect(again?.accessToken).toBe(token);
      expect(emulator.control.counters()['token:client_credentials']).toBe(tokenCalls);
    });

    it('rejects a wrong secret, and a revoked secret, with invalid_client AADSTS7000215', async () => {
      const wrong = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, DEMO_GRAPH_APP.clientId, 'not-the-secret'));
      await expectServerError(wrong.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }), 'invalid_client', 7000215);

      const appId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
      emulator.control.registerApp({ tenantId: DEMO_TENANT_ID, clientId: appId, clientSecret: 'soon-revoked' });
      const cca = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, appId, 'soon-revoked'));
      await expect(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).resolves.toBeTruthy();
      emulator.control.revokeAppSecret(DEMO_TENANT_ID, appId);
      const fresh = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, appId, 'soon-revoked'));
      await expectServerError(fresh.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }), 'invalid_client', 7000215);
    });

    it('requires a /.default scope for client credentials (AADSTS1002012)', async () => {
      const res = await raw(
        emulator,
        'POST',
        `/${DEMO_TENANT_ID}/oauth2/v2.0/token`,
        new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO_GRAPH_APP.clientId, client_secret: DEMO_GRAPH_APP.clientSecret, scope: 'Mail.Read' }).toString(),
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    });

    it('issues an API-audience app token (aud = API client id) when the scope is api://<id>/.default', async () => {
      const cca = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, DEMO_GRAPH_APP.clientId, DEMO_GRAPH_APP.clientSecret));
      const result = await cca.acquireTokenByClientCredential({ scopes: [`api://${DEMO_ADDIN_CLIENT_ID}/.default`] });
      expect(decodeJwt(result!.accessToken).aud).toBe(DEMO_ADDIN_CLIENT_ID);
    });
  });

  describe('msal-node authorization code and refresh token', () => {
    it('signs a user in (PKCE), redeems the code, refreshes with rotation, and fails after revocation', async () => {
      const cca = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, WEB_APP.clientId, WEB_APP.clientSecret));
      const pkce = await new CryptoProvider().generatePkceCodes();
      const scopes = [`api://${DEMO_ADDIN_CLIENT_ID}/access_as_user`];
      const authorizeUrl = await cca.getAuthCodeUrl({
        scopes,
        redirectUri: WEB_APP.redirectUri,
        loginHint: MARCO.email,
        state: 'state-42',
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
      });
      const redirect = await followAuthorizeRedirect(emulator, authorizeUrl);
      expect(`${redirect.origin}${redirect.pathname}`).toBe(WEB_APP.redirectUri);
      expect(redirect.searchParams.get('state')).toBe('state-42');
      const code = redirect.searchParams.get('code');
      expect(code).toBeTruthy();

      const byCode = await cca.acquireTokenByCode({ code: code!, scopes, redirectUri: WEB_APP.redirectUri, codeVerifier: pkce.verifier });
      expect(byCode.account?.username).toBe(MARCO.email);
      expect(byCode.account?.tenantId).toBe(DEMO_TENANT_ID);
      expect(byCode.idTokenClaims).toMatchObject({ oid: MARCO.oid, aud: WEB_APP.clientId });
      const access = decodeJwt(byCode.accessToken);
      expect(access).toMatchObject({
        aud: DEMO_ADDIN_CLIENT_ID,
        iss: emulator.issuer(DEMO_TENANT_ID),
        tid: DEMO_TENANT_ID,
        oid: MARCO.oid,
        preferred_username: MARCO.email,
        name: MARCO.displayName,
        scp: 'access_as_user',
        azp: WEB_APP.clientId,
        ver: '2.0',
      });

      // A code is single-use.
      await expectServerError(
        cca.acquireTokenByCode({ code: code!, scopes, redirectUri: WEB_APP.redirectUri, codeVerifier: pkce.verifier }),
        'invalid_grant',
        54005,
      );

      const firstRefresh = refreshTokenIn(cca);
      const refreshed = await cca.acquireTokenByRefreshToken({ refreshToken: firstRefresh, scopes });
      expect(refreshed?.accessToken).toBeTruthy();
      expect(refreshed!.accessToken).not.toBe(byCode.accessToken);
      expect(decodeJwt(refreshed!.accessToken)).toMatchObject({ oid: MARCO.oid, scp: 'access_as_user' });
      const secondRefresh = refreshTokenIn(cca);
      expect(secondRefresh).not.toBe(firstRefresh);

      // Rotation: the replaced refresh token is dead.
      await expectServerError(cca.acquireTokenByRefreshToken({ refreshToken: firstRefresh, scopes }), 'invalid_grant', 70000);

      // Revocation ("revoke sessions"): the live refresh token answers invalid_grant AADSTS50173.
      expect(emulator.control.revokeUserRefreshTokens(DEMO_TENANT_ID, MARCO.oid)).toBeGreaterThanOrEqual(1);
      const revoked = await expectServerError(cca.acquireTokenByRefreshToken({ refreshToken: secondRefresh, scopes }), 'invalid_grant', 50173, 'interaction');
      expect(revoked.subError).toBe('bad_token');

      const wire = await raw(
        emulator,
        'POST',
        `/${DEMO_TENANT_ID}/oauth2/v2.0/token`,
        new URLSearchParams({ grant_type: 'refresh_token', client_id: WEB_APP.clientId, client_secret: WEB_APP.clientSecret, refresh_token: secondRefresh, scope: scopes[0] }).toString(),
        { 'client-request-id': 'refresh-corr' },
      );
      expect(wire.status).toBe(400);
      expect(JSON.parse(wire.body)).toMatchObject({ error: 'invalid_grant', suberror: 'bad_token', error_codes: [50173], correlation_id: 'refresh-corr' });
    });

    it('rejects a code redeemed with the wrong PKCE verifier (AADSTS501481)', async () => {
      const cca = new ConfidentialClientApplication(msalNodeConfigFor(emulator, DEMO_TENANT_ID, WEB_APP.clientId, WEB_APP.clientSecret));
      const pkce = await new CryptoProvider().generatePkceCodes();
      const other = await new CryptoProvider().generatePkceCodes();
      const scopes = ['https://graph.microsoft.com/Mail.Read'];
      const url = await cca.getAuthCodeUrl({ scopes, redirectUri: WEB_APP.redirectUri, loginHint: MARCO.email, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
      const code = (await followAuthorizeRedirect(emulator, url)).searchParams.get('code')!;
      await expectServerError(cca.acquireTokenByCode({ code, scopes, redirectUri: WEB_APP.redirectUri, codeVerifier: other.verifier }), 'invalid_grant', 501481);
    });

    it('signs in the test-selected user when there is no login_hint, and refuses unregistered redirect URIs', async () => {
      const anna = DEMO_USERS[0];
      emulator.control.setSignInUser(DEMO_TENANT_ID, anna.oid);
      const query = new URLSearchParams({ client_id: WEB_APP.clientId, response_type: 'code', redirect_uri: WEB_APP.redirectUri, scope: 'openid profile offline_access User.Read', state: 's' });
      const redirect = await followAuthorizeRedirect(emulator, `${emulator.origin}/${DEMO_TENANT_ID}/oauth2/v2.0/authorize?${query}`);
      const clientInfo = JSON.parse(Buffer.from(redirect.searchParams.get('client_info')!, 'base64url').toString('utf8'));
      expect(clientInfo).toEqual({ uid: anna.oid, utid: DEMO_TENANT_ID });
      emulator.control.setSignInUser(DEMO_TENANT_ID, null);

      query.set('redirect_uri', 'https://evil.example/cb');
      const page = await raw(emulator, 'GET', `/${DEMO_TENANT_ID}/oauth2/v2.0/authorize?${query}`);
      expect(page.status).toBe(400);
      expect(page.headers.location).toBeUndefined();
      expect(page.body).toContain('AADSTS50011');
    });
  });

  describe('control API over HTTP', () => {
    it('mints user tokens and validates its input', async () => {
      const res = await raw(emulator, 'POST', '/__control/tokens/user', { tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: MARCO.oid, scp: 'access_as_user', expiresInSeconds: 600 });
      expect(res.status).toBe(200);
      const claims = decodeJwt(JSON.parse(res.body).access_token);
      expect(claims).toMatchObject({ aud: DEMO_ADDIN_CLIENT_ID, oid: MARCO.oid, scp: 'access_as_user', tid: DEMO_TENANT_ID });
      expect(claims.exp! - claims.iat!).toBe(600);

      const bad = await raw(emulator, 'POST', '/__control/tokens/user', { tenantId: 'not-a-guid', audience: 'x', oid: MARCO.oid });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body).error).toBe('invalid_control_request');

      const counters = JSON.parse((await raw(emulator, 'GET', '/__control/counters')).body) as Record<string, number>;
      expect(counters.token).toBeGreaterThan(0);
      expect((await raw(emulator, 'GET', '/__control/ca.pem')).body).toBe(emulator.caPem);
    });
  });
});

describe('Entra emulator over plain HTTP', () => {
  it('serves discovery with an http origin and no CA', async () => {
    const emulator = await startEntraEmulator({ https: false });
    try {
      expect(emulator.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.caPem).toBe('');
      emulator.control.seedDemo();
      const res = await fetch(`${emulator.origin}/${DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration`);
      expect((await res.json()).issuer).toBe(`${emulator.origin}/${DEMO_TENANT_ID}/v2.0`);
    } finally {
      await emulator.close();
    }
  });
});
