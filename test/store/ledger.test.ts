import crypto from 'node:crypto';
import { createSecretBox } from '../../relay/secrets';
import { createStore, LedgerClaimLostError, type Ledger, type Store } from '../../relay/store';
import { describeEachBackend } from '../helpers/backends';

const box = createSecretBox(crypto.randomBytes(32));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messageId = () => `<${crypto.randomUUID()}@mail.example.com>`;

describeEachBackend('ledgers', (backend) => {
  let store: Store;
  let orgId: string;
  let userId: string;
  beforeAll(async () => {
    store = createStore(backend.db(), box);
    const org = await store.organizations.create({ name: 'Ledger', slug: `ledger-${crypto.randomBytes(4).toString('hex')}` });
    orgId = org.id;
    userId = (await store.users.create(orgId, { displayName: 'Saver', email: 'saver@example.com' })).id;
  });

  const ledgers: Array<[string, () => Ledger]> = [
    ['email_saves', () => store.emailSaves],
    ['appointment_creates', () => store.appointmentCreates],
  ];

  describe.each(ledgers)('%s', (table, ledger) => {
    it('claim → complete → later claims answer "saved" with the C4C ids', async () => {
      const key = messageId();
      const first = await ledger().claim(orgId, key, userId, 60000);
      if (first.outcome !== 'claimed') throw new Error(`expected claimed, got ${first.outcome}`);
      expect(first.entry).toMatchObject({ status: 'pending', attempts: 1, savedByUserId: userId, key });
      expect(first.entry).not.toHaveProperty('claimToken');

      const second = await ledger().claim(orgId, key, userId, 60000);
      expect(second.outcome).toBe('in-progress');

      const done = await ledger().complete(orgId, key, first.claimToken, { objectId: '00163E0A1B2C1EDB', id: '4711' });
      expect(done).toMatchObject({ status: 'saved', c4cObjectId: '00163E0A1B2C1EDB', c4cId: '4711', lastError: null });

      const third = await ledger().claim(orgId, key, userId, 60000);
      expect(third).toMatchObject({ outcome: 'saved', row: { c4cObjectId: '00163E0A1B2C1EDB', c4cId: '4711' } });
      expect(await ledger().get(orgId, key)).toMatchObject({ status: 'saved', attempts: 1 });

      // Completing twice is refused: the claim ended with the first completion.
      await expect(ledger().complete(orgId, key, first.claimToken, { objectId: 'OTHER' })).rejects.toBeInstanceOf(LedgerClaimLostError);
    });

    it('exactly one of many concurrent claims wins', async () => {
      const key = messageId();
      const results = await Promise.all(Array.from({ length: 25 }, () => ledger().claim(orgId, key, userId, 60000)));
      const claimed = results.filter((r) => r.outcome === 'claimed');
      expect(claimed).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'in-progress')).toHaveLength(24);
      expect(await ledger().get(orgId, key)).toMatchObject({ status: 'pending', attempts: 1 });
    });

    it('a failed entry can be claimed again, counting attempts; the old token is then useless', async () => {
      const key = messageId();
      const first = await ledger().claim(orgId, key, userId, 60000);
      if (first.outcome !== 'claimed') throw new Error('expected claimed');
      const failed = await ledger().fail(orgId, key, first.claimToken, 'C4C answered 503');
      expect(failed).toMatchObject({ status: 'failed', lastError: 'C4C answered 503' });

      const retry = await ledger().claim(orgId, key, null, 60000);
      if (retry.outcome !== 'claimed') throw new Error('expected claimed after failure');
      expect(retry.claimToken).not.toBe(first.claimToken);
      expect(retry.entry.attempts).toBe(2);
      await expect(ledger().complete(orgId, key, first.claimToken, { objectId: 'X' })).rejects.toBeInstanceOf(LedgerClaimLostError);
      await expect(ledger().fail(orgId, key, first.claimToken, 'late')).rejects.toBeInstanceOf(LedgerClaimLostError);
      expect((await ledger().complete(orgId, key, retry.claimToken, { objectId: 'X' })).status).toBe('saved');
    });

    it('a pending claim older than its lease can be re-claimed (crash recovery), and only once', async () => {
      const key = messageId();
      const crashed = await ledger().claim(orgId, key, userId, 300);
      if (crashed.outcome !== 'claimed') throw new Error('expected claimed');
      expect((await ledger().claim(orgId, key, userId, 300)).outcome).toBe('in-progress');

      await sleep(450);
      const recovered = await Promise.all(Array.from({ length: 8 }, () => ledger().claim(orgId, key, userId, 300)));
      const winners = recovered.filter((r) => r.outcome === 'claimed');
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (winner.outcome !== 'claimed') throw new Error('unreachable');
      expect(winner.entry.attempts).toBe(2);

      // The crashed owner comes back late: its completion must not overwrite the new owner's work.
      await expect(ledger().complete(orgId, key, crashed.claimToken, { objectId: 'STALE' })).rejects.toBeInstanceOf(LedgerClaimLostError);
      const done = await ledger().complete(orgId, key, winner.claimToken, { objectId: 'FRESH' });
      expect(done.c4cObjectId).toBe('FRESH');
    });

    it('a live claim is not taken over before its lease runs out', async () => {
      const key = messageId();
      await ledger().claim(orgId, key, userId, 60000);
      await sleep(100);
      expect((await ledger().claim(orgId, key, userId, 60000)).outcome).toBe('in-progress');
    });

    it('validates its input', async () => {
      await expect(ledger().claim(orgId, '', userId, 1000)).rejects.toThrow();
      await expect(ledger().claim(orgId, messageId(), userId, 0)).rejects.toThrow();
      await expect(ledger().claim('not-an-org', messageId(), userId, 1000)).rejects.toThrow(/organization id/);
      await expect(ledger().complete(orgId, messageId(), 'not-a-token', { objectId: 'X' })).rejects.toBeInstanceOf(LedgerClaimLostError);
      expect(await ledger().get(orgId, 'never-claimed')).toBeUndefined();
      expect(table).toMatch(/_/);
    });
  });

  it('the two ledgers are independent: the same key in both is two separate entries', async () => {
    const key = messageId();
    expect((await store.emailSaves.claim(orgId, key, userId, 60000)).outcome).toBe('claimed');
    expect((await store.appointmentCreates.claim(orgId, key, userId, 60000)).outcome).toBe('claimed');
  });

  it('rows of a deleted user keep their history (saved_by_user_id becomes null)', async () => {
    const user = await store.users.create(orgId, { displayName: 'Temp', email: `temp-${crypto.randomUUID()}@example.com` });
    const key = messageId();
    const claim = await store.emailSaves.claim(orgId, key, user.id, 60000);
    if (claim.outcome !== 'claimed') throw new Error('expected claimed');
    await store.emailSaves.complete(orgId, key, claim.claimToken, { objectId: 'OBJ' });
    await store.users.delete(orgId, user.id);
    expect(await store.emailSaves.get(orgId, key)).toMatchObject({ status: 'saved', savedByUserId: null, c4cObjectId: 'OBJ' });
  });
});
