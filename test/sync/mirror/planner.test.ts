/**
 * The mirror planner, one example per decision-table row (named by the row id), the guards, the conflict rules, and
 * the February 2020 shape (sync-anchors.md §1.5) as a named test over the in-memory sides.
 */
import { DECISION_TABLE, decisionTableMarkdown } from '../../../relay/sync/mirror/decision-table';
import { mirrorHash } from '../../../relay/sync/mirror/mapping/hash';
import { conflictWinner, planActions, planMirror } from '../../../relay/sync/mirror/planner';
import type { MappedFields, MirrorAction, MirrorLink, MirrorRules, PlanInput, SideItem, SideView } from '../../../relay/sync/mirror/types';
import { DEFAULT_RULES, World } from './model';

const RULES: MirrorRules = { conflictRule: 'c4c-wins', directions: { subject: 'both', notes: 'to-c4c', status: 'to-mailbox', internal: 'none' }, c4cDeletable: true };
const GUARDS = { maxDeletionsPerSession: 50, minSurvivingRatio: 0.5, minLinksForRatio: 5 };
const M_HASHED = ['subject', 'notes'];
const C_HASHED = ['subject', 'status'];
const BASE: MappedFields = { subject: 'Kick-off', notes: 'agenda', status: 'open' };

function mItem(id: string, fields: MappedFields = BASE, extra: Partial<SideItem> = {}): SideItem {
  return { id, stamp: `${id}@2`, hash: mirrorHash(fields, M_HASHED), fields, drives: true, ...extra };
}
function cItem(id: string, fields: MappedFields = BASE, extra: Partial<SideItem> = {}): SideItem {
  return { id, stamp: `${id}@2`, hash: mirrorHash(fields, C_HASHED), fields, drives: true, ...extra };
}
function link(m = 'M1', c = 'X1', extra: Partial<MirrorLink> = {}): MirrorLink {
  return {
    kind: 'appointment', mailboxId: m, c4cId: c, mailboxStamp: `${m}@1`, c4cStamp: `${c}@1`,
    mailboxHash: mirrorHash(BASE, M_HASHED), c4cHash: mirrorHash(BASE, C_HASHED), synced: { ...BASE }, state: 'linked', ...extra,
  };
}
function view(side: 'mailbox' | 'c4c', changed: SideItem[] = [], gone: SideView['gone'] = [], extra: Partial<SideView> = {}): SideView {
  return { side, changed, gone, ...extra };
}
function plan(links: MirrorLink[], mailbox: SideView, c4c: SideView, rules: Partial<MirrorRules> = {}): MirrorAction[] {
  const input: PlanInput = { kind: 'appointment', links, mailbox, c4c, rules: { ...RULES, ...rules }, guards: GUARDS };
  const result = planMirror(input);
  expect(result.ok).toBe(true);
  return result.actions;
}
const types = (actions: MirrorAction[]) => actions.map((a) => (a.type === 'update' || a.type === 'delete' || a.type === 'create' ? `${a.type}:${a.target}` : a.type === 'link' ? `link:${a.state}` : a.type));

const covered = new Set<string>();
function row(id: string, name: string, fn: () => void): void {
  covered.add(id);
  test(`${id}: ${name}`, fn);
}

