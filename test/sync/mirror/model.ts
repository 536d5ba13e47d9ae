/**
 * In-memory sides for the mirror tests: one C4C, N mailboxes (each with its own link table and cursors), adapters that
 * read deltas by sequence number like EWS SyncFolderItems / C4C EntityLastChangedOn, check If-Match on C4C, and can be
 * told to fail (before or after the write) or to "crash" (stop the session after the n-th write). Every sync write is
 * recorded with the fields it carried and a `notify` flag, and the invariants of the property test are computed here.
 *
 * Field set of the model kind (like an appointment's): subject 'both', notes 'to-c4c', status 'to-mailbox',
 * internal 'none'. Values written by users are unique (`v<clock>`), so an edit is always a change.
 */
import { mirrorHash } from '../../../relay/sync/mirror/mapping/hash';
import { applyPlan, commitCursors, readViews, type ApplyResult } from '../../../relay/sync/mirror/apply';
import { planMirror } from '../../../relay/sync/mirror/planner';
import type {
  Direction,
  MappedFields,
  MirrorGuards,
  MirrorKind,
  MirrorLink,
  MirrorLinkRepository,
  MirrorLookup,
  MirrorRules,
  PlanResult,
  SideAdapter,
  SideItem,
  SideView,
} from '../../../relay/sync/mirror/types';

export const FIELDS = ['subject', 'notes', 'status', 'internal'] as const;
export type ModelField = (typeof FIELDS)[number];
export const DIRECTIONS: Record<ModelField, Direction> = { subject: 'both', notes: 'to-c4c', status: 'to-mailbox', internal: 'none' };
const MAILBOX_HASHED = ['subject', 'notes'];
const C4C_HASHED = ['subject', 'status'];
export const ORG = 'org-1';
export const KIND: MirrorKind = 'appointment';
export const userOf = (mailbox: number): string => `user-${mailbox}`;

export class MemoryLinkRepository implements MirrorLinkRepository {
  rows: MirrorLink[] = [];
  puts = 0;
  /** Throws on the next put when set (a crash between a write and its link). */
  failNextPut = false;

  async list(_org: string, _user: string, kind: MirrorKind): Promise<MirrorLink[]> {
    return this.rows.filter((r) => r.kind === kind).map((r) => structuredClone(r));
  }
  async put(_org: string, _user: string, link: MirrorLink): Promise<void> {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('link table unavailable');
    }
    const matches = (r: MirrorLink) => r.kind === link.kind && ((link.mailboxId !== undefined && r.mailboxId === link.mailboxId) || (link.c4cId !== undefined && r.c4cId === link.c4cId));
    this.rows = [...this.rows.filter((r) => !matches(r)), structuredClone(link)];
    this.puts += 1;
  }
  async remove(_org: string, _user: string, kind: MirrorKind, ids: { mailboxId?: string; c4cId?: string }): Promise<void> {
    this.rows = this.rows.filter((r) => !(r.kind === kind && ((ids.mailboxId !== undefined && r.mailboxId === ids.mailboxId) || (ids.c4cId !== undefined && r.c4cId === ids.c4cId))));
  }
  async counts(): Promise<Partial<Record<MirrorKind, { linked: number; detached: number; observer: number }>>> {
    const out: Partial<Record<MirrorKind, { linked: number; detached: number; observer: number }>> = {};
    for (const r of this.rows) {
      const c = (out[r.kind] ??= { linked: 0, detached: 0, observer: 0 });
      c[r.state] += 1;
    }
    return out;
  }
}

interface StoredItem {
  id: string;
  version: number;
  /** Store sequence number of the last change (delta reads). */
  seq: number;
  fields: MappedFields;
  key?: string;
  stampedWith?: string;
  inScope: boolean;
  changedAt: number;
  /** Clock of the last user edit per field (-1: never edited by a user; sync writes do not count). */
  lastEdit: Record<string, number>;
}
export interface MailItem extends StoredItem {
  /** The organizer's copy (or a plain appointment): drives the C4C record. False: an attendee's copy. */
  organizer: boolean;
}
export interface C4cRecord extends StoredItem {
  /** The mailbox whose user owns it; `parties` are attending mailboxes. */
  owner: number;
  parties: number[];
}

