/**
 * Entra emulator + Exchange emulator (with this Graph router) wired together for tests and benches of the Graph
 * mailbox backend: an app registration with the Graph application permissions the product needs, directory users
 * for the mailboxes, and `MailboxAccess` values for application and delegated access (the latter obtained through the
 * real authorization code flow with msal-node).
 */
import { randomUUID } from 'node:crypto';
import { startEntraEmulator, caTrustingNetworkClient, followAuthorizeRedirect, type EntraEmulator } from '../../entra';
import { startExchangeEmulator, type ExchangeEmulator } from '../index';
import { buildAuthorizationUrl, redeemAuthorizationCode, type GraphMailboxOptions } from '../../../../relay/mailbox/graph';
import type { MailboxAccess } from '../../../../relay/mailbox/types';
import { GraphEmulatorState } from './state';
import { directoryObjectId } from '../directory';

export const TESTBED_TENANT = '5b0e3f4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
export const FULL_APP_ROLES = ['Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All', 'MailboxSettings.ReadWrite', 'User.Read.All'];
export const REDIRECT_URI = 'https://relay.example/admin/graph/consent';

export interface GraphTestbed {
  entra: EntraEmulator;
  exchange: ExchangeEmulator;
  state: GraphEmulatorState;
  app: { clientId: string; clientSecret: string };
  /** Creates a mailbox (and its directory user). */
  addMailbox(address: string, displayName?: string): string;
  /** Entra object id of a mailbox's user. */
  oidOf(address: string): string;
  appAccess(overrides?: Partial<Extract<MailboxAccess, { kind: 'graph-app' }>>): Extract<MailboxAccess, { kind: 'graph-app' }>;
  /** Runs the consent flow for the mailbox's user and returns delegated access holding its refresh token. */
  delegatedAccess(address: string, onRotated?: (refreshToken: string) => Promise<void>): Promise<Extract<MailboxAccess, { kind: 'graph-delegated' }>>;
  /** Client options that trust both emulators; fast back-off so throttling tests stay quick. */
  options(extra?: GraphMailboxOptions): GraphMailboxOptions;
  close(): Promise<void>;
}

export async function startGraphTestbed(init: { appRoles?: string[]; seedDemo?: boolean } = {}): Promise<GraphTestbed> {
  const entra = await startEntraEmulator();
  const state = new GraphEmulatorState();
  const exchange = await startExchangeEmulator({ entra, graph: { state }, seedDemo: init.seedDemo });
  if (!exchange.graphMounted) throw new Error('The Exchange emulator did not mount the Graph router');
  const app = { clientId: randomUUID(), clientSecret: `secret-${randomUUID()}` };
  entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId: app.clientId, clientSecret: app.clientSecret, displayName: 'C4C sync (Graph)', redirectUris: [REDIRECT_URI], roles: init.appRoles ?? FULL_APP_ROLES });
  const users = new Map<string, string>();
  const addMailbox = (address: string, displayName = address.split('@')[0]): string => {
    const key = address.toLowerCase();
    if (!users.has(key)) {
      // The Exchange side knows the user by the same object id (`/users/{id}`).
      const oid = directoryObjectId(exchange.store, key);
      entra.control.addUser({ tenantId: TESTBED_TENANT, oid, upn: key, name: displayName });
      users.set(key, oid);
    }
    exchange.store.addMailbox(key, displayName, 'unused-password');
    return key;
  };
  for (const record of exchange.store.listMailboxes()) addMailbox(record.address, record.displayName);

  const msal = { auth: { knownAuthorities: [new URL(entra.origin).host] }, system: { networkClient: caTrustingNetworkClient(entra.caPem) } };
  const common = { tenantId: TESTBED_TENANT, clientId: app.clientId, clientSecret: app.clientSecret, authorityHost: entra.authorityHost, graphBaseUrl: exchange.graphBaseUrl };
  return {
    entra,
    exchange,
    state,
    app,
    addMailbox,
    oidOf: (address) => {
      const oid = users.get(address.toLowerCase());
      if (!oid) throw new Error(`No directory user for ${address}`);
      return oid;
    },
    appAccess: (overrides = {}) => ({ kind: 'graph-app', ...common, ...overrides }),
    async delegatedAccess(address, onRotated) {
      const { url, codeVerifier } = await buildAuthorizationUrl({ ...common, redirectUri: REDIRECT_URI, state: 'test-state', loginHint: address, msal });
      const redirect = await followAuthorizeRedirect(entra, url);
      const code = redirect.searchParams.get('code');
      if (!code) throw new Error(`Consent failed: ${redirect.toString()}`);
      const consent = await redeemAuthorizationCode({ ...common, code, redirectUri: REDIRECT_URI, codeVerifier, msal });
      return { kind: 'graph-delegated', ...common, refreshToken: consent.refreshToken, onRefreshTokenRotated: onRotated };
    },
    options: (extra = {}) => ({ msal, caPem: exchange.caPem, retry: { maxRetries: 3, maxRetryAfterSeconds: 5, defaultDelaySeconds: 0.05 }, ...extra }),
    async close() {
      await exchange.close();
      await entra.close();
    },
  };
}
