/**
 * The saving room end to end, on both database back ends: the real ledger, the real OData client (through the
 * relay's per-organization client cache) against the C4C emulator. What the sidebar's Save and the sync engine share:
 * exactly once under concurrency and crashes, who saved it and when, explicit and automatic links, blocklists, the
 * bulk address resolution's round trips, and the domain errors.
 */
import crypto from 'node:crypto';
import { createSecretBox } from '../../relay/secrets';
import { createStore, type Store } from '../../relay/store';
import { c4cPortCache } from '../../relay/c4c/port-cache';
import { createEmailSaving } from '../../relay/saving/email';
import { createAppointmentSaving } from '../../relay/saving/appointment';
import { chooseAttachments } from '../../relay/saving/attachments';
import { C4cNotConfiguredError, LinkedRecordNotFoundError, SaveInProgressError, type EmailSavingRoom, type SaveEmailInput, type Saver } from '../../relay/saving/types';
import type { EmailToSave } from '../../relay/c4c/activities/email';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { DEMO_USERS } from '../emulators/demo-identities';
import { describeEachBackend } from '../helpers/backends';

const [ANNA, MARCO] = DEMO_USERS;
const KATRIN = 'katrin.hoffmann@nordwind-maschinenbau.example';
const LUKAS = 'lukas.kessler@kessler-automation.example';
const box = createSecretBox(crypto.randomBytes(32));

let c4c: C4cEmulator;
beforeAll(async () => {
  c4c = await startC4cEmulator({ seedDemo: true });
});
afterAll(async () => {
  await c4c?.close();
});
afterEach(() => {
  c4c.control.clearFaults();
  c4c.control.setLatency(0);
});

const emailsWithKey = (key: string) => c4c.control.list('EMailCollection').filter((row) => row.GroupwareItemID === key);
const byObjectId = (set: string, objectId: string) => c4c.control.list(set).find((row) => row.ObjectID === objectId);

function anEmail(overrides: Partial<EmailToSave> = {}): EmailToSave {
  return {
    internetMessageId: `<${crypto.randomUUID()}@nordwind-maschinenbau.example>`,
    subject: 'Quote for 40 pumps',
    sentAt: '2026-11-20T09:15:00.000Z',
    from: { address: KATRIN, name: 'Katrin Hoffmann' },
    to: [{ address: ANNA.email, name: ANNA.displayName }],
    cc: [{ address: 'stranger@unknown.example', name: 'Stranger' }],
    bodyHtml: '<p>Please send the quote.</p>',
    attachments: [],
    ...overrides,
  };
}

