/**
 * What the sync engine did with the emails of one mailbox (table email_sync_items, migration 003): saved (with the
 * change key of the engine's own last write, so that write is not read back as the user's change), failed (attempts,
 * first failure, last error; retried in later sessions up to the organization's limit) or skipped (why).
 *
 * Every statement filters by organization and user, so one organization can never read or change another's rows.
 */
import { z } from 'zod';
import type { Queryable } from './db';

export type EmailSyncStatus = 'saved' | 'failed' | 'skipped';

export interface EmailSyncItem {
  organizationId: string;
  userId: string;
  internetMessageId: string;
  itemId: string;
  changeKey: string | null;
  conversationId: string | null;
  subject: string;
  status: EmailSyncStatus;
  trigger: string | null;
  attempts: number;
  lastError: string | null;
  firstFailedAt: Date | null;
  updatedAt: Date;
}

/** What is known about the email when its outcome is recorded. */
export interface EmailSyncItemInput {
  internetMessageId: string;
  itemId: string;
  changeKey?: string | null;
  conversationId?: string | null;
  subject?: string;
  trigger?: string | null;
}

export interface EmailSyncItemsRepository {
  get(organizationId: string, userId: string, internetMessageId: string): Promise<EmailSyncItem | undefined>;
  /** The rows of these mailbox item ids (one query). */
  findByItemIds(organizationId: string, userId: string, itemIds: string[]): Promise<EmailSyncItem[]>;
  findByMessageIds(organizationId: string, userId: string, internetMessageIds: string[]): Promise<EmailSyncItem[]>;
  markSaved(organizationId: string, userId: string, input: EmailSyncItemInput): Promise<EmailSyncItem>;
  /** Counts an attempt; keeps the time of the first failure. */
  markFailed(organizationId: string, userId: string, input: EmailSyncItemInput, error: string): Promise<EmailSyncItem>;
  /** Records why an email is not saved (also ends a failed row's retries); never touches a saved row. */
  markSkipped(organizationId: string, userId: string, input: EmailSyncItemInput, reason: string): Promise<EmailSyncItem | undefined>;
  /** The change key the engine's own write produced (category update), so the change feed's echo is ignored. */
  setChangeKey(organizationId: string, userId: string, internetMessageId: string, itemId: string, changeKey: string): Promise<void>;
  /** Failed rows with attempts left, oldest failure first. */
  listRetryable(organizationId: string, userId: string, maxAttempts: number, limit?: number): Promise<EmailSyncItem[]>;
  listFailed(organizationId: string, userId: string, limit?: number): Promise<EmailSyncItem[]>;
  /** Which of these conversation ids have an email saved by anyone in the organization. */
  savedConversations(organizationId: string, conversationIds: string[]): Promise<Set<string>>;
}

interface Row {
  organization_id: string;
  user_id: string;
  internet_message_id: string;
  item_id: string;
  change_key: string | null;
  conversation_id: string | null;
  subject: string;
  status: EmailSyncStatus;
  trigger: string | null;
  attempts: number;
  last_error: string | null;
  first_failed_at: Date | null;
  updated_at: Date;
}

const COLUMNS = 'organization_id, user_id, internet_message_id, item_id, change_key, conversation_id, subject, status, trigger, attempts, last_error, first_failed_at, updated_at';

function toItem(row: Row): EmailSyncItem {
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    internetMessageId: row.internet_message_id,
    itemId: row.item_id,
    changeKey: row.change_key,
    conversationId: row.conversation_id,
    subject: row.subject,
    status: row.status,
    trigger: row.trigger,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    firstFailedAt: row.first_failed_at === null ? null : new Date(row.first_failed_at),
    updatedAt: new Date(row.updated_at),
  };
}

const inputSchema = z.object({
  internetMessageId: z.string().min(1).max(2048),
  itemId: z.string().min(1).max(2048),
  changeKey: z.string().max(2048).nullable().optional(),
  conversationId: z.string().max(2048).nullable().optional(),
  subject: z.string().optional(),
  trigger: z.string().max(40).nullable().optional(),
});
const idSchema = z.guid();
const MAX_ERROR = 2000;
const MAX_SUBJECT = 765;

