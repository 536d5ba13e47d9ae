/**
 * `npm run bench -- mirror`: contact mirroring (E6) on the product's code paths — the setup and mirror steps over a
 * real EWS mailbox client (impersonation) against the Exchange emulator and the OData client against the C4C emulator,
 * the link table on PGlite, 20 ms injected latency on both emulators.
 *
 *   1. first mirroring of 10,000 C4C contacts into *SAP Contacts* (time, requests each side, peak RSS of this process,
 *      which also runs both emulators and the database); goal ≤ 60 s and ≤ 256 MB;
 *   2. an incremental session after 10 changes (5 in C4C, 5 in the mailbox): requests each side;
 *   3. the naive full-compare baseline for the same 10 changes: list every C4C contact, enumerate the folder and read
 *      every mailbox contact, compare — what an integration without change feeds and a link table does each session.
 * Request counts come from the emulators' counters.
 */
import crypto from 'node:crypto';
import { C4cClient } from '../relay/c4c/client';
import { createEwsMailbox } from '../relay/mailbox/ews';
import type { Mailbox } from '../relay/mailbox/types';
import { createSecretBox } from '../relay/secrets';
import { createStore, migrate, openDb } from '../relay/store';
import { createMailboxSyncRepository } from '../relay/store/mailboxes';
import { createMeetingOwnerRepository, createMirrorKindStatusRepository, createMirrorLinkRepository } from '../relay/store/mirror-links';
import { contactsAdapterFactory } from '../relay/sync/mirror/adapters/contacts';
import { createMirrorStep } from '../relay/sync/mirror/step';
import { createSetupStep } from '../relay/sync/setup';
import type { SessionContext, SessionStep } from '../relay/sync/types';
import { MIRROR_DEFAULTS } from '../shared/api/mirror';
import { ORGANIZATION_SYNC_DEFAULTS, USER_SYNC_SETTINGS_DEFAULTS, type RunCounts } from '../shared/api/sync';
import { startC4cEmulator } from '../test/emulators/c4c';
import { startExchangeEmulator } from '../test/emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../test/emulators/demo-identities';

