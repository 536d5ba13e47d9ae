/**
 * The first session and email saving (E2, E3, E7, E9) through the real clients: EWS impersonation and Graph
 * application access against the Exchange emulator (whose control plays the user in Outlook), the real saving room
 * and OData client against the C4C emulator, the store on PGlite. Each test works in a mailbox of its own. The
 * sessions are driven step by step by a small context (email-session-helpers.ts); the last test runs the same steps
 * through the real session runner.
 */
import crypto from 'node:crypto';
import type { Db } from '../../relay/store';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { openGraphMailbox } from '../../relay/mailbox/graph';
import { PRODUCT_FOLDERS, type Mailbox } from '../../relay/mailbox/types';
import { ORGANIZATION_SYNC_DEFAULTS, SYNC_CATEGORIES } from '../../shared/api/sync';
import { createMailboxFactory } from '../../relay/mailbox';
import { createSyncSettingsRepository } from '../../relay/store/sync-settings';
import { createSessionRunner } from '../../relay/sync/runner';
import type { C4cEmulator } from '../emulators/c4c';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import type { GraphTestbed } from '../emulators/exchange/graph/testbed';
import { classifyFailure } from '../../relay/sync/classify';
import { useSyncTestbed, addSyncUser, createSyncWorld, defaultSteps, runSession, type SyncUser, type SyncWorld } from './email-session-helpers';
import { silentLogger } from './helpers';

const TRIGGER = SYNC_CATEGORIES.trigger.displayName;
const SAVED = SYNC_CATEGORIES.saved.displayName;
const ERROR = SYNC_CATEGORIES.error.displayName;
const KATRIN = { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' };
const LUKAS = { address: 'lukas.kessler@kessler-automation.example', name: 'Lukas Kessler' };
const DAY = 24 * 3600 * 1000;

const testbed = useSyncTestbed();
let c4c: C4cEmulator;
let bed: GraphTestbed;
let db: Db;
let world: SyncWorld;
const opened = testbed.opened;
beforeAll(() => {
  ({ c4c, bed, db, world } = testbed);
});
afterEach(() => {
  c4c.control.clearFaults();
  bed.exchange.control.clearFaults();
});

const modes = ['ews-impersonation', 'graph-app'] as const;
type Mode = (typeof modes)[number];

function openMailbox(mode: Mode, address: string): Mailbox {
  const mailbox =
    mode === 'ews-impersonation'
      ? createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password })
      : openGraphMailbox(address, bed.appAccess(), bed.options());
  opened.push(mailbox);
  return mailbox;
}

/** A fresh mailbox (and user) of the organization's domain. */
async function newUser(mode: Mode, prepare?: (address: string) => void): Promise<SyncUser> {
  const address = `u${crypto.randomBytes(4).toString('hex')}@contoso.example`;
  bed.addMailbox(address, `User ${address.slice(1, 5)}`);
  bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
  prepare?.(address);
  return addSyncUser(world, address, openMailbox(mode, address));
}

const user = () => bed.exchange.control.user;
const emailsOf = (internetMessageId: string) => c4c.control.list('EMailCollection').filter((row) => row.GroupwareItemID === internetMessageId);
const categoriesOf = (u: SyncUser, itemId: string) => bed.exchange.store.item(u.address, itemId).categories;
function deliver(u: SyncUser, input: Partial<Parameters<ReturnType<typeof user>['deliverMessage']>[1]> = {}, folder = 'inbox') {
  return user().deliverMessage(u.address, { from: KATRIN, subject: `Mail ${crypto.randomBytes(3).toString('hex')}`, to: [{ address: u.address }], ...input }, folder);
}
const searchBatches = () => Object.entries(c4c.control.counters()).filter(([k]) => k.startsWith('POST $batch')).reduce((sum, [, v]) => sum + v, 0);

