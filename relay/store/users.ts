/**
 * Users of an organization. Every read and write takes the organization id and filters by it, so a caller holding
 * organization A can never reach organization B's users, even with a valid user id from B.
 */
import { z } from 'zod';
import type { Queryable } from './db';
import { directoryWrite } from './directory-changes';
import { isId, mapConflict } from './errors';

export type UserRole = 'user' | 'admin';

export interface User {
  id: string;
  organizationId: string;
  displayName: string;
  /** Primary SMTP address of the user's mailbox. */
  email: string;
  mailboxLogin: string | null;
  c4cLogin: string | null;
  c4cUserId: string | null;
  entraObjectId: string | null;
  role: UserRole;
  createdAt: Date;
  updatedAt: Date;
}

const optionalText = z.string().trim().min(1).max(320).nullable().optional();

export const userCreateSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  mailboxLogin: optionalText,
  c4cLogin: optionalText,
  c4cUserId: optionalText,
  entraObjectId: z.guid().transform((v) => v.toLowerCase()).nullable().optional(),
  role: z.enum(['user', 'admin']).optional(),
});
export type UserCreateInput = z.input<typeof userCreateSchema>;

export const userUpdateSchema = userCreateSchema.partial();
export type UserUpdateInput = z.input<typeof userUpdateSchema>;

/** A `users` row as the driver returns it (also read by the admin store's user page). */
export interface UserRow {
  id: string;
  organization_id: string;
  display_name: string;
  email: string;
  mailbox_login: string | null;
  c4c_login: string | null;
  c4c_user_id: string | null;
  entra_object_id: string | null;
  role: UserRole;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, organization_id, display_name, email, mailbox_login, c4c_login, c4c_user_id, entra_object_id, role, created_at, updated_at';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    organizationId: row.organization_id,
    displayName: row.display_name,
    email: row.email,
    mailboxLogin: row.mailbox_login,
    c4cLogin: row.c4c_login,
    c4cUserId: row.c4c_user_id,
    entraObjectId: row.entra_object_id,
    role: row.role,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface UserRepository {
  create(organizationId: string, input: UserCreateInput): Promise<User>;
  get(organizationId: string, userId: string): Promise<User | undefined>;
  /** Case-insensitive mailbox address lookup within one organization. */
  findByEmail(organizationId: string, email: string): Promise<User | undefined>;
  /** Who is calling: the organization is found through its Entra tenant, the user through the token's `oid`. */
  findByEntra(entraTenantId: string, entraObjectId: string): Promise<User | undefined>;
  listByOrg(organizationId: string): Promise<User[]>;
  update(organizationId: string, userId: string, patch: UserUpdateInput): Promise<User | undefined>;
  delete(organizationId: string, userId: string): Promise<boolean>;
}

// Columns a patch may set, in parameter order after (organization_id, id). Each comes with a "was given" flag so a
// patch can clear a nullable column (null) without touching the ones it leaves out (undefined).
const PATCHABLE = [
  ['display_name', 'displayName'],
  ['email', 'email'],
  ['mailbox_login', 'mailboxLogin'],
  ['c4c_login', 'c4cLogin'],
  ['c4c_user_id', 'c4cUserId'],
  ['entra_object_id', 'entraObjectId'],
  ['role', 'role'],
] as const;

export function createUserRepository(db: Queryable): UserRepository {
  return {
    async create(organizationId, input) {
      const data = userCreateSchema.parse(input);
      if (!isId(organizationId)) throw new Error('organization id is not a valid id');
      return mapConflict('user', async () => {
        const { rows } = await db.query<UserRow>(
          `INSERT INTO users (organization_id, display_name, email, mailbox_login, c4c_login, c4c_user_id, entra_object_id, role)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
          [
            organizationId,
            data.displayName,
            data.email,
            data.mailboxLogin ?? null,
            data.c4cLogin ?? null,
            data.c4cUserId ?? null,
            data.entraObjectId ?? null,
            data.role ?? 'user',
          ],
        );
        return toUser(rows[0]);
      });
    },

    async get(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE organization_id = $1 AND id = $2`, [
        organizationId,
        userId,
      ]);
      return rows[0] ? toUser(rows[0]) : undefined;
    },

    async findByEmail(organizationId, email) {
      if (!isId(organizationId)) return undefined;
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS} FROM users WHERE organization_id = $1 AND lower(email) = lower($2)`,
        [organizationId, email],
      );
      return rows[0] ? toUser(rows[0]) : undefined;
    },

    async findByEntra(entraTenantId, entraObjectId) {
      if (!isId(entraTenantId) || !isId(entraObjectId)) return undefined;
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')}
         FROM users u JOIN organizations o ON o.id = u.organization_id
         WHERE o.entra_tenant_id = $1 AND u.entra_object_id = $2`,
        [entraTenantId.toLowerCase(), entraObjectId.toLowerCase()],
      );
      return rows[0] ? toUser(rows[0]) : undefined;
    },

    async listByOrg(organizationId) {
      if (!isId(organizationId)) return [];
      const { rows } = await db.query<UserRow>(
        `SELECT ${COLUMNS} FROM users WHERE organization_id = $1 ORDER BY lower(display_name), id`,
        [organizationId],
      );
      return rows.map(toUser);
    },

    async update(organizationId, userId, patch) {
      const data = userUpdateSchema.parse(patch);
      if (!isId(organizationId) || !isId(userId)) return undefined;
      const params: unknown[] = [organizationId, userId];
      const sets = PATCHABLE.map(([column, key]) => {
        const given = data[key] !== undefined;
        params.push(given, data[key] ?? null);
        const flag = params.length - 1;
        const cast = column === 'entra_object_id' ? '::uuid' : '::text';
        return `${column} = CASE WHEN $${flag}::boolean THEN $${flag + 1}${cast} ELSE ${column} END`;
      });
      return directoryWrite(() => mapConflict('user', async () => {
        const { rows } = await db.query<UserRow>(
          `UPDATE users SET ${sets.join(', ')}, updated_at = now()
           WHERE organization_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          params,
        );
        return rows[0] ? toUser(rows[0]) : undefined;
      }));
    },

    async delete(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return false;
      const { rowCount } = await directoryWrite(() => db.query('DELETE FROM users WHERE organization_id = $1 AND id = $2', [organizationId, userId]));
      return rowCount > 0;
    },
  };
}
