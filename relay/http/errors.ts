/**
 * One JSON error shape for every relay response that is not 2xx:
 *   { "error": { "code": "…", "message": "…", "fields"?: { "<field>": "<problem>" } } }
 * Route code throws HttpError (or lets a ZodError escape); the error middleware maps everything else to 500
 * without leaking internals.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../log';

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
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
  if (candidate.type === 'entity.too.large') return new HttpError(413, 'payload-too-large', 'The request body is too large');
  if (typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500) {
    return new HttpError(candidate.status, 'bad-request', typeof candidate.message === 'string' ? candidate.message : 'Bad request');
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const httpError =
      error instanceof HttpError ? error : error instanceof ZodError ? badRequestFromZod(error) : fromLibraryError(error);
    if (httpError) {
      if (httpError.status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
      for (const [name, value] of Object.entries(httpError.headers ?? {})) res.setHeader(name, value);
      const body: ErrorBody = { error: { code: httpError.code, message: httpError.message } };
      if (httpError.fields) body.error.fields = httpError.fields;
      res.status(httpError.status).json(body);
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    const body: ErrorBody = { error: { code: 'internal-error', message: 'Something went wrong in the relay. Try again; if it keeps failing, contact your administrator.' } };
    res.status(500).json(body);
  };
}
