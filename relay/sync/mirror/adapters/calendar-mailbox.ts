/**
 * The mailbox side of calendar mirroring (E4): the events of the user's calendar that carry the trigger category
 * (SYNC_CATEGORIES.trigger) — or every event when the user's `autoSaveCalendar` is on — inside the sliding window
 * (`settings.calendarDaysBack` back, open future).
 *
 * Reading: getChanges on the calendar folder from the adapter's own cursor (`mirror:calendar`, advanced in memory,
 * persisted only by commitCursor), then getEvents. `key` is the iCalendar UID; `drives` comes from the organization's
 * meeting owners (MeetingOwnerRepository): the organizer's copy owns a meeting; an attendee's copy of a meeting whose
 * organizer is inside the organization never drives; a meeting with an external organizer is owned by the first
 * mailbox that claims it. A copy that loses the category or leaves the window is gone 'out-of-scope'; a delta delete
 * is gone 'deleted' — except an attendee's copy, whose disappearance is never a deletion of the meeting (reported
 * 'out-of-scope': the link is dropped, the C4C appointment stays).
 *
 * Writes: createEvent / updateEvent / deleteEvent, which never send invitations, updates or cancellations (EWS
 * SendToNone on every CreateItem / UpdateItem / DeleteItem; on Graph attendees are kept in an extended property and
 * writes that Graph would announce to attendees are refused — see relay/mailbox/graph/graph-mailbox.ts). A created
 * event carries the C4C ObjectID from its create request (createEvent's `c4cObjectId` option).
 *
 * Recurring series — C4C has no recurrence, so a series is mirrored occurrence by occurrence:
 * - every occurrence (or exception) of a series inside the window, up to SERIES_HORIZON_DAYS ahead, is one C4C
 *   appointment, keyed `<series iCalUid>#<original start, UTC ISO>` (GroupwareItemID), with RecurrenceActGroupwareID
 *   = the series' iCalUid and OccurrenceDate = the original start's date (written by the C4C side);
 * - an exception is an update of its occurrence's appointment (same key: the original start never moves);
 * - a deleted occurrence deletes only its own appointment, and only from the copy that drives the series; the other
 *   occurrences are untouched;
 * - the series master itself is never mirrored; a whole series deleted deletes each occurrence's appointment;
 * - EWS reports masters (a changed or deleted occurrence updates its master): the master is expanded with
 *   getOccurrences over the window, and a linked occurrence missing from the expansion is read by id (absent →
 *   'deleted', present but outside the window → 'out-of-scope'). Graph's calendarView delta reports the instances
 *   themselves (never masters); a removed instance is verified by the mailbox client before it is reported deleted.
 * - The expansion horizon slides: a series is expanded again once a day, so occurrences that enter the horizon are
 *   created. C4C-side edits of an occurrence's appointment flow back to that occurrence (it becomes an exception).
 *
 * Known limits: on Graph, an event the user deletes with Delete (moved to Deleted Items) still reads by id, so the
 * Graph client reports it changed rather than removed and the appointment stays (the safe direction; Shift+Delete is
 * seen as a deletion). The Mailbox interface cannot search by iCalendar UID or stamp, so lookups for the C4C side's
 * unlinked records are answered from the items read this session. On Graph, writes to a meeting the user organizes
 * with real attendees are refused by the client (Graph would notify them), so C4C edits of such meetings stay in C4C.
 */
import { SYNC_CATEGORIES } from '../../../../shared/api/sync';
import { CursorRejectedError, type CalendarEvent, type ChangePage, type EventInput, type ItemKind, type Mailbox, type MailFolder } from '../../../mailbox/types';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import type { AdapterDeps } from './types';

export const CALENDAR_CURSOR_KEY = 'mirror:calendar';
/** How far ahead a series is expanded into occurrences (C4C appointments). Graph's own delta window is 365 days. */
export const SERIES_HORIZON_DAYS = 365;
const DAY = 86_400_000;
const TRIGGER = SYNC_CATEGORIES.trigger.displayName;

