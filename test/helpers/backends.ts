/**
 * Run a test suite against both database back ends: embedded PGlite (in memory) and a real PostgreSQL.
 *
 *   describeEachBackend('users', (backend) => {
 *     it('…', async () => { const db = backend.db(); … });
 *   });
 *
 * PostgreSQL: TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test. Each suite gets a fresh schema
 * `t_<random>` (selected through the connection string's `options=-c search_path=…`) that is dropped afterwards,
 * so parallel Jest workers and parallel checkouts never see each other's tables.
 * Without a reachable server the PostgreSQL half is skipped with a console message, except when CI=true: there
 * it runs anyway and fails, because a silently skipped half is how regressions ship.
 *
 * Migrations are applied before the suite unless `{ migrate: false }` is passed.
 */
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { openDb, type Db } from '../../relay/store/db';
import { migrate } from '../../relay/store/migrate';

export type BackendKind = Db['kind'];

export interface BackendContext {
  kind: BackendKind;
  /** The suite's Db (opened in beforeAll, closed in afterAll). */
  db(): Db;
  /** A fresh, unique name for extra schemas the suite creates (e.g. the job queue's); dropped in afterAll. */
  uniqueSchema(prefix: string): string;
  /** Opens another Db on the same database/schema (PostgreSQL) — for "two relay instances" tests. Null on PGlite. */
  openAnother(): Promise<Db | null>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresReachable: boolean | undefined;

/**
 * Decided synchronously, because Jest needs to know at collection time whether to skip a describe block.
 * A child process tries to connect and exits 0/1.
 */
export function isPostgresReachable(): boolean {
  if (postgresReachable !== undefined) return postgresReachable;
  const script = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
  `;
  const result = spawnSync(process.execPath, ['-e', script, TEST_DATABASE_URL], { cwd: __dirname, timeout: 10000 });
  postgresReachable = result.status === 0;
  return postgresReachable;
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface DescribeEachBackendOptions {
  migrate?: boolean;
}

export function describeEachBackend(
  name: string,
  fn: (backend: BackendContext) => void,
  options: DescribeEachBackendOptions = {},
): void {
  const shouldMigrate = options.migrate ?? true;

  describe(`${name} [pglite]`, () => {
    let db: Db | undefined;
    beforeAll(async () => {
      db = await openDb({ dataDir: 'memory://' });
      if (shouldMigrate) await migrate(db);
    });
    afterAll(async () => {
      await db?.close();
    });
    fn({
      kind: 'pglite',
      db: () => {
        if (!db) throw new Error('db not open yet (use it inside a test or hook)');
        return db;
      },
      uniqueSchema: (prefix) => `${prefix}_${crypto.randomBytes(4).toString('hex')}`,
      openAnother: async () => null,
    });
  });

  const runPostgres = process.env.CI === 'true' || isPostgresReachable();
  if (!runPostgres) {
    console.warn(`[${name}] PostgreSQL at ${TEST_DATABASE_URL} is not reachable: skipping the PostgreSQL half (set CI=true to make this fail).`);
  }
  (runPostgres ? describe : describe.skip)(`${name} [postgres]`, () => {
    const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
    const extraSchemas: string[] = [];
    const opened: Db[] = [];
    let db: Db | undefined;
    const url = withSearchPath(TEST_DATABASE_URL, schema);
    beforeAll(async () => {
      await adminQuery(`CREATE SCHEMA ${schema}`);
      db = await openDb({ databaseUrl: url });
      if (shouldMigrate) await migrate(db);
    });
    afterAll(async () => {
      for (const other of opened) await other.close();
      await db?.close();
      for (const extra of [schema, ...extraSchemas]) await adminQuery(`DROP SCHEMA IF EXISTS ${extra} CASCADE`);
    });
    fn({
      kind: 'postgres',
      db: () => {
        if (!db) throw new Error('db not open yet (use it inside a test or hook)');
        return db;
      },
      uniqueSchema: (prefix) => {
        const extra = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
        extraSchemas.push(extra);
        return extra;
      },
      openAnother: async () => {
        const another = await openDb({ databaseUrl: url });
        opened.push(another);
        return another;
      },
    });
  });
}
