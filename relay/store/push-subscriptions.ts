/**
 * The relay's notification subscriptions (table `push_subscriptions`, migration 008) and the mailboxes the push
 * channels serve. A Graph subscription's clientState is never stored: only its SHA-256, compared in constant time
 * with the hash of what a notification carries (`verifyClientState`).
 */
import crypto from 'node:crypto';
import type { Queryable } from './db';

export type PushSubscriptionKind = 'graph-messages' | 'graph-events' | 'graph-contacts' | 'ews-streaming' | 'ews-pull';

export interface PushSubscription {
  id: string;
  organizationId: string;
  userId: string;
  kind: PushSubscriptionKind;
  remoteId: string;
  resource: string;
  expiresAt?: Date;
  watermark?: string;
  anchorMailbox?: string;
  needs?: 'reauthorize';
  lastNotificationAt?: Date;
  createdAt: Date;
  renewedAt: Date;
}

/** An enabled mailbox whose organization reaches it with one of the given access kinds. */
export interface PushMailbox {
  organizationId: string;
  userId: string;
  address: string;
  accessKind: string;
  /** organizations.settings (mirror settings decide whether events / contacts are subscribed). */
  organizationSettings: Record<string, unknown>;
}

export interface NewPushSubscription {
  organizationId: string;
  userId: string;
  kind: PushSubscriptionKind;
  remoteId: string;
  resource: string;
  /** The clientState in clear (hashed here, never stored). */
  clientState?: string;
  expiresAt?: Date;
  watermark?: string;
  anchorMailbox?: string;
}

interface Row {
  id: string;
  organization_id: string;
  user_id: string;
  kind: PushSubscriptionKind;
  remote_id: string;
  resource: string;
  expires_at: Date | string | null;
  watermark: string | null;
  anchor_mailbox: string | null;
  needs: 'reauthorize' | null;
  last_notification_at: Date | string | null;
  created_at: Date | string;
  renewed_at: Date | string;
}

const COLUMNS = 'id::text AS id, organization_id, user_id, kind, remote_id, resource, expires_at, watermark, anchor_mailbox, needs, last_notification_at, created_at, renewed_at';
const date = (v: Date | string | null): Date | undefined => (v === null ? undefined : new Date(v));

function toSubscription(row: Row): PushSubscription {
  return {
    id: row.id,
    organizationId: row.organization_id,
    userId: row.user_id,
    kind: row.kind,
    remoteId: row.remote_id,
    resource: row.resource,
    expiresAt: date(row.expires_at),
    watermark: row.watermark ?? undefined,
    anchorMailbox: row.anchor_mailbox ?? undefined,
    needs: row.needs ?? undefined,
    lastNotificationAt: date(row.last_notification_at),
    createdAt: new Date(row.created_at),
    renewedAt: new Date(row.renewed_at),
  };
}

