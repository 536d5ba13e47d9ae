/** The Express application: security headers, JSON parsing, request logs, routes, one error shape. */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { BODY_LIMITS, jsonBody, readsBodyAfterAuth } from './body';
import { CORRELATION_HEADER, correlationIdFor, errorHandler, notFoundHandler } from './errors';

export interface AppOptions {
  logger: Logger;
  /** Mounted in order; each entry is [path prefix, router]. */
  routers: Array<[string, Router]>;
  /**
   * Largest JSON body the catch-all parser reads for routers mounted on a path of their own that are not marked
   * `bodyAfterAuth` (default 100 kB). Marked routers (relay/http/body.ts) parse their bodies per route after their
   * guard, with per-route limits, and never see this parser.
   */
  jsonLimit?: string | number;
  /** Extra origins the task pane / sandbox pages load scripts or connect to (CSP). */
  connectSources?: string[];
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Office.js is served from Microsoft's CDN; the task pane runs inside Outlook's frame.
          'script-src': ["'self'", 'https://appsforoffice.microsoft.com'],
          'connect-src': ["'self'", ...(options.connectSources ?? [])],
          'frame-ancestors': ['*'],
          'img-src': ["'self'", 'data:'],
          'style-src': ["'self'", "'unsafe-inline'"],
          'upgrade-insecure-requests': null,
        },
      },
      // The task pane is framed by Outlook (web and desktop hosts), so frameguard must stay off.
      frameguard: false,
      crossOriginEmbedderPolicy: false,
      // The sidebar's sign-in popup (self-activation) goes to Microsoft's sign-in page: with `same-origin` the task pane
      // loses its handle on the popup and cannot tell that the user closed it.
      crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    }),
  );
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const correlationId = correlationIdFor(req.headers[CORRELATION_HEADER]);
    res.locals.correlationId = correlationId;
    res.setHeader(CORRELATION_HEADER, correlationId);
    closeWhenBodyUnread(req, res);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // An unexpected error is logged (with its stack) once by the error handler; this line only counts the request.
      const level = res.statusCode >= 500 ? 'warn' : req.path === '/healthz' || req.path === '/readyz' ? 'debug' : 'info';
      options.logger[level]({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, correlationId }, 'request');
    });
    next();
  });
  // No parser in front of everything: a request's body is read only by the router it is meant for. Routers marked
  // `bodyAfterAuth` parse behind their guard; any other router mounted on a path of its own gets the small catch-all
  // parser in front of it (the sandbox helpers); routers on '/' (manifest, pages, metrics, health) take no JSON or
  // parse their own.
  const catchAll = options.jsonLimit === undefined ? jsonBody(BODY_LIMITS.unguarded) : express.json({ limit: options.jsonLimit });
  for (const [prefix, router] of options.routers) {
    if (readsBodyAfterAuth(router) || prefix === '/') app.use(prefix, router);
    else app.use(prefix, catchAll, router);
  }
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}

/**
 * A response sent before the request's body was read (a 401 before the body, a 503 of back-pressure, a 413) closes
 * the connection instead of letting Node read and discard what may be megabytes to keep it alive. A body already
 * received in full (small requests) keeps the connection.
 */
function closeWhenBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return;
  const writeHead = res.writeHead;
  // Node's writeHead is overloaded; the wrapper passes every argument through unchanged.
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!req.complete && !this.headersSent) this.setHeader('Connection', 'close');
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}
