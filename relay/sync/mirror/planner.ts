/**
 * The pure middle of mirroring: planMirror(links, views, rules) → actions, following the rows of decision-table.ts
 * (row ids in the comments). No I/O, no clock, no randomness: the same input always gives the same plan.
 *
 * Field semantics (E10): a field flows from a side only when its effective direction allows it; with
 * `readOnlyMailbox`, 'both' / 'to-mailbox' fields become 'to-mailbox' (and a mailbox edit of them is reverted from C4C)
 * and 'to-c4c' fields become 'none'. A field the directions do not name is 'none' (never written). A one-way field
 * flows when its source changed it; an edit on the receiving side of a one-way field is left alone.
 *
 * The merge base is `link.synced`: for 'both' fields the value both sides agreed on, for one-way fields the source's
 * value. A side absent from the view is unchanged, so its fields are taken to be `link.synced`.
 */
import { canonicalJson } from './mapping/hash';
import { checkGuards } from './guards';
import type {
  ConflictRule,
  Direction,
  FieldConflict,
  FieldValue,
  GoneReason,
  MappedFields,
  MirrorAction,
  MirrorLink,
  MirrorRules,
  PlanInput,
  PlanResult,
  Side,
  SideItem,
  SideView,
} from './types';

export function planMirror(input: PlanInput): PlanResult {
  return checkGuards(input, planActions(input));
}

// ---------------------------------------------------------------------------------------------------------------
// Field helpers (also used by apply.ts to compute a link's merge base after writes)

export function effectiveDirection(rules: MirrorRules, field: string): Direction {
  const d = rules.directions[field] ?? 'none';
  if (!rules.readOnlyMailbox) return d;
  return d === 'both' || d === 'to-mailbox' ? 'to-mailbox' : 'none';
}

export function flowsInto(direction: Direction, target: Side): boolean {
  return direction === 'both' || direction === (target === 'c4c' ? 'to-c4c' : 'to-mailbox');
}