class Store<T extends StoredItem> {
  items = new Map<string, T>();
  tombstones: { id: string; seq: number }[] = [];
  seq = 0;
  touch(item: T): void {
    item.version += 1;
    this.seq += 1;
    item.seq = this.seq;
  }
  add(item: T): void {
    this.seq += 1;
    item.seq = this.seq;
    this.items.set(item.id, item);
  }
  remove(id: string): void {
    this.items.delete(id);
    this.seq += 1;
    this.tombstones.push({ id, seq: this.seq });
  }
  list(): T[] {
    return [...this.items.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}

export interface MailboxState {
  index: number;
  store: Store<MailItem>;
  links: MemoryLinkRepository;
  cursor: { mailbox: number; c4c: number };
}

export interface WriteRecord {
  side: 'mailbox' | 'c4c';
  session: number;
  op: 'create' | 'update' | 'delete' | 'stamp';
  id: string;
  fields?: MappedFields;
  /** Whether the write asked the server to send invitations / cancellations (EWS SendMeetingInvitations…). */
  notify: boolean;
}

/** Faults of one session: write n (0-based, both sides counted) fails before or after it is applied; crash after n writes. */
export interface SessionFaults {
  fail?: Record<number, 'before' | 'after'>;
  crashAfterWrites?: number;
  /** The link write after write n throws (the write happened, its link did not). */
  failPutAfterWrite?: number;
}

export interface SessionReport {
  plan: PlanResult;
  result?: ApplyResult;
  views: { mailbox: SideView; c4c: SideView };
}

export class World {
  clock = 0;
  private ids = 0;
  c4c = new Store<C4cRecord>();
  mailboxes: MailboxState[];
  writes: WriteRecord[] = [];
  violations: string[] = [];
  /** Per mailbox: C4C ids whose linked mailbox copy a user deleted (never to be created in that mailbox again). */
  deletedInMailbox: Set<string>[];
  /** Stamp values (mailbox key / id) whose linked C4C record a user deleted (never to be created in C4C again). */
  deletedInC4c = new Set<string>();
  sessions = 0;

  constructor(
    mailboxCount: number,
    public rules: MirrorRules,
    public guards: MirrorGuards = { maxDeletionsPerSession: 10_000, minSurvivingRatio: 0.5, minLinksForRatio: 10_000 },
  ) {
    this.mailboxes = Array.from({ length: mailboxCount }, (_, index) => ({ index, store: new Store<MailItem>(), links: new MemoryLinkRepository(), cursor: { mailbox: 0, c4c: 0 } }));
    this.deletedInMailbox = this.mailboxes.map(() => new Set());
  }

  private tick(): number {
    this.clock += 1;
    return this.clock;
  }
  private newId(prefix: string): string {
    this.ids += 1;
    return `${prefix}${this.ids}`;
  }
  private fresh(fields?: Partial<Record<ModelField, string>>): { fields: MappedFields; lastEdit: Record<string, number> } {
    const t = this.tick();
    const out: MappedFields = {};
    const lastEdit: Record<string, number> = {};
    for (const f of FIELDS) {
      out[f] = fields?.[f] ?? `v${t}-${f}`;
      lastEdit[f] = t;
    }
    return { fields: out, lastEdit };
  }

  // ---- user operations -------------------------------------------------------------------------------------------

  mailboxCreate(mailbox: number): MailItem {
    const { fields, lastEdit } = this.fresh();
    const item: MailItem = { id: this.newId(`m${mailbox}-`), version: 1, seq: 0, fields, key: this.newId('uid-'), inScope: true, changedAt: this.clock, lastEdit, organizer: true };
    this.mailboxes[mailbox].store.add(item);
    return item;
  }

  /** A meeting organized by `organizer` with copies in `attendees` (attendee copies in scope when `attendeeScope`). */
  meeting(organizer: number, attendees: number[], attendeeScope: boolean): MailItem {
    const org = this.mailboxCreate(organizer);
    for (const a of new Set(attendees)) {
      if (a === organizer) continue;
      const copy: MailItem = { ...structuredClone(org), id: this.newId(`m${a}-`), organizer: false, inScope: attendeeScope, lastEdit: Object.fromEntries(FIELDS.map((f) => [f, -1])) };
      this.mailboxes[a].store.add(copy);
    }
    return org;
  }

  private copiesOf(key: string | undefined): { mailbox: number; item: MailItem }[] {
    if (key === undefined) return [];
    return this.mailboxes.flatMap((mb) => mb.store.list().filter((i) => i.key === key && !i.organizer).map((item) => ({ mailbox: mb.index, item })));
  }

  mailboxEdit(mailbox: number, pick: number, field: ModelField): void {
    const items = this.mailboxes[mailbox].store.list();
    if (items.length === 0) return;
    const item = items[pick % items.length];
    const t = this.tick();
    item.fields[field] = `v${t}-${field}`;
    item.lastEdit[field] = t;
    item.changedAt = t;
    this.mailboxes[mailbox].store.touch(item);
    // Exchange sends the organizer's update to the attendees' copies (the user's send, not the sync's).
    if (item.organizer && (field === 'subject' || field === 'notes')) {
      for (const c of this.copiesOf(item.key)) {
        c.item.fields[field] = item.fields[field];
        c.item.changedAt = t;
        this.mailboxes[c.mailbox].store.touch(c.item);
      }
    }
  }

  mailboxDelete(mailbox: number, pick: number): void {
    const items = this.mailboxes[mailbox].store.list();
    if (items.length === 0) return;
    const item = items[pick % items.length];
    this.userDeleteMailboxItem(mailbox, item);
    // The organizer deleting a meeting cancels it: the attendees' copies go too (the user's cancellation).
    if (item.organizer) for (const c of this.copiesOf(item.key)) this.userDeleteMailboxItem(c.mailbox, c.item);
  }

  private userDeleteMailboxItem(mailbox: number, item: MailItem): void {
    for (const l of this.mailboxes[mailbox].links.rows) if (l.mailboxId === item.id && l.c4cId && l.state === 'linked') this.deletedInMailbox[mailbox].add(l.c4cId);
    this.tick();
    this.mailboxes[mailbox].store.remove(item.id);
  }

  mailboxScope(mailbox: number, pick: number): void {
    const items = this.mailboxes[mailbox].store.list();
    if (items.length === 0) return;
    const item = items[pick % items.length];
    item.inScope = !item.inScope;
    item.changedAt = this.tick();
    this.mailboxes[mailbox].store.touch(item);
  }

  /** Both sides edit one linked pair between sessions (a field each; the same field makes a conflict). */
  pairEdit(mailbox: number, pick: number, mailboxField: ModelField, c4cField: ModelField): void {
    const links = this.mailboxes[mailbox].links.rows.filter((l) => l.state === 'linked' && l.mailboxId && l.c4cId);
    if (links.length === 0) return;
    const l = links[pick % links.length];
    const m = this.mailboxes[mailbox].store.list().findIndex((i) => i.id === l.mailboxId);
    const c = this.c4c.list().findIndex((r) => r.id === l.c4cId);
    if (m >= 0) this.mailboxEdit(mailbox, m, mailboxField);
    if (c >= 0) this.c4cEdit(c, c4cField);
  }

  c4cCreate(owner: number): C4cRecord {
    const { fields, lastEdit } = this.fresh();
    const rec: C4cRecord = { id: this.newId('X'), version: 1, seq: 0, fields, inScope: true, changedAt: this.clock, lastEdit, owner, parties: [] };
    this.c4c.add(rec);
    return rec;
  }

  c4cEdit(pick: number, field: ModelField): void {
    const recs = this.c4c.list();
    if (recs.length === 0) return;
    const rec = recs[pick % recs.length];
    const t = this.tick();
    rec.fields[field] = `v${t}-${field}`;
    rec.lastEdit[field] = t;
    rec.changedAt = t;
    this.c4c.touch(rec);
  }

  c4cDelete(pick: number): void {
    const recs = this.c4c.list();
    if (recs.length === 0) return;
    const rec = recs[pick % recs.length];
    for (const mb of this.mailboxes) {
      for (const l of mb.links.rows) {
        if (l.c4cId !== rec.id || l.state !== 'linked' || !l.mailboxId) continue;
        const m = mb.store.items.get(l.mailboxId);
        this.deletedInC4c.add(m?.key ?? l.key ?? l.mailboxId);
      }
    }
    this.tick();
    this.c4c.remove(rec.id);
  }

  c4cScope(pick: number): void {
    const recs = this.c4c.list();
    if (recs.length === 0) return;
    const rec = recs[pick % recs.length];
    rec.inScope = !rec.inScope;
    rec.changedAt = this.tick();
    this.c4c.touch(rec);
  }

  /** The mailbox's link table is lost (restored backup, dropped partition): links and cursors start over. */
  loseLinks(mailbox: number): void {
    const mb = this.mailboxes[mailbox];
    mb.links.rows = [];
    mb.cursor = { mailbox: 0, c4c: 0 };
    this.count('lost link tables');
  }

  // ---- sessions --------------------------------------------------------------------------------------------------

  async session(mailbox: number, faults: SessionFaults = {}): Promise<SessionReport> {
    this.sessions += 1;
    const session = this.sessions;
    const mb = this.mailboxes[mailbox];
    const abort = new AbortController();
    let writes = 0;
    const write = async <T>(op: () => T): Promise<T> => {
      const n = writes;
      writes += 1;
      if (faults.fail?.[n] === 'before') throw new Error(`injected failure before write ${n}`);
      const out = op();
      if (faults.fail?.[n] === 'after') throw new Error(`injected failure after write ${n}`);
      if (faults.failPutAfterWrite === n) mb.links.failNextPut = true;
      if (faults.crashAfterWrites !== undefined && writes >= faults.crashAfterWrites) abort.abort();
      return out;
    };
    const mAdapter = new ModelMailboxAdapter(this, mb, session, write);
    const cAdapter = new ModelC4cAdapter(this, mb, session, write);
    const links = await mb.links.list(ORG, userOf(mailbox), KIND);
    const views = await readViews(mAdapter, cAdapter, links);
    const plan = planMirror({ kind: KIND, links, mailbox: views.mailbox, c4c: views.c4c, rules: this.rules, guards: this.guards });
    const expectedConflicts = this.expectedConflicts(links, views);
    if (!plan.ok) {
      this.count(`guard:${plan.guard}`);
      return { plan, views };
    }
    const result = await applyPlan(plan.actions, { organizationId: ORG, userId: userOf(mailbox), kind: KIND, mailbox: mAdapter, c4c: cAdapter, links: mb.links, rules: this.rules, signal: abort.signal, now: () => new Date(this.clock * 1000) });
    mb.links.failNextPut = false;
    await commitCursors(result, { mailbox: mAdapter, c4c: cAdapter });
    for (const x of expectedConflicts) {
      const entries = result.log.filter((e) => e.mailboxId === x.mailboxId);
      if (entries.length === 0 || entries.some((e) => e.reason?.startsWith('failed'))) continue;
      const m = mb.store.items.get(x.mailboxId)?.fields.subject;
      const c = this.c4c.items.get(x.c4cId)?.fields.subject;
      if (m !== x.value || c !== x.value) this.violation(`conflict on ${x.mailboxId}↔${x.c4cId} (${this.rules.conflictRule}): expected ${x.value} on both sides, have ${String(m)} / ${String(c)}`);
      // Read-only is a revert, not a conflict.
      if (!this.rules.readOnlyMailbox && !entries.some((e) => e.conflicts?.some((k) => k.field === 'subject'))) this.violation(`conflict on ${x.mailboxId}↔${x.c4cId} not logged`);
    }
    for (const a of plan.actions) this.count(a.type === 'link' ? `link:${a.state}` : a.type === 'skip' ? `skip:${a.reason.slice(-3, -1)}` : a.type);
    this.count('conflicts', result.conflicts.length);
    this.count('failed items', result.failed);
    if (result.stopped) this.count('crashed sessions');
    return { plan, result, views };
  }

  /**
   * Test oracle of the conflict rule (independent of the planner's merge): a linked pair whose 'subject' both sides
   * changed to different values since the link must end with the winner's value on both sides.
   */
  private expectedConflicts(links: MirrorLink[], views: { mailbox: SideView; c4c: SideView }): { mailboxId: string; c4cId: string; value: string }[] {
    const out: { mailboxId: string; c4cId: string; value: string }[] = [];
    for (const l of links) {
      if (l.state !== 'linked' || !l.mailboxId || !l.c4cId) continue;
      const m = views.mailbox.changed.find((i) => i.id === l.mailboxId);
      const c = views.c4c.changed.find((i) => i.id === l.c4cId);
      if (!m || !c || !m.drives || m.hash === l.mailboxHash || c.hash === l.c4cHash) continue;
      const [mv, cv, bv] = [m.fields.subject, c.fields.subject, l.synced.subject];
      if (mv === bv || cv === bv || mv === cv) continue;
      const latestMailbox = Date.parse(m.changedAt ?? '') > Date.parse(c.changedAt ?? '');
      const mailboxWins = !this.rules.readOnlyMailbox && (this.rules.conflictRule === 'mailbox-wins' || (this.rules.conflictRule === 'latest-wins' && latestMailbox));
      out.push({ mailboxId: l.mailboxId, c4cId: l.c4cId, value: String(mailboxWins ? mv : cv) });
    }
    return out;
  }

  /** What the sessions did, for the property tests' coverage check. */
  stats: Record<string, number> = {};
  count(what: string, n = 1): void {
    this.stats[what] = (this.stats[what] ?? 0) + n;
  }

  record(w: WriteRecord): void {
    this.writes.push(w);
  }
  violation(message: string): void {
    this.violations.push(message);
  }

  // ---- invariants ------------------------------------------------------------------------------------------------

  /** Every link points at live items (in scope unless detached), and linked pairs hold equal fields where they flow. */
  convergenceProblems(): string[] {
    const problems: string[] = [];
    const readOnly = this.rules.readOnlyMailbox === true;
    for (const mb of this.mailboxes) {
      for (const l of mb.links.rows) {
        const m = l.mailboxId !== undefined ? mb.store.items.get(l.mailboxId) : undefined;
        const c = l.c4cId !== undefined ? this.c4c.items.get(l.c4cId) : undefined;
        const where = `mailbox ${mb.index} link ${l.mailboxId ?? '-'}↔${l.c4cId ?? '-'} (${l.state})`;
        if (l.state === 'detached') {
          if ((l.mailboxId !== undefined) === (l.c4cId !== undefined)) problems.push(`${where}: a tombstone must hold exactly one id`);
          if (l.mailboxId !== undefined && !m) problems.push(`${where}: survivor gone`);
          if (l.c4cId !== undefined && !c) problems.push(`${where}: survivor gone`);
          continue;
        }
        if (!m || !c) {
          problems.push(`${where}: dangling`);
          continue;
        }
        if (!m.inScope || !c.inScope || !(c.owner === mb.index || c.parties.includes(mb.index))) problems.push(`${where}: out of scope but linked`);
        if (l.state === 'observer') continue;
        const eq = (f: ModelField) => (m.fields[f] ?? null) === (c.fields[f] ?? null);
        if (!eq('subject')) problems.push(`${where}: subject ${String(m.fields.subject)} ≠ ${String(c.fields.subject)}`);
        if (!readOnly && m.lastEdit.notes >= c.lastEdit.notes && !eq('notes')) problems.push(`${where}: notes not carried to C4C`);
        if (c.lastEdit.status >= m.lastEdit.status && !eq('status')) problems.push(`${where}: status not carried to the mailbox`);
      }
    }
    return problems;
  }

  /** One C4C record per meeting key and per stamp; per mailbox one item per C4C record. */
  duplicateProblems(): string[] {
    const problems: string[] = [];
    const count = (values: (string | undefined)[], what: string) => {
      const seen = new Map<string, number>();
      for (const v of values) if (v !== undefined) seen.set(v, (seen.get(v) ?? 0) + 1);
      for (const [v, n] of seen) if (n > 1) problems.push(`${n} ${what} ${v}`);
    };
    const recs = this.c4c.list();
    count(recs.map((r) => r.key), 'C4C records with key');
    count(recs.map((r) => r.stampedWith), 'C4C records stamped with');
    for (const mb of this.mailboxes) {
      count(mb.store.list().map((i) => i.stampedWith), `items in mailbox ${mb.index} stamped with`);
      count(mb.links.rows.map((l) => l.c4cId), `links in mailbox ${mb.index} to`);
      count(mb.links.rows.map((l) => l.mailboxId), `links in mailbox ${mb.index} from`);
    }
    return problems;
  }
}

function toSideItem(item: StoredItem, hashed: string[], drives: boolean): SideItem {
  const fields = structuredClone(item.fields);
  return {
    id: item.id,
    stamp: `${item.id}@${item.version}`,
    hash: mirrorHash(fields, hashed),
    fields,
    ...(item.stampedWith !== undefined ? { stampedWith: item.stampedWith } : {}),
    ...(item.key !== undefined ? { key: item.key } : {}),
    changedAt: new Date(item.changedAt * 1000).toISOString(),
    drives,
  };
}

function checkFields(world: World, side: 'mailbox' | 'c4c', fields: MappedFields): void {
  for (const f of Object.keys(fields)) {
    const d = DIRECTIONS[f as ModelField] ?? 'none';
    const allowed = d === 'both' || d === (side === 'c4c' ? 'to-c4c' : 'to-mailbox');
    if (!allowed) world.violation(`field ${f} (${d}) written to ${side}`);
  }
  if (side === 'c4c' && world.rules.readOnlyMailbox) world.violation('a read-only mailbox wrote to C4C');
}

type WriteGate = <T>(op: () => T) => Promise<T>;

class ModelMailboxAdapter implements SideAdapter {
  readonly side = 'mailbox' as const;
  readonly kind = KIND;
  private next = 0;
  constructor(private world: World, private mb: MailboxState, private session: number, private write: WriteGate) {}

  async read(links: MirrorLink[]): Promise<SideView> {
    const since = this.mb.cursor.mailbox;
    const linked = new Set(links.flatMap((l) => (l.mailboxId ? [l.mailboxId] : [])));
    const changed: SideItem[] = [];
    const gone: SideView['gone'] = [];
    for (const item of this.mb.store.list()) {
      if (item.seq <= since) continue;
      if (item.inScope) changed.push(toSideItem(item, MAILBOX_HASHED, item.organizer));
      else if (linked.has(item.id)) gone.push({ id: item.id, reason: 'out-of-scope' });
    }
    for (const t of this.mb.store.tombstones) if (t.seq > since && linked.has(t.id)) gone.push({ id: t.id, reason: 'deleted' });
    this.next = this.mb.store.seq;
    return { side: 'mailbox', changed, gone, totalInScope: this.mb.store.list().filter((i) => i.inScope).length };
  }

  async lookup(q: MirrorLookup): Promise<SideItem[]> {
    return this.mb.store
      .list()
      .filter((i) => q.ids.includes(i.id) || (i.key !== undefined && q.ids.includes(i.key)) || (i.stampedWith !== undefined && q.stampedWith.includes(i.stampedWith)) || (i.key !== undefined && q.keys.includes(i.key)))
      .map((i) => ({ ...toSideItem(i, MAILBOX_HASHED, i.organizer), ...(i.inScope ? {} : { outOfScope: true }) }));
  }

  create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
    return this.write(() => {
      checkFields(this.world, 'mailbox', fields);
      if (stampWith !== undefined && this.world.deletedInMailbox[this.mb.index].has(stampWith)) this.world.violation(`mailbox ${this.mb.index}: ${stampWith} created again after its copy was deleted`);
      const item: MailItem = {
        id: `m${this.mb.index}-s${this.world.clock}-${this.mb.store.seq}`,
        version: 1,
        seq: 0,
        fields: structuredClone(fields),
        key: `uid-s${this.mb.index}-${this.mb.store.seq}`,
        stampedWith: stampWith,
        inScope: true,
        changedAt: this.world.clock,
        lastEdit: Object.fromEntries(FIELDS.map((f) => [f, -1])),
        organizer: true,
      };
      this.mb.store.add(item);
      this.world.record({ side: 'mailbox', session: this.session, op: 'create', id: item.id, fields, notify: sendsNotifications('SendToNone') });
      return toSideItem(item, MAILBOX_HASHED, true);
    });
  }

  stamp(id: string, stampWith: string): Promise<SideItem> {
    return this.write(() => {
      const item = this.mb.store.items.get(id);
      if (!item) throw new Error(`mailbox item ${id} not found`);
      if (!item.organizer) this.world.violation(`sync stamped attendee copy ${id}`);
      item.stampedWith = stampWith;
      this.mb.store.touch(item);
      this.world.record({ side: 'mailbox', session: this.session, op: 'stamp', id, notify: sendsNotifications('SendToNone') });
      return toSideItem(item, MAILBOX_HASHED, item.organizer);
    });
  }

  update(id: string, fields: MappedFields): Promise<SideItem> {
    return this.write(() => {
      const item = this.mb.store.items.get(id);
      if (!item) throw new Error(`mailbox item ${id} not found`);
      checkFields(this.world, 'mailbox', fields);
      if (!item.organizer) this.world.violation(`sync updated attendee copy ${id}`);
      Object.assign(item.fields, structuredClone(fields));
      item.changedAt = this.world.clock;
      this.mb.store.touch(item);
      this.world.record({ side: 'mailbox', session: this.session, op: 'update', id, fields, notify: sendsNotifications('SendToNone') });
      return toSideItem(item, MAILBOX_HASHED, item.organizer);
    });
  }

  delete(id: string): Promise<void> {
    return this.write(() => {
      const item = this.mb.store.items.get(id);
      if (!item) return;
      if (!item.organizer) this.world.violation(`sync deleted attendee copy ${id}`);
      const link = this.mb.links.rows.find((l) => l.mailboxId === id);
      if (link && link.mailboxHash !== toSideItem(item, MAILBOX_HASHED, true).hash) this.world.violation(`sync deleted mailbox item ${id}, changed since the last sync (a change beats a delete)`);
      this.mb.store.remove(id);
      this.world.record({ side: 'mailbox', session: this.session, op: 'delete', id, notify: sendsNotifications('SendToNone') });
    });
  }

  async commitCursor(): Promise<void> {
    this.mb.cursor.mailbox = this.next;
  }
}

/**
 * What the mailbox server does with a write's send mode: like EWS SendMeetingInvitations(OrCancellations), anything
 * but SendToNone sends mail to the attendees. The model adapters always pass SendToNone, as the real adapters must.
 */
export function sendsNotifications(mode: 'SendToNone' | 'SendOnlyToAll' | 'SendToAllAndSaveCopy'): boolean {
  return mode !== 'SendToNone';
}

class ModelC4cAdapter implements SideAdapter {
  readonly side = 'c4c' as const;
  readonly kind = KIND;
  private next = 0;
  constructor(private world: World, private mb: MailboxState, private session: number, private write: WriteGate) {}

