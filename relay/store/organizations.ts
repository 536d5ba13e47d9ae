/** Organizations: one per customer tenant; everything else in the store hangs off an organization id. */
import { z } from 'zod';
import type { Queryable } from './db';
import { directoryWrite } from './directory-changes';
import { isId, mapConflict } from './errors';

export interface Organization {
  id: string;
  name: string;
  slug: string;
  /** Entra ID (Azure AD) tenant whose tokens sign users of this organization in. */
  entraTenantId: string | null;
  settings: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export const organizationCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, up to 63 characters'),
  entraTenantId: z.guid().transform((v) => v.toLowerCase()).nullable().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type OrganizationCreateInput = z.input<typeof organizationCreateSchema>;

export const organizationUpdateSchema = organizationCreateSchema.partial();
export type OrganizationUpdateInput = z.input<typeof organizationUpdateSchema>;

interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  entra_tenant_id: string | null;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, slug, entra_tenant_id, settings, created_at, updated_at';

function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    entraTenantId: row.entra_tenant_id,
    settings: row.settings ?? {},
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface OrganizationRepository {
  create(input: OrganizationCreateInput): Promise<Organization>;
  get(id: string): Promise<Organization | undefined>;
  getBySlug(slug: string): Promise<Organization | undefined>;
  getByTenant(entraTenantId: string): Promise<Organization | undefined>;
  list(): Promise<Organization[]>;
  /** Undefined when there is no such organization. */
  update(id: string, patch: OrganizationUpdateInput): Promise<Organization | undefined>;
  /** Deletes the organization and, by cascade, all its data. False when there was none. */
  delete(id: string): Promise<boolean>;
}

export function createOrganizationRepository(db: Queryable): OrganizationRepository {
  return {
    async create(input) {
      const data = organizationCreateSchema.parse(input);
      return mapConflict('organization', async () => {
        const { rows } = await db.query<OrganizationRow>(
          `INSERT INTO organizations (name, slug, entra_tenant_id, settings)
           VALUES ($1, $2, $3, $4::jsonb) RETURNING ${COLUMNS}`,
          [data.name, data.slug, data.entraTenantId ?? null, JSON.stringify(data.settings ?? {})],
        );
        return toOrganization(rows[0]);
      });
    },

    async get(id) {
      if (!isId(id)) return undefined;
      const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [id]);
      return rows[0] ? toOrganization(rows[0]) : undefined;
    },

    async getBySlug(slug) {
      const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE slug = $1`, [slug]);
      return rows[0] ? toOrganization(rows[0]) : undefined;
    },

    async getByTenant(entraTenantId) {
      if (!isId(entraTenantId)) return undefined;
      const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE entra_tenant_id = $1`, [
        entraTenantId.toLowerCase(),
      ]);
      return rows[0] ? toOrganization(rows[0]) : undefined;
    },

    async list() {
      const { rows } = await db.query<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations ORDER BY name, id`);
      return rows.map(toOrganization);
    },

    async update(id, patch) {
      const data = organizationUpdateSchema.parse(patch);
      if (!isId(id)) return undefined;
      // COALESCE keeps a column when the patch leaves it out; entra_tenant_id can be cleared, so it has its own flag.
      return directoryWrite(() => mapConflict('organization', async () => {
        const { rows } = await db.query<OrganizationRow>(
          `UPDATE organizations SET
             name = COALESCE($2, name),
             slug = COALESCE($3, slug),
             entra_tenant_id = CASE WHEN $4::boolean THEN $5::uuid ELSE entra_tenant_id END,
             settings = COALESCE($6::jsonb, settings),
             updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [
            id,
            data.name ?? null,
            data.slug ?? null,
            data.entraTenantId !== undefined,
            data.entraTenantId ?? null,
            data.settings === undefined ? null : JSON.stringify(data.settings),
          ],
        );
        return rows[0] ? toOrganization(rows[0]) : undefined;
      }));
    },

    async delete(id) {
      if (!isId(id)) return false;
      const { rowCount } = await directoryWrite(() => db.query('DELETE FROM organizations WHERE id = $1', [id]));
      return rowCount > 0;
    },
  };
}
