/**
 * HTTP surface of "My sync settings" (S6) and "My sync status" (S7); shared/api/sync.ts is the contract. Mounted at
 * /api/me/sync behind the sidebar's user guard. The mailbox is always the caller's own: organization and user come
 * from the validated token, never from the request, and a body naming anything else is refused.
 *
 * Domain errors (relay/http/domain-errors.ts): not activated → 409 sync-not-activated, paused / suspended → 409
 * sync-paused / sync-suspended.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import {
  SYNC_ROUTES,
  UserSyncSettingsUpdateSchema,
  type SyncNowResponse,
  type SyncStatus,
  type UserSyncSettingsResponse,
} from '../../shared/api/sync';
import type { RelayServices } from '../server';
import type { Db } from '../store/db';
import { StoreNotFoundError } from '../store/errors';
import { createSyncSettingsRepository } from '../store/sync-settings';
import { createAutoResolvedRepository } from '../store/auto-resolved';
import { createStore } from '../store';
import { c4cPortCache } from '../c4c/port-cache';
import type { AutoResolvedListResponseSchema, AutoResolvedRecord } from '../../shared/api/presets';
import { type Actor, type SyncControl, type SyncSettingsRepository } from '../sync/types';
import { HttpError } from './errors';
import { httpErrorOf, jsonRoute, type ErrorMapper, type RouteResult } from './json-route';
import { BODY_LIMITS, bodyAfterAuth, jsonBody } from './body';

export interface SyncRoutesOptions {
  requireUser: RequestHandler;
  sync: SyncControl;
  settings: SyncSettingsRepository;
  /** Runs `fn` over a repository bound to one transaction, so switches and blocklist of one PUT commit together. */
  inTransaction<T>(fn: (settings: SyncSettingsRepository) => Promise<T>): Promise<T>;
  /** E8: the records the engine created in the caller's sessions, for them to complete (absent: an empty list). */
  autoCreated?(organizationId: string, userId: string): Promise<AutoResolvedRecord[]>;
}

/** The actions take no input; an empty object (or no body) is all they accept, so nobody can name another mailbox. */
const NoInputSchema = z.strictObject({});

interface Caller {
  organizationId: string;
  userId: string;
  actor: Actor;
}

function callerOf(req: Request): Caller {
  const auth = req.auth;
  if (!auth) throw new HttpError(401, 'unauthorized', 'Sign in to use the sidebar.');
  return { organizationId: auth.organizationId, userId: auth.userId, actor: { kind: 'user', id: auth.userId } };
}

/** The sync control's errors are mapped with every other domain error; a user row that vanished between the token
 * check and the write (deleted by an admin) reads as not provisioned. */
const httpErrorOfSync: ErrorMapper = (error) =>
  error instanceof StoreNotFoundError ? new HttpError(403, 'user-not-provisioned', 'Your account is not set up. Ask your administrator to add you.') : httpErrorOf(error);
const handle = (fn: (req: Request) => Promise<RouteResult>): RequestHandler => jsonRoute(fn, httpErrorOfSync);