  private inScope(r: C4cRecord): boolean {
    return r.inScope && (r.owner === this.mb.index || r.parties.includes(this.mb.index));
  }

  async read(links: MirrorLink[]): Promise<SideView> {
    const since = this.mb.cursor.c4c;
    const linked = new Set(links.flatMap((l) => (l.c4cId ? [l.c4cId] : [])));
    const changed: SideItem[] = [];
    const gone: SideView['gone'] = [];
    for (const r of this.world.c4c.list()) {
      if (r.seq <= since) continue;
      if (this.inScope(r)) changed.push(toSideItem(r, C4C_HASHED, true));
      else if (linked.has(r.id)) gone.push({ id: r.id, reason: 'out-of-scope' });
    }
    for (const t of this.world.c4c.tombstones) if (t.seq > since && linked.has(t.id)) gone.push({ id: t.id, reason: 'deleted' });
    this.next = this.world.c4c.seq;
    return { side: 'c4c', changed, gone, totalInScope: this.world.c4c.list().filter((r) => this.inScope(r)).length };
  }

  async lookup(q: MirrorLookup): Promise<SideItem[]> {
    return this.world.c4c
      .list()
      .filter((r) => q.ids.includes(r.id) || (r.stampedWith !== undefined && q.stampedWith.includes(r.stampedWith)) || (r.key !== undefined && q.keys.includes(r.key)))
      .map((r) => ({ ...toSideItem(r, C4C_HASHED, true), ...(this.inScope(r) ? {} : { outOfScope: true }) }));
  }

