/**
 * Exactly-once ledgers: "save this e-mail to C4C" (`email_saves`, keyed by Internet Message-ID) and "create a C4C
 * appointment for this meeting" (`appointment_creates`, keyed by groupware item id). One implementation, two tables.
 *
 * Protocol for the caller:
 *   1. `claim(org, key, user, leaseMs)`:
 *      - 'claimed'     → you own the work; you get a claim token. Create the C4C record (carrying the key as
 *                        GroupwareItemID), then `complete(…, token, ids)` or `fail(…, token, error)`.
 *      - 'saved'       → already done; answer with the stored C4C ids, create nothing.
 *      - 'in-progress' → someone else holds a live claim; tell the user it is being saved.
 *   2. A claim older than its lease is considered abandoned (crashed relay) and can be claimed again; the new owner
 *      must first look the key up in C4C, because the crashed owner may have created the record already.
 *   3. A failed entry can be claimed again at once (the user retries).
 *
 * Every state change is a single SQL statement whose WHERE clause states the precondition (INSERT … ON CONFLICT DO
 * UPDATE … WHERE, UPDATE … WHERE claim_token = …). PostgreSQL re-checks that condition on the latest row version
 * under a row lock, so two concurrent claimers can never both win, on a real server as well as on PGlite.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from './db';
import { isId } from './errors';

export type LedgerStatus = 'pending' | 'saved' | 'failed';

export interface LedgerEntry {
  organizationId: string;
  /** Internet Message-ID (email_saves) or groupware item id (appointment_creates). */
  key: string;
  status: LedgerStatus;
  c4cObjectId: string | null;
  c4cId: string | null;
  savedByUserId: string | null;
  claimedAt: Date | null;
  attempts: number;
  lastError: string | null;
  updatedAt: Date;
  // The claim token is deliberately absent: it is the capability to complete a claim and only goes to the claimer.
}

export type ClaimResult =
  | { outcome: 'claimed'; claimToken: string; entry: LedgerEntry }
  | { outcome: 'saved'; row: LedgerEntry }
  | { outcome: 'in-progress'; row: LedgerEntry };

export interface C4cRecordIds {
  /** C4C ObjectID (the technical key). */
  objectId: string;
  /** The business id shown to users (e.g. activity ID), when C4C returned one. */
  id?: string | null;
}

/** The claim was lost: the lease expired and another caller re-claimed, or the entry is no longer pending. */
export class LedgerClaimLostError extends Error {
  constructor(readonly table: string, readonly key: string) {
    super(`${table}: the claim on this item is no longer held`);
    this.name = 'LedgerClaimLostError';
  }
}

export interface Ledger {
  claim(organizationId: string, key: string, userId: string | null, leaseMs: number): Promise<ClaimResult>;
  complete(organizationId: string, key: string, claimToken: string, ids: C4cRecordIds): Promise<LedgerEntry>;
  fail(organizationId: string, key: string, claimToken: string, error: string): Promise<LedgerEntry>;
  get(organizationId: string, key: string): Promise<LedgerEntry | undefined>;
}

/** Which table backs a ledger. Identifiers come from this fixed list, never from input. */
export const LEDGER_TABLES = {
  emailSaves: { table: 'email_saves', keyColumn: 'internet_message_id' },
  appointmentCreates: { table: 'appointment_creates', keyColumn: 'groupware_item_id' },
  autoResolved: { table: 'auto_resolved_records', keyColumn: 'resolve_key' },
} as const;
export type LedgerTable = (typeof LEDGER_TABLES)[keyof typeof LEDGER_TABLES];

// Message-IDs are at most 998 characters by RFC 5322 line length; EWS item ids are long base64 strings.
const keySchema = z.string().min(1).max(2048);
const leaseSchema = z.number().int().positive().max(24 * 60 * 60 * 1000);
const idsSchema = z.strictObject({ objectId: z.string().min(1).max(100), id: z.string().min(1).max(100).nullable().optional() });
const MAX_ERROR_LENGTH = 2000;

interface LedgerRow {
  organization_id: string;
  key: string;
  status: LedgerStatus;
  c4c_object_id: string | null;
  c4c_id: string | null;
  saved_by_user_id: string | null;
  claimed_at: Date | null;
  claim_token: string | null;
  attempts: number;
  last_error: string | null;
  updated_at: Date;
}

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    organizationId: row.organization_id,
    key: row.key,
    status: row.status,
    c4cObjectId: row.c4c_object_id,
    c4cId: row.c4c_id,
    savedByUserId: row.saved_by_user_id,
    claimedAt: row.claimed_at === null ? null : new Date(row.claimed_at),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    updatedAt: new Date(row.updated_at),
  };
}

