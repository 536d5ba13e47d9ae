/** The use-case rooms' domain errors reach the add-in as the contracts' status codes, codes and messages. */
import { httpErrorFromDomain } from '../../relay/http/domain-errors';
import { C4cNotConfiguredError, DuplicateRecordError, LinkedRecordNotFoundError, SaveInProgressError } from '../../relay/saving/types';
import { ERROR_CODES } from '../../shared/api/sidebar';
import { MailboxNotActivatedError, MailboxPausedError } from '../../relay/sync/types';

describe('httpErrorFromDomain', () => {
  it('maps each domain error to what the add-in reacts to', () => {
    expect(httpErrorFromDomain(new SaveInProgressError('email'))).toMatchObject({ status: 409, code: ERROR_CODES.saveInProgress, message: 'This item is being saved right now. Check again in a moment.' });
    expect(httpErrorFromDomain(new SaveInProgressError('appointment'))).toMatchObject({ status: 409, code: ERROR_CODES.saveInProgress });
    expect(httpErrorFromDomain(new C4cNotConfiguredError())).toMatchObject({
      status: 409,
      code: 'c4c-not-configured',
      message: 'Your organization has no SAP Cloud for Customer connection yet. Ask your administrator to set it up.',
    });
    expect(httpErrorFromDomain(new LinkedRecordNotFoundError('contact', 'mainContactObjectId'))).toMatchObject({
      status: 400,
      code: ERROR_CODES.invalidRequest,
      message: 'The selected contact no longer exists in C4C',
      fields: { mainContactObjectId: 'Not found in C4C' },
    });
    expect(httpErrorFromDomain(new DuplicateRecordError('email'))).toMatchObject({ status: 409, code: ERROR_CODES.duplicate, fields: { email: 'Already exists in C4C' } });
  });

  it('maps the sync control\'s errors: the mailbox\'s state, not the request, is what is wrong', () => {
    expect(httpErrorFromDomain(new MailboxNotActivatedError())).toMatchObject({ status: 409, code: 'sync-not-activated' });
    expect(httpErrorFromDomain(new MailboxPausedError('paused'))).toMatchObject({ status: 409, code: 'sync-paused' });
    expect(httpErrorFromDomain(new MailboxPausedError('suspended'))).toMatchObject({ status: 409, code: 'sync-suspended' });
  });

  it('leaves every other error to the next mapper', () => {
    expect(httpErrorFromDomain(new Error('boom'))).toBeUndefined();
    expect(httpErrorFromDomain('text')).toBeUndefined();
  });
});