  create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
    return this.write(() => {
      checkFields(this.world, 'c4c', fields);
      if (stampWith !== undefined && this.world.deletedInC4c.has(stampWith)) this.world.violation(`C4C record for ${stampWith} created again after it was deleted`);
      const source = this.mb.store.list().find((i) => i.key === stampWith || i.id === stampWith);
      if (source && !source.organizer) this.world.violation(`attendee copy ${source.id} created a C4C record`);
      const parties = source?.key !== undefined
        ? this.world.mailboxes.filter((m) => m.index !== this.mb.index && m.store.list().some((i) => i.key === source.key)).map((m) => m.index)
        : [];
      const rec: C4cRecord = {
        id: `X-s${this.world.c4c.seq}`,
        version: 1,
        seq: 0,
        fields: structuredClone(fields),
        key: source?.key,
        stampedWith: stampWith,
        inScope: true,
        changedAt: this.world.clock,
        lastEdit: Object.fromEntries(FIELDS.map((f) => [f, -1])),
        owner: this.mb.index,
        parties,
      };
      this.world.c4c.add(rec);
      this.world.record({ side: 'c4c', session: this.session, op: 'create', id: rec.id, fields, notify: false });
      return toSideItem(rec, C4C_HASHED, true);
    });
  }

  stamp(id: string, stampWith: string): Promise<SideItem> {
    return this.write(() => {
      const rec = this.world.c4c.items.get(id);
      if (!rec) throw new Error(`C4C record ${id} not found (404)`);
      if (rec.owner !== this.mb.index) this.world.violation(`mailbox ${this.mb.index} (not the owner) stamped C4C ${id}`);
      rec.stampedWith = stampWith;
      this.world.c4c.touch(rec);
      this.world.record({ side: 'c4c', session: this.session, op: 'stamp', id, notify: false });
      return toSideItem(rec, C4C_HASHED, true);
    });
  }