export function hashClientState(clientState: string): string {
  return crypto.createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** A fresh clientState: 256 random bits, base64url (43 characters; Graph allows 128). */
export function newClientState(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export interface PushSubscriptionRepository {
  /** Enabled mailboxes (status 'enabled') of organizations whose access kind is one of `accessKinds`. */
  enabledMailboxes(accessKinds: readonly string[]): Promise<PushMailbox[]>;
  list(kinds: readonly PushSubscriptionKind[]): Promise<PushSubscription[]>;
  /** Inserts or replaces the mailbox's subscription of that kind. */
  save(input: NewPushSubscription): Promise<PushSubscription>;
  renewed(id: string, expiresAt: Date | undefined, watermark?: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Removes by the server's id; returns the removed row. */
  removeByRemoteId(kinds: readonly PushSubscriptionKind[], remoteId: string): Promise<PushSubscription | undefined>;
  markNeeds(id: string, needs: 'reauthorize' | null): Promise<void>;
  /**
   * The Graph subscription with this remote id whose stored hash matches `clientState` (constant-time compare), or
   * undefined (unknown subscription or wrong clientState: a forged notification). Records the notification's arrival.
   */
  verifyClientState(remoteId: string, clientState: string | undefined, now: Date): Promise<PushSubscription | undefined>;
  /** Records a notification for an EWS subscription (by remote id). */
  touch(kinds: readonly PushSubscriptionKind[], remoteId: string, now: Date, watermark?: string): Promise<PushSubscription | undefined>;
}

export function createPushSubscriptionRepository(db: Queryable): PushSubscriptionRepository {
  return {
    async enabledMailboxes(accessKinds) {
      const { rows } = await db.query<{ organization_id: string; user_id: string; email: string; kind: string; settings: Record<string, unknown> | null }>(
        `SELECT m.organization_id, m.user_id, u.email, a.kind, o.settings
           FROM mailboxes m
           JOIN users u ON u.id = m.user_id
           JOIN mailbox_access a ON a.organization_id = m.organization_id
           JOIN organizations o ON o.id = m.organization_id
          WHERE m.status = 'enabled' AND a.kind = ANY($1::text[])
          ORDER BY m.organization_id, lower(u.email)`,
        [accessKinds],
      );
      return rows.map((r) => ({ organizationId: r.organization_id, userId: r.user_id, address: r.email.toLowerCase(), accessKind: r.kind, organizationSettings: r.settings ?? {} }));
    },
    async list(kinds) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM push_subscriptions WHERE kind = ANY($1::text[]) ORDER BY id`, [kinds]);
      return rows.map(toSubscription);
    },
    async save(input) {
      const { rows } = await db.query<Row>(
        `INSERT INTO push_subscriptions (organization_id, user_id, kind, remote_id, resource, client_state_sha256, expires_at, watermark, anchor_mailbox)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (user_id, kind) DO UPDATE SET
           remote_id = EXCLUDED.remote_id, resource = EXCLUDED.resource, client_state_sha256 = EXCLUDED.client_state_sha256,
           expires_at = EXCLUDED.expires_at, watermark = EXCLUDED.watermark, anchor_mailbox = EXCLUDED.anchor_mailbox,
           needs = NULL, created_at = now(), renewed_at = now()
         RETURNING ${COLUMNS}`,
        [
          input.organizationId,
          input.userId,
          input.kind,
          input.remoteId,
          input.resource,
          input.clientState === undefined ? null : hashClientState(input.clientState),
          input.expiresAt?.toISOString() ?? null,
          input.watermark ?? null,
          input.anchorMailbox ?? null,
        ],
      );
      return toSubscription(rows[0]);
    },
    async renewed(id, expiresAt, watermark) {
      await db.query(`UPDATE push_subscriptions SET expires_at = $2, renewed_at = now(), needs = NULL, watermark = COALESCE($3, watermark) WHERE id = $1::bigint`, [id, expiresAt?.toISOString() ?? null, watermark ?? null]);
    },
    async remove(id) {
      await db.query(`DELETE FROM push_subscriptions WHERE id = $1::bigint`, [id]);
    },
    async removeByRemoteId(kinds, remoteId) {
      const { rows } = await db.query<Row>(`DELETE FROM push_subscriptions WHERE kind = ANY($1::text[]) AND remote_id = $2 RETURNING ${COLUMNS}`, [kinds, remoteId]);
      return rows[0] ? toSubscription(rows[0]) : undefined;
    },
    async markNeeds(id, needs) {
      await db.query(`UPDATE push_subscriptions SET needs = $2 WHERE id = $1::bigint`, [id, needs]);
    },
    async verifyClientState(remoteId, clientState, now) {
      const { rows } = await db.query<Row & { client_state_sha256: string | null }>(
        `SELECT ${COLUMNS}, client_state_sha256 FROM push_subscriptions WHERE remote_id = $1 AND kind IN ('graph-messages', 'graph-events', 'graph-contacts')`,
        [remoteId],
      );
      const row = rows[0];
      // Hash either way, so an unknown id and a wrong clientState take the same time.
      const given = Buffer.from(hashClientState(clientState ?? ''), 'hex');
      const stored = Buffer.from(row?.client_state_sha256 ?? '0'.repeat(64), 'hex');
      const match = crypto.timingSafeEqual(given, stored) && row !== undefined && row.client_state_sha256 !== null && clientState !== undefined;
      if (!match) return undefined;
      await db.query(`UPDATE push_subscriptions SET last_notification_at = $2 WHERE id = $1::bigint`, [row.id, now.toISOString()]);
      return toSubscription(row);
    },
    async touch(kinds, remoteId, now, watermark) {
      const { rows } = await db.query<Row>(
        `UPDATE push_subscriptions SET last_notification_at = $3, watermark = COALESCE($4, watermark)
          WHERE kind = ANY($1::text[]) AND remote_id = $2 RETURNING ${COLUMNS}`,
        [kinds, remoteId, now.toISOString(), watermark ?? null],
      );
      return rows[0] ? toSubscription(rows[0]) : undefined;
    },
  };
}
