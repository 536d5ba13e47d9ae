/**
 * Back-pressure for the authenticated API: a bounded number of requests in flight per process, and per organization
 * so one tenant cannot take the whole process. A request beyond either bound waits a moment for a permit (a short,
 * bounded queue that absorbs bursts: at most `queueWaitMs`, at most as many waiting as may run) and is then refused
 * with 503 `overloaded` and `Retry-After`, before its body is read, instead of joining a queue that only grows: the
 * sidebar turns a 503 into "try again", and a retried save cannot create a second record (the exactly-once ledger,
 * relay/saving).
 *
 * Permits come from the relay's one limiter (relay/lib/limiter.ts, `acquireWithin`) and are held until the response
 * is finished or the connection closes, whichever comes first.
 */
import type { Request, RequestHandler, Response } from 'express';
import { Limiter, LimiterRegistry, type LimiterLease } from '../lib/limiter';
import type { ErrorBody } from './errors';

export interface BackpressureOptions {
  /** Requests in flight in this process. */
  maxInFlight: number;
  /** Requests in flight per organization (or, for the admin console, per tenant). */
  maxInFlightPerOrganization: number;
  /**
   * How long a request may wait for a permit when the bound is reached (ms; default 0: refused at once). Absorbs a
   * burst (a team opening their mail at nine) without letting a queue grow: at most as many wait as may run.
   */
  queueWaitMs?: number;
  /** Seconds the client is asked to wait (`Retry-After`). Default 1. */
  retryAfterSeconds?: number;
  /** Who the request belongs to; undefined counts against the process bound only. */
  keyOf?: (req: Request) => string | undefined;
}

export interface BackpressureStats {
  inFlight: number;
  peak: number;
  /** Refusals since start, by bound. */
  rejected: { process: number; organization: number };
  /** Organizations with requests in flight right now. */
  organizations: number;
}

export interface Backpressure {
  /** Use after the authentication guard (it needs `req.auth` / `req.admin`) and before the body parser. */
  guard: RequestHandler;
  stats(): BackpressureStats;
}

/** The organization of a sidebar user, or the tenant of an admin console caller. */
export function defaultKeyOf(req: Request): string | undefined {
  if (req.auth) return `org:${req.auth.organizationId}`;
  if (req.admin) return `tenant:${req.admin.tenantId}`;
  return undefined;
}

export function createBackpressure(options: BackpressureOptions): Backpressure {
  const processLimiter = new Limiter(options.maxInFlight);
  const organizations = new LimiterRegistry();
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const keyOf = options.keyOf ?? defaultKeyOf;
  const rejected = { process: 0, organization: 0 };

  const waitMs = options.queueWaitMs ?? 0;
  const gone = (req: Request, res: Response): boolean => res.closed || res.destroyed || req.socket.destroyed;

  function refuse(res: Response): void {
    const body: ErrorBody = { error: { code: 'overloaded', message: 'The relay is busy right now. Try again in a moment; nothing will be saved twice.' } };
    res.setHeader('Retry-After', retryAfter);
    // The request's body is not wanted: close the connection rather than read (or leave unread) what may be megabytes.
    res.setHeader('Connection', 'close');
    res.status(503).json(body);
  }

  /** The organization's permit, then the process's, within one wait; undefined (nothing held) when either is refused. */
  async function permits(lease: LimiterLease | undefined): Promise<{ release: () => void } | { refusedBy: 'organization' | 'process' }> {
    const deadline = Date.now() + waitMs;
    const releaseOrganization = lease ? await lease.limiter.acquireWithin(waitMs, { maxWaiting: lease.limiter.capacity }) : undefined;
    if (lease && !releaseOrganization) return { refusedBy: 'organization' };
    const releaseProcess = await processLimiter.acquireWithin(Math.max(0, deadline - Date.now()), { maxWaiting: processLimiter.capacity });
    if (!releaseProcess) {
      releaseOrganization?.();
      return { refusedBy: 'process' };
    }
    return {
      release: () => {
        releaseProcess();
        releaseOrganization?.();
      },
    };
  }

  const guard: RequestHandler = async (req, res, next) => {
    // The client left while the request was being authenticated: 'close' has fired already and would never give a
    // permit back (found by the load bench: permits leaked at the end of each run). Nobody is left to answer.
    if (gone(req, res)) return;
    const key = keyOf(req);
    const lease = key === undefined ? undefined : organizations.lease(key, options.maxInFlightPerOrganization);
    const granted = await permits(lease);
    if ('refusedBy' in granted) {
      lease?.release();
      rejected[granted.refusedBy] += 1;
      if (!gone(req, res)) refuse(res);
      return;
    }
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      granted.release();
      lease?.release();
    };
    // The client may have left while waiting for the permits.
    if (gone(req, res)) return release();
    res.once('finish', release);
    res.once('close', release);
    next();
  };

  return {
    guard,
    stats: () => ({ inFlight: processLimiter.inUse, peak: processLimiter.peak, rejected: { ...rejected }, organizations: organizations.size }),
  };
}

/** `guard` then `then`, as one handler (for routers that take a single guard, e.g. the sidebar's `requireUser`). */
export function chainGuards(first: RequestHandler, then: RequestHandler): RequestHandler {
  return (req, res, next) => {
    void first(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      void then(req, res, next);
    });
  };
}