  update(id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem> {
    return this.write(() => {
      const rec = this.world.c4c.items.get(id);
      if (!rec) throw new Error(`C4C record ${id} not found (404)`);
      if (stamp !== `${rec.id}@${rec.version}`) throw new Error(`C4C record ${id}: 412 Precondition Failed (If-Match ${stamp})`);
      checkFields(this.world, 'c4c', fields);
      if (rec.owner !== this.mb.index) this.world.violation(`mailbox ${this.mb.index} (not the owner) updated C4C ${id}`);
      Object.assign(rec.fields, structuredClone(fields));
      rec.changedAt = this.world.clock;
      this.world.c4c.touch(rec);
      this.world.record({ side: 'c4c', session: this.session, op: 'update', id, fields, notify: false });
      return toSideItem(rec, C4C_HASHED, true);
    });
  }

  delete(id: string): Promise<void> {
    return this.write(() => {
      const rec = this.world.c4c.items.get(id);
      if (!rec) return;
      if (rec.owner !== this.mb.index) this.world.violation(`mailbox ${this.mb.index} (not the owner: an attendee's copy) deleted C4C ${id}`);
      if (!this.world.rules.c4cDeletable) this.world.violation(`C4C ${id} deleted though the kind is not deletable`);
      if (this.world.rules.readOnlyMailbox) this.world.violation('a read-only mailbox deleted in C4C');
      const link = this.mb.links.rows.find((l) => l.c4cId === id);
      if (link && link.c4cHash !== toSideItem(rec, C4C_HASHED, true).hash) this.world.violation(`sync deleted C4C ${id}, changed since the last sync (a change beats a delete)`);
      this.world.c4c.remove(id);
      this.world.record({ side: 'c4c', session: this.session, op: 'delete', id, notify: false });
    });
  }

  async commitCursor(): Promise<void> {
    this.mb.cursor.c4c = this.next;
  }
}

export const DEFAULT_RULES: MirrorRules = { conflictRule: 'latest-wins', directions: DIRECTIONS, c4cDeletable: true };
