/**
 * The sync settings repository (S6, E9) on both back ends: defaults, partial updates merged, blocklists normalised and
 * replaced atomically, and organization scoping (a user id of another organization reaches nothing).
 */
import crypto from 'node:crypto';
import { ZodError } from 'zod';
import { USER_SYNC_SETTINGS_DEFAULTS } from '../../shared/api/sync';
import { createSecretBox } from '../../relay/secrets';
import { createStore, createSyncSettingsRepository, StoreNotFoundError, type Store } from '../../relay/store';
import type { SyncSettingsRepository } from '../../relay/sync/types';
import { describeEachBackend } from '../helpers/backends';

const box = createSecretBox(crypto.randomBytes(32));
const uniq = () => crypto.randomBytes(4).toString('hex');

describeEachBackend('sync settings repository', (backend) => {
  let store: Store;
  let repo: SyncSettingsRepository;
  let orgA: string;
  let orgB: string;
  let alice: string;
  let bob: string;
  let carol: string;

  beforeAll(async () => {
    store = createStore(backend.db(), box);
    repo = createSyncSettingsRepository(backend.db());
    orgA = (await store.organizations.create({ name: 'A', slug: `a-${uniq()}` })).id;
    orgB = (await store.organizations.create({ name: 'B', slug: `b-${uniq()}` })).id;
    alice = (await store.users.create(orgA, { displayName: 'Alice', email: `alice-${uniq()}@a.example` })).id;
    bob = (await store.users.create(orgA, { displayName: 'Bob', email: `bob-${uniq()}@a.example` })).id;
    carol = (await store.users.create(orgB, { displayName: 'Carol', email: `carol-${uniq()}@b.example` })).id;
  });

  it('answers the defaults for a user who never changed anything', async () => {
    expect(await repo.getUserSettings(orgA, alice)).toEqual({ settings: USER_SYNC_SETTINGS_DEFAULTS });
    expect(await repo.getUserSettings('not-an-id', 'nor-this')).toEqual({ settings: USER_SYNC_SETTINGS_DEFAULTS });
  });

  it('merges partial updates, keeps the other keys, and moves updatedAt', async () => {
    const first = await repo.updateUserSettings(orgA, alice, { autoSaveIncoming: true });
    expect(first.settings).toEqual({ ...USER_SYNC_SETTINGS_DEFAULTS, autoSaveIncoming: true });
    expect(first.updatedAt).toBeInstanceOf(Date);
    const second = await repo.updateUserSettings(orgA, alice, { syncTasks: true, autoSaveOutgoing: false });
    expect(second.settings).toEqual({ ...USER_SYNC_SETTINGS_DEFAULTS, autoSaveIncoming: true, syncTasks: true });
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    const read = await repo.getUserSettings(orgA, alice);
    expect(read.settings).toEqual(second.settings);
    expect(read.updatedAt?.getTime()).toBe(second.updatedAt.getTime());
    // Bob is untouched.
    expect((await repo.getUserSettings(orgA, bob)).settings).toEqual(USER_SYNC_SETTINGS_DEFAULTS);
  });

  it('two concurrent patches of different switches both stick', async () => {
    await Promise.all([repo.updateUserSettings(orgA, bob, { autoSaveCalendar: true }), repo.updateUserSettings(orgA, bob, { syncContacts: true })]);
    expect((await repo.getUserSettings(orgA, bob)).settings).toMatchObject({ autoSaveCalendar: true, syncContacts: true });
  });

  it('refuses unknown keys and non-boolean values', async () => {
    await expect(repo.updateUserSettings(orgA, alice, { autoSaveEverything: true } as never)).rejects.toBeInstanceOf(ZodError);
    await expect(repo.updateUserSettings(orgA, alice, { syncTasks: 'yes' } as never)).rejects.toBeInstanceOf(ZodError);
  });

  it('a user of another organization is neither read nor written through the wrong organization', async () => {
    await expect(repo.updateUserSettings(orgA, carol, { autoSaveIncoming: true })).rejects.toBeInstanceOf(StoreNotFoundError);
    await repo.updateUserSettings(orgB, carol, { autoSaveIncoming: true });
    expect((await repo.getUserSettings(orgA, carol)).settings).toEqual(USER_SYNC_SETTINGS_DEFAULTS);
    expect((await repo.getUserSettings(orgB, carol)).settings.autoSaveIncoming).toBe(true);
    await expect(repo.replaceBlocklist(orgA, carol, ['x.example'])).rejects.toBeInstanceOf(StoreNotFoundError);
    expect((await repo.getBlocklists(orgB, carol)).user).toEqual([]);
  });

  it('stores blocklists normalised, de-duplicated, sorted; user and organization lists apart', async () => {
    const stored = await repo.replaceBlocklist(orgA, alice, ['  Boss@Competitor.Example ', '@Rival.example', 'rival.example', 'news.partner.example']);
    expect(stored).toEqual(['boss@competitor.example', 'news.partner.example', 'rival.example']);
    await repo.replaceBlocklist(orgA, null, ['hr.a.example', 'payroll@a.example']);
    expect(await repo.getBlocklists(orgA, alice)).toEqual({ organization: ['hr.a.example', 'payroll@a.example'], user: stored });
    // Bob sees the organization's list and nothing of Alice's.
    expect(await repo.getBlocklists(orgA, bob)).toEqual({ organization: ['hr.a.example', 'payroll@a.example'], user: [] });
    // Another organization sees neither.
    expect(await repo.getBlocklists(orgB, carol)).toEqual({ organization: [], user: [] });
    const kinds = await backend.db().query<{ entry: string; kind: string }>('SELECT entry, kind FROM blocklist_entries WHERE user_id = $1 ORDER BY entry', [alice]);
    expect(kinds.rows).toEqual([
      { entry: 'boss@competitor.example', kind: 'address' },
      { entry: 'news.partner.example', kind: 'domain' },
      { entry: 'rival.example', kind: 'domain' },
    ]);
  });

  it('replacing a list leaves nothing of the old one; an empty list clears it', async () => {
    await repo.replaceBlocklist(orgA, bob, ['old.example', 'older.example']);
    expect(await repo.replaceBlocklist(orgA, bob, ['new.example'])).toEqual(['new.example']);
    expect((await repo.getBlocklists(orgA, bob)).user).toEqual(['new.example']);
    expect(await repo.replaceBlocklist(orgA, bob, [])).toEqual([]);
    expect((await repo.getBlocklists(orgA, bob)).user).toEqual([]);
  });

  it('an invalid entry fails the whole replace before anything changes', async () => {
    await repo.replaceBlocklist(orgA, bob, ['keep.example']);
    await expect(repo.replaceBlocklist(orgA, bob, ['fine.example', 'not an address'])).rejects.toBeInstanceOf(ZodError);
    await expect(repo.replaceBlocklist(orgA, bob, Array.from({ length: 1001 }, (_, i) => `d${i}.example`))).rejects.toBeInstanceOf(ZodError);
    expect((await repo.getBlocklists(orgA, bob)).user).toEqual(['keep.example']);
  });

  it('a failure inside the replace rolls it back (one transaction)', async () => {
    await repo.replaceBlocklist(orgA, bob, ['stays.example']);
    const db = backend.db();
    await expect(
      db.transaction(async (tx) => {
        await createSyncSettingsRepository(tx).replaceBlocklist(orgA, bob, ['gone.example']);
        throw new Error('crash after the replace');
      }),
    ).rejects.toThrow('crash after the replace');
    expect((await repo.getBlocklists(orgA, bob)).user).toEqual(['stays.example']);
  });

  it('concurrent replaces of one list end with exactly one of them, never a mix', async () => {
    const other = (await backend.openAnother()) ?? backend.db();
    const repos = [repo, createSyncSettingsRepository(other)];
    for (let round = 0; round < 5; round += 1) {
      const lists = Array.from({ length: 8 }, (_, i) => ['shared.example', ...Array.from({ length: 20 }, (_, j) => `r${round}-l${i}-e${j}.example`)].sort());
      const results = await Promise.allSettled(lists.map((list, i) => repos[i % 2].replaceBlocklist(orgA, alice, list)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const final = (await repo.getBlocklists(orgA, alice)).user;
      expect(lists).toContainEqual(final);
    }
  });
});
