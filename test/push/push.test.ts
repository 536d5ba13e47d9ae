/**
 * Push-triggered sessions (E12) end to end: the Exchange emulator really sends Graph change notifications to the
 * relay's endpoints and streams EWS events; the engine has no tick (tickIntervalMs 0), so only a notification can
 * start a session — until the test ticks itself, playing the schedule.
 */
import { createPushSubscriptionRepository } from '../../relay/store/push-subscriptions';
import { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFICATION_PATH } from '../../relay/http/push-routes';
import { ewsPushChannel } from '../../relay/push/ews-channel';
import type { GraphPushChannel } from '../../relay/push/graph-channel';
import type { EwsPushChannel } from '../../relay/push/ews-channel';
import { sleep, startPushWorld, waitFor, type PushWorld, type Via } from './push-world';

let world: PushWorld;
beforeAll(async () => {
  world = await startPushWorld({ debounceMs: 1000 });
}, 60000);
afterAll(async () => {
  await world?.close();
});
afterEach(() => {
  Object.assign(world.graphSubscriptions.faults, { dropNext: 0, dropAll: false, delayMs: 0, duplicates: 0 });
});

const graphChannel = () => world.push.channels.find((c) => c.name === 'graph') as GraphPushChannel;
const ewsChannel = () => world.push.channels.find((c) => c.name === 'ews') as EwsPushChannel;
const pushRuns = async (via: Via, userId: string) => (await world.runs(via, userId)).filter((r) => r.trigger === 'push');
const repo = () => createPushSubscriptionRepository(world.db);

describe.each(['graph', 'ews'] as const)('a categorized email reaches C4C through a notification (%s)', (via) => {
  test('no schedule, no Sync now: the notification alone starts the session that saves it', async () => {
    const u = await world.addUser(via);
    // Messages, and events + contacts because the organization's mirroring is on (the default).
    if (via === 'graph') expect(world.graphSubscriptions.of(u.address).map((s) => s.resource).sort()).toEqual(['contacts', 'events', 'messages'].map((r) => `users/${u.address}/${r}`));
    else await waitFor(() => world.ewsNotifications.openConnections() > 0, 10000, 'a streaming connection');
    const message = world.deliver(u.address);
    await sleep(1200); // past the baseline second, and the delivery's own push session
    const started = Date.now();
    world.categorize(u.address, message.id);
    await waitFor(() => world.savedInC4c(message.internetMessageId), 20000, 'the email in C4C');
    const latency = Date.now() - started;
    expect(latency).toBeLessThan(10000);
    // The session that saved it was a push session (its counts are recorded when it ends).
    await waitFor(async () => (await pushRuns(via, u.userId)).some((r) => r.endedAt !== undefined && (r.counts.saved ?? 0) === 1), 10000, 'the push run');
    // Nothing but push ran after the first (activation) session.
    expect((await world.runs(via, u.userId)).filter((r) => r.trigger !== 'push')).toHaveLength(1);
  }, 60000);
});

/** Runs settle: nothing queued or running for a while. */
async function settled(): Promise<void> {
  await sleep(1500);
  await waitFor(() => world.engine.running() === 0, 20000, 'no running session');
  await sleep(700);
}

