/**
 * Starts what `npm start` starts (sandbox emulators + relay on an embedded database in a temp folder) on random
 * loopback ports, for integration and browser tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../relay/config';
import { createLogger } from '../../relay/log';
import { buildRoutes } from '../../relay/routes';
import { startSandbox, type Sandbox } from '../../relay/sandbox/start';
import { startRelay, type RelayHandle } from '../../relay/server';
import { createStore, type Store } from '../../relay/store';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID } from '../emulators/demo-identities';

export interface SandboxRelay {
  relay: RelayHandle;
  sandbox: Sandbox;
  url: string;
  store: Store;
  /** A valid sidebar token of a user of the demo tenant. */
  tokenFor(oid: string, overrides?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startSandboxRelay(env: Record<string, string> = {}): Promise<SandboxRelay> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-test-'));
  let config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', SANDBOX: 'true', ...env });
  const logger = createLogger({ level: config.logLevel });
  const sandbox = await startSandbox({ logger });
  config = sandbox.adjustConfig(config);
  let relay: RelayHandle;
  try {
    relay = await startRelay({ config, logger, routes: (services) => buildRoutes(services, sandbox), beforeListen: (services) => sandbox.seedRelay(services), connectSources: sandbox.connectSources, mailboxFactory: sandbox.mailboxFactory() });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const store = createStore(relay.services.db, relay.services.secrets);
  return {
    relay,
    sandbox,
    url: relay.url,
    store,
    tokenFor: (oid, overrides) =>
      sandbox.entra.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid, scp: 'access_as_user', overrides: overrides as never }),
    async close() {
      await relay.stop();
      await sandbox.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
