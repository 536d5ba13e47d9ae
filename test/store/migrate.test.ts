import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultMigrationsDir, loadMigrations, migrate, MigrationError, migrationStatus } from '../../relay/store/migrate';
import type { Db } from '../../relay/store/db';
import { describeEachBackend } from '../helpers/backends';

const realMigrations = loadMigrations().map((m) => m.name);

function migrationsDirWith(extra: Record<string, string>, changes: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-migrations-'));
  for (const file of fs.readdirSync(defaultMigrationsDir())) {
    fs.copyFileSync(path.join(defaultMigrationsDir(), file), path.join(dir, file));
  }
  for (const [file, sql] of Object.entries({ ...changes, ...extra })) fs.writeFileSync(path.join(dir, file), sql);
  return dir;
}

async function tableExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return rows[0].present;
}

describe('migration files', () => {
  it('are found next to the source and start with 001_initial', () => {
    expect(defaultMigrationsDir()).toBe(path.resolve(__dirname, '../../relay/store/migrations'));
    expect(realMigrations[0]).toBe('001_initial');
  });

  it('refuses badly named files and duplicate versions', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-migrations-'));
    fs.writeFileSync(path.join(dir, 'initial.sql'), 'SELECT 1');
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
    fs.rmSync(path.join(dir, 'initial.sql'));
    fs.writeFileSync(path.join(dir, '001_a.sql'), 'SELECT 1');
    fs.writeFileSync(path.join(dir, '01_b.sql'), 'SELECT 1');
    expect(() => loadMigrations(dir)).toThrow(/share version 1/);
  });

  it('orders by number, not by text (2 before 10)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-migrations-'));
    fs.writeFileSync(path.join(dir, '10_late.sql'), 'SELECT 1');
    fs.writeFileSync(path.join(dir, '2_early.sql'), 'SELECT 1');
    expect(loadMigrations(dir).map((m) => m.name)).toEqual(['2_early', '10_late']);
  });
});

describeEachBackend(
  'migrate',
  (backend) => {
    it('reports everything pending on an empty database, without creating anything', async () => {
      const db = backend.db();
      expect(await migrationStatus(db)).toEqual({ applied: [], pending: realMigrations });
      expect(await tableExists(db, 'schema_migrations')).toBe(false);
    });

    it('applies all migrations once; a second run applies nothing', async () => {
      const db = backend.db();
      expect(await migrate(db)).toEqual({ applied: realMigrations });
      for (const table of ['organizations', 'users', 'c4c_connections', 'email_saves', 'appointment_creates', 'audit_log']) {
        expect(await tableExists(db, table)).toBe(true);
      }
      const { rows } = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
        'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.name)).toEqual(realMigrations);
      expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0].applied_at).toBeInstanceOf(Date);

      expect(await migrate(db)).toEqual({ applied: [] });
      const again = await db.query('SELECT version FROM schema_migrations');
      expect(again.rowCount).toBe(realMigrations.length);
      expect(await migrationStatus(db)).toEqual({ applied: realMigrations, pending: [] });
    });

    it('refuses to run when an applied migration was edited, and changes nothing', async () => {
      const db = backend.db();
      const dir = migrationsDirWith(
        { '900_should_not_run.sql': 'CREATE TABLE should_not_exist (id int);' },
        { '001_initial.sql': `${fs.readFileSync(path.join(defaultMigrationsDir(), '001_initial.sql'), 'utf8')}\n-- edited\n` },
      );
      await expect(migrate(db, { dir })).rejects.toThrow(/001_initial was changed after it was applied/);
      expect(await tableExists(db, 'should_not_exist')).toBe(false);
    });

    it('treats CRLF line endings as the same file (a Windows checkout is not an edit)', async () => {
      const db = backend.db();
      const original = fs.readFileSync(path.join(defaultMigrationsDir(), '001_initial.sql'), 'utf8');
      const dir = migrationsDirWith({}, { '001_initial.sql': original.replace(/\n/g, '\r\n') });
      expect(await migrate(db, { dir })).toEqual({ applied: [] });
    });

    it('refuses to run when the database has a migration the code does not know', async () => {
      const db = backend.db();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-migrations-'));
      fs.writeFileSync(path.join(dir, '002_other.sql'), 'SELECT 1;');
      await expect(migrate(db, { dir })).rejects.toThrow(/001_initial is missing/);
    });

    it('rolls a failing migration back completely and does not record it', async () => {
      const db = backend.db();
      const dir = migrationsDirWith({
        '901_half_done.sql': 'CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT no_such_function();',
      });
      await expect(migrate(db, { dir })).rejects.toThrow(/901_half_done failed/);
      expect(await tableExists(db, 'half_done')).toBe(false);
      expect((await migrationStatus(db, { dir })).pending).toEqual(['901_half_done']);
    });

    it('applies a new migration exactly once when several instances migrate at the same time', async () => {
      const db = backend.db();
      const dir = migrationsDirWith({
        // Slow enough that without the advisory lock the instances would overlap and both try to apply it.
        '902_concurrent.sql': 'SELECT pg_sleep(0.3);\nCREATE TABLE concurrent_once (id int);\nINSERT INTO concurrent_once VALUES (1);',
      });
      const others = await Promise.all([backend.openAnother(), backend.openAnother()]);
      // PGlite has one connection per Db, so "instances" there are concurrent callers on the same Db.
      const instances = others.every((o) => o !== null) ? [db, ...(others as Db[])] : [db, db, db];
      const results = await Promise.all(instances.map((instance) => migrate(instance, { dir })));
      const appliedBy = results.filter((r) => r.applied.includes('902_concurrent'));
      expect(appliedBy).toHaveLength(1);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM concurrent_once');
      expect(rows[0].n).toBe(1);
      expect((await migrationStatus(db, { dir })).pending).toEqual([]);
    });
  },
  { migrate: false },
);
