/**
 * The C4C side of calendar mirroring (E4): the Appointments the user owns (Owner / Organizer = the user's employee,
 * or the organizer's e-mail is the user's) or attends (an involved party with the user's e-mail or employee ID).
 *
 * Reading: `EntityLastChangedOn ge datetimeoffset'<cursor>'` (the first session: `EndDate ge <window start>`), paged by
 * following `__next`, with `$expand=AppointmentInvolvedParties,AppointmentTextCollection` (notes: the text of type
 * 10002). The cursor is the latest EntityLastChangedOn seen minus a minute of overlap, kept in memory and persisted
 * only by commitCursor. The delta is filtered on the server to the user's own appointments (OwnerPartyID). C4C has no
 * tombstones, so the linked appointments the delta did not return are checked by ObjectID and ETag in groups
 * (`ObjectID eq … or …`, one request per 50 links): a changed ETag (an appointment the user attends, changed by its
 * owner) is read in full; a missing one is read by ObjectID and only a 404 makes it 'deleted' — an absence from a
 * listing is never a deletion.
 *
 * An appointment the user only attends, created in C4C (no GroupwareItemID), is not created in the user's mailbox:
 * their copy of a meeting comes from Exchange, and a second copy made by sync would be one more thing whose deletion
 * could look like a deletion of the meeting. Appointments the user attends are reported once linked (or when the
 * mailbox side looks for their key), so their changes flow to the attendee's copy.
 *
 * Writing: create with GroupwareItemID = the key (the iCalendar UID, or `<uid>#<original start>` for an occurrence
 * with RecurrenceActGroupwareID and OccurrenceDate), DataOriginTypeCode 2 (Groupware), Owner = the user's employee,
 * the attendees as AppointmentInvolvedParties (PartyEmailURI, PartyName, RoleCode 35 / 36, PartyID of the contact or
 * employee with that e-mail when C4C has one) and the notes as AppointmentTextCollection (TypeCode 10002). One real
 * meeting seen from several mailboxes is one appointment: before creating, the key is looked up by GroupwareItemID
 * and an existing appointment is updated and returned instead (and the create itself is idempotent: after an unknown
 * outcome the same lookup runs before any repeat). Updates carry If-Match with the link's ETag (412 on a concurrent
 * change); involved parties and notes are reconciled row by row. Appointments are deletable; delete is a DELETE.
 */
import type { C4cClient } from '../../../c4c/client';
import type { Appointment } from '../../../c4c/entities';
import { C4cNotFoundError } from '../../../c4c/errors';
import { and, anyOf, dateTimeOffsetLiteral, eq } from '../../../c4c/query';
import type { C4cAppointmentRecord, C4cWrite } from '../mapping/types';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import { parseOccurrenceKey, type CalendarShared } from './calendar-mailbox';
import type { AdapterDeps } from './types';

export const C4C_CALENDAR_CURSOR_KEY = 'mirror:c4c:appointment';
const SET = 'AppointmentCollection';
const PARTIES = 'AppointmentInvolvedPartiesCollection';
const TEXTS = 'AppointmentTextCollectionCollection';
const EXPAND = ['AppointmentInvolvedParties', 'AppointmentTextCollection'] as const;
export const NOTE_TYPE = '10002';
const ROLE_ORGANIZER = '35';
const ROLE_ATTENDEE = '36';
const DAY = 86_400_000;
/** Re-read the last minute before the newest change seen: a write committed late with an earlier stamp is not lost. */
const OVERLAP_MS = 60_000;
const CHUNK = 50;

interface TextRow {
  ObjectID: string;
  ParentObjectID?: string;
  TypeCode?: string;
  Text?: string;
  LanguageCode?: string;
}
type AppointmentRow = Appointment & { AppointmentTextCollection?: TextRow[] };

const lower = (v: string | undefined | null): string => (v ?? '').trim().toLowerCase();

export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Max of ISO instants (undefined ignored). */
function later(a: string | undefined, b: string | undefined | null): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/**
 * Resolves attendee e-mails to C4C parties (contacts first, then employees), once per address and session, with one
 * `Email eq … or …` query per set and group of addresses. Failures leave the attendee unresolved (e-mail and name only).
 */
