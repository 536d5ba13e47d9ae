/**
 * Settings presets (A8): table sync_presets, the assignment columns user_sync_settings.preset_id and
 * organizations.default_sync_preset_id (migration 010). Every statement names the organization, so an id of another
 * organization matches nothing.
 *
 * A user's effective settings are the defaults, then the preset they follow (their own, else the organization's
 * default), then their own changes (relay/store/sync-settings.ts reads all three in one statement). Applying a preset
 * assigns it; "override" also removes the user's own values of the preset's settings, "keep" leaves them.
 */
import type { UserSyncSettings } from '../../shared/api/sync';
import { PresetSettingsSchema } from '../../shared/api/presets';
import type { Db, Queryable } from './db';
import { isId, mapConflict } from './errors';

export interface PresetRow {
  id: string;
  organizationId: string;
  name: string;
  settings: Partial<UserSyncSettings>;
  isOrganizationDefault: boolean;
  assignedUsers: number;
  createdAt: Date;
  updatedAt: Date;
}

export type PresetTarget = { kind: 'organization' } | { kind: 'users'; userIds: string[] };

export interface PresetRepository {
  list(organizationId: string): Promise<PresetRow[]>;
  get(organizationId: string, presetId: string): Promise<PresetRow | undefined>;
  create(organizationId: string, data: { name: string; settings: Partial<UserSyncSettings> }): Promise<PresetRow>;
  update(organizationId: string, presetId: string, data: { name?: string; settings?: Partial<UserSyncSettings> }): Promise<PresetRow | undefined>;
  /** Users following it fall back to the organization default (or none); their own changes stay. */
  remove(organizationId: string, presetId: string): Promise<boolean>;
  /** One transaction: the assignment and, for override, the removal of the users' own values. */
  apply(organizationId: string, presetId: string, target: PresetTarget, mode: 'keep' | 'override'): Promise<{ users: number; overridden: number } | undefined>;
}

interface Row {
  id: string;
  organization_id: string;
  name: string;
  settings: unknown;
  is_default: boolean;
  assigned: string | number;
  created_at: Date;
  updated_at: Date;
}

/** Stored keys that are still settings of this release (a renamed switch must not break the preset). */
function presetSettings(stored: unknown): Partial<UserSyncSettings> {
  const parsed = PresetSettingsSchema.safeParse(typeof stored === 'object' && stored !== null ? stored : {});
  if (parsed.success) return parsed.data;
  const out: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) if (typeof value === 'boolean' && PresetSettingsSchema.shape[key as keyof UserSyncSettings]) out[key] = value;
  return out as Partial<UserSyncSettings>;
}

const SELECT = `
  SELECT p.id, p.organization_id, p.name, p.settings, p.created_at, p.updated_at,
         (o.default_sync_preset_id IS NOT DISTINCT FROM p.id) AS is_default,
         (SELECT count(*) FROM user_sync_settings s WHERE s.organization_id = p.organization_id AND s.preset_id = p.id) AS assigned
    FROM sync_presets p JOIN organizations o ON o.id = p.organization_id`;

