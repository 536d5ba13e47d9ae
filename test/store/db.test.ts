import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../relay/store/db';
import { describeEachBackend } from '../helpers/backends';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachBackend(
  'Db',
  (backend) => {
    beforeAll(async () => {
      await backend.db().exec('CREATE TABLE items (id int PRIMARY KEY, label text, created timestamptz DEFAULT now(), meta jsonb);');
    });

    it('runs parameterized queries and reports row counts', async () => {
      const db = backend.db();
      const inserted = await db.query('INSERT INTO items (id, label, meta) VALUES ($1, $2, $3::jsonb), ($4, $5, NULL)', [
        1,
        'one',
        JSON.stringify({ tags: ['a'] }),
        2,
        undefined,
      ]);
      expect(inserted.rowCount).toBe(2);
      const { rows, rowCount } = await db.query<{ id: number; label: string | null; created: Date; meta: unknown }>(
        'SELECT id, label, created, meta FROM items ORDER BY id',
      );
      expect(rowCount).toBe(2);
      expect(rows[0]).toMatchObject({ id: 1, label: 'one', meta: { tags: ['a'] } });
      expect(rows[1].label).toBeNull();
      expect(rows[0].created).toBeInstanceOf(Date);
      expect((await db.query('UPDATE items SET label = $1', ['x'])).rowCount).toBe(2);
      expect((await db.query('DELETE FROM items WHERE id = 999')).rowCount).toBe(0);
    });

    it('exec runs a multi-statement script', async () => {
      await backend.db().exec('INSERT INTO items (id) VALUES (10); INSERT INTO items (id) VALUES (11);');
      const { rows } = await backend.db().query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id IN (10, 11)');
      expect(rows[0].n).toBe(2);
    });

    it('commits a transaction when the callback resolves and rolls back when it throws', async () => {
      const db = backend.db();
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id) VALUES (20)');
        await tx.exec('INSERT INTO items (id) VALUES (21); INSERT INTO items (id) VALUES (22);');
        return 'ok';
      });
      expect(value).toBe('ok');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO items (id) VALUES (30)');
          throw new Error('nope');
        }),
      ).rejects.toThrow('nope');
      const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE id BETWEEN 20 AND 39 ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual([20, 21, 22]);
    });

    it("a concurrent caller's statement never lands inside another caller's transaction", async () => {
      const db = backend.db();
      // The transaction inserts, waits (other callers get a chance to run), then rolls back. If the other caller's
      // autocommit insert were executed inside it (one shared PGlite connection), the rollback would erase it too.
      const txDone = db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, label) VALUES (40, $1)', ['in-tx']);
        await sleep(150);
        throw new Error('rollback');
      });
      await sleep(20);
      const outside = db.query('INSERT INTO items (id, label) VALUES (41, $1)', ['outside']);
      await expect(txDone).rejects.toThrow('rollback');
      await outside;
      const { rows } = await db.query<{ id: number }>('SELECT id FROM items WHERE id IN (40, 41) ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual([41]);
    });

    it('concurrent transactions do not interleave (each read-modify-write stays whole)', async () => {
      const db = backend.db();
      await db.query("INSERT INTO items (id, label) VALUES (50, '0')");
      await Promise.all(
        Array.from({ length: 5 }, () =>
          db.transaction(async (tx) => {
            // FOR UPDATE makes PostgreSQL serialize; PGlite serializes whole transactions anyway.
            const { rows } = await tx.query<{ label: string }>('SELECT label FROM items WHERE id = 50 FOR UPDATE');
            await sleep(10);
            await tx.query('UPDATE items SET label = $1 WHERE id = 50', [String(Number(rows[0].label) + 1)]);
          }),
        ),
      );
      const { rows } = await db.query<{ label: string }>('SELECT label FROM items WHERE id = 50');
      expect(rows[0].label).toBe('5');
    });

    it('supports the advisory transaction locks that migrations and pg-boss rely on', async () => {
      const value = await backend.db().transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['relay.test']);
        const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', ['relay.test']);
        return rows[0].ok;
      });
      expect(value).toBe(true);
    });
  },
  { migrate: false },
);

describe('openDb with a PGlite data folder', () => {
  it('creates the folder and keeps data across reopen', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-pglite-')), 'nested', 'pglite');
    try {
      const first = await openDb({ dataDir: dir });
      expect(first.kind).toBe('pglite');
      await first.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here');");
      await first.close();
      const second = await openDb({ dataDir: dir });
      const { rows } = await second.query<{ v: string }>('SELECT v FROM kept');
      expect(rows).toEqual([{ v: 'still here' }]);
      await second.close();
    } finally {
      fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
    }
  });

  it('fails clearly when the PostgreSQL server cannot be reached', async () => {
    await expect(openDb({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
