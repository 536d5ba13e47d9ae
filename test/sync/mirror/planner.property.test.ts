/**
 * Model-based property tests of the mirror (vdirsyncer's SyncMachine ported to fast-check; sync-anchors.md §3.6 and
 * lesson 14): random sequences of user operations on both sides (edits, deletes, category / scope moves, meetings
 * shared by several mailboxes, cancellations, declines) interleaved with sessions of random mailboxes in random order,
 * some with failing writes (before or after the write reaches the server), failing link writes, or a crash after n
 * writes, and lost link tables (rebuilt from both sides' stamps). Then two quiet rounds (every mailbox, no faults) and the invariants:
 *   - convergence: every link points at live items in scope, linked pairs hold equal fields in the allowed directions;
 *   - a third quiet round writes nothing;
 *   - no duplicates: one C4C record per meeting key / per stamp, one mailbox item per C4C record, one link per id;
 *   - nothing deleted comes back (no create from a record whose linked copy a user deleted);
 *   - an attendee's copy never creates, updates or deletes the C4C appointment (only the owner mailbox does);
 *   - no write carries a field against its direction, no write asks to send invitations / cancellations.
 * The sequence counts are in the test names; together they are 10,000 sequences.
 */
import fc from 'fast-check';
import { World, FIELDS, DEFAULT_RULES, type ModelField, type SessionFaults } from './model';
import type { MirrorRules } from '../../../relay/sync/mirror/types';

type Op =
  | { op: 'mbCreate'; mb: number }
  | { op: 'meeting'; mb: number; attendees: number[]; attendeeScope: boolean }
  | { op: 'mbEdit'; mb: number; pick: number; field: ModelField }
  | { op: 'mbDelete'; mb: number; pick: number }
  | { op: 'mbScope'; mb: number; pick: number }
  | { op: 'pairEdit'; mb: number; pick: number; mField: ModelField; cField: ModelField }
  | { op: 'c4cCreate'; owner: number }
  | { op: 'c4cEdit'; pick: number; field: ModelField }
  | { op: 'c4cDelete'; pick: number }
  | { op: 'c4cScope'; pick: number }
  | { op: 'loseLinks'; mb: number }
  | { op: 'session'; mb: number; faults: SessionFaults };

function opArb(mailboxes: number): fc.Arbitrary<Op> {
  const mb = fc.integer({ min: 0, max: mailboxes - 1 });
  const pick = fc.nat({ max: 4 });
  const field = fc.constantFrom<ModelField>(...FIELDS);
  const faults: fc.Arbitrary<SessionFaults> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ fail: fc.dictionary(fc.integer({ min: 0, max: 4 }).map(String), fc.constantFrom<'before' | 'after'>('before', 'after'), { maxKeys: 2 }) }).map((f) => ({ fail: Object.fromEntries(Object.entries(f.fail).map(([k, v]) => [Number(k), v])) })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((n) => ({ crashAfterWrites: n })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((n) => ({ failPutAfterWrite: n })) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ op: fc.constant('mbCreate' as const), mb }) },
    { weight: mailboxes > 1 ? 2 : 0, arbitrary: fc.record({ op: fc.constant('meeting' as const), mb, attendees: fc.array(mb, { maxLength: mailboxes }), attendeeScope: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('mbEdit' as const), mb, pick, field }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('mbDelete' as const), mb, pick }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('mbScope' as const), mb, pick }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('pairEdit' as const), mb, pick, mField: field, cField: field, same: fc.boolean() }).map(({ same, ...o }) => (same ? { ...o, cField: o.mField } : o)) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('c4cCreate' as const), owner: mb }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('c4cEdit' as const), pick, field }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('c4cDelete' as const), pick }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('c4cScope' as const), pick }) },
    { weight: 7, arbitrary: fc.record({ op: fc.constant('session' as const), mb, faults }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('loseLinks' as const), mb }) },
  );
}

