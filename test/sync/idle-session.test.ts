/**
 * What an idle session costs (issue 7: one mailbox request per synced folder) and the caches behind it: the email
 * step reads inbox and sent items by the folder ids their cursors were taken for (no GetFolder), resolving a folder
 * by name again only when the server says it is gone; the runner's session cursor store reads the cursors once and
 * skips writing what is stored; the organization's user domains are one DISTINCT query, cached per organization.
 * Through the real EWS client against the Exchange emulator, the store on PGlite and the saving room on the C4C
 * emulator.
 */
import crypto from 'node:crypto';
import type { Db, Queryable } from '../../relay/store';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import type { Mailbox } from '../../relay/mailbox/types';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';
import { sessionCursors } from '../../relay/sync/runner';
import { cachedPerOrganization } from '../../relay/sync/engine';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import type { C4cEmulator } from '../emulators/c4c';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import type { GraphTestbed } from '../emulators/exchange/graph/testbed';
import { useSyncTestbed, addSyncUser, runSession, type SyncUser, type SyncWorld } from './email-session-helpers';

const testbed = useSyncTestbed();
let c4c: C4cEmulator;
let bed: GraphTestbed;
let db: Db;
let world: SyncWorld;
const opened = testbed.opened;
beforeAll(() => {
  ({ c4c, bed, db, world } = testbed);
});

/** A mailbox client of its own, as the runner opens one per session (the client remembers well-known ids itself). */
function openMailbox(address: string): Mailbox {
  const mailbox = createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
  opened.push(mailbox);
  return mailbox;
}

async function newUser(): Promise<SyncUser> {
  const address = `idle${crypto.randomBytes(4).toString('hex')}@contoso.example`;
  bed.addMailbox(address, `Idle ${address.slice(4, 8)}`);
  bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
  return addSyncUser(world, address, openMailbox(address));
}

/** The next session, over a new client. */
function session(u: SyncUser) {
  u.mailbox = openMailbox(u.address);
  return runSession(world, u);
}

function ewsRequests(): Record<string, number> {
  return Object.fromEntries([...bed.exchange.control.counters].filter(([key]) => key.startsWith('EWS ')));
}

const cursorRows = (u: SyncUser) => world.mailboxes.listCursors(world.organizationId, u.userId);

test('an idle session makes one EWS request per synced folder (3 SyncFolderItems, no GetFolder) and writes no cursor', async () => {
  const u = await newUser();
  await runSession(world, u);
  await runSession(world, u);
  const before = await cursorRows(u);

  bed.exchange.control.resetCounters();
  const report = await session(u);
  expect(report.errors).toEqual([]);
  expect(ewsRequests()).toEqual({ 'EWS SyncFolderItems': 3 });
  // Nothing changed: the cursors the server handed back are the stored ones, so no row was written.
  expect(await cursorRows(u)).toEqual(before);
});

