/**
 * The sidebar API end to end: real relay (PGlite), real token validation against the Entra emulator, real OData
 * client against the C4C emulator. Proves exactly-once saving under double clicks, concurrent users, failing and
 * timing-out C4C, plus authentication, organization isolation and input validation.
 */
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startC4cEmulator } from '../emulators/c4c';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

const [ANNA, MARCO] = DEMO_USERS;
const KATRIN = 'katrin.hoffmann@nordwind-maschinenbau.example';

let env: SandboxRelay;
let seq = 0;

async function call(path: string, options: { token?: string; method?: string; body?: unknown } = {}) {
  const response = await fetch(`${env.url}${path}`, {
    method: options.method ?? (options.body ? 'POST' : 'GET'),
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function email(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    internetMessageId: `<test-${seq}-${Date.now()}@nordwind-maschinenbau.example>`,
    itemId: `AAMkAD${seq}`,
    subject: 'Quote for 40 pumps',
    sentAt: '2026-11-20T09:15:00.000Z',
    from: { address: KATRIN, name: 'Katrin Hoffmann' },
    to: [{ address: ANNA.email, name: ANNA.displayName }],
    cc: [{ address: 'stranger@unknown.example', name: 'Stranger' }],
    bodyHtml: '<p>Please send the quote.</p>',
    attachments: [{ name: 'spec.txt', contentType: 'text/plain', contentBase64: Buffer.from('spec').toString('base64') }],
    includeAttachments: true,
    ...overrides,
  };
}

function emailsWithKey(key: string) {
  return env.sandbox.c4c.control.list('EMailCollection').filter((row) => row.GroupwareItemID === key);
}

beforeAll(async () => {
  env = await startSandboxRelay();
});
afterAll(async () => {
  await env?.close();
});
afterEach(() => {
  env.sandbox.c4c.control.clearFaults();
});

describe('authentication', () => {
  it('rejects missing, expired, wrong-audience and wrong-tenant tokens with 401', async () => {
    expect((await call('/api/me')).status).toBe(401);
    const expired = await env.sandbox.entra.control.issueUserToken({ tenantId: '7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34', audience: 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f', oid: ANNA.oid, expiresInSeconds: -600 });
    expect((await call('/api/me', { token: expired })).status).toBe(401);
    const otherAudience = await env.sandbox.entra.control.issueUserToken({ tenantId: '7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34', audience: '00000003-0000-0000-c000-000000000000', oid: ANNA.oid });
    expect((await call('/api/me', { token: otherAudience })).status).toBe(401);
    env.sandbox.entra.control.addUser({ tenantId: '11111111-2222-4333-8444-555555555555', oid: ANNA.oid, upn: 'anna@other.example', name: 'Anna Other' });
    const otherTenant = await env.sandbox.entra.control.issueUserToken({ tenantId: '11111111-2222-4333-8444-555555555555', audience: 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f', oid: ANNA.oid });
    const res = await call('/api/me', { token: otherTenant });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('tells an unknown user of a known tenant to ask the administrator (403)', async () => {
    env.sandbox.entra.control.addUser({ tenantId: '7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34', oid: '99999999-0000-4000-8000-000000000099', upn: 'newbie@contoso.example', name: 'New Colleague' });
    const token = await env.tokenFor('99999999-0000-4000-8000-000000000099');
    const res = await call('/api/me', { token });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/administrator/i);
  });

  it('answers /api/me for a provisioned user', async () => {
    const res = await call('/api/me', { token: await env.tokenFor(ANNA.oid) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: ANNA.displayName, email: ANNA.email, organizationName: 'Contoso Sandbox', role: 'admin' });
  });
});

describe('initial search', () => {
  it('finds contacts with their account, hides nothing, and suggests the main contact and account', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const res = await call('/api/sidebar/search', { token, body: { addresses: [KATRIN, ANNA.email, 'stranger@unknown.example'] } });
    expect(res.status).toBe(200);
    const byAddress = Object.fromEntries(res.body.results.map((r: { address: string; records: unknown[] }) => [r.address, r.records]));
    expect(byAddress[KATRIN]).toEqual([expect.objectContaining({ kind: 'contact', name: 'Katrin Hoffmann', accountName: 'Nordwind Maschinenbau GmbH' })]);
    expect(byAddress[ANNA.email]).toEqual([expect.objectContaining({ kind: 'employee' })]);
    expect(byAddress['stranger@unknown.example']).toEqual([]);
    const contact = byAddress[KATRIN][0];
    expect(res.body.suggestion).toEqual({ mainContactObjectId: contact.objectId, mainContactKind: 'contact', mainAccountObjectId: contact.accountObjectId });
  });

  it('names the invalid field on a malformed body', async () => {
    const res = await call('/api/sidebar/search', { token: await env.tokenFor(ANNA.oid), body: { addresses: ['not-an-address'] } });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(['addresses.0']);
  });
});

describe('save email', () => {
  it('creates one E-Mail activity with parties, body note, attachment and links, then reports it as saved', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const search = await call('/api/sidebar/search', { token, body: { addresses: [KATRIN] } });
    const request = email({ ...search.body.suggestion });
    const saved = await call('/api/sidebar/emails', { token, body: request });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ status: 'saved', alreadySaved: false });
    expect(saved.headers.get('server-timing')).toMatch(/^c4c;dur=[0-9.]+, relay;dur=[0-9.]+$/);
    const rows = emailsWithKey(request.internetMessageId);
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown> & { EMailToRecipients: Array<Record<string, unknown>>; EMailNotes: Array<Record<string, unknown>>; EMailAttachments: unknown[]; EMailCcRecipients: Array<Record<string, unknown>> };
    expect(row.ObjectID).toBe(saved.body.objectId);
    expect(row).toMatchObject({ Subject: 'Quote for 40 pumps', Direction: '2', MessageFromEmailURI: KATRIN, MainAccountPartyID: expect.any(String), MainContactPartyID: expect.any(String), OwnerPartyID: ANNA.c4cEmployeeId });
    expect(row.MessageFromPartyID).toBe(row.MainContactPartyID);
    expect(row.EMailToRecipients).toEqual([expect.objectContaining({ MessageToEmailID: ANNA.email, PartyID: ANNA.c4cEmployeeId })]);
    expect(row.EMailCcRecipients[0].PartyID ?? '').toBe('');
    expect(row.EMailNotes).toEqual([expect.objectContaining({ TypeCode: '10002', Text: '<p>Please send the quote.</p>' })]);
    expect(row.EMailAttachments).toHaveLength(1);

    const status = await call(`/api/sidebar/emails/status?internetMessageId=${encodeURIComponent(request.internetMessageId)}`, { token: await env.tokenFor(MARCO.oid) });
    expect(status.body).toMatchObject({ status: 'saved', objectId: saved.body.objectId, savedBy: ANNA.displayName });

    // The record link opens the (emulated) C4C UI on this very record.
    const page = await fetch(saved.body.c4cUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Quote for 40 pumps');

    const again = await call('/api/sidebar/emails', { token, body: request });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ alreadySaved: true, objectId: saved.body.objectId });
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(1);
  });

  it('creates exactly one record for a double click and for two users saving at once', async () => {
    const request = email();
    const [annaToken, marcoToken] = await Promise.all([env.tokenFor(ANNA.oid), env.tokenFor(MARCO.oid)]);
    env.sandbox.c4c.control.setLatency(150);
    try {
      const results = await Promise.all([
        call('/api/sidebar/emails', { token: annaToken, body: request }),
        call('/api/sidebar/emails', { token: annaToken, body: request }),
        call('/api/sidebar/emails', { token: marcoToken, body: request }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(results.map((r) => r.body.objectId)).size).toBe(1);
      // Those who lost the race learn who saved it a moment ago, and when, as a later visit would.
      const winner = [ANNA, ANNA, MARCO][results.findIndex((r) => r.status === 201)];
      const winnerAt = results.find((r) => r.status === 201)!.body.savedAt;
      for (const loser of results.filter((r) => r.status === 200)) {
        expect(loser.body).toMatchObject({ alreadySaved: true, savedBy: winner.displayName, savedAt: winnerAt });
        expect(Date.now() - Date.parse(loser.body.savedAt)).toBeLessThan(60_000);
      }
    } finally {
      env.sandbox.c4c.control.setLatency(0);
    }
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(1);
  });

  it('survives a 503 on the first create and a create that times out after C4C applied it', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const first = email();
    env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 503, times: 1 });
    const saved = await call('/api/sidebar/emails', { token, body: first });
    expect(saved.status).toBe(201);
    expect(emailsWithKey(first.internetMessageId)).toHaveLength(1);

    const second = email();
    env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'drop', applyBeforeDrop: true, times: 1 });
    const afterDrop = await call('/api/sidebar/emails', { token, body: second });
    expect([200, 201]).toContain(afterDrop.status);
    expect(emailsWithKey(second.internetMessageId)).toHaveLength(1);
  });

  it('reports C4C being down clearly and saves on the retry without duplicates', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const request = email();
    env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 500, times: 20 });
    const failed = await call('/api/sidebar/emails', { token, body: request });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('c4c-unavailable');
    env.sandbox.c4c.control.clearFaults();
    const retried = await call('/api/sidebar/emails', { token, body: request });
    expect(retried.status).toBe(201);
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(1);
  });

  it('after a relay crash between the C4C create and the ledger commit, the next save finds the record', async () => {
    const request = email();
    const org = await env.store.organizations.getByTenant('7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34');
    // The crashed relay claimed the email (its lease has run out) and had created the E-Mail in C4C.
    await env.store.emailSaves.claim(org!.id, request.internetMessageId, null, 120_000);
    await env.relay.services.db.query(`UPDATE email_saves SET claimed_at = now() - interval '1 hour' WHERE internet_message_id = $1`, [request.internetMessageId]);
    const [existing] = env.sandbox.c4c.control.seed('EMailCollection', [{ Subject: request.subject, GroupwareItemID: request.internetMessageId }]);
    const res = await call('/api/sidebar/emails', { token: await env.tokenFor(ANNA.oid), body: request });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ alreadySaved: true, objectId: existing.ObjectID });
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(1);
  });

  it('judges direction by the login and by the mailbox address Outlook reports (an alias)', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const alias = 'sales@contoso.example';
    const fromAlias = email({ from: { address: alias, name: 'Contoso Sales' }, to: [{ address: KATRIN, name: 'Katrin Hoffmann' }], cc: [], attachments: [], includeAttachments: false });
    expect((await call('/api/sidebar/emails', { token, body: { ...fromAlias, mailboxAddress: alias } })).status).toBe(201);
    expect(emailsWithKey(fromAlias.internetMessageId)[0]).toMatchObject({ Direction: '3' });
    const withoutAlias = email({ from: { address: alias, name: 'Contoso Sales' }, to: [{ address: KATRIN, name: 'Katrin Hoffmann' }], cc: [], attachments: [], includeAttachments: false });
    expect((await call('/api/sidebar/emails', { token, body: withoutAlias })).status).toBe(201);
    expect(emailsWithKey(withoutAlias.internetMessageId)[0]).toMatchObject({ Direction: '2' });
  });

  it('names the field when a chosen account no longer exists in C4C (400), creating nothing', async () => {
    const request = email({ mainAccountObjectId: '00000000000000000000000000DEAD00' });
    const res = await call('/api/sidebar/emails', { token: await env.tokenFor(ANNA.oid), body: request });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid-request', message: 'The selected account no longer exists in C4C', fields: { mainAccountObjectId: 'Not found in C4C' } });
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(0);
  });

  it('refuses an oversized body with the field named, creating nothing', async () => {
    const request = email({ bodyHtml: 'x'.repeat(1024 * 1024 + 1) });
    const res = await call('/api/sidebar/emails', { token: await env.tokenFor(ANNA.oid), body: request });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty('bodyHtml');
    expect(emailsWithKey(request.internetMessageId)).toHaveLength(0);
  });
});

