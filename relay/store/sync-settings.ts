/**
 * The user's sync profile (S6) and the blocklists (E9): tables user_sync_settings and blocklist_entries (migration
 * 003). Every read and write is scoped by the organization id, so a user id of another organization finds nothing.
 *
 * Settings are stored as the keys the user changed; reads fill the rest from the settings preset the user follows (A8,
 * relay/store/presets.ts) and then from USER_SYNC_SETTINGS_DEFAULTS, so a default changed in a later release reaches
 * everybody who never touched that switch. A key of the wrong type (a hand-edited row) is ignored.
 */
import { z } from 'zod';
import {
  BlocklistEntrySchema,
  blocklistEntryKind,
  MAX_BLOCKLIST_ENTRIES,
  USER_SYNC_SETTINGS_DEFAULTS,
  UserSyncSettingsSchema,
  type UserSyncSettings,
} from '../../shared/api/sync';
import type { Blocklists, SyncSettingsRepository, UserSettingsRead } from '../sync/types';
import type { Db, Queryable } from './db';
import { isId, StoreNotFoundError } from './errors';

const PatchSchema = UserSyncSettingsSchema.partial();
const EntriesSchema = z.array(BlocklistEntrySchema).max(MAX_BLOCKLIST_ENTRIES);

/** Stored keys of one kind of layer (the user's own, a preset's): only boolean settings this release knows. */
function storedKeys(stored: unknown): Partial<UserSyncSettings> {
  const out: Partial<UserSyncSettings> = {};
  if (typeof stored !== 'object' || stored === null) return out;
  for (const key of Object.keys(USER_SYNC_SETTINGS_DEFAULTS) as Array<keyof UserSyncSettings>) {
    const value = (stored as Record<string, unknown>)[key];
    if (typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/**
 * The effective settings in one statement: defaults, then the preset the user follows (their own assignment, else the
 * organization's default), then the user's own changes; and which settings come from the preset. Undefined when the
 * user is not in the organization.
 */
async function readEffective(db: Queryable, organizationId: string, userId: string): Promise<UserSettingsRead | undefined> {
  const { rows } = await db.query<{ own: unknown; updated_at: Date | null; preset_id: string | null; preset_name: string | null; preset_settings: unknown }>(
    `SELECT s.settings AS own, s.updated_at, p.id AS preset_id, p.name AS preset_name, p.settings AS preset_settings
       FROM users u
       JOIN organizations o ON o.id = u.organization_id
       LEFT JOIN user_sync_settings s ON s.user_id = u.id
       LEFT JOIN sync_presets p ON p.id = COALESCE(s.preset_id, o.default_sync_preset_id) AND p.organization_id = u.organization_id
      WHERE u.id = $2 AND u.organization_id = $1`,
    [organizationId, userId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const own = storedKeys(row.own);
  const preset = storedKeys(row.preset_settings);
  const settings: UserSyncSettings = { ...USER_SYNC_SETTINGS_DEFAULTS, ...preset, ...own };
  const read: UserSettingsRead = { settings };
  if (row.updated_at) read.updatedAt = new Date(row.updated_at);
  if (row.preset_id) read.preset = { id: row.preset_id, name: row.preset_name ?? '', fields: Object.keys(preset).filter((key) => !(key in own)) };
  return read;
}

function isDb(db: Queryable): db is Db {
  return typeof (db as Partial<Db>).transaction === 'function';
}

export function createSyncSettingsRepository(db: Queryable): SyncSettingsRepository {
  /** Over a Db a transaction of its own; over a transaction handle (createStore(tx)) the caller's transaction already is one. */
  const atomically = <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => (isDb(db) ? db.transaction((tx) => fn(tx)) : fn(db));

  return {
    async getUserSettings(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return { settings: { ...USER_SYNC_SETTINGS_DEFAULTS } };
      return (await readEffective(db, organizationId, userId)) ?? { settings: { ...USER_SYNC_SETTINGS_DEFAULTS } };
    },

    async updateUserSettings(organizationId, userId, patch) {
      const data = PatchSchema.strict().parse(patch);
      if (!isId(organizationId) || !isId(userId)) throw new StoreNotFoundError('user not found in this organization');
      // The row is created from the users row itself, so a user id of another organization inserts nothing; the
      // jsonb concatenation merges the patch into what is stored in one statement (no lost update between two tabs).
      const { rows } = await db.query<{ updated_at: Date }>(
        `INSERT INTO user_sync_settings (user_id, organization_id, settings)
           SELECT id, organization_id, $3::jsonb FROM users WHERE id = $2 AND organization_id = $1
         ON CONFLICT (user_id) DO UPDATE SET settings = user_sync_settings.settings || EXCLUDED.settings, updated_at = now()
           WHERE user_sync_settings.organization_id = EXCLUDED.organization_id
         RETURNING updated_at`,
        [organizationId, userId, JSON.stringify(data)],
      );
      if (rows.length === 0) throw new StoreNotFoundError('user not found in this organization');
      const effective = await readEffective(db, organizationId, userId);
      return { ...effective!, updatedAt: new Date(rows[0].updated_at) };
    },

    async getBlocklists(organizationId, userId): Promise<Blocklists> {
      if (!isId(organizationId)) return { organization: [], user: [] };
      const { rows } = await db.query<{ entry: string; user_id: string | null }>(
        `SELECT entry, user_id FROM blocklist_entries
          WHERE organization_id = $1 AND (user_id IS NULL OR user_id = $2)
          ORDER BY entry COLLATE "C"`,
        [organizationId, isId(userId) ? userId : null],
      );
      return {
        organization: rows.filter((row) => row.user_id === null).map((row) => row.entry),
        user: rows.filter((row) => row.user_id !== null).map((row) => row.entry),
      };
    },

    async replaceBlocklist(organizationId, userId, entries) {
      // Normalised (lower case, a domain without its '@') and de-duplicated before anything is written.
      const normalised = [...new Set(EntriesSchema.parse(entries))].sort();
      if (!isId(organizationId) || (userId !== null && !isId(userId))) throw new StoreNotFoundError('user not found in this organization');
      return atomically(async (tx) => {
        // Locking the owner's row serialises two replaces of one list (otherwise each would delete only the rows it
        // saw and the lists would merge or collide on the unique index); NO KEY keeps inserts referencing it free.
        const owner =
          userId === null
            ? await tx.query('SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE', [organizationId])
            : await tx.query('SELECT id FROM users WHERE id = $1 AND organization_id = $2 FOR NO KEY UPDATE', [userId, organizationId]);
        if (owner.rows.length === 0) throw new StoreNotFoundError(userId === null ? 'organization not found' : 'user not found in this organization');
        if (userId === null) {
          await tx.query('DELETE FROM blocklist_entries WHERE organization_id = $1 AND user_id IS NULL', [organizationId]);
        } else {
          await tx.query('DELETE FROM blocklist_entries WHERE organization_id = $1 AND user_id = $2', [organizationId, userId]);
        }
        if (normalised.length > 0) {
          await tx.query(
            `INSERT INTO blocklist_entries (organization_id, user_id, entry, kind)
               SELECT $1, $2, entry, kind FROM unnest($3::text[], $4::text[]) AS t(entry, kind)`,
            [organizationId, userId, normalised, normalised.map(blocklistEntryKind)],
          );
        }
        return normalised;
      });
    },
  };
}
