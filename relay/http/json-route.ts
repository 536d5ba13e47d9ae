/**
 * One way for a route to answer JSON: run the use case, add its Server-Timing, and turn the domain's errors into the
 * HTTP errors the contracts promise (relay/http/domain-errors.ts, C4C errors), so every router maps them alike.
 * Express 5 forwards the rejected promise to the error handler.
 */
import type { Request, RequestHandler } from 'express';
import { httpErrorFromC4c } from './c4c-errors';
import { httpErrorFromDomain } from './domain-errors';
import type { HttpError } from './errors';
import { runWithTiming, serverTimingHeader } from './timing';

export interface RouteResult {
  status?: number;
  body: unknown;
}

export type ErrorMapper = (error: unknown) => HttpError | undefined;

/** The domain errors of every use-case room, then C4C's. */
export const httpErrorOf: ErrorMapper = (error) => httpErrorFromDomain(error) ?? httpErrorFromC4c(error);

export function jsonRoute(fn: (req: Request) => Promise<RouteResult>, mapError: ErrorMapper = httpErrorOf): RequestHandler {
  return (req, res) =>
    runWithTiming(async () => {
      try {
        const { status, body } = await fn(req);
        const timing = serverTimingHeader();
        if (timing) res.setHeader('Server-Timing', timing);
        res.status(status ?? 200).json(body);
      } catch (error) {
        throw mapError(error) ?? error;
      }
    });
}
