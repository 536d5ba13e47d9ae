/**
 * The user's own activation (S8) end to end over HTTP, on the sandbox relay (real relay, real msal-node, the Entra
 * and Exchange emulators): Office 365 consent with PKCE (start → the dialog page's redirect to Entra → code → finish),
 * misuse of the state, a wrong PKCE verifier, the consenting account; Exchange login tested before storing (wrong
 * password, Autodiscover found / not published → extended form), secrets stored sealed; the re-authorize prompt after
 * six sessions the mail server rejected, and the same flow resuming the mailbox.
 */
import http from 'node:http';
import { DEMO_GRAPH_APP, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { DEMO_MAILBOX_PASSWORD } from '../emulators/exchange';
import { setAutodiscoverPublished } from '../emulators/exchange/autodiscover';
import { followAuthorizeRedirect } from '../emulators/entra';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { ActivationResultSchema, ActivationStatusSchema, Office365StartResponseSchema } from '../../shared/api/activation';
import { waitFor } from '../sync/helpers';

jest.setTimeout(120_000);

const [ANNA, MARCO, PRIYA] = DEMO_USERS;
let env: SandboxRelay;
let organizationId: string;
const userIds: Record<string, string> = {};

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; fields?: Record<string, string> } };
}

async function call(oid: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const token = await env.tokenFor(oid);
  const response = await fetch(`${env.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** GET without following redirects (the dialog page answers 302). */
function getRedirect(url: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    }).on('error', reject);
  });
}

/** What the Office dialog does: the relay's dialog page → Entra (signs the login_hint in) → the redirect URI. */
async function consentInDialog(dialogUrl: string): Promise<URL> {
  const first = await getRedirect(dialogUrl);
  expect(first.status).toBe(302);
  return followAuthorizeRedirect(env.sandbox.entra, first.location!);
}

async function storedCredential(userId: string): Promise<{ kind: string; secret_ciphertext: string } | undefined> {
  const { rows } = await env.relay.services.db.query<{ kind: string; secret_ciphertext: string }>('SELECT kind, secret_ciphertext FROM mailbox_credentials WHERE user_id = $1', [userId]);
  return rows[0];
}

async function useExchangeDirect(): Promise<void> {
  await env.store.mailboxAccess.set(organizationId, { kind: 'ews-direct', ewsUrl: env.sandbox.exchange.ewsUrl });
}

async function useOffice365Delegated(): Promise<void> {
  await env.store.mailboxAccess.set(organizationId, {
    kind: 'graph-delegated',
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_GRAPH_APP.clientId,
    clientSecret: DEMO_GRAPH_APP.clientSecret,
    authorityHost: env.sandbox.entra.authorityHost,
    graphBaseUrl: env.sandbox.exchange.graphBaseUrl,
  });
}

/** A user who never activated: no credential, no sync state. */
async function reset(userId: string): Promise<void> {
  await env.store.mailboxAccess.removeUserCredential(organizationId, userId);
  await env.relay.services.sync.disable(organizationId, userId, { kind: 'system', id: 'test' });
}

/** Runs sessions now, one after another, until the mail server has rejected `times` in a row (or the mailbox is suspended). */
async function rejectSessions(organizationId: string, userId: string, times: number): Promise<void> {
  const sync = env.relay.services.sync;
  const idle = async (): Promise<boolean> => (await sync.status(organizationId, userId)).recentRuns[0]?.outcome !== 'running';
  for (let round = 0; round < times * 3; round += 1) {
    await waitFor(idle, 60_000, 'the running session to end');
    const status = await sync.status(organizationId, userId);
    if (status.status !== 'enabled' || (status.lastFailure?.class === 'credentials-rejected' && status.lastFailure.consecutive >= times)) return;
    // A session that changed nothing may leave no run row; its end moves lastSessionAt.
    const seen = status.lastSessionAt;
    const { result } = await sync.syncNow(organizationId, userId, { kind: 'system', id: 'test' });
    if (result === 'running') continue;
    await waitFor(async () => {
      const now = await sync.status(organizationId, userId);
      return now.lastSessionAt !== seen && now.recentRuns[0]?.outcome !== 'running';
    }, 90_000, `session ${round + 1}`);
  }
}

beforeAll(async () => {
  env = await startSandboxRelay();
  organizationId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
  for (const user of DEMO_USERS) userIds[user.oid] = (await env.store.users.findByEntra(DEMO_TENANT_ID, user.oid))!.id;
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('status', () => {
  it('says nothing is to be done where the organization activates centrally (impersonation)', async () => {
    const answer = await call(ANNA.oid, 'GET', '/api/me/activation');
    expect(answer.status).toBe(200);
    expect(ActivationStatusSchema.parse(answer.body)).toMatchObject({ perUser: false, mailboxType: null, needsActivation: false, address: ANNA.email });
    const start = await call(ANNA.oid, 'POST', '/api/me/activation/office365/start', {});
    expect(start).toMatchObject({ status: 409, body: { error: { code: 'activation-not-per-user' } } });
  });
});

describe('Exchange (direct logon)', () => {
  beforeAll(async () => {
    await useExchangeDirect();
    await reset(userIds[MARCO.oid]);
  });
  afterEach(() => setAutodiscoverPublished(env.sandbox.exchange.store, 'contoso.example', true));

  it('shows the activation for a user who has not connected the mailbox, with the organization\'s type', async () => {
    const answer = await call(MARCO.oid, 'GET', '/api/me/activation');
    expect(ActivationStatusSchema.parse(answer.body)).toMatchObject({ perUser: true, mailboxType: 'exchange', hasCredential: false, syncActivated: false, needsActivation: true });
    const wrongType = await call(MARCO.oid, 'POST', '/api/me/activation/office365/start', {});
    expect(wrongType).toMatchObject({ status: 409, body: { error: { code: 'mailbox-type-mismatch' } } });
  });

  it('tests the credentials before storing: a wrong password is a clear error and nothing is stored', async () => {
    const answer = await call(MARCO.oid, 'POST', '/api/me/activation/exchange', { password: 'not-the-password' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'credentials-rejected', fields: { password: expect.any(String) } });
    expect(answer.body.error!.message).toMatch(/rejected the login or password/);
    await expect(storedCredential(userIds[MARCO.oid])).resolves.toBeUndefined();
    await expect(env.relay.services.sync.status(organizationId, userIds[MARCO.oid])).resolves.toMatchObject({ activated: false });
  });

  it('asks for the extended form when Autodiscover finds nothing, then activates with the EWS URL given', async () => {
    setAutodiscoverPublished(env.sandbox.exchange.store, 'contoso.example', false);
    const failed = await call(MARCO.oid, 'POST', '/api/me/activation/exchange', { password: DEMO_MAILBOX_PASSWORD });
    expect(failed.status).toBe(422);
    expect(failed.body.error).toMatchObject({ code: 'autodiscover-failed', fields: { ewsUrl: expect.any(String) } });
    // Both shapes were tried (anonymous JSON v2, then POX with the user's credentials), and both said 404.
    expect(failed.body.error!.message).toMatch(/JSON .*autodiscover\.json.*404.*POX .*autodiscover\.xml.*404/);
    await expect(storedCredential(userIds[MARCO.oid])).resolves.toBeUndefined();

    const extended = await call(MARCO.oid, 'POST', '/api/me/activation/exchange', { login: MARCO.email, password: DEMO_MAILBOX_PASSWORD, ewsUrl: env.sandbox.exchange.ewsUrl });
    expect(extended.status).toBe(200);
    const result = ActivationResultSchema.parse(extended.body);
    expect(result).toMatchObject({ outcome: 'enabled', ewsUrl: env.sandbox.exchange.ewsUrl, status: { hasCredential: true, syncActivated: true, needsActivation: false } });
    // Sealed (AES-GCM, relay/secrets), never the password itself; the store opens it for sessions.
    const row = (await storedCredential(userIds[MARCO.oid]))!;
    expect(row.kind).toBe('password');
    expect(row.secret_ciphertext).toMatch(/^v1\./);
    expect(row.secret_ciphertext).not.toContain(DEMO_MAILBOX_PASSWORD);
    await expect(env.store.mailboxAccess.accessFor(organizationId, userIds[MARCO.oid])).resolves.toMatchObject({ kind: 'ews-direct', username: MARCO.email, password: DEMO_MAILBOX_PASSWORD });
    await expect(env.relay.services.sync.status(organizationId, userIds[MARCO.oid])).resolves.toMatchObject({ activated: true, status: 'enabled' });
  });

  it('finds the EWS URL by Autodiscover when it is published', async () => {
    await reset(userIds[MARCO.oid]);
    const before = env.sandbox.exchange.control.counters.get('Autodiscover JSON') ?? 0;
    const answer = await call(MARCO.oid, 'POST', '/api/me/activation/exchange', { password: DEMO_MAILBOX_PASSWORD });
    expect(answer.status).toBe(200);
    expect(ActivationResultSchema.parse(answer.body)).toMatchObject({ outcome: 'enabled', ewsUrl: env.sandbox.exchange.ewsUrl });
    expect(env.sandbox.exchange.control.counters.get('Autodiscover JSON') ?? 0).toBeGreaterThan(before);
  });

  it('asks to authorize again after six sessions the mail server rejected, and the same flow resumes the mailbox', async () => {
    const userId = userIds[MARCO.oid];
    const sync = env.relay.services.sync;
    // The user changed the password in Exchange: every session with the stored one is refused.
    env.sandbox.exchange.store.setPassword(MARCO.email, 'changed-in-exchange');
    await rejectSessions(organizationId, userId, 6);
    const status = await sync.status(organizationId, userId);
    expect(status.lastFailure).toMatchObject({ class: 'credentials-rejected', consecutive: 6 });

    const answer = ActivationStatusSchema.parse((await call(MARCO.oid, 'GET', '/api/me/activation')).body);
    expect(answer.needsActivation).toBe(false);
    expect(answer.reauthorize).toEqual({ failureClass: 'credentials-rejected', reason: status.lastFailure!.message, consecutive: 6, suspended: true });
    expect(answer.reauthorize!.reason.length).toBeGreaterThan(0);

    const again = await call(MARCO.oid, 'POST', '/api/me/activation/exchange', { password: 'changed-in-exchange' });
    expect(again.status).toBe(200);
    const result = ActivationResultSchema.parse(again.body);
    expect(result.outcome).toBe('resumed');
    expect(result.status.reauthorize).toBeUndefined();
    await expect(sync.status(organizationId, userId)).resolves.toMatchObject({ status: 'enabled' });
    await waitFor(async () => (await sync.status(organizationId, userId)).recentRuns[0]?.outcome === 'succeeded', 30_000, 'the resumed session');
  });
});

describe('Office 365 (delegated consent)', () => {
  beforeAll(async () => {
    await useOffice365Delegated();
    await reset(userIds[PRIYA.oid]);
  });

  it('starts with a sealed state and a dialog page that redirects to Entra with an S256 challenge', async () => {
    const start = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/start', {});
    expect(start.status).toBe(200);
    const { dialogUrl } = Office365StartResponseSchema.parse(start.body);
    expect(new URL(dialogUrl).origin).toBe(env.url);
    const state = new URL(dialogUrl).searchParams.get('state')!;
    expect(state).toMatch(/^v1\./);
    const redirect = await getRedirect(dialogUrl);
    const authorize = new URL(redirect.location!);
    expect(authorize.origin).toBe(env.sandbox.entra.origin);
    expect(authorize.pathname).toBe(`/${DEMO_TENANT_ID}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: DEMO_GRAPH_APP.clientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      redirect_uri: `${env.url}/activation/office365/done`,
      state,
      login_hint: PRIYA.email,
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier travels only sealed: neither the start answer nor the authorize URL carries it.
    expect(authorize.searchParams.get('code_verifier')).toBeNull();
  });

  it('rejects a tampered state and a wrong PKCE verifier, storing nothing', async () => {
    const startA = Office365StartResponseSchema.parse((await call(PRIYA.oid, 'POST', '/api/me/activation/office365/start', {})).body);
    const startB = Office365StartResponseSchema.parse((await call(PRIYA.oid, 'POST', '/api/me/activation/office365/start', {})).body);
    const redirectA = await consentInDialog(startA.dialogUrl);
    const codeA = redirectA.searchParams.get('code')!;
    expect(codeA).toBeTruthy();
    const stateB = new URL(startB.dialogUrl).searchParams.get('state')!;

    const tampered = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/finish', { code: codeA, state: `${stateB.slice(0, -4)}AAAA` });
    expect(tampered).toMatchObject({ status: 400, body: { error: { code: 'consent-state-invalid' } } });

    // State B carries another verifier than the challenge code A was issued for: Entra refuses the redemption.
    const wrongVerifier = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/finish', { code: codeA, state: stateB });
    expect(wrongVerifier.status).toBe(422);
    expect(wrongVerifier.body.error).toMatchObject({ code: 'consent-failed' });
    expect(wrongVerifier.body.error!.message).toMatch(/AADSTS501481|code_verifier/i);
    await expect(storedCredential(userIds[PRIYA.oid])).resolves.toBeUndefined();
  });

  it('finishes the consent through msal-node: the refresh token is tested, stored sealed, and sync enabled; the state works once and for its user only', async () => {
    const start = Office365StartResponseSchema.parse((await call(PRIYA.oid, 'POST', '/api/me/activation/office365/start', {})).body);
    const redirect = await consentInDialog(start.dialogUrl);
    expect(redirect.pathname).toBe('/activation/office365/done');
    const code = redirect.searchParams.get('code')!;
    const state = redirect.searchParams.get('state')!;

    const otherUser = await call(MARCO.oid, 'POST', '/api/me/activation/office365/finish', { code, state });
    expect(otherUser).toMatchObject({ status: 400, body: { error: { code: 'consent-state-invalid' } } });
    expect(otherUser.body.error!.message).toMatch(/another user/);

    const activatedAt = Date.now() - 1000;
    const finished = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/finish', { code, state });
    expect(finished.status).toBe(200);
    expect(ActivationResultSchema.parse(finished.body)).toMatchObject({ outcome: 'enabled', status: { mailboxType: 'office365', hasCredential: true, syncActivated: true, needsActivation: false } });

    const row = (await storedCredential(userIds[PRIYA.oid]))!;
    expect(row.kind).toBe('refresh-token');
    expect(row.secret_ciphertext).toMatch(/^v1\./);
    const access = await env.store.mailboxAccess.accessFor(organizationId, userIds[PRIYA.oid]);
    expect(access).toMatchObject({ kind: 'graph-delegated', clientId: DEMO_GRAPH_APP.clientId });
    const refreshToken = (access as { refreshToken: string }).refreshToken;
    expect(refreshToken.length).toBeGreaterThan(10);
    expect(row.secret_ciphertext).not.toContain(refreshToken);

    const replay = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/finish', { code, state });
    expect(replay).toMatchObject({ status: 400, body: { error: { code: 'consent-state-invalid' } } });
    expect(replay.body.error!.message).toMatch(/completed already/);

    // The sessions that follow open the mailbox with the stored refresh token (Graph delegated) and succeed.
    // (Earlier tests of this file ran sessions of this user: only runs started after the activation count.)
    const sync = env.relay.services.sync;
    const after = (r: { startedAt: string; outcome: string }) => Date.parse(r.startedAt) >= activatedAt && r.outcome !== 'running';
    await waitFor(async () => (await sync.status(organizationId, userIds[PRIYA.oid])).recentRuns.some(after), 60_000, 'the first session after activation');
    const run = (await sync.status(organizationId, userIds[PRIYA.oid])).recentRuns.find(after)!;
    expect([run.outcome, run.failureClass, run.errors]).toEqual(['succeeded', undefined, []]);
  });

  it('refuses a consent given with another account than the signed-in user\'s', async () => {
    await reset(userIds[PRIYA.oid]);
    const start = Office365StartResponseSchema.parse((await call(PRIYA.oid, 'POST', '/api/me/activation/office365/start', {})).body);
    const dialog = await getRedirect(start.dialogUrl);
    // The person at the keyboard signs in as Anna instead of Priya.
    const authorize = new URL(dialog.location!);
    authorize.searchParams.set('login_hint', ANNA.email);
    const redirect = await followAuthorizeRedirect(env.sandbox.entra, authorize.toString());
    const answer = await call(PRIYA.oid, 'POST', '/api/me/activation/office365/finish', { code: redirect.searchParams.get('code'), state: redirect.searchParams.get('state') });
    expect(answer).toMatchObject({ status: 422, body: { error: { code: 'consent-wrong-account' } } });
    await expect(storedCredential(userIds[PRIYA.oid])).resolves.toBeUndefined();
  });

  it('the redirect page hands code and state to the task pane, from its own script (CSP), and is never cached', async () => {
    const page = await fetch(`${env.url}/activation/office365/done?code=abc&state=xyz`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<script src="/activation/office365/done.js" defer></script>');
    // Sandbox: no request to Microsoft's CDN.
    expect(html).not.toContain('appsforoffice.microsoft.com');
    const script = await (await fetch(`${env.url}/activation/office365/done.js`)).text();
    expect(script).toContain('messageParent');
    expect(script).toContain("new BroadcastChannel(\"c4c-activation-dialog\")");
  });

  it('an expired or unknown state sends the dialog to the redirect page with the reason', async () => {
    const redirect = await getRedirect(`${env.url}/activation/office365/dialog?state=v1.bogus`);
    expect(redirect.status).toBe(302);
    const target = new URL(redirect.location!, env.url);
    expect(target.pathname).toBe('/activation/office365/done');
    expect(target.searchParams.get('error')).toBe('consent-state-invalid');
  });
});
