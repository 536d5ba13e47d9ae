/**
 * The /api/me/sync/* routes (S6, S7) end to end: the sandbox relay (PGlite) with real token validation against the
 * Entra emulator and the real sync control and session workers against the Exchange and C4C emulators. Proves
 * authentication, that a user reaches only their own mailbox, the settings round trip, blocklist validation with the
 * field named, the domain errors' statuses, and Pause / Resume / Sync now.
 */
import crypto from 'node:crypto';
import { SyncNowResponseSchema, SyncStatusSchema, UserSyncSettingsResponseSchema, USER_SYNC_SETTINGS_DEFAULTS, type SyncStatus } from '../../shared/api/sync';
import { createSyncSettingsRepository } from '../../relay/store';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

jest.setTimeout(120_000);

const [ANNA, MARCO, PRIYA] = DEMO_USERS;
let env: SandboxRelay;
let organizationId: string;

async function call(path: string, options: { token?: string; method?: string; body?: unknown } = {}) {
  const response = await fetch(`${env.url}${path}`, {
    method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const token = (oid: string) => env.tokenFor(oid);

async function statusOf(oid: string): Promise<SyncStatus> {
  const res = await call('/api/me/sync/status', { token: await token(oid) });
  expect(res.status).toBe(200);
  return SyncStatusSchema.parse(res.body);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A provisioned user of the demo organization whose mailbox sync was never activated. */
async function newUnactivatedUser(): Promise<string> {
  const oid = crypto.randomUUID();
  const name = `nina-${oid.slice(0, 8)}`;
  env.sandbox.entra.control.addUser({ tenantId: DEMO_TENANT_ID, oid, upn: `${name}@contoso.example`, name });
  await env.store.users.create(organizationId, { displayName: name, email: `${name}@contoso.example`, entraObjectId: oid });
  return oid;
}

beforeAll(async () => {
  env = await startSandboxRelay();
  const org = await env.store.organizations.getByTenant(DEMO_TENANT_ID);
  if (!org) throw new Error('demo organization missing');
  organizationId = org.id;
  // The sandbox's start-up enables the demo mailboxes; the same idempotent call here keeps this file independent of it.
  const users = await Promise.all(DEMO_USERS.map((user) => env.store.users.findByEntra(DEMO_TENANT_ID, user.oid)));
  await env.relay.services.sync.enable(organizationId, users.map((user) => user!.id), { kind: 'system', id: 'test' });
}, 300_000);

afterAll(async () => {
  await env?.close();
});

describe('authentication', () => {
  // Three entries per row: Jest takes a test function declaring more parameters than its row for a done-callback one.
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/api/me/sync/settings', undefined],
    ['PUT', '/api/me/sync/settings', { settings: { autoSaveIncoming: true } }],
    ['GET', '/api/me/sync/status', undefined],
    ['POST', '/api/me/sync/pause', {}],
    ['POST', '/api/me/sync/resume', {}],
    ['POST', '/api/me/sync/now', {}],
  ];

  it.each(routes)('%s %s needs a valid token (401) of a provisioned user (403)', async (method, path, body) => {
    const none = await call(path, { method, body });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const forged = await call(path, { method, body, token: 'eyJhbGciOiJub25lIn0.eyJvaWQiOiJ4In0.' });
    expect(forged.status).toBe(401);
    const stranger = crypto.randomUUID();
    env.sandbox.entra.control.addUser({ tenantId: DEMO_TENANT_ID, oid: stranger, upn: `x-${stranger.slice(0, 6)}@contoso.example`, name: 'Stranger' });
    const unprovisioned = await call(path, { method, body, token: await token(stranger) });
    expect(unprovisioned.status).toBe(403);
    expect(unprovisioned.body.error.code).toBe('user-not-provisioned');
  });
});

describe('settings', () => {
  it('starts from the defaults and round-trips switches and the personal blocklist, normalised', async () => {
    const t = await token(PRIYA.oid);
    const first = await call('/api/me/sync/settings', { token: t });
    expect(first.status).toBe(200);
    const initial = UserSyncSettingsResponseSchema.parse(first.body);
    expect(initial.settings).toEqual(USER_SYNC_SETTINGS_DEFAULTS);
    expect(initial.blocklist).toEqual([]);

    const put = await call('/api/me/sync/settings', {
      token: t,
      method: 'PUT',
      body: { settings: { autoSaveIncoming: true, syncContacts: true }, blocklist: ['@Rival.Example', ' Boss@Competitor.example', 'rival.example'] },
    });
    expect(put.status).toBe(200);
    const saved = UserSyncSettingsResponseSchema.parse(put.body);
    expect(saved.settings).toEqual({ ...USER_SYNC_SETTINGS_DEFAULTS, autoSaveIncoming: true, syncContacts: true });
    expect(saved.blocklist).toEqual(['boss@competitor.example', 'rival.example']);
    expect(saved.updatedAt).toEqual(expect.any(String));

    // A partial update changes only what it names; the blocklist stays when not given.
    const second = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { settings: { syncContacts: false } } });
    expect(second.body.settings).toEqual({ ...USER_SYNC_SETTINGS_DEFAULTS, autoSaveIncoming: true });
    expect(second.body.blocklist).toEqual(['boss@competitor.example', 'rival.example']);

    const reread = UserSyncSettingsResponseSchema.parse((await call('/api/me/sync/settings', { token: t })).body);
    expect(reread.settings).toEqual(second.body.settings);
    expect(reread.blocklist).toEqual(['boss@competitor.example', 'rival.example']);
    // What the session will read is what the screen saved.
    const repo = createSyncSettingsRepository(env.relay.services.db);
    const priya = await env.store.users.findByEntra(DEMO_TENANT_ID, PRIYA.oid);
    expect((await repo.getUserSettings(organizationId, priya!.id)).settings.autoSaveIncoming).toBe(true);
    expect((await repo.getBlocklists(organizationId, priya!.id)).user).toEqual(['boss@competitor.example', 'rival.example']);
  });

  it('an enabled mailbox says from when a change applies: its next session', async () => {
    const t = await token(ANNA.oid);
    const status = await statusOf(ANNA.oid);
    const res = UserSyncSettingsResponseSchema.parse((await call('/api/me/sync/settings', { token: t })).body);
    if (status.status === 'enabled' && status.nextSessionAt !== undefined) expect(res.effectiveFrom).toBe(status.nextSessionAt);
    expect(status.activated).toBe(true);
  });

  it('refuses a bad blocklist entry with 400 naming it, and changes nothing', async () => {
    const t = await token(PRIYA.oid);
    const before = (await call('/api/me/sync/settings', { token: t })).body;
    const bad = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { settings: { autoSaveOutgoing: true }, blocklist: ['fine.example', 'not an address'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid-request');
    expect(bad.body.error.fields).toEqual({ 'blocklist.1': expect.stringMatching(/email address or a domain/) });
    const tooMany = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { blocklist: Array.from({ length: 1001 }, (_, i) => `d${i}.example`) } });
    expect(tooMany.status).toBe(400);
    expect(Object.keys(tooMany.body.error.fields)).toEqual(['blocklist']);
    const unknownKey = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { settings: { autoSaveEverything: true } } });
    expect(unknownKey.status).toBe(400);
    const notBoolean = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { settings: { syncTasks: 'yes' } } });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.error.fields).toHaveProperty(['settings.syncTasks']);
    // The organization's list is not the user's to write.
    const orgWrite = await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { organizationBlocklist: [] } });
    expect(orgWrite.status).toBe(400);
    expect((await call('/api/me/sync/settings', { token: t })).body).toEqual(before);
  });

  it("shows the organization's blocklist read-only beside the user's own", async () => {
    const repo = createSyncSettingsRepository(env.relay.services.db);
    await repo.replaceBlocklist(organizationId, null, ['payroll.contoso.example', 'legal@contoso.example']);
    try {
      const res = UserSyncSettingsResponseSchema.parse((await call('/api/me/sync/settings', { token: await token(MARCO.oid) })).body);
      expect(res.organizationBlocklist).toEqual(['legal@contoso.example', 'payroll.contoso.example']);
      expect(res.blocklist).not.toContain('legal@contoso.example');
    } finally {
      await repo.replaceBlocklist(organizationId, null, []);
    }
  });

  it("a user's changes never reach a colleague's profile", async () => {
    const anna = await token(ANNA.oid);
    const marco = await token(MARCO.oid);
    const marcoBefore = (await call('/api/me/sync/settings', { token: marco })).body;
    await call('/api/me/sync/settings', { token: anna, method: 'PUT', body: { settings: { autoSaveThreads: true }, blocklist: ['anna-only.example'] } });
    expect((await call('/api/me/sync/settings', { token: marco })).body).toEqual(marcoBefore);
  });
});

