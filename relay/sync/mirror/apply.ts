/**
 * The executor of a mirror plan (I/O): applies planMirror's actions in order through the two side adapters and writes
 * the item's link after EACH item (never once per session), so a crash or a failing item loses nothing: what was
 * applied is in the link table, what was not is planned again from the next session's views.
 *
 * Session order (the caller, relay/sync/mirror/step.ts):
 *   1. views = await readViews(mailbox, c4c, links)        both reads, plus lookups for unlinked items' counterparts
 *   2. plan = planMirror({ links, ...views, rules, guards })  pure; a tripped guard applies nothing
 *   3. result = await applyPlan(plan.actions, options)
 *   4. if (result.cursorsMayCommit) commit both adapters' cursors (commitCursors below)
 * applyPlan itself never commits cursors: a session with a failed item, or one stopped by its signal, keeps the old
 * cursors, so the next session reads the same changes again and retries the failed item (the links written per item
 * make re-reading idempotent: an applied change now has the link's hash and plans to nothing, or to a refresh).
 */
import { fieldsInto, mergedBase } from './planner';
import type {
  FieldConflict,
  MappedFields,
  MirrorAction,
  MirrorDecisionLog,
  MirrorKind,
  MirrorLink,
  MirrorLinkRepository,
  MirrorLookup,
  MirrorRules,
  Side,
  SideAdapter,
  SideItem,
  SideView,
} from './types';

export interface ApplyOptions {
  organizationId: string;
  userId: string;
  kind: MirrorKind;
  mailbox: SideAdapter;
  c4c: SideAdapter;
  links: MirrorLinkRepository;
  rules: MirrorRules;
  /** Stops between items (shutdown, session time budget); the rest is planned again next session. */
  signal?: AbortSignal;
  now?: () => Date;
}

export interface MirrorItemError {
  action: MirrorAction['type'];
  target?: Side;
  mailboxId?: string;
  c4cId?: string;
  message: string;
}

export type ActionCounts = Record<MirrorAction['type'], number>;

export interface ApplyResult {
  /** Actions applied, per type (a failed action is not counted here but in `failed`). */
  counts: ActionCounts;
  failed: number;
  errors: MirrorItemError[];
  /** Every conflict decided by the rule in an applied action. */
  conflicts: FieldConflict[];
  /** One line per action (applied, skipped or failed). */
  log: MirrorDecisionLog[];
  /** True when the signal stopped the session before the last action. */
  stopped: boolean;
  /** Every action was applied: the caller may commit both adapters' cursors. */
  cursorsMayCommit: boolean;
}

const emptyCounts = (): ActionCounts => ({ create: 0, link: 0, update: 0, delete: 0, unlink: 0, detach: 0, refresh: 0, skip: 0 });

