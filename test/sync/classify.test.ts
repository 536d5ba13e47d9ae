/** Failure classification (pure): which failures back off and which count toward suspension, and the advice shown. */
import { C4cAuthError, C4cBadRequestError, C4cNetworkError, C4cServerError, C4cThrottledError } from '../../relay/c4c/errors';
import { MailboxError } from '../../relay/mailbox/types';
import { GraphMailboxError } from '../../relay/mailbox/graph/errors';
import { C4cNotConfiguredError } from '../../relay/saving/types';
import { adviceFor, classifyFailure, MailboxAccessMissingError, MailboxUserMissingError } from '../../relay/sync/classify';
import { backoffAt, failureOutcome, nextSlot } from '../../relay/sync/runner';
import { organizationSyncSettings } from '../../shared/api/sync';

describe('classifyFailure', () => {
  test.each([
    [new MailboxError('throttled', 'ErrorServerBusy BackOffMilliseconds 297749', true), 'throttled', true],
    [new MailboxError('invalid-credentials', 'The EWS server rejected the credentials of svc (HTTP 401).', false), 'credentials-rejected', false],
    [new MailboxError('access-denied', 'svc may not access the mailbox a@b.example (ErrorImpersonateUserDenied).', false), 'credentials-rejected', false],
    [new MailboxError('not-found', 'Exchange has no mailbox for a@b.example.', false), 'mailbox-not-found', false],
    [new MailboxError('not-found', 'ErrorItemNotFound: The specified object was not found in the store.', false), 'unknown', false],
    [new GraphMailboxError('not-found', 'GET /users/x: HTTP 404', false, 'mailbox-not-found'), 'mailbox-not-found', false],
    [new GraphMailboxError('not-found', 'GET /users/x/messages/y: HTTP 404', false, 'unknown'), 'unknown', false],
    [new MailboxError('server-error', 'The EWS endpoint failed (HTTP 503)', true), 'unknown', true],
    [new MailboxError('network', 'Could not reach the EWS endpoint (ECONNREFUSED).', true), 'unknown', true],
    [new C4cServerError('C4C 503 Service Unavailable on POST /ActivityCollection', { status: 503 }), 'c4c-unreachable', true],
    [new C4cNetworkError('C4C unreachable', { networkCode: 'ECONNRESET' }), 'c4c-unreachable', true],
    [new C4cThrottledError('C4C 429', { status: 429 }), 'throttled', true],
    [new C4cAuthError('C4C 401 Unauthorized', { status: 401 }), 'c4c-unreachable', false],
    [new C4cBadRequestError('C4C 400', { status: 400 }), 'unknown', false],
    [new C4cNotConfiguredError(), 'c4c-unreachable', false],
    [new MailboxAccessMissingError(), 'credentials-rejected', false],
    [new MailboxUserMissingError(), 'mailbox-not-found', false],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unknown', true],
    [new Error('boom'), 'unknown', false],
    ['a string', 'unknown', false],
  ])('%s → %s (transient %s)', (error, cls, transient) => {
    expect(classifyFailure(error)).toMatchObject({ class: cls, transient });
  });

  test('keeps the server message, bounded', () => {
    expect(classifyFailure(new MailboxError('invalid-credentials', 'HTTP 401 from mail.contoso.example', false)).message).toBe('HTTP 401 from mail.contoso.example');
    expect(classifyFailure(new Error('x'.repeat(5000))).message.length).toBeLessThanOrEqual(1000);
  });

  test('advice says what to do, per class and kind', () => {
    expect(adviceFor('credentials-rejected')).toMatch(/administrator.*Resume/s);
    expect(adviceFor('throttled')).toMatch(/tries again on its own/);
    expect(adviceFor('c4c-unreachable', true)).toMatch(/Nothing is lost/);
    expect(adviceFor('c4c-unreachable', false)).toMatch(/C4C connection/);
    expect(adviceFor('unknown', true)).not.toEqual(adviceFor('unknown', false));
  });
});

describe('scheduling rules', () => {
  const settings = organizationSyncSettings({ suspendAfter: { 'credentials-rejected': 3 } });

  test('the next slot keeps the mailbox at its offset into the interval', () => {
    expect(nextSlot(new Date('2026-01-01T10:07:00Z'), 600, 1800).toISOString()).toBe('2026-01-01T10:10:00.000Z');
    expect(nextSlot(new Date('2026-01-01T10:10:00Z'), 600, 1800).toISOString()).toBe('2026-01-01T10:40:00.000Z');
    // An offset from a longer interval wraps into a shorter one.
    expect(nextSlot(new Date('2026-01-01T10:00:30Z'), 1800 + 60, 1800).toISOString()).toBe('2026-01-01T10:01:00.000Z');
  });

  test('back-off doubles, is capped, and never goes past the regular slot', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    const slot = new Date('2026-01-01T10:30:00Z');
    const timing = { backoffBaseMs: 60000, backoffMaxMs: 15 * 60000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => (backoffAt(now, n, slot, timing).getTime() - now.getTime()) / 60000)).toEqual([1, 2, 4, 8, 15, 15]);
    expect(backoffAt(now, 10, new Date('2026-01-01T10:03:00Z'), timing).toISOString()).toBe('2026-01-01T10:03:00.000Z');
  });

  test('consecutive permanent failures of one class suspend at the threshold; transient ones never; another class restarts the count', () => {
    const permanent = { class: 'credentials-rejected' as const, message: '401', transient: false };
    expect(failureOutcome({ failureClass: undefined, failureTransient: false, consecutiveFailures: 0 }, permanent, settings)).toEqual({ consecutive: 1, suspend: false });
    expect(failureOutcome({ failureClass: 'credentials-rejected', failureTransient: false, consecutiveFailures: 2 }, permanent, settings)).toEqual({ consecutive: 3, suspend: true });
    expect(failureOutcome({ failureClass: 'mailbox-not-found', failureTransient: false, consecutiveFailures: 5 }, permanent, settings)).toEqual({ consecutive: 1, suspend: false });
    const throttled = { class: 'throttled' as const, message: 'busy', transient: true };
    expect(failureOutcome({ failureClass: 'throttled', failureTransient: true, consecutiveFailures: 99 }, throttled, settings)).toEqual({ consecutive: 100, suspend: false });
    // A transient 'unknown' run does not add to a permanent 'unknown' count.
    const unknownPermanent = { class: 'unknown' as const, message: 'x', transient: false };
    expect(failureOutcome({ failureClass: 'unknown', failureTransient: true, consecutiveFailures: 11 }, unknownPermanent, settings)).toEqual({ consecutive: 1, suspend: false });
    expect(failureOutcome({ failureClass: 'unknown', failureTransient: false, consecutiveFailures: 11 }, unknownPermanent, settings)).toEqual({ consecutive: 12, suspend: true });
  });
});