async function run(world: World, ops: Op[]): Promise<void> {
  for (const o of ops) {
    switch (o.op) {
      case 'mbCreate': world.mailboxCreate(o.mb); break;
      case 'meeting': world.meeting(o.mb, o.attendees, o.attendeeScope); break;
      case 'mbEdit': world.mailboxEdit(o.mb, o.pick, o.field); break;
      case 'mbDelete': world.mailboxDelete(o.mb, o.pick); break;
      case 'mbScope': world.mailboxScope(o.mb, o.pick); break;
      case 'pairEdit': world.pairEdit(o.mb, o.pick, o.mField, o.cField); break;
      case 'c4cCreate': world.c4cCreate(o.owner); break;
      case 'c4cEdit': world.c4cEdit(o.pick, o.field); break;
      case 'c4cDelete': world.c4cDelete(o.pick); break;
      case 'c4cScope': world.c4cScope(o.pick); break;
      case 'loseLinks': world.loseLinks(o.mb); break;
      case 'session': await world.session(o.mb, o.faults); break;
    }
  }
}

/** What all generated sequences did (before the quiet rounds), to prove the generator reaches every branch. */
const totals: Record<string, number> = {};
function addStats(world: World): void {
  for (const [k, v] of Object.entries(world.stats)) totals[k] = (totals[k] ?? 0) + v;
}

async function checkAll(world: World, order: number[]): Promise<void> {
  addStats(world);
  for (let round = 0; round < 2; round++) for (const mb of order) await world.session(mb);
  const problems = [...world.violations, ...world.convergenceProblems(), ...world.duplicateProblems()];
  const before = world.writes.length;
  for (const mb of order) await world.session(mb);
  if (world.writes.length !== before) problems.push(`a quiet round after convergence wrote ${world.writes.length - before} times: ${JSON.stringify(world.writes.slice(before))}`);
  if (world.writes.some((w) => w.notify)) problems.push('a write asked to send invitations or cancellations');
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

const ruleArb = (overrides: fc.Arbitrary<Partial<MirrorRules>>): fc.Arbitrary<MirrorRules> =>
  fc.tuple(fc.constantFrom<MirrorRules['conflictRule']>('mailbox-wins', 'c4c-wins', 'latest-wins'), overrides).map(([conflictRule, o]) => ({ ...DEFAULT_RULES, conflictRule, ...o }));

const MAILBOXES = 3;

describe('mirror planner + executor against in-memory sides (model-based)', () => {
  test('3 mailboxes sharing meetings, sessions in random order, failures and crashes: converge, no duplicates, nothing deleted returns, attendees never delete (7,000 sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(
        ruleArb(fc.constant({})),
        fc.array(opArb(MAILBOXES), { minLength: 1, maxLength: 30, size: 'max' }),
        fc.shuffledSubarray([0, 1, 2], { minLength: MAILBOXES, maxLength: MAILBOXES }),
        async (rules, ops, order) => {
          const world = new World(MAILBOXES, rules);
          await run(world, ops);
          await checkAll(world, order);
        },
      ),
      { numRuns: 7000 },
    );
  });

  test('1 mailbox, contact rules (read-only mailbox or not, C4C deletable or not): the same invariants (3,000 sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(
        ruleArb(fc.record({ readOnlyMailbox: fc.boolean(), c4cDeletable: fc.boolean() })),
        fc.array(opArb(1), { minLength: 1, maxLength: 30, size: 'max' }),
        async (rules, ops) => {
          const world = new World(1, rules);
          await run(world, ops);
          await checkAll(world, [0]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('the generated sequences reach every branch of the decision table', () => {
    for (const what of ['create', 'update', 'delete', 'unlink', 'detach', 'refresh', 'link:linked', 'link:observer', 'skip:N1', 'skip:N3', 'skip:N4', 'conflicts', 'failed items', 'crashed sessions', 'lost link tables']) {
      expect([what, totals[what] ?? 0]).toEqual([what, expect.any(Number)]);
      expect(totals[what] ?? 0).toBeGreaterThan(10);
    }
    // Printed for the README / closing note.
    process.stdout.write(`mirror property totals: ${JSON.stringify(totals)}\n`);
  });
});
