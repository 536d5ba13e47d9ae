/** The Express application: security headers, JSON parsing, request logs, routes, one error shape. */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '../log';
import { errorHandler, notFoundHandler } from './errors';

export interface AppOptions {
  logger: Logger;
  /** Mounted in order; each entry is [path prefix, router]. */
  routers: Array<[string, Router]>;
  /** Largest JSON body accepted (saving an email with attachments needs more than the default 100 kB). */
  jsonLimit?: string;
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
    }),
  );
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : req.path === '/healthz' || req.path === '/readyz' ? 'debug' : 'info';
      options.logger[level]({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: options.jsonLimit ?? '25mb' }));
  for (const [prefix, router] of options.routers) app.use(prefix, router);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