export function createEmailSyncItemsRepository(db: Queryable): EmailSyncItemsRepository {
  const ids = (organizationId: string, userId: string): [string, string] => [idSchema.parse(organizationId), idSchema.parse(userId)];
  const values = (input: EmailSyncItemInput): unknown[] => {
    const i = inputSchema.parse(input);
    return [i.internetMessageId, i.itemId, i.changeKey ?? null, i.conversationId ?? null, (i.subject ?? '').slice(0, MAX_SUBJECT), i.trigger ?? null];
  };
  const one = async (sql: string, params: unknown[]): Promise<EmailSyncItem | undefined> => {
    const { rows } = await db.query<Row>(sql, params);
    return rows[0] ? toItem(rows[0]) : undefined;
  };

  return {
    async get(organizationId, userId, internetMessageId) {
      return one(`SELECT ${COLUMNS} FROM email_sync_items WHERE organization_id = $1 AND user_id = $2 AND internet_message_id = $3`, [...ids(organizationId, userId), internetMessageId]);
    },

    async findByItemIds(organizationId, userId, itemIds) {
      if (itemIds.length === 0) return [];
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM email_sync_items WHERE organization_id = $1 AND user_id = $2 AND item_id = ANY($3::text[])`, [...ids(organizationId, userId), itemIds]);
      return rows.map(toItem);
    },

    async findByMessageIds(organizationId, userId, internetMessageIds) {
      if (internetMessageIds.length === 0) return [];
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM email_sync_items WHERE organization_id = $1 AND user_id = $2 AND internet_message_id = ANY($3::text[])`, [
        ...ids(organizationId, userId),
        internetMessageIds,
      ]);
      return rows.map(toItem);
    },

    async markSaved(organizationId, userId, input) {
      const row = await one(
        `INSERT INTO email_sync_items AS t (organization_id, user_id, internet_message_id, item_id, change_key, conversation_id, subject, trigger, status, attempts, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'saved', 1, now())
         ON CONFLICT (user_id, internet_message_id) DO UPDATE SET
           item_id = EXCLUDED.item_id, change_key = EXCLUDED.change_key, conversation_id = coalesce(EXCLUDED.conversation_id, t.conversation_id),
           subject = EXCLUDED.subject, trigger = coalesce(EXCLUDED.trigger, t.trigger), status = 'saved',
           attempts = CASE WHEN t.status = 'failed' THEN t.attempts + 1 ELSE greatest(t.attempts, 1) END, last_error = NULL, updated_at = now()
         WHERE t.organization_id = EXCLUDED.organization_id
         RETURNING ${COLUMNS}`,
        [...ids(organizationId, userId), ...values(input)],
      );
      if (!row) throw new Error('email_sync_items: the row belongs to another organization');
      return row;
    },

    async markFailed(organizationId, userId, input, error) {
      const row = await one(
        `INSERT INTO email_sync_items AS t (organization_id, user_id, internet_message_id, item_id, change_key, conversation_id, subject, trigger, status, attempts, last_error, first_failed_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'failed', 1, $9, now(), now())
         ON CONFLICT (user_id, internet_message_id) DO UPDATE SET
           item_id = EXCLUDED.item_id, change_key = coalesce(EXCLUDED.change_key, t.change_key), conversation_id = coalesce(EXCLUDED.conversation_id, t.conversation_id),
           subject = EXCLUDED.subject, trigger = coalesce(EXCLUDED.trigger, t.trigger), status = 'failed',
           attempts = CASE WHEN t.status = 'failed' THEN t.attempts + 1 ELSE 1 END,
           first_failed_at = CASE WHEN t.status = 'failed' THEN coalesce(t.first_failed_at, now()) ELSE now() END,
           last_error = EXCLUDED.last_error, updated_at = now()
         WHERE t.organization_id = EXCLUDED.organization_id AND t.status <> 'saved'
         RETURNING ${COLUMNS}`,
        [...ids(organizationId, userId), ...values(input), error.slice(0, MAX_ERROR)],
      );
      if (row) return row;
      const existing = await this.get(organizationId, userId, input.internetMessageId);
      if (!existing) throw new Error('email_sync_items: the row belongs to another organization');
      return existing;
    },

    async markSkipped(organizationId, userId, input, reason) {
      return one(
        `INSERT INTO email_sync_items AS t (organization_id, user_id, internet_message_id, item_id, change_key, conversation_id, subject, trigger, status, attempts, last_error, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'skipped', 0, $9, now())
         ON CONFLICT (user_id, internet_message_id) DO UPDATE SET
           item_id = EXCLUDED.item_id, change_key = EXCLUDED.change_key, conversation_id = coalesce(EXCLUDED.conversation_id, t.conversation_id),
           subject = EXCLUDED.subject, trigger = EXCLUDED.trigger, status = 'skipped', last_error = EXCLUDED.last_error, updated_at = now()
         WHERE t.organization_id = EXCLUDED.organization_id AND t.status <> 'saved'
         RETURNING ${COLUMNS}`,
        [...ids(organizationId, userId), ...values(input), reason.slice(0, MAX_ERROR)],
      );
    },

    async setChangeKey(organizationId, userId, internetMessageId, itemId, changeKey) {
      await db.query(`UPDATE email_sync_items SET change_key = $4, item_id = $5, updated_at = now() WHERE organization_id = $1 AND user_id = $2 AND internet_message_id = $3`, [
        ...ids(organizationId, userId),
        internetMessageId,
        changeKey,
        itemId,
      ]);
    },

    async listRetryable(organizationId, userId, maxAttempts, limit = 100) {
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM email_sync_items WHERE organization_id = $1 AND user_id = $2 AND status = 'failed' AND attempts < $3 ORDER BY first_failed_at, internet_message_id LIMIT $4`,
        [...ids(organizationId, userId), maxAttempts, limit],
      );
      return rows.map(toItem);
    },

    async listFailed(organizationId, userId, limit = 50) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM email_sync_items WHERE organization_id = $1 AND user_id = $2 AND status = 'failed' ORDER BY updated_at DESC LIMIT $3`, [
        ...ids(organizationId, userId),
        limit,
      ]);
      return rows.map(toItem);
    },

    async savedConversations(organizationId, conversationIds) {
      const wanted = [...new Set(conversationIds.filter(Boolean))];
      if (wanted.length === 0) return new Set();
      const { rows } = await db.query<{ conversation_id: string }>(
        `SELECT DISTINCT conversation_id FROM email_sync_items WHERE organization_id = $1 AND status = 'saved' AND conversation_id = ANY($2::text[])`,
        [idSchema.parse(organizationId), wanted],
      );
      return new Set(rows.map((r) => r.conversation_id));
    },
  };
}
