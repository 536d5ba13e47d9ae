/**
 * Back-pressure (issue 12): beyond the bound of requests in flight, per process and per organization, a fast 503
 * `overloaded` with Retry-After instead of a queue; permits come back when responses finish or connections drop.
 * End to end: with a tiny per-organization bound, a burst of saves of one email retried on 503 (as the sidebar does)
 * gives exactly one record in C4C. Also: an unexpected error is logged once with the correlation id the response
 * carries.
 */
import { Writable } from 'node:stream';
import { Router, type RequestHandler } from 'express';
import request from 'supertest';
import { createApp } from '../../relay/http/app';
import { chainGuards, createBackpressure } from '../../relay/http/backpressure';
import { createLogger } from '../../relay/log';
import { DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

/** Pretends to authenticate: the organization comes from a header. */
const fakeAuth: RequestHandler = (req, _res, next) => {
  const org = req.headers['x-org'];
  if (typeof org === 'string') req.auth = { organizationId: org } as NonNullable<typeof req.auth>;
  next();
};

describe('back-pressure guard', () => {
  const gates: Array<() => void> = [];
  const backpressure = createBackpressure({ maxInFlight: 4, maxInFlightPerOrganization: 2, retryAfterSeconds: 2 });
  const routes = Router();
  routes.use(chainGuards(fakeAuth, backpressure.guard));
  routes.get('/slow', async (_req, res) => {
    await new Promise<void>((resolve) => gates.push(resolve));
    res.json({ ok: true });
  });
  const app = createApp({ logger: createLogger({ level: 'silent' }), routers: [['/api', routes]] });
  const server = app.listen(0);
  const agent = () => request(server);
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function waitForInFlight(n: number): Promise<void> {
    for (let i = 0; i < 200 && backpressure.stats().inFlight !== n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(backpressure.stats().inFlight).toBe(n);
  }

  it('refuses the third request of one organization at once with 503 + Retry-After, and serves another organization', async () => {
    const a1 = agent().get('/api/slow').set('x-org', 'a').then((r) => r);
    const a2 = agent().get('/api/slow').set('x-org', 'a').then((r) => r);
    await waitForInFlight(2);
    const started = Date.now();
    const a3 = await agent().get('/api/slow').set('x-org', 'a');
    expect(a3.status).toBe(503);
    expect(a3.headers['retry-after']).toBe('2');
    expect(a3.body.error.code).toBe('overloaded');
    expect(Date.now() - started).toBeLessThan(500);
    // Another organization still has room in the process.
    const b1 = agent().get('/api/slow').set('x-org', 'b').then((r) => r);
    const b2 = agent().get('/api/slow').set('x-org', 'b').then((r) => r);
    await waitForInFlight(4);
    // The process bound (4) is reached: a third organization is refused too.
    const c1 = await agent().get('/api/slow').set('x-org', 'c');
    expect(c1.status).toBe(503);
    expect(backpressure.stats().rejected).toEqual({ process: 1, organization: 1 });
    while (gates.length > 0) gates.shift()!();
    expect((await Promise.all([a1, a2, b1, b2])).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await waitForInFlight(0);
    expect(backpressure.stats().organizations).toBe(0);
    // Room again.
    const again = agent().get('/api/slow').set('x-org', 'a').then((r) => r);
    await waitForInFlight(1);
    gates.shift()!();
    expect((await again).status).toBe(200);
  });

  it('gives the permit back when the client drops the connection', async () => {
    const aborted = new AbortController();
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/slow`;
    const pending = fetch(url, { headers: { 'x-org': 'a' }, signal: aborted.signal }).catch(() => undefined);
    await waitForInFlight(1);
    aborted.abort();
    await pending;
    await waitForInFlight(0);
    while (gates.length > 0) gates.shift()!();
  });
});

describe('a short queue (queueWaitMs)', () => {
  it('lets a request wait for a permit that comes back in time, refuses one whose wait runs out, and never queues more than may run', async () => {
    const gates: Array<() => void> = [];
    const backpressure = createBackpressure({ maxInFlight: 10, maxInFlightPerOrganization: 1, queueWaitMs: 300 });
    const routes = Router();
    routes.use(chainGuards(fakeAuth, backpressure.guard));
    routes.get('/slow', async (_req, res) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      res.json({ ok: true });
    });
    const server = createApp({ logger: createLogger({ level: 'silent' }), routers: [['/api', routes]] }).listen(0);
    const get = () => request(server).get('/api/slow').set('x-org', 'a').then((r) => r);
    const untilGates = async (n: number) => {
      for (let i = 0; i < 200 && gates.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      expect(gates).toHaveLength(n);
    };
    try {
      const first = get();
      await untilGates(1);
      const waiting = get();
      await new Promise((r) => setTimeout(r, 50));
      // The queue holds one (as many as may run): a third is refused without waiting.
      const started = Date.now();
      expect((await get()).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(250);
      // The first finishes within the wait: the waiting request runs instead of being refused.
      gates.shift()!();
      expect((await first).status).toBe(200);
      await untilGates(1);
      // Nobody finishes now: the next request waits its 300 ms, then gets the 503.
      const late = Date.now();
      const refused = await get();
      expect(refused.status).toBe(503);
      expect(Date.now() - late).toBeGreaterThanOrEqual(280);
      gates.shift()!();
      expect((await waiting).status).toBe(200);
      expect(backpressure.stats().rejected).toEqual({ process: 0, organization: 2 });
      expect(backpressure.stats().inFlight).toBe(0);
    } finally {
      while (gates.length > 0) gates.shift()!();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a client that leaves during authentication', () => {
  it('holds no permit afterwards (the guard runs after its connection closed)', async () => {
    const backpressure = createBackpressure({ maxInFlight: 2, maxInFlightPerOrganization: 1 });
    const slowAuth: RequestHandler = (req, _res, next) => {
      setTimeout(() => {
        req.auth = { organizationId: 'a' } as NonNullable<typeof req.auth>;
        next();
      }, 150);
    };
    const routes = Router();
    routes.use(chainGuards(slowAuth, backpressure.guard));
    routes.get('/quick', (_req, res) => {
      res.json({ ok: true });
    });
    const server = createApp({ logger: createLogger({ level: 'silent' }), routers: [['/api', routes]] }).listen(0);
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/quick`;
      const aborted = new AbortController();
      const gone = fetch(url, { signal: aborted.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 30));
      aborted.abort();
      await gone;
      await new Promise((r) => setTimeout(r, 400));
      expect(backpressure.stats().inFlight).toBe(0);
      // The organization's single permit is free: the next request is served.
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('unexpected errors', () => {
  it('are logged once with the correlation id the response carries (header and body), without internals', async () => {
    const { lines, logger } = captureLogs();
    const routes = Router();
    routes.get('/boom', () => {
      throw new Error('connection string postgres://u:hunter2@db');
    });
    const app = createApp({ logger, routers: [['/api', routes]] });
    const res = await request(app).get('/api/boom').expect(500);
    const id = res.headers['x-correlation-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.error.correlationId).toBe(id);
    expect(res.body.error.message).toContain(id);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const withStack = lines.filter((line) => line.includes('"stack"'));
    expect(withStack).toHaveLength(1);
    expect(withStack[0]).toContain(id);
    expect(lines.filter((line) => line.includes(id)).length).toBeGreaterThanOrEqual(1);
  });
});

describe('503 under load never duplicates a save (sandbox relay, per-organization bound 2)', () => {
  let env: SandboxRelay;
  beforeAll(async () => {
    env = await startSandboxRelay({ SYNC_WORKERS: 'false', RELAY_MAX_IN_FLIGHT_PER_ORGANIZATION: '2' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a burst of 30 saves of one email, each retried after 503 as the sidebar does, gives one record and 30 answers naming it', async () => {
    const [ANNA, MARCO] = DEMO_USERS;
    const tokens = [await env.tokenFor(ANNA.oid), await env.tokenFor(MARCO.oid)];
    const key = `<burst-${Date.now()}@nordwind-maschinenbau.example>`;
    const body = JSON.stringify({
      internetMessageId: key,
      itemId: 'AAMkBurst',
      subject: 'Burst',
      sentAt: '2026-11-20T09:15:00.000Z',
      from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example' },
      to: [{ address: ANNA.email }],
      cc: [],
      bodyHtml: '<p>burst</p>',
      includeAttachments: false,
    });
    // Slow C4C down so requests pile up behind the bound.
    env.sandbox.c4c.control.setLatency(40);
    let refused = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const res = await fetch(`${env.url}/api/sidebar/emails`, { method: 'POST', headers: { authorization: `Bearer ${tokens[i % 2]}`, 'content-type': 'application/json' }, body });
          const json = (await res.json()) as { objectId?: string; error?: { code: string } };
          if (res.status === 503 || (res.status === 409 && json.error?.code === 'save-in-progress')) {
            if (res.status === 503) {
              refused += 1;
              expect(res.headers.get('retry-after')).toBe('1');
            }
            await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
            continue;
          }
          return { status: res.status, objectId: json.objectId };
        }
        throw new Error('never got through');
      }),
    );
    env.sandbox.c4c.control.setLatency(0);
    expect(refused).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(29);
    expect(new Set(results.map((r) => r.objectId)).size).toBe(1);
    expect(env.sandbox.c4c.control.list('EMailCollection').filter((row) => row.GroupwareItemID === key)).toHaveLength(1);
  });
});