export function partyResolver(c4c: C4cClient): (emails: string[]) => Promise<Map<string, { partyId: string; typeCode: string }>> {
  const cache = new Map<string, { partyId: string; typeCode: string } | null>();
  return async (emails) => {
    const wanted = [...new Set(emails.map(lower).filter((e) => e && !cache.has(e)))];
    for (const group of chunks(wanted, 20)) {
      for (const e of group) cache.set(e, null);
      try {
        const contacts = await c4c.queryAll('ContactCollection', { filter: anyOf('Email', group), select: ['ContactID', 'Email'] }, { maxItems: 1000 });
        for (const c of contacts) if (c.Email && c.ContactID && !cache.get(lower(c.Email))) cache.set(lower(c.Email), { partyId: c.ContactID, typeCode: '147' });
        const open = group.filter((e) => !cache.get(e));
        if (open.length > 0) {
          const employees = await c4c.queryAll('EmployeeCollection', { filter: anyOf('Email', open), select: ['EmployeeID', 'Email'] }, { maxItems: 1000 });
          for (const m of employees) if (m.Email && m.EmployeeID && !cache.get(lower(m.Email))) cache.set(lower(m.Email), { partyId: m.EmployeeID, typeCode: '167' });
        }
      } catch {
        // Linking is a bonus: the attendee is still written with its e-mail and name.
      }
    }
    const out = new Map<string, { partyId: string; typeCode: string }>();
    for (const e of emails) {
      const hit = cache.get(lower(e));
      if (hit) out.set(lower(e), hit);
    }
    return out;
  };
}

