/**
 * The mirroring status tables (migration 007): the link table of each mailbox and kind (MirrorLinkRepository), who
 * drives each meeting of an organization (MeetingOwnerRepository), and the per-kind figures of the last session
 * (MirrorKindStatusRepository, for the status screen).
 *
 * Every write is one statement (a killed session leaves either the old row or the new one, never half of a pair), and
 * every statement filters by organization, so one organization can never read or change another's rows.
 */
import { z } from 'zod';
import type { Queryable } from './db';
import { MIRROR_KINDS, type MappedFields, type MeetingOwnerRepository, type MirrorKind, type MirrorLink, type MirrorLinkRepository } from '../sync/mirror/types';

interface LinkRow {
  kind: MirrorKind;
  mailbox_id: string | null;
  c4c_id: string | null;
  mailbox_stamp: string | null;
  c4c_stamp: string | null;
  mailbox_hash: string | null;
  c4c_hash: string | null;
  synced: MappedFields | string;
  key: string | null;
  state: MirrorLink['state'];
  updated_at: Date | string;
}

const LINK_COLUMNS = 'kind, mailbox_id, c4c_id, mailbox_stamp, c4c_stamp, mailbox_hash, c4c_hash, synced, key, state, updated_at';

function toLink(row: LinkRow): MirrorLink {
  const synced = typeof row.synced === 'string' ? (JSON.parse(row.synced) as MappedFields) : row.synced;
  return {
    kind: row.kind,
    ...(row.mailbox_id !== null ? { mailboxId: row.mailbox_id } : {}),
    ...(row.c4c_id !== null ? { c4cId: row.c4c_id } : {}),
    ...(row.mailbox_stamp !== null ? { mailboxStamp: row.mailbox_stamp } : {}),
    ...(row.c4c_stamp !== null ? { c4cStamp: row.c4c_stamp } : {}),
    ...(row.mailbox_hash !== null ? { mailboxHash: row.mailbox_hash } : {}),
    ...(row.c4c_hash !== null ? { c4cHash: row.c4c_hash } : {}),
    synced,
    ...(row.key !== null ? { key: row.key } : {}),
    state: row.state,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const idSchema = z.guid();
const kindSchema = z.enum(MIRROR_KINDS);
const text = z.string().min(1).max(4096);
const linkSchema = z
  .object({
    kind: kindSchema,
    mailboxId: text.optional(),
    c4cId: text.optional(),
    mailboxStamp: z.string().max(4096).optional(),
    c4cStamp: z.string().max(4096).optional(),
    mailboxHash: z.string().max(256).optional(),
    c4cHash: z.string().max(256).optional(),
    synced: z.record(z.string(), z.unknown()),
    key: z.string().max(4096).optional(),
    state: z.enum(['linked', 'detached', 'observer']),
  })
  .refine((l) => l.mailboxId !== undefined || l.c4cId !== undefined, { message: 'a link needs at least one id' })
  .refine((l) => l.state === 'detached' || (l.mailboxId !== undefined && l.c4cId !== undefined), { message: 'only a detached link may miss an id' });

export function createMirrorLinkRepository(db: Queryable): MirrorLinkRepository {
  const ids = (organizationId: string, userId: string): [string, string] => [idSchema.parse(organizationId), idSchema.parse(userId)];
  return {
    async list(organizationId, userId, kind) {
      const { rows } = await db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM mirror_links WHERE organization_id = $1 AND user_id = $2 AND kind = $3 ORDER BY id`, [
        ...ids(organizationId, userId),
        kindSchema.parse(kind),
      ]);
      return rows.map(toLink);
    },

    async put(organizationId, userId, link) {
      const l = linkSchema.parse(link);
      // One statement: the rows this pair replaces (matched by either id: a re-link may join two former tombstones)
      // are deleted, then the pair is inserted. The insert reads the delete's count, so the delete runs first and the
      // unique indexes see the old rows gone.
      await db.query(
        `WITH gone AS (
           DELETE FROM mirror_links
            WHERE organization_id = $1 AND user_id = $2 AND kind = $3
              AND ((mailbox_id IS NOT NULL AND mailbox_id = $4) OR (c4c_id IS NOT NULL AND c4c_id = $5))
            RETURNING 1
         )
         INSERT INTO mirror_links (organization_id, user_id, kind, mailbox_id, c4c_id, mailbox_stamp, c4c_stamp, mailbox_hash, c4c_hash, synced, key, state, updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, now() FROM (SELECT count(*) FROM gone) AS g`,
        [
          ...ids(organizationId, userId),
          l.kind,
          l.mailboxId ?? null,
          l.c4cId ?? null,
          l.mailboxStamp ?? null,
          l.c4cStamp ?? null,
          l.mailboxHash ?? null,
          l.c4cHash ?? null,
          JSON.stringify(l.synced),
          l.key ?? null,
          l.state,
        ],
      );
    },

    async remove(organizationId, userId, kind, which) {
      if (which.mailboxId === undefined && which.c4cId === undefined) return;
      await db.query(
        `DELETE FROM mirror_links WHERE organization_id = $1 AND user_id = $2 AND kind = $3
           AND (($4::text IS NOT NULL AND mailbox_id = $4) OR ($5::text IS NOT NULL AND c4c_id = $5))`,
        [...ids(organizationId, userId), kindSchema.parse(kind), which.mailboxId ?? null, which.c4cId ?? null],
      );
    },

    async counts(organizationId, userId) {
      const { rows } = await db.query<{ kind: MirrorKind; state: MirrorLink['state']; n: number }>(
        `SELECT kind, state, count(*)::int AS n FROM mirror_links WHERE organization_id = $1 AND user_id = $2 GROUP BY kind, state`,
        ids(organizationId, userId),
      );
      const out: Partial<Record<MirrorKind, { linked: number; detached: number; observer: number }>> = {};
      for (const row of rows) {
        const entry = (out[row.kind] ??= { linked: 0, detached: 0, observer: 0 });
        entry[row.state] = Number(row.n);
      }
      return out;
    },
  };
}

export function createMeetingOwnerRepository(db: Queryable): MeetingOwnerRepository {
  const org = (organizationId: string): string => idSchema.parse(organizationId);
  const uid = (iCalUid: string): string => text.parse(iCalUid);
  interface OwnerRow {
    owner_user_id: string;
    c4c_id: string | null;
  }
  const toOwner = (row: OwnerRow): { ownerUserId: string; c4cId?: string } => ({ ownerUserId: row.owner_user_id, ...(row.c4c_id !== null ? { c4cId: row.c4c_id } : {}) });
  return {
    async claim(organizationId, iCalUid, userId, isOrganizer) {
      // One statement: insert the claim, or take the meeting over when this is the organizer's copy and the owner is
      // an attendee's; otherwise the current owner is returned unchanged.
      const { rows } = await db.query<OwnerRow>(
        `WITH claimed AS (
           INSERT INTO mirror_meeting_owners AS m (organization_id, ical_uid, owner_user_id, owner_is_organizer, updated_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (organization_id, ical_uid) DO UPDATE
              SET owner_user_id = EXCLUDED.owner_user_id, owner_is_organizer = EXCLUDED.owner_is_organizer, updated_at = now()
            WHERE EXCLUDED.owner_is_organizer AND NOT m.owner_is_organizer
           RETURNING owner_user_id::text AS owner_user_id, c4c_id
         )
         SELECT owner_user_id, c4c_id FROM claimed
         UNION ALL
         SELECT owner_user_id::text, c4c_id FROM mirror_meeting_owners
          WHERE organization_id = $1 AND ical_uid = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
        [org(organizationId), uid(iCalUid), idSchema.parse(userId), isOrganizer],
      );
      if (!rows[0]) throw new Error('meeting owner claim returned no row');
      return toOwner(rows[0]);
    },

    async setC4cId(organizationId, iCalUid, c4cId) {
      await db.query(`UPDATE mirror_meeting_owners SET c4c_id = $3, updated_at = now() WHERE organization_id = $1 AND ical_uid = $2`, [org(organizationId), uid(iCalUid), text.parse(c4cId)]);
    },

    async get(organizationId, iCalUid) {
      const { rows } = await db.query<OwnerRow>(`SELECT owner_user_id::text AS owner_user_id, c4c_id FROM mirror_meeting_owners WHERE organization_id = $1 AND ical_uid = $2`, [
        org(organizationId),
        uid(iCalUid),
      ]);
      return rows[0] ? toOwner(rows[0]) : undefined;
    },

    async release(organizationId, iCalUid, userId) {
      await db.query(`DELETE FROM mirror_meeting_owners WHERE organization_id = $1 AND ical_uid = $2 AND owner_user_id = $3`, [org(organizationId), uid(iCalUid), idSchema.parse(userId)]);
    },
  };
}

/** What the last session found per kind beyond the links (shown on the status screens). */
export interface MirrorKindFigures {
  kind: MirrorKind;
  conflicts: number;
  beyondLimit: number;
  /** The guard that stopped the kind in the last session ('empty-side: c4c', 'deletion-cap: mailbox'), if any. */
  guard?: string;
  sessionAt: Date;
}

export interface MirrorKindStatusRepository {
  record(organizationId: string, userId: string, figures: Omit<MirrorKindFigures, 'sessionAt'>): Promise<void>;
  list(organizationId: string, userId: string): Promise<MirrorKindFigures[]>;
}

export function createMirrorKindStatusRepository(db: Queryable): MirrorKindStatusRepository {
  const ids = (organizationId: string, userId: string): [string, string] => [idSchema.parse(organizationId), idSchema.parse(userId)];
  return {
    async record(organizationId, userId, figures) {
      await db.query(
        `INSERT INTO mirror_kind_status (organization_id, user_id, kind, conflicts, beyond_limit, guard, session_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (user_id, kind) DO UPDATE
            SET conflicts = EXCLUDED.conflicts, beyond_limit = EXCLUDED.beyond_limit, guard = EXCLUDED.guard, session_at = now()
          WHERE mirror_kind_status.organization_id = EXCLUDED.organization_id`,
        [...ids(organizationId, userId), kindSchema.parse(figures.kind), Math.max(0, Math.trunc(figures.conflicts)), Math.max(0, Math.trunc(figures.beyondLimit)), figures.guard?.slice(0, 500) ?? null],
      );
    },
    async list(organizationId, userId) {
      const { rows } = await db.query<{ kind: MirrorKind; conflicts: number; beyond_limit: number; guard: string | null; session_at: Date | string }>(
        `SELECT kind, conflicts, beyond_limit, guard, session_at FROM mirror_kind_status WHERE organization_id = $1 AND user_id = $2 ORDER BY kind`,
        ids(organizationId, userId),
      );
      return rows.map((r) => ({ kind: r.kind, conflicts: Number(r.conflicts), beyondLimit: Number(r.beyond_limit), ...(r.guard !== null ? { guard: r.guard } : {}), sessionAt: new Date(r.session_at) }));
    },
  };
}