/** The shared identity of an appointment: a single event's iCalUid, or `<series iCalUid>#<original start>`. */
export function occurrenceKey(seriesUid: string, originalStart: string): string {
  return `${seriesUid}#${new Date(originalStart).toISOString()}`;
}

/** Splits an occurrence key; undefined for a single event's key. */
export function parseOccurrenceKey(key: string): { seriesUid: string; originalStart: string } | undefined {
  const at = key.lastIndexOf('#');
  if (at <= 0) return undefined;
  const originalStart = key.slice(at + 1);
  if (Number.isNaN(Date.parse(originalStart))) return undefined;
  return { seriesUid: key.slice(0, at), originalStart };
}

export function hasCategory(categories: readonly string[], name: string): boolean {
  const wanted = name.toLowerCase();
  return categories.some((c) => c.toLowerCase() === wanted);
}

/** What the mailbox side learned about an item this session, for the C4C side's writes (GroupwareItemID etc.). */
export interface AppointmentIdentity {
  key: string;
  seriesUid?: string;
  originalStart?: string;
}

/** State the two calendar adapters of one session share (built by calendar.ts). */
export interface CalendarShared {
  /** Mailbox item id → its appointment identity. */
  identities: Map<string, AppointmentIdentity>;
  /** After the mailbox side created an event from a C4C record: give the record the event's key if it has none. */
  onMailboxCreated?: (c4cId: string, key: string) => Promise<void>;
  /** After the C4C side created (or found) the appointment of a mailbox item: stamp the item with its ObjectID. */
  stampMailbox?: (keyOrId: string, c4cId: string) => Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Change feed reading, shared with the tasks adapter

export interface FolderChanges {
  changed: Set<string>;
  deleted: Set<string>;
  cursor: string;
  /** True when the feed started from scratch (no cursor, or the stored one was rejected): a full listing. */
  full: boolean;
}

/** Every page of a folder's changes since `cursor`; a rejected cursor restarts from the beginning (a full listing). */
export async function readFolderChanges(mailbox: Mailbox, folderId: string, kind: ItemKind, cursor: string | undefined): Promise<FolderChanges> {
  const collect = async (start: string | undefined): Promise<FolderChanges> => {
    const out: FolderChanges = { changed: new Set(), deleted: new Set(), cursor: start ?? '', full: start === undefined };
    let next = start;
    for (let guard = 0; guard < 100_000; guard++) {
      const page: ChangePage = await mailbox.getChanges(folderId, kind, next);
      for (const ref of [...page.created, ...page.updated]) {
        out.deleted.delete(ref.id);
        out.changed.add(ref.id);
      }
      for (const id of page.deleted) {
        out.changed.delete(id);
        out.deleted.add(id);
      }
      out.cursor = page.cursor;
      next = page.cursor;
      if (page.done) break;
    }
    return out;
  };
  try {
    return await collect(cursor);
  } catch (error) {
    if (cursor !== undefined && error instanceof CursorRejectedError) return collect(undefined);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cursor state

interface CalendarCursorState {
  v: 1;
  /** The mailbox's own change cursor (EWS SyncState / Graph delta link). */
  delta?: string;
  /** Series masters seen (EWS): id → series iCalUid and the horizon (ISO) up to which they were expanded. */
  series: Record<string, { uid: string; to: string }>;
  /** Ids of attendee copies (not the organizer's): their disappearance is never a deletion. */
  attendeeCopies: string[];
  /** Links the table held when the cursor was committed: fewer now means a lost table, read everything again. */
  links: number;
  /**
   * Attendee copies not linked yet (they wait for the owner mailbox to create the appointment): offered again every
   * session, unchanged or not, so they link as observers once the appointment exists.
   */
  waiting: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function parseState(text: string | undefined): CalendarCursorState | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<CalendarCursorState>;
    if (parsed.v !== 1 || typeof parsed.series !== 'object' || parsed.series === null) return undefined;
    return { v: 1, delta: typeof parsed.delta === 'string' ? parsed.delta : undefined, series: parsed.series, attendeeCopies: strings(parsed.attendeeCopies), links: Number(parsed.links) || 0, waiting: strings(parsed.waiting) };
  } catch {
    return undefined;
  }
}

/** Whether a stored cursor may be continued: a lost link table (links gone) is re-read from scratch to re-link. */
export function continueCursor(storedLinks: number, links: MirrorLink[]): boolean {
  return !(storedLinks > 0 && links.length === 0);
}

// ---------------------------------------------------------------------------------------------------------------
// The adapter

export function createCalendarMailboxAdapter(deps: AdapterDeps<'appointment'>, shared: CalendarShared): SideAdapter {
  const { ctx, mapping, settings, owners } = deps;
  const mailbox = ctx.mailbox;
  const organizationId = ctx.state.organizationId;
  const userId = ctx.state.userId;
  const ownAddress = ctx.state.address.toLowerCase();
  let folder: MailFolder | undefined;
  let pending: { folderId: string; state: CalendarCursorState } | undefined;
  /** Items read this session (lookups of the other side's stamps and keys are answered from them). */
  const seen = new Map<string, SideItem>();
  const masterUids = new Map<string, string>();
  const byKey = new Map<string, string>();
  const claims = new Map<string, Promise<boolean>>();
  let domains: Promise<string[]> | undefined;

  const calendar = async (): Promise<MailFolder> => (folder ??= await mailbox.getWellKnownFolder('calendar'));
  const windowStart = (): number => ctx.now().getTime() - settings.calendarDaysBack * DAY;
  const horizon = (): number => ctx.now().getTime() + SERIES_HORIZON_DAYS * DAY;

  const isInternal = async (address: string | undefined): Promise<boolean> => {
    if (!address) return false;
    const domain = address.toLowerCase().split('@')[1] ?? '';
    if (domain === (ownAddress.split('@')[1] ?? '')) return true;
    domains ??= deps.organizationDomains ? deps.organizationDomains() : Promise.resolve([]);
    return (await domains).some((d) => domain === d.toLowerCase() || domain.endsWith(`.${d.toLowerCase()}`));
  };

  /** May this copy of the meeting create and delete its C4C appointment? One claim per series / meeting a session. */
  const drivesFor = (e: CalendarEvent, uid: string): Promise<boolean> => {
    let claim = claims.get(uid);
    if (!claim) {
      claim = (async () => {
        if (e.isOrganizer) return (await owners.claim(organizationId, uid, userId, true)).ownerUserId === userId;
        // An organizer inside the organization drives the meeting from their own mailbox; this copy only observes.
        if (await isInternal(e.organizer?.address)) {
          const owner = await owners.get(organizationId, uid);
          return owner?.ownerUserId === userId;
        }
        return (await owners.claim(organizationId, uid, userId, false)).ownerUserId === userId;
      })();
      claims.set(uid, claim);
    }
    return claim;
  };

  const seriesUidOf = async (e: CalendarEvent): Promise<string> => {
    if (e.type !== 'occurrence' && e.type !== 'exception') return e.iCalUid;
    const masterId = e.seriesMasterId;
    if (!masterId) return e.iCalUid;
    const known = masterUids.get(masterId) ?? pending?.state.series[masterId]?.uid;
    if (known) return known;
    // Graph gives each instance an iCalUId of its own; the series' UID is the master's.
    const [master] = await mailbox.getEvents([masterId]);
    const uid = master?.iCalUid || e.iCalUid;
    masterUids.set(masterId, uid);
    return uid;
  };

  const identityOf = async (e: CalendarEvent): Promise<AppointmentIdentity> => {
    if ((e.type === 'occurrence' || e.type === 'exception') && e.originalStart) {
      const seriesUid = await seriesUidOf(e);
      return { key: occurrenceKey(seriesUid, e.originalStart), seriesUid, originalStart: new Date(e.originalStart).toISOString() };
    }
    return { key: e.iCalUid };
  };

  const triggered = (e: CalendarEvent): boolean => ctx.userSettings.autoSaveCalendar || hasCategory(e.categories, TRIGGER);
  const inWindow = (e: CalendarEvent): boolean => Date.parse(e.end) >= windowStart();
  const inScope = (e: CalendarEvent): boolean => e.type !== 'seriesMaster' && triggered(e) && inWindow(e);

  const toItem = async (e: CalendarEvent, outOfScope = false): Promise<SideItem> => {
    const identity = await identityOf(e);
    shared.identities.set(e.id, identity);
    const copies = pending?.state.attendeeCopies;
    if (!e.isOrganizer && copies && !copies.includes(e.id)) copies.push(e.id);
    const fields = mapping.fromMailbox(e);
    const item: SideItem = {
      id: e.id,
      stamp: e.changeKey,
      hash: mapping.hash('mailbox', fields),
      fields,
      key: identity.key,
      drives: await drivesFor(e, identity.seriesUid ?? identity.key),
      ...(e.c4cObjectId ? { stampedWith: e.c4cObjectId } : {}),
      ...(e.lastModifiedAt ? { changedAt: e.lastModifiedAt } : {}),
      ...(outOfScope ? { outOfScope: true } : {}),
    };
    seen.set(e.id, item);
    byKey.set(identity.key, e.id);
    return item;
  };

  shared.stampMailbox = async (keyOrId, c4cId) => {
    const id = byKey.get(keyOrId) ?? (seen.has(keyOrId) ? keyOrId : undefined);
    if (!id || seen.get(id)?.stampedWith === c4cId) return;
    await mailbox.setC4cObjectId(id, 'event', c4cId);
  };

  /** Was this link's mailbox copy an attendee's (its disappearance is then never a deletion of the meeting)? */
  const wasAttendeeCopy = (link: MirrorLink): boolean => {
    if (link.mailboxId && pending?.state.attendeeCopies.includes(link.mailboxId)) return true;
    const attendees = link.synced.attendees;
    if (!Array.isArray(attendees)) return false;
    const organizer = attendees.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a) && a.role === 'organizer') as { email?: unknown } | undefined;
    return typeof organizer?.email === 'string' && organizer.email.toLowerCase() !== ownAddress;
  };

