/** Liveness and readiness: /healthz says the process serves; /readyz says it can do work (DB reachable, schema current). */
import { Router } from 'express';

export interface ReadinessProbe {
  /** Resolves with a short description of what is not ready, or undefined when ready. */
  (): Promise<string | undefined>;
}

export function healthRouter(options: { isShuttingDown: () => boolean; checks: Record<string, ReadinessProbe> }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, string> = {};
    let ready = !options.isShuttingDown();
    if (!ready) results.shutdown = 'shutting down';
    for (const [name, check] of Object.entries(options.checks)) {
      try {
        const problem = await check();
        results[name] = problem ?? 'ok';
        if (problem) ready = false;
      } catch (error) {
        results[name] = error instanceof Error ? error.message : 'failed';
        ready = false;
      }
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: results });
  });
  return router;
}