const messagesSubscription = (address: string) => {
  const s = world.graphSubscriptions.of(address).find((x) => x.kind === 'messages');
  if (!s) throw new Error(`no messages subscription for ${address}`);
  return s;
};
const post = (path: string, body: unknown) => fetch(`${world.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const changeEntry = (s: { id: string; expirationDateTime: string; tenantId: string }, clientState: string | undefined) => ({
  subscriptionId: s.id,
  subscriptionExpirationDateTime: s.expirationDateTime,
  changeType: 'updated',
  resource: 'Users/x/Messages/y',
  resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'y' },
  ...(clientState !== undefined ? { clientState } : {}),
  tenantId: s.tenantId,
});

describe('debouncing', () => {
  test('a burst of 50 notifications for one mailbox gives one session', async () => {
    const u = await world.addUser('graph');
    await settled();
    const before = (await pushRuns('graph', u.userId)).length;
    const queuedBefore = world.queued();
    const s = messagesSubscription(u.address);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => world.graphSubscriptions.deliverRaw(s.notificationUrl, { value: [changeEntry(s, s.clientState)] })));
    expect(statuses.every((st) => st === 202)).toBe(true);
    await settled();
    const after = await pushRuns('graph', u.userId);
    if (after.length - before !== 1) console.log(JSON.stringify(after), before, world.graphSubscriptions.deliveries.slice(-5));
    expect(after.length - before).toBe(1);
    expect(world.queued() - queuedBefore).toBe(1);
  }, 60000);
});

describe('forged notifications', () => {
  test('a wrong clientState, a missing one or an unknown subscription is rejected and triggers nothing', async () => {
    const u = await world.addUser('graph');
    await settled();
    const runsBefore = (await world.runs('graph', u.userId)).length;
    const triggered = world.trigger.triggered;
    const s = messagesSubscription(u.address);
    expect((await post(GRAPH_NOTIFICATION_PATH, { value: [changeEntry(s, 'not-the-client-state')] })).status).toBe(403);
    expect((await post(GRAPH_NOTIFICATION_PATH, { value: [changeEntry(s, undefined)] })).status).toBe(403);
    expect((await post(GRAPH_NOTIFICATION_PATH, { value: [changeEntry({ ...s, id: '00000000-0000-0000-0000-000000000000' }, s.clientState)] })).status).toBe(403);
    expect((await post(GRAPH_NOTIFICATION_PATH, { nonsense: true })).status).toBe(400);
    // A forged lifecycle event does not remove anything either.
    expect((await post(GRAPH_LIFECYCLE_PATH, { value: [{ ...changeEntry(s, 'forged'), lifecycleEvent: 'subscriptionRemoved' }] })).status).toBe(403);
    await settled();
    expect(world.trigger.triggered).toBe(triggered);
    expect((await world.runs('graph', u.userId)).length).toBe(runsBefore);
    expect((await repo().list(['graph-messages'])).some((r) => r.remoteId === s.id)).toBe(true);
    // The genuine clientState works on the same endpoint.
    expect((await post(GRAPH_NOTIFICATION_PATH, { value: [changeEntry(s, s.clientState)] })).status).toBe(202);
  }, 60000);

  test('the validation handshake echoes the token as text/plain on both endpoints', async () => {
    for (const path of [GRAPH_NOTIFICATION_PATH, GRAPH_LIFECYCLE_PATH]) {
      const token = 'Validation: Testing client application reachability <&>';
      const res = await fetch(`${world.origin}${path}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(token);
    }
  });
});

describe('the schedule stays the safety net', () => {
  test('dropped notifications: nothing happens until the interval has passed, then the tick saves the email', async () => {
    const u = await world.addUser('graph');
    const message = world.deliver(u.address);
    await settled();
    world.graphSubscriptions.faults.dropAll = true;
    world.categorize(u.address, message.id);
    await settled();
    expect(world.graphSubscriptions.stats.dropped).toBeGreaterThan(0);
    expect(world.savedInC4c(message.internetMessageId)).toBe(false);
    // The interval passes: the mailbox is due, and the schedule's tick starts its session.
    await world.db.query(`UPDATE mailboxes SET next_session_at = now() - interval '1 second' WHERE user_id = $1`, [u.userId]);
    await world.engine.tick();
    await waitFor(() => world.savedInC4c(message.internetMessageId), 20000, 'the email saved by the scheduled session');
    expect((await world.runs('graph', u.userId)).filter((r) => r.trigger === 'schedule')).toHaveLength(2);
  }, 60000);
});

