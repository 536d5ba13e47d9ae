/**
 * A8 through the real admin API and the sidebar's settings route of a sandbox relay: presets created, applied to
 * chosen users and to the organization, with "keep" and "override"; users see which settings come from a preset; the
 * organization's sync settings (auto-resolving E8) validated. Other tenants' admins are refused on every admin route
 * by test/admin/auth-matrix.test.ts, which walks ADMIN_ROUTES (these included).
 */
import request from 'supertest';
import { PresetApplyResponseSchema, PresetListResponseSchema, PresetSchema } from '../../shared/api/presets';
import { UserSyncSettingsResponseSchema } from '../../shared/api/sync';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

const [ANNA, MARCO] = DEMO_USERS;

jest.setTimeout(120_000);

describe('settings presets and organization sync settings', () => {
  let env: SandboxRelay;
  let orgId: string;
  let marcoId: string;
  let admin: string;
  let annaToken: string;
  let marcoToken: string;

  beforeAll(async () => {
    env = await startSandboxRelay();
    orgId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
    marcoId = (await env.store.users.findByEntra(DEMO_TENANT_ID, MARCO.oid))!.id;
    const issue = (oid: string, roles?: string[]) => env.sandbox.entra.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid, scp: 'access_as_user', ...(roles ? { roles } : {}) });
    admin = await issue(ANNA.oid, ['Admin']);
    annaToken = await issue(ANNA.oid);
    marcoToken = await issue(MARCO.oid);
  });
  afterAll(async () => {
    await env?.close();
  });

  const api = (path: string) => `/api/admin/organizations/${orgId}${path}`;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const mySettings = async (token: string) => UserSyncSettingsResponseSchema.parse((await request(env.url).get('/api/me/sync/settings').set(as(token))).body);
  const changeMine = (token: string, settings: Record<string, boolean>) => request(env.url).put('/api/me/sync/settings').set(as(token)).send({ settings });

  it('a preset applied to chosen users with "keep" leaves their own changes; "override" replaces them', async () => {
    // Marco turned auto-save of outgoing mail off himself.
    expect((await changeMine(marcoToken, { autoSaveOutgoing: false })).status).toBe(200);
    const created = await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'Sales', settings: { autoSaveOutgoing: true, syncTasks: true } });
    expect(created.status).toBe(201);
    const preset = PresetSchema.parse(created.body);

    const kept = await request(env.url).post(api(`/presets/${preset.id}/apply`)).set(as(admin)).send({ target: { kind: 'users', userIds: [marcoId] }, mode: 'keep' });
    expect(PresetApplyResponseSchema.parse(kept.body)).toEqual({ users: 1, overridden: 0 });
    let marco = await mySettings(marcoToken);
    expect(marco.settings).toMatchObject({ autoSaveOutgoing: false, syncTasks: true });
    expect(marco.preset).toEqual({ id: preset.id, name: 'Sales', fields: ['syncTasks'] });
    // Anna was not chosen.
    expect((await mySettings(annaToken)).preset).toBeUndefined();

    const overridden = await request(env.url).post(api(`/presets/${preset.id}/apply`)).set(as(admin)).send({ target: { kind: 'users', userIds: [marcoId] }, mode: 'override' });
    expect(PresetApplyResponseSchema.parse(overridden.body)).toEqual({ users: 1, overridden: 1 });
    marco = await mySettings(marcoToken);
    expect(marco.settings).toMatchObject({ autoSaveOutgoing: true, syncTasks: true });
    expect(marco.preset?.fields.sort()).toEqual(['autoSaveOutgoing', 'syncTasks']);

    // A change of the user's own after that is theirs again, and the preset no longer claims that setting.
    await changeMine(marcoToken, { syncTasks: false });
    marco = await mySettings(marcoToken);
    expect(marco.settings.syncTasks).toBe(false);
    expect(marco.preset?.fields).toEqual(['autoSaveOutgoing']);

    // Editing the preset reaches its followers (it is referenced, not copied).
    await request(env.url).patch(api(`/presets/${preset.id}`)).set(as(admin)).send({ settings: { autoSaveOutgoing: false, syncTasks: true } });
    expect((await mySettings(marcoToken)).settings.autoSaveOutgoing).toBe(false);
  });

  it('a preset applied to the organization reaches every user, users added later too; deleting it keeps own changes', async () => {
    const created = PresetSchema.parse((await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'Everyone', settings: { autoSaveCalendar: true } })).body);
    const applied = await request(env.url).post(api(`/presets/${created.id}/apply`)).set(as(admin)).send({ target: { kind: 'organization' }, mode: 'keep' });
    expect(PresetApplyResponseSchema.parse(applied.body).users).toBeGreaterThanOrEqual(2);
    expect((await mySettings(annaToken)).preset).toEqual({ id: created.id, name: 'Everyone', fields: ['autoSaveCalendar'] });
    // Marco followed "Sales" himself; applying to the organization makes the organization's preset his.
    expect((await mySettings(marcoToken)).preset?.name).toBe('Everyone');
    const later = await env.store.users.create(orgId, { displayName: 'New Hire', email: 'new.hire@contoso.example' });
    const laterSettings = await env.relay.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM user_sync_settings WHERE user_id = $1', [later.id]);
    expect(laterSettings.rows[0].n).toBe(0);
    const { createSyncSettingsRepository } = await import('../../relay/store/sync-settings');
    const read = await createSyncSettingsRepository(env.relay.services.db).getUserSettings(orgId, later.id);
    expect(read).toMatchObject({ settings: { autoSaveCalendar: true }, preset: { name: 'Everyone' } });

    const list = PresetListResponseSchema.parse((await request(env.url).get(api('/presets')).set(as(admin))).body);
    expect(list.presets.find((p) => p.id === created.id)?.isOrganizationDefault).toBe(true);
    expect((await request(env.url).delete(api(`/presets/${created.id}`)).set(as(admin))).status).toBe(200);
    const marco = await mySettings(marcoToken);
    expect(marco.preset).toBeUndefined();
    expect(marco.settings.syncTasks).toBe(false); // his own change stayed
    const actions = (await env.store.audit.list(orgId, { limit: 50 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['preset.created', 'preset.applied', 'preset.updated', 'preset.deleted']));
  });

  it('refuses bad presets with a 400 naming the field, a duplicate name with 409, an unknown preset with 404', async () => {
    const empty = await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'Empty', settings: {} });
    expect([empty.status, Object.keys(empty.body.error.fields ?? {})]).toEqual([400, ['settings']]);
    const unknownSetting = await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'X', settings: { sendFax: true } });
    expect(unknownSetting.status).toBe(400);
    await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'Twice', settings: { syncTasks: true } });
    const twice = await request(env.url).post(api('/presets')).set(as(admin)).send({ name: 'twice', settings: { syncTasks: false } });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'conflict']);
    const missing = await request(env.url).post(api('/presets/00000000-0000-4000-8000-000000000000/apply')).set(as(admin)).send({ target: { kind: 'organization' }, mode: 'keep' });
    expect(missing.status).toBe(404);
  });

  it("the organization's sync settings: auto-resolving set and read back; accounts without people refused", async () => {
    const put = await request(env.url).put(api('/sync-settings')).set(as(admin)).send({ autoResolve: 'contact', autoResolveAccounts: true });
    expect(put.status).toBe(200);
    expect(put.body.settings).toMatchObject({ autoResolve: 'contact', autoResolveAccounts: true, intervalMinutes: expect.any(Number) });
    expect((await request(env.url).get(api('/sync-settings')).set(as(admin))).body.settings.autoResolve).toBe('contact');
    const refused = await request(env.url).put(api('/sync-settings')).set(as(admin)).send({ autoResolve: 'off' });
    expect([refused.status, Object.keys(refused.body.error.fields)]).toEqual([400, ['autoResolveAccounts']]);
    const bad = await request(env.url).put(api('/sync-settings')).set(as(admin)).send({ autoResolve: 'sometimes' });
    expect(bad.status).toBe(400);
  });
});
