/**
 * `npm run bench -- push`: categorize → C4C record latency with push-triggered sessions (E12), against the loopback
 * emulators with 20 ms injected latency on every Exchange (EWS, Graph) and C4C request. 100 mailboxes (50 Graph
 * application access, 50 EWS impersonation on one service account), 200 categorizations spread over ~10 s; the
 * engine has no tick, so every record comes from a push-triggered session. Product defaults for the debounce
 * (1.5 s) and the session queue's polling (2 s).
 * The schedule-only figure is computed from the schedule, not measured: with the 30-minute default interval a change
 * waits on average half an interval for its mailbox's slot (15 min), at most a whole one (30 min), plus the session.
 */
import { startPushWorld, sleep, type Via } from '../test/push/push-world';
import os from 'node:os';
import { Client } from 'pg';
import { ORGANIZATION_SYNC_DEFAULTS } from '../shared/api/sync';

const MAILBOXES_PER_CHANNEL = 50;
const CHANGES = 200;
const LATENCY_MS = 20;
const SPREAD_MS = 10_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function reachable(url: string): Promise<boolean> {
  const pg = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await pg.connect();
    await pg.end();
    return true;
  } catch {
    return false;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchPush(): Promise<string[]> {
  // PostgreSQL (as in production) when reachable: the embedded PGlite would share the one process with the emulators.
  const databaseUrl = process.env.PUSH_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const usePostgres = await reachable(databaseUrl);
  const world = await startPushWorld({ debounceMs: 1500, pollingIntervalSeconds: 2, concurrency: 16, ...(usePostgres ? { databaseUrl } : {}) });
  const lines: string[] = [];
  const loadAtStart = os.loadavg()[0].toFixed(1);
  try {
    const setupStart = Date.now();
    const users = [...(await world.addUsers('graph', MAILBOXES_PER_CHANNEL)).map((u) => ({ ...u, via: 'graph' as Via })), ...(await world.addUsers('ews', MAILBOXES_PER_CHANNEL)).map((u) => ({ ...u, via: 'ews' as Via }))];
    const setupMs = Date.now() - setupStart;
    // Two emails per mailbox, delivered after the baseline, uncategorized.
    await sleep(1100);
    const messages = users.flatMap((u) => [0, 1].map(() => ({ user: u, message: world.deliver(u.address) })));
    // Let the delivery notifications' sessions run out before measuring.
    await sleep(5000);
    while (world.engine.running() > 0) await sleep(200);
    world.bed.exchange.control.setLatency(LATENCY_MS);
    world.c4c.control.setLatency(LATENCY_MS);

    // 200 categorizations in random order, evenly spread.
    const order = [...messages].sort(() => Math.random() - 0.5).slice(0, CHANGES);
    const started = new Map<string, { at: number; via: Via }>();
    const done = new Map<string, number>();
    const poll = setInterval(() => {
      const now = Date.now();
      for (const row of world.c4c.control.list('EMailCollection')) {
        const id = String(row.GroupwareItemID);
        if (started.has(id) && !done.has(id)) done.set(id, now);
      }
    }, 50);
    for (const [i, { user, message }] of order.entries()) {
      started.set(message.internetMessageId, { at: Date.now(), via: user.via });
      world.categorize(user.address, message.id);
      if (i < order.length - 1) await sleep(SPREAD_MS / CHANGES);
    }
    const deadline = Date.now() + 120_000;
    while (done.size < started.size && Date.now() < deadline) await sleep(100);
    clearInterval(poll);

    const latencies = (via?: Via) =>
      [...started.entries()]
        .filter(([id, s]) => done.has(id) && (via === undefined || s.via === via))
        .map(([id, s]) => (done.get(id) as number) - s.at)
        .sort((a, b) => a - b);
    const row = (label: string, values: number[], expected: number) =>
      `${label.padEnd(22)} n=${values.length}/${expected}  p50 ${seconds(percentile(values, 50))}  p95 ${seconds(percentile(values, 95))}  max ${seconds(values[values.length - 1] ?? NaN)}`;
    const all = latencies();
    // Where the time goes: categorize → the trigger's Sync now (notification + debounce), then queue + session.
    const toTrigger = [...started.entries()]
      .map(([id, s]) => {
        const user = order.find((o) => o.message.internetMessageId === id)?.user;
        const at = (world.syncNowAt.get(user?.userId ?? '') ?? []).find((t) => t >= s.at);
        return at === undefined ? undefined : at - s.at;
      })
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const graphCount = [...started.values()].filter((s) => s.via === 'graph').length;
    const interval = ORGANIZATION_SYNC_DEFAULTS.intervalMinutes;
    lines.push(`${MAILBOXES_PER_CHANNEL * 2} mailboxes (${MAILBOXES_PER_CHANNEL} Graph, ${MAILBOXES_PER_CHANNEL} EWS streaming), ${CHANGES} categorizations over ${SPREAD_MS / 1000} s, ${LATENCY_MS} ms injected latency, debounce 1.5 s, queue polling 2 s, SYNC_CONCURRENCY 16, ${usePostgres ? 'PostgreSQL' : 'PGlite'}; relay and emulators in one process; load average at start ${loadAtStart} on ${os.cpus().length} CPUs`);
    lines.push(`categorize → C4C record, with push:`);
    lines.push(`  ${row('all', all, started.size)}   (goal p95 ≤ 10 s: ${percentile(all, 95) <= 10_000 ? 'met' : 'NOT met'})`);
    lines.push(`  ${row('Graph notifications', latencies('graph'), graphCount)}`);
    lines.push(`  ${row('EWS streaming', latencies('ews'), started.size - graphCount)}`);
    lines.push(`  ${row('of which → Sync now', toTrigger, started.size)}   (notification delivery + 1.5 s debounce; the rest is the session queue and the session)`);
    lines.push(`schedule only (computed from the ${interval}-minute default interval): mean wait ${interval / 2} min (interval/2), p95 ${(interval * 0.95).toFixed(1)} min, max ${interval} min, each plus the session`);
    lines.push(`push-triggered sessions queued: ${world.queued()}; Graph notifications delivered ${world.graphSubscriptions.stats.delivered}, EWS events streamed ${world.ewsNotifications.stats.streamed}; set-up of the 100 mailboxes (first sessions, subscriptions) ${seconds(setupMs)}`);
  } finally {
    await world.close();
  }
  return lines;
}
