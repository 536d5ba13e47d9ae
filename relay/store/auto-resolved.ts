/**
 * The records the engine created for unknown people and companies (E8), table auto_resolved_records (migration 010):
 * the exactly-once ledger of those creates, what was created, and the per-user list to complete them.
 */
import type { Queryable } from './db';
import { isId } from './errors';
import { createLedger, LEDGER_TABLES, type Ledger } from './ledger';

export interface AutoResolvedRow {
  key: string;
  kind: 'lead' | 'contact' | 'account';
  objectId: string;
  id: string;
  displayName?: string;
  createdAt: Date;
}

export interface AutoResolvedRepository {
  ledger: Ledger;
  describe(organizationId: string, key: string, details: { kind: 'lead' | 'contact' | 'account'; displayName: string }): Promise<void>;
  /** Records created in this user's sessions, newest first. */
  listForUser(organizationId: string, userId: string, limit?: number): Promise<AutoResolvedRow[]>;
  /** Which of these lower-case addresses belong to the organization's users. */
  organizationUsers(organizationId: string, addresses: string[]): Promise<Set<string>>;
}

export function createAutoResolvedRepository(db: Queryable): AutoResolvedRepository {
  return {
    ledger: createLedger(db, LEDGER_TABLES.autoResolved),

    async describe(organizationId, key, details) {
      if (!isId(organizationId)) return;
      await db.query('UPDATE auto_resolved_records SET record_kind = $3, display_name = $4 WHERE organization_id = $1 AND resolve_key = $2', [
        organizationId,
        key,
        details.kind,
        details.displayName.slice(0, 255),
      ]);
    },

    async listForUser(organizationId, userId, limit = 50) {
      if (!isId(organizationId) || !isId(userId)) return [];
      const { rows } = await db.query<{ resolve_key: string; record_kind: AutoResolvedRow['kind']; c4c_object_id: string; c4c_id: string | null; display_name: string | null; created_at: Date }>(
        `SELECT resolve_key, record_kind, c4c_object_id, c4c_id, display_name, created_at FROM auto_resolved_records
          WHERE organization_id = $1 AND saved_by_user_id = $2 AND status = 'saved' AND record_kind IS NOT NULL
          ORDER BY created_at DESC LIMIT $3`,
        [organizationId, userId, Math.min(Math.max(1, limit), 200)],
      );
      return rows.map((r) => ({
        key: r.resolve_key,
        kind: r.record_kind,
        objectId: r.c4c_object_id,
        id: r.c4c_id ?? '',
        ...(r.display_name ? { displayName: r.display_name } : {}),
        createdAt: new Date(r.created_at),
      }));
    },

    async organizationUsers(organizationId, addresses) {
      if (!isId(organizationId) || addresses.length === 0) return new Set();
      const { rows } = await db.query<{ email: string }>('SELECT lower(email) AS email FROM users WHERE organization_id = $1 AND lower(email) = ANY($2::text[])', [organizationId, addresses]);
      return new Set(rows.map((r) => r.email));
    },
  };
}
