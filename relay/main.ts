/**
 * `npm start`: reads the configuration, starts the sandbox emulators when nothing real is configured, starts the relay
 * and prints where everything is. SIGTERM / SIGINT shut down gracefully.
 */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startRelay } from './server';
import { bootstrapConfiguredOrganization } from './bootstrap';
import { buildRoutes } from './routes';
import type { Sandbox } from './sandbox/start';

// Started with an IPC channel (scripts/start.js, `npm start`): a launcher that dies without passing a signal on closes
// the channel, and the relay must not run on with no one supervising it. Watched from the first moment, since the
// launcher may die while the relay is still starting.
let parentGone = false;
let stopWithParent: (() => void) | undefined;
if (process.send) {
  process.once('disconnect', () => {
    parentGone = true;
    stopWithParent?.();
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  let sandbox: Sandbox | undefined;
  if (config.sandbox) {
    logger.warn('SANDBOX MODE: C4C, Exchange and Entra ID are local emulators with demo data. Set C4C_BASE_URL, C4C_USERNAME, C4C_PASSWORD and ENTRA_CLIENT_ID for a real deployment.');
    // Loaded only here: the sandbox brings the emulators (test code), which a production start must never load.
    const { startSandbox } = await import('./sandbox/start');
    sandbox = await startSandbox({ logger });
    config = sandbox.adjustConfig(config);
  }
  const relay = await startRelay({
    config,
    logger,
    routes: (services) => buildRoutes(services, sandbox),
    beforeListen: sandbox ? (services) => sandbox!.seedRelay(services) : async (services) => void (await bootstrapConfiguredOrganization(services)),
    connectSources: sandbox?.connectSources,
    ...(sandbox ? { mailboxFactory: sandbox.mailboxFactory() } : {}),
  });

  if (relay.services.config.publicOrigin.startsWith('http://')) {
    logger.warn({ publicOrigin: relay.services.config.publicOrigin }, 'PUBLIC_ORIGIN is http: Outlook loads add-ins only over HTTPS. Set PUBLIC_ORIGIN to the HTTPS origin of this relay (a TLS proxy or dev certificate) before sideloading the manifest.');
  }
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'signal received');
    void (async () => {
      try {
        await relay.stop();
        await sandbox?.close();
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (parentGone) shutdown('parent exited');
  else stopWithParent = () => shutdown('parent exited');
  // Announced only once the signal handlers are in place: whoever reads these lines may stop the relay at once.
  const lines = [`relay: ${relay.url}`, `manifest: ${relay.services.config.publicOrigin}/manifest.xml`];
  if (sandbox) lines.push(`sandbox outlook: ${relay.url}/sandbox.html`, ...sandbox.describe());
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`relay failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
