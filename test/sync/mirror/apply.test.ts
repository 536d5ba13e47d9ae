/**
 * The mirror executor: links written after each item (a crash keeps what was done), failing actions recorded while the
 * session goes on and retried by the next one, stamps passed on creates, one link write for an item updated on both
 * sides, per-item decision logs with conflicts, cursors committed only after a clean session, lookups for re-linking.
 */
import { applyPlan, commitCursors, readViews } from '../../../relay/sync/mirror/apply';
import { mirrorHash } from '../../../relay/sync/mirror/mapping/hash';
import { planMirror } from '../../../relay/sync/mirror/planner';
import type { MappedFields, MirrorAction, MirrorLink, MirrorLookup, MirrorRules, Side, SideAdapter, SideItem, SideView } from '../../../relay/sync/mirror/types';
import { DEFAULT_RULES, MemoryLinkRepository, World } from './model';

const RULES: MirrorRules = { ...DEFAULT_RULES, conflictRule: 'mailbox-wins' };
const GUARDS = { maxDeletionsPerSession: 50, minSurvivingRatio: 0.5, minLinksForRatio: 5 };
const HASHED: Record<Side, string[]> = { mailbox: ['subject', 'notes'], c4c: ['subject', 'status'] };

/** A side that records every call; `failOn` makes a call throw. */
class RecordingSide implements SideAdapter {
  readonly kind = 'appointment' as const;
  calls: { op: string; id?: string; fields?: MappedFields; stamp?: string; stampWith?: string; linksAtCall: number }[] = [];
  items = new Map<string, SideItem>();
  failOn?: (op: string, n: number) => boolean;
  view: SideView;
  committed = 0;
  lookups: MirrorLookup[] = [];
  found: SideItem[] = [];
  private n = 0;
  constructor(readonly side: Side, private repo: MemoryLinkRepository) {
    this.view = { side, changed: [], gone: [] };
  }
  item(id: string, fields: MappedFields, extra: Partial<SideItem> = {}): SideItem {
    const it: SideItem = { id, stamp: `${id}@1`, hash: mirrorHash(fields, HASHED[this.side]), fields, drives: true, ...extra };
    this.items.set(id, it);
    return it;
  }
  private call(op: string, rest: Omit<RecordingSide['calls'][number], 'op' | 'linksAtCall'>): void {
    this.calls.push({ op, ...rest, linksAtCall: this.repo.rows.length });
    if (this.failOn?.(op, this.n++)) throw new Error(`${this.side} ${op} failed`);
  }
  async read(): Promise<SideView> {
    return this.view;
  }
  async lookup(q: MirrorLookup): Promise<SideItem[]> {
    this.lookups.push(q);
    return this.found;
  }
  async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
    this.call('create', { fields, stampWith });
    return this.item(`${this.side}-new-${this.calls.length}`, fields, stampWith !== undefined ? { stampedWith: stampWith } : {});
  }
  async update(id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem> {
    this.call('update', { id, fields, stamp });
    const old = this.items.get(id);
    const merged = { ...(old?.fields ?? {}), ...fields };
    return { ...this.item(id, merged), stamp: `${id}@${Number(old?.stamp.split('@')[1] ?? 1) + 1}` };
  }
  async stamp(id: string, stampWith: string): Promise<SideItem> {
    this.call('stamp', { id, stampWith });
    const old = this.items.get(id);
    return { ...this.item(id, old?.fields ?? {}, { ...old, stampedWith: stampWith }), stamp: `${id}@stamped` };
  }
  async delete(id: string): Promise<void> {
    this.call('delete', { id });
    this.items.delete(id);
  }
  async commitCursor(): Promise<void> {
    this.committed += 1;
  }
}

function setup() {
  const repo = new MemoryLinkRepository();
  const mailbox = new RecordingSide('mailbox', repo);
  const c4c = new RecordingSide('c4c', repo);
  const options = { organizationId: 'o', userId: 'u', kind: 'appointment' as const, mailbox, c4c, links: repo, rules: RULES };
  return { repo, mailbox, c4c, options };
}