export function createLedger(db: Queryable, { table, keyColumn }: LedgerTable): Ledger {
  const columns = `organization_id, ${keyColumn} AS key, status, c4c_object_id, c4c_id, saved_by_user_id, claimed_at,
    claim_token, attempts, last_error, updated_at`;

  // Insert a fresh claim, or take over a failed entry or a pending one whose lease ran out. Returns no row when the
  // entry exists and is saved or held by a live claim.
  const claimSql = `
    INSERT INTO ${table} AS t (organization_id, ${keyColumn}, status, saved_by_user_id, claimed_at, claim_token, attempts, updated_at)
    VALUES ($1, $2, 'pending', $3, now(), $4, 1, now())
    ON CONFLICT (organization_id, ${keyColumn}) DO UPDATE SET
      status = 'pending',
      saved_by_user_id = EXCLUDED.saved_by_user_id,
      claimed_at = now(),
      claim_token = EXCLUDED.claim_token,
      attempts = t.attempts + 1,
      updated_at = now()
    WHERE t.status = 'failed'
       OR (t.status = 'pending' AND (t.claimed_at IS NULL OR t.claimed_at <= now() - $5::double precision * interval '1 millisecond'))
    RETURNING ${columns}`;

  async function get(organizationId: string, key: string): Promise<LedgerRow | undefined> {
    const { rows } = await db.query<LedgerRow>(`SELECT ${columns} FROM ${table} WHERE organization_id = $1 AND ${keyColumn} = $2`, [
      organizationId,
      key,
    ]);
    return rows[0];
  }

  function requireIds(organizationId: string, key: string): void {
    if (!isId(organizationId)) throw new Error('organization id is not a valid id');
    keySchema.parse(key);
  }

  return {
    async claim(organizationId, key, userId, leaseMs) {
      requireIds(organizationId, key);
      leaseSchema.parse(leaseMs);
      if (userId !== null && !isId(userId)) throw new Error('user id is not a valid id');
      // A losing claim reads the row in a second statement; if the row changed state in between (failed, or the
      // lease ran out), claiming again is the right answer, so retry a few times before reporting in-progress.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const token = crypto.randomUUID();
        const { rows } = await db.query<LedgerRow>(claimSql, [organizationId, key, userId, token, leaseMs]);
        if (rows[0]) return { outcome: 'claimed', claimToken: token, entry: toEntry(rows[0]) };
        // Liveness is judged by the database clock, the same clock that stamped claimed_at.
        const { rows: found } = await db.query<LedgerRow & { live: boolean }>(
          `SELECT ${columns}, (claimed_at > now() - $3::double precision * interval '1 millisecond') AS live
           FROM ${table} WHERE organization_id = $1 AND ${keyColumn} = $2`,
          [organizationId, key, leaseMs],
        );
        const current = found[0];
        if (!current) continue; // deleted in between (organization removed); try again
        if (current.status === 'saved') return { outcome: 'saved', row: toEntry(current) };
        if (current.status === 'pending' && (current.live || attempt === 2)) return { outcome: 'in-progress', row: toEntry(current) };
      }
      const last = await get(organizationId, key);
      if (last?.status === 'saved') return { outcome: 'saved', row: toEntry(last) };
      if (last) return { outcome: 'in-progress', row: toEntry(last) };
      throw new Error(`${table}: could not claim an entry that keeps disappearing`);
    },

    async complete(organizationId, key, claimToken, ids) {
      requireIds(organizationId, key);
      const data = idsSchema.parse(ids);
      if (!isId(claimToken)) throw new LedgerClaimLostError(table, key);
      const { rows } = await db.query<LedgerRow>(
        `UPDATE ${table} SET status = 'saved', c4c_object_id = $4, c4c_id = $5, last_error = NULL, claim_token = NULL, updated_at = now()
         WHERE organization_id = $1 AND ${keyColumn} = $2 AND claim_token = $3 AND status = 'pending'
         RETURNING ${columns}`,
        [organizationId, key, claimToken, data.objectId, data.id ?? null],
      );
      if (!rows[0]) throw new LedgerClaimLostError(table, key);
      return toEntry(rows[0]);
    },

    async fail(organizationId, key, claimToken, error) {
      requireIds(organizationId, key);
      if (!isId(claimToken)) throw new LedgerClaimLostError(table, key);
      const { rows } = await db.query<LedgerRow>(
        `UPDATE ${table} SET status = 'failed', last_error = $4, claim_token = NULL, updated_at = now()
         WHERE organization_id = $1 AND ${keyColumn} = $2 AND claim_token = $3 AND status = 'pending'
         RETURNING ${columns}`,
        [organizationId, key, claimToken, error.slice(0, MAX_ERROR_LENGTH)],
      );
      if (!rows[0]) throw new LedgerClaimLostError(table, key);
      return toEntry(rows[0]);
    },

    async get(organizationId, key) {
      if (!isId(organizationId)) return undefined;
      const row = await get(organizationId, key);
      return row ? toEntry(row) : undefined;
    },
  };
}
