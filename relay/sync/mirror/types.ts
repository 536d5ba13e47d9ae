/**
 * The contract of two-way mirroring (product features E4, E5, E6, E10, E11): one algorithm for every mirrored type.
 *
 *   side adapters (I/O)          pure middle                         executor (I/O)
 *   mailbox side ─┐                                                  ┌─> mailbox writes (SendToNone)
 *                 ├─> SideView ─> planMirror(links, views, rules) ─> MirrorAction[] ─┤
 *   C4C side ─────┘                                                  └─> C4C writes (If-Match)
 *                                    └── link rows written per item (relay/store/mirror-links.ts)
 *
 * Vocabulary:
 * - A **link** (status row, vdirsyncer's `status`) pairs one mailbox item and one C4C record of one type for one
 *   mailbox, with both change stamps (ChangeKey / ETag), a hash of the mapped fields on each side, and the field values
 *   both sides agreed on at the last sync (`synced`), so the planner can merge per field and see real changes only.
 * - **Mapped fields** are a neutral, JSON-serialisable record keyed by the mapping table's field names
 *   (relay/sync/mirror/mapping/). Each side adapter converts its native item to them and back.
 * - A side's hash covers only the fields that flow *from* that side (direction both / to the other side), normalised,
 *   so an edit to an unmapped field, or ChangeKey / ETag churn, is not a change.
 */

/** The mirrored object types; one link table partition and one mapping table each. */
export const MIRROR_KINDS = ['appointment', 'task', 'contact', 'account', 'individualCustomer'] as const;
export type MirrorKind = (typeof MIRROR_KINDS)[number];

export type Side = 'mailbox' | 'c4c';
export const otherSide = (side: Side): Side => (side === 'mailbox' ? 'c4c' : 'mailbox');

/** A mapped field's value: JSON only (dates as ISO strings), so hashing and storing are exact. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };
export type MappedFields = Record<string, FieldValue>;

/** One item as one side has it now, in the mapped vocabulary. */
export interface SideItem {
  /** Mailbox: the item id (immutable id on Graph). C4C: the ObjectID. */
  id: string;
  /** Mailbox: ChangeKey. C4C: ETag (or EntityLastChangedOn when the collection has no ETag). */
  stamp: string;
  /** mirrorHash() of the fields that flow from this side (relay/sync/mirror/mapping/hash.ts). */
  hash: string;
  fields: MappedFields;
  /**
   * The other side's id this item is stamped with, if any: on a mailbox item the C4C ObjectID extended property; on a
   * C4C record the mailbox id / iCalendar UID found in GroupwareItemID. Lets a lost link table be rebuilt by re-linking.
   */
  stampedWith?: string;
  /**
   * The identity both sides share when the item is one real-world thing seen from several mailboxes: an appointment's
   * iCalendar UID (C4C GroupwareItemID holds it). Two mailboxes' copies with one key are one C4C appointment.
   */
  key?: string;
  /** When this side last changed the item (ISO 8601), for the "latest change wins" conflict rule. */
  changedAt?: string;
  /**
   * May this copy create or delete the other side's record? Mailbox side: false for an attendee's copy of a meeting the
   * organization's owner mailbox drives (lesson 1 of the February 2020 defect); true otherwise. C4C side: always true.
   */
  drives: boolean;
  /**
   * Set only on an item a lookup (SideAdapter.lookup, SideView.counterparts) found outside the mirrored scope: it is
   * never linked, and its existence stops the other side's copy from being created again (no duplicate).
   */
  outOfScope?: boolean;
}

/** Why an item the link table knows is no longer in a side's view. */
export type GoneReason =
  /** The side confirmed the item does not exist any more (mailbox delta `deleted`; C4C 404 on a read by ObjectID). */
  | 'deleted'
  /** It exists but left the mirrored scope: category removed, fell out of the window, owner changed, filter. */
  | 'out-of-scope';

/**
 * What one side reports to the planner. Items neither in `changed` nor in `gone` are unchanged since their link was
 * written. An adapter must never report `deleted` from a query that merely did not return an item: absence from a
 * listing is verified (C4C read by ObjectID → 404) before it becomes `deleted` (February 2020 lesson 3).
 */
export interface SideView {
  side: Side;
  /** New or changed items in scope (the first session: every item in scope). */
  changed: SideItem[];
  gone: { id: string; reason: GoneReason }[];
  /**
   * How many items the side holds in scope now, when the adapter listed the whole scope (undefined when it read a
   * delta only). The empty-side guard compares it with the number of links.
   */
  totalInScope?: number;
  /** Items in scope the adapter did not return because of a limit (never dropped silently: counted and shown). */
  beyondLimit?: number;
  /**
   * Items found by SideAdapter.lookup for the other side's unlinked items (by stamp or key), whether changed or not,
   * in scope or not (`outOfScope`): lets an item that comes back into scope, or a lost link table, be re-linked
   * instead of creating a duplicate. Filled by readViews (relay/sync/mirror/apply.ts).
   */
  counterparts?: SideItem[];
}

