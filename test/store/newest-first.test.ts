/**
 * Lists that are newest first by a bigint id must order by the number, not by its text (`id::text AS id` in the
 * select list would otherwise win the ORDER BY, putting run 9 before run 10).
 */
import crypto from 'node:crypto';
import { createSecretBox } from '../../relay/secrets';
import { createStore, migrate, openDb, type Db } from '../../relay/store';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';

let db: Db;
beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' });
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
});

test('the audit log and the run history list entry 10 before entry 9', async () => {
  const store = createStore(db, createSecretBox(crypto.randomBytes(32)));
  const org = await store.organizations.create({ name: 'Order', slug: 'order' });
  const user = await store.users.create(org.id, { displayName: 'Ordered', email: 'ordered@order.example' });
  for (let i = 1; i <= 12; i++) await store.audit.record({ organizationId: org.id, actor: 'test', action: `a${i}`, details: {} });
  expect((await store.audit.list(org.id, { limit: 12 })).map((e) => e.action)).toEqual(Array.from({ length: 12 }, (_, i) => `a${12 - i}`));

  const mailboxes = createMailboxSyncRepository(db);
  await mailboxes.enableMany(org.id, [{ userId: user.id, offsetSeconds: 0 }], { actor: 'test', dueAt: new Date() });
  const started: string[] = [];
  for (let i = 0; i < 12; i++) {
    const now = new Date(Date.now() + i * 1000);
    const begun = await mailboxes.beginSession(org.id, user.id, { trigger: 'manual', now, staleBefore: new Date(now.getTime() - 60_000) });
    started.push(begun!.run.id);
    await mailboxes.endSession(org.id, user.id, { runId: begun!.run.id, endedAt: now, outcome: 'succeeded', counts: {}, errors: [], nextSessionAt: now, setupDone: true });
  }
  expect((await mailboxes.listRuns(org.id, user.id, { limit: 12 })).map((r) => r.id)).toEqual([...started].reverse());
});
