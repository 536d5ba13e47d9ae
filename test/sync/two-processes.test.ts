/**
 * Two relays on one PostgreSQL (two engines, each with its own Db pool and job queue instance, as two processes
 * have): 50 enabled mailboxes, Sync now pressed for all of them on both relays at once, twice. Every mailbox gets
 * exactly one session, sessions of one mailbox never overlap, and both relays do work.
 * PGlite is single-process by design: there the two engines share one handle (two job queue instances), which still
 * proves that two workers racing for the same mailboxes never double a session.
 */
import crypto from 'node:crypto';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { createSecretBox } from '../../relay/secrets';
import { createStore } from '../../relay/store';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';
import { startEngine, type SyncEngine } from '../../relay/sync/engine';
import type { SessionStep } from '../../relay/sync/types';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import { describeEachBackend } from '../helpers/backends';
import { createOrganization, createUsers, silentLogger, sleep, waitFor } from './helpers';

const MAILBOXES = 50;

describeEachBackend('two relay processes', (backend) => {
  let exchange: ExchangeEmulator;
  const queues: JobQueue[] = [];
  const engines: SyncEngine[] = [];

  beforeAll(async () => {
    exchange = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  });
  afterAll(async () => {
    for (const e of engines) await e.stop({ timeoutMs: 3000 });
    for (const q of queues) await q.stop({ timeoutMs: 1000 });
    await exchange?.close();
  });

  it('Sync now for 50 mailboxes on both relays: exactly one session each, never two of one mailbox at once', async () => {
    const secrets = createSecretBox(crypto.randomBytes(32));
    const db1 = backend.db();
    const db2 = (await backend.openAnother()) ?? db1;
    const org = await createOrganization(db1);
    const addresses = Array.from({ length: MAILBOXES }, (_, i) => `seller${i}@contoso.example`);
    for (const address of addresses) {
      exchange.store.addMailbox(address, address, 'x');
      exchange.control.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
    }
    const users = await createUsers(db1, org, addresses);
    await createStore(db1, secrets).mailboxAccess.set(org, { kind: 'ews-impersonation', ewsUrl: exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    // Enabled, next session far away, and no tick: only Sync now starts sessions here (a tick would rightly start the
    // scheduled session of a mailbox whose slot comes round during the test, e.g. on the hour).
    await createMailboxSyncRepository(db1).enableMany(org, users.map((userId) => ({ userId, offsetSeconds: 0 })), { actor: 'test', dueAt: new Date(Date.now() + 3600000) });

    const sessions: Array<{ relay: number; userId: string; start: number; end: number }> = [];
    const stepFor = (relay: number): SessionStep => ({
      name: 'record',
      async run(ctx) {
        const start = Date.now();
        await ctx.mailbox.getWellKnownFolder('inbox');
        await sleep(1500);
        sessions.push({ relay, userId: ctx.state.userId, start, end: Date.now() });
      },
    });
    const schema = backend.kind === 'postgres' ? backend.uniqueSchema('pgboss') : 'pgboss';
    for (const [i, db] of [db1, db2].entries()) {
      const jobs = await createJobQueue(db, { schema, pollingIntervalSeconds: 0.5, schedule: false });
      queues.push(jobs);
      engines.push(await startEngine({ db, secrets, jobs, logger: silentLogger }, { steps: [stepFor(i + 1)], concurrency: 5, tickIntervalMs: 0, pollingIntervalSeconds: 0.5 }));
    }

    // Both relays press Sync now for every mailbox at once, twice.
    const press = () => Promise.all(users.flatMap((userId) => engines.map((e) => e.control.syncNow(org, userId, { kind: 'user', id: userId }))));
    const answers = [...(await press()), ...(await press())];
    expect(answers.filter((a) => a.result === 'queued')).toHaveLength(MAILBOXES);
    expect(answers.filter((a) => a.result !== 'queued')).toHaveLength(3 * MAILBOXES);

    await waitFor(() => sessions.length >= MAILBOXES, 60000, 'every mailbox to have its session');
    await sleep(2000);
    expect(sessions).toHaveLength(MAILBOXES);
    expect(new Set(sessions.map((s) => s.userId)).size).toBe(MAILBOXES);
    expect(new Set(sessions.map((s) => s.relay))).toEqual(new Set([1, 2]));
    const repo = createMailboxSyncRepository(db1);
    for (const userId of users) {
      const runs = await repo.listRuns(org, userId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ outcome: 'succeeded', trigger: 'manual' });
      // No overlap: with one session per mailbox, its run brackets its only recorded step.
      const mine = sessions.filter((s) => s.userId === userId);
      expect(mine).toHaveLength(1);
    }
  });
});
