/**
 * A relay's push path over real parts, for the push tests and `npm run bench -- push`: the Exchange emulator with
 * Graph (and the Entra emulator), the C4C emulator, the store on PGlite, the sync engine with the product's session
 * steps and NO tick (tickIntervalMs 0: only a notification — or a test calling tick() — can start a session), an
 * HTTP server with the notification endpoints, and the push channels started against it. One organization reaches
 * its mailboxes through Graph application access, another through EWS impersonation.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../../relay/config';
import { createLogger } from '../../relay/log';
import { createMailboxFactory } from '../../relay/mailbox';
import { pushRouter } from '../../relay/http/push-routes';
import { startPush, type PushHandle } from '../../relay/push';
import { graphPushChannel, type GraphPushOptions } from '../../relay/push/graph-channel';
import { ewsPushChannel, type EwsPushOptions } from '../../relay/push/ews-channel';
import { createPushTrigger } from '../../relay/push/trigger';
import type { PushChannelFactory, PushServices, PushTrigger } from '../../relay/push/types';
import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { createSecretBox } from '../../relay/secrets';
import { createStore, migrate, openDb, type Db, type Store } from '../../relay/store';
import { createMailboxSyncRepository } from '../../relay/store/mailboxes';
import { defaultSessionSteps, startEngine, type SyncEngine } from '../../relay/sync/engine';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { graphSubscriptionsOf, type GraphSubscriptions } from '../emulators/exchange/graph/subscriptions';
import { ewsNotificationsOf, type EwsNotifications } from '../emulators/exchange/ews/notifications';

export const TRIGGER = SYNC_CATEGORIES.trigger.displayName;
export const KATRIN = { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' };
const logger = createLogger({ level: process.env.PUSH_TEST_LOG ?? 'silent' });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export type Via = 'graph' | 'ews';

export interface PushWorldOptions {
  debounceMs?: number;
  graph?: GraphPushOptions;
  ews?: EwsPushOptions;
  /** Which channels run (default both). */
  channels?: Via[];
  concurrency?: number;
  pollingIntervalSeconds?: number;
  /** A PostgreSQL server instead of in-memory PGlite (the bench): a fresh schema, dropped at close. */
  databaseUrl?: string;
}

export interface PushWorld {
  bed: GraphTestbed;
  c4c: C4cEmulator;
  db: Db;
  store: Store;
  jobs: JobQueue;
  engine: SyncEngine;
  trigger: PushTrigger;
  push: PushHandle;
  /** What the channels were started with (to start another channel in a test). */
  services: PushServices;
  origin: string;
  organizations: Record<Via, string>;
  graphSubscriptions: GraphSubscriptions;
  ewsNotifications: EwsNotifications;
  /** Sessions queued by the trigger (by push). */
  queued: () => number;
  /** When the trigger called Sync now, per user id (the bench splits latency there). */
  syncNowAt: Map<string, number[]>;
  /** A new mailbox of that organization, enabled; resolves once its first session (setup, baseline) is done. */
  addUser(via: Via): Promise<{ userId: string; address: string; organizationId: string }>;
  /** Adds many users at once (bench). */
  addUsers(via: Via, count: number): Promise<Array<{ userId: string; address: string; organizationId: string }>>;
  runs(via: Via, userId: string): ReturnType<ReturnType<typeof createMailboxSyncRepository>['listRuns']>;
  /** A message delivered to the mailbox (as from outside). */
  deliver(address: string): { id: string; internetMessageId: string };
  categorize(address: string, itemId: string): void;
  savedInC4c(internetMessageId: string): boolean;
  close(): Promise<void>;
}

