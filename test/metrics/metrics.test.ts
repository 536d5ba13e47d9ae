/**
 * D3 metrics: a sandbox relay with METRICS_TOKEN runs a real session (sandbox EWS / Graph and C4C emulators) and its
 * /metrics scrape then shows the session by outcome and trigger, its duration, the upstream requests by system and
 * status, the queue gauge and Node's process metrics; without the token (or with a wrong one) the answer is 401.
 * Without METRICS_TOKEN only loopback clients may scrape: the same router reached through this machine's non-loopback
 * address answers 403. The push trigger's lag reaches the notification-lag histogram.
 */
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRelayMetrics, isLoopback, metricsRouter } from '../../relay/metrics';
import { reportUpstreamRequest } from '../../relay/metrics/edges';
import { createPushTrigger } from '../../relay/push/trigger';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { silentLogger } from '../admin/helpers';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

jest.setTimeout(120_000);

const TOKEN = 'test-metrics-token-0123456789abcdef';

/** The value of one sample line, e.g. `c4c_relay_sync_sessions_total{outcome="succeeded",trigger="admin"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z0-9_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const entry of list ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

describe('/metrics on a sandbox relay with METRICS_TOKEN', () => {
  let env: SandboxRelay;

  beforeAll(async () => {
    env = await startSandboxRelay({ METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('refuses a scrape without the token or with a wrong one (401)', async () => {
    const none = await fetch(`${env.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${env.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
  });

  it('after a real session: sessions_total, duration, items, upstream requests, queue depth and process metrics', async () => {
    const MARCO = DEMO_USERS[1];
    const orgId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
    const marcoId = (await env.store.users.findByEntra(DEMO_TENANT_ID, MARCO.oid))!.id;
    const sync = env.relay.services.sync;
    await sync.enable(orgId, [marcoId], { kind: 'system', id: 'test' });
    const scrape = async (): Promise<string> => {
      const res = await fetch(`${env.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    const before = await scrape();
    const endedBefore = (await sync.status(orgId, marcoId)).recentRuns.filter((r) => r.outcome !== 'running').length;
    // Enabling made the mailbox due at once: the session that follows may be the schedule's (Sync now then answers
    // already-queued) or this admin request's.
    await sync.syncNow(orgId, marcoId, { kind: 'admin', id: 'test' }, 'admin');
    const deadline = Date.now() + 60_000;
    let status = await sync.status(orgId, marcoId);
    while (status.recentRuns.filter((r) => r.outcome !== 'running').length <= endedBefore) {
      if (Date.now() > deadline) throw new Error(`the session did not end within 60 s: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 250));
      status = await sync.status(orgId, marcoId);
    }
    const run = status.recentRuns.find((r) => r.outcome !== 'running')!;
    const text = await scrape();

    const sessionsBefore = sample(before, 'c4c_relay_sync_sessions_total', { outcome: run.outcome, trigger: run.trigger }) ?? 0;
    const sessionsAfter = sample(text, 'c4c_relay_sync_sessions_total', { outcome: run.outcome, trigger: run.trigger }) ?? 0;
    // Other demo mailboxes' scheduled sessions run too: at least this one was counted, and never more than ended.
    expect(sessionsAfter).toBeGreaterThanOrEqual(sessionsBefore + 1);
    const { rows } = await env.relay.services.db.query<{ n: string | number }>('SELECT count(*) AS n FROM sync_runs WHERE outcome = $1 AND trigger = $2', [run.outcome, run.trigger]);
    expect(sessionsAfter).toBeLessThanOrEqual(Number(rows[0].n));
    expect(sample(text, 'c4c_relay_sync_session_duration_seconds_count', { outcome: run.outcome })).toBeGreaterThanOrEqual(1);
    // The session talked to the sandbox mail server (EWS or Graph, as the demo organization is configured).
    const mailRequests = ['ews', 'graph'].map((system) => sample(text, 'c4c_relay_upstream_requests_total', { system, status: '200' }) ?? 0);
    expect(Math.max(...mailRequests)).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE c4c_relay_upstream_request_errors_total counter$/m);
    expect(text).toMatch(/^# TYPE c4c_relay_queue_jobs gauge$/m);
    expect(text).toMatch(/^# TYPE c4c_relay_push_notification_lag_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE c4c_relay_sync_items_total counter$/m);
    expect(sample(text, 'c4c_relay_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  const external = externalAddress();
  let server: http.Server;
  let port: number;
  const metrics = createRelayMetrics({ processMetrics: false });

  beforeAll(async () => {
    const app = express();
    app.use(metricsRouter({ metrics }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    metrics.close();
    await new Promise((r) => server?.close(r));
  });

  it('serves loopback clients', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('c4c_relay_sync_sessions_total');
  });

  (external ? it : it.skip)('refuses a client on a non-loopback address (403), whatever X-Forwarded-For says', async () => {
    const res = await fetch(`http://${external}:${port}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(res.status).toBe(403);
  });

  it('tells loopback addresses apart', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['192.0.2.2', '::ffff:10.0.0.1', 'fd00::2', undefined].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('counts upstream requests and errors by system and status, and the push trigger\'s notification lag', async () => {
    // Upstream counters are process-wide and the sandbox relay of this file may still be talking to its emulators:
    // compare with a scrape taken just before.
    const before = await metrics.scrape();
    const delta = (text: string, name: string, labels: Record<string, string>): number => (sample(text, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    reportUpstreamRequest({ system: 'c4c', operation: 'GET', status: 200, ms: 12 });
    reportUpstreamRequest({ system: 'c4c', operation: 'POST', status: 503, ms: 40 });
    reportUpstreamRequest({ system: 'graph', operation: 'GET', status: 0, ms: 5 });
    const now = new Date('2026-11-02T08:00:05Z');
    const trigger = createPushTrigger({
      sync: { syncNow: async () => ({ result: 'queued' as const }) },
      logger: silentLogger(),
      debounceMs: 10,
      onLag: (source, lagMs) => metrics.notificationLag(source, lagMs),
      now: () => now,
    });
    trigger.notify('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', { source: 'graph', changedAt: new Date('2026-11-02T08:00:02Z') });
    trigger.stop();
    const text = await metrics.scrape();
    expect(delta(text, 'c4c_relay_upstream_requests_total', { system: 'c4c', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(delta(text, 'c4c_relay_upstream_request_errors_total', { system: 'c4c', status: '503' })).toBe(1);
    expect(sample(text, 'c4c_relay_upstream_request_errors_total', { system: 'c4c', status: '200' })).toBeUndefined();
    expect(delta(text, 'c4c_relay_upstream_request_errors_total', { system: 'graph', status: '0' })).toBe(1);
    expect(sample(text, 'c4c_relay_push_notification_lag_seconds_sum', { source: 'graph' })).toBe(3);
    expect(sample(text, 'c4c_relay_push_notification_lag_seconds_bucket', { source: 'graph', le: '2' })).toBe(0);
    expect(sample(text, 'c4c_relay_push_notification_lag_seconds_bucket', { source: 'graph', le: '5' })).toBe(1);
  });
});