describe('status and actions', () => {
  it('a user acts only on their own mailbox: a body naming another user is refused, a colleague stays untouched', async () => {
    const marco = await env.store.users.findByEntra(DEMO_TENANT_ID, MARCO.oid);
    const t = await token(PRIYA.oid);
    for (const path of ['/api/me/sync/pause', '/api/me/sync/resume', '/api/me/sync/now']) {
      const res = await call(path, { token: t, body: { userId: marco!.id } });
      expect(res.status).toBe(400);
    }
    const before = await statusOf(MARCO.oid);
    const paused = await call('/api/me/sync/pause', { token: t, body: {} });
    expect(paused.status).toBe(200);
    expect(SyncStatusSchema.parse(paused.body).status).toBe('paused');
    expect((await statusOf(MARCO.oid)).status).toBe(before.status);
    // No body at all is as good as an empty one.
    expect((await call('/api/me/sync/resume', { token: t, method: 'POST' })).status).toBe(200);
  });

  it('a mailbox never activated: status says so, actions answer 409 sync-not-activated, settings still work', async () => {
    const oid = await newUnactivatedUser();
    const t = await token(oid);
    const status = await statusOf(oid);
    expect(status).toMatchObject({ activated: false, recentRuns: [], itemErrors: [] });
    for (const path of ['/api/me/sync/pause', '/api/me/sync/resume', '/api/me/sync/now']) {
      const res = await call(path, { token: t, body: {} });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('sync-not-activated');
      expect(res.body.error.message).toMatch(/administrator/);
    }
    const settings = await call('/api/me/sync/settings', { token: t });
    expect(settings.status).toBe(200);
    expect(settings.body.effectiveFrom).toBeUndefined();
    expect((await call('/api/me/sync/settings', { token: t, method: 'PUT', body: { settings: { autoSaveIncoming: true } } })).body.settings.autoSaveIncoming).toBe(true);
  });

  it('Pause → paused (Sync now refused with 409 sync-paused) → Resume → enabled, and Sync now runs a session', async () => {
    const t = await token(MARCO.oid);
    const initial = await statusOf(MARCO.oid);
    expect(initial.activated).toBe(true);

    const paused = SyncStatusSchema.parse((await call('/api/me/sync/pause', { token: t, body: {} })).body);
    expect(paused.status).toBe('paused');
    expect((await statusOf(MARCO.oid)).status).toBe('paused');
    const refused = await call('/api/me/sync/now', { token: t, body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('sync-paused');

    const resumedAt = Date.now();
    const resumed = SyncStatusSchema.parse((await call('/api/me/sync/resume', { token: t, body: {} })).body);
    expect(resumed.status).toBe('enabled');
    // Resume queues a session (or finds one queued already); it runs within seconds. Let it end so Sync now below is
    // measured on its own.
    await waitFor('a session after resume', async () => {
      const s = await statusOf(MARCO.oid);
      const run = s.recentRuns.find((r) => new Date(r.startedAt).getTime() >= resumedAt - 1000);
      return run && run.outcome !== 'running' && s.stage !== 'syncing' ? s : undefined;
    }, 30_000);

    const pressedAt = Date.now();
    const now = await call('/api/me/sync/now', { token: t, body: {} });
    expect(now.status).toBe(202);
    const answer = SyncNowResponseSchema.parse(now.body);
    expect(answer.result).toBe('queued');
    // Pressed again at once: one session waits or runs already, none is added.
    const again = SyncNowResponseSchema.parse((await call('/api/me/sync/now', { token: t, body: {} })).body);
    expect(['already-queued', 'running']).toContain(again.result);

    const after = await waitFor('the manual session', async () => {
      const s = await statusOf(MARCO.oid);
      const run = s.recentRuns.find((r) => r.trigger === 'manual' && new Date(r.startedAt).getTime() >= pressedAt - 1000);
      return run && run.outcome !== 'running' ? s : undefined;
    }, 30_000);
    const manualRuns = after.recentRuns.filter((r) => r.trigger === 'manual' && new Date(r.startedAt).getTime() >= pressedAt - 1000);
    expect(manualRuns).toHaveLength(1);
    expect(manualRuns[0].outcome).toBe('succeeded');
    expect(after.lastSessionAt).toEqual(expect.any(String));
  });
});