describe('decision table rows', () => {
  row('L1', 'only the stamp moved (same hash): refresh, no write; nothing in view: nothing', () => {
    const actions = plan([link()], view('mailbox', [mItem('M1')]), view('c4c'));
    expect(actions).toEqual([{ type: 'refresh', link: link(), mailbox: mItem('M1'), c4c: undefined }]);
    expect(plan([link()], view('mailbox'), view('c4c'))).toEqual([]);
  });

  row('L2', 'mailbox changed: update C4C with the changed fields that flow to C4C only', () => {
    const changed = { ...BASE, subject: 'Kick-off (moved)', notes: 'new agenda', status: 'done', internal: 'x' };
    const actions = plan([link()], view('mailbox', [mItem('M1', changed)]), view('c4c'));
    expect(types(actions)).toEqual(['update:c4c']);
    // status is to-mailbox (never flows to C4C), internal is none.
    expect(actions[0]).toMatchObject({ fields: { subject: 'Kick-off (moved)', notes: 'new agenda' }, conflicts: [] });
    expect(Object.keys((actions[0] as Extract<MirrorAction, { type: 'update' }>).fields).sort()).toEqual(['notes', 'subject']);
  });

  row('L2', 'read-only mailbox: a mailbox edit is reverted from C4C, nothing flows to C4C', () => {
    const changed = { ...BASE, subject: 'edited in Outlook', notes: 'edited too' };
    const actions = plan([link()], view('mailbox', [mItem('M1', changed)]), view('c4c'), { readOnlyMailbox: true });
    expect(types(actions)).toEqual(['update:mailbox']);
    expect(actions[0]).toMatchObject({ fields: { subject: 'Kick-off' } });
  });

  row('L3', 'C4C changed: update the mailbox with the changed fields that flow to the mailbox only', () => {
    const changed = { ...BASE, subject: 'Renamed in C4C', status: 'done', notes: 'C4C notes' };
    const actions = plan([link()], view('mailbox'), view('c4c', [cItem('X1', changed)]));
    expect(types(actions)).toEqual(['update:mailbox']);
    expect((actions[0] as Extract<MirrorAction, { type: 'update' }>).fields).toEqual({ subject: 'Renamed in C4C', status: 'done' });
  });

  row('L4', 'both changed: per-field merge, conflicts only on real collisions, decided by the rule', () => {
    const m = mItem('M1', { ...BASE, subject: 'Outlook subject', notes: 'Outlook notes' }, { changedAt: '2026-12-03T10:00:00Z' });
    const c = cItem('X1', { ...BASE, subject: 'C4C subject', status: 'done' }, { changedAt: '2026-12-03T09:00:00Z' });
    const c4cWins = plan([link()], view('mailbox', [m]), view('c4c', [c]));
    expect(types(c4cWins)).toEqual(['update:c4c', 'update:mailbox']);
    expect(c4cWins[0]).toMatchObject({ fields: { notes: 'Outlook notes' } });
    expect(c4cWins[1]).toMatchObject({ fields: { subject: 'C4C subject', status: 'done' }, conflicts: [{ field: 'subject', winner: 'c4c', rule: 'c4c-wins', mailboxValue: 'Outlook subject', c4cValue: 'C4C subject' }] });
    const mailboxWins = plan([link()], view('mailbox', [m]), view('c4c', [c]), { conflictRule: 'mailbox-wins' });
    expect(mailboxWins[0]).toMatchObject({ target: 'c4c', fields: { subject: 'Outlook subject', notes: 'Outlook notes' }, conflicts: [{ field: 'subject', winner: 'mailbox' }] });
    const latest = plan([link()], view('mailbox', [m]), view('c4c', [c]), { conflictRule: 'latest-wins' });
    expect(latest[0]).toMatchObject({ target: 'c4c', fields: { subject: 'Outlook subject' }, conflicts: [{ winner: 'mailbox', rule: 'latest-wins' }] });
    // Both changed to equal values: no conflict, no write, the link's stamps and hashes are refreshed.
    const same = { ...BASE, subject: 'Same' };
    expect(types(plan([link()], view('mailbox', [mItem('M1', same)]), view('c4c', [cItem('X1', same)])))).toEqual(['refresh']);
  });

  row('L5', 'mailbox deleted, C4C unchanged: delete in C4C; not deletable or read-only: tombstone', () => {
    expect(types(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c')))).toEqual(['delete:c4c']);
    expect(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c'), { c4cDeletable: false })).toMatchObject([{ type: 'detach', deletedOn: 'mailbox' }]);
    expect(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c', [cItem('X1')]), { readOnlyMailbox: true })).toMatchObject([{ type: 'detach', deletedOn: 'mailbox' }]);
  });

  row('L6', 'C4C deleted, mailbox unchanged (or only its stamp moved): delete in the mailbox', () => {
    expect(types(plan([link()], view('mailbox', [mItem('M1')]), view('c4c', [], [{ id: 'X1', reason: 'deleted' }])))).toEqual(['delete:mailbox']);
  });

  row('L7', 'mailbox deleted, C4C changed: the change wins (detach)', () => {
    const actions = plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c', [cItem('X1', { ...BASE, subject: 'new' })]));
    expect(actions).toMatchObject([{ type: 'detach', deletedOn: 'mailbox' }]);
  });

  row('L8', 'C4C deleted, mailbox changed: the change wins (detach)', () => {
    const actions = plan([link()], view('mailbox', [mItem('M1', { ...BASE, notes: 'new' })]), view('c4c', [], [{ id: 'X1', reason: 'deleted' }]));
    expect(actions).toMatchObject([{ type: 'detach', deletedOn: 'c4c' }]);
  });

  row('L9', 'deleted on both sides: unlink', () => {
    expect(types(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c', [], [{ id: 'X1', reason: 'deleted' }])))).toEqual(['unlink']);
  });

  row('L10', 'out of scope on either side: unlink, never a delete; the other side deleted: tombstone', () => {
    expect(types(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'out-of-scope' }]), view('c4c', [cItem('X1', { ...BASE, subject: 'x' })])))).toEqual(['unlink']);
    expect(types(plan([link()], view('mailbox', [mItem('M1', { ...BASE, subject: 'x' })]), view('c4c', [], [{ id: 'X1', reason: 'out-of-scope' }])))).toEqual(['unlink']);
    expect(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'out-of-scope' }]), view('c4c', [], [{ id: 'X1', reason: 'deleted' }]))).toMatchObject([{ type: 'detach', deletedOn: 'c4c' }]);
    expect(plan([link()], view('mailbox', [], [{ id: 'M1', reason: 'deleted' }]), view('c4c', [], [{ id: 'X1', reason: 'out-of-scope' }]))).toMatchObject([{ type: 'detach', deletedOn: 'mailbox' }]);
  });

  row('L11', 'a linked copy that no longer drives (the organizer claimed the meeting) becomes an observer, writing nothing', () => {
    const actions = plan([link()], view('mailbox', [mItem('M1', { ...BASE, subject: 'attendee edit' }, { drives: false })]), view('c4c'));
    expect(actions).toMatchObject([{ type: 'link', state: 'observer' }]);
    expect(actions[0]).not.toHaveProperty('patch');
  });

  const observer = link('B1', 'X1', { state: 'observer' });

  row('O1', "the attendee's copy goes (declined, deleted, out of scope): unlink only", () => {
    for (const reason of ['deleted', 'out-of-scope'] as const) {
      expect(types(plan([observer], view('mailbox', [], [{ id: 'B1', reason }]), view('c4c')))).toEqual(['unlink']);
    }
  });

  row('O2', 'observer: changes on either side write nothing (refresh); the appointment gone: unlink', () => {
    expect(types(plan([observer], view('mailbox', [mItem('B1', { ...BASE, subject: 'my copy' }, { drives: false })]), view('c4c', [cItem('X1', { ...BASE, subject: 'C4C' })])))).toEqual(['refresh']);
    expect(types(plan([observer], view('mailbox'), view('c4c', [], [{ id: 'X1', reason: 'deleted' }])))).toEqual(['unlink']);
  });

  row('O3', 'an observer copy that now drives is linked (the rule decides differing fields)', () => {
    const actions = plan([observer], view('mailbox', [mItem('B1', { ...BASE, subject: 'owner now' })]), view('c4c'), { conflictRule: 'mailbox-wins' });
    expect(actions).toMatchObject([{ type: 'link', state: 'linked', patch: { target: 'c4c', fields: { subject: 'owner now' } } }]);
  });

  const tombstone = link('M1', 'X1', { state: 'detached', mailboxId: undefined, mailboxStamp: undefined, mailboxHash: undefined });

  row('D1', 'tombstone: the survivor changed → refresh, left the scope → keep; never created on the deleting side', () => {
    expect(types(plan([tombstone], view('mailbox'), view('c4c', [cItem('X1', { ...BASE, subject: 'again' })])))).toEqual(['refresh']);
    expect(types(plan([tombstone], view('mailbox'), view('c4c', [], [{ id: 'X1', reason: 'out-of-scope' }])))).toEqual(['skip']);
  });

  row('D2', 'tombstone: the survivor deleted too → unlink', () => {
    expect(types(plan([tombstone], view('mailbox'), view('c4c', [], [{ id: 'X1', reason: 'deleted' }])))).toEqual(['unlink']);
  });

  row('N1', 'lost link table: items stamped (either way) or with one key are linked, never duplicated', () => {
    const m1 = mItem('M1', BASE, { key: 'uid-1' });
    const byStampOnC4c = cItem('X1', BASE, { stampedWith: 'uid-1' });
    const m2 = mItem('M2', { ...BASE, subject: 'other' }, { stampedWith: 'X2' });
    const x2 = cItem('X2', BASE);
    const m3 = mItem('M3', BASE, { key: 'uid-3' });
    const x3 = cItem('X3', BASE, { key: 'uid-3' });
    const actions = plan([], view('mailbox', [m1, m2, m3]), view('c4c', [byStampOnC4c, x2, x3]));
    expect(actions.map((a) => (a.type === 'link' ? `${a.mailbox.id}↔${a.c4c.id}` : a.type))).toEqual(['M1↔X1', 'M2↔X2', 'M3↔X3']);
    // M2 and X2 differ: C4C wins the subject; nothing created.
    expect(actions[1]).toMatchObject({ patch: { target: 'mailbox', fields: { subject: 'Kick-off' } } });
    // A counterpart found by lookup outside the scope: skipped, not created again.
    const outside = plan([], view('mailbox', [m1]), view('c4c', [], [], { counterparts: [{ ...byStampOnC4c, outOfScope: true }] }));
    expect(types(outside)).toEqual(['skip']);
  });

  row('N2', 'a new driving mailbox item: create in C4C; read-only, vanished stamp or a key already mirrored: skip', () => {
    expect(plan([], view('mailbox', [mItem('M1', BASE, { key: 'uid-1' })]), view('c4c'))).toMatchObject([{ type: 'create', target: 'c4c', source: { id: 'M1' } }]);
    expect(types(plan([], view('mailbox', [mItem('M1')]), view('c4c'), { readOnlyMailbox: true }))).toEqual(['skip']);
    expect(types(plan([], view('mailbox', [mItem('M1', BASE, { stampedWith: 'X-gone' })]), view('c4c')))).toEqual(['skip']);
    expect(types(plan([link('M0', 'X0', { key: 'uid-1' })], view('mailbox', [mItem('M1', BASE, { key: 'uid-1' })]), view('c4c')))).toEqual(['skip']);
  });

  row('N3', "an attendee's copy: observer link to the appointment with its key, else wait for the owner", () => {
    const copy = mItem('B1', BASE, { key: 'uid-1', drives: false });
    expect(plan([], view('mailbox', [copy]), view('c4c', [cItem('X1', BASE, { key: 'uid-1', stampedWith: 'uid-1' })]))).toMatchObject([{ type: 'link', state: 'observer' }]);
    expect(plan([], view('mailbox', [copy]), view('c4c'))).toMatchObject([{ type: 'skip', side: 'mailbox', id: 'B1' }]);
  });

  row('N4', 'a new C4C record: create in the mailbox; created from another mailbox (stamped) or key mirrored: skip', () => {
    expect(plan([], view('mailbox'), view('c4c', [cItem('X1')]))).toMatchObject([{ type: 'create', target: 'mailbox', source: { id: 'X1' } }]);
    expect(types(plan([], view('mailbox'), view('c4c', [cItem('X1', BASE, { stampedWith: 'uid-of-someone-else' })])))).toEqual(['skip']);
    expect(types(plan([link('M0', 'X0', { key: 'uid-1' })], view('mailbox'), view('c4c', [cItem('X1', BASE, { key: 'uid-1' })])))).toEqual(['skip']);
  });

  test('every row of the decision table has a test here, and the table prints as Markdown', () => {
    expect([...covered].sort()).toEqual(DECISION_TABLE.map((r) => r.id).sort());
    const md = decisionTableMarkdown();
    expect(md.split('\n')).toHaveLength(DECISION_TABLE.length + 2);
    expect(md).toContain('| L7 | linked | deleted | changed | detach');
  });
});