describe('organization isolation', () => {
  it('a user of another organization sees neither the ledger nor the C4C tenant of this one', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const request = email();
    expect((await call('/api/sidebar/emails', { token, body: request })).status).toBe(201);

    const otherTenant = '22222222-3333-4444-8555-666666666666';
    const org = await env.store.organizations.create({ name: 'Fabrikam', slug: 'fabrikam', entraTenantId: otherTenant });
    const oid = '33333333-0000-4000-8000-000000000001';
    await env.store.users.create(org.id, { displayName: 'Fay Fabrikam', email: 'fay@fabrikam.example', entraObjectId: oid, role: 'admin' });
    env.sandbox.entra.control.addUser({ tenantId: otherTenant, oid, upn: 'fay@fabrikam.example', name: 'Fay Fabrikam' });
    const fabrikamToken = await env.sandbox.entra.control.issueUserToken({ tenantId: otherTenant, audience: 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f', oid });
    // Fabrikam has no C4C connection: nothing of Contoso's C4C is reachable with its token.
    const status = await call(`/api/sidebar/emails/status?internetMessageId=${encodeURIComponent(request.internetMessageId)}`, { token: fabrikamToken });
    expect(status.status).toBe(409);
    expect(status.body.error.code).toBe('c4c-not-configured');
    const ledger = await env.store.emailSaves.get(org.id, request.internetMessageId);
    expect(ledger).toBeUndefined();

    // With its own C4C tenant, Fabrikam works on its own data only: Contoso's save and records stay invisible, and
    // saving the same message creates Fabrikam's own record without touching Contoso's.
    const fabrikamC4c = await startC4cEmulator({ users: [{ username: 'FABRIKAM_TECH', password: 'Fab-Pa55' }] });
    try {
      await env.store.c4cConnections.upsert(org.id, { serviceRoot: fabrikamC4c.serviceRoot, username: 'FABRIKAM_TECH', password: 'Fab-Pa55' });
      const before = await env.store.emailSaves.get((await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id, request.internetMessageId);
      const fabStatus = await call(`/api/sidebar/emails/status?internetMessageId=${encodeURIComponent(request.internetMessageId)}`, { token: fabrikamToken });
      expect(fabStatus.body).toEqual({ status: 'not-saved' });
      const found = await call('/api/sidebar/search', { token: fabrikamToken, body: { addresses: [KATRIN] } });
      expect(found.body.results).toEqual([{ address: KATRIN, records: [] }]);

      const saved = await call('/api/sidebar/emails', { token: fabrikamToken, body: request });
      expect(saved.status).toBe(201);
      expect(fabrikamC4c.control.list('EMailCollection').filter((r) => r.GroupwareItemID === request.internetMessageId)).toHaveLength(1);
      expect(emailsWithKey(request.internetMessageId)).toHaveLength(1);
      const after = await env.store.emailSaves.get((await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id, request.internetMessageId);
      expect(after).toEqual(before);
    } finally {
      await fabrikamC4c.close();
    }
  });
});

describe('quick-create and meetings', () => {
  it('quick-creates a contact that the next search finds, and refuses a duplicate', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const address = `new.person.${Date.now()}@prospect.example`;
    const created = await call('/api/sidebar/contacts', { token, body: { firstName: 'Nina', lastName: 'Neumann', email: address } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'contact', name: 'Nina Neumann' });
    const search = await call('/api/sidebar/search', { token, body: { addresses: [address] } });
    expect(search.body.results[0].records[0].objectId).toBe(created.body.objectId);
    const duplicate = await call('/api/sidebar/contacts', { token, body: { firstName: 'Nina', lastName: 'Neumann', email: address } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.fields).toHaveProperty('email');
    const invalid = await call('/api/sidebar/leads', { token, body: { firstName: '', lastName: 'X', email: 'bad' } });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.error.fields).sort()).toEqual(['email', 'firstName']);
  });

  it('creates a meeting exactly once with organizer and attendee parties', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const meeting = {
      groupwareItemId: `040000008200E00074C5B7101A82E008${Date.now()}`,
      subject: 'Pump demo',
      start: '2026-12-01T14:00:00.000Z',
      end: '2026-12-01T15:00:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      location: 'Munich',
      organizer: { address: ANNA.email, name: ANNA.displayName },
      attendees: [{ address: KATRIN, name: 'Katrin Hoffmann', type: 'required' }, { address: 'stranger@unknown.example', type: 'optional' }],
    };
    const results = await Promise.all([call('/api/sidebar/appointments', { token, body: meeting }), call('/api/sidebar/appointments', { token, body: meeting })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    const rows = env.sandbox.c4c.control.list('AppointmentCollection').filter((r) => r.GroupwareItemID === meeting.groupwareItemId) as Array<Record<string, unknown> & { AppointmentInvolvedParties: Array<Record<string, unknown>> }>;
    expect(rows).toHaveLength(1);
    const parties = rows[0].AppointmentInvolvedParties.map((p) => [p.RoleCode, p.PartyEmailURI, p.PartyID || undefined]);
    expect(parties).toEqual(expect.arrayContaining([
      ['35', ANNA.email, ANNA.c4cEmployeeId],
      ['36', KATRIN, expect.any(String)],
      ['36', 'stranger@unknown.example', undefined],
    ]));
    const status = await call(`/api/sidebar/appointments/status?groupwareItemId=${meeting.groupwareItemId}`, { token });
    expect(status.body.status).toBe('created');
  });

  it('keys a meeting by its iCalendar UID read from each mailbox, so organizer and attendee copies create one', async () => {
    const store = env.sandbox.exchange.store;
    const event = env.sandbox.exchange.control.user.createEvent(ANNA.email, {
      subject: 'Roadmap sync',
      start: '2026-12-03T10:00:00Z',
      end: '2026-12-03T11:00:00Z',
      timeZone: 'W. Europe Standard Time',
      isAllDay: false,
      attendees: [{ address: MARCO.email, name: MARCO.displayName, type: 'required', response: 'none' }],
      sensitivity: 'normal',
      categories: [],
    });
    const marcoCopy = store.meetingCopies(event.iCalUid).find((c) => c.mailbox === MARCO.email.toLowerCase());
    expect(marcoCopy).toBeDefined();
    const base = { subject: 'Roadmap sync', start: '2026-12-03T10:00:00.000Z', end: '2026-12-03T11:00:00.000Z', timeZone: 'Europe/Berlin', isAllDay: false, organizer: { address: ANNA.email }, attendees: [{ address: MARCO.email, type: 'required' }], groupwareItemIdSource: 'itemId' };
    const [fromAnna, fromMarco] = await Promise.all([
      call('/api/sidebar/appointments', { token: await env.tokenFor(ANNA.oid), body: { ...base, groupwareItemId: event.id } }),
      call('/api/sidebar/appointments', { token: await env.tokenFor(MARCO.oid), body: { ...base, groupwareItemId: marcoCopy!.event.id } }),
    ]);
    expect([fromAnna.status, fromMarco.status].sort()).toEqual([200, 201]);
    expect(env.sandbox.c4c.control.list('AppointmentCollection').filter((r) => r.GroupwareItemID === event.iCalUid)).toHaveLength(1);
    const status = await call(`/api/sidebar/appointments/status?groupwareItemId=${encodeURIComponent(marcoCopy!.event.id)}&groupwareItemIdSource=itemId`, { token: await env.tokenFor(MARCO.oid) });
    expect(status.body.status).toBe('created');

    // An id the mailbox does not know (e.g. not yet synced to the server) falls back to the item id itself.
    const unknown = await call('/api/sidebar/appointments', { token: await env.tokenFor(ANNA.oid), body: { ...base, subject: 'Offline draft', groupwareItemId: 'AAMkUnknownItem=' } });
    expect(unknown.status).toBe(201);
    expect(env.sandbox.c4c.control.list('AppointmentCollection').filter((r) => r.GroupwareItemID === 'AAMkUnknownItem=')).toHaveLength(1);
  });

  it('creates a meeting whose main contact is a lead, referencing the lead instead of failing', async () => {
    const token = await env.tokenFor(ANNA.oid);
    const lukas = 'lukas.kessler@kessler-automation.example';
    const search = await call('/api/sidebar/search', { token, body: { addresses: [lukas] } });
    expect(search.body.suggestion.mainContactKind).toBe('lead');
    const meeting = {
      groupwareItemId: `lead-meeting-${Date.now()}`,
      subject: 'Pilot kick-off',
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T10:00:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      organizer: { address: ANNA.email, name: ANNA.displayName },
      attendees: [{ address: lukas, name: 'Lukas Kessler', type: 'required' }],
      mainContactObjectId: search.body.suggestion.mainContactObjectId,
      mainContactKind: 'lead',
    };
    const created = await call('/api/sidebar/appointments', { token, body: meeting });
    expect(created.body).toEqual(expect.objectContaining({ objectId: expect.any(String) }));
    expect(created.status).toBe(201);
    const row = env.sandbox.c4c.control.list('AppointmentCollection').find((r) => r.GroupwareItemID === meeting.groupwareItemId) as Record<string, unknown> & { AppointmentBTDReference?: Array<Record<string, unknown>> };
    expect(row.MainContactPartyID ?? '').toBe('');
    expect(row.AppointmentBTDReference).toEqual([expect.objectContaining({ TypeCode: '2', BTDRoleCode: '1' })]);
  });
});
