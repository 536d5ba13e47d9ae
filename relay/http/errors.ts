/**
 * One JSON error shape for every relay response that is not 2xx:
 *   { "error": { "code": "…", "message": "…", "fields"?: { "<field>": "<problem>" } } }
 * Route code throws HttpError (or lets a ZodError escape); the error middleware maps everything else to 500
 * without leaking internals.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../log';

export interface ErrorBody {
  /** `correlationId` (also in the `x-correlation-id` header of every response) names the request in the relay's log. */
  error: { code: string; message: string; fields?: Record<string, string>; correlationId?: string };
}

/** The header every response carries; a caller's own value (a safe token up to 64 characters) is kept. */
export const CORRELATION_HEADER = 'x-correlation-id';
const CALLER_CORRELATION_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The request's correlation id: the caller's `x-correlation-id` when it is a plain token, else a new UUID. */
export function correlationIdFor(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && CALLER_CORRELATION_ID.test(value) ? value : randomUUID();
}

/** Set by createApp (relay/http/app.ts) for every request. */
export function correlationIdOf(res: Response): string {
  const id = (res.locals as { correlationId?: unknown }).correlationId;
  if (typeof id === 'string') return id;
  const created = randomUUID();
  res.locals.correlationId = created;
  if (!res.headersSent) res.setHeader(CORRELATION_HEADER, created);
  return created;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function fieldsOfZodError(error: ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    fields[key] ??= issue.message;
  }
  return fields;
}

export function badRequestFromZod(error: ZodError): HttpError {
  const fields = fieldsOfZodError(error);
  const names = Object.keys(fields);
  return new HttpError(400, 'invalid-request', `Invalid request: ${names.map((n) => `${n} (${fields[n]})`).join(', ')}`, fields);
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not-found', `No route for ${req.method} ${req.path}`));
};

/** Body-parser and similar errors carry `status` / `type`; map them to precise 4xx answers. */
function fromLibraryError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { status?: unknown; type?: unknown; message?: unknown };
  if (candidate.type === 'entity.parse.failed') return new HttpError(400, 'invalid-json', 'The request body is not valid JSON');
  if (candidate.type === 'entity.too.large') {
    const limit = typeof (error as { limit?: unknown }).limit === 'number' ? ` (more than ${(error as { limit: number }).limit} bytes)` : '';
    return new HttpError(413, 'payload-too-large', `The request body is larger than this route accepts${limit}.`);
  }
  if (typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500) {
    return new HttpError(candidate.status, 'bad-request', typeof candidate.message === 'string' ? candidate.message : 'Bad request');
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const correlationId = correlationIdOf(res);
    const httpError =
      error instanceof HttpError ? error : error instanceof ZodError ? badRequestFromZod(error) : fromLibraryError(error);
    if (res.headersSent) {
      // A streamed answer (Server-Sent Events) failed half-way: nothing more can be said to the client.
      logger.error({ err: error, method: req.method, path: req.path, correlationId }, 'request failed after the response started');
      res.destroy();
      return;
    }
    if (httpError) {
      if (httpError.status >= 500) logger.error({ err: error, method: req.method, path: req.path, correlationId }, 'request failed');
      for (const [name, value] of Object.entries(httpError.headers ?? {})) res.setHeader(name, value);
      const body: ErrorBody = { error: { code: httpError.code, message: httpError.message } };
      if (httpError.fields) body.error.fields = httpError.fields;
      if (httpError.status >= 500) body.error.correlationId = correlationId;
      res.status(httpError.status).json(body);
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path, correlationId }, 'unhandled error');
    const body: ErrorBody = {
      error: {
        code: 'internal-error',
        message: `Something went wrong in the relay. Try again; if it keeps failing, contact your administrator and give them this reference: ${correlationId}.`,
        correlationId,
      },
    };
    res.status(500).json(body);
  };
}
