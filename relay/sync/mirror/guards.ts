/**
 * The planner's safety guards (pure; lesson 3 of the February 2020 defect, vdirsyncer's StorageEmpty):
 *
 * - empty-side: a side that lists far fewer items than its links know (`totalInScope` < minSurvivingRatio × links,
 *   with at least minLinksForRatio links), or that reports more than that share of its links `deleted` (surviving
 *   share below minSurvivingRatio), aborts the session instead of deleting. With minLinksForRatio 1 this is
 *   vdirsyncer's "a side suddenly lists nothing".
 * - deletion-cap: more than maxDeletionsPerSession delete actions (both sides together) stop the session.
 *
 * A tripped guard applies nothing (the links and cursors stay, so the same changes come back next session) and returns
 * the actions that would have run, for the warning.
 */
import type { MirrorAction, MirrorLink, PlanInput, PlanResult, Side, SideView } from './types';

function linkedOn(links: MirrorLink[], side: Side): Set<string> {
  return new Set(links.flatMap((l) => {
    const id = side === 'mailbox' ? l.mailboxId : l.c4cId;
    return id !== undefined ? [id] : [];
  }));
}

function emptySide(input: PlanInput, view: SideView): string | undefined {
  const { minSurvivingRatio, minLinksForRatio } = input.guards;
  const ids = linkedOn(input.links, view.side);
  const linked = ids.size;
  if (linked === 0 || linked < minLinksForRatio) return undefined;
  const floor = minSurvivingRatio * linked;
  if (view.totalInScope !== undefined && view.totalInScope < floor) {
    return `lists ${view.totalInScope} items in scope while ${linked} are linked (fewer than ${Math.round(minSurvivingRatio * 100)} %)`;
  }
  const deleted = new Set(view.gone.filter((g) => g.reason === 'deleted' && ids.has(g.id)).map((g) => g.id)).size;
  if (linked - deleted < floor) {
    return `reports ${deleted} of ${linked} linked items deleted (more than ${Math.round((1 - minSurvivingRatio) * 100)} %)`;
  }
  return undefined;
}

const sideName = (side: Side): string => (side === 'mailbox' ? 'The mailbox' : 'C4C');

export function checkGuards(input: PlanInput, actions: MirrorAction[]): PlanResult {
  for (const view of [input.mailbox, input.c4c]) {
    const why = emptySide(input, view);
    if (why) {
      return { ok: false, guard: 'empty-side', side: view.side, message: `${sideName(view.side)} ${why}: session stopped, nothing deleted`, actions };
    }
  }
  const deletes = { mailbox: 0, c4c: 0 };
  for (const a of actions) if (a.type === 'delete') deletes[a.target] += 1;
  const total = deletes.mailbox + deletes.c4c;
  if (total > input.guards.maxDeletionsPerSession) {
    const side: Side = deletes.mailbox >= deletes.c4c ? 'mailbox' : 'c4c';
    return {
      ok: false,
      guard: 'deletion-cap',
      side,
      message: `${total} deletions planned (${deletes.mailbox} in the mailbox, ${deletes.c4c} in C4C), more than the cap of ${input.guards.maxDeletionsPerSession}: session stopped, nothing applied`,
      actions,
    };
  }
  return { ok: true, actions };
}