function planFor(links: MirrorLink[], mailbox: SideView, c4c: SideView): MirrorAction[] {
  const plan = planMirror({ kind: 'appointment', links, mailbox, c4c, rules: RULES, guards: GUARDS });
  if (!plan.ok) throw new Error(plan.message);
  return plan.actions;
}

const fields = (i: number): MappedFields => ({ subject: `Meeting ${i}`, notes: `n${i}`, status: 'open' });

describe('applyPlan', () => {
  test('writes the link after each item: a crash after 3 of 10 creates leaves exactly 3 links, the next session does the other 7', async () => {
    const { repo, mailbox, c4c, options } = setup();
    mailbox.view.changed = Array.from({ length: 10 }, (_, i) => mailbox.item(`M${i}`, fields(i), { key: `uid-${i}` }));
    const abort = new AbortController();
    c4c.failOn = (_op, n) => {
      if (n === 2) abort.abort(); // the process dies after the third write has completed
      return false;
    };
    const actions = planFor([], mailbox.view, c4c.view);
    expect(actions.map((a) => a.type)).toEqual(Array(10).fill('create'));
    const result = await applyPlan(actions, { ...options, signal: abort.signal });
    expect(result).toMatchObject({ stopped: true, cursorsMayCommit: false, counts: { create: 3 } });
    expect(repo.rows).toHaveLength(3);
    // Each create saw the links of every item before it: one put per item, not one per session.
    expect(c4c.calls.map((c) => c.linksAtCall)).toEqual([0, 1, 2]);
    expect(await commitCursors(result, { mailbox, c4c })).toBe(false);
    expect(mailbox.committed + c4c.committed).toBe(0);

    // Next session: the same (uncommitted) changes are read again; the 3 linked items only refresh their stamps
    // (this fake view still shows the stamps before the ObjectID stamp), the other 7 are created.
    c4c.failOn = undefined;
    const again = planFor(await repo.list('o', 'u', 'appointment'), mailbox.view, c4c.view);
    expect(again.map((a) => a.type)).toEqual([...Array(3).fill('refresh'), ...Array(7).fill('create')]);
    const second = await applyPlan(again, options);
    expect(second).toMatchObject({ stopped: false, cursorsMayCommit: true, failed: 0, counts: { create: 7 } });
    expect(repo.rows).toHaveLength(10);
    expect(new Set(repo.rows.map((l) => l.mailboxId)).size).toBe(10);
    expect(c4c.calls).toHaveLength(10);
    expect(await commitCursors(second, { mailbox, c4c })).toBe(true);
    expect([mailbox.committed, c4c.committed]).toEqual([1, 1]);
  });

  test('a failing action is recorded, the session goes on, its link stays as before, and the next session retries it', async () => {
    const { repo, mailbox, c4c, options } = setup();
    mailbox.view.changed = Array.from({ length: 5 }, (_, i) => mailbox.item(`M${i}`, fields(i), { key: `uid-${i}` }));
    c4c.failOn = (_op, n) => n === 1;
    const result = await applyPlan(planFor([], mailbox.view, c4c.view), options);
    expect(result.failed).toBe(1);
    expect(result.errors).toEqual([{ action: 'create', target: 'c4c', mailboxId: 'M1', message: 'c4c create failed' }]);
    expect(result.log.find((l) => l.mailboxId === 'M1')).toMatchObject({ action: 'create', reason: 'failed: c4c create failed' });
    expect(result.counts.create).toBe(4);
    expect(result.cursorsMayCommit).toBe(false);
    expect(repo.rows.map((l) => l.mailboxId).sort()).toEqual(['M0', 'M2', 'M3', 'M4']);

    c4c.failOn = undefined;
    const retry = planFor(await repo.list('o', 'u', 'appointment'), mailbox.view, c4c.view);
    expect(retry.filter((a) => a.type !== 'refresh')).toMatchObject([{ type: 'create', source: { id: 'M1' } }]);
    const second = await applyPlan(retry, options);
    expect(second).toMatchObject({ failed: 0, cursorsMayCommit: true });
    expect(repo.rows).toHaveLength(5);
  });

  test('a failing update keeps the old link, so the change is planned again', async () => {
    const { repo, mailbox, c4c, options } = setup();
    const base = fields(1);
    const link: MirrorLink = { kind: 'appointment', mailboxId: 'M1', c4cId: 'X1', mailboxStamp: 'M1@1', c4cStamp: 'X1@1', mailboxHash: mirrorHash(base, HASHED.mailbox), c4cHash: mirrorHash(base, HASHED.c4c), synced: base, state: 'linked' };
    await repo.put('o', 'u', link);
    c4c.item('X1', base);
    mailbox.view.changed = [mailbox.item('M1', { ...base, subject: 'moved' })];
    c4c.failOn = () => true;
    const first = await applyPlan(planFor([link], mailbox.view, c4c.view), options);
    expect(first.errors).toMatchObject([{ action: 'update', target: 'c4c', c4cId: 'X1' }]);
    expect(repo.rows).toEqual([link]);
    c4c.failOn = undefined;
    const again = planFor(await repo.list('o', 'u', 'appointment'), mailbox.view, c4c.view);
    expect(again).toMatchObject([{ type: 'update', target: 'c4c', fields: { subject: 'moved' } }]);
    await applyPlan(again, options);
    expect(repo.rows[0]).toMatchObject({ mailboxHash: mirrorHash({ ...base, subject: 'moved' }, HASHED.mailbox), c4cStamp: 'X1@2', synced: { subject: 'moved' } });
    expect(c4c.calls.at(-1)).toMatchObject({ op: 'update', id: 'X1', stamp: 'X1@1', fields: { subject: 'moved' } });
  });

  test('creates stamp the other side: C4C gets the mailbox key (or id), the mailbox gets the ObjectID', async () => {
    const { repo, mailbox, c4c, options } = setup();
    mailbox.view.changed = [mailbox.item('M1', fields(1), { key: 'uid-1' }), mailbox.item('M2', fields(2))];
    c4c.view.changed = [c4c.item('X9', fields(9))];
    await applyPlan(planFor([], mailbox.view, c4c.view), options);
    // Each create stamps the new item with the source's key (or id), then the source with the new item's id.
    expect(c4c.calls.map((c) => [c.op, c.id, c.stampWith])).toEqual([
      ['create', undefined, 'uid-1'],
      ['create', undefined, 'M2'],
      ['stamp', 'X9', 'mailbox-new-3'],
    ]);
    expect(mailbox.calls.map((c) => [c.op, c.id, c.stampWith])).toEqual([
      ['stamp', 'M1', 'c4c-new-1'],
      ['stamp', 'M2', 'c4c-new-2'],
      ['create', undefined, 'X9'],
    ]);
    expect(mailbox.calls[2]).toMatchObject({ fields: { subject: 'Meeting 9', status: 'open' } });
    // The link records the stamped source's new stamp.
    expect(repo.rows[0]).toMatchObject({ mailboxId: 'M1', mailboxStamp: 'M1@stamped' });
    // Only fields allowed into the target are written: notes (to-c4c) never into the mailbox, status never into C4C.
    expect(mailbox.calls[2].fields).not.toHaveProperty('notes');
    expect(c4c.calls[0].fields).toEqual({ subject: 'Meeting 1', notes: 'n1' });
    expect(repo.rows.map((l) => [l.mailboxId?.startsWith('mailbox-new') ? 'new' : l.mailboxId, l.c4cId?.startsWith('c4c-new') ? 'new' : l.c4cId, l.key])).toEqual([
      ['M1', 'new', 'uid-1'],
      ['M2', 'new', undefined],
      ['new', 'X9', undefined],
    ]);
  });

  test('an item changed on both sides: two writes, one link write, the conflict in the item log', async () => {
    const { repo, mailbox, c4c, options } = setup();
    const base = fields(1);
    const link: MirrorLink = { kind: 'appointment', mailboxId: 'M1', c4cId: 'X1', mailboxStamp: 'M1@1', c4cStamp: 'X1@1', mailboxHash: mirrorHash(base, HASHED.mailbox), c4cHash: mirrorHash(base, HASHED.c4c), synced: base, state: 'linked' };
    await repo.put('o', 'u', link);
    const putsBefore = repo.puts;
    mailbox.view.changed = [mailbox.item('M1', { ...base, subject: 'Outlook', notes: 'Outlook notes' })];
    c4c.view.changed = [c4c.item('X1', { ...base, subject: 'C4C', status: 'done' })];
    const result = await applyPlan(planFor([link], mailbox.view, c4c.view), options);
    expect(result.counts.update).toBe(2);
    expect(repo.puts - putsBefore).toBe(1);
    expect(result.conflicts).toEqual([{ field: 'subject', mailboxValue: 'Outlook', c4cValue: 'C4C', winner: 'mailbox', rule: 'mailbox-wins' }]);
    expect(result.log.filter((l) => l.conflicts)).toHaveLength(1);
    expect(result.log[0]).toMatchObject({ kind: 'appointment', action: 'update', mailboxId: 'M1', c4cId: 'X1', subject: 'Outlook' });
    expect(repo.rows[0].synced).toEqual({ subject: 'Outlook', notes: 'Outlook notes', status: 'done' });
  });

  test('delete, unlink and detach: the link is removed or kept as a tombstone with one id', async () => {
    const { repo, mailbox, c4c, options } = setup();
    const base = fields(1);
    const mk = (i: number): MirrorLink => ({ kind: 'appointment', mailboxId: `M${i}`, c4cId: `X${i}`, mailboxStamp: `M${i}@1`, c4cStamp: `X${i}@1`, mailboxHash: mirrorHash(base, HASHED.mailbox), c4cHash: mirrorHash(base, HASHED.c4c), synced: base, state: 'linked' });
    for (const i of [1, 2, 3]) await repo.put('o', 'u', mk(i));
    mailbox.view.gone = [{ id: 'M1', reason: 'deleted' }, { id: 'M2', reason: 'out-of-scope' }, { id: 'M3', reason: 'deleted' }];
    c4c.view.changed = [c4c.item('X3', { ...base, subject: 'changed' })];
    const result = await applyPlan(planFor([mk(1), mk(2), mk(3)], mailbox.view, c4c.view), options);
    expect(result.counts).toMatchObject({ delete: 1, unlink: 1, detach: 1 });
    expect(c4c.calls).toEqual([{ op: 'delete', id: 'X1', linksAtCall: 3 }]);
    expect(repo.rows).toEqual([expect.objectContaining({ state: 'detached', c4cId: 'X3', mailboxId: undefined })]);
  });
});

