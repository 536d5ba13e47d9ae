/**
 * email_sync_items on both database back ends: outcomes per mailbox, counted attempts with the first failure kept,
 * a saved row never downgraded, retries bounded, saved conversations per organization, and organization isolation.
 */
import { createEmailSyncItemsRepository, type EmailSyncItemsRepository } from '../../relay/store/email-sync-items';
import { describeEachBackend } from '../helpers/backends';
import { createOrganization, createUsers } from './helpers';

describeEachBackend('email_sync_items', (backend) => {
  let items: EmailSyncItemsRepository;
  let org: string;
  let other: string;
  let anna: string;
  let marco: string;
  let stranger: string;
  const input = (n: number, extra: Record<string, unknown> = {}) => ({ internetMessageId: `<m${n}@x>`, itemId: `item-${n}`, changeKey: `ck-${n}`, conversationId: `conv-${n}`, subject: `Mail ${n}`, trigger: 'category', ...extra });

  beforeAll(async () => {
    const db = backend.db();
    items = createEmailSyncItemsRepository(db);
    org = await createOrganization(db);
    other = await createOrganization(db);
    [anna, marco] = await createUsers(db, org, 2);
    [stranger] = await createUsers(db, other, 1);
  });

  test('failures count attempts and keep the first failure; a save clears the error; skips never touch a saved row', async () => {
    const first = await items.markFailed(org, anna, input(1), 'C4C answered 503');
    expect(first).toMatchObject({ status: 'failed', attempts: 1, lastError: 'C4C answered 503', firstFailedAt: expect.any(Date) });
    const second = await items.markFailed(org, anna, input(1, { changeKey: 'ck-1b' }), 'timeout');
    expect(second).toMatchObject({ attempts: 2, lastError: 'timeout', changeKey: 'ck-1b' });
    expect(second.firstFailedAt?.getTime()).toBe(first.firstFailedAt?.getTime());
    expect((await items.listRetryable(org, anna, 3)).map((r) => r.internetMessageId)).toEqual(['<m1@x>']);
    expect(await items.listRetryable(org, anna, 2)).toEqual([]);

    const saved = await items.markSaved(org, anna, input(1));
    expect(saved).toMatchObject({ status: 'saved', lastError: null, attempts: 3 });
    expect(await items.markSkipped(org, anna, input(1), 'blocked')).toBeUndefined();
    expect(await items.markFailed(org, anna, input(1), 'late failure')).toMatchObject({ status: 'saved' });
    await items.setChangeKey(org, anna, '<m1@x>', 'item-1-moved', 'ck-own');
    expect(await items.findByItemIds(org, anna, ['item-1-moved'])).toEqual([expect.objectContaining({ status: 'saved', changeKey: 'ck-own' })]);
  });

  test('a failed row can end as skipped (trigger removed); skipped rows are re-evaluated and replaced', async () => {
    await items.markFailed(org, anna, input(2), 'x');
    expect(await items.markSkipped(org, anna, input(2), 'trigger-removed')).toMatchObject({ status: 'skipped', lastError: 'trigger-removed' });
    expect(await items.markSkipped(org, anna, input(2, { changeKey: 'ck-2b' }), 'internal')).toMatchObject({ changeKey: 'ck-2b', lastError: 'internal' });
    expect(await items.listFailed(org, anna)).toEqual([]);
  });

  test('saved conversations are the organization’s, across its mailboxes, never another organization’s', async () => {
    await items.markSaved(org, marco, input(3, { conversationId: 'shared-thread' }));
    await items.markSaved(other, stranger, input(4, { conversationId: 'their-thread' }));
    expect(await items.savedConversations(org, ['shared-thread', 'their-thread', 'conv-1', ''])).toEqual(new Set(['shared-thread', 'conv-1']));
    expect(await items.savedConversations(other, ['shared-thread'])).toEqual(new Set());
  });

  test('rows are reachable only with their own organization', async () => {
    expect(await items.get(other, anna, '<m1@x>')).toBeUndefined();
    expect(await items.findByMessageIds(other, anna, ['<m1@x>'])).toEqual([]);
    expect(await items.findByItemIds(other, anna, ['item-1-moved'])).toEqual([]);
    await expect(items.markSaved(other, anna, input(1))).rejects.toThrow(/another organization/);
    expect(await items.get(org, anna, '<m1@x>')).toMatchObject({ organizationId: org });
  });
});
