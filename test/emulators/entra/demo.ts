/** The sandbox's Entra directory, built from the shared demo identities so every emulator tells the same story. */
import {
  DEMO_ADDIN_CLIENT_ID,
  DEMO_GRAPH_APP,
  DEMO_MAIL_DOMAIN,
  DEMO_ORG_NAME,
  DEMO_TENANT_ID,
  DEMO_USERS,
} from '../demo-identities';
import type { Directory } from './directory';

/** Graph application permissions the sync needs (mail read/write, calendars, contacts) in app-only tokens. */
export const DEMO_GRAPH_APP_ROLES = ['Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.Read', 'User.Read.All'];

/** The app role of the relay's registration that makes a user an administrator of the admin console. */
export const DEMO_ADMIN_APP_ROLE = 'Admin';

/**
 * Redirect URIs of the add-in registration: the NAA broker URIs (`brk-multihub://<origin>`) and the fallback
 * dialog pages of the relay's usual local origins.
 */
export function demoAddinRedirectUris(relayOrigins: readonly string[] = ['https://localhost:3000', 'http://localhost:3000', 'http://127.0.0.1:3000']): string[] {
  const uris = new Set<string>();
  for (const origin of relayOrigins) {
    uris.add(`brk-multihub://${new URL(origin).host}`);
    uris.add(`${origin}/auth.html`);
    uris.add(`${origin}/dialog.html`);
    // The admin console signs in with a redirect to its own page (msal-browser loginRedirect).
    uris.add(`${origin}/admin`);
    uris.add(origin);
  }
  return [...uris];
}

/** The relay's OAuth redirect page of the sidebar's Office 365 activation, on the relay's usual local origins. */
export function demoConsentRedirectUris(relayOrigins: readonly string[] = ['https://localhost:3000', 'http://localhost:3000', 'http://127.0.0.1:3000']): string[] {
  return relayOrigins.map((origin) => `${origin}/activation/office365/done`);
}

export function seedDemoDirectory(directory: Directory, relayOrigins?: readonly string[]): void {
  // The add-in and the relay share one registration (NAA SPA + exposed API `access_as_user`), a public client.
  directory.registerApp({
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_ADDIN_CLIENT_ID,
    displayName: `${DEMO_ORG_NAME} Outlook add-in`,
    redirectUris: demoAddinRedirectUris(relayOrigins),
    exposedScopes: ['access_as_user'],
    appRoles: [DEMO_ADMIN_APP_ROLE],
  });
  directory.registerApp({
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_GRAPH_APP.clientId,
    clientSecret: DEMO_GRAPH_APP.clientSecret,
    displayName: `${DEMO_ORG_NAME} mailbox sync (Graph)`,
    // The relay's redirect URI for a user's own Office 365 consent (S8, delegated access); loopback ports are ignored.
    redirectUris: demoConsentRedirectUris(relayOrigins),
    roles: DEMO_GRAPH_APP_ROLES,
  });
  for (const user of DEMO_USERS) {
    directory.addUser({ tenantId: DEMO_TENANT_ID, oid: user.oid, upn: user.email, name: user.displayName });
    if (user.role === 'admin') directory.assignAppRole({ tenantId: DEMO_TENANT_ID, clientId: DEMO_ADDIN_CLIENT_ID, oid: user.oid, role: DEMO_ADMIN_APP_ROLE });
  }
}

export { DEMO_MAIL_DOMAIN };