const CONTACTS = Number(process.env.BENCH_MIRROR_CONTACTS ?? 10_000);
const LATENCY_MS = 20;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function benchMirror(): Promise<string[]> {
  const out: string[] = [];
  const exchange = await startExchangeEmulator({ seedDemo: false, mountGraph: false });
  const c4c = await startC4cEmulator({ users: [{ username: 'sandbox', password: 'sandbox' }], seedDemo: false });
  const db = await openDb({ dataDir: 'memory://' });
  const client = new C4cClient({ serviceRoot: c4c.serviceRoot, auth: { kind: 'basic', username: 'sandbox', password: 'sandbox' } });
  let mailbox: Mailbox | undefined;
  try {
    await migrate(db);
    const store = createStore(db, createSecretBox(crypto.randomBytes(32)));
    const mailboxes = createMailboxSyncRepository(db);
    const org = await store.organizations.create({ name: 'Bench', slug: `mbench-${crypto.randomBytes(3).toString('hex')}` });
    const address = 'mirror.bench@contoso.example';
    exchange.store.addMailbox(address, 'Mirror Bench', 'unused');
    if (!exchange.store.serviceAccount(DEMO_EWS_SERVICE_ACCOUNT.username)) exchange.store.addServiceAccount(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
    exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
    const user = await store.users.create(org.id, { displayName: 'Mirror Bench', email: address });
    await mailboxes.enableMany(org.id, [{ userId: user.id, offsetSeconds: 0 }], { actor: 'bench', dueAt: new Date() });
    const employeeId = '8000009999';
    c4c.control.seed('EmployeeCollection', [{ EmployeeID: employeeId, FirstName: 'Mirror', LastName: 'Bench', Email: address }]);
    const seeded = c4c.control.seed(
      'ContactCollection',
      Array.from({ length: CONTACTS }, (_, i) => ({ FirstName: `First${i}`, LastName: `Last${i}`, Email: `person${i}@fabrikam.example`, JobTitle: 'Buyer', Phone: `+49 89 ${100000 + i}`, StatusCode: '2', ContactOwnerID: employeeId })),
    );
    mailbox = createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    const mb = mailbox;

    const step = createMirrorStep({
      links: createMirrorLinkRepository(db),
      owners: createMeetingOwnerRepository(db),
      figures: createMirrorKindStatusRepository(db),
      c4cFor: async () => client,
      mirrorSettingsFor: async () => ({ ...MIRROR_DEFAULTS, directions: {} }),
      factories: { contact: contactsAdapterFactory },
      globalEnabled: () => true,
    });
    const steps: SessionStep[] = [createSetupStep(), step];
    const session = async (): Promise<RunCounts> => {
      const row = await mailboxes.get(org.id, user.id);
      const counts: RunCounts = {};
      const ctx: SessionContext = {
        mailbox: mb,
        state: { userId: user.id, organizationId: org.id, address, displayName: 'Mirror Bench', setup: { ...(row?.setup ?? {}) }, baselineAt: new Date() },
        organizationSettings: { ...ORGANIZATION_SYNC_DEFAULTS, suspendAfter: { ...ORGANIZATION_SYNC_DEFAULTS.suspendAfter } },
        userSettings: { ...USER_SYNC_SETTINGS_DEFAULTS, syncContacts: true },
        blocklists: { organization: [], user: [] },
        cursors: mailboxes.cursors(org.id, user.id),
        recordSetup: async (patch) => {
          await mailboxes.recordSetup(org.id, user.id, patch);
          Object.assign(ctx.state.setup, patch);
        },
        progress: () => undefined,
        count: (key, by = 1) => {
          counts[key] = (counts[key] ?? 0) + by;
        },
        itemError: (error) => {
          throw new Error(`mirror bench: ${error.message}`);
        },
        shouldStop: () => false,
        now: () => new Date(),
      };
      for (const s of steps) await s.run(ctx);
      return counts;
    };
    const ewsCount = (): number => [...exchange.control.counters].filter(([k]) => k.startsWith('EWS ')).reduce((sum, [, v]) => sum + v, 0);
    const c4cCount = (): number => Object.entries(c4c.control.counters()).filter(([k]) => k !== 'total' && !k.startsWith('batch:')).reduce((sum, [, v]) => sum + v, 0);
    const reset = (): void => {
      exchange.control.counters.clear();
      c4c.control.resetCounters();
    };

    exchange.control.setLatency(LATENCY_MS);
    c4c.control.setLatency(LATENCY_MS);

    // 1. First mirroring.
    reset();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    const first = await session();
    const firstMs = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const links = (await createMirrorLinkRepository(db).counts(org.id, user.id)).contact?.linked ?? 0;
    out.push(`${fmt(CONTACTS)} C4C contacts, ${LATENCY_MS} ms latency on each emulator, EWS impersonation (account limiter 8), 8 apply lanes`);
    out.push(
      `1. first mirroring: ${fmt(firstMs / 1000, 1)} s (goal ≤ 60 s), ${fmt(first.mirrorCreated ?? 0)} created, ${fmt(links)} links; ${fmt(ewsCount())} EWS requests, ${fmt(c4cCount())} C4C requests; peak RSS ${fmt(peakRss / 1024 / 1024)} MB (goal ≤ 256 MB; this process also runs both emulators and PGlite)`,
    );

    // 2. Incremental session after 10 changes.
    const folder = (await mb.listFolders()).find((f) => f.displayName === 'SAP Contacts');
    if (!folder) throw new Error('no SAP Contacts folder');
    const mailboxItems = exchange.store.listItems(address, folder.id).slice(0, 5);
    for (const [i, record] of seeded.slice(100, 105).entries()) await client.update<string>('ContactCollection', String(record.ObjectID), { JobTitle: `Changed in C4C ${i}` });
    for (const [i, item] of mailboxItems.entries()) await mb.updateContact(item.id, { jobTitle: `Changed in Outlook ${i}` });
    reset();
    const incStarted = performance.now();
    const inc = await session();
    const incMs = performance.now() - incStarted;
    out.push(`2. incremental session, 10 changes (5 each side): ${fmt(incMs)} ms, ${inc.mirrorUpdated ?? 0} updated; ${fmt(ewsCount())} EWS requests, ${fmt(c4cCount())} C4C requests`);

    // 3. Naive full compare for the same amount of change.
    for (const [i, record] of seeded.slice(200, 205).entries()) await client.update<string>('ContactCollection', String(record.ObjectID), { JobTitle: `Again in C4C ${i}` });
    for (const [i, item] of exchange.store.listItems(address, folder.id).slice(10, 15).entries()) await mb.updateContact(item.id, { jobTitle: `Again in Outlook ${i}` });
    reset();
    const naiveStarted = performance.now();
    let c4cRecords = 0;
    for await (const page of client.pages('ContactCollection', { filter: `ContactOwnerID eq '${employeeId}'` }, { maxPages: 10_000 })) c4cRecords += page.results.length;
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await mb.getChanges(folder.id, 'contact', cursor);
      ids.push(...page.created.map((r) => r.id), ...page.updated.map((r) => r.id));
      cursor = page.cursor;
      if (page.done) break;
    }
    let read = 0;
    for (let i = 0; i < ids.length; i += 100) read += (await mb.getContacts(ids.slice(i, i + 100))).length;
    const naiveMs = performance.now() - naiveStarted;
    out.push(`3. naive full compare, same 10 changes (before writing anything): ${fmt(naiveMs)} ms; ${fmt(ewsCount())} EWS requests, ${fmt(c4cCount())} C4C requests (${fmt(c4cRecords)} records listed, ${fmt(read)} mailbox contacts read)`);
    reset();
    const after = await session();
    out.push(`   (the incremental session for those changes: ${after.mirrorUpdated ?? 0} updated, ${fmt(ewsCount())} EWS, ${fmt(c4cCount())} C4C requests)`);
    return out;
  } finally {
    await mailbox?.close();
    client.close();
    await db.close();
    await exchange.close();
    await c4c.close();
  }
}