describe('conflict rules', () => {
  test('latest-wins compares changedAt; a tie or a missing time goes to C4C; a read-only mailbox never wins', () => {
    const m = mItem('M1', BASE, { changedAt: '2026-12-03T10:00:00.000Z' });
    const c = cItem('X1', BASE, { changedAt: '2026-12-03T10:00:00Z' });
    expect(conflictWinner('latest-wins', m, c)).toBe('c4c');
    expect(conflictWinner('latest-wins', { ...m, changedAt: '2026-12-03T10:00:01Z' }, c)).toBe('mailbox');
    expect(conflictWinner('latest-wins', { ...m, changedAt: undefined }, c)).toBe('c4c');
    expect(conflictWinner('mailbox-wins', m, c, true)).toBe('c4c');
  });
});

describe('guards', () => {
  const links = Array.from({ length: 10 }, (_, i) => link(`M${i}`, `X${i}`));
  const input = (mailbox: SideView, c4c: SideView, guards = GUARDS): PlanInput => ({ kind: 'appointment', links, mailbox, c4c, rules: RULES, guards });

  test('empty side: a listing far below the links aborts with the actions that would have run', () => {
    const result = planMirror(input(view('mailbox', [], [], { totalInScope: 4 }), view('c4c')));
    expect(result).toMatchObject({ ok: false, guard: 'empty-side', side: 'mailbox' });
    const ok = planMirror(input(view('mailbox', [], [], { totalInScope: 5 }), view('c4c')));
    expect(ok.ok).toBe(true);
    // Fewer links than minLinksForRatio: no guard.
    expect(planMirror({ ...input(view('mailbox', [], [], { totalInScope: 0 }), view('c4c')), links: links.slice(0, 4) }).ok).toBe(true);
  });

  test('empty side: more than half the links reported deleted aborts; nothing is applied', () => {
    const gone = links.slice(0, 6).map((l) => ({ id: l.c4cId ?? '', reason: 'deleted' as const }));
    const result = planMirror(input(view('mailbox'), view('c4c', [], gone)));
    expect(result).toMatchObject({ ok: false, guard: 'empty-side', side: 'c4c' });
    expect(types(result.actions)).toEqual(Array(6).fill('delete:mailbox'));
    expect(planMirror(input(view('mailbox'), view('c4c', [], gone.slice(0, 5)))).ok).toBe(true);
  });

  test('deletion cap: more deletions than the cap stop the session', () => {
    const gone = links.slice(0, 4).map((l) => ({ id: l.mailboxId ?? '', reason: 'deleted' as const }));
    const result = planMirror(input(view('mailbox', [], gone), view('c4c'), { ...GUARDS, maxDeletionsPerSession: 3 }));
    expect(result).toMatchObject({ ok: false, guard: 'deletion-cap', side: 'c4c' });
    expect(result.actions).toHaveLength(4);
    expect(planMirror(input(view('mailbox', [], gone), view('c4c'), { ...GUARDS, maxDeletionsPerSession: 4 })).ok).toBe(true);
  });

  test('a tripped guard in a session applies nothing and keeps the cursors (the same deletions come back)', async () => {
    const world = new World(1, DEFAULT_RULES, { maxDeletionsPerSession: 2, minSurvivingRatio: 0.5, minLinksForRatio: 100 });
    for (let i = 0; i < 3; i++) world.mailboxCreate(0);
    await world.session(0);
    expect(world.c4c.list()).toHaveLength(3);
    for (let i = 0; i < 3; i++) world.mailboxDelete(0, 0);
    const report = await world.session(0);
    expect(report.plan).toMatchObject({ ok: false, guard: 'deletion-cap' });
    expect(world.c4c.list()).toHaveLength(3);
    expect((await world.session(0)).plan).toMatchObject({ ok: false, guard: 'deletion-cap' });
  });
});

