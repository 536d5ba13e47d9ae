/** The engine's progress steps read as words on the Sync status screen; unknown steps are shown as they come. */
import { syncStrings } from '../../addin/features/strings';

describe('sync progress in words', () => {
  it.each([
    ['setup: folders', undefined, undefined, 'Creating the SAP folders'],
    ['setup: baseline', 1, 3, 'Noting where your folders are today: 1 of 3'],
    ['email: inbox', undefined, undefined, 'Checking Inbox'],
    ['email: first look at sentitems', undefined, undefined, 'Looking for categorized emails in Sent Items'],
    ['email', 2, 10, 'Saving emails: 2 of 10'],
    ['mirroring: calendar', 4, undefined, 'mirroring: calendar: 4'],
  ])('%s (%s of %s) → %s', (step, done, total, words) => {
    expect(syncStrings.progressStep(step, done, total)).toBe(words);
  });
});
