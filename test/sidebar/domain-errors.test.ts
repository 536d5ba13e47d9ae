/** The saving room's domain errors reach the sidebar as the contract's status codes, codes and messages. */
import { httpErrorFromDomain } from '../../relay/http/domain-errors';
import { C4cNotConfiguredError, DuplicateRecordError, LinkedRecordNotFoundError, SaveInProgressError } from '../../relay/saving/types';
import { ERROR_CODES } from '../../shared/api/sidebar';

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

  it('leaves every other error to the next mapper', () => {
    expect(httpErrorFromDomain(new Error('boom'))).toBeUndefined();
    expect(httpErrorFromDomain('text')).toBeUndefined();
  });
});
