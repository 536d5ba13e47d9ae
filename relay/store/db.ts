/**
 * One small database interface over two back ends: embedded PGlite (WASM PostgreSQL in a data folder, the default)
 * and a real PostgreSQL server through a `pg` Pool (when a database URL is configured).
 *
 * Both speak the same SQL, so repositories and migrations are written once. Differences this module hides:
 * - PGlite is a single connection. Its own mutex already makes `query`/`exec` wait while a `transaction()` runs, so
 *   statements of concurrent callers never interleave inside another caller's transaction. The one rule for callers:
 *   inside `transaction(fn)`, use the `tx` handed to `fn`, never the outer `db` (that would wait for the transaction
 *   that is waiting for it: a deadlock on PGlite, and silently outside the transaction on PostgreSQL).
 * - `pg` needs a dedicated client per transaction; `transaction()` checks one out of the pool and releases it.
 * - Multi-statement scripts (migrations): PGlite's `exec`, and pg's simple query protocol (a query without params).
 */
import fs from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { Pool, type PoolClient, type QueryResult as PgResult } from 'pg';

export interface QueryResult<T> {
  rows: T[];
  /** Rows returned (SELECT / RETURNING) or affected (INSERT / UPDATE / DELETE without RETURNING). */
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

/** What a transaction callback receives: a Queryable that can also run a multi-statement script. */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs a multi-statement script without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is re-thrown). */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /**
   * postgres:// URL of a real server. Extra server settings ride along in the URL, e.g.
   * `?options=-c%20search_path%3Dmy_schema` (the tests use this to give each run its own schema).
   */
  databaseUrl?: string;
  /** PGlite data folder (created when missing); 'memory://' keeps everything in memory. Default 'memory://'. */
  dataDir?: string;
  /** pg Pool size (PostgreSQL only). */
  poolSize?: number;
}

type PgliteModule = typeof import('@electric-sql/pglite');

/**
 * PGlite is one connection in the relay's own process, and its WASM memory never shrinks: PostgreSQL's server-sized
 * default of 128 MB shared buffers was ~120 MB of the relay's idle RSS (measured, issue 12). 16 MB holds the hot
 * pages of a small deployment; larger ones run on PostgreSQL (DATABASE_URL).
 */
const PGLITE_CONF = ['shared_buffers = 16MB'];

/**
 * How PGlite gets loaded. Normally an ordinary `require`. Under Jest, test code runs in a vm context whose module
 * system rejects dynamic `import()` (unless Node runs with --experimental-vm-modules), and PGlite's WASM loader uses
 * `import()`; so there PGlite is loaded by Node's own loader (`Module._load`, the long-stable entry point that
 * module-mocking tools also use), outside the sandbox, where `import()` works.
 * Consequence under Jest only: PGlite's objects come from the main context, so `rowsOf` rebuilds rows and dates in
 * the caller's context (`toEqual`, `instanceof Date` keep working); JSON values are left as they are.
 */
function loadPglite(): typeof PGlite {
  if (process.env.JEST_WORKER_ID === undefined) {
    return (require('@electric-sql/pglite') as PgliteModule).PGlite;
  }
  // Node's internal loader is not in @types/node; this is its documented-by-use signature.
  const nodeModule = require('node:module') as { _load(request: string, parent: null, isMain: boolean): PgliteModule };
  return nodeModule._load(require.resolve('@electric-sql/pglite'), null, false).PGlite;
}

const toStringTag = Object.prototype.toString;

function rowsOf<T>(rows: unknown[]): T[] {
  return rows.map((row) => {
    const copy: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
      copy[column] = toStringTag.call(value) === '[object Date]' ? new Date((value as Date).getTime()) : value;
    }
    return copy as T;
  });
}

/** `undefined` is not a SQL value; both drivers would reject or mis-serialize it, so it becomes NULL. */
function normalizeParams(params?: unknown[]): unknown[] | undefined {
  return params?.map((value) => (value === undefined ? null : value));
}

function pgliteRowCount(result: { rows: unknown[]; affectedRows?: number; command?: string }): number {
  // PGlite reports affectedRows for INSERT/UPDATE/DELETE; for SELECT (and RETURNING) the row count is what callers mean.
  if (result.rows.length > 0) return result.rows.length;
  return result.affectedRows ?? 0;
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly pg: PGlite) {}

  async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const result = await this.pg.query<T>(sql, normalizeParams(params));
    return { rows: rowsOf<T>(result.rows), rowCount: pgliteRowCount(result) };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  /**
   * Results of every statement of a script; the job queue adapter needs the last one's rows.
   * The script runs inside PGlite's transaction wrapper on purpose: a script with its own `BEGIN … COMMIT` (pg-boss
   * sends those) that fails half-way would otherwise leave the single shared connection in an aborted transaction,
   * breaking every later statement. The wrapper rolls back on error while still holding PGlite's mutex. When the
   * script succeeds, its own BEGIN/COMMIT only earn harmless "already/no transaction in progress" warnings.
   */
  async execScript(sql: string): Promise<Array<{ rows: unknown[] }>> {
    const results = await this.pg.transaction((tx) => tx.exec(sql));
    return results.map((result) => ({ rows: rowsOf(result.rows) }));
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (inner) => {
      const tx: Transaction = {
        query: async <R>(sql: string, params?: unknown[]) => {
          const result = await inner.query<R>(sql, normalizeParams(params));
          return { rows: rowsOf<R>(result.rows), rowCount: pgliteRowCount(result) };
        },
        exec: async (sql: string) => {
          await inner.exec(sql);
        },
      };
      return fn(tx);
    });
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

function wrapPgClient(client: Pool | PoolClient): Transaction {
  return {
    query: async <R>(sql: string, params?: unknown[]) => {
      // pg's own generic requires QueryResultRow; our rows are plain objects either way.
      const raw: PgResult | PgResult[] = await client.query(sql, normalizeParams(params));
      // Several statements without params come back as one result each; report the last, as PGlite's exec does.
      const result = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      return { rows: (result?.rows ?? []) as R[], rowCount: result?.rowCount ?? result?.rows.length ?? 0 };
    },
    exec: async (sql: string) => {
      // No params → simple query protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly direct: Transaction;
  constructor(readonly pool: Pool) {
    this.direct = wrapPgClient(pool);
  }

  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.direct.query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.direct.exec(sql);
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(wrapPgClient(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection itself failed; do not hand it back to the pool.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, application_name: 'relay' });
    // An idle client losing its connection emits 'error' on the pool; without a listener Node would crash.
    pool.on('error', () => undefined);
    const db = new PostgresDb(pool);
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return db;
  }
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.includes('://')) fs.mkdirSync(dataDir, { recursive: true });
  const pg = await loadPglite().create(dataDir, { postgresqlconf: PGLITE_CONF });
  return new PgliteDb(pg);
}

/** For the job queue adapter, which needs the rows of the last statement of a PGlite script. */
export function pgliteScriptRunner(db: Db): ((sql: string) => Promise<Array<{ rows: unknown[] }>>) | undefined {
  return db instanceof PgliteDb ? (sql) => db.execScript(sql) : undefined;
}

/** The pg Pool behind a PostgreSQL Db (the job queue runs its own statements on it). */
export function postgresPool(db: Db): Pool | undefined {
  return db instanceof PostgresDb ? db.pool : undefined;
}
