/**
 * How the domain errors of the use-case rooms (relay/saving) reach HTTP callers: the status codes, error codes and
 * messages the sidebar contract (shared/api/sidebar.ts ERROR_CODES) promises, so the add-in reacts to them as before.
 */
import { ERROR_CODES } from '../../shared/api/sidebar';
import { C4cNotConfiguredError, DuplicateRecordError, LinkedRecordNotFoundError, SaveInProgressError } from '../saving/types';
import { HttpError } from './errors';

export function httpErrorFromDomain(error: unknown): HttpError | undefined {
  if (error instanceof SaveInProgressError) {
    // The add-in polls the status on this code; a colleague's save is the usual reason.
    return new HttpError(409, ERROR_CODES.saveInProgress, 'This item is being saved right now. Check again in a moment.');
  }
  if (error instanceof C4cNotConfiguredError) return new HttpError(409, 'c4c-not-configured', error.message);
  if (error instanceof LinkedRecordNotFoundError) {
    return new HttpError(400, ERROR_CODES.invalidRequest, error.message, { [error.field]: 'Not found in C4C' });
  }
  if (error instanceof DuplicateRecordError) return new HttpError(409, ERROR_CODES.duplicate, error.message, { [error.field]: 'Already exists in C4C' });
  return undefined;
}
