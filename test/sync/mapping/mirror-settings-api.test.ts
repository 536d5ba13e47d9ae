/**
 * E10 / E11 through the admin API: an organization's mirror settings (organizations.settings.mirror) read with the
 * effective mapping tables and replaced with validation against the tables (unknown field, fixed field), audited;
 * someone else's organization is 404 whatever is sent.
 */
import request from 'supertest';
import { MIRROR_DEFAULTS, MirrorSettingsResponseSchema, type MirrorSettings } from '../../../shared/api/mirror';
import { kindMapping } from '../../../relay/sync/mirror/mapping';
import { describeEachBackend } from '../../helpers/backends';
import { principal, testAdmin, TEST_TENANT, type TestAdmin } from '../../admin/helpers';

jest.setTimeout(60_000);

const OTHER_TENANT = '11111111-2222-4333-8444-555555555555';

describeEachBackend('admin API: mirror settings', (backend) => {
  let admin: TestAdmin;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    admin = testAdmin(backend.db());
    const store = admin.deps.store;
    orgId = (await store.organizations.create({ name: 'Contoso', slug: 'contoso-mirror', entraTenantId: TEST_TENANT, settings: { sync: { intervalMinutes: 10 } } })).id;
    otherOrgId = (await store.organizations.create({ name: 'Fabrikam', slug: 'fabrikam-mirror', entraTenantId: OTHER_TENANT })).id;
  });
  beforeEach(() => admin.as(principal()));

  const path = (id: string) => `/api/admin/organizations/${id}/mirror-settings`;
  const valid = (overrides: Partial<MirrorSettings> = {}): MirrorSettings => ({ ...MIRROR_DEFAULTS, directions: {}, ...overrides });

  it('reads the defaults and the effective tables of a new organization', async () => {
    const res = await request(admin.app).get(path(orgId));
    expect(res.status).toBe(200);
    const body = MirrorSettingsResponseSchema.parse(res.body);
    expect(body.settings).toEqual(valid());
    expect(body.tables.map((t) => t.kind)).toEqual(['appointment', 'task', 'contact', 'account', 'individualCustomer']);
    const notes = body.tables[0].fields.find((f) => f.field === 'notes');
    expect(notes).toMatchObject({ defaultDirection: 'to-c4c', direction: 'to-c4c', configurable: true, c4cProperty: expect.stringContaining('AppointmentTextCollection') });
    expect(notes?.exception).toMatch(/HTML/);
  });

  it('stores a valid update, answers the effective directions, keeps other settings and audits it', async () => {
    const update = valid({ conflictRule: 'c4c-wins', calendarDaysBack: 14, readOnlyContacts: true, directions: { appointment: { notes: 'none', location: 'to-c4c', subject: 'both' }, contact: { mobile: 'to-mailbox' } } });
    const res = await request(admin.app).put(path(orgId)).send(update);
    expect(res.status).toBe(200);
    const body = MirrorSettingsResponseSchema.parse(res.body);
    // The fixed field named with its own default is accepted and not stored as an override.
    expect(body.settings.directions).toEqual({ appointment: { notes: 'none', location: 'to-c4c' }, contact: { mobile: 'to-mailbox' } });
    const appointment = body.tables.find((t) => t.kind === 'appointment')!;
    expect(appointment.fields.find((f) => f.field === 'location')).toMatchObject({ defaultDirection: 'both', direction: 'to-c4c' });
    expect(appointment.fields.find((f) => f.field === 'notes')?.direction).toBe('none');

    const stored = await admin.deps.store.organizations.get(orgId);
    expect(stored?.settings.sync).toEqual({ intervalMinutes: 10 });
    expect(stored?.settings.mirror).toMatchObject({ conflictRule: 'c4c-wins', calendarDaysBack: 14, readOnlyContacts: true });
    const again = MirrorSettingsResponseSchema.parse((await request(admin.app).get(path(orgId))).body);
    expect(again.settings).toEqual(body.settings);

    // What the engine gets from the stored settings: location no longer flows into the mailbox, notes nowhere.
    const mapping = kindMapping('appointment', again.settings);
    expect(mapping.toMailbox({ location: 'Room 1', subject: 'S' })).toEqual({ subject: 'S' });
    expect(mapping.toC4c({ notes: 'n', location: 'Room 1' }).body).toEqual({ Location: 'Room 1' });

    const entries = await admin.deps.store.audit.list(orgId, { limit: 5 });
    const entry = entries.find((e) => e.action === 'mirror-settings.updated');
    expect(entry?.details).toMatchObject({ changed: expect.arrayContaining(['conflictRule', 'calendarDaysBack', 'readOnlyContacts', 'directions']), conflictRule: 'c4c-wins' });
  });

  it('rejects an unknown field with a 400 naming it, and changes nothing', async () => {
    const before = (await admin.deps.store.organizations.get(orgId))?.settings.mirror;
    const res = await request(admin.app).put(path(orgId)).send(valid({ directions: { task: { colour: 'both' } } }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid-request');
    expect(Object.keys(res.body.error.fields)).toEqual(['directions.task.colour']);
    expect(res.body.error.message).toMatch(/task has no mapped field "colour"/);
    expect((await admin.deps.store.organizations.get(orgId))?.settings.mirror).toEqual(before);
  });

  it('rejects a direction on a fixed field (start of an appointment, the contact\'s company) naming each', async () => {
    const res = await request(admin.app).put(path(orgId)).send(valid({ directions: { appointment: { start: 'to-c4c' }, contact: { company: 'both' } } }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      'directions.appointment.start': expect.stringMatching(/fixed to "both"/),
      'directions.contact.company': expect.stringMatching(/fixed to "to-mailbox"/),
    });
  });

  it('rejects malformed settings with zod: the field is named', async () => {
    const badDirection = await request(admin.app).put(path(orgId)).send({ ...valid(), directions: { appointment: { location: 'sideways' } } });
    expect(badDirection.status).toBe(400);
    expect(Object.keys(badDirection.body.error.fields)).toEqual(['directions.appointment.location']);
    const badKind = await request(admin.app).put(path(orgId)).send({ ...valid(), directions: { meeting: { location: 'both' } } });
    expect(badKind.status).toBe(400);
    const missing = await request(admin.app).put(path(orgId)).send({ enabled: false });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.error.fields)).toEqual(expect.arrayContaining(['conflictRule', 'calendarDaysBack']));
    const extra = await request(admin.app).put(path(orgId)).send({ ...valid(), surprise: 1 });
    expect(extra.status).toBe(400);
  });

  it("another tenant's organization is 404 for reads and writes, valid or not", async () => {
    expect((await request(admin.app).get(path(otherOrgId))).status).toBe(404);
    expect((await request(admin.app).put(path(otherOrgId)).send(valid())).status).toBe(404);
    expect((await request(admin.app).put(path(otherOrgId)).send({ nonsense: true })).status).toBe(404);
    const stored = await admin.deps.store.organizations.get(otherOrgId);
    expect(stored?.settings.mirror).toBeUndefined();
    // An operator manages every organization.
    admin.as(principal({ operator: true, roles: ['Operator'] }));
    expect((await request(admin.app).get(path(otherOrgId))).status).toBe(200);
  });
});