  return {
    side: 'mailbox',
    kind: 'appointment',

    async read(links: MirrorLink[]): Promise<SideView> {
      const cal = await calendar();
      const stored = await ctx.cursors.get(CALENDAR_CURSOR_KEY);
      const previous = stored?.folderId === cal.id ? parseState(stored.cursor) : undefined;
      const resume = previous && continueCursor(previous.links, links) ? previous : undefined;
      const state: CalendarCursorState = { v: 1, series: { ...(resume?.series ?? {}) }, attendeeCopies: [...(resume?.attendeeCopies ?? [])], links: 0, waiting: [] };
      pending = { folderId: cal.id, state };
      const changes = await readFolderChanges(mailbox, cal.id, 'event', resume?.delta);
      state.delta = changes.cursor;
      if (changes.full) state.series = {};

      const byMailboxId = new Map(links.filter((l) => l.mailboxId).map((l) => [l.mailboxId as string, l]));
      const changed = new Map<string, SideItem>();
      const gone = new Map<string, 'deleted' | 'out-of-scope'>();
      const expanded = new Set<string>();

      const goneFor = (link: MirrorLink, reason: 'deleted' | 'out-of-scope'): void => {
        const id = link.mailboxId as string;
        if (changed.has(id)) return;
        gone.set(id, reason === 'deleted' && wasAttendeeCopy(link) ? 'out-of-scope' : reason);
      };
      const consider = async (e: CalendarEvent): Promise<void> => {
        if (inScope(e)) {
          gone.delete(e.id);
          changed.set(e.id, await toItem(e));
        } else {
          const link = byMailboxId.get(e.id);
          if (link) goneFor(link, 'out-of-scope');
        }
      };
      /** Linked ids not in this session's answers: read them; absent ones are deleted, the others re-judged. */
      const verify = async (ids: string[]): Promise<void> => {
        if (ids.length === 0) return;
        const found = new Map((await mailbox.getEvents(ids)).map((e) => [e.id, e]));
        for (const id of ids) {
          const e = found.get(id);
          const link = byMailboxId.get(id);
          if (!link) continue;
          if (!e) goneFor(link, 'deleted');
          else await consider(e);
        }
      };
      const expand = async (master: CalendarEvent): Promise<void> => {
        expanded.add(master.id);
        masterUids.set(master.id, master.iCalUid);
        const to = new Date(horizon()).toISOString();
        state.series[master.id] = { uid: master.iCalUid, to };
        const instances = await mailbox.getOccurrences(master.id, { start: new Date(windowStart()).toISOString(), end: to });
        const ids = new Set(instances.map((i) => i.id));
        for (const instance of instances) await consider({ ...instance, seriesMasterId: instance.seriesMasterId ?? master.id });
        // Linked occurrences of this series the expansion no longer has: deleted, or moved out of the window.
        const prefix = `${master.iCalUid}#`;
        await verify(links.filter((l) => l.mailboxId && !ids.has(l.mailboxId) && l.key?.startsWith(prefix)).map((l) => l.mailboxId as string));
      };

      for (const id of resume?.waiting ?? []) if (!byMailboxId.has(id) && !changes.deleted.has(id)) changes.changed.add(id);

      // 1. What the feed reported (and the attendee copies still waiting for their appointment).
      const events = changes.changed.size > 0 ? await mailbox.getEvents([...changes.changed]) : [];
      const returned = new Set(events.map((e) => e.id));
      for (const id of changes.changed) if (!returned.has(id)) changes.deleted.add(id); // deleted since it was reported
      for (const e of events) {
        if (e.type === 'seriesMaster') {
          // Expanded when it is mirrored now or was before (then its occurrences leave the scope).
          if (triggered(e) || state.series[e.id] || links.some((l) => l.key?.startsWith(`${e.iCalUid}#`))) await expand(e);
        } else await consider(e);
      }
      for (const id of changes.deleted) {
        const link = byMailboxId.get(id);
        if (link) goneFor(link, 'deleted');
        const series = state.series[id] ?? resume?.series[id];
        if (series) {
          // A deleted series master (EWS): every linked occurrence of it went with it.
          for (const l of links) if (l.mailboxId && l.key?.startsWith(`${series.uid}#`)) goneFor(l, 'deleted');
          delete state.series[id];
        }
      }

      // 2. Series whose expansion horizon moved on since their last expansion (once a day).
      const dayAgo = horizon() - DAY;
      for (const [masterId, series] of Object.entries(state.series)) {
        if (expanded.has(masterId) || Date.parse(series.to) >= dayAgo) continue;
        const [master] = await mailbox.getEvents([masterId]);
        if (master?.type === 'seriesMaster') await expand(master);
        else delete state.series[masterId];
      }

      // 3. A full listing names everything in scope: linked items it did not name are verified by reading them.
      if (changes.full) await verify([...byMailboxId.keys()].filter((id) => !changed.has(id) && !gone.has(id)));

      // 4. The window slides: unchanged linked items that ended before its start leave the scope.
      for (const link of byMailboxId.values()) {
        const id = link.mailboxId as string;
        if (changed.has(id) || gone.has(id)) continue;
        const end = typeof link.synced.end === 'string' ? Date.parse(link.synced.end) : NaN;
        if (!Number.isNaN(end) && end < windowStart()) goneFor(link, 'out-of-scope');
      }

      // Copies that left (attendee copies, or the owner's) release their claim so another copy can take over.
      for (const [id, reason] of gone) {
        const key = byMailboxId.get(id)?.key;
        if (reason === 'out-of-scope' && key) await owners.release(organizationId, parseOccurrenceKey(key)?.seriesUid ?? key, userId);
      }
      state.attendeeCopies = state.attendeeCopies.filter((id) => !gone.has(id) && !changes.deleted.has(id));
      state.waiting = [...changed.values()].filter((i) => !i.drives && !byMailboxId.has(i.id)).map((i) => i.id);
      return {
        side: 'mailbox',
        changed: [...changed.values()],
        gone: [...gone].map(([id, reason]) => ({ id, reason })),
        ...(changes.full ? { totalInScope: changed.size } : {}),
      };
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      const out = new Map<string, SideItem>();
      const stamps = new Set(query.stampedWith);
      const keys = new Set(query.keys);
      for (const item of seen.values()) {
        if ((item.stampedWith && stamps.has(item.stampedWith)) || (item.key && keys.has(item.key))) out.set(item.id, item);
      }
      // C4C records are stamped with keys (GroupwareItemID; Outlook UIDs are hex), not item ids: ask the server for the rest.
      const seenKeys = new Set([...seen.values()].map((i) => i.key));
      const ids = query.ids.filter((id) => !out.has(id) && !seenKeys.has(id) && !parseOccurrenceKey(id) && !/^[0-9A-F]+$/i.test(id));
      let events: CalendarEvent[] = [];
      try {
        events = ids.length > 0 ? await mailbox.getEvents(ids) : [];
      } catch {
        // One malformed id fails the whole batch: read one by one and skip what the server refuses.
        for (const id of ids) events.push(...(await mailbox.getEvents([id]).catch(() => [])));
      }
      for (const e of events) if (e.type !== 'seriesMaster') out.set(e.id, await toItem(e, !inScope(e)));
      return [...out.values()];
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const input = mapping.toMailbox(fields);
      if (!input.start || !input.end) throw new Error('An appointment without start or end cannot be created in the calendar.');
      const categories = input.categories ?? [];
      const full: EventInput = {
        subject: '',
        timeZone: 'UTC',
        isAllDay: false,
        attendees: [],
        sensitivity: 'normal',
        ...input,
        start: input.start,
        end: input.end,
        categories: hasCategory(categories, TRIGGER) ? categories : [...categories, TRIGGER],
      };
      // The C4C ObjectID travels in the create request itself (one write, no separate stamp).
      const ref = await mailbox.createEvent((await calendar()).id, full, stampWith ? { c4cObjectId: stampWith } : undefined);
      const [event] = await mailbox.getEvents([ref.id]);
      if (!event) throw new Error(`The event ${ref.id} just created in ${mailbox.address} cannot be read back.`);
      const item = await toItem(event);
      if (stampWith && item.key) await shared.onMailboxCreated?.(stampWith, item.key);
      return item;
    },

    async update(id: string, fields: MappedFields): Promise<SideItem> {
      // The mailbox interface has no If-Match: conflicts are found by change key when the links are compared.
      const input = mapping.toMailbox(fields);
      await mailbox.updateEvent(id, input);
      const [event] = await mailbox.getEvents([id]);
      if (!event) throw new Error(`The event ${id} of ${mailbox.address} disappeared while it was updated.`);
      return toItem(event);
    },

    async delete(id: string): Promise<void> {
      await mailbox.deleteEvent(id);
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      // How many links the table should hold now, at least: the ones read plus the stamped items in scope.
      const stamped = [...seen.values()].filter((i) => i.stampedWith && !i.outOfScope).length;
      pending.state.links = Math.max(deps.links.length, stamped);
      await ctx.cursors.set(CALENDAR_CURSOR_KEY, { folderId: pending.folderId, cursor: JSON.stringify(pending.state), baselineDone: true });
      pending = undefined;
    },
  };
}
