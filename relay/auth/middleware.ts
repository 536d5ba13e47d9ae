/**
 * Express guards for the relay API: `requireUser` turns a valid Entra bearer token of a provisioned user into
 * `req.auth`; `requireAdmin` additionally demands the admin role. Answers use the relay's one error shape.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ErrorBody } from '../http/errors';
import { AuthError, type AuthFailureReason } from './errors';
import './types';
import type { ResolvedUser, ValidatedToken } from './types';
import type { TokenValidator } from './validator';

export const DEFAULT_PRODUCT_NAME = 'SAP Cloud for Customer in Outlook';

export interface RequireUserOptions {
  validator: TokenValidator;
  /** Looks the user up among provisioned users; null when the organization or user is not set up. */
  resolveUser(tenantId: string, oid: string, token: ValidatedToken): Promise<ResolvedUser | null>;
  /** Named in the "not set up" message users see. */
  productName?: string;
}

/** Unauthorized answers carry the reason so the add-in can tell "sign in again" from "ask your admin". */
export interface UnauthorizedBody extends ErrorBody {
  error: ErrorBody['error'] & { reason: AuthFailureReason };
}

/** Text a user may read in the task pane: what happened and what to do, no token internals. */
const USER_MESSAGES: Record<AuthFailureReason, string> = {
  missing: 'Sign in to continue.',
  malformed: 'Your sign-in could not be read. Sign in again.',
  expired: 'Your sign-in has expired. Sign in again.',
  'not-yet-valid': "Your sign-in is not valid yet. Check your computer's clock, then sign in again.",
  'bad-signature': 'Your sign-in could not be verified. Sign in again.',
  'wrong-issuer': 'Your sign-in comes from an unexpected identity provider. Sign in with your work account.',
  'wrong-audience': 'Your sign-in was issued for a different application. Sign in again.',
  'wrong-tenant': 'Your organization is not registered for this service. Ask your administrator.',
  'missing-scope': 'Your sign-in does not grant access to this service. Sign in again and accept the requested permission.',
  'keys-unavailable': 'Sign-in cannot be checked right now. Try again in a minute.',
};

/** RFC 6750 §3: no error code when no credentials were sent; quotes in descriptions are not allowed. */
function wwwAuthenticate(reason: AuthFailureReason, description: string): string {
  if (reason === 'missing') return 'Bearer';
  const code = reason === 'missing-scope' ? 'insufficient_scope' : 'invalid_token';
  return `Bearer error="${code}", error_description="${description.replace(/["\\]/g, "'")}"`;
}

/** 401 (or 503 when keys cannot be fetched) with the reason; shared by the sidebar's and the admin API's guards. */
export function sendUnauthorized(res: Response, error: AuthError): void {
  if (error.reason === 'keys-unavailable') {
    const body: ErrorBody = { error: { code: 'auth-unavailable', message: USER_MESSAGES['keys-unavailable'] } };
    res.setHeader('Retry-After', '30');
    res.status(503).json(body);
    return;
  }
  res.setHeader('WWW-Authenticate', wwwAuthenticate(error.reason, error.message));
  const body: UnauthorizedBody = { error: { code: 'unauthorized', message: USER_MESSAGES[error.reason], reason: error.reason } };
  res.status(401).json(body);
}

/** `Authorization: Bearer <token>`; scheme case-insensitive (RFC 7235), anything else counts as missing. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The request's bearer token, validated; undefined once a 401 (or, for an unexpected failure, `next(error)`) has been
 * sent, so the caller just returns.
 */
export async function validatedBearer(req: Request, res: Response, next: NextFunction, validator: Pick<TokenValidator, 'validate'>): Promise<ValidatedToken | undefined> {
  try {
    const header = req.headers.authorization;
    const raw = bearerTokenOf(header);
    if (!raw && header) throw new AuthError('malformed', 'The Authorization header is not a bearer token');
    return await validator.validate(raw);
  } catch (error) {
    if (error instanceof AuthError) sendUnauthorized(res, error);
    else next(error);
    return undefined;
  }
}

export function requireUser(options: RequireUserOptions): RequestHandler {
  const productName = options.productName ?? DEFAULT_PRODUCT_NAME;
  return async (req, res, next) => {
    const token = await validatedBearer(req, res, next, options.validator);
    if (!token) return;
    let user: ResolvedUser | null;
    try {
      user = await options.resolveUser(token.tenantId, token.oid, token);
    } catch (error) {
      next(error);
      return;
    }
    if (!user) {
      const who = token.upn || token.name || token.oid;
      const body: ErrorBody = {
        error: { code: 'user-not-provisioned', message: `Your account (${who}) is not set up for ${productName}. Ask your administrator to add you.` },
      };
      res.status(403).json(body);
      return;
    }
    req.auth = { ...token, ...user };
    next();
  };
}

/** Use after requireUser. */
export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.auth) {
    sendUnauthorized(res, new AuthError('missing', 'No authenticated user'));
    return;
  }
  if (req.auth.role !== 'admin') {
    const body: ErrorBody = { error: { code: 'forbidden', message: 'Only administrators can do this. Ask your administrator.' } };
    res.status(403).json(body);
    return;
  }
  next();
};