describeEachBackend('saving room', (backend) => {
  let store: Store;
  let orgId: string;
  let anna: Saver;
  let marco: Saver;
  let saving: EmailSavingRoom;
  const input = (email: EmailToSave, links: SaveEmailInput['links'] = { kind: 'explicit' }): SaveEmailInput => ({ email, links, includeAttachments: false });

  beforeAll(async () => {
    store = createStore(backend.db(), box);
    const org = await store.organizations.create({ name: 'Contoso', slug: `contoso-${crypto.randomBytes(4).toString('hex')}` });
    orgId = org.id;
    await store.c4cConnections.upsert(orgId, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
    const a = await store.users.create(orgId, { displayName: ANNA.displayName, email: ANNA.email });
    const m = await store.users.create(orgId, { displayName: MARCO.displayName, email: MARCO.email });
    anna = { organizationId: orgId, userId: a.id, email: ANNA.email };
    marco = { organizationId: orgId, userId: m.id, email: MARCO.email };
    saving = createEmailSaving({ store, c4cFor: c4cPortCache(store.c4cConnections) });
  });

  it('creates one E-Mail with parties, links and owner, and tells a later saver who saved it and when', async () => {
    const email = anEmail();
    const [match] = await saving.resolveAddresses(orgId, [KATRIN]);
    const katrin = match.records.find((r) => r.kind === 'contact')!;
    const first = await saving.saveEmail(anna, input(email, { kind: 'explicit', mainContactObjectId: katrin.objectId, mainContactKind: 'contact', mainAccountObjectId: katrin.accountObjectId }));
    expect(first).toMatchObject({ existed: false, savedBy: ANNA.displayName, c4cUrl: expect.stringContaining(first.ids.objectId) });
    expect(Date.now() - Date.parse(first.savedAt!)).toBeLessThan(60_000);
    const rows = emailsWithKey(email.internetMessageId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Direction: '2', MainContactPartyID: katrin.id, MainAccountPartyID: katrin.accountId, OwnerPartyID: ANNA.c4cEmployeeId, MessageFromPartyID: katrin.id });

    const later = await saving.saveEmail(marco, input(email));
    expect(later).toEqual({ ...first, existed: true });
    expect(emailsWithKey(email.internetMessageId)).toHaveLength(1);
    expect(await saving.emailStatus(orgId, email.internetMessageId)).toMatchObject({ state: 'done', ids: first.ids, savedBy: ANNA.displayName, savedAt: first.savedAt });
  });

  it('an explicit save costs two C4C requests: one $batch (the people and the key) and the create', async () => {
    const email = anEmail();
    await saving.resolveAddresses(orgId, [KATRIN]); // the session's CSRF token and cookie exist from here on
    c4c.control.resetCounters();
    const saved = await saving.saveEmail(anna, input(email));
    expect(saved.existed).toBe(false);
    expect(c4c.control.counters()).toMatchObject({ total: 2, 'POST $batch': 1, 'POST EMailCollection': 1 });
    // Saved before outside this relay's ledger (another deployment): found by that same $batch, nothing created.
    const elsewhere = anEmail();
    const [seeded] = c4c.control.seed('EMailCollection', [{ Subject: elsewhere.subject, GroupwareItemID: elsewhere.internetMessageId }]);
    c4c.control.resetCounters();
    const again = await saving.saveEmail(marco, input(elsewhere));
    expect(again).toMatchObject({ existed: true, ids: { objectId: seeded.ObjectID } });
    expect(c4c.control.counters()).toMatchObject({ total: 1, 'POST $batch': 1 });
    expect(emailsWithKey(elsewhere.internetMessageId)).toHaveLength(1);
  });

  it('two users saving at the same moment: one record, and the one who lost the race learns who won and when', async () => {
    const email = anEmail();
    c4c.control.setLatency(150);
    const [fromAnna, fromMarco] = await Promise.all([saving.saveEmail(anna, input(email)), saving.saveEmail(marco, input(email))]);
    expect(emailsWithKey(email.internetMessageId)).toHaveLength(1);
    expect([fromAnna.existed, fromMarco.existed].sort()).toEqual([false, true]);
    const [winner, loser] = fromAnna.existed ? [fromMarco, fromAnna] : [fromAnna, fromMarco];
    expect(loser.ids).toEqual(winner.ids);
    expect(loser.savedBy).toBe(fromAnna.existed ? MARCO.displayName : ANNA.displayName);
    expect(loser.savedAt).toBe(winner.savedAt);
  });

  it('auto links from matches resolved in bulk, with no further search or read per email', async () => {
    const emails = [anEmail(), anEmail({ from: { address: LUKAS }, to: [{ address: ANNA.email }], cc: [] })];
    const matches = await saving.resolveAddresses(orgId, [...new Set(emails.flatMap((e) => [e.from, ...e.to, ...e.cc].map((p) => p.address)))]);
    c4c.control.resetCounters();
    const saved = [];
    for (const email of emails) saved.push(await saving.saveEmail(anna, input(email, { kind: 'auto', matches })));
    const counters = c4c.control.counters();
    // Per email: the look-up by GroupwareItemID (an earlier attempt may have created it) and the create; no $batch.
    expect(counters['POST EMailCollection']).toBe(2);
    expect(counters['POST $batch'] ?? 0).toBe(0);
    expect(counters.total).toBe(4);

    const katrin = matches.find((m) => m.address === KATRIN)!.records[0];
    expect(byObjectId('EMailCollection', saved[0].ids.objectId)).toMatchObject({ MainContactPartyID: katrin.id, MainAccountPartyID: katrin.accountId, OwnerPartyID: ANNA.c4cEmployeeId });
    // A lead as the suggested main contact is referenced, not the main contact.
    const lukas = matches.find((m) => m.address === LUKAS)!.records.find((r) => r.kind === 'lead')!;
    const second = byObjectId('EMailCollection', saved[1].ids.objectId) as Record<string, unknown> & { EMailBTDReference?: Array<Record<string, unknown>> };
    expect(second.MainContactPartyID ?? '').toBe('');
    expect(second.EMailBTDReference).toEqual([expect.objectContaining({ ID: lukas.id, TypeCode: '2' })]);
  });

  it('a blocked address is neither suggested nor linked', async () => {
    const email = anEmail();
    const matches = await saving.resolveAddresses(orgId, [KATRIN, ANNA.email]);
    const saved = await saving.saveEmail(anna, input(email, { kind: 'auto', matches, blocked: (address) => address.endsWith('@nordwind-maschinenbau.example') }));
    const row = byObjectId('EMailCollection', saved.ids.objectId)!;
    expect(row.MainContactPartyID ?? '').toBe('');
    expect(row.MainAccountPartyID ?? '').toBe('');
    expect(row.MessageFromPartyID ?? '').toBe('');
    expect(row.OwnerPartyID).toBe(ANNA.c4cEmployeeId);
  });

  it('saves the attachments the sidebar rules choose, and judges direction by the saver’s aliases too', async () => {
    const chosen = chooseAttachments([
      { id: '1', name: 'spec.txt', contentType: 'text/plain', size: 4, isInline: false, contentBase64: Buffer.from('spec').toString('base64') },
      { id: '2', name: 'logo.png', contentType: 'image/png', size: 4, isInline: true, contentBase64: Buffer.from('logo').toString('base64') },
    ]);
    const email = anEmail({ from: { address: 'sales@contoso.example' }, to: [{ address: KATRIN }], cc: [], attachments: chosen.attachments });
    const saved = await saving.saveEmail({ ...anna, ownAddresses: ['Sales@Contoso.example'] }, { email, links: { kind: 'explicit' }, includeAttachments: true });
    const row = byObjectId('EMailCollection', saved.ids.objectId) as Record<string, unknown> & { EMailAttachments: Array<Record<string, unknown>> };
    expect(row.Direction).toBe('3');
    expect(row.EMailAttachments).toEqual([expect.objectContaining({ Name: 'spec.txt' })]);
  });

  it('resolves 250 addresses in ceil(250/100) C4C requests, deduplicated and without invalid ones', async () => {
    await saving.resolveAddresses(orgId, [KATRIN]); // the session's CSRF token and cookie exist from here on
    const addresses = Array.from({ length: 250 }, (_, i) => `person.${i}@bulk-${i % 7}.example`);
    const input = [...addresses, ...addresses.slice(0, 30).map((a) => a.toUpperCase()), 'not an address', KATRIN.replace('@', '')];
    c4c.control.resetCounters();
    const matches = await saving.resolveAddresses(orgId, input);
    expect(matches.map((m) => m.address)).toEqual(addresses);
    expect(c4c.control.counters()).toMatchObject({ total: Math.ceil(250 / 100), 'POST $batch': 3 });
  });

  it('waits for a claim someone else holds, and answers SaveInProgressError when it does not settle', async () => {
    const impatient = createEmailSaving({ store, c4cFor: c4cPortCache(store.c4cConnections), waitForClaimMs: 400 });
    const email = anEmail();
    await store.emailSaves.claim(orgId, email.internetMessageId, marco.userId, 60_000);
    await expect(impatient.saveEmail(anna, input(email))).rejects.toBeInstanceOf(SaveInProgressError);
    expect(await impatient.emailStatus(orgId, email.internetMessageId)).toEqual({ state: 'pending' });
    expect(emailsWithKey(email.internetMessageId)).toHaveLength(0);
  });

  it('after a crash between the C4C create and the ledger commit, the next attempt finds the record', async () => {
    const email = anEmail();
    // The crashed relay had claimed the email and created the E-Mail in C4C; its claim's lease has run out since.
    await store.emailSaves.claim(orgId, email.internetMessageId, null, 60_000);
    await backend.db().query(`UPDATE email_saves SET claimed_at = now() - interval '1 hour' WHERE internet_message_id = $1`, [email.internetMessageId]);
    const [existing] = c4c.control.seed('EMailCollection', [{ Subject: email.subject, GroupwareItemID: email.internetMessageId }]);
    // Even when the caller's bulk look-up (made before the crashed claim's create) says "absent": a re-claim looks.
    const saved = await saving.saveEmail(anna, { ...input(email), absentInC4c: true });
    expect(saved).toMatchObject({ existed: true, ids: { objectId: existing.ObjectID } });
    expect(emailsWithKey(email.internetMessageId)).toHaveLength(1);
  });

  it('findSaved tells in one request which of many Message-IDs C4C has; a first claim known absent creates without a look-up', async () => {
    const present = [anEmail(), anEmail()];
    c4c.control.seed('EMailCollection', present.map((e) => ({ Subject: e.subject, GroupwareItemID: e.internetMessageId })));
    const absent = Array.from({ length: 20 }, () => anEmail());
    c4c.control.resetCounters();
    const found = await saving.findSaved(orgId, [...absent, ...present].map((e) => e.internetMessageId));
    expect([...found].sort()).toEqual(present.map((e) => e.internetMessageId).sort());
    expect(c4c.control.counters()['GET EMailCollection']).toBe(1);
    c4c.control.resetCounters();
    await saving.saveEmail(anna, { ...input(absent[0]), absentInC4c: true });
    expect(c4c.control.counters()['GET EMailCollection'] ?? 0).toBe(0);
    expect(emailsWithKey(absent[0].internetMessageId)).toHaveLength(1);
  });

  it('a chosen record that no longer exists fails with LinkedRecordNotFoundError, creates nothing, and a retry works', async () => {
    const email = anEmail();
    const gone = saving.saveEmail(anna, input(email, { kind: 'explicit', mainAccountObjectId: '00000000000000000000000000DEAD00' }));
    await expect(gone).rejects.toBeInstanceOf(LinkedRecordNotFoundError);
    await expect(gone).rejects.toMatchObject({ recordKind: 'account', field: 'mainAccountObjectId' });
    expect(emailsWithKey(email.internetMessageId)).toHaveLength(0);
    expect((await saving.saveEmail(anna, input(email))).existed).toBe(false);
  });

  it('an organization without a C4C connection gets C4cNotConfiguredError', async () => {
    const other = await store.organizations.create({ name: 'Fabrikam', slug: `fabrikam-${crypto.randomBytes(4).toString('hex')}` });
    const user = await store.users.create(other.id, { displayName: 'Fay', email: 'fay@fabrikam.example' });
    await expect(saving.saveEmail({ organizationId: other.id, userId: user.id, email: 'fay@fabrikam.example' }, input(anEmail()))).rejects.toBeInstanceOf(C4cNotConfiguredError);
    await expect(saving.resolveAddresses(other.id, [KATRIN])).rejects.toBeInstanceOf(C4cNotConfiguredError);
  });

  it('creates a meeting exactly once for two savers at once, and names who created it', async () => {
    const appointments = createAppointmentSaving({ store, c4cFor: c4cPortCache(store.c4cConnections) });
    const [match] = await saving.resolveAddresses(orgId, [LUKAS]);
    const lead = match.records.find((r) => r.kind === 'lead')!;
    const meeting = {
      groupwareItemId: `040000008200E00074C5B7101A82E008${crypto.randomBytes(8).toString('hex')}`,
      subject: 'Pilot kick-off',
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T10:00:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
      organizer: { address: ANNA.email, name: ANNA.displayName },
      attendees: [{ address: LUKAS, type: 'required' as const }, { address: MARCO.email, type: 'required' as const }],
    };
    c4c.control.setLatency(150);
    const both = await Promise.all([
      appointments.createAppointment(anna, { meeting, mainContactObjectId: lead.objectId, mainContactKind: 'lead' }),
      appointments.createAppointment(marco, { meeting, mainContactObjectId: lead.objectId, mainContactKind: 'lead' }),
    ]);
    const rows = c4c.control.list('AppointmentCollection').filter((r) => r.GroupwareItemID === meeting.groupwareItemId) as Array<Record<string, unknown> & { AppointmentBTDReference?: Array<Record<string, unknown>> }>;
    expect(rows).toHaveLength(1);
    expect(rows[0].AppointmentBTDReference).toEqual([expect.objectContaining({ TypeCode: '2' })]);
    const winner = both.find((o) => !o.existed)!;
    const loser = both.find((o) => o.existed)!;
    expect(loser).toMatchObject({ ids: winner.ids, savedBy: winner.savedBy, savedAt: winner.savedAt });
    expect(await appointments.appointmentStatus(orgId, meeting.groupwareItemId)).toMatchObject({ state: 'done', ids: winner.ids, savedBy: winner.savedBy });
  });
});
