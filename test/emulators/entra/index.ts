/**
 * Entra ID (Microsoft identity platform v2.0) emulator for tests and the sandbox: per-tenant discovery, JWKS with
 * rotating keys, authorize (immediate sign-in) and token endpoints (client_credentials, authorization_code,
 * refresh_token), Entra-shaped errors, and a control API. HTTPS on loopback by default because msal refuses http.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createControl, controlRouter, type EntraControl } from './control';
import { Directory } from './directory';
import { SigningKeyRing } from './keys';
import { createEntraApp } from './server';
import { generateLoopbackTls } from './tls';

export interface EntraEmulatorOptions {
  host?: string;
  port?: number;
  /** Default true. Plain HTTP is for clients other than msal (which refuses http authorities). */
  https?: boolean;
}

export interface EntraEmulator {
  /** e.g. `https://127.0.0.1:54321` — use as msal's authority host and the relay's ENTRA_AUTHORITY_HOST. */
  origin: string;
  authorityHost: string;
  /** CA certificate (PEM) that signed the server certificate; empty string over plain HTTP. */
  caPem: string;
  /** `<origin>/<tenantId>/v2.0`, the `iss` of the tenant's v2.0 tokens. */
  issuer(tenantId: string): string;
  /** `<origin>/<tenantId>/discovery/v2.0/keys`. */
  jwksUri(tenantId: string): string;
  control: EntraControl;
  close(): Promise<void>;
}

export async function startEntraEmulator(options: EntraEmulatorOptions = {}): Promise<EntraEmulator> {
  const host = options.host ?? '127.0.0.1';
  const useHttps = options.https ?? true;
  let origin = '';
  const issuer = (tenantId: string): string => `${origin}/${tenantId}/v2.0`;
  const directory = new Directory(await SigningKeyRing.create(), issuer);
  const control = createControl(directory);
  const tls = useHttps ? await generateLoopbackTls([host]) : undefined;
  const caPem = tls?.caPem ?? '';
  const app = createEntraApp({ directory, issuer, origin: () => origin }, controlRouter(control, () => caPem));
  const server = tls ? https.createServer({ key: tls.keyPem, cert: `${tls.certPem}\n${tls.caPem}` }, app) : http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const originHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  origin = `${useHttps ? 'https' : 'http'}://${originHost}:${port}`;

  return {
    origin,
    authorityHost: origin,
    caPem,
    issuer,
    jwksUri: (tenantId) => `${origin}/${tenantId}/discovery/v2.0/keys`,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets (msal, jose) would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

export type { EntraControl } from './control';
export type { AddUserInput, AssignAppRoleInput, IssueAppTokenInput, IssueUserTokenInput, RegisterAppInput, RegisteredApp } from './directory';
export { msalNodeConfigFor, caTrustingNetworkClient, followAuthorizeRedirect } from './msal';
export { GRAPH_RESOURCE } from './tokens';
export { DEMO_ADMIN_APP_ROLE, DEMO_GRAPH_APP_ROLES, demoAddinRedirectUris } from './demo';

/** Registers the demo apps and users (test/emulators/demo-identities.ts) in a running emulator. */
export function seedDemo(emulator: Pick<EntraEmulator, 'control'>, relayOrigins?: readonly string[]): void {
  emulator.control.seedDemo(relayOrigins);
}
