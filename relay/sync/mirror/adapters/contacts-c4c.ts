/**
 * The C4C side of contact mirroring (E6): ContactCollection, CorporateAccountCollection, IndividualCustomerCollection
 * (c4c-odata.md §3.1–3.3, §6, §7). I/O and mapping only; the planner decides.
 *
 * Scope (MirrorSettings.contactFilter), for the session's C4C employee E:
 *   owned          records E owns: Contact.ContactOwnerID = E, CorporateAccount / IndividualCustomer.OwnerID = E;
 *   owned-or-team  also the records E is on the team of: an account or individual customer with a row of E in its
 *                  CorporateAccountTeam / IndividualCustomerTeam (EmployeeID = E); C4C contacts have no team, so a
 *                  contact is "on E's team" when its main account (Contact.AccountID) is an account E owns or is on
 *                  the team of;
 *   all            every record.
 * Records in scope beyond `contactLimit` are not mirrored but counted (SideView.beyondLimit), never dropped silently;
 * linked records always keep their place.
 *
 * Reads. The first session (no cursor), and one session a day, list the whole scope (paged, `__next` followed):
 * `totalInScope` feeds the empty-side guard, and a linked record missing from the listing is read by ObjectID before
 * anything is reported (404 → deleted; obsolete → deleted; out of scope → out-of-scope; else changed). When the
 * listing holds fewer than half the linked records, nothing is verified: the guard stops the kind instead. Other
 * sessions read `EntityLastChangedOn ge datetimeoffset'<cursor>'` over the whole collection and apply the scope here,
 * so a record that left the scope (new owner) is seen too. A record whose ETag equals its link's is not reported.
 * Deleting: these sets are not deletable in C4C (sap:deletable="false"); a record set to status 4 (Obsolete) is the
 * C4C-side delete and is reported `deleted`.
 *
 * Stamps. The mailbox side carries the C4C ObjectID (extended property), also for a record created here from a
 * mailbox item (create() stamps that item). C4C has no writable field for the mailbox id on these sets: `ExternalID` is read-only over OData (sap:creatable="false", set by C4C's own integrations), so
 * nothing is stamped there; a lost link table is rebuilt from the mailbox stamps, and an unstamped pair left by a crash
 * between the two writes is joined by content (relay/sync/mirror/step.ts, pairByContent).
 *
 * The cursor (ctx.cursors key `c4c:<kind>`) holds { since, fullAt, beyond } and is committed only by commitCursor().
 */
import { z } from 'zod';
import type { C4cClient } from '../../../c4c/client';
import { C4cNotFoundError } from '../../../c4c/errors';
import type { C4cEntityBase } from '../../../c4c/odata-json';
import { anyOf, dateTimeOffsetLiteral, eq } from '../../../c4c/query';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import type { AdapterDeps } from './types';

export type ContactKind = 'contact' | 'account' | 'individualCustomer';

type Row = C4cEntityBase & Record<string, unknown>;

interface KindSpec {
  entitySet: string;
  owner: string;
  status: string;
  /** The team collection (absent for contacts: see the header). */
  team?: string;
}

export const C4C_CONTACT_SPECS: Record<ContactKind, KindSpec> = {
  contact: { entitySet: 'ContactCollection', owner: 'ContactOwnerID', status: 'StatusCode' },
  account: { entitySet: 'CorporateAccountCollection', owner: 'OwnerID', status: 'LifeCycleStatusCode', team: 'CorporateAccountTeamCollection' },
  individualCustomer: { entitySet: 'IndividualCustomerCollection', owner: 'OwnerID', status: 'LifeCycleStatusCode', team: 'IndividualCustomerTeamCollection' },
};

/** Business-partner life-cycle status "Obsolete" (codes 1 In Preparation, 2 Active, 3 Blocked, 4 Obsolete). */
export const OBSOLETE_STATUS = '4';
/** A full listing at least this often, so records entering or leaving the scope through a team change are seen. */
const FULL_LISTING_EVERY_MS = 24 * 3600 * 1000;
/** The incremental read starts this long before the previous read did (clock skew between relay and C4C). */
const CURSOR_OVERLAP_MS = 2 * 60 * 1000;
/** ObjectID / AccountID values per `or` filter. */
const OR_CHUNK = 40;

