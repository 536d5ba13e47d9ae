/**
 * The mailbox sync state repository (relay/store/mailboxes.ts) on both back ends: enabling in bulk (one statement),
 * organization isolation, cursors, the session hold (begin / heartbeat / end), the scheduler's claims and the run
 * history.
 */
import { createMailboxSyncRepository, type MailboxSyncRepository } from '../../relay/store/mailboxes';
import { describeEachBackend } from '../helpers/backends';
import { createOrganization, createUsers } from './helpers';

describeEachBackend('mailbox sync state', (backend) => {
  let repo: MailboxSyncRepository;
  let org: string;
  let other: string;
  let users: string[];
  let otherUsers: string[];

  beforeAll(async () => {
    repo = createMailboxSyncRepository(backend.db());
    org = await createOrganization(backend.db());
    other = await createOrganization(backend.db());
    users = await createUsers(backend.db(), org, 5);
    otherUsers = await createUsers(backend.db(), other, 2);
  });

  it('enables in one statement, is idempotent, re-enables paused ones, and ignores users of other organizations', async () => {
    const dueAt = new Date('2026-01-01T10:00:00Z');
    const first = await repo.enableMany(org, [...users.slice(0, 3), otherUsers[0]].map((userId, i) => ({ userId, offsetSeconds: i * 10 })), { actor: 'admin:x', dueAt });
    expect(first.map((r) => r.outcome).sort()).toEqual(['enabled', 'enabled', 'enabled']);
    expect(first.map((r) => r.userId)).not.toContain(otherUsers[0]);
    expect(await repo.get(other, otherUsers[0])).toBeUndefined();

    await repo.setPaused(org, users[1], 'user:1');
    const second = await repo.enableMany(org, users.slice(0, 4).map((userId) => ({ userId, offsetSeconds: 0 })), { actor: 'admin:x', dueAt });
    const byUser = Object.fromEntries(second.map((r) => [r.userId, r.outcome]));
    expect(byUser).toEqual({ [users[0]]: 'already-enabled', [users[1]]: 'resumed', [users[2]]: 'already-enabled', [users[3]]: 'enabled' });
    const state = await repo.get(org, users[0]);
    expect(state).toMatchObject({ status: 'enabled', stage: 'pending', scheduleOffsetSeconds: 0, enabledBy: 'admin:x', nextSessionAt: dueAt });
    // Another organization's id never reaches the row.
    expect(await repo.get(other, users[0])).toBeUndefined();
    expect(await repo.setPaused(other, users[0], 'x')).toBeUndefined();
    expect(await repo.remove(other, users[0])).toBe(false);
  });

  it('cursors: one row per folder, scoped to the organization, cleared on request and with the mailbox', async () => {
    const cursors = repo.cursors(org, users[0]);
    expect(await cursors.get('inbox')).toBeUndefined();
    await cursors.set('inbox', { folderId: 'F1', cursor: 'c1', baselineDone: false });
    await cursors.set('inbox', { folderId: 'F1', cursor: 'c2', baselineDone: true });
    await cursors.set('sentitems', { folderId: 'F2', baselineDone: false });
    expect(await cursors.get('inbox')).toEqual({ folderId: 'F1', cursor: 'c2', baselineDone: true });
    expect(await cursors.get('sentitems')).toEqual({ folderId: 'F2', baselineDone: false });
    expect(await repo.cursors(other, users[0]).get('inbox')).toBeUndefined();
    await repo.cursors(other, users[0]).set('inbox', { folderId: 'X', cursor: 'evil', baselineDone: true });
    expect(await cursors.get('inbox')).toEqual({ folderId: 'F1', cursor: 'c2', baselineDone: true });
    await cursors.clear('sentitems');
    expect((await repo.listCursors(org, users[0])).map((c) => c.folderKey)).toEqual(['inbox']);
  });

  it('a session holds the mailbox: a second begin is refused while it beats, allowed once it is stale', async () => {
    const now = new Date();
    const begun = await repo.beginSession(org, users[2], { trigger: 'manual', now, staleBefore: new Date(now.getTime() - 60000) });
    expect(begun).toBeDefined();
    expect(begun!.state).toMatchObject({ stage: 'setting-up', currentRunId: begun!.run.id, baselineAt: now });
    expect(begun!.run).toMatchObject({ outcome: 'running', trigger: 'manual' });
    expect(await repo.beginSession(org, users[2], { trigger: 'schedule', now, staleBefore: new Date(now.getTime() - 60000) })).toBeUndefined();
    expect(await repo.heartbeat(org, users[2], begun!.run.id, { step: 'email', done: 3, total: 10 })).toBe('enabled');
    expect((await repo.get(org, users[2]))!.progress).toEqual({ step: 'email', done: 3, total: 10 });

    // The heartbeat stops (process killed): a later begin takes over and names the run it replaced.
    const later = new Date(Date.now() + 120000);
    const takeover = await repo.beginSession(org, users[2], { trigger: 'schedule', now: later, staleBefore: new Date(later.getTime() - 60000) });
    expect(takeover?.tookOverRunId).toBe(begun!.run.id);
    expect(await repo.heartbeat(org, users[2], begun!.run.id)).toBeUndefined();
    expect(await repo.abandonRuns(org, [begun!.run.id], later, 'died')).toBe(1);

    const ended = await repo.endSession(org, users[2], {
      runId: takeover!.run.id,
      endedAt: later,
      outcome: 'succeeded',
      counts: { saved: 2 },
      errors: [{ message: 'one item failed', subject: 'Hello' }],
      nextSessionAt: new Date(later.getTime() + 1800000),
      setupDone: true,
    });
    expect(ended).toMatchObject({ stage: 'idle', lastSuccessAt: later, setupDoneAt: later, consecutiveFailures: 0 });
    expect(ended!.currentRunId).toBeUndefined();
    // The old session ending late changes nothing on the mailbox.
    expect(await repo.endSession(org, users[2], { runId: begun!.run.id, endedAt: later, outcome: 'succeeded', counts: {}, errors: [], nextSessionAt: later, setupDone: true })).toBeUndefined();

    const runs = await repo.listRuns(org, users[2]);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'abandoned']);
    expect(runs[0]).toMatchObject({ counts: { saved: 2 }, errors: [{ message: 'one item failed', subject: 'Hello' }] });
    expect(await repo.listRuns(other, users[2])).toEqual([]);
    expect(await repo.listRuns(org, users[2], { limit: 1 })).toHaveLength(1);
  });

  it('a permanent failure at the threshold suspends with the reason; a paused mailbox is never taken', async () => {
    const now = new Date();
    const begun = await repo.beginSession(org, users[3], { trigger: 'schedule', now, staleBefore: now });
    const ended = await repo.endSession(org, users[3], {
      runId: begun!.run.id,
      endedAt: now,
      outcome: 'failed',
      counts: {},
      errors: [],
      nextSessionAt: now,
      failure: { class: 'credentials-rejected', message: 'HTTP 401', transient: false, consecutive: 6, suspendedReason: 'HTTP 401 — check the account' },
      setupDone: false,
    });
    expect(ended).toMatchObject({ status: 'suspended', failureClass: 'credentials-rejected', failureTransient: false, consecutiveFailures: 6, suspendedReason: 'HTTP 401 — check the account', stage: 'setting-up' });
    expect((await repo.listRuns(org, users[3]))[0]).toMatchObject({ outcome: 'failed', failureClass: 'credentials-rejected' });
    expect(await repo.beginSession(org, users[3], { trigger: 'manual', now, staleBefore: now })).toBeUndefined();
    const resumed = await repo.resume(org, users[3], 'user:x', now);
    expect(resumed).toMatchObject({ status: 'enabled', consecutiveFailures: 0 });
    expect(resumed!.failureClass).toBeUndefined();
    expect(resumed!.suspendedReason).toBeUndefined();
  });

  it('claims due mailboxes once, moving each to its next slot; claims stale sessions once', async () => {
    const org2 = await createOrganization(backend.db());
    const ids = await createUsers(backend.db(), org2, 3);
    const t0 = new Date('2026-03-01T12:00:00Z');
    await repo.enableMany(org2, ids.map((userId, i) => ({ userId, offsetSeconds: [0, 600, 1799][i] })), { actor: 'system:test', dueAt: t0 });
    const now = new Date('2026-03-01T12:07:00Z');
    expect(await repo.dueOrganizations(now)).toContain(org2);
    const claimed = await repo.claimDue(org2, now, 1800, 100);
    const next = Object.fromEntries(claimed.map((c) => [c.userId, c.nextSessionAt.toISOString()]));
    expect(next).toEqual({
      [ids[0]]: '2026-03-01T12:30:00.000Z',
      [ids[1]]: '2026-03-01T12:10:00.000Z',
      [ids[2]]: '2026-03-01T12:29:59.000Z',
    });
    expect(await repo.claimDue(org2, now, 1800, 100)).toEqual([]);

    const begun = await repo.beginSession(org2, ids[0], { trigger: 'schedule', now, staleBefore: now });
    expect(await repo.claimStale(new Date(now.getTime() - 1000), now, 10)).toEqual([]);
    const stale = await repo.claimStale(new Date(Date.now() + 1000), now, 10);
    expect(stale.filter((s) => s.organizationId === org2)).toEqual([{ organizationId: org2, userId: ids[0], runId: begun!.run.id }]);
    expect(await repo.get(org2, ids[0])).toMatchObject({ nextSessionAt: now });
    expect((await repo.claimStale(new Date(Date.now() + 1000), now, 10)).filter((s) => s.organizationId === org2)).toEqual([]);
  });
});
