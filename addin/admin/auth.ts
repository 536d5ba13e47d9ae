/**
 * Sign-in of the admin console: an ordinary browser page, so standard msal-browser with the authorization code flow
 * and PKCE through a full-page redirect (no popups to be blocked, no NAA host). `handleRedirectPromise` finishes a
 * sign-in the Entra page redirected back from; tokens for the relay's API come from `acquireTokenSilent`, and only
 * when Entra says interaction is required does the page redirect again.
 */
import {
  BrowserCacheLocation,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type IPublicClientApplication,
} from '@azure/msal-browser';
import type { RelayClientConfig } from '../../shared/api/sidebar';

/** The page Entra redirects back to: registered in the app registration as an SPA redirect URI. */
export const adminRedirectUri = (origin: string): string => `${origin}/admin`;

export interface AdminAccount {
  name: string;
  username: string;
  tenantId: string;
  /** App roles in the ID token (the relay checks the access token's; this only decides what the shell shows). */
  roles: string[];
}

export interface AdminAuth {
  /** The signed-in account, or null when the console must offer "Sign in". */
  account: AdminAccount | null;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

export type PcaFactory = (config: RelayClientConfig, origin: string) => IPublicClientApplication;

export const createRedirectPca: PcaFactory = (config, origin) =>
  new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      // Hosts other than Microsoft's (the sandbox's Entra emulator, sovereign clouds) must be named, or msal asks
      // login.microsoftonline.com for instance discovery.
      knownAuthorities: [new URL(config.authority).host],
      redirectUri: adminRedirectUri(origin),
      postLogoutRedirectUri: adminRedirectUri(origin),
    },
    // Per tab: closing the browser tab ends the admin's session on this machine.
    cache: { cacheLocation: BrowserCacheLocation.SessionStorage },
  });

function toAccount(account: AccountInfo): AdminAccount {
  const claims = (account.idTokenClaims ?? {}) as { roles?: unknown };
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  return { name: account.name ?? account.username, username: account.username, tenantId: account.tenantId, roles };
}

export async function startAdminAuth(config: RelayClientConfig, origin: string, factory: PcaFactory = createRedirectPca): Promise<AdminAuth> {
  const app = factory(config, origin);
  await app.initialize();
  const result = await app.handleRedirectPromise();
  if (result?.account) app.setActiveAccount(result.account);
  const active = app.getActiveAccount() ?? app.getAllAccounts()[0] ?? null;
  if (active !== null) app.setActiveAccount(active);

  let inFlight: Promise<string> | undefined;
  const acquire = async (forceRefresh: boolean): Promise<string> => {
    const account = app.getActiveAccount();
    if (account === null) {
      await app.loginRedirect({ scopes: config.scopes });
      // The page is navigating away; nothing after this runs.
      return new Promise<string>(() => undefined);
    }
    try {
      return (await app.acquireTokenSilent({ scopes: config.scopes, account, forceRefresh })).accessToken;
    } catch (error) {
      if (!(error instanceof InteractionRequiredAuthError)) throw error;
      await app.acquireTokenRedirect({ scopes: config.scopes, account });
      return new Promise<string>(() => undefined);
    }
  };

  return {
    account: active === null ? null : toAccount(active),
    signIn: () => app.loginRedirect({ scopes: config.scopes, prompt: 'select_account' }),
    signOut: async () => {
      const account = app.getActiveAccount();
      await app.logoutRedirect(account === null ? {} : { account });
    },
    getAccessToken(options = {}) {
      const force = options.forceRefresh === true;
      if (inFlight !== undefined && !force) return inFlight;
      const request = acquire(force).finally(() => {
        if (inFlight === request) inFlight = undefined;
      });
      inFlight = request;
      return request;
    },
  };
}
