/**
 * The mirror planner's decision table (vdirsyncer's `_get_actions`, extended for links that are observers or
 * tombstones and for meetings shared by several mailboxes), as data: planner.ts implements exactly these rows, each row
 * has one example test (test/sync/mirror/planner.test.ts, named by the row's id), and the README / closing note print
 * it with `decisionTableMarkdown()`.
 *
 * States per side: unchanged (absent from the view, or only its ChangeKey / ETag moved: same hash → the link's stamps
 * are refreshed), changed (new hash), deleted (confirmed), out-of-scope (category removed, left the window, filter),
 * new (no link). "Link" is the status row of the pair, if any.
 */

export interface DecisionRow {
  id: string;
  link: 'none' | 'linked' | 'observer' | 'detached';
  mailbox: string;
  c4c: string;
  action: string;
  why: string;
}

export const DECISION_TABLE: readonly DecisionRow[] = [
  { id: 'L1', link: 'linked', mailbox: 'unchanged', c4c: 'unchanged', action: 'nothing (refresh the stamps if only they moved)', why: 'an ETag / ChangeKey change with the same hash is not a change' },
  { id: 'L2', link: 'linked', mailbox: 'changed', c4c: 'unchanged', action: 'update C4C with the fields that changed and may flow to C4C (read-only: revert the mailbox from C4C)', why: 'one side changed' },
  { id: 'L3', link: 'linked', mailbox: 'unchanged', c4c: 'changed', action: 'update the mailbox with the fields that changed and may flow to the mailbox', why: 'one side changed' },
  { id: 'L4', link: 'linked', mailbox: 'changed', c4c: 'changed', action: 'merge per field against the last synced values; a field changed on both sides to different values is a conflict decided by the rule; nothing to write → refresh', why: 'both changed: only real per-field collisions are conflicts' },
  { id: 'L5', link: 'linked', mailbox: 'deleted', c4c: 'unchanged', action: 'delete in C4C; when C4C records of the kind cannot be deleted, or the mailbox is read-only: detach (tombstone, the record stays and is never copied back)', why: 'a delete propagates only when the other side is unchanged' },
  { id: 'L6', link: 'linked', mailbox: 'unchanged', c4c: 'deleted', action: 'delete in the mailbox (never notifying anyone)', why: 'a delete propagates only when the other side is unchanged' },
  { id: 'L7', link: 'linked', mailbox: 'deleted', c4c: 'changed', action: 'detach: tombstone, the C4C record stays', why: 'a change beats a delete; nothing deleted is recreated' },
  { id: 'L8', link: 'linked', mailbox: 'changed', c4c: 'deleted', action: 'detach: tombstone, the mailbox item stays', why: 'a change beats a delete; nothing deleted is recreated' },
  { id: 'L9', link: 'linked', mailbox: 'deleted', c4c: 'deleted', action: 'unlink', why: 'nothing left to mirror' },
  { id: 'L10', link: 'linked', mailbox: 'out-of-scope (or any but deleted)', c4c: 'any but deleted (or out-of-scope)', action: 'unlink; the other side deleted → detach (tombstone)', why: 'leaving the scope is never a delete, and what one side deleted is not recreated when the other returns' },
  { id: 'L11', link: 'linked', mailbox: 'changed, no longer drives (attendee copy)', c4c: 'not gone', action: 'link as observer', why: 'only the owner mailbox drives a meeting' },
  { id: 'O1', link: 'observer', mailbox: 'gone (any reason)', c4c: 'any', action: 'unlink', why: "an attendee's copy disappearing is never a delete" },
  { id: 'O2', link: 'observer', mailbox: 'changed / unchanged', c4c: 'changed / gone', action: 'refresh (C4C gone: unlink); nothing is written either way', why: 'an observer neither writes C4C nor is written by it' },
  { id: 'O3', link: 'observer', mailbox: 'changed, now drives', c4c: 'not gone', action: 'link as linked (the rule decides differing fields)', why: 'this mailbox became the owner' },
  { id: 'D1', link: 'detached', mailbox: 'surviving side changed / out-of-scope', c4c: '(deleted side)', action: 'refresh / keep the tombstone', why: 'the survivor is never created on the side that deleted it' },
  { id: 'D2', link: 'detached', mailbox: 'surviving side deleted', c4c: '(deleted side)', action: 'unlink', why: 'both sides deleted now' },
  { id: 'N1', link: 'none', mailbox: 'new, driving', c4c: 'new or found with its stamp / key', action: 'link (rule decides differing fields); counterpart outside the scope → skip', why: 'a lost link table is rebuilt by re-linking, never by a duplicate' },
  { id: 'N2', link: 'none', mailbox: 'new, driving, no counterpart', c4c: '—', action: 'create in C4C, stamped with the mailbox key / id (read-only mailbox, or stamped with a vanished record → skip)', why: 'new item; a stamp proves a pair existed, so its missing counterpart was deleted and is not recreated' },
  { id: 'N3', link: 'none', mailbox: "new attendee's copy", c4c: 'same key or none', action: 'link as observer, else skip (wait for the owner)', why: "an attendee's copy never creates, updates or deletes C4C" },
  { id: 'N4', link: 'none', mailbox: '—', c4c: 'new, no counterpart', action: 'create in the mailbox, stamped with the ObjectID (stamped from a mailbox item → skip)', why: 'new item; a record created from another mailbox (or deleted here) is not copied in' },
];

/** The table as Markdown (README, closing note). */
export function decisionTableMarkdown(): string {
  const rows = DECISION_TABLE.map((r) => `| ${r.id} | ${r.link} | ${r.mailbox} | ${r.c4c} | ${r.action} | ${r.why} |`);
  return ['| # | link | mailbox | C4C | action | why |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
