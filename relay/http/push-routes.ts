/**
 * The Graph change-notification endpoints (E12). Microsoft calls them, not users, so there is no bearer token: each
 * notification authenticates by its subscription's clientState, verified on every entry against the stored SHA-256
 * with a constant-time compare. An entry with an unknown subscription or the wrong clientState is rejected and
 * triggers nothing; a request holding only such entries is answered 403 (Graph does not retry 4xx).
 *
 *   POST /push/graph/notifications   change notifications  → the mailbox's next session is brought forward
 *   POST /push/graph/lifecycle       lifecycle notifications: reauthorizationRequired (renewed by the Graph channel),
 *                                    subscriptionRemoved (re-created), missed (a session runs: delta catches up)
 *
 * Both answer Graph's validation handshake (`?validationToken=…` → 200 text/plain with the token) when a
 * subscription is created. Valid notifications are answered 202 at once; the session runs later (debounced trigger).
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../log';
import type { Queryable } from '../store/db';
import { createPushSubscriptionRepository, type PushSubscription } from '../store/push-subscriptions';
import type { PushTrigger } from '../push/types';
import { emitLifecycle, type GraphLifecycleEvent } from '../push/lifecycle';

export const GRAPH_NOTIFICATION_PATH = '/push/graph/notifications';
export const GRAPH_LIFECYCLE_PATH = '/push/graph/lifecycle';

const entrySchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).optional(),
  changeType: z.string().max(64).optional(),
  resource: z.string().max(2048).optional(),
  lifecycleEvent: z.string().max(64).optional(),
  tenantId: z.string().max(64).optional(),
});
const collectionSchema = z.object({ value: z.array(z.unknown()).min(1).max(1000) });

const LIFECYCLE_EVENTS = new Set<GraphLifecycleEvent>(['reauthorizationRequired', 'subscriptionRemoved', 'missed']);

export interface PushRouteDeps {
  db: Queryable;
  trigger: PushTrigger;
  logger: Logger;
  now?: () => Date;
}

/** Answers the validation handshake; true when the request was one. */
function answerValidation(req: Request, res: Response): boolean {
  const token = req.query.validationToken;
  if (typeof token !== 'string') return false;
  // Graph expects the decoded token back as plain text within 10 s.
  res.status(200).type('text/plain; charset=utf-8').send(token);
  return true;
}

export function pushRouter(deps: PushRouteDeps): Router {
  const repo = createPushSubscriptionRepository(deps.db);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'push-routes' });
  const router = Router();
  // Graph sends application/json; the handshake is a text/plain POST with an empty body.
  const body = express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] });

  /** Verifies every entry; returns the entries that passed with their subscription. */
  async function verified(raw: unknown): Promise<{ ok: Array<{ entry: z.infer<typeof entrySchema>; subscription: PushSubscription }>; rejected: number } | undefined> {
    const parsed = collectionSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    const ok: Array<{ entry: z.infer<typeof entrySchema>; subscription: PushSubscription }> = [];
    let rejected = 0;
    for (const item of parsed.data.value) {
      const entry = entrySchema.safeParse(item);
      if (!entry.success) {
        rejected += 1;
        continue;
      }
      const subscription = await repo.verifyClientState(entry.data.subscriptionId, entry.data.clientState, now());
      if (subscription) ok.push({ entry: entry.data, subscription });
      else rejected += 1;
    }
    return { ok, rejected };
  }

  function reply(res: Response, result: { ok: unknown[]; rejected: number } | undefined, what: string): void {
    if (!result) {
      res.status(400).json({ error: { code: 'invalid-notification', message: 'Not a change notification collection.' } });
      return;
    }
    if (result.rejected > 0) log.warn({ rejected: result.rejected, accepted: result.ok.length, what }, 'notification entries rejected: unknown subscription or wrong clientState');
    if (result.ok.length === 0) {
      res.status(403).json({ error: { code: 'invalid-client-state', message: 'Unknown subscription or wrong clientState.' } });
      return;
    }
    res.status(202).end();
  }

  router.post(GRAPH_NOTIFICATION_PATH, body, async (req, res, next) => {
    try {
      if (answerValidation(req, res)) return;
      const result = await verified(req.body);
      for (const { subscription } of result?.ok ?? []) deps.trigger.notify(subscription.organizationId, subscription.userId, { source: 'graph' });
      reply(res, result, 'change');
    } catch (error) {
      next(error);
    }
  });

  router.post(GRAPH_LIFECYCLE_PATH, body, async (req, res, next) => {
    try {
      if (answerValidation(req, res)) return;
      const result = await verified(req.body);
      for (const { entry, subscription } of result?.ok ?? []) {
        const event = entry.lifecycleEvent as GraphLifecycleEvent | undefined;
        if (!event || !LIFECYCLE_EVENTS.has(event)) continue;
        log.info({ event, organizationId: subscription.organizationId, userId: subscription.userId, kind: subscription.kind }, 'Graph lifecycle notification');
        if (event === 'subscriptionRemoved') {
          // Gone on Graph's side: forget it, so any reconcile re-creates it; changes meanwhile are caught by a session.
          await repo.remove(subscription.id);
          deps.trigger.notify(subscription.organizationId, subscription.userId, { source: 'graph' });
        } else if (event === 'reauthorizationRequired') {
          await repo.markNeeds(subscription.id, 'reauthorize');
        } else {
          // missed: notifications were lost and carry no item ids; delta catches up in the next session.
          deps.trigger.notify(subscription.organizationId, subscription.userId, { source: 'graph' });
        }
        emitLifecycle(deps.db, { event, subscription });
      }
      reply(res, result, 'lifecycle');
    } catch (error) {
      next(error);
    }
  });
  return router;
}
