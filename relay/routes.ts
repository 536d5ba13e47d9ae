/**
 * Which routers the relay mounts, wired to the started services: the add-in's static pages and manifest, the
 * sidebar API behind bearer-token authentication, and (sandbox only) the sandbox page's helper routes.
 */
import path from 'node:path';
import fs from 'node:fs';
import express, { Router, type RequestHandler } from 'express';
import type { RelayClientConfig } from '../shared/api/sidebar';
import { ACTIVATION_ROUTES } from '../shared/api/activation';
import { createTokenValidator, requireUser } from './auth';
import { sidebarRoutes } from './http/sidebar-routes';
import { syncRouteEntries } from './http/sync-routes';
import { activationRouteEntries } from './http/activation-routes';
import { mountAdmin } from './http/admin-routes';
import { manifestPaths, manifestRouter } from './manifest';
import type { Sandbox } from './sandbox/start';
import type { RelayServices } from './server';
import { c4cPortCache } from './c4c/port-cache';
import { createSidebarService } from './sidebar/service';
import { createICalUidResolver } from './sidebar/meeting-key';
import { openMailbox } from './mailbox';
import { cachedDirectory, createStore } from './store';
import { timed } from './http/timing';
import { pushRouter } from './http/push-routes';
import { chainGuards, createBackpressure } from './http/backpressure';
import { BODY_LIMITS, bodyAfterAuth, jsonBody } from './http/body';
import { metricsRouter } from './metrics';

/** Where webpack puts the add-in pages; found from the project root so compiled builds serve them too. */
export const addinDistDir = (): string => path.join(manifestPaths().root, 'dist', 'addin');

export async function buildRoutes(services: RelayServices, sandbox?: Sandbox): Promise<Array<[string, Router]>> {
  const { config, db, secrets } = services;
  const store = createStore(db, secrets);
  // Every request needs its tenant, its user and (to save) its C4C connection: read once per few seconds, not per request.
  const directory = cachedDirectory(store);
  const c4cFor = c4cPortCache({ getWithSecret: directory.c4cConnection }, { wrap: timed });
  const clientId = sandbox?.addinClientId ?? config.entra.clientId;
  if (!clientId) throw new Error('ENTRA_CLIENT_ID is not set');
  const authorityHost = sandbox?.entraAuthorityHost ?? config.entra.authorityHost;

  const validator = createTokenValidator({
    authorityHost,
    audience: [clientId, config.entra.appIdUri ?? `api://${clientId}`],
    requiredScope: config.entra.requiredScope,
    caPem: sandbox?.entraCaPem,
    allowedTenants: directory.tenantOnboarded,
  });
  // Authentication first, then the bound on work in flight, then (per route) the body.
  const backpressure = createBackpressure(config.limits);
  const userOnly = requireUser({
    validator,
    resolveUser: async (tenantId, oid) => {
      const user = await directory.userByEntra(tenantId, oid);
      return user ? { userId: user.id, organizationId: user.organizationId, role: user.role, email: user.email, displayName: user.displayName } : null;
    },
  });
  const userGuard = chainGuards(userOnly, backpressure.guard);
  const guardOnce: RequestHandler = (req, res, next) => (req.auth ? next() : userGuard(req, res, next));

  const resolveICalUid = createICalUidResolver({
    accessFor: (organizationId, userId) => store.mailboxAccess.accessFor(organizationId, userId),
    open: (address, access) => openMailbox(address, access),
    logger: services.logger,
  });
  const service = createSidebarService({ store, c4cFor, resolveICalUid });
  const api = sidebarRoutes({ requireUser: userGuard, store, service, c4cFor });

  const clientConfig: RelayClientConfig = {
    clientId,
    authority: `${authorityHost}/common`,
    scopes: [`api://${clientId}/${config.entra.requiredScope}`],
    relayOrigin: config.publicOrigin,
  };
  const pages = Router();
  pages.get('/config.json', (_req, res) => {
    res.json(clientConfig);
  });
  const distDir = addinDistDir();
  // The admin console (addin/admin): same app registration and scope; its client-side routes all serve its page.
  pages.get('/admin/config.json', (_req, res) => {
    res.json(clientConfig);
  });
  pages.get(['/admin', '/admin/{*path}'], (_req, res, next) => {
    const page = path.join(distDir, 'admin.html');
    if (!fs.existsSync(page)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page);
  });
  if (fs.existsSync(distDir)) {
    pages.use(express.static(distDir, { index: false, maxAge: '5m' }));
  } else {
    services.logger.warn({ dir: distDir }, 'add-in bundle not built: run npm run build:addin');
  }

  // Before '/api': the sidebar router's user guard would otherwise answer every /api/admin request.
  const admin = await mountAdmin({
    services,
    authorityHost,
    clientId,
    appIdUri: config.entra.appIdUri,
    requiredScope: config.entra.requiredScope,
    entraCaPem: sandbox?.entraCaPem,
    operatorTenantIds: config.admin.operatorTenantIds,
    backpressure: backpressure.guard,
  });
  const routes: Array<[string, Router]> = [
    // Prometheus metrics: bearer METRICS_TOKEN when set, otherwise loopback clients only (relay/metrics/route.ts).
    ...(services.metrics ? ([['/', metricsRouter({ metrics: services.metrics, token: config.metrics.token })]] as Array<[string, Router]>) : []),
    ['/', manifestRouter({ publicOrigin: config.publicOrigin })],
    ['/', pages],
    ['/', admin],
    // Graph change notifications: called by Microsoft, authenticated by each subscription's clientState.
    ['/', pushRouter({ db, trigger: services.push, logger: services.logger })],
    ...syncRouteEntries(services, userGuard),
    // Its API behind the guard before its body is read: the guard runs here, then the body parser, then its routes
    // (whose own guard sees the request authenticated already and passes it on).
    ...activationRouteEntries(services, guardOnce, sandbox).map(([prefix, router]): [string, Router] =>
      prefix === ACTIVATION_ROUTES.prefix ? [prefix, bodyAfterAuth(Router().use(userGuard, jsonBody(BODY_LIMITS.small), router))] : [prefix, router],
    ),
    ['/api', api],
  ];
  if (sandbox) routes.push(['/sandbox/api', sandbox.routes(store)]);
  return routes;
}
