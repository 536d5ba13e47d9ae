/**
 * The real msal-browser NAA code path (createNestablePublicClientApplication → BridgeProxy → window.nestedAppAuthBridge)
 * against the sandbox host's bridge, which asks a local token endpoint shaped like the relay's POST /sandbox/api/token.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandboxNaaBridge } from '../../addin/sandbox/naaBridge';
import { createNaaTokenProvider } from '../../addin/auth/naa';
import type { RelayClientConfig } from '../../shared/api/sidebar';

const TENANT = '7d3a8f2e-4b1c-4e9a-9f0d-2c5b6a8e1f34';
const USERS: Record<string, { name: string; username: string }> = {
  'oid-anna': { name: 'Anna Berger', username: 'anna.berger@contoso.example' },
  'oid-marco': { name: 'Marco Rossi', username: 'marco.rossi@contoso.example' },
};

let server: Server;
let tokenUrl: string;
const tokenRequests: Array<{ userOid: string; scopes: string[] }> = [];
let failNext: number | undefined;

const globalWindow = globalThis as unknown as { window?: unknown; BroadcastChannel: typeof BroadcastChannel };

// msal-browser opens a BroadcastChannel for cross-tab events; in Node an open channel keeps the test process alive
// (a browser tab does not care), so the channels are unref'd.
const NodeBroadcastChannel = globalWindow.BroadcastChannel;
class UnrefBroadcastChannel extends NodeBroadcastChannel {
  constructor(name: string) {
    super(name);
    (this as unknown as { unref(): void }).unref();
  }
}
globalWindow.BroadcastChannel = UnrefBroadcastChannel;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.post('/sandbox/api/token', (req, res) => {
    if (failNext !== undefined) {
      res.status(failNext).json({ error: { code: 'x', message: 'refused' } });
      failNext = undefined;
      return;
    }
    tokenRequests.push(req.body);
    const user = USERS[req.body.userOid as string];
    res.json({
      accessToken: `at-${req.body.userOid}-${tokenRequests.length}`,
      expiresOn: new Date(Date.now() + 3600_000).toISOString(),
      account: { environment: 'login.sandbox.example', tenantId: TENANT, username: user.username, localAccountId: req.body.userOid, name: user.name },
    });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/api/token`;
});

afterAll(async () => {
  delete globalWindow.window;
  globalWindow.BroadcastChannel = NodeBroadcastChannel;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const config: RelayClientConfig = {
  clientId: 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f',
  authority: 'https://login.sandbox.example/common',
  scopes: ['api://b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f/access_as_user'],
  relayOrigin: 'http://127.0.0.1',
};

/** Browsers have Web Storage; msal-browser checks for it even when it keeps tokens in memory. */
class MemoryStorage {
  private readonly data = new Map<string, string>();
  get length(): number {
    return this.data.size;
  }
  key(i: number): string | null {
    return [...this.data.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.data.set(k, String(v));
  }
  removeItem(k: string): void {
    this.data.delete(k);
  }
  clear(): void {
    this.data.clear();
  }
}

function installWindow(currentUser: () => string | null, onRequest?: (m: string) => void): void {
  // msal-browser reads `window`; in Node the global object plays that role, with the bridge on it.
  const win = globalThis as unknown as Record<string, unknown>;
  globalWindow.window = globalThis;
  win.localStorage = new MemoryStorage();
  win.sessionStorage = new MemoryStorage();
  win.nestedAppAuthBridge = createSandboxNaaBridge({ currentUserOid: currentUser, tokenUrl, onRequest });
}

describe('sandbox NAA host with the real msal-browser', () => {
  it('gets the relay token for the signed-in user through the bridge, then serves it from cache', async () => {
    const methods: string[] = [];
    installWindow(() => 'oid-anna', (m) => methods.push(m));
    const provider = createNaaTokenProvider(config);
    const first = await provider.getAccessToken();
    expect(first).toMatch(/^at-oid-anna-\d+$/);
    expect(tokenRequests.at(-1)).toEqual({ userOid: 'oid-anna', scopes: config.scopes });
    expect(methods).toEqual(['GetInitContext', 'GetToken']);
    const again = await provider.getAccessToken();
    expect(again).toBe(first);
    expect(methods).toEqual(['GetInitContext', 'GetToken']);
    const refreshed = await provider.getAccessToken({ forceRefresh: true });
    expect(refreshed).not.toBe(first);
    expect(methods).toEqual(['GetInitContext', 'GetToken', 'GetToken']);
  });

  it('shares one bridge request between concurrent callers', async () => {
    const methods: string[] = [];
    installWindow(() => 'oid-marco', (m) => methods.push(m));
    const provider = createNaaTokenProvider(config);
    const tokens = await Promise.all([provider.getAccessToken(), provider.getAccessToken(), provider.getAccessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(methods.filter((m) => m === 'GetToken')).toHaveLength(1);
  });

  it('falls back to the popup method when the host needs interaction, and surfaces persistent errors', async () => {
    const methods: string[] = [];
    installWindow(() => 'oid-anna', (m) => methods.push(m));
    failNext = 401;
    const provider = createNaaTokenProvider(config);
    await expect(provider.getAccessToken()).resolves.toMatch(/^at-oid-anna/);
    expect(methods).toEqual(['GetInitContext', 'GetToken', 'GetTokenPopup']);

    installWindow(() => null);
    const signedOut = createNaaTokenProvider(config);
    await expect(signedOut.getAccessToken()).rejects.toThrow();
  });
});
