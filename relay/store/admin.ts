/**
 * The admin console's own tables and queries (migration 004_admin): organizations as an admin sees them (with
 * counts, scoped to the tenants the admin may manage), the user search page, access check runs and results, CSV
 * import reports and audit log filters. Every query that reads an organization's data takes its id and filters by it.
 */
import type { Queryable } from './db';
import { isId } from './errors';
import { toUser as userOf, type User, type UserRow as UserTableRow } from './users';

// ---------------------------------------------------------------------------------------------------------------
// Keyset cursors: opaque to clients, base64url JSON of the last row's sort key.

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Undefined without a cursor; InvalidCursorError for one this relay did not make. */
export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === arity) return value;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

export class InvalidCursorError extends Error {
  constructor() {
    super('The paging cursor is not valid; start again from the first page.');
    this.name = 'InvalidCursorError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Organizations

export interface AdminOrganizationRow {
  id: string;
  name: string;
  slug: string;
  entraTenantId: string | null;
  adminTenantId: string | null;
  settings: Record<string, unknown>;
  userCount: number;
  mailboxAccessKind: 'ews-impersonation' | 'ews-direct' | 'graph-app' | 'graph-delegated' | null;
  c4cConfigured: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Which organizations a caller may see: every one (operator) or those of / recorded for one tenant. */
export type OrganizationScope = { all: true } | { all: false; tenantId: string };

interface OrgRow {
  id: string;
  name: string;
  slug: string;
  entra_tenant_id: string | null;
  admin_tenant_id: string | null;
  settings: Record<string, unknown>;
  user_count: string | number;
  access_kind: AdminOrganizationRow['mailboxAccessKind'];
  c4c: boolean;
  created_at: Date;
  updated_at: Date;
}

const ORG_SELECT = `
  SELECT o.id, o.name, o.slug, o.entra_tenant_id, o.admin_tenant_id, o.settings, o.created_at, o.updated_at,
         (SELECT count(*) FROM users u WHERE u.organization_id = o.id) AS user_count,
         ma.kind AS access_kind, (c.organization_id IS NOT NULL) AS c4c
  FROM organizations o
  LEFT JOIN mailbox_access ma ON ma.organization_id = o.id
  LEFT JOIN c4c_connections c ON c.organization_id = o.id`;

function toOrg(row: OrgRow): AdminOrganizationRow {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    entraTenantId: row.entra_tenant_id,
    adminTenantId: row.admin_tenant_id,
    settings: row.settings ?? {},
    userCount: Number(row.user_count),
    mailboxAccessKind: row.access_kind,
    c4cConfigured: row.c4c,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function scopeClause(scope: OrganizationScope, param: number): string {
  return scope.all ? 'true' : `(o.entra_tenant_id = $${param}::uuid OR o.admin_tenant_id = $${param}::uuid)`;
}

export interface DeleteCounts {
  users: number;
  c4cPassword: boolean;
  mailboxAccessSecret: boolean;
  userCredentials: number;
  mailboxes: number;
  enabledMailboxes: number;
  accessCheckRuns: number;
  auditEntries: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Users page

export interface AdminUserRow extends User {
  lastAccessCheck: { ok: boolean; problem: string; message: string; checkedAt: Date; runId: string } | null;
  syncStatus: 'enabled' | 'paused' | 'suspended' | null;
}

interface UserRow extends UserTableRow {
  sort_name: string;
  lc_run_id: string | null;
  lc_ok: boolean | null;
  lc_problem: string | null;
  lc_message: string | null;
  lc_checked_at: Date | null;
  sync_status: AdminUserRow['syncStatus'];
}

const USER_SELECT = `
  SELECT u.id, u.organization_id, u.display_name, u.email, u.mailbox_login, u.c4c_login, u.c4c_user_id,
         u.entra_object_id, u.role, u.created_at, u.updated_at, lower(u.display_name) AS sort_name,
         lc.run_id AS lc_run_id, lc.ok AS lc_ok, lc.problem AS lc_problem, lc.message AS lc_message,
         lc.checked_at AS lc_checked_at, m.status AS sync_status
  FROM users u
  LEFT JOIN LATERAL (
    SELECT r.run_id, r.ok, r.problem, r.message, r.checked_at FROM access_check_results r
    WHERE r.organization_id = u.organization_id AND r.user_id = u.id
    ORDER BY r.checked_at DESC, r.seq DESC LIMIT 1
  ) lc ON true
  LEFT JOIN mailboxes m ON m.user_id = u.id`;

function toUser(row: UserRow): AdminUserRow {
  return {
    ...userOf(row),
    lastAccessCheck:
      row.lc_run_id === null
        ? null
        : { ok: Boolean(row.lc_ok), problem: row.lc_problem ?? 'unknown', message: row.lc_message ?? '', checkedAt: new Date(row.lc_checked_at as Date), runId: row.lc_run_id },
    syncStatus: row.sync_status ?? null,
  };
}

/** `%…%` for ILIKE-by-lower, with the pattern characters of the search text escaped. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// ---------------------------------------------------------------------------------------------------------------
// Access checks

export type AccessCheckStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface AccessCheckRunRow {
  id: string;
  organizationId: string;
  status: AccessCheckStatus;
  accessKind: string;
  userIds: string[] | null;
  total: number;
  checked: number;
  passed: number;
  failed: number;
  cancelRequested: boolean;
  startedBy: string;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface RunRow {
  id: string;
  organization_id: string;
  status: AccessCheckStatus;
  access_kind: string;
  user_ids: string[] | null;
  total: number;
  checked: number;
  passed: number;
  failed: number;
  cancel_requested: boolean;
  started_by: string;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const RUN_COLUMNS = 'id, organization_id, status, access_kind, user_ids, total, checked, passed, failed, cancel_requested, started_by, error, created_at, started_at, finished_at';

const dateOrNull = (d: Date | null): Date | null => (d === null ? null : new Date(d));

function toRun(row: RunRow): AccessCheckRunRow {
  return {
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    accessKind: row.access_kind,
    userIds: row.user_ids,
    total: row.total,
    checked: row.checked,
    passed: row.passed,
    failed: row.failed,
    cancelRequested: row.cancel_requested,
    startedBy: row.started_by,
    error: row.error,
    createdAt: new Date(row.created_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

export interface AccessCheckResultRow {
  userId: string;
  email: string;
  displayName: string;
  ok: boolean;
  problem: string;
  message: string;
  checkedAt: Date;
  ms: number;
  seq: string;
}

// ---------------------------------------------------------------------------------------------------------------
// CSV imports

export interface CsvImportRow {
  id: string;
  organizationId: string;
  status: 'running' | 'succeeded' | 'failed';
  fileName: string | null;
  totalRows: number;
  processedRows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: Array<{ line: number; problem: string; column?: string; message: string }>;
  delimiter: ',' | ';' | null;
  c4cCheck: { status: 'checked' | 'skipped' | 'failed'; message: string | null };
  failure: string | null;
  startedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
}

interface ImportRow {
  id: string;
  organization_id: string;
  status: CsvImportRow['status'];
  file_name: string | null;
  total_rows: number;
  processed_rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: CsvImportRow['errors'];
  delimiter: CsvImportRow['delimiter'];
  c4c_check: CsvImportRow['c4cCheck'];
  failure: string | null;
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
}

const IMPORT_COLUMNS = 'id, organization_id, status, file_name, total_rows, processed_rows, created, updated, unchanged, rejected, errors, delimiter, c4c_check, failure, started_by, started_at, finished_at';

function toImport(row: ImportRow): CsvImportRow {
  return {
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    fileName: row.file_name,
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
    errors: row.errors ?? [],
    delimiter: row.delimiter,
    c4cCheck: row.c4c_check,
    failure: row.failure,
    startedBy: row.started_by,
    startedAt: new Date(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Audit

export interface AuditFilter {
  /** Null: entries of every organization, incl. organization-less ones (operators only). */
  organizationId: string | null;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Entries older than this id (keyset). */
  beforeId?: string;
}

export interface AuditRow {
  id: string;
  organizationId: string | null;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  at: Date;
}

// ---------------------------------------------------------------------------------------------------------------

export interface AdminRepository {
  listOrganizations(scope: OrganizationScope): Promise<AdminOrganizationRow[]>;
  getOrganization(scope: OrganizationScope, id: string): Promise<AdminOrganizationRow | undefined>;
  /** Whether some organization names this tenant as its own or as its admins' tenant. */
  tenantKnown(tenantId: string): Promise<boolean>;
  setAdminTenant(organizationId: string, tenantId: string | null): Promise<void>;
  deleteCounts(organizationId: string): Promise<DeleteCounts>;
  enabledMailboxUserIds(organizationId: string): Promise<string[]>;
  mailboxUserIds(organizationId: string): Promise<string[]>;

  listUsers(organizationId: string, options: { q?: string; limit: number; cursor?: string }): Promise<{ users: AdminUserRow[]; total: number; nextCursor: string | null }>;
  getUser(organizationId: string, userId: string): Promise<AdminUserRow | undefined>;
  /** Users of other organizations holding any of these addresses (lower-cased) → their address. */
  emailsInOtherOrganizations(organizationId: string, emails: string[]): Promise<Set<string>>;

  createRun(input: { organizationId: string; accessKind: string; userIds: string[] | null; startedBy: string }): Promise<AccessCheckRunRow>;
  getRun(organizationId: string, runId: string): Promise<AccessCheckRunRow | undefined>;
  /** The run by id alone, for the job worker (which gets only the id). */
  getRunById(runId: string): Promise<AccessCheckRunRow | undefined>;
  activeRun(organizationId: string): Promise<AccessCheckRunRow | undefined>;
  listRuns(organizationId: string, limit: number): Promise<AccessCheckRunRow[]>;
  /** queued/running → running, with the total; undefined when the run is no longer startable. */
  markRunStarted(runId: string, total: number): Promise<AccessCheckRunRow | undefined>;
  /** Stores one user's result (first write wins: a resumed run never counts a user twice). */
  recordResult(runId: string, organizationId: string, result: { userId: string; ok: boolean; problem: string; message: string; ms: number }): Promise<boolean>;
  checkedUserIds(runId: string): Promise<Set<string>>;
  finishRun(runId: string, status: 'succeeded' | 'failed' | 'cancelled', error?: string): Promise<AccessCheckRunRow | undefined>;
  requestCancel(organizationId: string, runId: string): Promise<AccessCheckRunRow | undefined>;
  listResults(organizationId: string, runId: string, options: { outcome?: 'passed' | 'failed'; limit: number; afterSeq?: string }): Promise<AccessCheckResultRow[]>;
  /** Each user's latest result (of any run). */
  latestResults(organizationId: string, userIds?: string[]): Promise<Map<string, AccessCheckResultRow>>;

  createImport(input: { organizationId: string; fileName: string | null; startedBy: string; totalRows: number; delimiter: ',' | ';' | null }): Promise<CsvImportRow>;
  updateImport(id: string, patch: Partial<Pick<CsvImportRow, 'status' | 'processedRows' | 'created' | 'updated' | 'unchanged' | 'rejected' | 'errors' | 'c4cCheck' | 'failure' | 'totalRows' | 'delimiter'>> & { finished?: boolean }): Promise<CsvImportRow | undefined>;
  getImport(organizationId: string, id: string): Promise<CsvImportRow | undefined>;
  /** Imports left `running` by a relay that stopped: marked failed (their committed batches stay; re-import is safe). */
  failInterruptedImports(olderThan: Date): Promise<number>;

  listAudit(filter: AuditFilter): Promise<AuditRow[]>;

  /** When the sealed secrets were last set (kept by 004_admin's triggers), and how many users gave their own. */
  secretDates(organizationId: string): Promise<{ accessSecretSetAt: Date | null; c4cPasswordSetAt: Date | null; usersWithCredential: number }>;
}

export function createAdminRepository(db: Queryable): AdminRepository {
  return {
    async listOrganizations(scope) {
      const { rows } = await db.query<OrgRow>(`${ORG_SELECT} WHERE ${scopeClause(scope, 1)} ORDER BY o.name, o.id`, scope.all ? [] : [scope.tenantId]);
      return rows.map(toOrg);
    },

    async getOrganization(scope, id) {
      if (!isId(id)) return undefined;
      const { rows } = await db.query<OrgRow>(`${ORG_SELECT} WHERE o.id = $1 AND ${scopeClause(scope, 2)}`, scope.all ? [id] : [id, scope.tenantId]);
      return rows[0] ? toOrg(rows[0]) : undefined;
    },

    async tenantKnown(tenantId) {
      if (!isId(tenantId)) return false;
      const { rows } = await db.query('SELECT 1 FROM organizations WHERE entra_tenant_id = $1::uuid OR admin_tenant_id = $1::uuid LIMIT 1', [tenantId.toLowerCase()]);
      return rows.length > 0;
    },

    async setAdminTenant(organizationId, tenantId) {
      await db.query('UPDATE organizations SET admin_tenant_id = $2::uuid WHERE id = $1', [organizationId, tenantId]);
    },

    async deleteCounts(organizationId) {
      const { rows } = await db.query<Record<string, string | number | boolean>>(
        `SELECT
           (SELECT count(*) FROM users WHERE organization_id = $1) AS users,
           EXISTS (SELECT 1 FROM c4c_connections WHERE organization_id = $1) AS c4c_password,
           EXISTS (SELECT 1 FROM mailbox_access WHERE organization_id = $1 AND secret_ciphertext IS NOT NULL) AS access_secret,
           (SELECT count(*) FROM mailbox_credentials WHERE organization_id = $1) AS user_credentials,
           (SELECT count(*) FROM mailboxes WHERE organization_id = $1) AS mailboxes,
           (SELECT count(*) FROM mailboxes WHERE organization_id = $1 AND status = 'enabled') AS enabled_mailboxes,
           (SELECT count(*) FROM access_check_runs WHERE organization_id = $1) AS runs,
           (SELECT count(*) FROM audit_log WHERE organization_id = $1) AS audit`,
        [organizationId],
      );
      const r = rows[0];
      return {
        users: Number(r.users),
        c4cPassword: Boolean(r.c4c_password),
        mailboxAccessSecret: Boolean(r.access_secret),
        userCredentials: Number(r.user_credentials),
        mailboxes: Number(r.mailboxes),
        enabledMailboxes: Number(r.enabled_mailboxes),
        accessCheckRuns: Number(r.runs),
        auditEntries: Number(r.audit),
      };
    },

    async enabledMailboxUserIds(organizationId) {
      const { rows } = await db.query<{ user_id: string }>("SELECT user_id FROM mailboxes WHERE organization_id = $1 AND status = 'enabled'", [organizationId]);
      return rows.map((r) => r.user_id);
    },

    async mailboxUserIds(organizationId) {
      const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM mailboxes WHERE organization_id = $1', [organizationId]);
      return rows.map((r) => r.user_id);
    },

    async listUsers(organizationId, options) {
      if (!isId(organizationId)) return { users: [], total: 0, nextCursor: null };
      const after = decodeCursor(options.cursor, 2);
      const params: unknown[] = [organizationId];
      let filter = '';
      if (options.q) {
        params.push(likePattern(options.q));
        const p = `$${params.length}`;
        filter = ` AND (lower(u.display_name) LIKE ${p} OR lower(u.email) LIKE ${p} OR lower(coalesce(u.mailbox_login, '')) LIKE ${p}
                   OR lower(coalesce(u.c4c_login, '')) LIKE ${p} OR lower(coalesce(u.c4c_user_id, '')) LIKE ${p})`;
      }
      const countParams = [...params];
      let keyset = '';
      if (after) {
        if (typeof after[0] !== 'string' || !isId(after[1])) throw new InvalidCursorError();
        params.push(after[0], after[1]);
        keyset = ` AND (lower(u.display_name), u.id) > ($${params.length - 1}::text, $${params.length}::uuid)`;
      }
      params.push(options.limit + 1);
      const { rows } = await db.query<UserRow>(
        `${USER_SELECT} WHERE u.organization_id = $1${filter}${keyset} ORDER BY lower(u.display_name), u.id LIMIT $${params.length}`,
        params,
      );
      const { rows: countRows } = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM users u WHERE u.organization_id = $1${filter}`, countParams);
      const page = rows.slice(0, options.limit);
      const last = page[page.length - 1];
      return {
        users: page.map(toUser),
        total: Number(countRows[0].n),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.sort_name, last.id]) : null,
      };
    },

    async getUser(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      const { rows } = await db.query<UserRow>(`${USER_SELECT} WHERE u.organization_id = $1 AND u.id = $2`, [organizationId, userId]);
      return rows[0] ? toUser(rows[0]) : undefined;
    },

    async emailsInOtherOrganizations(organizationId, emails) {
      if (emails.length === 0) return new Set();
      const { rows } = await db.query<{ email: string }>(
        'SELECT DISTINCT lower(email) AS email FROM users WHERE organization_id <> $1 AND lower(email) = ANY($2::text[])',
        [organizationId, emails.map((e) => e.toLowerCase())],
      );
      return new Set(rows.map((r) => r.email));
    },

    async createRun(input) {
      const { rows } = await db.query<RunRow>(
        `INSERT INTO access_check_runs (organization_id, access_kind, user_ids, started_by) VALUES ($1, $2, $3::jsonb, $4) RETURNING ${RUN_COLUMNS}`,
        [input.organizationId, input.accessKind, input.userIds === null ? null : JSON.stringify(input.userIds), input.startedBy.slice(0, 300)],
      );
      return toRun(rows[0]);
    },

    async getRun(organizationId, runId) {
      if (!isId(organizationId) || !isId(runId)) return undefined;
      const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM access_check_runs WHERE organization_id = $1 AND id = $2`, [organizationId, runId]);
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async getRunById(runId) {
      if (!isId(runId)) return undefined;
      const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM access_check_runs WHERE id = $1`, [runId]);
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async activeRun(organizationId) {
      const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM access_check_runs WHERE organization_id = $1 AND status IN ('queued', 'running')`, [organizationId]);
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async listRuns(organizationId, limit) {
      if (!isId(organizationId)) return [];
      const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM access_check_runs WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [organizationId, limit]);
      return rows.map(toRun);
    },

    async markRunStarted(runId, total) {
      const { rows } = await db.query<RunRow>(
        `UPDATE access_check_runs SET status = 'running', total = $2, started_at = coalesce(started_at, now())
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${RUN_COLUMNS}`,
        [runId, total],
      );
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async recordResult(runId, organizationId, result) {
      // One statement: the result row and the run's counters move together, and a repeated user is a no-op.
      const { rows } = await db.query<{ inserted: boolean }>(
        `WITH ins AS (
           INSERT INTO access_check_results (run_id, organization_id, user_id, ok, problem, message, ms)
           SELECT $1, $2, u.id, $4, $5, $6, $7 FROM users u WHERE u.id = $3 AND u.organization_id = $2
           ON CONFLICT (run_id, user_id) DO NOTHING RETURNING ok
         ), upd AS (
           UPDATE access_check_runs SET checked = checked + (SELECT count(*) FROM ins),
             passed = passed + (SELECT count(*) FROM ins WHERE ok), failed = failed + (SELECT count(*) FROM ins WHERE NOT ok)
           WHERE id = $1 RETURNING id
         )
         SELECT EXISTS (SELECT 1 FROM ins) AS inserted FROM upd`,
        [runId, organizationId, result.userId, result.ok, result.problem, result.message.slice(0, 2000), Math.round(result.ms)],
      );
      return Boolean(rows[0]?.inserted);
    },

    async checkedUserIds(runId) {
      const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM access_check_results WHERE run_id = $1', [runId]);
      return new Set(rows.map((r) => r.user_id));
    },

    async finishRun(runId, status, error) {
      const { rows } = await db.query<RunRow>(
        `UPDATE access_check_runs SET status = $2, error = $3, finished_at = now()
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${RUN_COLUMNS}`,
        [runId, status, error ?? null],
      );
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async requestCancel(organizationId, runId) {
      if (!isId(organizationId) || !isId(runId)) return undefined;
      // A queued run never started: it ends at once. A running one stops at its next user.
      const { rows } = await db.query<RunRow>(
        `UPDATE access_check_runs SET cancel_requested = true,
           status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
           finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
         WHERE organization_id = $1 AND id = $2 RETURNING ${RUN_COLUMNS}`,
        [organizationId, runId],
      );
      return rows[0] ? toRun(rows[0]) : undefined;
    },

    async listResults(organizationId, runId, options) {
      const params: unknown[] = [organizationId, runId];
      let where = 'r.organization_id = $1 AND r.run_id = $2';
      if (options.outcome) where += options.outcome === 'passed' ? ' AND r.ok' : ' AND NOT r.ok';
      if (options.afterSeq) {
        params.push(options.afterSeq);
        where += ` AND r.seq > $${params.length}::bigint`;
      }
      params.push(options.limit);
      const { rows } = await db.query<{ user_id: string; email: string; display_name: string; ok: boolean; problem: string; message: string; checked_at: Date; ms: number; seq: string }>(
        `SELECT r.user_id, u.email, u.display_name, r.ok, r.problem, r.message, r.checked_at, r.ms, r.seq::text AS seq
         FROM access_check_results r JOIN users u ON u.id = r.user_id
         WHERE ${where} ORDER BY r.seq LIMIT $${params.length}`,
        params,
      );
      return rows.map((r) => ({ userId: r.user_id, email: r.email, displayName: r.display_name, ok: r.ok, problem: r.problem, message: r.message, checkedAt: new Date(r.checked_at), ms: r.ms, seq: r.seq }));
    },

    async latestResults(organizationId, userIds) {
      const params: unknown[] = [organizationId];
      let filter = '';
      if (userIds) {
        params.push(userIds);
        filter = ' AND r.user_id = ANY($2::uuid[])';
      }
      const { rows } = await db.query<{ user_id: string; email: string; display_name: string; ok: boolean; problem: string; message: string; checked_at: Date; ms: number; seq: string }>(
        `SELECT DISTINCT ON (r.user_id) r.user_id, u.email, u.display_name, r.ok, r.problem, r.message, r.checked_at, r.ms, r.seq::text AS seq
         FROM access_check_results r JOIN users u ON u.id = r.user_id
         WHERE r.organization_id = $1${filter} ORDER BY r.user_id, r.checked_at DESC, r.seq DESC`,
        params,
      );
      return new Map(rows.map((r) => [r.user_id, { userId: r.user_id, email: r.email, displayName: r.display_name, ok: r.ok, problem: r.problem, message: r.message, checkedAt: new Date(r.checked_at), ms: r.ms, seq: r.seq }]));
    },

    async createImport(input) {
      const { rows } = await db.query<ImportRow>(
        `INSERT INTO csv_imports (organization_id, file_name, started_by, total_rows, delimiter) VALUES ($1, $2, $3, $4, $5) RETURNING ${IMPORT_COLUMNS}`,
        [input.organizationId, input.fileName, input.startedBy.slice(0, 300), input.totalRows, input.delimiter],
      );
      return toImport(rows[0]);
    },

    async updateImport(id, patch) {
      const { rows } = await db.query<ImportRow>(
        `UPDATE csv_imports SET
           status = coalesce($2, status), processed_rows = coalesce($3, processed_rows), created = coalesce($4, created),
           updated = coalesce($5, updated), unchanged = coalesce($6, unchanged), rejected = coalesce($7, rejected),
           errors = coalesce($8::jsonb, errors), c4c_check = coalesce($9::jsonb, c4c_check), failure = coalesce($10, failure),
           total_rows = coalesce($11, total_rows), delimiter = coalesce($12, delimiter),
           finished_at = CASE WHEN $13::boolean THEN now() ELSE finished_at END
         WHERE id = $1 RETURNING ${IMPORT_COLUMNS}`,
        [
          id,
          patch.status ?? null,
          patch.processedRows ?? null,
          patch.created ?? null,
          patch.updated ?? null,
          patch.unchanged ?? null,
          patch.rejected ?? null,
          patch.errors === undefined ? null : JSON.stringify(patch.errors),
          patch.c4cCheck === undefined ? null : JSON.stringify(patch.c4cCheck),
          patch.failure ?? null,
          patch.totalRows ?? null,
          patch.delimiter ?? null,
          patch.finished === true,
        ],
      );
      return rows[0] ? toImport(rows[0]) : undefined;
    },

    async getImport(organizationId, id) {
      if (!isId(organizationId) || !isId(id)) return undefined;
      const { rows } = await db.query<ImportRow>(`SELECT ${IMPORT_COLUMNS} FROM csv_imports WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
      return rows[0] ? toImport(rows[0]) : undefined;
    },

    async failInterruptedImports(olderThan) {
      const { rowCount } = await db.query(
        `UPDATE csv_imports SET status = 'failed', failure = 'The relay stopped during the import. Rows of finished batches were saved; import the file again to finish (rows already imported stay unchanged).', finished_at = now()
         WHERE status = 'running' AND started_at < $1::timestamptz`,
        // ISO text, not a Date: PGlite under Jest rejects Dates of another realm.
        [olderThan.toISOString()],
      );
      return rowCount;
    },

    async secretDates(organizationId) {
      const { rows } = await db.query<{ a: Date | null; c: Date | null; n: string | number }>(
        `SELECT (SELECT secret_set_at FROM mailbox_access WHERE organization_id = $1) AS a,
                (SELECT password_set_at FROM c4c_connections WHERE organization_id = $1) AS c,
                (SELECT count(*) FROM mailbox_credentials WHERE organization_id = $1) AS n`,
        [organizationId],
      );
      const r = rows[0];
      return { accessSecretSetAt: dateOrNull(r.a), c4cPasswordSetAt: dateOrNull(r.c), usersWithCredential: Number(r.n) };
    },

    async listAudit(filter) {
      const params: unknown[] = [];
      const where: string[] = [];
      if (filter.organizationId !== null) {
        params.push(filter.organizationId);
        where.push(`organization_id = $${params.length}`);
      }
      if (filter.action) {
        const prefix = filter.action.endsWith('*') ? filter.action.slice(0, -1) : filter.action.endsWith('.') ? filter.action : undefined;
        if (prefix !== undefined) {
          params.push(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
          where.push(`action LIKE $${params.length}`);
        } else {
          params.push(filter.action);
          where.push(`action = $${params.length}`);
        }
      }
      if (filter.actor) {
        params.push(likePattern(filter.actor));
        where.push(`lower(actor) LIKE $${params.length}`);
      }
      if (filter.from) {
        params.push(filter.from.toISOString());
        where.push(`at >= $${params.length}::timestamptz`);
      }
      if (filter.to) {
        params.push(filter.to.toISOString());
        where.push(`at <= $${params.length}::timestamptz`);
      }
      if (filter.beforeId) {
        params.push(filter.beforeId);
        where.push(`id < $${params.length}::bigint`);
      }
      params.push(filter.limit);
      const { rows } = await db.query<{ id: string; organization_id: string | null; actor: string; action: string; details: Record<string, unknown>; at: Date }>(
        `SELECT id::text AS id, organization_id, actor, action, details, at FROM audit_log
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map((r) => ({ id: r.id, organizationId: r.organization_id, actor: r.actor, action: r.action, details: r.details ?? {}, at: new Date(r.at) }));
    },
  };
}