/** Missing and null are the same value; objects compare with their keys sorted (as the hash does). */
export function sameValue(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

const valueOf = (fields: MappedFields, field: string): FieldValue => fields[field] ?? null;

function fieldNames(rules: MirrorRules, ...records: MappedFields[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) names.add(k);
  return [...names].filter((f) => effectiveDirection(rules, f) !== 'none').sort();
}

/** The fields of `fields` allowed to flow into `target`. */
export function fieldsInto(rules: MirrorRules, target: Side, fields: MappedFields): MappedFields {
  const out: MappedFields = {};
  for (const f of fieldNames(rules, fields)) if (flowsInto(effectiveDirection(rules, f), target)) out[f] = valueOf(fields, f);
  return out;
}

/**
 * The merge base of a pair whose sides now hold `mailbox` and `c4c`: 'both' fields from C4C (after a write both hold
 * the merged value; C4C's read-back is the normalised one), one-way fields from their source side.
 */
export function mergedBase(rules: MirrorRules, mailbox: MappedFields, c4c: MappedFields): MappedFields {
  const out: MappedFields = {};
  for (const f of fieldNames(rules, mailbox, c4c)) {
    const d = effectiveDirection(rules, f);
    out[f] = d === 'to-c4c' ? valueOf(mailbox, f) : valueOf(c4c, f);
  }
  return out;
}

/**
 * Who wins a conflict. latest-wins compares `changedAt`; a tie, or a side without `changedAt`, goes to C4C (the
 * system of record). A read-only mailbox never wins.
 */
export function conflictWinner(rule: ConflictRule, mailbox: SideItem | undefined, c4c: SideItem | undefined, readOnlyMailbox?: boolean): Side {
  if (readOnlyMailbox) return 'c4c';
  if (rule === 'mailbox-wins') return 'mailbox';
  if (rule === 'c4c-wins') return 'c4c';
  const m = mailbox?.changedAt ? Date.parse(mailbox.changedAt) : NaN;
  const c = c4c?.changedAt ? Date.parse(c4c.changedAt) : NaN;
  return Number.isFinite(m) && Number.isFinite(c) && m > c ? 'mailbox' : 'c4c';
}

// ---------------------------------------------------------------------------------------------------------------
// Per-side state of a linked item

type SideState =
  | { kind: 'unchanged' }
  /** In the view with the link's hash: only the stamp moved (or nothing at all). */
  | { kind: 'stamp'; item: SideItem }
  | { kind: 'changed'; item: SideItem }
  | { kind: 'gone'; reason: GoneReason };

interface ViewIndex {
  changed: Map<string, SideItem>;
  gone: Map<string, GoneReason>;
}

function indexView(view: SideView): ViewIndex {
  return { changed: new Map(view.changed.map((i) => [i.id, i])), gone: new Map(view.gone.map((g) => [g.id, g.reason])) };
}

function stateOf(index: ViewIndex, id: string | undefined, hash: string | undefined): SideState | undefined {
  if (id === undefined) return undefined;
  const reason = index.gone.get(id);
  if (reason) return { kind: 'gone', reason };
  const item = index.changed.get(id);
  if (!item) return { kind: 'unchanged' };
  return item.hash === hash ? { kind: 'stamp', item } : { kind: 'changed', item };
}

const itemOf = (s: SideState | undefined): SideItem | undefined => (s && (s.kind === 'stamp' || s.kind === 'changed') ? s.item : undefined);
const moved = (s: SideState | undefined, stamp: string | undefined): boolean =>
  s?.kind === 'changed' || (s?.kind === 'stamp' && s.item.stamp !== stamp);

/** A side's item as the link knows it (for a 'link' action when that side is absent from the view). */
function fromLink(link: MirrorLink, side: Side): SideItem {
  return side === 'mailbox'
    ? { id: link.mailboxId ?? '', stamp: link.mailboxStamp ?? '', hash: link.mailboxHash ?? '', fields: link.synced, key: link.key, drives: true }
    : { id: link.c4cId ?? '', stamp: link.c4cStamp ?? '', hash: link.c4cHash ?? '', fields: link.synced, key: link.key, drives: true };
}

// ---------------------------------------------------------------------------------------------------------------
// The merge of a linked pair (rows L2, L3, L4)

interface Merge {
  toMailbox: MappedFields;
  toC4c: MappedFields;
  conflicts: FieldConflict[];
}

export function mergePair(link: MirrorLink, mailbox: SideItem | undefined, c4c: SideItem | undefined, rules: MirrorRules): Merge {
  const base = link.synced;
  const mFields = mailbox?.fields ?? base;
  const cFields = c4c?.fields ?? base;
  const out: Merge = { toMailbox: {}, toC4c: {}, conflicts: [] };
  let winner: Side | undefined;
  for (const f of fieldNames(rules, mFields, cFields, base)) {
    const d = effectiveDirection(rules, f);
    const bv = valueOf(base, f);
    const mv = valueOf(mFields, f);
    const cv = valueOf(cFields, f);
    const mChanged = mailbox !== undefined && !sameValue(mv, bv);
    const cChanged = c4c !== undefined && !sameValue(cv, bv);
    if (d === 'to-c4c') {
      if (mChanged) out.toC4c[f] = mv;
    } else if (d === 'to-mailbox') {
      // Read-only: a mailbox edit of a field C4C owns is reverted, so the mailbox always ends with C4C's value.
      if (cChanged || (rules.readOnlyMailbox && mChanged && !sameValue(mv, cv))) out.toMailbox[f] = cv;
    } else if (mChanged && cChanged) {
      if (sameValue(mv, cv)) continue;
      winner ??= conflictWinner(rules.conflictRule, mailbox, c4c, rules.readOnlyMailbox);
      out.conflicts.push({ field: f, mailboxValue: mv, c4cValue: cv, winner, rule: rules.conflictRule });
      if (winner === 'mailbox') out.toC4c[f] = mv;
      else out.toMailbox[f] = cv;
    } else if (mChanged) {
      out.toC4c[f] = mv;
    } else if (cChanged) {
      out.toMailbox[f] = cv;
    }
  }
  return out;
}

const isEmpty = (fields: MappedFields): boolean => Object.keys(fields).length === 0;

/**
 * Pairs two existing items (rows N1, N3, O3, L11). With no merge base, the rule decides the 'both' fields that differ
 * (a read-only mailbox always loses); a one-way field takes its source's value. Observers get no writes.
 */
function linkPair(mailbox: SideItem, c4c: SideItem, state: 'linked' | 'observer', rules: MirrorRules): MirrorAction {
  if (state === 'observer') return { type: 'link', mailbox, c4c, state };
  const winner = conflictWinner(rules.conflictRule, mailbox, c4c, rules.readOnlyMailbox);
  const writes: Record<Side, MappedFields> = { mailbox: {}, c4c: {} };
  for (const f of fieldNames(rules, mailbox.fields, c4c.fields)) {
    const mv = valueOf(mailbox.fields, f);
    const cv = valueOf(c4c.fields, f);
    if (sameValue(mv, cv)) continue;
    const d = effectiveDirection(rules, f);
    const from: Side = d === 'to-c4c' ? 'mailbox' : d === 'to-mailbox' ? 'c4c' : winner;
    writes[from === 'mailbox' ? 'c4c' : 'mailbox'][f] = from === 'mailbox' ? mv : cv;
  }
  const loser: Side = winner === 'mailbox' ? 'c4c' : 'mailbox';
  const first = isEmpty(writes[loser]) ? winner : loser;
  const second: Side = first === 'mailbox' ? 'c4c' : 'mailbox';
  const action: Extract<MirrorAction, { type: 'link' }> = { type: 'link', mailbox, c4c, state };
  if (!isEmpty(writes[first])) action.patch = { target: first, fields: writes[first] };
  if (!isEmpty(writes[second])) action.counterPatch = { target: second, fields: writes[second] };
  return action;
}

// ---------------------------------------------------------------------------------------------------------------
// Linked items

function planLinked(link: MirrorLink, m: SideState, c: SideState, rules: MirrorRules): MirrorAction[] {
  const mItem = itemOf(m);
  const cItem = itemOf(c);
  if (m.kind === 'gone' || c.kind === 'gone') {
    const mReason = m.kind === 'gone' ? m.reason : undefined;
    const cReason = c.kind === 'gone' ? c.reason : undefined;
    if (mReason === 'deleted' && cReason === 'out-of-scope') {
      return [{ type: 'detach', link, deletedOn: 'mailbox', reason: 'deleted in the mailbox while the C4C record left the scope: tombstone, nothing deleted (L10)' }];
    }
    if (cReason === 'deleted' && mReason === 'out-of-scope') {
      return [{ type: 'detach', link, deletedOn: 'c4c', reason: 'deleted in C4C while the mailbox item left the scope: tombstone, nothing deleted (L10)' }];
    }
    if (mReason === 'out-of-scope' || cReason === 'out-of-scope') {
      return [{ type: 'unlink', link, reason: `left the scope on ${mReason === 'out-of-scope' ? 'the mailbox' : 'C4C'} (L10)` }];
    }
    if (mReason && cReason) return [{ type: 'unlink', link, reason: 'deleted on both sides (L9)' }];
    if (mReason) {
      if (c.kind === 'changed') return [{ type: 'detach', link, deletedOn: 'mailbox', reason: 'deleted in the mailbox, changed in C4C: the change wins (L7)' }];
      // Not deleted in C4C; the tombstone keeps the record from being copied into the mailbox again.
      if (rules.readOnlyMailbox) return [{ type: 'detach', link, deletedOn: 'mailbox', reason: 'deleted in a read-only mailbox: nothing flows to C4C (L5)' }];
      if (!rules.c4cDeletable) return [{ type: 'detach', link, deletedOn: 'mailbox', reason: 'deleted in the mailbox; C4C records of this kind are not deleted (L5)' }];
      return [{ type: 'delete', target: 'c4c', link }];
    }
    if (m.kind === 'changed') return [{ type: 'detach', link, deletedOn: 'c4c', reason: 'deleted in C4C, changed in the mailbox: the change wins (L8)' }];
    return [{ type: 'delete', target: 'mailbox', link }];
  }
  if (mItem && m.kind === 'changed' && !mItem.drives) {
    return [linkPair(mItem, cItem ?? fromLink(link, 'c4c'), 'observer', rules)];
  }
  const merge = mergePair(link, m.kind === 'changed' ? mItem : undefined, c.kind === 'changed' ? cItem : undefined, rules);
  const actions: MirrorAction[] = [];
  if (!isEmpty(merge.toC4c)) actions.push({ type: 'update', target: 'c4c', link, fields: merge.toC4c, mailbox: mItem, c4c: cItem, conflicts: merge.conflicts.filter((x) => x.winner === 'mailbox') });
  if (!isEmpty(merge.toMailbox)) actions.push({ type: 'update', target: 'mailbox', link, fields: merge.toMailbox, mailbox: mItem, c4c: cItem, conflicts: merge.conflicts.filter((x) => x.winner === 'c4c') });
  if (actions.length === 0 && (moved(m, link.mailboxStamp) || moved(c, link.c4cStamp))) actions.push({ type: 'refresh', link, mailbox: mItem, c4c: cItem });
  return actions;
}

function planObserver(link: MirrorLink, m: SideState, c: SideState, rules: MirrorRules): MirrorAction[] {
  if (m.kind === 'gone') return [{ type: 'unlink', link, reason: `attendee copy ${m.reason === 'deleted' ? 'deleted' : 'left the scope'}: never a delete of the meeting (O1)` }];
  if (c.kind === 'gone') return [{ type: 'unlink', link, reason: `C4C appointment ${c.reason === 'deleted' ? 'deleted' : 'left the scope'}; the attendee copy is not touched (O2)` }];
  const mItem = itemOf(m);
  if (mItem && m.kind === 'changed' && mItem.drives) return [linkPair(mItem, itemOf(c) ?? fromLink(link, 'c4c'), 'linked', rules)];
  if (moved(m, link.mailboxStamp) || moved(c, link.c4cStamp)) return [{ type: 'refresh', link, mailbox: mItem, c4c: itemOf(c) }];
  return [];
}

function planDetached(link: MirrorLink, m: SideState | undefined, c: SideState | undefined): MirrorAction[] {
  const survivor = m ?? c;
  const side: Side = m ? 'mailbox' : 'c4c';
  if (!survivor) return [{ type: 'unlink', link, reason: 'tombstone without ids' }];
  if (survivor.kind === 'gone') {
    if (survivor.reason === 'deleted') return [{ type: 'unlink', link, reason: 'the detached survivor was deleted too (D2)' }];
    return [{ type: 'skip', reason: 'detached item left the scope: the tombstone stays so it is never recreated (D1)', id: (side === 'mailbox' ? link.mailboxId : link.c4cId) ?? '', side }];
  }
  if (moved(survivor, side === 'mailbox' ? link.mailboxStamp : link.c4cStamp)) {
    return [{ type: 'refresh', link, mailbox: m ? itemOf(m) : undefined, c4c: c ? itemOf(c) : undefined }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// New items (rows N1–N4)

const stampMatches = (m: SideItem, c: SideItem): boolean =>
  (m.stampedWith !== undefined && m.stampedWith === c.id) ||
  (c.stampedWith !== undefined && (c.stampedWith === m.id || (m.key !== undefined && c.stampedWith === m.key)));

function candidates(view: SideView, linkedIds: Set<string>): SideItem[] {
  const seen = new Set<string>();
  const out: SideItem[] = [];
  for (const item of [...view.changed, ...(view.counterparts ?? [])]) {
    if (linkedIds.has(item.id) || seen.has(item.id)) continue;
    seen.add(item.id);
    out.push(item);
  }
  return out;
}

function findCounterpart(item: SideItem, side: Side, pool: SideItem[], used: Set<string>): SideItem | undefined {
  const free = pool.filter((p) => !used.has(p.id));
  const pair = (p: SideItem) => (side === 'mailbox' ? ([item, p] as const) : ([p, item] as const));
  return free.find((p) => stampMatches(...pair(p))) ?? (item.key !== undefined ? free.find((p) => p.key === item.key) : undefined);
}

function planNew(input: PlanInput): MirrorAction[] {
  const { links, rules } = input;
  const linkedM = new Set(links.flatMap((l) => (l.mailboxId ? [l.mailboxId] : [])));
  const linkedC = new Set(links.flatMap((l) => (l.c4cId ? [l.c4cId] : [])));
  const linkedKeys = new Set(links.flatMap((l) => (l.key !== undefined && l.state !== 'observer' ? [l.key] : [])));
  const byC4cId = new Map(links.flatMap((l) => (l.c4cId ? [[l.c4cId, l] as const] : [])));
  const mPool = candidates(input.mailbox, linkedM);
  const cPool = candidates(input.c4c, linkedC);
  const usedM = new Set<string>();
  const usedC = new Set<string>();
  const actions: MirrorAction[] = [];

  for (const m of input.mailbox.changed) {
    if (linkedM.has(m.id) || usedM.has(m.id)) continue;
    usedM.add(m.id);
    const c = findCounterpart(m, 'mailbox', cPool, usedC);
    if (c) {
      usedC.add(c.id);
      if (c.outOfScope) actions.push({ type: 'skip', reason: `its C4C counterpart ${c.id} exists outside the scope: not created again (N1)`, id: m.id, side: 'mailbox' });
      else actions.push(linkPair(m, c, m.drives ? 'linked' : 'observer', rules));
      continue;
    }
    const stampLink = m.stampedWith !== undefined ? byC4cId.get(m.stampedWith) : undefined;
    if (!m.drives) actions.push({ type: 'skip', reason: "attendee's copy: waits for the owner mailbox to create the appointment (N3)", id: m.id, side: 'mailbox' });
    else if (rules.readOnlyMailbox) actions.push({ type: 'skip', reason: 'read-only mailbox: nothing is created in C4C (N2)', id: m.id, side: 'mailbox' });
    else if (m.stampedWith !== undefined && (!stampLink || stampLink.state === 'detached')) {
      actions.push({ type: 'skip', reason: `stamped with C4C record ${m.stampedWith}, which is gone or outside the scope: not recreated (N2)`, id: m.id, side: 'mailbox' });
    } else if (m.key !== undefined && linkedKeys.has(m.key)) {
      actions.push({ type: 'skip', reason: `another item with key ${m.key} is already mirrored: no second C4C record (N2)`, id: m.id, side: 'mailbox' });
    } else actions.push({ type: 'create', target: 'c4c', source: m });
  }

  for (const c of input.c4c.changed) {
    if (linkedC.has(c.id) || usedC.has(c.id)) continue;
    usedC.add(c.id);
    const m = findCounterpart(c, 'c4c', mPool, usedM);
    if (m) {
      usedM.add(m.id);
      if (m.outOfScope) actions.push({ type: 'skip', reason: `its mailbox counterpart ${m.id} exists outside the scope: not created again (N1)`, id: c.id, side: 'c4c' });
      else actions.push(linkPair(m, c, m.drives ? 'linked' : 'observer', rules));
      continue;
    }
    if (c.stampedWith !== undefined) {
      actions.push({ type: 'skip', reason: `stamped with mailbox item ${c.stampedWith}, not held here (another mailbox's, or deleted): not copied in (N4)`, id: c.id, side: 'c4c' });
    } else if (c.key !== undefined && linkedKeys.has(c.key)) {
      actions.push({ type: 'skip', reason: `another item with key ${c.key} is already mirrored: no second mailbox item (N4)`, id: c.id, side: 'c4c' });
    } else actions.push({ type: 'create', target: 'mailbox', source: c });
  }
  return actions;
}

// ---------------------------------------------------------------------------------------------------------------

/** The actions before the guards; exported for tests and for the guards' warning. */
export function planActions(input: PlanInput): MirrorAction[] {
  const mIndex = indexView(input.mailbox);
  const cIndex = indexView(input.c4c);
  const actions: MirrorAction[] = [];
  for (const link of input.links) {
    const m = stateOf(mIndex, link.mailboxId, link.mailboxHash);
    const c = stateOf(cIndex, link.c4cId, link.c4cHash);
    if (link.state === 'detached' || !m || !c) actions.push(...planDetached(link, m, c));
    else if (link.state === 'observer') actions.push(...planObserver(link, m, c, input.rules));
    else actions.push(...planLinked(link, m, c, input.rules));
  }
  actions.push(...planNew(input));
  return actions;
}
