/**
 * Access tokens for the relay through Nested App Authentication (office-addin.md §4, exchange-and-graph.md §11.2):
 * the host (Outlook, or the sandbox page's simulated host) brokers the token; msal-browser talks to it through
 * `window.nestedAppAuthBridge`. Silent first; a popup only when the host says interaction is required. Concurrent
 * callers share one request, so a burst of API calls never opens two popups.
 */
import {
  createNestablePublicClientApplication,
  InteractionRequiredAuthError,
  type IPublicClientApplication,
} from '@azure/msal-browser';
import type { RelayClientConfig } from '../../shared/api/sidebar';

export interface TokenOptions {
  /** Skip msal's cache (after the relay answered 401 to a cached token). */
  forceRefresh?: boolean;
}

export interface AccessTokenProvider {
  getAccessToken(options?: TokenOptions): Promise<string>;
}

export type PcaFactory = (config: RelayClientConfig) => Promise<IPublicClientApplication>;

export const createNestablePca: PcaFactory = (config) =>
  createNestablePublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      // msal matches cached tokens by the authority's host aliases; Microsoft's hosts are built in, any other host (the
      // sandbox's Entra emulator, a sovereign cloud) must be named or every call goes back to the host.
      knownAuthorities: [new URL(config.authority).host],
    },
    // The host keeps the real token cache; memory keeps nothing behind when the pane closes (or the sandbox user changes).
    cache: { cacheLocation: 'memoryStorage' },
  });

export function createNaaTokenProvider(config: RelayClientConfig, factory: PcaFactory = createNestablePca): AccessTokenProvider {
  let pca: Promise<IPublicClientApplication> | undefined;
  let inFlight: Promise<string> | undefined;

  const acquire = async (options: TokenOptions): Promise<string> => {
    pca ??= factory(config);
    const app = await pca;
    // With NAA the host knows the account; outside it (fallback to standard msal) use the one msal remembers.
    const account = app.getActiveAccount() ?? app.getAllAccounts()[0];
    try {
      const result = await app.acquireTokenSilent({ scopes: config.scopes, account, forceRefresh: options.forceRefresh === true });
      return result.accessToken;
    } catch (error) {
      if (!(error instanceof InteractionRequiredAuthError)) throw error;
      const result = await app.acquireTokenPopup({ scopes: config.scopes });
      app.setActiveAccount(result.account);
      return result.accessToken;
    }
  };

  return {
    getAccessToken(options = {}) {
      if (inFlight !== undefined && options.forceRefresh !== true) return inFlight;
      const request = acquire(options).finally(() => {
        if (inFlight === request) inFlight = undefined;
      });
      inFlight = request;
      return request;
    },
  };
}
