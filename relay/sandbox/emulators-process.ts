/**
 * `npm run emulators`: the sandbox's emulators (C4C, Exchange EWS + Graph, Entra ID) with their demo data in a process
 * of their own, so a relay pointed at them measures its own CPU and memory only (the load bench does this).
 *
 * Prints the emulators' URLs and writes `<dir>/emulators.env`: the environment that points an ordinary (non-sandbox)
 * relay at them — C4C_BASE_URL / C4C_USERNAME / C4C_PASSWORD, ORG_TENANT_ID, ENTRA_AUTHORITY_HOST, ENTRA_CLIENT_ID,
 * RELAY_SECRET_KEY and NODE_EXTRA_CA_CERTS (the emulators' TLS CA, so Node trusts the Entra and Graph emulators):
 *
 *   npm run emulators                       # terminal 1
 *   set -a; . data/emulators.env; set +a; npm start          # terminal 2
 *   npm run emulators -- provision http://127.0.0.1:3000     # once: the demo users, through the admin API
 *
 * `npm start` without that environment keeps running the emulators inside the relay, exactly as before.
 *
 * Env: EMULATORS_HOST (127.0.0.1), EMULATORS_C4C_PORT (4004), EMULATORS_EXCHANGE_PORT (4005),
 * EMULATORS_GRAPH_PORT (4006), EMULATORS_ENTRA_PORT (4007); 0 = any free port. EMULATORS_DIR (data) holds the files.
 * Started with an IPC channel (the bench), it also sends its descriptor as a message and stops when the parent goes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID, DEMO_USERS } from '../../test/emulators/demo-identities';
import { startC4cEmulator } from '../../test/emulators/c4c';
import { startEntraEmulator } from '../../test/emulators/entra';
import { startExchangeEmulator } from '../../test/emulators/exchange';
import { SANDBOX_C4C_USER } from './start';

export interface EmulatorsDescriptor {
  c4cServiceRoot: string;
  c4cOrigin: string;
  ewsUrl: string;
  graphBaseUrl: string;
  entraOrigin: string;
  entraAuthorityHost: string;
  /** PEM file with the CAs of the Entra and Graph emulators' certificates. */
  caFile: string;
  /** The relay's environment for these emulators (also written to `envFile`). */
  relayEnv: Record<string, string>;
  envFile: string;
}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (0 = any free port), got ${raw}`);
  return value;
}

export async function startEmulatorsProcess(): Promise<{ descriptor: EmulatorsDescriptor; close(): Promise<void> }> {
  const host = process.env.EMULATORS_HOST ?? '127.0.0.1';
  const dir = path.resolve(process.env.EMULATORS_DIR ?? 'data');
  fs.mkdirSync(dir, { recursive: true });
  const entra = await startEntraEmulator({ host, port: port('EMULATORS_ENTRA_PORT', 4007) });
  entra.control.seedDemo();
  const c4c = await startC4cEmulator({ host, port: port('EMULATORS_C4C_PORT', 4004), users: [SANDBOX_C4C_USER], seedDemo: true });
  const exchange = await startExchangeEmulator({
    host,
    port: port('EMULATORS_EXCHANGE_PORT', 4005),
    httpsPort: port('EMULATORS_GRAPH_PORT', 4006),
    entra: { issuer: entra.issuer, jwksUri: entra.jwksUri, caPem: entra.caPem },
    seedDemo: true,
  });
  const caFile = path.join(dir, 'emulators-ca.pem');
  fs.writeFileSync(caFile, [entra.caPem, exchange.caPem ?? ''].filter(Boolean).join('\n'));
  const relayEnv: Record<string, string> = {
    SANDBOX: 'false',
    C4C_BASE_URL: c4c.serviceRoot,
    C4C_USERNAME: SANDBOX_C4C_USER.username,
    C4C_PASSWORD: SANDBOX_C4C_USER.password,
    ORG_TENANT_ID: DEMO_TENANT_ID,
    ORG_NAME: 'Contoso (emulators)',
    ENTRA_AUTHORITY_HOST: entra.authorityHost,
    ENTRA_CLIENT_ID: DEMO_ADDIN_CLIENT_ID,
    // A key of this demo only: it seals the emulators' demo password in the relay's store.
    RELAY_SECRET_KEY: crypto.createHash('sha256').update(`emulators:${dir}`).digest('base64'),
    NODE_EXTRA_CA_CERTS: caFile,
  };
  const envFile = path.join(dir, 'emulators.env');
  // Single-quoted, so the file can be sourced by a POSIX shell (no value holds a quote).
  fs.writeFileSync(envFile, `${Object.entries(relayEnv).map(([k, v]) => `${k}='${v}'`).join('\n')}\n`);
  return {
    descriptor: {
      c4cServiceRoot: c4c.serviceRoot,
      c4cOrigin: c4c.origin,
      ewsUrl: exchange.ewsUrl,
      graphBaseUrl: exchange.graphBaseUrl,
      entraOrigin: entra.origin,
      entraAuthorityHost: entra.authorityHost,
      caFile,
      relayEnv,
      envFile,
    },
    async close() {
      await Promise.allSettled([c4c.close(), exchange.close(), entra.close()]);
    },
  };
}

/** A token of the Entra emulator over its HTTP control API (HTTPS with the emulators' own CA, `caFile`). */
function issueToken(entraOrigin: string, caFile: string, body: Record<string, unknown>): Promise<string> {
  const payload = JSON.stringify(body);
  return new Promise<string>((resolve, reject) => {
    const request = https.request(
      `${entraOrigin}/__control/tokens/user`,
      { method: 'POST', ca: fs.readFileSync(caFile, 'utf8'), headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`Entra emulator token: ${response.statusCode} ${text}`));
          const token = (JSON.parse(text) as { access_token?: string }).access_token;
          if (token) resolve(token);
          else reject(new Error('Entra emulator answered no token'));
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** A sidebar token of a demo user (for the bench and for trying the API by hand). */
export function demoUserToken(entraOrigin: string, caFile: string, oid: string): Promise<string> {
  return issueToken(entraOrigin, caFile, { tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid, scp: 'access_as_user' });
}

/**
 * The demo users in a relay started with `emulators.env`, through the admin console's API (the relay creates the
 * organization itself from ORG_TENANT_ID). Idempotent: users that exist are left as they are.
 */
export async function provisionDemoUsers(relayUrl: string, entraOrigin: string, caFile: string): Promise<{ organizationId: string; created: number }> {
  const admin = DEMO_USERS.find((u) => u.role === 'admin') ?? DEMO_USERS[0];
  const token = await issueToken(entraOrigin, caFile, { tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: admin.oid, scp: 'access_as_user', overrides: { roles: ['Admin'] } });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const list = await fetch(`${relayUrl}/api/admin/organizations`, { headers });
  if (!list.ok) throw new Error(`GET /api/admin/organizations: ${list.status} ${await list.text()}`);
  const { organizations } = (await list.json()) as { organizations: Array<{ id: string }> };
  if (organizations.length === 0) throw new Error('The relay has no organization: start it with the emulators.env environment (ORG_TENANT_ID, C4C_*)');
  const organizationId = organizations[0].id;
  let created = 0;
  for (const user of DEMO_USERS) {
    const response = await fetch(`${relayUrl}/api/admin/organizations/${organizationId}/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ displayName: user.displayName, email: user.email, mailboxLogin: user.email, c4cUserId: user.c4cEmployeeId, entraObjectId: user.oid, role: user.role }),
    });
    if (response.status === 201) created += 1;
    else if (response.status !== 409) throw new Error(`creating ${user.email}: ${response.status} ${await response.text()}`);
  }
  return { organizationId, created };
}

