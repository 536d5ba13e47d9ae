/**
 * The loopback Exchange emulator: one store, two protocols.
 * - EWS SOAP at `/EWS/Exchange.asmx` (`./ews/`), over plain HTTP (`ewsUrl`).
 * - Microsoft Graph at `/v1.0` and `/beta` (`./graph/`, when present), over HTTPS (`graphBaseUrl`): the Graph
 *   client only sends tokens to and follows links of https URLs (see graph/README.md). Clients trust `caPem`.
 * - Test control in-process (`control`) and over HTTP at `/__control/`.
 * Both listeners serve the same app, so every route is reachable on either origin.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { generateLoopbackTls, type LoopbackTls } from '../entra/tls';
import { ExchangeControl } from './control';
import { createControlRouter } from './control-routes';
import { seedDemoMailboxes } from './demo-data';
import { createAutodiscoverRouter } from './autodiscover';
import { createEwsRouter, EWS_PATH } from './ews';
import { ExchangeStore } from './store';

export interface EntraTrust {
  issuer(tenantId: string): string;
  jwksUri(tenantId: string): string;
  caPem?: string;
}

export interface ExchangeEmulatorOptions {
  host?: string;
  /** Port of the HTTP listener (0 = random). */
  port?: number;
  /** Port of the HTTPS listener (0 = random); only used when the Graph router is mounted. */
  httpsPort?: number;
  /** Where Graph bearer tokens come from (passed to the Graph router). */
  entra?: EntraTrust;
  /** Extra options passed through to `createGraphRouter`. */
  graph?: Record<string, unknown>;
  /** Create the demo mailboxes (DEMO_USERS) and the demo service account. */
  seedDemo?: boolean;
  /**
   * Mount the Graph router (needs `entra` or `graph.validateToken` to check bearer tokens). Default: mounted when its
   * module exists and a token check is configured. EWS-only tests pass false (no TLS setup).
   */
  mountGraph?: boolean;
  /** Reuse TLS material (saves ~1 s of key generation per emulator). */
  tls?: LoopbackTls;
}

export interface ExchangeEmulator {
  /** HTTP origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** origin + '/EWS/Exchange.asmx' */
  ewsUrl: string;
  /** HTTPS origin when Graph is mounted (Graph routes at /v1.0/... and /beta/...), else the HTTP origin. */
  graphBaseUrl: string;
  /** CA certificate to trust for graphBaseUrl (undefined without Graph). */
  caPem?: string;
  /** True when the Graph router was found and mounted. */
  graphMounted: boolean;
  store: ExchangeStore;
  control: ExchangeControl;
  close(): Promise<void>;
}

type GraphRouterFactory = (store: ExchangeStore, control: ExchangeControl, options: Record<string, unknown>) => Router;

/** The Graph router is written separately; mount it when its module is present. */
function loadGraphRouterFactory(): GraphRouterFactory | undefined {
  const candidates = ['index.ts', 'index.js'].map((f) => path.join(__dirname, 'graph', f));
  if (!candidates.some((c) => fs.existsSync(c))) return undefined;
  // Dynamic so the EWS side works while the Graph module is absent; its export is checked below.
  const mod = require('./graph') as { createGraphRouter?: GraphRouterFactory };
  return typeof mod.createGraphRouter === 'function' ? mod.createGraphRouter : undefined;
}

function listen(server: http.Server | https.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startExchangeEmulator(options: ExchangeEmulatorOptions = {}): Promise<ExchangeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const store = new ExchangeStore();
  const control = new ExchangeControl(store);
  if (options.seedDemo) seedDemoMailboxes(store);

  const app = express();
  app.disable('x-powered-by');
  app.use(createEwsRouter(store, control));
  app.use(createAutodiscoverRouter(store, control));
  app.use('/__control', createControlRouter(control));
  const tokenCheckConfigured = options.entra !== undefined || options.graph?.validateToken !== undefined;
  const graphFactory = options.mountGraph === true || (options.mountGraph === undefined && tokenCheckConfigured) ? loadGraphRouterFactory() : undefined;
  if (graphFactory) {
    const graphOptions = { ...options.graph, entra: options.entra };
    app.use('/v1.0', graphFactory(store, control, graphOptions));
    app.use('/beta', graphFactory(store, control, graphOptions));
  }

  const httpServer = http.createServer(app);
  const httpPort = await listen(httpServer, host, options.port ?? 0);
  const origin = `http://${host}:${httpPort}`;
  let httpsServer: https.Server | undefined;
  let graphBaseUrl = origin;
  let caPem: string | undefined;
  if (graphFactory) {
    const tls = options.tls ?? (await generateLoopbackTls([host]));
    httpsServer = https.createServer({ key: tls.keyPem, cert: tls.certPem }, app);
    const httpsPort = await listen(httpsServer, host, options.httpsPort ?? 0);
    graphBaseUrl = `https://${host}:${httpsPort}`;
    caPem = tls.caPem;
  }

  return {
    origin,
    ewsUrl: origin + EWS_PATH,
    graphBaseUrl,
    caPem,
    graphMounted: Boolean(graphFactory),
    store,
    control,
    async close() {
      await Promise.all([closeServer(httpServer), httpsServer ? closeServer(httpsServer) : Promise.resolve()]);
    },
  };
}

export { ExchangeStore } from './store';
export { ExchangeControl } from './control';
export { MailboxUserActions } from './user-actions';
export { seedDemoMailboxes, generateBulkItems, DEMO_MAILBOX_PASSWORD, DEMO_CUSTOMER_PEOPLE } from './demo-data';
