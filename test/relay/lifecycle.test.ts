/**
 * The relay as a process, the way `npm start` and a container run it: it prints where everything is, answers
 * /readyz once the database is migrated, stops with exit code 0 on SIGTERM, refuses a bad configuration with the
 * variable's name, and, configured from the environment, provisions its organization and the encrypted C4C connection.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { openDb } from '../../relay/store/db';
import { createStore } from '../../relay/store';
import { createSecretBox } from '../../relay/secrets';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '..', '..');
// In-process loader (not the tsx CLI, which runs the script in a child and relays signals): signals reach main.ts.
const NODE_ARGS = ['--import', 'tsx', 'relay/main.ts'];

interface Started {
  child: ChildProcessWithoutNullStreams;
  lines: Map<string, string>;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns relay/main.ts (or `command`) and resolves once it printed `relay:` (or rejects with what it wrote if it exits first). */
function startProcess(env: Record<string, string>, dataDir: string, command: [string, ...string[]] = [process.execPath, ...NODE_ARGS]): Promise<Started> {
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
  });
  const lines = new Map<string, string>();
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const line of out.split('\n')) {
        const m = /^([a-z4 ]+): (\S+)$/.exec(line.trim());
        if (m) lines.set(m[1], m[2]);
      }
      if (lines.has('relay')) resolve({ child, lines, stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`relay exited with ${code}: ${err}${out}`)));
  });
}

function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, NODE_ARGS, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-lifecycle-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

it('starts the sandbox, prints every address, is ready, and stops cleanly on SIGTERM', async () => {
  const relay = await startProcess({}, tempDir());
  try {
    for (const name of ['relay', 'manifest', 'sandbox outlook', 'c4c service root', 'ews url', 'graph url', 'entra authority']) {
      expect(relay.lines.get(name)).toMatch(/^https?:\/\/127\.0\.0\.1:\d+/);
    }
    const ready = await fetch(`${relay.lines.get('relay')}/readyz`);
    expect(ready.status).toBe(200);
    await expect(ready.json()).resolves.toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const c4c = await fetch(`${relay.lines.get('c4c service root')}$metadata`, { headers: { authorization: `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}` } });
    expect(c4c.status).toBe(200);
  } finally {
    relay.child.kill('SIGTERM');
  }
  await expect(relay.exited).resolves.toBe(0);
});

it('refuses a bad configuration with exit code 2, naming the variable and never echoing the secret', async () => {
  const result = await runToExit({ RELAY_SECRET_KEY: 'not-a-key-s3cr3t', SANDBOX: 'true' });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('RELAY_SECRET_KEY');
  expect(result.stderr).not.toContain('not-a-key-s3cr3t');
});