const CursorSchema = z.object({ since: z.string(), fullAt: z.string(), beyond: z.number().int().nonnegative() });
type Cursor = z.infer<typeof CursorSchema>;

/** The scope cannot be applied (no C4C employee for the user's address with a per-user filter). */
export class MirrorScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MirrorScopeError';
  }
}

/** C4C contacts / accounts / individual customers cannot be deleted over OData. */
export class NotDeletableError extends Error {
  constructor(entitySet: string) {
    super(`${entitySet} records cannot be deleted in C4C; the link is dropped instead`);
    this.name = 'NotDeletableError';
  }
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function createContactsC4cAdapter<K extends ContactKind>(deps: AdapterDeps<K>): SideAdapter {
  const { kind, ctx, mapping, settings, employee } = deps;
  const c4c: C4cClient = deps.c4c;
  const spec = C4C_CONTACT_SPECS[kind];
  const cursorKey = `c4c:${kind}`;
  // The C4C record as the mapping table of this kind reads it (Contact / CorporateAccount / IndividualCustomer).
  const fromC4c = mapping.fromC4c as unknown as (record: Row) => MappedFields;
  let pending: Cursor | undefined;

  const stampOf = (r: Row): string => r.__metadata?.etag ?? str(r.ETag) ?? str(r.EntityLastChangedOn) ?? '';
  const toItem = (r: Row): SideItem => {
    const fields = fromC4c(r);
    return { id: r.ObjectID, stamp: stampOf(r), hash: mapping.hash('c4c', fields), fields, ...(str(r.EntityLastChangedOn) ? { changedAt: str(r.EntityLastChangedOn) } : {}), drives: true };
  };
  const obsolete = (r: Row): boolean => r[spec.status] === OBSOLETE_STATUS;

  interface Scope {
    test(r: Row): boolean;
    /** Server-side queries whose union is the scope (a full listing). */
    queries: (string | undefined)[];
  }

  async function teamScope(e: string): Promise<{ objectIds: Set<string>; accountIds: Set<string> }> {
    const objectIds = new Set<string>();
    const accountIds = new Set<string>();
    const teamSet = spec.team ?? C4C_CONTACT_SPECS.account.team!;
    for await (const row of c4c.iterate<string, Row>(teamSet, { filter: eq('EmployeeID', e), select: ['ParentObjectID', ...(teamSet === 'CorporateAccountTeamCollection' ? ['AccountID'] : [])] })) {
      if (str(row.ParentObjectID)) objectIds.add(row.ParentObjectID as string);
      if (str(row.AccountID)) accountIds.add(row.AccountID as string);
    }
    if (kind === 'contact') {
      // A contact's team: the accounts E owns or is on the team of, by AccountID.
      for await (const row of c4c.iterate<string, Row>('CorporateAccountCollection', { filter: eq('OwnerID', e), select: ['ObjectID', 'AccountID'] })) {
        if (str(row.AccountID)) accountIds.add(row.AccountID as string);
      }
      if (objectIds.size > 0 && accountIds.size === 0) {
        // Team rows without AccountID: read the accounts' AccountIDs.
        for (const ids of chunk([...objectIds], OR_CHUNK)) {
          for await (const row of c4c.iterate<string, Row>('CorporateAccountCollection', { filter: anyOf('ObjectID', ids), select: ['ObjectID', 'AccountID'] })) {
            if (str(row.AccountID)) accountIds.add(row.AccountID as string);
          }
        }
      }
    }
    return { objectIds, accountIds };
  }

  async function scope(): Promise<Scope> {
    if (settings.contactFilter === 'all') return { test: () => true, queries: [undefined] };
    if (!employee) {
      throw new MirrorScopeError(`No C4C employee has the address ${ctx.state.address}, so the records you own cannot be found; ${kind} records are not mirrored. Ask your administrator to check your employee record in C4C (or set the contact filter to "all").`);
    }
    const e = employee.employeeId;
    const owned = eq(spec.owner, e);
    if (settings.contactFilter === 'owned') return { test: (r) => r[spec.owner] === e, queries: [owned] };
    const team = await teamScope(e);
    if (kind === 'contact') {
      return {
        test: (r) => r[spec.owner] === e || (typeof r.AccountID === 'string' && team.accountIds.has(r.AccountID)),
        queries: [owned, ...chunk([...team.accountIds], OR_CHUNK).map((ids) => anyOf('AccountID', ids))],
      };
    }
    return {
      test: (r) => r[spec.owner] === e || team.objectIds.has(r.ObjectID),
      queries: [owned, ...chunk([...team.objectIds], OR_CHUNK).map((ids) => anyOf('ObjectID', ids))],
    };
  }

  async function storedCursor(): Promise<Cursor | undefined> {
    const stored = await ctx.cursors.get(cursorKey);
    if (!stored?.cursor || stored.folderId !== spec.entitySet) return undefined;
    try {
      const parsed = CursorSchema.safeParse(JSON.parse(stored.cursor));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async function verifyAbsent(ids: string[], s: Scope, view: SideView): Promise<void> {
    for (const id of ids) {
      if (ctx.shouldStop()) return;
      let row: Row;
      try {
        row = await c4c.read<string, Row>(spec.entitySet, id);
      } catch (error) {
        if (error instanceof C4cNotFoundError) {
          view.gone.push({ id, reason: 'deleted' });
          continue;
        }
        throw error;
      }
      if (obsolete(row)) view.gone.push({ id, reason: 'deleted' });
      else if (!s.test(row)) view.gone.push({ id, reason: 'out-of-scope' });
      else view.changed.push(toItem(row));
    }
  }

  return {
    side: 'c4c',
    kind,

    async read(links: MirrorLink[]): Promise<SideView> {
      const startedAt = ctx.now();
      const linked = new Map<string, MirrorLink>();
      for (const l of links) if (l.c4cId !== undefined && l.state !== 'detached') linked.set(l.c4cId, l);
      const tombstones = new Set(links.filter((l) => l.state === 'detached' && l.c4cId !== undefined).map((l) => l.c4cId as string));
      const stored = await storedCursor();
      const full = !stored || startedAt.getTime() - Date.parse(stored.fullAt) >= FULL_LISTING_EVERY_MS;
      const s = await scope();
      const view: SideView = { side: 'c4c', changed: [], gone: [] };
      const limit = settings.contactLimit;
      let admitted = 0;
      let beyond = 0;
      let inScope = 0;
      const seen = new Set<string>();
      const consider = (r: Row, incremental: boolean): void => {
        if (seen.has(r.ObjectID)) return;
        seen.add(r.ObjectID);
        const link = linked.get(r.ObjectID);
        if (obsolete(r)) {
          if (link) view.gone.push({ id: r.ObjectID, reason: 'deleted' });
          return;
        }
        if (incremental && !s.test(r)) {
          if (link) view.gone.push({ id: r.ObjectID, reason: 'out-of-scope' });
          return;
        }
        if (!link && !tombstones.has(r.ObjectID)) {
          if (linked.size + admitted >= limit) {
            // An incremental read counts only records created since the previous read: the others were counted by
            // the listing or read that saw them first (the figure is carried in the cursor).
            const created = str(r.CreationOn);
            if (!incremental || !created || !stored || Date.parse(created) >= Date.parse(stored.since)) beyond += 1;
            return;
          }
          admitted += 1;
        }
        if (link?.c4cStamp !== undefined && link.c4cStamp === stampOf(r)) return;
        view.changed.push(toItem(r));
      };

      if (full) {
        for (const filter of s.queries) {
          for await (const r of c4c.iterate<string, Row>(spec.entitySet, filter ? { filter } : {}, { maxPages: 10_000 })) {
            if (!obsolete(r) && !seen.has(r.ObjectID)) inScope += 1;
            consider(r, false);
          }
        }
        view.totalInScope = inScope;
        const missing = [...linked.keys()].filter((id) => !seen.has(id));
        // Far fewer listed than linked: verify nothing, let the empty-side guard stop the kind.
        if (missing.length > 0 && inScope >= linked.size / 2) await verifyAbsent(missing, s, view);
      } else {
        const since = new Date(Date.parse(stored.since) - CURSOR_OVERLAP_MS);
        const filter = `EntityLastChangedOn ge ${dateTimeOffsetLiteral(since)}`;
        for await (const r of c4c.iterate<string, Row>(spec.entitySet, { filter }, { maxPages: 10_000 })) consider(r, true);
      }
      // Incremental sessions see only changed records; the figure of the last full listing stands for the others.
      const beyondLimit = full ? beyond : (stored?.beyond ?? 0) + beyond;
      if (beyondLimit > 0) view.beyondLimit = beyondLimit;
      pending = { since: startedAt.toISOString(), fullAt: full ? startedAt.toISOString() : (stored?.fullAt ?? startedAt.toISOString()), beyond: beyondLimit };
      return view;
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      // The records mailbox items are stamped with (a lost link table, an item back in the folder), changed or not.
      if (query.ids.length === 0) return [];
      const s = await scope();
      const out: SideItem[] = [];
      for (const ids of chunk(query.ids, OR_CHUNK)) {
        for await (const r of c4c.iterate<string, Row>(spec.entitySet, { filter: anyOf('ObjectID', ids) })) {
          // An obsolete record is C4C's delete: not a counterpart (the stamped mailbox item is not copied back).
          if (obsolete(r)) continue;
          out.push(s.test(r) ? toItem(r) : { ...toItem(r), outOfScope: true });
        }
      }
      return out;
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const body = requiredDefaults(kind, fields, { ...mapping.toC4c(fields).body });
      if (employee && settings.contactFilter !== 'all') body[spec.owner] = employee.employeeId;
      const emailValue = typeof body.Email === 'string' && body.Email !== '' ? body.Email : undefined;
      const { entity } = await c4c.createIdempotent<string, Row>(spec.entitySet, body, {
        // An attempt whose outcome is unknown: the record it may have created has this address and these fields.
        findExisting: async () => {
          if (!emailValue) return undefined;
          const page = await c4c.query<string, Row>(spec.entitySet, { filter: eq('Email', emailValue), top: 20 });
          return page.results.find((r) => Object.entries(body).every(([k, v]) => (r[k] ?? '') === (v ?? '')));
        },
      });
      // C4C has no writable field for the mailbox id on these sets, so the pair's stamp goes on the mailbox item: the
      // ObjectID in the extended property (its echo is read once next session and refreshes the link's ChangeKey).
      if (stampWith) await ctx.mailbox.setC4cObjectId(stampWith, 'contact', entity.ObjectID);
      return toItem(entity);
    },

    async update(id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem> {
      const body = mapping.toC4c(fields).body;
      if (Object.keys(body).length > 0) await c4c.update<string>(spec.entitySet, id, body, stamp ? { etag: stamp } : {});
      return toItem(await c4c.read<string, Row>(spec.entitySet, id));
    },

    async delete(): Promise<void> {
      throw new NotDeletableError(spec.entitySet);
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      await ctx.cursors.set(cursorKey, { folderId: spec.entitySet, cursor: JSON.stringify(pending), baselineDone: true });
      pending = undefined;
    },
  };
}

/** The properties C4C requires on a create that the mapped fields may leave empty (c4c-odata.md §3.1–3.3). */
function requiredDefaults(kind: ContactKind, fields: MappedFields, body: Record<string, unknown>): Record<string, unknown> {
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  if (kind === 'account') {
    body.RoleCode ??= 'CRM000';
    body.Name ??= (text(fields.name) ?? text(fields.displayName) ?? '(no name)').slice(0, 40);
  } else {
    if (kind === 'individualCustomer') body.RoleCode ??= 'CRM000';
    if (text(body.LastName) === undefined) {
      const display = text(fields.displayName) ?? text(fields.email) ?? '(no name)';
      body.LastName = display.split(/\s+/).slice(-1)[0].slice(0, 40);
    }
  }
  return body;
}