describe.each(modes)('first session (%s)', (mode) => {
  test('creates the product folders and categories once; a second session changes nothing', async () => {
    const u = await newUser(mode);
    const first = await runSession(world, u);
    const folders = bed.exchange.store.listFolders(u.address);
    for (const f of Object.values(PRODUCT_FOLDERS)) expect(folders.filter((x) => x.displayName === f.name && x.kind === f.kind)).toHaveLength(1);
    const categories = bed.exchange.store.listCategories(u.address);
    for (const c of Object.values(SYNC_CATEGORIES)) expect(categories.filter((x) => x.displayName === c.displayName)).toEqual([expect.objectContaining({ color: c.color })]);
    expect(first.counts).toMatchObject({ foldersCreated: 4, categoriesCreated: 3 });
    const row = await world.mailboxes.get(world.organizationId, u.userId);
    expect(row?.setup).toMatchObject({ categories: true, baseline: true, folders: { save: expect.any(String) } });
    const cursors = await world.mailboxes.listCursors(world.organizationId, u.userId);
    expect(cursors.map((c) => [c.folderKey, c.baselineDone]).sort()).toEqual([['inbox', true], ['save', true], ['sentitems', true]]);

    const again = await runSession(world, u);
    expect(again.counts.foldersCreated ?? 0).toBe(0);
    expect(bed.exchange.store.listFolders(u.address)).toHaveLength(folders.length);
    expect(bed.exchange.store.listCategories(u.address)).toHaveLength(categories.length);
  });

  test('reuses folders and categories the user made by hand (and keeps the user’s colour)', async () => {
    let handMade = '';
    const u = await newUser(mode, (address) => {
      handMade = user().createFolder(address, PRODUCT_FOLDERS.contacts.name, { parent: 'contacts', kind: 'contacts' }).id;
      bed.exchange.store.addCategory(address, { displayName: TRIGGER, color: 'preset12' });
    });
    const report = await runSession(world, u);
    expect(bed.exchange.store.listFolders(u.address).filter((f) => f.displayName === PRODUCT_FOLDERS.contacts.name).map((f) => f.id)).toEqual([handMade]);
    expect(bed.exchange.store.listCategories(u.address).find((c) => c.displayName === TRIGGER)?.color).toBe('preset12');
    expect(report.counts).toMatchObject({ foldersCreated: 3, categoriesCreated: 2 });
  });

  test('an interrupted baseline resumes from its last page instead of starting over', async () => {
    const u = await newUser(mode, (address) => {
      for (let i = 0; i < 30; i++) user().deliverMessage(address, { from: KATRIN, subject: `old ${i}`, receivedAt: new Date(Date.now() - 100 * DAY).toISOString() });
    });
    let calls = 0;
    const stopAfterFolders = () => ++calls > 3;
    await runSession(world, u, { stopAfter: stopAfterFolders });
    const partial = await world.mailboxes.get(world.organizationId, u.userId);
    expect(partial?.setup).toMatchObject({ folders: expect.any(Object), categories: true });
    expect(partial?.setup.baseline).toBeUndefined();
    await runSession(world, u);
    const done = await world.mailboxes.get(world.organizationId, u.userId);
    expect(done?.setup).toMatchObject({ baseline: true });
    // Old mail is never auto-saved and never saved without a trigger.
    expect(c4c.control.list('EMailCollection').filter((r) => String(r.Subject).startsWith('old '))).toHaveLength(0);
  });
});

