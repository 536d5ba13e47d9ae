/**
 * The mirror step's own rules, with in-memory side adapters: the kill switches (global, organization), which kinds the
 * user's settings turn on, a tripped guard applying nothing and keeping the cursors, cursors committed only after
 * applying, one failing kind not stopping the others, counts, and pairing by content.
 */
import { createMirrorStep, enabledKinds, mirrorGloballyEnabled, pairByContent } from '../../../relay/sync/mirror/step';
import type { AdapterFactory } from '../../../relay/sync/mirror/adapters/types';
import type { MappedFields, MirrorKind, MirrorLink, MirrorLinkRepository, SideAdapter, SideItem, SideView } from '../../../relay/sync/mirror/types';
import type { SessionContext } from '../../../relay/sync/types';
import type { MirrorKindStatusRepository } from '../../../relay/store/mirror-links';
import { MIRROR_DEFAULTS, type MirrorSettings } from '../../../shared/api/mirror';
import { ORGANIZATION_SYNC_DEFAULTS, USER_SYNC_SETTINGS_DEFAULTS, type RunCounts, type RunError, type UserSyncSettings } from '../../../shared/api/sync';
import type { C4cClient } from '../../../relay/c4c/client';

const ORG = '00000000-0000-4000-8000-000000000001';
const USER = '00000000-0000-4000-8000-000000000002';

function memoryLinks(): MirrorLinkRepository & { rows: MirrorLink[] } {
  const rows: MirrorLink[] = [];
  return {
    rows,
    async list(_o, _u, kind) {
      return rows.filter((r) => r.kind === kind);
    },
    async put(_o, _u, link) {
      const i = rows.findIndex((r) => r.kind === link.kind && (r.mailboxId === link.mailboxId || r.c4cId === link.c4cId));
      if (i >= 0) rows.splice(i, 1);
      rows.push(link);
    },
    async remove(_o, _u, kind, ids) {
      const i = rows.findIndex((r) => r.kind === kind && (r.mailboxId === ids.mailboxId || r.c4cId === ids.c4cId));
      if (i >= 0) rows.splice(i, 1);
    },
    async counts() {
      return {};
    },
  };
}

const item = (id: string, fields: MappedFields, extra: Partial<SideItem> = {}): SideItem => ({ id, stamp: `s-${id}`, hash: JSON.stringify(fields), fields, drives: true, ...extra });

/** A side holding items in memory; `view` is what read() reports. */
function side(s: 'mailbox' | 'c4c', view: Partial<SideView>, log: string[]): SideAdapter {
  let n = 0;
  return {
    side: s,
    kind: 'contact',
    read: async () => ({ side: s, changed: [], gone: [], ...view }),
    create: async (fields) => item(`${s}-new-${(n += 1)}`, fields),
    update: async (id, fields) => item(id, fields),
    delete: async (id) => {
      log.push(`delete ${s} ${id}`);
    },
    commitCursor: async () => {
      log.push(`commit ${s}`);
    },
  };
}

function context(user: Partial<UserSyncSettings> = {}): { ctx: SessionContext; counts: RunCounts; errors: RunError[] } {
  const counts: RunCounts = {};
  const errors: RunError[] = [];
  const ctx = {
    mailbox: {} as SessionContext['mailbox'],
    state: { userId: USER, organizationId: ORG, address: 'u@contoso.example', displayName: 'U', setup: {} },
    organizationSettings: { ...ORGANIZATION_SYNC_DEFAULTS },
    userSettings: { ...USER_SYNC_SETTINGS_DEFAULTS, ...user },
    blocklists: { organization: [], user: [] },
    cursors: { get: async () => undefined, set: async () => undefined, clear: async () => undefined },
    recordSetup: async () => undefined,
    progress: () => undefined,
    count: (key: keyof RunCounts, by = 1) => {
      counts[key] = (counts[key] ?? 0) + by;
    },
    itemError: (e: RunError) => errors.push(e),
    shouldStop: () => false,
    now: () => new Date('2026-12-01T10:00:00Z'),
  } as SessionContext;
  return { ctx, counts, errors };
}

const figures: MirrorKindStatusRepository = { record: async () => undefined, list: async () => [] };
/** A C4C client whose only call here is the employee look-up. */
const c4c = { query: async () => ({ results: [{ ObjectID: 'E1', EmployeeID: '8000000001' }] }) } as unknown as C4cClient;

function step(options: { links: MirrorLinkRepository; factories: Partial<Record<MirrorKind, AdapterFactory<MirrorKind>>>; settings?: Partial<MirrorSettings>; global?: boolean }) {
  return createMirrorStep({
    links: options.links,
    owners: { claim: async () => ({ ownerUserId: USER }), setC4cId: async () => undefined, get: async () => undefined, release: async () => undefined },
    figures,
    c4cFor: async () => c4c,
    mirrorSettingsFor: async () => ({ ...MIRROR_DEFAULTS, directions: {}, ...options.settings }),
    factories: options.factories,
    globalEnabled: () => options.global ?? true,
  });
}