async function main(): Promise<void> {
  const [command, relayUrl] = process.argv.slice(2);
  if (command === 'provision') {
    if (!relayUrl) throw new Error('usage: npm run emulators -- provision <relay url>');
    const envFile = path.resolve(process.env.EMULATORS_DIR ?? 'data', 'emulators.env');
    const env = Object.fromEntries(fs.readFileSync(envFile, 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'|'$/g, '')]));
    const entraOrigin = new URL(env.ENTRA_AUTHORITY_HOST).origin;
    const result = await provisionDemoUsers(relayUrl.replace(/\/$/, ''), entraOrigin, env.NODE_EXTRA_CA_CERTS);
    process.stdout.write(`demo users provisioned in organization ${result.organizationId} (${result.created} created)\n`);
    return;
  }
  const emulators = await startEmulatorsProcess();
  const d = emulators.descriptor;
  const stop = (): void => {
    void emulators.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (process.send) {
    process.once('disconnect', stop);
    process.send({ type: 'emulators', descriptor: d });
  }
  process.stdout.write(
    [
      `c4c service root: ${d.c4cServiceRoot} (user ${SANDBOX_C4C_USER.username} / ${SANDBOX_C4C_USER.password}; control: ${d.c4cOrigin}/__control/)`,
      `ews url: ${d.ewsUrl}`,
      `graph url: ${d.graphBaseUrl}/v1.0`,
      `entra authority: ${d.entraAuthorityHost}`,
      `relay environment: ${d.envFile}  (set -a; . ${path.relative(process.cwd(), d.envFile)}; set +a; npm start)`,
      `then once: npm run emulators -- provision <relay url>`,
    ].join('\n') + '\n',
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`emulators failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
