/**
 * Schema migrations: numbered `NNN_name.sql` files in `relay/store/migrations/`, applied in order at start-up.
 *
 * - Each migration runs in its own transaction together with its `schema_migrations` row, so it is applied fully or
 *   not at all.
 * - Every step takes a transaction-scoped advisory lock (`pg_advisory_xact_lock`, also available in PGlite), so
 *   several relay instances starting at once against one PostgreSQL apply each migration exactly once; the losers
 *   re-check inside the lock and skip what the winner applied.
 * - A checksum (SHA-256 of the file, line endings normalized) is stored per migration. If an applied file was edited
 *   afterwards, `migrate` refuses to run: a changed migration means the database and the code disagree on the
 *   schema, and silently continuing would hide it. Add a new migration instead.
 *
 * Where the .sql files live: next to this module when run from TypeScript (tsx, jest). `tsc` does not copy .sql
 * files, so the compiled module in `dist/server/relay/store/` falls back to the source folder
 * `<project root>/relay/store/migrations` (four levels up). Tests and unusual layouts pass the `dir` option.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from './db';

export interface Migration {
  version: number;
  /** File name without `.sql`, e.g. `001_initial`. */
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

export function defaultMigrationsDir(): string {
  const candidates = [
    path.resolve(__dirname, 'migrations'),
    // Compiled: dist/server/relay/store → project root is four levels up.
    path.resolve(__dirname, '..', '..', '..', '..', 'relay', 'store', 'migrations'),
  ];
  const found = candidates.find((dir) => fs.existsSync(dir));
  if (!found) throw new MigrationError(`migrations folder not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function checksumOf(sql: string): string {
  return crypto.createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new MigrationError(`migration file name must look like 001_name.sql: ${file}`);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    migrations.push({ version: Number(match[1]), name: file.slice(0, -'.sql'.length), checksum: checksumOf(sql), sql });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i += 1) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationError(`two migrations share version ${migrations[i].version}: ${migrations[i - 1].name}, ${migrations[i].name}`);
    }
  }
  return migrations;
}

// One lock per schema, so test runs in separate schemas of one database do not wait for each other.
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.schema_migrations'))`;

const CREATE_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function readApplied(q: Queryable): Promise<Map<number, AppliedRow>> {
  const { rows } = await q.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
  return new Map(rows.map((row) => [row.version, row]));
}

function verify(applied: Map<number, AppliedRow>, migrations: Migration[]): void {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied.values()) {
    const file = byVersion.get(row.version);
    if (!file) {
      // A database ahead of the code (e.g. a rollback to an older release) must not be written to by old code.
      throw new MigrationError(`applied migration ${row.name} is missing from the migrations folder (is this relay older than the database?)`);
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${row.name} was changed after it was applied (checksum mismatch); restore the file and add a new migration instead`,
      );
    }
  }
}

export interface MigrateResult {
  applied: string[];
}

/** Applies every pending migration. Safe to call from several processes at once; a second call applies nothing. */
export async function migrate(db: Db, options: { dir?: string } = {}): Promise<MigrateResult> {
  const migrations = loadMigrations(options.dir);
  await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    await tx.query(CREATE_TABLE_SQL);
  });
  // Verify everything before touching anything, so a tampered history stops start-up without side effects.
  const pending = await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    const applied = await readApplied(tx);
    verify(applied, migrations);
    return migrations.filter((m) => !applied.has(m.version));
  });

  const appliedNow: string[] = [];
  for (const migration of pending) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query(LOCK_SQL);
      // Another instance may have applied it while we waited for the lock.
      const { rows } = await tx.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations WHERE version = $1', [migration.version]);
      if (rows.length > 0) {
        if (rows[0].checksum !== migration.checksum) {
          throw new MigrationError(`migration ${migration.name} was applied by another instance with different contents`);
        }
        return false;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        // PGlite errors may come from another realm under Jest, so read `message` rather than test instanceof Error.
        const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
        throw new MigrationError(`migration ${migration.name} failed: ${message}`);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (didApply) appliedNow.push(migration.name);
  }
  return { applied: appliedNow };
}

/** For /readyz: what is applied and what is still pending. Read-only; never creates the bookkeeping table. */
export async function migrationStatus(db: Queryable, options: { dir?: string } = {}): Promise<MigrationStatus> {
  const migrations = loadMigrations(options.dir);
  const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  const applied = rows[0]?.present ? await readApplied(db) : new Map<number, AppliedRow>();
  return {
    applied: [...applied.values()].map((row) => row.name),
    pending: migrations.filter((m) => !applied.has(m.version)).map((m) => m.name),
  };
}