describe('Graph subscription lifecycle', () => {
  test('subscriptionRemoved → re-created (with a session to catch up); missed → a session', async () => {
    const u = await world.addUser('graph');
    await settled();
    const old = messagesSubscription(u.address);
    const runs = (await pushRuns('graph', u.userId)).length;
    expect(await world.graphSubscriptions.sendLifecycle(old.id, 'subscriptionRemoved')).toBe(202);
    await waitFor(() => world.graphSubscriptions.of(u.address).some((s) => s.kind === 'messages' && s.id !== old.id), 15000, 'a new subscription');
    const fresh = messagesSubscription(u.address);
    expect(fresh.clientState).not.toBe(old.clientState);
    await waitFor(async () => (await repo().list(['graph-messages'])).some((r) => r.userId === u.userId && r.remoteId === fresh.id), 5000, 'the stored subscription');
    await settled();
    expect((await pushRuns('graph', u.userId)).length).toBe(runs + 1);

    expect(await world.graphSubscriptions.sendLifecycle(fresh.id, 'missed')).toBe(202);
    await settled();
    expect((await pushRuns('graph', u.userId)).length).toBe(runs + 2);
    // The new subscription delivers: a categorized email still arrives by push.
    const message = world.deliver(u.address);
    await sleep(1100);
    world.categorize(u.address, message.id);
    await waitFor(() => world.savedInC4c(message.internetMessageId), 20000, 'the email in C4C');
  }, 90000);

  test('reauthorizationRequired → renewed at once; close to expiry → renewed; expired on Graph → re-created', async () => {
    const u = await world.addUser('graph');
    const s = messagesSubscription(u.address);
    const channel = graphChannel();
    const renewed = channel.stats.renewed;
    // Pretend the subscription was made long ago: its expiry is stored as 10 minutes away, and Graph's copy too.
    s.expirationDateTime = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(await world.graphSubscriptions.sendLifecycle(s.id, 'reauthorizationRequired')).toBe(202);
    await waitFor(() => channel.stats.renewed > renewed, 15000, 'the renewal');
    expect(Date.parse(s.expirationDateTime)).toBeGreaterThan(Date.now() + 2 * 24 * 3600_000);
    expect((await repo().list(['graph-messages'])).find((r) => r.remoteId === s.id)?.needs).toBeUndefined();

    await world.db.query(`UPDATE push_subscriptions SET expires_at = now() + interval '1 hour' WHERE remote_id = $1`, [s.id]);
    await world.push.reconcile();
    expect(channel.stats.renewed).toBe(renewed + 2);
    const row = (await repo().list(['graph-messages'])).find((r) => r.remoteId === s.id);
    expect(row?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 2 * 24 * 3600_000);

    // Lapsed on Graph's side: the renewal answers 404 and a new subscription replaces it.
    world.graphSubscriptions.expireNow(s.id);
    await world.db.query(`UPDATE push_subscriptions SET expires_at = now() - interval '1 minute' WHERE remote_id = $1`, [s.id]);
    await world.push.reconcile();
    const replacement = messagesSubscription(u.address);
    expect(replacement.id).not.toBe(s.id);
    expect((await repo().list(['graph-messages'])).some((r) => r.remoteId === replacement.id)).toBe(true);
  }, 60000);

  test('an orphan (a subscription of the app pointing at this relay that no row knows) is deleted', async () => {
    const u = await world.addUser('graph');
    const template = messagesSubscription(u.address);
    const orphan = { ...template, id: '11111111-2222-4333-8444-555555555555', expirationDateTime: new Date(Date.now() + 24 * 3600_000).toISOString() };
    world.graphSubscriptions.subscriptions.set(orphan.id, orphan);
    const deleted = graphChannel().stats.orphansDeleted;
    await world.push.reconcile();
    expect(world.graphSubscriptions.subscriptions.has(orphan.id)).toBe(false);
    expect(world.graphSubscriptions.subscriptions.has(template.id)).toBe(true);
    expect(graphChannel().stats.orphansDeleted).toBe(deleted + 1);
  }, 60000);

  test('a paused mailbox loses its subscriptions (Graph and EWS); resumed, they come back', async () => {
    const g = await world.addUser('graph');
    const e = await world.addUser('ews');
    expect(world.graphSubscriptions.of(g.address)).toHaveLength(3);
    expect(world.ewsNotifications.of(e.address)).toHaveLength(1);
    await world.engine.control.pause(g.organizationId, g.userId, { kind: 'system', id: 'test' });
    await world.engine.control.pause(e.organizationId, e.userId, { kind: 'system', id: 'test' });
    await world.push.reconcile();
    expect(world.graphSubscriptions.of(g.address)).toHaveLength(0);
    expect(world.ewsNotifications.of(e.address)).toHaveLength(0);
    expect((await repo().list(['graph-messages', 'graph-events', 'graph-contacts', 'ews-streaming'])).filter((r) => r.userId === g.userId || r.userId === e.userId)).toHaveLength(0);
    await world.engine.control.resume(g.organizationId, g.userId, { kind: 'system', id: 'test' });
    await world.engine.control.resume(e.organizationId, e.userId, { kind: 'system', id: 'test' });
    await world.push.reconcile();
    expect(world.graphSubscriptions.of(g.address)).toHaveLength(3);
    expect(world.ewsNotifications.of(e.address)).toHaveLength(1);
  }, 60000);
});

