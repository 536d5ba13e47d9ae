/**
 * How the domain errors of the use-case rooms (relay/saving, relay/sync) reach HTTP callers: the status codes, error
 * codes and messages the contracts (shared/api/sidebar.ts ERROR_CODES, shared/api/sync.ts) promise.
 */
import { ERROR_CODES } from '../../shared/api/sidebar';
import { C4cNotConfiguredError, DuplicateRecordError, LinkedRecordNotFoundError, SaveInProgressError } from '../saving/types';
import { MailboxNotActivatedError, MailboxPausedError } from '../sync/types';
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
  // The state of the mailbox, not the request, is what is wrong.
  if (error instanceof MailboxNotActivatedError) return new HttpError(409, 'sync-not-activated', error.message);
  if (error instanceof MailboxPausedError) return new HttpError(409, error.status === 'paused' ? 'sync-paused' : 'sync-suspended', error.message);
  return undefined;
}
