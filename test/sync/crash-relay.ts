/**
 * A relay process for the crash test: the store (PostgreSQL at DATABASE_URL, or PGlite in DATA_DIR), the job queue
 * and the sync engine with the product's steps, nothing else. Short heartbeats and takeover so the test is quick.
 * Prints JSON log lines on stdout; reads commands on stdin: `sync-now <organizationId> <userId>`.
 */
import readline from 'node:readline';
import { createLogger } from '../../relay/log';
import { createJobQueue } from '../../relay/scheduler/jobs';
import { createSecretBox } from '../../relay/secrets';
import { migrate, openDb } from '../../relay/store';
import { defaultSessionSteps, startEngine } from '../../relay/sync/engine';

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info' });
  const db = await openDb(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: process.env.DATA_DIR });
  await migrate(db);
  const secrets = createSecretBox(Buffer.from(process.env.RELAY_SECRET_KEY ?? '', 'base64'));
  const jobs = await createJobQueue(db, { schema: process.env.JOB_SCHEMA ?? 'pgboss', pollingIntervalSeconds: 0.5, schedule: false });
  const engine = await startEngine(
    { db, secrets, jobs, logger },
    {
      steps: defaultSessionSteps({ db, secrets }, { claimLeaseMs: 2000 }),
      tickIntervalMs: 500,
      pollingIntervalSeconds: 0.5,
      timing: { heartbeatMs: 250, staleAfterMs: 2000, backoffBaseMs: 500, backoffMaxMs: 2000 },
    },
  );
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, organizationId, userId] = line.trim().split(/\s+/);
    if (command !== 'sync-now') return;
    engine.control
      .syncNow(organizationId, userId, { kind: 'system', id: 'crash-test' })
      .then((result) => logger.info({ result: result.result, userId }, 'sync-now'))
      .catch((error: unknown) => logger.error({ err: error }, 'sync-now failed'));
  });
  const stop = (): void => {
    void engine.stop({ timeoutMs: 2000 }).then(() => jobs.stop({ timeoutMs: 1000 })).then(() => db.close()).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  logger.info('crash relay ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