describe('readViews', () => {
  test("asks the other side for unlinked items' counterparts by stamp and key, and re-links instead of creating", async () => {
    const { mailbox, c4c } = setup();
    mailbox.view.changed = [mailbox.item('M1', fields(1), { key: 'uid-1', stampedWith: 'X7' })];
    c4c.found = [c4c.item('X7', fields(1))];
    const views = await readViews(mailbox, c4c, []);
    expect(c4c.lookups).toEqual([{ ids: ['X7'], stampedWith: ['M1', 'uid-1'], keys: ['uid-1'] }]);
    expect(mailbox.lookups).toEqual([]);
    expect(views.c4c.counterparts?.map((i) => i.id)).toEqual(['X7']);
    expect(planFor([], views.mailbox, views.c4c)).toMatchObject([{ type: 'link', state: 'linked', mailbox: { id: 'M1' }, c4c: { id: 'X7' } }]);
  });
});

describe('crash between a write and its link (in-memory sides)', () => {
  test('the write happened, the link did not: the next session re-links by stamp, no duplicate', async () => {
    const world = new World(1, DEFAULT_RULES);
    world.mailboxCreate(0);
    world.mailboxCreate(0);
    const first = await world.session(0, { failPutAfterWrite: 0 });
    expect(first.result).toMatchObject({ failed: 1, cursorsMayCommit: false });
    expect(world.c4c.list()).toHaveLength(2);
    expect(world.mailboxes[0].links.rows).toHaveLength(1);
    const second = await world.session(0);
    expect(second.plan.actions.map((a) => a.type)).toEqual(['link']);
    expect(world.c4c.list()).toHaveLength(2);
    expect(world.mailboxes[0].links.rows).toHaveLength(2);
    expect(world.duplicateProblems()).toEqual([]);
    expect(world.violations).toEqual([]);
  });
});