describe('configured from the environment (no sandbox)', () => {
  let c4c: C4cEmulator;
  beforeAll(async () => {
    c4c = await startC4cEmulator({ users: [{ username: 'TECH_USER', password: 'Tech-Pa55' }] });
  });
  afterAll(async () => {
    await c4c.close();
  });

  it('creates its organization and stores the C4C connection encrypted, once across restarts', async () => {
    const dataDir = tempDir();
    const key = crypto.randomBytes(32);
    const env = {
      SANDBOX: 'false',
      RELAY_SECRET_KEY: key.toString('base64'),
      C4C_BASE_URL: c4c.serviceRoot,
      C4C_USERNAME: 'TECH_USER',
      C4C_PASSWORD: 'Tech-Pa55',
      ORG_TENANT_ID: '72F988BF-86F1-41AF-91AB-2D7CD011DB47',
      ORG_NAME: 'Contoso Ltd',
      ENTRA_CLIENT_ID: '3f1c2a8e-5b7d-4e0a-9c61-2d8e4f7a9b10',
    };
    for (let run = 0; run < 2; run += 1) {
      const relay = await startProcess(env, dataDir);
      expect(relay.lines.has('sandbox outlook')).toBe(false);
      relay.child.kill('SIGTERM');
      const code = await relay.exited;
      expect({ run, code, stderr: relay.stderr() }).toEqual({ run, code: 0, stderr: expect.not.stringContaining('Tech-Pa55') });
    }

    const db = await openDb({ dataDir: path.join(dataDir, 'pglite') });
    try {
      const store = createStore(db, createSecretBox(key));
      const organizations = await store.organizations.list();
      expect(organizations).toEqual([expect.objectContaining({ name: 'Contoso Ltd', entraTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' })]);
      const connection = await store.c4cConnections.getWithSecret(organizations[0].id);
      expect(connection).toMatchObject({ serviceRoot: c4c.serviceRoot, username: 'TECH_USER', password: 'Tech-Pa55' });
      const { rows } = await db.query<{ secret_ciphertext: unknown }>('SELECT secret_ciphertext FROM c4c_connections');
      expect(JSON.stringify(rows)).not.toContain('Tech-Pa55');
    } finally {
      await db.close();
    }
  });
});

/** Whether something accepts connections at the URL's port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Process ids whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // comm (field 2) is in parentheses and may hold spaces; ppid is the second field after it.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('a production start loads no test code; the sandbox loads the emulators only when it is on', async () => {
  const recorder = path.join('test', 'helpers', 'record-loaded-modules.js');
  const loaded = async (env: Record<string, string>): Promise<string[]> => {
    const file = path.join(tempDir(), 'modules.txt');
    const relay = await startProcess({ ...env, RECORD_LOADED_MODULES: file }, tempDir(), [process.execPath, '--require', `./${recorder}`, ...NODE_ARGS]);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    return fs.readFileSync(file, 'utf8').split('\n').map((module) => path.relative(ROOT, module)).filter((module) => module !== recorder);
  };
  const production = await loaded({
    SANDBOX: 'false',
    NODE_ENV: 'production',
    RELAY_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
    ENTRA_CLIENT_ID: '3f1c2a8e-5b7d-4e0a-9c61-2d8e4f7a9b10',
  });
  expect(production).toContain(path.join('relay', 'main.ts'));
  expect(production.filter((module) => module.startsWith(`test${path.sep}`) || module.startsWith(path.join('relay', 'sandbox')))).toEqual([]);
  const sandbox = await loaded({});
  expect(sandbox).toEqual(expect.arrayContaining([path.join('relay', 'sandbox', 'start.ts'), path.join('test', 'emulators', 'c4c', 'index.ts')]));
});

describe('`npm start` under a process manager', () => {
  // The add-in bundle is built (if stale) before, so the starts below mostly measure the relay, not webpack; a source
  // edited meanwhile makes a start rebuild, hence the long timeouts.
  beforeAll(() => void ensureAddinBuilt(), 600_000);
  jest.setTimeout(300_000);

  const addresses = (relay: Started): string[] => ['relay', 'c4c service root', 'ews url', 'graph url', 'entra authority'].map((name) => relay.lines.get(name) ?? '');

  it('SIGTERM to the npm process stops the relay gracefully: every port closes and npm exits 0', async () => {
    const relay = await startProcess({}, tempDir(), ['npm', 'start']);
    const urls = addresses(relay);
    expect((await fetch(`${urls[0]}/readyz`)).status).toBe(200);
    for (const url of urls) expect(await listening(url)).toBe(true);
    relay.child.kill('SIGTERM');
    // npm waits for the relay (its shell was replaced by the launcher, which waits for the relay), so once npm is
    // gone nothing of the product is left listening.
    expect({ code: await relay.exited, stderr: relay.stderr() }).toEqual({ code: 0, stderr: expect.not.stringContaining('Error') });
    for (const url of urls) expect(await listening(url)).toBe(false);
  });

  it('a launcher killed outright (SIGKILL) takes the relay down with it', async () => {
    const relay = await startProcess({}, tempDir(), ['npm', 'start']);
    const [launcher] = childPids(relay.child.pid!);
    expect(launcher).toBeGreaterThan(0);
    const [relayPid] = childPids(launcher);
    expect(relayPid).toBeGreaterThan(0);
    process.kill(launcher, 'SIGKILL');
    await waitUntil('the relay has exited', () => !fs.existsSync(`/proc/${relayPid}`) || fs.readFileSync(`/proc/${relayPid}/stat`, 'utf8').includes(') Z '));
    for (const url of addresses(relay)) expect(await listening(url)).toBe(false);
    await relay.exited;
  });

  it('a shell left in between (another script-shell) dying of SIGTERM still stops the relay', async () => {
    const relay = await startProcess({}, tempDir(), ['sh', '-c', 'node scripts/start.js; true']);
    const urls = addresses(relay);
    relay.child.kill('SIGTERM');
    await relay.exited;
    await waitUntil('every port is closed', async () => (await Promise.all(urls.map(listening))).every((open) => !open));
  });
});