test('the global switch reads MIRROR_ENABLED (on unless "false")', () => {
  expect(mirrorGloballyEnabled({})).toBe(true);
  expect(mirrorGloballyEnabled({ MIRROR_ENABLED: 'true' })).toBe(true);
  expect(mirrorGloballyEnabled({ MIRROR_ENABLED: 'false' })).toBe(false);
});

test("kinds follow the user's settings: calendar always, tasks and contacts when turned on", () => {
  expect(enabledKinds({ syncTasks: false, syncContacts: false })).toEqual(['appointment']);
  expect(enabledKinds({ syncTasks: true, syncContacts: true })).toEqual(['appointment', 'task', 'contact', 'account', 'individualCustomer']);
});

describe('a session of the mirror step', () => {
  test('creates each way, counts, and commits both cursors after applying', async () => {
    const log: string[] = [];
    const links = memoryLinks();
    const factory: AdapterFactory<MirrorKind> = async () => ({
      mailbox: side('mailbox', { changed: [item('m1', { surname: 'A' })], totalInScope: 1 }, log),
      c4c: side('c4c', { changed: [item('c1', { surname: 'B' })], totalInScope: 1 }, log),
    });
    const { ctx, counts, errors } = context({ syncContacts: true });
    await step({ links, factories: { contact: factory } }).run(ctx);
    expect(errors).toEqual([]);
    expect(counts.mirrorCreated).toBe(2);
    expect(links.rows).toHaveLength(2);
    expect(log).toEqual(['commit mailbox', 'commit c4c']);
  });

  test('kill switches: global off or organization off → nothing is read', async () => {
    const read = jest.fn(async () => ({ side: 'c4c' as const, changed: [], gone: [] }));
    const factory: AdapterFactory<MirrorKind> = async () => ({ mailbox: { ...side('mailbox', {}, []), read }, c4c: { ...side('c4c', {}, []), read } });
    await step({ links: memoryLinks(), factories: { contact: factory }, global: false }).run(context({ syncContacts: true }).ctx);
    await step({ links: memoryLinks(), factories: { contact: factory }, settings: { enabled: false } }).run(context({ syncContacts: true }).ctx);
    await step({ links: memoryLinks(), factories: { contact: factory } }).run(context({ syncContacts: false }).ctx);
    expect(read).not.toHaveBeenCalled();
  });

  test('empty side: nothing deleted, cursors kept, a run error names the guard', async () => {
    const log: string[] = [];
    const links = memoryLinks();
    for (let i = 0; i < 10; i += 1) links.rows.push({ kind: 'contact', mailboxId: `m${i}`, c4cId: `c${i}`, synced: {}, state: 'linked', mailboxHash: 'h', c4cHash: 'h' });
    const factory: AdapterFactory<MirrorKind> = async () => ({
      mailbox: side('mailbox', {}, log),
      c4c: side('c4c', { totalInScope: 0, gone: Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, reason: 'deleted' as const })) }, log),
    });
    const { ctx, errors } = context({ syncContacts: true });
    await step({ links, factories: { contact: factory } }).run(ctx);
    expect(errors).toEqual([expect.objectContaining({ class: 'mirror-empty-side' })]);
    expect(log).toEqual([]);
    expect(links.rows).toHaveLength(10);
  });

  test('one kind failing (not transiently) is reported and the next kind still runs', async () => {
    const log: string[] = [];
    const links = memoryLinks();
    const broken: AdapterFactory<MirrorKind> = async () => {
      throw new Error('adapter bug');
    };
    const fine: AdapterFactory<MirrorKind> = async () => ({ mailbox: side('mailbox', {}, log), c4c: side('c4c', {}, log) });
    const { ctx, errors } = context({ syncContacts: true });
    await step({ links, factories: { contact: broken, account: fine } }).run(ctx);
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('contact: adapter bug') })]);
    expect(log).toEqual(['commit mailbox', 'commit c4c']);
  });
});

test('pairByContent joins one-to-one equal unstamped new items only', () => {
  const directions = { surname: 'both', email: 'both', displayName: 'to-mailbox' } as const;
  const m1 = item('m1', { surname: 'A', email: 'a@x', displayName: 'Mr A' });
  const m2 = item('m2', { surname: 'B', email: 'b@x', displayName: 'B' });
  const m3 = item('m3', { surname: 'C', email: 'c@x' }, { stampedWith: 'c9' });
  const views = {
    mailbox: { side: 'mailbox' as const, changed: [m1, m2, m3], gone: [] },
    c4c: {
      side: 'c4c' as const,
      changed: [item('c1', { surname: 'A', email: 'a@x', displayName: 'A' }), item('c2', { surname: 'B', email: 'b@x' }), item('c3', { surname: 'B', email: 'b@x' }), item('c4', { surname: 'C', email: 'c@x' })],
      gone: [],
    },
  };
  expect(pairByContent(views, [], { directions })).toEqual([{ mailboxId: 'm1', c4cId: 'c1' }]);
  expect(m1.stampedWith).toBe('c1');
  expect(m2.stampedWith).toBeUndefined(); // two C4C candidates: not paired
  expect(m3.stampedWith).toBe('c9'); // already stamped: untouched
});
