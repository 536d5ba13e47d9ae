/**
 * Composition root of the relay: opens the store, applies migrations, starts the job queue, builds the HTTP app and
 * listens. `stop()` is the graceful shutdown: stop taking requests, let running jobs finish, close the database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type { RelayConfig } from './config';
import type { Logger } from './log';
import { createApp } from './http/app';
import { healthRouter } from './http/health';
import { openDb, type Db } from './store/db';
import { migrate, migrationStatus } from './store/migrate';
import { createSecretBox, loadSecretKey, type SecretBox } from './secrets';
import { createJobQueue, type JobQueue } from './scheduler/jobs';
import { defaultSessionSteps, startEngine, type SyncEngine } from './sync/engine';
import type { SessionStep, SyncControl } from './sync/types';
import type { MailboxFactory } from './mailbox/types';
import { startPush, type PushHandle } from './push';
import { createPushTrigger } from './push/trigger';
import type { PushTrigger } from './push/types';
import { createRelayMetrics, type RelayMetrics } from './metrics';

export interface RelayServices {
  config: RelayConfig;
  logger: Logger;
  db: Db;
  secrets: SecretBox;
  jobs: JobQueue;
  /** The sync engine's control surface (enable, pause, resume, sync now, status). */
  sync: SyncControl;
  /** Brings a mailbox's session forward when its mail server announces a change (relay/push). */
  push: PushTrigger;
  /** Prometheus metrics (relay/metrics), served at /metrics. */
  metrics?: RelayMetrics;
}

export interface RelayHandle {
  url: string;
  services: RelayServices;
  server: http.Server;
  stop(): Promise<void>;
}

export interface StartRelayOptions {
  config: RelayConfig;
  logger: Logger;
  /** Feature routers mounted after health checks, given the started services. */
  routes?: (services: RelayServices) => Array<[string, Router]> | Promise<Array<[string, Router]>>;
  /** Runs after services are up and before the port opens (the sandbox seeds its demo organization here). */
  beforeListen?: (services: RelayServices) => Promise<void>;
  connectSources?: string[];
  /** How sessions open mailboxes (default: the real servers; the sandbox trusts its emulators' CAs). */
  mailboxFactory?: MailboxFactory;
  /** The sync session's steps (default: the product's steps, relay/sync/engine.ts defaultSessionSteps). */
  syncSteps?: (services: Omit<RelayServices, 'sync' | 'push'>) => SessionStep[];
}

export async function startRelay(options: StartRelayOptions): Promise<RelayHandle> {
  const { config, logger } = options;
  const key = await loadSecretKey({ envValue: config.secretKeyBase64, sandbox: config.sandbox, dataDir: config.dataDir, logger });
  const secrets = createSecretBox(key);
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pglite` });
  let jobs: JobQueue;
  let engine: SyncEngine;
  // What to undo when start-up fails half-way.
  let startedJobs: JobQueue | undefined;
  let metrics: RelayMetrics | undefined;
  try {
    const applied = await migrate(db);
    logger.info({ backend: db.kind, applied }, 'database ready');
    jobs = await createJobQueue(db, { onError: (error) => logger.error({ err: error }, 'job queue error') });
    startedJobs = jobs;
    const base = { config, logger, db, secrets, jobs };
    const steps = options.syncSteps ? options.syncSteps(base) : defaultSessionSteps(base);
    metrics = createRelayMetrics({ queue: { db, schema: jobs.schema } });
    const relayMetrics = metrics;
    engine = await startEngine(base, {
      onSessionEnded: (ended) => relayMetrics.sessionEnded(ended),
      steps,
      ...(options.mailboxFactory ? { mailboxFactory: options.mailboxFactory } : {}),
      workers: config.sync.workers,
      concurrency: config.sync.concurrency,
      tickIntervalMs: config.sync.tickIntervalMs,
    });
  } catch (error) {
    metrics?.close();
    await startedJobs?.stop();
    await db.close();
    throw error;
  }
  const relayMetrics: RelayMetrics = metrics;
  const push = createPushTrigger({ sync: engine.control, logger: logger.child({ component: 'push' }), onLag: (source, lagMs) => relayMetrics.notificationLag(source, lagMs) });
  const services: RelayServices = { config, logger, db, secrets, jobs, sync: engine.control, push, metrics: relayMetrics };
  if (options.beforeListen) await options.beforeListen(services);

  let shuttingDown = false;
  // Bind first, so that with PORT=0 the public origin (used by the manifest and the task pane's config) names the
  // port actually bound; requests arriving in the few milliseconds before the app is attached get a 503.
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'starting', message: 'The relay is starting.' } }));
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const bindHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${address.port}`;
  if (config.publicOriginFollowsPort) services.config = { ...config, publicOrigin: url };

  const health = healthRouter({
    isShuttingDown: () => shuttingDown,
    checks: {
      database: async () => {
        await db.query('select 1');
        const status = await migrationStatus(db);
        return status.pending.length > 0 ? `${status.pending.length} migration(s) not applied` : undefined;
      },
    },
  });
  try {
    const featureRoutes = options.routes ? await options.routes(services) : [];
    handler = createApp({ logger, routers: [['/', health], ...featureRoutes], connectSources: options.connectSources });
  } catch (error) {
    server.close();
    await engine.stop();
    await jobs.stop();
    await db.close();
    throw error;
  }

  // After the port is open: Graph validates a subscription's notification URL while the subscription is created.
  let pushHandle: PushHandle | undefined;
  try {
    pushHandle = await startPush({ ...services, publicOrigin: () => services.config.publicOrigin }, { trigger: push });
  } catch (error) {
    logger.error({ err: error }, 'push channels failed to start; sessions still run on the schedule');
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      shuttingDown = true;
      await pushHandle?.stop();
      logger.info('shutting down: no new requests, finishing jobs');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const forceTimer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      forceTimer.unref();
      await closed;
      clearTimeout(forceTimer);
      // Sessions end at their next item and are resumed from their cursors by whichever process runs next.
      await engine.stop({ timeoutMs: config.shutdownTimeoutMs });
      await jobs.stop();
      relayMetrics.close();
      await db.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, services, server, stop };
}
