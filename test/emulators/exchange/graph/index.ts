/**
 * Microsoft Graph v1.0 (Outlook part) over the shared Exchange store: mail folders, messages, calendars/events with
 * calendarView, calendarView delta and /instances (series expanded into occurrences and exceptions), contact
 * folders/contacts, To Do lists/tasks, master categories, extended properties, `$batch`, throttling and OData errors.
 * Mount the router at `/v1.0` (and `/beta`) of an HTTPS server (see README.md).
 */
import express, { type Request, type Response, type Router } from 'express';
import type { ExchangeControl } from '../control';
import type { ExchangeStore } from '../store';
import { errorReply, type Reply } from './odata';
import { DropConnection, GraphHandler, type Caller, type TokenInfo } from './routes';
import { GraphEmulatorState } from './state';
import { entraTokenValidator, type EntraTrust } from './token';

export interface GraphRouterOptions {
  /** Verifies a bearer token (signature, issuer, audience = Graph, lifetime); throws with a reason when invalid. */
  validateToken?(token: string): Promise<TokenInfo>;
  /** Alternative to validateToken: trust this Entra (emulator) — JWKS + issuer per tenant. */
  entra?: EntraTrust;
  /** Delegated tokens without `upn`: which mailbox belongs to this object id. */
  userAddress?(oid: string): string | undefined;
  /** Shared Graph-only state (RBAC scopes, concurrency stats); one is created when omitted. */
  state?: GraphEmulatorState;
}

export type GraphRouter = Router & { graphState: GraphEmulatorState; graphHandler: GraphHandler };

function callerOf(info: TokenInfo, options: GraphRouterOptions): Caller {
  const delegated = info.scopes.length > 0;
  const owner = delegated ? (info.upn ?? (info.oid ? options.userAddress?.(info.oid) : undefined))?.toLowerCase() : undefined;
  return {
    kind: delegated ? 'user' : 'app',
    appId: info.appId,
    owner,
    grants: new Set((delegated ? info.scopes : info.roles).map((g) => g.toLowerCase())),
    tenantId: info.tenantId,
  };
}

function send(res: Response, reply: Reply): void {
  res.status(reply.status);
  for (const [key, value] of Object.entries(reply.headers)) res.setHeader(key, value);
  if (reply.body === undefined) res.end();
  else {
    if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(reply.body));
  }
}

export function createGraphRouter(store: ExchangeStore, control: ExchangeControl, options: GraphRouterOptions): GraphRouter {
  const validateToken =
    options.validateToken ??
    (options.entra ? entraTokenValidator(options.entra) : undefined);
  if (!validateToken) throw new Error('createGraphRouter needs validateToken or entra');
  const state = options.state ?? new GraphEmulatorState();
  const handler = new GraphHandler(store, control, state);
  const router = express.Router() as GraphRouter;
  router.use(express.json({ limit: '35mb', type: () => true }));

  router.use(async (req: Request, res: Response) => {
    const clientRequestId = typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : undefined;
    const authorization = req.headers.authorization ?? '';
    if (!/^Bearer\s+\S+/i.test(authorization)) {
      send(res, errorReply(401, 'InvalidAuthenticationToken', 'Access token is empty.', clientRequestId));
      return;
    }
    let info: TokenInfo;
    try {
      info = await validateToken(authorization.replace(/^Bearer\s+/i, ''));
    } catch (error) {
      send(res, errorReply(401, 'InvalidAuthenticationToken', `Access token validation failure. ${error instanceof Error ? error.message : ''}`.trim(), clientRequestId));
      return;
    }
    const url = new URL(req.originalUrl, 'https://graph.invalid');
    const base = `${req.protocol}://${req.get('host')}${req.baseUrl}`;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key.toLowerCase()] = value;
    try {
      const reply = await handler.handle({
        method: req.method.toUpperCase(),
        path: req.path,
        query: url.searchParams,
        headers,
        body: req.body as unknown,
        caller: callerOf(info, options),
        base,
      });
      send(res, reply);
    } catch (error) {
      if (error instanceof DropConnection) {
        req.socket.destroy();
        return;
      }
      send(res, errorReply(500, 'InternalServerError', String(error), clientRequestId));
    }
  });
  router.graphState = state;
  router.graphHandler = handler;
  return router;
}

export { GraphEmulatorState, MAILBOX_CONCURRENCY_LIMIT } from './state';
export type { TokenInfo } from './routes';
export { entraTokenValidator, GRAPH_AUDIENCES, type EntraTrust } from './token';
export { counterKey } from './routes';
export { graphSubscriptionsOf, existingGraphSubscriptions, GraphSubscriptions, type EmulatedSubscription, type LifecycleEvent } from './subscriptions';
