/**
 * GET /metrics (Prometheus text format), protected two ways:
 * - METRICS_TOKEN set: every scrape needs `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise), from any address;
 * - METRICS_TOKEN not set: only loopback clients (127.0.0.0/8, ::1) may scrape (403 for anyone else), so a relay
 *   behind a load balancer does not publish its metrics to the internet by default.
 * The client address is the TCP peer's, never X-Forwarded-For (a header anyone can send).
 */
import crypto from 'node:crypto';
import { Router, type Request } from 'express';
import type { RelayMetrics } from './index';

export interface MetricsRouteOptions {
  metrics: Pick<RelayMetrics, 'scrape' | 'contentType'>;
  /** METRICS_TOKEN. */
  token?: string;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

function tokenMatches(req: Request, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = crypto.createHash('sha256').update(match[1].trim()).digest();
  const expected = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, expected);
}

export function metricsRouter(options: MetricsRouteOptions): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    if (options.token !== undefined) {
      if (!tokenMatches(req, options.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.status(401).json({ error: { code: 'unauthorized', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' } });
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress)) {
      res.status(403).json({ error: { code: 'forbidden', message: 'Metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere.' } });
      return;
    }
    try {
      const body = await options.metrics.scrape();
      res.setHeader('Content-Type', options.metrics.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