describe('the planner is pure', () => {
  test('the same input gives the same plan and the input is not modified', () => {
    const input: PlanInput = { kind: 'appointment', links: [link()], mailbox: view('mailbox', [mItem('M1', { ...BASE, subject: 'a' })]), c4c: view('c4c', [cItem('X1', { ...BASE, subject: 'b' })]), rules: RULES, guards: GUARDS };
    const copy = structuredClone(input);
    expect(planActions(input)).toEqual(planActions(copy));
    expect(input).toEqual(copy);
  });
});

describe('February 2020 shape (sync-anchors.md §1.5)', () => {
  /**
   * An organizer (mailbox 0) and an attendee (mailbox 1) of one organization share a meeting. The attendee's copy
   * disappears — declined (deleted) or removed from the mirrored scope — and the two mailboxes' sessions run in both
   * orders. The C4C appointment must never be deleted, and no write may ask to send an invitation or cancellation.
   */
  for (const disappearance of ['declined (deleted)', 'removed from scope'] as const) {
    for (const order of [[0, 1], [1, 0]] as const) {
      test(`attendee copy ${disappearance}, sessions ${order.join(' then ')}: the appointment stays, nothing notifies`, async () => {
        const world = new World(2, DEFAULT_RULES);
        const organizerCopy = world.meeting(0, [1], true);
        // Attendee first: it must wait for the owner instead of creating a second appointment.
        await world.session(1);
        expect(world.c4c.list()).toHaveLength(0);
        for (const mb of order) await world.session(mb);
        for (const mb of order) await world.session(mb);
        const [appointment] = world.c4c.list();
        expect(world.c4c.list()).toHaveLength(1);
        expect(appointment).toMatchObject({ key: organizerCopy.key, owner: 0 });
        expect(world.mailboxes[1].links.rows).toMatchObject([{ state: 'observer', c4cId: appointment.id }]);

        const attendeeCopy = world.mailboxes[1].store.list()[0];
        if (disappearance === 'declined (deleted)') world.mailboxDelete(1, 0);
        else world.mailboxScope(1, 0);
        expect(world.mailboxes[1].store.items.has(attendeeCopy.id)).toBe(disappearance === 'removed from scope');
        for (let round = 0; round < 2; round++) for (const mb of order) await world.session(mb);

        expect(world.c4c.items.get(appointment.id)).toBeDefined();
        expect(world.writes.filter((w) => w.side === 'c4c' && w.op === 'delete')).toEqual([]);
        // The only mailbox write: the organizer's copy stamped with the appointment's ObjectID (SendToNone).
        expect(world.writes.filter((w) => w.side === 'mailbox')).toEqual([expect.objectContaining({ op: 'stamp', id: organizerCopy.id, notify: false })]);
        expect(world.writes.some((w) => w.notify)).toBe(false);
        expect(world.mailboxes[1].links.rows).toEqual([]);
        expect(world.mailboxes[0].links.rows).toMatchObject([{ state: 'linked', mailboxId: organizerCopy.id, c4cId: appointment.id }]);
        expect(world.violations).toEqual([]);
      });
    }
  }

  test('the organizer cancelling deletes the appointment once, from the owner mailbox only, without notifying', async () => {
    const world = new World(2, DEFAULT_RULES);
    world.meeting(0, [1], true);
    await world.session(0);
    await world.session(1);
    world.mailboxDelete(0, 0); // the user's cancellation removes both copies
    await world.session(1);
    expect(world.c4c.list()).toHaveLength(1);
    await world.session(0);
    expect(world.c4c.list()).toHaveLength(0);
    expect(world.writes.filter((w) => w.op === 'delete')).toEqual([expect.objectContaining({ side: 'c4c', notify: false })]);
    expect(world.violations).toEqual([]);
  });
});
