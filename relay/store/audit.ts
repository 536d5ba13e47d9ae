/**
 * Audit log: who did what to an organization's configuration (admin actions, activations, connection changes).
 * Details are free-form JSON chosen by the caller; never put secrets in them.
 */
import type { Queryable } from './db';
import { isId } from './errors';

export interface AuditEntry {
  /** Increasing sequence number (as text: it is a bigint). */
  id: string;
  /** Null for relay-wide actions that belong to no organization. */
  organizationId: string | null;
  /** Who acted: a user id, 'system', 'scheduler', … */
  actor: string;
  /** Dotted verb, e.g. 'user.created', 'c4c-connection.updated'. */
  action: string;
  details: Record<string, unknown>;
  at: Date;
}

interface AuditRow {
  id: string;
  organization_id: string | null;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  at: Date;
}

function toEntry(row: AuditRow): AuditEntry {
  return { id: row.id, organizationId: row.organization_id, actor: row.actor, action: row.action, details: row.details ?? {}, at: new Date(row.at) };
}

export interface AuditRepository {
  record(entry: { organizationId: string | null; actor: string; action: string; details?: Record<string, unknown> }): Promise<AuditEntry>;
  /** Newest first. */
  list(organizationId: string, options?: { limit?: number }): Promise<AuditEntry[]>;
}

export function createAuditRepository(db: Queryable): AuditRepository {
  return {
    async record({ organizationId, actor, action, details }) {
      const { rows } = await db.query<AuditRow>(
        `INSERT INTO audit_log (organization_id, actor, action, details) VALUES ($1, $2, $3, $4::jsonb)
         RETURNING id::text AS id, organization_id, actor, action, details, at`,
        [organizationId, actor.slice(0, 200), action.slice(0, 200), JSON.stringify(details ?? {})],
      );
      return toEntry(rows[0]);
    },

    async list(organizationId, options = {}) {
      if (!isId(organizationId)) return [];
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 1000);
      const { rows } = await db.query<AuditRow>(
        `SELECT id::text AS id, organization_id, actor, action, details, at FROM audit_log
         WHERE organization_id = $1 ORDER BY audit_log.id DESC LIMIT $2`,
        [organizationId, limit],
      );
      return rows.map(toEntry);
    },
  };
}