/** What SideAdapter.lookup is asked for: this side's items by id, by the other side's stamp value, or by key. */
export interface MirrorLookup {
  /** The values the other side's items are stamped with: this side's ids (or keys, e.g. a UID in GroupwareItemID). */
  ids: string[];
  /** The other side's ids / keys: find this side's items stamped with one of them. */
  stampedWith: string[];
  /** Shared keys (iCalendar UIDs). */
  keys: string[];
}

/** One status row. Exactly one of the ids may be missing only while `state` is 'detached'. */
export interface MirrorLink {
  kind: MirrorKind;
  mailboxId?: string;
  c4cId?: string;
  mailboxStamp?: string;
  c4cStamp?: string;
  mailboxHash?: string;
  c4cHash?: string;
  /** The field values both sides held after the last successful sync of this pair (the merge base). */
  synced: MappedFields;
  key?: string;
  /**
   * linked: mirrored both ways. detached: one side deleted the item while the other changed it ("a change beats a
   * delete"): the changed copy stays where it is, and the tombstone stops it from being created again on the side that
   * deleted it ("nothing deleted is ever recreated"). observer: an attendee's copy linked to a meeting another mailbox
   * drives: it never creates, updates or deletes the C4C record.
   */
  state: 'linked' | 'detached' | 'observer';
  updatedAt?: string;
}

export type ConflictRule = 'mailbox-wins' | 'c4c-wins' | 'latest-wins';
/** Per mapped field, where changes may flow (E10). */
export type Direction = 'both' | 'to-c4c' | 'to-mailbox' | 'none';

export interface MirrorRules {
  conflictRule: ConflictRule;
  /** Effective direction per field of this kind (the mapping table's defaults with the organization's overrides). */
  directions: Record<string, Direction>;
  /** Read-only option (contacts): nothing flows mailbox → C4C, mailbox edits are reverted from C4C. */
  readOnlyMailbox?: boolean;
  /** The link table's ids that may never be deleted on either side (e.g. C4C contacts: not deletable in C4C). */
  c4cDeletable: boolean;
}

/** A per-field conflict and how the rule decided it (logged per item, E11). */
export interface FieldConflict {
  field: string;
  mailboxValue: FieldValue;
  c4cValue: FieldValue;
  winner: Side;
  rule: ConflictRule;
}

/** What the planner decides per item; executors apply these in order and write the link after each. */
export type MirrorAction =
  | { type: 'create'; target: Side; source: SideItem; link?: MirrorLink }
  /** Pair two existing items (lost link table rebuilt from stamps, or the meeting copy of an owner's appointment). */
  | {
      type: 'link';
      mailbox: SideItem;
      c4c: SideItem;
      state: MirrorLink['state'];
      patch?: { target: Side; fields: MappedFields };
      /**
       * A second write, to the other side than `patch` (additive): with no merge base, the rule decides 'both' fields,
       * but a one-way field always takes its source's value, which may have to flow the other way.
       */
      counterPatch?: { target: Side; fields: MappedFields };
    }
  /** Write `fields` (only fields whose direction allows flowing into `target`) onto the target's item. */
  | { type: 'update'; target: Side; link: MirrorLink; fields: MappedFields; mailbox?: SideItem; c4c?: SideItem; conflicts: FieldConflict[] }
  | { type: 'delete'; target: Side; link: MirrorLink }
  /** Drop the link only (out of scope, attendee copy gone, both deleted); nothing is written to either side. */
  | { type: 'unlink'; link: MirrorLink; reason: string }
  /** Keep the link as a tombstone: see MirrorLink.state 'detached'. */
  | { type: 'detach'; link: MirrorLink; deletedOn: Side; reason: string }
  /** Record the sides' new stamps / hashes without writing anything (e.g. both changed to equal values). */
  | { type: 'refresh'; link: MirrorLink; mailbox?: SideItem; c4c?: SideItem }
  | { type: 'skip'; reason: string; id: string; side: Side };

export interface MirrorGuards {
  /** Most deletions (either side) one session may apply; beyond it the session stops with a warning. Default 50. */
  maxDeletionsPerSession: number;
  /**
   * A side that lists far fewer items than the links know aborts the session instead of deleting: abort when the
   * side's totalInScope is below this fraction of its linked items (and at least minLinksForRatio links). Default 0.5.
   */
  minSurvivingRatio: number;
  minLinksForRatio: number;
}