export async function startPushWorld(options: PushWorldOptions = {}): Promise<PushWorld> {
  const [bed, c4c] = await Promise.all([startGraphTestbed(), startC4cEmulator({ seedDemo: true })]);
  if (!bed.exchange.store.serviceAccount(DEMO_EWS_SERVICE_ACCOUNT.username)) bed.exchange.store.addServiceAccount(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
  const schema = `push_${crypto.randomBytes(5).toString('hex')}`;
  let dropSchema = async (): Promise<void> => undefined;
  let db: Db;
  if (options.databaseUrl) {
    const admin = await openDb({ databaseUrl: options.databaseUrl, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(options.databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    db = await openDb({ databaseUrl: url.toString(), poolSize: 20 });
    dropSchema = async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_boss CASCADE`);
      await admin.close();
    };
  } else db = await openDb({ dataDir: 'memory://' });
  await migrate(db);
  const secrets = createSecretBox(crypto.randomBytes(32));
  const store = createStore(db, secrets);
  const organizations = {} as Record<Via, string>;
  for (const via of ['graph', 'ews'] as const) {
    const org = await store.organizations.create({ name: `Push ${via}`, slug: `push-${via}-${crypto.randomBytes(4).toString('hex')}` });
    await store.c4cConnections.upsert(org.id, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
    if (via === 'graph') await store.mailboxAccess.set(org.id, { ...bed.appAccess() });
    else await store.mailboxAccess.set(org.id, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
    organizations[via] = org.id;
  }
  const jobs = await createJobQueue(db, { ...(options.databaseUrl ? { schema: `${schema}_boss` } : {}), pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5, schedule: false, supervise: false });
  const engine = await startEngine(
    { db, secrets, jobs, logger },
    {
      steps: () => defaultSessionSteps({ db, secrets }),
      tickIntervalMs: 0,
      concurrency: options.concurrency ?? 16,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5,
      mailboxFactory: createMailboxFactory({ graph: bed.options() }),
    },
  );
  let queued = 0;
  const syncNowAt = new Map<string, number[]>();
  const sync = {
    syncNow: (...args: Parameters<SyncEngine['control']['syncNow']>) => {
      const list = syncNowAt.get(args[1]) ?? [];
      list.push(Date.now());
      syncNowAt.set(args[1], list);
      return engine.control.syncNow(...args);
    },
  };
  const trigger = createPushTrigger({ sync, logger, debounceMs: options.debounceMs ?? 300, onQueued: (_s, result) => { if (result === 'queued') queued += 1; } });

  const app = express();
  app.use(pushRouter({ db, trigger, logger }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-test-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, SANDBOX: 'true', LOG_LEVEL: 'silent' });
  const channels = options.channels ?? ['graph', 'ews'];
  const factories: PushChannelFactory[] = [];
  if (channels.includes('graph')) factories.push(graphPushChannel({ graph: bed.options(), ...options.graph }));
  if (channels.includes('ews')) factories.push(ewsPushChannel({ ...options.ews }));
  const services: PushServices = { config, logger, db, secrets, jobs, sync: engine.control, trigger, publicOrigin: () => origin };
  const push = await startPush(services, { factories, trigger, reconcileMs: 0 });
  const mailboxes = createMailboxSyncRepository(db);

  const addUsers = async (via: Via, count: number) => {
    const organizationId = organizations[via];
    const created: Array<{ userId: string; address: string; organizationId: string }> = [];
    for (let i = 0; i < count; i++) {
      const address = `p${crypto.randomBytes(5).toString('hex')}@contoso.example`;
      bed.addMailbox(address, `Push ${address.slice(1, 6)}`);
      bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
      const user = await store.users.create(organizationId, { displayName: address, email: address });
      created.push({ userId: user.id, address, organizationId });
    }
    await engine.control.enable(organizationId, created.map((u) => u.userId), { kind: 'system', id: 'test' });
    await waitFor(
      async () => {
        for (const u of created) {
          const row = await mailboxes.get(organizationId, u.userId);
          if (!row?.setupDoneAt || row.stage !== 'idle') return false;
        }
        return true;
      },
      120000,
      'first sessions',
    );
    await push.reconcile();
    return created;
  };

  return {
    bed,
    c4c,
    db,
    store,
    jobs,
    engine,
    trigger,
    push,
    services,
    origin,
    organizations,
    graphSubscriptions: graphSubscriptionsOf(bed.exchange.store, bed.exchange.control),
    ewsNotifications: ewsNotificationsOf(bed.exchange.store, bed.exchange.control),
    queued: () => queued,
    syncNowAt,
    addUsers,
    addUser: async (via) => (await addUsers(via, 1))[0],
    runs: (via, userId) => mailboxes.listRuns(organizations[via], userId),
    deliver: (address) => bed.exchange.control.user.deliverMessage(address, { from: KATRIN, subject: `Push ${crypto.randomBytes(3).toString('hex')}`, to: [{ address }] }),
    categorize: (address, itemId) => {
      bed.exchange.control.user.categorize(address, itemId, [TRIGGER]);
    },
    savedInC4c: (internetMessageId) => c4c.control.list('EMailCollection').some((row) => row.GroupwareItemID === internetMessageId),
    async close() {
      await push.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.stop({ timeoutMs: 5000 });
      await jobs.stop({ timeoutMs: 2000 });
      await db.close();
      await dropSchema();
      graphSubscriptionsOf(bed.exchange.store, bed.exchange.control).close();
      ewsNotificationsOf(bed.exchange.store, bed.exchange.control).close();
      await bed.close();
      await c4c.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