function subjectOf(fields: MappedFields | undefined): string | undefined {
  if (!fields) return undefined;
  for (const name of ['subject', 'name', 'lastName']) {
    const v = fields[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

function idsOf(action: MirrorAction): { mailboxId?: string; c4cId?: string } {
  switch (action.type) {
    case 'create':
      return action.target === 'c4c' ? { mailboxId: action.source.id } : { c4cId: action.source.id };
    case 'link':
      return { mailboxId: action.mailbox.id, c4cId: action.c4c.id };
    case 'skip':
      return action.side === 'mailbox' ? { mailboxId: action.id } : { c4cId: action.id };
    default:
      return { mailboxId: action.link.mailboxId, c4cId: action.link.c4cId };
  }
}

/** The actions of one item: the planner emits up to two updates of one link (one per side) next to each other. */
function groupByItem(actions: MirrorAction[]): MirrorAction[][] {
  const groups: MirrorAction[][] = [];
  for (const a of actions) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (prev && prev.type === 'update' && a.type === 'update' && prev.link === a.link) last.push(a);
    else groups.push([a]);
  }
  return groups;
}

export async function applyPlan(actions: MirrorAction[], options: ApplyOptions): Promise<ApplyResult> {
  const { organizationId, userId, kind, rules } = options;
  const now = options.now ?? (() => new Date());
  const adapter = (side: Side): SideAdapter => (side === 'mailbox' ? options.mailbox : options.c4c);
  const put = (link: MirrorLink) => options.links.put(organizationId, userId, { ...link, updatedAt: now().toISOString() });
  const remove = (link: MirrorLink) => options.links.remove(organizationId, userId, kind, { mailboxId: link.mailboxId, c4cId: link.c4cId });
  const result: ApplyResult = { counts: emptyCounts(), failed: 0, errors: [], conflicts: [], log: [], stopped: false, cursorsMayCommit: false };

  /** The link of a pair after writes: both sides' current stamps / hashes and the merge base they now share. */
  const linkAfter = (base: MirrorLink, m: SideItem | undefined, c: SideItem | undefined): MirrorLink => ({
    ...base,
    mailboxId: m?.id ?? base.mailboxId,
    mailboxStamp: m?.stamp ?? base.mailboxStamp,
    mailboxHash: m?.hash ?? base.mailboxHash,
    c4cId: c?.id ?? base.c4cId,
    c4cStamp: c?.stamp ?? base.c4cStamp,
    c4cHash: c?.hash ?? base.c4cHash,
    synced: mergedBase(rules, m?.fields ?? base.synced, c?.fields ?? base.synced),
  });

  const pairLink = (m: SideItem, c: SideItem, state: MirrorLink['state']): MirrorLink =>
    linkAfter({ kind, state, synced: {}, key: m.key ?? c.key }, m, c);

  async function applyOne(a: MirrorAction, current: { m?: SideItem; c?: SideItem }): Promise<MirrorLink | 'removed' | undefined> {
    switch (a.type) {
      case 'create': {
        const fields = fieldsInto(rules, a.target, a.source.fields);
        // The new item is stamped with the source's id (key), then the source with the new item's: both sides carry
        // the pair. A failed source stamp fails the item; the next session re-links it by the new item's stamp.
        if (a.target === 'c4c') {
          const created = await options.c4c.create(fields, a.source.key ?? a.source.id);
          const source = options.mailbox.stamp ? await options.mailbox.stamp(a.source.id, created.id) : a.source;
          return pairLink(source, created, 'linked');
        }
        const created = await options.mailbox.create(fields, a.source.id);
        const source = options.c4c.stamp ? await options.c4c.stamp(a.source.id, created.key ?? created.id) : a.source;
        return pairLink(created, source, 'linked');
      }
      case 'link': {
        let m = a.mailbox;
        let c = a.c4c;
        for (const patch of [a.patch, a.counterPatch]) {
          if (!patch) continue;
          const target = patch.target === 'mailbox' ? m : c;
          const written = await adapter(patch.target).update(target.id, patch.fields, target.stamp);
          if (patch.target === 'mailbox') m = written;
          else c = written;
        }
        // A driving pair carries both stamps from now on (self-healing after a failed stamp or an older link).
        if (a.state === 'linked') {
          if (options.mailbox.stamp && m.stampedWith !== c.id) m = await options.mailbox.stamp(m.id, c.id);
          const mine = m.key ?? m.id;
          if (options.c4c.stamp && c.stampedWith !== mine && c.stampedWith !== m.id) c = await options.c4c.stamp(c.id, mine);
        }
        return pairLink(m, c, a.state);
      }
      case 'update': {
        const targetItem = a.target === 'mailbox' ? current.m : current.c;
        const id = (a.target === 'mailbox' ? a.link.mailboxId : a.link.c4cId) ?? '';
        const stamp = targetItem?.stamp ?? (a.target === 'mailbox' ? a.link.mailboxStamp : a.link.c4cStamp);
        const written = await adapter(a.target).update(id, a.fields, stamp);
        if (a.target === 'mailbox') current.m = written;
        else current.c = written;
        return linkAfter(a.link, current.m, current.c);
      }
      case 'delete': {
        const id = a.target === 'mailbox' ? a.link.mailboxId : a.link.c4cId;
        if (id !== undefined) await adapter(a.target).delete(id);
        await remove(a.link);
        return 'removed';
      }
      case 'unlink':
        await remove(a.link);
        return 'removed';
      case 'detach':
        return a.deletedOn === 'mailbox'
          ? { ...a.link, state: 'detached', mailboxId: undefined, mailboxStamp: undefined, mailboxHash: undefined }
          : { ...a.link, state: 'detached', c4cId: undefined, c4cStamp: undefined, c4cHash: undefined };
      case 'refresh':
        return linkAfter(a.link, a.mailbox, a.c4c);
      case 'skip':
        return undefined;
    }
  }

  for (const group of groupByItem(actions)) {
    if (options.signal?.aborted) {
      result.stopped = true;
      break;
    }
    const first = group[0];
    const current = first.type === 'update' ? { m: first.mailbox, c: first.c4c } : {};
    let link: MirrorLink | 'removed' | undefined;
    let done = 0;
    try {
      for (const a of group) {
        link = await applyOne(a, current);
        done += 1;
      }
      if (link && link !== 'removed') await put(link);
    } catch (error) {
      // A failed link write fails the whole item: its writes happened, but the link does not show it yet.
      const failed = group[done] ?? group[group.length - 1];
      result.failed += group.length - done || group.length;
      result.errors.push({ action: failed.type, target: 'target' in failed ? failed.target : undefined, ...idsOf(failed), message: error instanceof Error ? error.message : String(error) });
      for (const a of group) result.log.push({ kind, action: a.type, ...idsOf(a), subject: subjectOfAction(a), reason: `failed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    for (const a of group) {
      result.counts[a.type] += 1;
      const conflicts = a.type === 'update' ? a.conflicts : [];
      result.conflicts.push(...conflicts);
      result.log.push({
        kind,
        action: a.type,
        ...idsOf(a),
        ...(link && link !== 'removed' ? { mailboxId: link.mailboxId ?? idsOf(a).mailboxId, c4cId: link.c4cId ?? idsOf(a).c4cId } : {}),
        subject: subjectOfAction(a),
        ...(conflicts.length > 0 ? { conflicts } : {}),
        ...('reason' in a ? { reason: a.reason } : {}),
      });
    }
  }
  result.cursorsMayCommit = !result.stopped && result.failed === 0;
  return result;
}

function subjectOfAction(a: MirrorAction): string | undefined {
  switch (a.type) {
    case 'create':
      return subjectOf(a.source.fields);
    case 'link':
      return subjectOf(a.mailbox.fields) ?? subjectOf(a.c4c.fields);
    case 'skip':
      return undefined;
    case 'update':
      return subjectOf(a.mailbox?.fields) ?? subjectOf(a.c4c?.fields) ?? subjectOf(a.link.synced);
    default:
      return subjectOf(a.link.synced);
  }
}

/** Commits both adapters' cursors when the session applied everything (step 4 above); returns whether it did. */
export async function commitCursors(result: ApplyResult, adapters: { mailbox: SideAdapter; c4c: SideAdapter }): Promise<boolean> {
  if (!result.cursorsMayCommit) return false;
  await adapters.mailbox.commitCursor();
  await adapters.c4c.commitCursor();
  return true;
}

/**
 * Reads both sides (step 1 above) and, where an adapter can look items up, fills each view's `counterparts` with the
 * items matching the other side's unlinked items by stamp or key, so the planner re-links an item that came back into
 * scope (or a lost link table) instead of creating a duplicate.
 */
export async function readViews(mailbox: SideAdapter, c4c: SideAdapter, links: MirrorLink[]): Promise<{ mailbox: SideView; c4c: SideView }> {
  const mView = await mailbox.read(links);
  const cView = await c4c.read(links);
  const linkedM = new Set(links.flatMap((l) => (l.mailboxId ? [l.mailboxId] : [])));
  const linkedC = new Set(links.flatMap((l) => (l.c4cId ? [l.c4cId] : [])));
  const newM = mView.changed.filter((i) => !linkedM.has(i.id));
  const newC = cView.changed.filter((i) => !linkedC.has(i.id));
  const query = (items: SideItem[]): MirrorLookup => ({
    ids: [...new Set(items.flatMap((i) => (i.stampedWith !== undefined ? [i.stampedWith] : [])))],
    stampedWith: [...new Set(items.flatMap((i) => (i.key !== undefined ? [i.id, i.key] : [i.id])))],
    keys: [...new Set(items.flatMap((i) => (i.key !== undefined ? [i.key] : [])))],
  });
  const withCounterparts = async (view: SideView, side: SideAdapter, others: SideItem[]): Promise<SideView> => {
    if (!side.lookup || others.length === 0) return view;
    const inView = new Set(view.changed.map((i) => i.id));
    const found = (await side.lookup(query(others))).filter((i) => !inView.has(i.id));
    return found.length > 0 ? { ...view, counterparts: [...(view.counterparts ?? []), ...found] } : view;
  };
  return { mailbox: await withCounterparts(mView, mailbox, newC), c4c: await withCounterparts(cView, c4c, newM) };
}