describe('EWS streaming', () => {
  test('mailboxes of one service account share one connection anchored at the group’s first mailbox', async () => {
    const users = await world.addUsers('ews', 3);
    const groups = ewsChannel().describeGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0].streaming).toBe(true);
    expect(groups[0].members).toEqual(expect.arrayContaining(users.map((u) => u.address)));
    // Every subscription was made with the group's anchor, and the one connection carries them all (the emulator
    // answers ErrorSubscriptionNotFound to ids of another affinity group).
    for (const u of users) expect(world.ewsNotifications.of(u.address)[0].anchor).toBe(groups[0].anchor);
    // The connection reopened with the whole group (the emulator counts the ids of each accepted connection).
    await waitFor(() => world.ewsNotifications.stats.maxSubscriptionsPerConnection >= groups[0].members.length && world.ewsNotifications.openConnections() === 1 && ewsChannel().liveConnections() === 1, 10000, 'one connection for the group');
  }, 90000);

  test('a dropped connection is reopened (back-off) and notifications flow again', async () => {
    const u = await world.addUser('ews');
    const ready = () => ewsChannel().liveConnections() === 1 && world.ewsNotifications.openConnections() === 1;
    await waitFor(ready, 10000, 'the connection');
    await sleep(300);
    const opened = ewsChannel().stats.connectionsOpened;
    world.ewsNotifications.dropStreams();
    await waitFor(() => ewsChannel().stats.connectionsOpened > opened && ready(), 15000, 'the reconnect');
    expect(ewsChannel().stats.reconnects).toBeGreaterThan(0);
    const message = world.deliver(u.address);
    await sleep(1100);
    world.categorize(u.address, message.id);
    await waitFor(() => world.savedInC4c(message.internetMessageId), 20000, 'the email in C4C');
  }, 60000);

  test('pull subscriptions (where streaming is not available): GetEvents polling triggers the session', async () => {
    const u = await world.addUser('ews');
    const pull = await ewsPushChannel({ mode: 'pull', pullIntervalMs: 300 })(world.services);
    try {
      await pull!.reconcile();
      expect(world.ewsNotifications.of(u.address).map((s) => s.kind).sort()).toEqual(['pull', 'streaming']);
      const before = (pull as EwsPushChannel).stats.notifications;
      world.deliver(u.address);
      await waitFor(() => (pull as EwsPushChannel).stats.notifications > before, 10000, 'a polled event');
      expect((pull as EwsPushChannel).stats.polls).toBeGreaterThan(0);
    } finally {
      await pull?.stop();
    }
    expect(world.ewsNotifications.of(u.address).map((s) => s.kind)).toEqual(['streaming']);
  }, 60000);
});
