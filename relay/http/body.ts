/**
 * Request bodies are read only once the caller is known: each authenticated router mounts its own JSON parser per
 * route, after its guard, with that route's size limit. A request without a valid token is answered 401 without
 * reading a byte of its body, and an over-long body is cut off while it streams in (body-parser counts the bytes as
 * they arrive and stops at the limit: 413 `payload-too-large`; a `Content-Length` above the limit is refused before
 * reading, and a streamed body without one is answered the moment it crosses the limit).
 *
 * A router marked with `bodyAfterAuth` is mounted by createApp (relay/http/app.ts) before the app's catch-all JSON
 * parser, which only the routers that have no guard of their own still rely on (health, pages, sandbox helpers).
 */
import express, { type NextFunction, type RequestHandler, type Router } from 'express';
import { MAX_SAVE_REQUEST_BYTES } from '../../shared/api/sidebar';
import { HttpError } from './errors';

/** Body size limits in bytes, per kind of route. */
export const BODY_LIMITS = {
  /** An email with its body and attachments (shared/api/sidebar.ts MAX_SAVE_REQUEST_BYTES, about 20 MB). */
  saveEmail: MAX_SAVE_REQUEST_BYTES,
  /** A meeting with up to 1,000 attendees. */
  appointment: 2 * 1024 * 1024,
  /** Searches, quick-creates, actions: small by nature. */
  small: 64 * 1024,
  /** "My sync settings" with a whole personal blocklist (up to 1,000 entries). */
  settings: 512 * 1024,
  /** Admin console JSON (user lists, mailbox access with a certificate, bulk activation of many users). */
  admin: 1024 * 1024,
  /** Routers without a guard of their own (sandbox helpers); nothing there needs more. */
  unguarded: 100 * 1024,
} as const;

/** The JSON parser of one route (or one router, after its guard). Non-JSON content types pass through unread. */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: true });
  return (req, res, next) => {
    if (!req.is('application/json')) {
      parse(req, res, next);
      return;
    }
    // A declared length above the limit is refused before a byte is read (body-parser would read it to discard it).
    if (req.headers['content-length'] !== undefined) {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limitBytes) next(payloadTooLarge(limitBytes));
      else parse(req, res, next);
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      parse(req, res, next); // the limit is on the inflated body, which only body-parser sees
      return;
    }
    // A streamed body (no Content-Length): body-parser stops keeping it at the limit but then reads the rest to discard
    // it before it answers, so an endless stream would hold the request (and its permit) open. The 413 goes out as soon
    // as the limit is crossed instead; the connection then closes (closeWhenBodyUnread in app.ts) and body-parser's
    // own later answer is dropped.
    let received = 0;
    let answered = false;
    const answer: NextFunction = (error?: unknown) => {
      if (answered) return;
      answered = true;
      req.off('data', count);
      next(error);
    };
    const count = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) answer(payloadTooLarge(limitBytes));
    };
    parse(req, res, answer);
    if (!answered) req.on('data', count); // a synchronous refusal (e.g. an unsupported charset) leaves the body unread
  };
}

export function payloadTooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'payload-too-large', `The request body is larger than this route accepts (${formatBytes(limitBytes)}).`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(0)} MB` : `${Math.round(bytes / 1024)} kB`;
}

const BODY_AFTER_AUTH = Symbol.for('relay.http.bodyAfterAuth');

/** Marks a router that authenticates before it reads bodies (it mounts `jsonBody` itself, behind its guard). */
export function bodyAfterAuth<T extends Router>(router: T): T {
  (router as unknown as Record<symbol, boolean>)[BODY_AFTER_AUTH] = true;
  return router;
}

export function readsBodyAfterAuth(router: Router): boolean {
  return (router as unknown as Record<symbol, boolean>)[BODY_AFTER_AUTH] === true;
}
