/**
 * Crash test of mirroring with real processes: a relay process (test/sync/crash-relay.ts: store, job queue, the sync
 * engine with the product's steps, mirroring included) mirroring 500 C4C contacts into Anna's *SAP Contacts* folder
 * is killed with SIGKILL in the middle of its session and started again on the same database (PGlite data folder).
 * Afterwards the folder holds exactly the contacts of Anna's scope (the 500 plus the demo contacts she owns), each once,
 * each stamped with its own C4C ObjectID; C4C holds no more contacts of hers than before (nothing was copied back as a
 * duplicate) and the link table has one linked row per contact.
 *
 * The kill can fall between a contact's create and its stamp, or between the writes and the link: the next session
 * re-reads both sides (the cursors are committed only after applying) and joins such a pair by stamp or by content.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecretBox } from '../../../relay/secrets';
import { createStore, migrate, openDb, type Db } from '../../../relay/store';
import { createMailboxSyncRepository } from '../../../relay/store/mailboxes';
import { createSyncSettingsRepository } from '../../../relay/store/sync-settings';
import { C4C_OBJECT_ID_PROPERTY, PRODUCT_FOLDERS } from '../../../relay/mailbox/types';
import { startC4cEmulator, type C4cEmulator } from '../../emulators/c4c';
import { startExchangeEmulator, type ExchangeEmulator } from '../../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../../emulators/demo-identities';
import { waitFor } from '../helpers';
import { sessionsEnded, startCrashRelay, type CrashRelay } from '../crash-relay-process';

const CONTACTS = 500;
const ANNA = DEMO_USERS[0];

describe('a relay killed while mirroring 500 contacts [pglite]', () => {
  let exchange: ExchangeEmulator;
  let c4c: C4cEmulator;
  const relays: CrashRelay[] = [];
  let dir: string;

  beforeAll(async () => {
    exchange = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
    c4c = await startC4cEmulator({ users: [{ username: 'sandbox', password: 'sandbox' }], seedDemo: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-crash-'));
  });
  afterAll(async () => {
    for (const r of relays) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await exchange?.close();
    await c4c?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ends with every contact once on each side and 500 links', async () => {
    const key = crypto.randomBytes(32);
    const env: Record<string, string> = { RELAY_SECRET_KEY: key.toString('base64'), DATA_DIR: dir, MIRROR_ENABLED: 'true' };
    const t = crypto.randomBytes(3).toString('hex');
    const seeded = c4c.control.seed(
      'ContactCollection',
      Array.from({ length: CONTACTS }, (_, i) => ({ FirstName: `Crash${i}`, LastName: `Mirror${t}${i}`, Email: `crash${i}.${t}@fabrikam.example`, StatusCode: '2', ContactOwnerID: ANNA.c4cEmployeeId })),
    );
    const ids = new Set(seeded.map((r) => String(r.ObjectID)));
    const annaContacts = () => c4c.control.list('ContactCollection').filter((r) => r.ContactOwnerID === ANNA.c4cEmployeeId);
    const before = annaContacts().length;

    let db: Db = await openDb({ dataDir: dir });
    await migrate(db);
    const store = createStore(db, createSecretBox(key));
    const org = await store.organizations.create({ name: 'Crash', slug: `mcrash-${t}` });
    await store.c4cConnections.upsert(org.id, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
    await store.mailboxAccess.set(org.id, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    const anna = await store.users.create(org.id, { displayName: ANNA.displayName, email: ANNA.email });
    await createSyncSettingsRepository(db).updateUserSettings(org.id, anna.id, { syncContacts: true });
    await createMailboxSyncRepository(db).enableMany(org.id, [{ userId: anna.id, offsetSeconds: 0 }], { actor: 'test', dueAt: new Date() });
    await db.close();

    const folderItems = () => {
      const folder = exchange.store.listFolders(ANNA.email).find((f) => f.displayName === PRODUCT_FOLDERS.contacts.name);
      return folder ? exchange.store.listItems(ANNA.email, folder.id) : [];
    };
    const stampOf = (item: ReturnType<typeof folderItems>[number]) =>
      Object.values(item.extendedProperties).find((p) => p.name === C4C_OBJECT_ID_PROPERTY.name && p.propertySetId.toLowerCase() === C4C_OBJECT_ID_PROPERTY.propertySetId)?.value;

    // Relay A: its first session sets the mailbox up and starts mirroring; killed part-way through the contacts.
    exchange.control.setLatency(5);
    const a = startCrashRelay(env);
    relays.push(a);
    await waitFor(() => folderItems().length >= 120, 120000, 'relay A to mirror 120 contacts');
    a.child.kill('SIGKILL');
    await a.exited;
    const byA = folderItems().length;
    expect(byA).toBeLessThan(CONTACTS);

    // Relay B on the same data folder takes the dead session over and finishes; one more session changes nothing.
    const b = startCrashRelay(env);
    relays.push(b);
    await waitFor(() => sessionsEnded(b, 'succeeded') >= 1 && folderItems().length >= CONTACTS, 180000, 'relay B to finish mirroring');
    b.child.stdin.write(`sync-now ${org.id} ${anna.id}\n`);
    await waitFor(() => sessionsEnded(b, 'succeeded') >= 2, 60000, 'a further session of relay B');
    b.child.kill('SIGTERM');
    await b.exited;

    const items = folderItems();
    const stamps = items.map(stampOf);
    if (process.env.CRASH_DEBUG) {
      const bySurname = new Map<string, unknown[]>();
      for (const i of items) bySurname.set(String((i as { surname?: string }).surname), [...(bySurname.get(String((i as { surname?: string }).surname)) ?? []), { id: i.id, stamp: stampOf(i), createdAt: i.createdAt }]);
      const byStamp = new Map<string, string[]>();
      for (const i of items) byStamp.set(String(stampOf(i)), [...(byStamp.get(String(stampOf(i))) ?? []), String((i as { surname?: string }).surname)]);
      console.log(JSON.stringify({ byA, before, duplicates: [...bySurname].filter(([, v]) => v.length > 1), sharedStamps: [...byStamp].filter(([k, v]) => v.length > 1 || k === 'undefined') }, null, 1));
    }
    // Anna's scope: the 500 plus the demo contacts she owns; each exactly once, each stamped with its own record.
    const inScope = new Set(annaContacts().map((r) => String(r.ObjectID)));
    expect(annaContacts()).toHaveLength(before);
    expect(items).toHaveLength(before);
    expect(new Set(stamps).size).toBe(before);
    expect(stamps.every((s) => s !== undefined && inScope.has(String(s)))).toBe(true);
    expect([...ids].every((id) => stamps.includes(id))).toBe(true);

    db = await openDb({ dataDir: dir });
    try {
      const { rows } = await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM mirror_links WHERE user_id = $1 AND kind = 'contact' GROUP BY state`, [anna.id]);
      expect(rows.map((r) => [r.state, Number(r.n)])).toEqual([['linked', before]]);
      const runs = await createMailboxSyncRepository(db).listRuns(org.id, anna.id, { limit: 20 });
      expect(runs.filter((r) => r.outcome === 'abandoned')).toHaveLength(1);
      if (process.env.CRASH_DEBUG) console.log(JSON.stringify({ byA, runs }, null, 1));
    } finally {
      await db.close();
    }
  }, 420000);
});