export const DEFAULT_MIRROR_GUARDS: MirrorGuards = { maxDeletionsPerSession: 50, minSurvivingRatio: 0.5, minLinksForRatio: 5 };

export interface PlanInput {
  kind: MirrorKind;
  links: MirrorLink[];
  mailbox: SideView;
  c4c: SideView;
  rules: MirrorRules;
  guards: MirrorGuards;
}

export type PlanResult =
  | { ok: true; actions: MirrorAction[] }
  /** Nothing is applied: a guard tripped (empty side, deletion cap). The session reports it and keeps the links. */
  | { ok: false; guard: 'empty-side' | 'deletion-cap'; side: Side; message: string; actions: MirrorAction[] };

/** Kill switches (lesson 4): an organization's, and the relay's global one (config / environment). */
export interface MirrorSwitches {
  globalEnabled: boolean;
  organizationEnabled: boolean;
}

/**
 * One side of one mirrored kind, as the executor drives it. Adapters do I/O and mapping; they make no decisions.
 * Implementations: relay/sync/mirror/adapters/ (mailbox events / tasks / contacts, C4C appointments / tasks / parties).
 */
export interface SideAdapter {
  readonly side: Side;
  readonly kind: MirrorKind;
  /** What changed since the last session (cursors are the adapter's own, committed through the session's CursorStore). */
  read(links: MirrorLink[]): Promise<SideView>;
  /** Creates the item from mapped fields and stamps it with the other side's id; returns the new item as read back. */
  create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem>;
  /** Writes the given fields; `stamp` is the link's stamp (If-Match on C4C). Returns the item as read back. */
  update(id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem>;
  /** Deletes without notifying anyone (EWS SendToNone; no Graph cancel). */
  delete(id: string): Promise<void>;
  /**
   * Optional: finds this side's items matching the query, in scope or not (outOfScope set), changed or not. Without it,
   * an item whose counterpart is unchanged and unlinked (moved back into scope) is skipped, never duplicated.
   */
  lookup?(query: MirrorLookup): Promise<SideItem[]>;
  /**
   * Optional (additive): stamps an existing item with the other side's id, without changing mapped fields (mailbox:
   * the C4C ObjectID extended property; C4C: GroupwareItemID). The executor calls it on the source of a create, so
   * both sides carry the pair and a lost link table is rebuilt by re-linking (tasks have no GroupwareItemID: there
   * the mailbox stamp is the only one). Returns the item as read back.
   */
  stamp?(id: string, stampWith: string): Promise<SideItem>;
  /**
   * Commits the cursors read() advanced. The executor calls it only after every action of the session was applied
   * (or recorded as failed), so a crash between read and apply re-reads the same changes; the links make that safe.
   */
  commitCursor(): Promise<void>;
}

/** The link table of one mailbox (relay/store/mirror-links.ts). Every write is one statement, per item. */
export interface MirrorLinkRepository {
  list(organizationId: string, userId: string, kind: MirrorKind): Promise<MirrorLink[]>;
  /** Inserts or replaces the row of this pair (matched by mailboxId or c4cId). */
  put(organizationId: string, userId: string, link: MirrorLink): Promise<void>;
  remove(organizationId: string, userId: string, kind: MirrorKind, ids: { mailboxId?: string; c4cId?: string }): Promise<void>;
  /** Per kind and state, for the status screen. */
  counts(organizationId: string, userId: string): Promise<Partial<Record<MirrorKind, { linked: number; detached: number; observer: number }>>>;
}

/**
 * Who drives one real meeting in an organization (table mirror_meeting_owners): the first mailbox to claim an
 * iCalendar UID, preferring the organizer's. Creates and deletes of the C4C appointment come only from the owner.
 */
export interface MeetingOwnerRepository {
  /** Claims the meeting for this mailbox unless another owns it; the organizer's claim replaces an attendee's. */
  claim(organizationId: string, iCalUid: string, userId: string, isOrganizer: boolean): Promise<{ ownerUserId: string; c4cId?: string }>;
  setC4cId(organizationId: string, iCalUid: string, c4cId: string): Promise<void>;
  get(organizationId: string, iCalUid: string): Promise<{ ownerUserId: string; c4cId?: string } | undefined>;
  release(organizationId: string, iCalUid: string, userId: string): Promise<void>;
}

/** A per-item line of the session log (E11: every conflict decision is logged per item). */
export interface MirrorDecisionLog {
  kind: MirrorKind;
  action: MirrorAction['type'];
  mailboxId?: string;
  c4cId?: string;
  subject?: string;
  conflicts?: FieldConflict[];
  reason?: string;
}
