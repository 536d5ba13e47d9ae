/**
 * How C4C failures reach the sidebar: a precise status and a sentence the user can act on. C4C's own message is kept
 * for validation errors (it names the field); nothing from the request (credentials, addresses) is echoed.
 */
import {
  C4cAuthError,
  C4cBadRequestError,
  C4cError,
  C4cForbiddenError,
  C4cNetworkError,
  C4cNotFoundError,
  C4cPreconditionFailedError,
  C4cThrottledError,
} from '../c4c/errors';
import { HttpError } from './errors';

export function httpErrorFromC4c(error: unknown): HttpError | undefined {
  if (!(error instanceof C4cError)) return undefined;
  if (error instanceof C4cAuthError || error instanceof C4cForbiddenError) {
    return new HttpError(502, 'c4c-unavailable', 'SAP Cloud for Customer refused the connection user. Ask your administrator to check the C4C connection.');
  }
  if (error instanceof C4cBadRequestError) {
    return new HttpError(422, 'c4c-rejected', `SAP Cloud for Customer did not accept the record: ${error.c4cMessage ?? error.message}`);
  }
  if (error instanceof C4cNotFoundError) return new HttpError(404, 'not-found', 'The record no longer exists in SAP Cloud for Customer.');
  if (error instanceof C4cPreconditionFailedError) return new HttpError(409, 'conflict', 'The record was changed in SAP Cloud for Customer meanwhile. Reload and try again.');
  if (error instanceof C4cThrottledError) {
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 30_000) / 1000));
    return new HttpError(503, 'c4c-unavailable', `SAP Cloud for Customer is busy. Try again in ${seconds} seconds; nothing will be saved twice.`, undefined, { 'retry-after': String(seconds) });
  }
  if (error instanceof C4cNetworkError && error.timedOut) {
    return new HttpError(504, 'c4c-unavailable', 'SAP Cloud for Customer did not answer in time. Try again; nothing will be saved twice.');
  }
  return new HttpError(503, 'c4c-unavailable', 'SAP Cloud for Customer is not reachable right now. Try again later; nothing will be saved twice.');
}