export function createCalendarC4cAdapter(deps: AdapterDeps<'appointment'>, shared: CalendarShared): SideAdapter {
  const { ctx, c4c, mapping, settings, employee } = deps;
  const ownAddress = lower(ctx.state.address);
  const resolveParties = partyResolver(c4c);
  let pending: { cursor: string } | undefined;

  const windowStart = (): number => ctx.now().getTime() - settings.calendarDaysBack * DAY;

  const recordOf = (row: AppointmentRow): C4cAppointmentRecord => {
    const notes = (row.AppointmentTextCollection ?? []).find((t) => t.TypeCode === NOTE_TYPE)?.Text;
    return { header: row, involvedParties: row.AppointmentInvolvedParties ?? [], ...(notes !== undefined ? { notes } : {}) };
  };

  const owns = (row: AppointmentRow): boolean =>
    Boolean(employee && (row.OwnerPartyID === employee.employeeId || row.OrganizerPartyID === employee.employeeId || (employee.uuid && lower(row.Owner) === lower(employee.uuid)))) ||
    lower(row.OrganizerEmailURI) === ownAddress;
  const attends = (row: AppointmentRow): boolean =>
    (row.AppointmentInvolvedParties ?? []).some((p) => lower(p.PartyEmailURI) === ownAddress || lower(p.EMail) === ownAddress || (employee !== undefined && p.PartyID === employee.employeeId));
  const inWindow = (row: AppointmentRow): boolean => !row.EndDate || Date.parse(row.EndDate) >= windowStart();

  const toItem = (row: AppointmentRow, outOfScope = false): SideItem => {
    const fields = mapping.fromC4c(recordOf(row));
    const key = row.GroupwareItemID?.trim() || undefined;
    return {
      id: row.ObjectID,
      stamp: row.__metadata?.etag ?? row.ETag ?? row.EntityLastChangedOn ?? '',
      hash: mapping.hash('c4c', fields),
      fields,
      drives: true,
      ...(key ? { key, stampedWith: key } : {}),
      ...(row.EntityLastChangedOn ? { changedAt: row.EntityLastChangedOn } : {}),
      ...(outOfScope ? { outOfScope: true } : {}),
    };
  };

  const readFull = async (objectId: string): Promise<AppointmentRow | undefined> => {
    try {
      return await c4c.read<typeof SET, AppointmentRow>(SET, objectId, { expand: EXPAND });
    } catch (error) {
      if (error instanceof C4cNotFoundError) return undefined;
      throw error;
    }
  };

  const byKeys = async (keys: string[]): Promise<AppointmentRow[]> => {
    const out: AppointmentRow[] = [];
    for (const group of chunks([...new Set(keys)], 20)) out.push(...(await c4c.queryAll<typeof SET, AppointmentRow>(SET, { filter: anyOf('GroupwareItemID', group), expand: EXPAND })));
    return out;
  };

  /** Attendee rows as C4C wants them, with the PartyID of the contact / employee having that e-mail. */
  const partyRows = async (write: C4cWrite): Promise<Record<string, unknown>[]> => {
    const list = write.involvedParties ?? [];
    const resolved = await resolveParties(list.map((p) => p.PartyEmailURI));
    const unknown = list.filter((p) => !resolved.has(lower(p.PartyEmailURI)) && lower(p.PartyEmailURI) !== ownAddress);
    if (deps.autoResolve && unknown.length > 0) {
      // E8: attendees nobody knows become Leads / Contacts first; a contact is then linked like a known one.
      for (const [address, party] of await deps.autoResolve(unknown.map((p) => ({ address: p.PartyEmailURI, ...(p.PartyName ? { name: p.PartyName } : {}) })))) resolved.set(lower(address), party);
    }
    return list.map((p) => {
      const hit = resolved.get(lower(p.PartyEmailURI));
      return { ...p, ...(hit ? { PartyID: hit.partyId, PartyTypeCode: hit.typeCode } : {}) };
    });
  };

  /** Makes the appointment's organizer / attendee rows and its note what `write` says (other roles are kept). */
  const writeChildren = async (row: AppointmentRow, write: C4cWrite): Promise<void> => {
    if (write.involvedParties !== undefined) {
      const wanted = await partyRows(write);
      const current = (row.AppointmentInvolvedParties ?? []).filter((p) => p.RoleCode === ROLE_ORGANIZER || p.RoleCode === ROLE_ATTENDEE);
      const keyOf = (p: { PartyEmailURI?: unknown; EMail?: unknown; RoleCode?: unknown }): string => `${String(p.RoleCode)}|${lower(String(p.PartyEmailURI || p.EMail || ''))}`;
      const wantedKeys = new Set(wanted.map(keyOf));
      const currentKeys = new Set(current.map(keyOf));
      for (const p of current) if (!wantedKeys.has(keyOf(p))) await c4c.delete(PARTIES, p.ObjectID).catch(ignoreNotFound);
      for (const p of wanted) if (!currentKeys.has(keyOf(p))) await c4c.create(PARTIES, { ...(p as { RoleCode: string }), ParentObjectID: row.ObjectID });
    }
    if (write.notes !== undefined) {
      const note = (row.AppointmentTextCollection ?? []).find((t) => t.TypeCode === NOTE_TYPE);
      if (note) {
        if ((note.Text ?? '') !== write.notes) await c4c.update(TEXTS, note.ObjectID, { Text: write.notes });
      } else if (write.notes !== '') await c4c.create(TEXTS, { ParentObjectID: row.ObjectID, TypeCode: NOTE_TYPE, Text: write.notes, LanguageCode: 'EN' });
    }
  };

  const update = async (id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem> => {
    const write = mapping.toC4c(fields);
    // Always PATCH the header (even with nothing to change) so If-Match guards the whole write.
    await c4c.update(SET, id, write.body, stamp ? { etag: stamp } : {});
    if (write.involvedParties !== undefined || write.notes !== undefined) {
      const row = await readFull(id);
      if (!row) throw new C4cNotFoundError(`The appointment ${id} disappeared while it was updated.`, { method: 'PATCH', path: SET });
      await writeChildren(row, write);
    }
    const after = await readFull(id);
    if (!after) throw new C4cNotFoundError(`The appointment ${id} disappeared while it was updated.`, { method: 'GET', path: SET });
    return toItem(after);
  };

  const self: SideAdapter = {
    side: 'c4c',
    kind: 'appointment',

    async read(links: MirrorLink[]): Promise<SideView> {
      const stored = await ctx.cursors.get(C4C_CALENDAR_CURSOR_KEY);
      // A lost link table (links gone, cursor kept) reads everything again so the stamps can re-link.
      const since = stored?.cursor && links.length > 0 ? stored.cursor : undefined;
      // The delta lists the user's own appointments only (one filter on the server, not the tenant's every change);
      // the linked ones the user merely attends are caught by the ETag sweep below.
      const own = employee ? eq('OwnerPartyID', employee.employeeId) : eq('OrganizerEmailURI', ctx.state.address);
      const filter = and(since ? `EntityLastChangedOn ge ${dateTimeOffsetLiteral(since)}` : `EndDate ge ${dateTimeOffsetLiteral(new Date(windowStart()))}`, own);
      const byC4cId = new Map(links.filter((l) => l.c4cId).map((l) => [l.c4cId as string, l]));
      const changed = new Map<string, SideItem>();
      const gone = new Map<string, 'deleted' | 'out-of-scope'>();
      let newest: string | undefined;

      const consider = (row: AppointmentRow): void => {
        const linked = byC4cId.has(row.ObjectID);
        const mine = owns(row) || (attends(row) && (linked || Boolean(row.GroupwareItemID?.trim())));
        if (mine && inWindow(row)) {
          gone.delete(row.ObjectID);
          changed.set(row.ObjectID, toItem(row));
        } else if (linked && !changed.has(row.ObjectID)) gone.set(row.ObjectID, 'out-of-scope');
      };

      for await (const row of c4c.iterate<typeof SET, AppointmentRow>(SET, { filter, expand: EXPAND })) {
        newest = later(newest, row.EntityLastChangedOn);
        consider(row);
      }

      // No tombstones in C4C: linked appointments the delta did not return are checked by ObjectID and ETag (a changed
      // ETag — an appointment the user attends, or one handed to another owner — is read in full and judged again).
      const unseen = [...byC4cId.keys()].filter((id) => !changed.has(id) && !gone.has(id));
      const etags = new Map<string, string | undefined>();
      for (const group of chunks(unseen, CHUNK)) {
        for (const row of await c4c.queryAll(SET, { filter: anyOf('ObjectID', group), select: ['ObjectID', 'ETag'] })) etags.set(row.ObjectID, row.__metadata?.etag);
      }
      for (const id of unseen) {
        const etag = etags.get(id);
        if (etags.has(id) && (etag === undefined || etag === byC4cId.get(id)?.c4cStamp)) continue;
        const row = await readFull(id);
        if (!row) gone.set(id, 'deleted');
        else consider(row);
      }

      // The window slides: linked appointments that ended before its start leave the scope.
      for (const [id, link] of byC4cId) {
        if (changed.has(id) || gone.has(id)) continue;
        const end = typeof link.synced.end === 'string' ? Date.parse(link.synced.end) : NaN;
        if (!Number.isNaN(end) && end < windowStart()) gone.set(id, 'out-of-scope');
      }

      const base = since ?? new Date(windowStart()).toISOString();
      const next = newest ? new Date(Math.max(Date.parse(newest) - OVERLAP_MS, Date.parse(base))).toISOString() : (since ?? ctx.now().toISOString());
      pending = { cursor: next };
      return {
        side: 'c4c',
        changed: [...changed.values()],
        gone: [...gone].map(([id, reason]) => ({ id, reason })),
        ...(since ? {} : { totalInScope: changed.size }),
      };
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      const out = new Map<string, SideItem>();
      const judge = (row: AppointmentRow): void => {
        const inScope = (owns(row) || attends(row)) && inWindow(row);
        out.set(row.ObjectID, toItem(row, !inScope));
      };
      for (const group of chunks([...new Set(query.ids)], 20)) {
        for (const row of await c4c.queryAll<typeof SET, AppointmentRow>(SET, { filter: anyOf('ObjectID', group), expand: EXPAND })) judge(row);
      }
      // The mailbox items' keys (iCalendar UIDs) and ids both may sit in GroupwareItemID.
      const keys = [...query.keys, ...query.stampedWith.map((id) => shared.identities.get(id)?.key ?? id)];
      if (keys.length > 0) for (const row of await byKeys(keys)) judge(row);
      return [...out.values()];
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const identity = stampWith ? (shared.identities.get(stampWith) ?? { key: stampWith }) : undefined;
      const key = identity?.key;
      // One real meeting is one appointment: another mailbox's copy may have created it already.
      if (key) {
        const [existing] = await byKeys([key]);
        if (existing) {
          const item = await update(existing.ObjectID, fields, existing.__metadata?.etag);
          await shared.stampMailbox?.(key, item.id);
          return item;
        }
      }
      const write = mapping.toC4c(fields);
      const occurrence = key ? parseOccurrenceKey(key) : undefined;
      const body: Record<string, unknown> = {
        ...write.body,
        DataOriginTypeCode: '2',
        ...(key ? { GroupwareItemID: key } : {}),
        ...(occurrence ? { RecurrenceActGroupwareID: occurrence.seriesUid, OccurrenceDate: `${occurrence.originalStart.slice(0, 10)}T00:00:00` } : {}),
        ...(employee ? { OwnerPartyID: employee.employeeId } : {}),
        ...(write.involvedParties?.length ? { AppointmentInvolvedParties: await partyRows(write) } : {}),
        ...(write.notes ? { AppointmentTextCollection: [{ TypeCode: NOTE_TYPE, Text: write.notes, LanguageCode: 'EN' }] } : {}),
      };
      let objectId: string;
      if (key) {
        const result = await c4c.createIdempotent(SET, body, { findExisting: async () => (await byKeys([key]))[0] });
        objectId = result.entity.ObjectID;
      } else objectId = (await c4c.create(SET, body)).ObjectID;
      const row = await readFull(objectId);
      if (!row) throw new C4cNotFoundError(`The appointment ${objectId} just created cannot be read back.`, { method: 'GET', path: SET });
      // Both sides are stamped: the mailbox item gets the ObjectID (a lost link table re-links by it).
      if (stampWith) await shared.stampMailbox?.(stampWith, objectId);
      return toItem(row);
    },

    update,

    async delete(id: string): Promise<void> {
      await c4c.delete(SET, id).catch(ignoreNotFound);
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      await ctx.cursors.set(C4C_CALENDAR_CURSOR_KEY, { folderId: SET, cursor: pending.cursor, baselineDone: true });
      pending = undefined;
    },
  };

  /** A mailbox event made from a C4C appointment gives the appointment its key, unless it has one already. */
  shared.onMailboxCreated = async (c4cId, key) => {
    const row = await readFull(c4cId);
    if (!row || row.GroupwareItemID?.trim()) return;
    await c4c.update(SET, c4cId, { GroupwareItemID: key }, row.__metadata?.etag ? { etag: row.__metadata.etag } : {});
  };
  return self;
}

export function ignoreNotFound(error: unknown): void {
  if (error instanceof C4cNotFoundError) return;
  throw error;
}