export function syncRoutes(options: SyncRoutesOptions): Router {
  const { sync } = options;
  const router = Router();
  router.use(options.requireUser);
  // Bodies are read after the guard: a whole blocklist at most (relay/http/body.ts).
  router.use(jsonBody(BODY_LIMITS.settings));

  async function settingsResponse(caller: Caller, settings: SyncSettingsRepository, known?: { status?: SyncStatus }): Promise<UserSyncSettingsResponse> {
    const [profile, blocklists, status] = await Promise.all([
      settings.getUserSettings(caller.organizationId, caller.userId),
      settings.getBlocklists(caller.organizationId, caller.userId),
      known?.status ?? sync.status(caller.organizationId, caller.userId),
    ]);
    const response: UserSyncSettingsResponse = { settings: profile.settings, blocklist: blocklists.user, organizationBlocklist: blocklists.organization };
    // Only an enabled mailbox has a next session the change will apply from.
    if (status.activated && status.status === 'enabled' && status.nextSessionAt !== undefined) response.effectiveFrom = status.nextSessionAt;
    if (profile.updatedAt !== undefined) response.updatedAt = profile.updatedAt.toISOString();
    if (profile.preset) response.preset = profile.preset;
    return response;
  }

  router.get('/auto-created', handle(async (req) => {
    const caller = callerOf(req);
    const body: z.infer<typeof AutoResolvedListResponseSchema> = { records: (await options.autoCreated?.(caller.organizationId, caller.userId)) ?? [] };
    return { body };
  }));

  router.get('/settings', handle(async (req) => ({ body: await settingsResponse(callerOf(req), options.settings) })));

  router.put('/settings', handle(async (req) => {
    const caller = callerOf(req);
    const update = UserSyncSettingsUpdateSchema.parse(req.body ?? {});
    await options.inTransaction(async (settings) => {
      // Always written (an empty patch too), so updatedAt says when the profile, blocklist included, last changed.
      await settings.updateUserSettings(caller.organizationId, caller.userId, update.settings ?? {});
      if (update.blocklist !== undefined) await settings.replaceBlocklist(caller.organizationId, caller.userId, update.blocklist);
    });
    return { body: await settingsResponse(caller, options.settings) };
  }));

  router.get('/status', handle(async (req) => {
    const caller = callerOf(req);
    return { body: await sync.status(caller.organizationId, caller.userId) };
  }));

  router.post('/pause', handle(async (req) => {
    NoInputSchema.parse(req.body ?? {});
    const caller = callerOf(req);
    return { body: await sync.pause(caller.organizationId, caller.userId, caller.actor) };
  }));

  router.post('/resume', handle(async (req) => {
    NoInputSchema.parse(req.body ?? {});
    const caller = callerOf(req);
    return { body: await sync.resume(caller.organizationId, caller.userId, caller.actor) };
  }));

  router.post('/now', handle(async (req) => {
    NoInputSchema.parse(req.body ?? {});
    const caller = callerOf(req);
    const { result } = await sync.syncNow(caller.organizationId, caller.userId, caller.actor, 'manual');
    const body: SyncNowResponse = { result, status: await sync.status(caller.organizationId, caller.userId) };
    return { status: 202, body };
  }));

  return bodyAfterAuth(router);
}

/**
 * What relay/routes.ts mounts: the sync routes at SYNC_ROUTES.prefix, over the relay's sync control and database.
 * Mounted before the sidebar's '/api' router so a request is authenticated once.
 */
export function syncRouteEntries(services: RelayServices, requireUser: RequestHandler): Array<[string, Router]> {
  const { sync } = services;
  const db: Db = services.db;
  const autoResolved = createAutoResolvedRepository(db);
  const c4cFor = c4cPortCache(createStore(db, services.secrets).c4cConnections);
  const router = syncRoutes({
    requireUser,
    sync,
    settings: createSyncSettingsRepository(db),
    inTransaction: (fn) => db.transaction((tx) => fn(createSyncSettingsRepository(tx))),
    autoCreated: async (organizationId, userId) => {
      const rows = await autoResolved.listForUser(organizationId, userId);
      // Links into C4C when the organization's connection is there; the list itself never needs C4C.
      const port = rows.length > 0 ? await c4cFor(organizationId).catch(() => undefined) : undefined;
      return rows.map((row) => ({
        kind: row.kind,
        objectId: row.objectId,
        id: row.id,
        createdFor: row.key.slice(row.key.indexOf(':') + 1),
        ...(row.displayName ? { name: row.displayName } : {}),
        createdAt: row.createdAt.toISOString(),
        ...(port ? { url: port.recordUrl(row.kind, row.objectId, row.id) } : {}),
      }));
    },
  });
  return [[SYNC_ROUTES.prefix, router]];
}