describe.each(modes)('email saving (%s)', (mode) => {
  test('categorized mail of the window before activation is saved in the first session; older mail is not', async () => {
    const recent = { id: '', mid: '' };
    const old = { id: '', mid: '' };
    const u = await newUser(mode, (address) => {
      const r = user().deliverMessage(address, { from: KATRIN, subject: 'Recent, categorized', receivedAt: new Date(Date.now() - 10 * DAY).toISOString(), categories: [TRIGGER] });
      const o = user().deliverMessage(address, { from: KATRIN, subject: 'Old, categorized', receivedAt: new Date(Date.now() - 45 * DAY).toISOString(), categories: [TRIGGER] });
      user().deliverMessage(address, { from: KATRIN, subject: 'Recent, not categorized', receivedAt: new Date(Date.now() - 2 * DAY).toISOString() });
      Object.assign(recent, { id: r.id, mid: r.internetMessageId });
      Object.assign(old, { id: o.id, mid: o.internetMessageId });
    });
    const report = await runSession(world, u);
    expect(emailsOf(recent.mid)).toHaveLength(1);
    expect(emailsOf(old.mid)).toHaveLength(0);
    expect(categoriesOf(u, recent.id)).toEqual([TRIGGER, SAVED]);
    expect(report.counts).toMatchObject({ saved: 1 });
    // Found by no search (the window ends before it): never even read.
    expect(await world.items.get(world.organizationId, u.userId, old.mid)).toBeUndefined();
  });

  test('the category, the save folder and a sent draft with the category each save exactly once; removing the category deletes nothing', async () => {
    const u = await newUser(mode);
    await runSession(world, u);
    const categorized = deliver(u, { subject: 'Pump quote' });
    const moved = deliver(u, { subject: 'Moved to the folder', from: LUKAS });
    const sent = deliver(u, { subject: 'Our offer', from: { address: u.address }, to: [KATRIN], categories: [TRIGGER] }, 'sentitems');
    const ignored = deliver(u, { subject: 'Nothing to do' });
    user().categorize(u.address, categorized.id, ['Red category', TRIGGER]);
    const row = await world.mailboxes.get(world.organizationId, u.userId);
    user().move(u.address, moved.id, String((row?.setup.folders as Record<string, string>).save));

    const report = await runSession(world, u);
    expect(report.errors).toEqual([]);
    expect(report.counts).toMatchObject({ saved: 3 });
    for (const m of [categorized, moved, sent]) expect(emailsOf(m.internetMessageId)).toHaveLength(1);
    expect(emailsOf(ignored.internetMessageId)).toHaveLength(0);
    expect(emailsOf(sent.internetMessageId)[0]).toMatchObject({ Direction: '3', Subject: 'Our offer' });
    expect(emailsOf(categorized.internetMessageId)[0]).toMatchObject({ Direction: '2', MessageFromEmailURI: KATRIN.address });
    expect(categoriesOf(u, categorized.id)).toEqual(['Red category', TRIGGER, SAVED]);
    expect(categoriesOf(u, moved.id)).toEqual([SAVED]);

    // The engine's own category writes come back through the feed: nothing is read or saved again.
    const idle = await runSession(world, u);
    expect(idle.counts.saved ?? 0).toBe(0);
    expect(idle.counts.examined ?? 0).toBe(0);

    user().categorize(u.address, categorized.id, ['Red category']);
    const after = await runSession(world, u);
    expect(after.counts.saved ?? 0).toBe(0);
    expect(emailsOf(categorized.internetMessageId)).toHaveLength(1);
  });

  test('swap: the trigger category gives way to "saved" when the organization says so', async () => {
    const u = await newUser(mode);
    u.organizationSettings.triggerCategoryAfterSave = 'swap';
    await runSession(world, u);
    const m = deliver(u, { categories: [TRIGGER, 'Blue'] });
    await runSession(world, u);
    expect(categoriesOf(u, m.id)).toEqual(['Blue', SAVED]);
    expect(emailsOf(m.internetMessageId)).toHaveLength(1);
  });

  test('auto-save incoming and outgoing: only mail after activation, linked to what the search finds, every address of the session in one search', async () => {
    const u = await newUser(mode, (address) => {
      user().deliverMessage(address, { from: KATRIN, subject: 'Before activation', receivedAt: new Date(Date.now() - DAY).toISOString() });
    });
    u.userSettings.autoSaveIncoming = true;
    u.userSettings.autoSaveOutgoing = true;
    await runSession(world, u);
    expect(c4c.control.list('EMailCollection').filter((r) => r.Subject === 'Before activation' && String(r.GroupwareItemID).includes('nordwind'))).toHaveLength(0);

    const incoming = [deliver(u, { subject: 'Auto in 1' }), deliver(u, { subject: 'Auto in 2', from: LUKAS, cc: [KATRIN] }), deliver(u, { subject: 'Auto in 3', from: { address: 'stranger@unknown.example' } })];
    const outgoing = deliver(u, { subject: 'Auto out', from: { address: u.address }, to: [LUKAS] }, 'sentitems');
    c4c.control.resetCounters();
    const report = await runSession(world, u);
    expect(report.counts).toMatchObject({ saved: 4 });
    // E7: one bulk search for the whole batch, not one per email.
    expect(searchBatches()).toBe(1);
    // One create per email, plus one GroupwareItemID look-up per batch (here: the inbox's and the sent items').
    const requests = c4c.control.counters();
    expect(requests['POST EMailCollection']).toBe(4);
    expect(requests['GET EMailCollection']).toBe(2);
    for (const m of [...incoming, outgoing]) expect(emailsOf(m.internetMessageId)).toHaveLength(1);
    const [match] = await world.saving.resolveAddresses(world.organizationId, [KATRIN.address]);
    const katrin = match.records.find((r) => r.kind === 'contact')!;
    expect(emailsOf(incoming[0].internetMessageId)[0]).toMatchObject({ MainContactPartyID: katrin.id, MainAccountPartyID: katrin.accountId });
    expect(emailsOf(outgoing.internetMessageId)[0]).toMatchObject({ Direction: '3' });
    expect(categoriesOf(u, incoming[2].id)).toEqual([SAVED]);
  });

  test('blocklists and internal mail: auto-save skips them; an explicit trigger saves but never links the blocked address', async () => {
    const u = await newUser(mode);
    u.userSettings.autoSaveIncoming = true;
    u.blocklists = { organization: ['nordwind-maschinenbau.example'], user: ['lukas.kessler@kessler-automation.example'] };
    await runSession(world, u);
    const blockedDomain = deliver(u, { subject: 'From a blocked domain' });
    const blockedCc = deliver(u, { subject: 'Blocked in cc', from: { address: 'someone@fabrikam.example' }, cc: [LUKAS] });
    const internal = deliver(u, { subject: 'Internal', from: { address: 'marco.rossi@contoso.example' }, cc: [{ address: 'it@eu.contoso.example' }] });
    const explicit = deliver(u, { subject: 'Blocked but categorized', categories: [TRIGGER] });
    const report = await runSession(world, u);
    expect(report.counts).toMatchObject({ saved: 1, blocked: 2, skipped: 1 });
    for (const m of [blockedDomain, blockedCc, internal]) expect(emailsOf(m.internetMessageId)).toHaveLength(0);
    const [row] = emailsOf(explicit.internetMessageId);
    expect(row).toBeDefined();
    expect(row.MainContactPartyID ?? '').toBe('');
    expect(row.MainAccountPartyID ?? '').toBe('');
    expect(row.MessageFromPartyID ?? '').toBe('');
    expect(await world.items.get(world.organizationId, u.userId, internal.internetMessageId)).toMatchObject({ status: 'skipped', lastError: 'internal' });

    u.organizationSettings.autoSaveInternal = true;
    const internal2 = deliver(u, { subject: 'Internal, allowed', from: { address: 'marco.rossi@contoso.example' } });
    await runSession(world, u);
    expect(emailsOf(internal2.internetMessageId)).toHaveLength(1);
  });

  test('threads: a new message of a conversation saved in the organization is saved when autoSaveThreads', async () => {
    const u = await newUser(mode);
    u.userSettings.autoSaveThreads = true;
    await runSession(world, u);
    const conversationId = `AAQkA${crypto.randomBytes(16).toString('hex')}`;
    const first = deliver(u, { subject: 'Thread start', conversationId, categories: [TRIGGER] });
    await runSession(world, u);
    expect(emailsOf(first.internetMessageId)).toHaveLength(1);
    const reply = deliver(u, { subject: 'RE: Thread start', conversationId });
    const other = deliver(u, { subject: 'Unrelated' });
    await runSession(world, u);
    expect(emailsOf(reply.internetMessageId)).toHaveLength(1);
    expect(emailsOf(other.internetMessageId)).toHaveLength(0);
  });

  test('a failing save gets the error category and is retried in later sessions up to maxItemAttempts; a success clears the error', async () => {
    const u = await newUser(mode);
    u.organizationSettings.maxItemAttempts = 3;
    await runSession(world, u);
    const a = deliver(u, { subject: 'Fails twice', categories: [TRIGGER] });
    // C4C rejects this email (a 400 is about the email, not an outage: it spends one of the bounded attempts).
    c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 400, message: 'Mandatory field missing', times: 10_000 });
    const s1 = await runSession(world, u);
    expect(s1.counts).toMatchObject({ failed: 1 });
    expect(s1.errors[0]).toMatchObject({ subject: 'Fails twice' });
    expect(categoriesOf(u, a.id)).toEqual([TRIGGER, ERROR]);
    expect(await world.items.get(world.organizationId, u.userId, a.internetMessageId)).toMatchObject({ status: 'failed', attempts: 1, firstFailedAt: expect.any(Date), lastError: expect.any(String) });
    await runSession(world, u);
    expect(await world.items.get(world.organizationId, u.userId, a.internetMessageId)).toMatchObject({ status: 'failed', attempts: 2 });
    c4c.control.clearFaults();
    const s3 = await runSession(world, u);
    expect(s3.counts).toMatchObject({ saved: 1 });
    expect(emailsOf(a.internetMessageId)).toHaveLength(1);
    expect(categoriesOf(u, a.id)).toEqual([TRIGGER, SAVED]);
    expect(await world.items.get(world.organizationId, u.userId, a.internetMessageId)).toMatchObject({ status: 'saved', lastError: null });

    // Bounded: an email C4C keeps rejecting is tried maxItemAttempts times, then left with its error category.
    const b = deliver(u, { subject: 'Fails for good', categories: [TRIGGER] });
    c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 400, message: 'Mandatory field missing', times: 10_000 });
    for (let i = 0; i < 5; i++) await runSession(world, u);
    expect(await world.items.get(world.organizationId, u.userId, b.internetMessageId)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(categoriesOf(u, b.id)).toEqual([TRIGGER, ERROR]);
    expect(emailsOf(b.internetMessageId)).toHaveLength(0);
  });

  test('a C4C outage over several sessions spends no attempts: the sessions fail as transient, then every email is saved once', async () => {
    const u = await newUser(mode);
    u.organizationSettings.maxItemAttempts = 2;
    await runSession(world, u);
    const delivered = [1, 2, 3].map((n) => deliver(u, { subject: `During the outage ${n}`, categories: [TRIGGER] }));
    c4c.control.addFault({ method: 'POST', kind: 'status', status: 503, times: 10_000 });
    for (let i = 0; i < 4; i++) {
      const failure = await runSession(world, u).then(() => undefined, (error: unknown) => error);
      expect(classifyFailure(failure)).toMatchObject({ class: 'c4c-unreachable', transient: true });
    }
    for (const m of delivered) {
      expect(emailsOf(m.internetMessageId)).toHaveLength(0);
      expect((await world.items.get(world.organizationId, u.userId, m.internetMessageId))?.status).not.toBe('failed');
    }
    c4c.control.clearFaults();
    const after = await runSession(world, u);
    expect(after.counts).toMatchObject({ saved: 3 });
    for (const m of delivered) {
      expect(emailsOf(m.internetMessageId)).toHaveLength(1);
      expect(categoriesOf(u, m.id)).toEqual([TRIGGER, SAVED]);
    }
    expect((await runSession(world, u)).counts.saved ?? 0).toBe(0);
  });

  test('a rejected cursor re-baselines: what was saved is not saved again, what was categorized meanwhile is found', async () => {
    const u = await newUser(mode);
    await runSession(world, u);
    const saved = deliver(u, { subject: 'Saved before', categories: [TRIGGER] });
    await runSession(world, u);
    const missed = deliver(u, { subject: 'Categorized while the cursor broke', categories: [TRIGGER] });
    bed.exchange.control.invalidateCursors(u.address);
    const report = await runSession(world, u);
    expect(report.counts).toMatchObject({ saved: 1 });
    expect(emailsOf(saved.internetMessageId)).toHaveLength(1);
    expect(emailsOf(missed.internetMessageId)).toHaveLength(1);
    const idle = await runSession(world, u);
    expect(idle.counts.saved ?? 0).toBe(0);
  });

  test('a session stopped mid-page commits no cursor past unsaved mail; the next one saves the rest, none twice', async () => {
    const u = await newUser(mode);
    await runSession(world, u);
    const mails = Array.from({ length: 6 }, (_, i) => deliver(u, { subject: `Batch ${i}`, categories: [TRIGGER] }));
    let saves = 0;
    const before = c4c.control.list('EMailCollection').length;
    await runSession(world, u, { stopAfter: () => c4c.control.list('EMailCollection').length - before >= 3 && ++saves > 0 });
    const partial = mails.filter((m) => emailsOf(m.internetMessageId).length === 1).length;
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThan(6);
    await runSession(world, u);
    for (const m of mails) expect(emailsOf(m.internetMessageId)).toHaveLength(1);
  });
});