test('a stored inbox id the server no longer knows: the inbox is resolved by name again and its feed starts over, nothing lost', async () => {
  const u = await newUser();
  await runSession(world, u);
  const inbox = bed.exchange.store.wellKnownFolder(u.address, 'inbox').id;
  // As if the mailbox had been moved: the cursor names a folder id that no longer exists.
  const stored = (await world.mailboxes.cursors(world.organizationId, u.userId).get('inbox'))!;
  const gone = bed.exchange.control.user.createFolder(u.address, `Gone ${crypto.randomBytes(3).toString('hex')}`, { parent: 'inbox', kind: 'mail' }).id;
  bed.exchange.store.deleteFolder(u.address, gone);
  await world.mailboxes.cursors(world.organizationId, u.userId).set('inbox', { ...stored, folderId: gone });
  // Categorized while the feed pointed nowhere: the catch-up scan after the new baseline finds it.
  const mail = bed.exchange.control.user.deliverMessage(u.address, { from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' }, subject: 'While moved', to: [{ address: u.address }], categories: [SYNC_CATEGORIES.trigger.displayName] }, 'inbox');

  bed.exchange.control.resetCounters();
  const report = await session(u);
  expect(report.errors).toEqual([]);
  expect(report.counts.saved).toBe(1);
  expect(ewsRequests()['EWS GetFolder']).toBe(1);
  expect((await world.mailboxes.cursors(world.organizationId, u.userId).get('inbox'))?.folderId).toBe(inbox);
  expect(c4c.control.list('EMailCollection').filter((row) => row.GroupwareItemID === mail.internetMessageId)).toHaveLength(1);

  // And the next idle session is back to one request per folder.
  bed.exchange.control.resetCounters();
  await session(u);
  expect(ewsRequests()).toEqual({ 'EWS SyncFolderItems': 3 });
});

test("the session cursor store reads the mailbox's cursors in one statement, writes through, and skips writing what is stored", async () => {
  const u = await newUser();
  let statements = 0;
  const counting: Queryable = { query: (sql, params) => ((statements += 1), db.query(sql, params)) };
  const repo = createMailboxSyncRepository(counting);
  await repo.cursors(world.organizationId, u.userId).set('inbox', { folderId: 'F1', cursor: 'c1', baselineDone: true });
  await repo.cursors(world.organizationId, u.userId).set('sentitems', { folderId: 'F2', cursor: 'c2', baselineDone: true });

  statements = 0;
  const cursors = sessionCursors(repo, world.organizationId, u.userId);
  expect(await cursors.get('inbox')).toEqual({ folderId: 'F1', cursor: 'c1', baselineDone: true });
  expect(await cursors.get('sentitems')).toEqual({ folderId: 'F2', cursor: 'c2', baselineDone: true });
  expect(await cursors.get('save')).toBeUndefined();
  expect(statements).toBe(1);

  await cursors.set('inbox', { folderId: 'F1', cursor: 'c1', baselineDone: true });
  expect(statements).toBe(1);
  await cursors.set('inbox', { folderId: 'F1', cursor: 'c3', baselineDone: true });
  expect(statements).toBe(2);
  // Written through at once: a session killed now resumes from c3.
  expect(await repo.cursors(world.organizationId, u.userId).get('inbox')).toEqual({ folderId: 'F1', cursor: 'c3', baselineDone: true });
  await cursors.clear('sentitems');
  expect(await cursors.get('sentitems')).toBeUndefined();
  expect((await repo.listCursors(world.organizationId, u.userId)).map((c) => c.folderKey)).toEqual(['inbox']);
});

test("the organization's user domains: distinct and lower case, one row per domain", async () => {
  const org = await world.store.organizations.create({ name: 'Domains', slug: `domains-${crypto.randomBytes(4).toString('hex')}` });
  for (const email of ['a@Contoso.example', 'b@contoso.example', 'c@sub.contoso.example', 'd@fabrikam.example']) {
    await world.store.users.create(org.id, { displayName: email, email });
  }
  expect((await world.mailboxes.organizationDomains(org.id)).sort()).toEqual(['contoso.example', 'fabrikam.example', 'sub.contoso.example']);
  expect(await world.mailboxes.organizationDomains(world.organizationId)).toEqual(['contoso.example']);
});

test('cachedPerOrganization: one load per organization within the time to live, shared by concurrent callers; a failure is not kept', async () => {
  let clock = 0;
  const loads: string[] = [];
  let fail = false;
  const cached = cachedPerOrganization(
    async (organizationId) => {
      loads.push(organizationId);
      if (fail) throw new Error('database down');
      return [`${organizationId}.example`];
    },
    60_000,
    () => clock,
  );
  expect(await Promise.all([cached('a'), cached('a'), cached('b')])).toEqual([['a.example'], ['a.example'], ['b.example']]);
  clock = 59_999;
  await cached('a');
  expect(loads).toEqual(['a', 'b']);
  clock = 60_000;
  fail = true;
  await expect(cached('a')).rejects.toThrow('database down');
  fail = false;
  expect(await cached('a')).toEqual(['a.example']);
  expect(loads).toEqual(['a', 'b', 'a', 'a']);
});
