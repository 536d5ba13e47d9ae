/**
 * Each organization's connection to its C4C tenant. The password is sealed with the relay's secret key (bound to
 * the organization id) before it reaches the database; `get` never returns it, only `getWithSecret` does, and that
 * one is for the relay's own outgoing C4C calls, never for an API response.
 */
import { z } from 'zod';
import type { SecretBox } from '../secrets/secret-box';
import type { Queryable } from './db';
import { directoryWrite } from './directory-changes';
import { isId, StoreNotFoundError } from './errors';

export type C4cAuthKind = 'basic';

export interface C4cConnection {
  organizationId: string;
  /** OData service root, always ending with '/', e.g. https://my123456.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/ */
  serviceRoot: string;
  authKind: C4cAuthKind;
  username: string;
  /** A password is stored (it always is once a connection exists); lets a UI show "••••• (set)". */
  hasSecret: true;
  createdAt: Date;
  updatedAt: Date;
}

export interface C4cConnectionWithSecret extends C4cConnection {
  password: string;
}

export const c4cConnectionInputSchema = z.strictObject({
  serviceRoot: z.url({ protocol: /^https?$/ }).transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  authKind: z.literal('basic').optional(),
  username: z.string().trim().min(1).max(200),
  /** Leave out to keep the stored password (changing only the URL or user name). */
  password: z.string().min(1).max(1024).optional(),
});
export type C4cConnectionInput = z.input<typeof c4cConnectionInputSchema>;

interface ConnectionRow {
  organization_id: string;
  service_root: string;
  auth_kind: C4cAuthKind;
  username: string;
  created_at: Date;
  updated_at: Date;
}

// Deliberately without secret_ciphertext: metadata reads cannot leak it even by accident.
const METADATA_COLUMNS = 'organization_id, service_root, auth_kind, username, created_at, updated_at';

function toConnection(row: ConnectionRow): C4cConnection {
  return {
    organizationId: row.organization_id,
    serviceRoot: row.service_root,
    authKind: row.auth_kind,
    username: row.username,
    hasSecret: true,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface C4cConnectionRepository {
  upsert(organizationId: string, input: C4cConnectionInput): Promise<C4cConnection>;
  get(organizationId: string): Promise<C4cConnection | undefined>;
  /** For the relay's own C4C calls only. Throws SecretTamperedError when the stored value does not open. */
  getWithSecret(organizationId: string): Promise<C4cConnectionWithSecret | undefined>;
  delete(organizationId: string): Promise<boolean>;
}

export function createC4cConnectionRepository(db: Queryable, box: SecretBox): C4cConnectionRepository {
  async function upsertValid(organizationId: string, data: z.output<typeof c4cConnectionInputSchema>): Promise<C4cConnection> {
    const authKind = data.authKind ?? 'basic';
    if (data.password === undefined) {
      const { rows } = await db.query<ConnectionRow>(
        `UPDATE c4c_connections SET service_root = $2, auth_kind = $3, username = $4, updated_at = now()
         WHERE organization_id = $1 RETURNING ${METADATA_COLUMNS}`,
        [organizationId, data.serviceRoot, authKind, data.username],
      );
      if (!rows[0]) throw new StoreNotFoundError('a password is required for a new C4C connection');
      return toConnection(rows[0]);
    }
    const sealed = box.seal(data.password, organizationId);
    const { rows } = await db.query<ConnectionRow>(
      `INSERT INTO c4c_connections (organization_id, service_root, auth_kind, username, secret_ciphertext)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id) DO UPDATE SET
         service_root = EXCLUDED.service_root, auth_kind = EXCLUDED.auth_kind, username = EXCLUDED.username,
         secret_ciphertext = EXCLUDED.secret_ciphertext, updated_at = now()
       RETURNING ${METADATA_COLUMNS}`,
      [organizationId, data.serviceRoot, authKind, data.username, sealed],
    );
    return toConnection(rows[0]);
  }

  return {
    async upsert(organizationId, input) {
      const data = c4cConnectionInputSchema.parse(input);
      if (!isId(organizationId)) throw new StoreNotFoundError('no such organization');
      return directoryWrite(() => upsertValid(organizationId, data));
    },

    async get(organizationId) {
      if (!isId(organizationId)) return undefined;
      const { rows } = await db.query<ConnectionRow>(`SELECT ${METADATA_COLUMNS} FROM c4c_connections WHERE organization_id = $1`, [
        organizationId,
      ]);
      return rows[0] ? toConnection(rows[0]) : undefined;
    },

    async getWithSecret(organizationId) {
      if (!isId(organizationId)) return undefined;
      const { rows } = await db.query<ConnectionRow & { secret_ciphertext: string }>(
        `SELECT ${METADATA_COLUMNS}, secret_ciphertext FROM c4c_connections WHERE organization_id = $1`,
        [organizationId],
      );
      if (!rows[0]) return undefined;
      return { ...toConnection(rows[0]), password: box.open(rows[0].secret_ciphertext, organizationId) };
    },

    async delete(organizationId) {
      if (!isId(organizationId)) return false;
      const { rowCount } = await directoryWrite(() => db.query('DELETE FROM c4c_connections WHERE organization_id = $1', [organizationId]));
      return rowCount > 0;
    },
  };
}