describe('through the session runner (EWS impersonation)', () => {
  test('the runner composes setup and email: the first session sets up and saves the window’s categorized mail, the next saves new mail, runs record the counts', async () => {
    const w = await createSyncWorld(db, c4c.serviceRoot);
    await w.store.mailboxAccess.set(w.organizationId, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    const address = `r${crypto.randomBytes(4).toString('hex')}@contoso.example`;
    bed.addMailbox(address, 'Runner User');
    bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
    const early = user().deliverMessage(address, { from: KATRIN, subject: 'Categorized last week', receivedAt: new Date(Date.now() - 7 * DAY).toISOString(), categories: [TRIGGER] });
    const u = await addSyncUser(w, address, openMailbox('ews-impersonation', address));
    const settings = createSyncSettingsRepository(db);
    await settings.updateUserSettings(w.organizationId, u.userId, { autoSaveIncoming: true });
    await settings.replaceBlocklist(w.organizationId, u.userId, ['kessler-automation.example']);
    const run = createSessionRunner({
      mailboxes: w.mailboxes,
      users: w.store.users,
      mailboxAccess: w.store.mailboxAccess,
      settings,
      organizationSettings: async () => ({ ...ORGANIZATION_SYNC_DEFAULTS, suspendAfter: { ...ORGANIZATION_SYNC_DEFAULTS.suspendAfter } }),
      factory: createMailboxFactory(),
      steps: () => defaultSteps(w),
      logger: silentLogger,
      stopping: () => false,
    });
    const first = await run({ organizationId: w.organizationId, userId: u.userId, trigger: 'manual' });
    expect(first).toMatchObject({ ran: true, outcome: 'succeeded' });
    expect(emailsOf(early.internetMessageId)).toHaveLength(1);
    const state = await w.mailboxes.get(w.organizationId, u.userId);
    expect(state).toMatchObject({ setupDoneAt: expect.any(Date), baselineAt: expect.any(Date), setup: expect.objectContaining({ baseline: true, windowScan: { done: true } }) });

    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second after the baseline
    const incoming = user().deliverMessage(address, { from: KATRIN, subject: 'Auto-saved through the runner' });
    const blocked = user().deliverMessage(address, { from: LUKAS, subject: 'From a blocked domain' });
    const second = await run({ organizationId: w.organizationId, userId: u.userId, trigger: 'manual' });
    expect(second).toMatchObject({ ran: true, outcome: 'succeeded' });
    expect(emailsOf(incoming.internetMessageId)).toHaveLength(1);
    expect(emailsOf(blocked.internetMessageId)).toHaveLength(0);
    const runs = await w.mailboxes.listRuns(w.organizationId, u.userId);
    expect(runs[0].counts).toMatchObject({ saved: 1, blocked: 1 });
    expect(runs[1].counts).toMatchObject({ saved: 1, foldersCreated: 4, categoriesCreated: 3 });
  });
});