function toRow(row: Row): PresetRow {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    settings: presetSettings(row.settings),
    isOrganizationDefault: row.is_default,
    assignedUsers: Number(row.assigned),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export function createPresetRepository(db: Db): PresetRepository {
  async function get(q: Queryable, organizationId: string, presetId: string): Promise<PresetRow | undefined> {
    if (!isId(organizationId) || !isId(presetId)) return undefined;
    const { rows } = await q.query<Row>(`${SELECT} WHERE p.organization_id = $1 AND p.id = $2`, [organizationId, presetId]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  return {
    async list(organizationId) {
      if (!isId(organizationId)) return [];
      const { rows } = await db.query<Row>(`${SELECT} WHERE p.organization_id = $1 ORDER BY lower(p.name), p.id`, [organizationId]);
      return rows.map(toRow);
    },

    get: (organizationId, presetId) => get(db, organizationId, presetId),

    async create(organizationId, data) {
      const { rows } = await mapConflict('A preset with this name', () =>
        db.query<{ id: string }>(
          `INSERT INTO sync_presets (organization_id, name, settings) SELECT id, $2, $3::jsonb FROM organizations WHERE id = $1 RETURNING id`,
          [organizationId, data.name, JSON.stringify(data.settings)],
        ),
      );
      if (!rows[0]) throw new Error('organization not found');
      return (await get(db, organizationId, rows[0].id))!;
    },

    async update(organizationId, presetId, data) {
      if (!isId(organizationId) || !isId(presetId)) return undefined;
      const { rows } = await mapConflict('A preset with this name', () =>
        db.query<{ id: string }>(
          `UPDATE sync_presets SET name = COALESCE($3, name), settings = COALESCE($4::jsonb, settings), updated_at = now()
            WHERE organization_id = $1 AND id = $2 RETURNING id`,
          [organizationId, presetId, data.name ?? null, data.settings === undefined ? null : JSON.stringify(data.settings)],
        ),
      );
      return rows[0] ? get(db, organizationId, presetId) : undefined;
    },

    async remove(organizationId, presetId) {
      if (!isId(organizationId) || !isId(presetId)) return false;
      const { rows } = await db.query('DELETE FROM sync_presets WHERE organization_id = $1 AND id = $2 RETURNING id', [organizationId, presetId]);
      return rows.length > 0;
    },

    async apply(organizationId, presetId, target, mode) {
      if (!isId(organizationId) || !isId(presetId)) return undefined;
      if (target.kind === 'users' && !target.userIds.every(isId)) return undefined;
      return db.transaction(async (tx) => {
        // Locks the preset: an edit of its settings cannot slip between reading its keys and removing the users' own.
        const { rows: presets } = await tx.query<{ settings: unknown }>('SELECT settings FROM sync_presets WHERE organization_id = $1 AND id = $2 FOR UPDATE', [organizationId, presetId]);
        if (!presets[0]) return undefined;
        const keys = Object.keys(presetSettings(presets[0].settings));
        const userFilter = target.kind === 'organization' ? '' : 'AND u.id = ANY($4::uuid[])';
        const params: unknown[] = [organizationId, target.kind === 'organization' ? null : presetId, keys];
        if (target.kind === 'users') params.push(target.userIds);
        if (target.kind === 'organization') {
          await tx.query('UPDATE organizations SET default_sync_preset_id = $2 WHERE id = $1', [organizationId, presetId]);
        }
        // One statement per target: every user of the target gets a row (created from the users row itself, so an id of
        // another organization inserts nothing), the assignment (the organization's default: none of their own), and
        // for override their own values of the preset's settings removed. `overridden` counts rows that had any.
        const { rows } = await tx.query<{ users: string | number; overridden: string | number }>(
          `WITH targets AS (
             SELECT u.id, u.organization_id FROM users u WHERE u.organization_id = $1 ${userFilter}
           ), before AS (
             SELECT s.user_id, (s.settings ?| $3::text[]) AS had_own FROM user_sync_settings s JOIN targets t ON t.id = s.user_id
           ), written AS (
             INSERT INTO user_sync_settings (user_id, organization_id, settings, preset_id)
               SELECT id, organization_id, '{}'::jsonb, $2::uuid FROM targets
             ON CONFLICT (user_id) DO UPDATE SET
               preset_id = EXCLUDED.preset_id,
               settings = ${mode === 'override' ? 'user_sync_settings.settings - $3::text[]' : 'user_sync_settings.settings'},
               updated_at = now()
             WHERE user_sync_settings.organization_id = EXCLUDED.organization_id
             RETURNING user_id
           )
           SELECT (SELECT count(*) FROM written) AS users,
                  ${mode === 'override' ? '(SELECT count(*) FROM before WHERE had_own)' : '0'} AS overridden`,
          params,
        );
        return { users: Number(rows[0]?.users ?? 0), overridden: Number(rows[0]?.overridden ?? 0) };
      });
    },
  };
}
