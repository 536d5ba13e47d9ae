/**
 * Back-off is honoured, not just retried: the server's hint (EWS ErrorServerBusy BackOffMilliseconds, Graph 429
 * Retry-After, also inside `$batch`) is waited out before the resend, measured on the wall clock of the retried call;
 * a hint longer than the client's cap is not slept through but fails at once as the transient `throttled` MailboxError
 * carrying the hint (the job reschedules); the back-off after a dropped Graph connection grows per resend.
 *
 * Each timed call is preceded by an untimed one, so token acquisition and connection set-up are not counted.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { EwsThrottledError } from '../../relay/mailbox/ews/errors';
import { openGraphMailbox } from '../../relay/mailbox/graph';
import { GraphMailboxError } from '../../relay/mailbox/graph/errors';
import { ConnectionError, ReplayOnDropHandler } from '../../relay/mailbox/graph/middleware';
import { MailboxError, type Mailbox } from '../../relay/mailbox/types';
import { DEMO_USERS } from '../emulators/demo-identities';
import { DEMO_MAILBOX_PASSWORD, startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';

const opened: Mailbox[] = [];

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T | unknown }> {
  const started = performance.now();
  const result = await fn().catch((e: unknown) => e);
  return { ms: performance.now() - started, result };
}

describe('EWS: ErrorServerBusy BackOffMilliseconds', () => {
  let emulator: ExchangeEmulator;
  const priya = DEMO_USERS[2].email;
  const OP = 'EWS GetUserConfiguration';
  const MAX_BACK_OFF_MS = 1000;

  function open(): Mailbox {
    const mailbox = createEwsMailbox(priya, { kind: 'ews-direct', ewsUrl: emulator.ewsUrl, username: priya, password: DEMO_MAILBOX_PASSWORD }, { maxBackOffMs: MAX_BACK_OFF_MS });
    opened.push(mailbox);
    return mailbox;
  }

  beforeAll(async () => {
    emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  });

  afterEach(() => emulator.control.clearFaults());

  afterAll(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close()));
    await emulator?.close();
  });

  test('a 400 ms hint is waited out before the resend, every time it is given', async () => {
    const mailbox = open();
    const before = emulator.control.requests(OP);
    await mailbox.listMasterCategories();
    const perCall = emulator.control.requests(OP) - before;

    emulator.control.addFault({ fault: 'throttle', protocol: 'ews', method: 'GetUserConfiguration', backOffMs: 400, times: 1 });
    let start = emulator.control.requests(OP);
    let call = await timed(() => mailbox.listMasterCategories());
    expect(call.result).toEqual(expect.arrayContaining([expect.objectContaining({ displayName: expect.any(String) })]));
    expect(call.ms).toBeGreaterThanOrEqual(400);
    expect(call.ms).toBeLessThan(400 + 2000);
    expect(emulator.control.requests(OP) - start).toBe(perCall + 1);

    emulator.control.addFault({ fault: 'throttle', protocol: 'ews', method: 'GetUserConfiguration', backOffMs: 400, times: 2 });
    start = emulator.control.requests(OP);
    call = await timed(() => mailbox.listMasterCategories());
    expect(call.result).not.toBeInstanceOf(Error);
    expect(call.ms).toBeGreaterThanOrEqual(800);
    expect(emulator.control.requests(OP) - start).toBe(perCall + 2);
  });

  test('a hint over the cap fails fast as transient throttled, with the hint, without a resend', async () => {
    const mailbox = open();
    await mailbox.listMasterCategories();
    emulator.control.addFault({ fault: 'throttle', protocol: 'ews', method: 'GetUserConfiguration', backOffMs: 5000, times: 1 });
    const start = emulator.control.requests(OP);
    const call = await timed(() => mailbox.listMasterCategories());
    expect(call.ms).toBeLessThan(MAX_BACK_OFF_MS);
    expect(call.result).toBeInstanceOf(MailboxError);
    expect(call.result).toBeInstanceOf(EwsThrottledError);
    expect(call.result).toMatchObject({ code: 'throttled', transient: true, backOffMs: 5000 });
    expect((call.result as Error).message).toContain('5000 ms');
    expect(emulator.control.requests(OP) - start).toBe(1);
  });
});

describe('Graph: 429 Retry-After', () => {
  let bed: GraphTestbed;
  const ANNA = 'anna@contoso.example';
  const FOLDER_GET = 'GRAPH GET /users/{id}/mailFolders/{id}';
  const MAX_RETRY_AFTER_S = 5; // the testbed's client cap

  function open(): Mailbox {
    const mailbox = openGraphMailbox(ANNA, bed.appAccess(), bed.options());
    opened.push(mailbox);
    return mailbox;
  }

  beforeAll(async () => {
    bed = await startGraphTestbed();
    bed.addMailbox(ANNA, 'Anna Berger');
  });

  afterEach(() => bed.exchange.control.clearFaults());

  afterAll(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close()));
    await bed?.close();
  });

  test('Retry-After: 1 is waited out before the resend', async () => {
    const mailbox = open();
    await mailbox.getWellKnownFolder('inbox');
    const control = bed.exchange.control;
    control.addFault({ fault: 'throttle', protocol: 'graph', method: 'GET', path: '/mailFolders/inbox', times: 1, retryAfterSeconds: 1 });
    const start = control.requests(FOLDER_GET);
    const call = await timed(() => mailbox.getWellKnownFolder('inbox'));
    expect(call.result).toMatchObject({ wellKnownName: 'inbox' });
    expect(call.ms).toBeGreaterThanOrEqual(1000);
    expect(call.ms).toBeLessThan(1000 + 2000);
    expect(control.requests(FOLDER_GET) - start).toBe(2);
  });

  test('Retry-After: 1 on a sub-request of a $batch is waited out before that sub-request is resent', async () => {
    const mailbox = open();
    const control = bed.exchange.control;
    const ids = [1, 2, 3].map((n) => control.user.deliverMessage(ANNA, { from: { address: 'b@x.example' }, subject: `backoff ${n}` }).id);
    await mailbox.getMessages(ids);
    control.addFault({ fault: 'throttle', protocol: 'graph', method: 'GET', path: '/messages/', times: 1, retryAfterSeconds: 1 });
    const start = control.requests('GRAPH POST /$batch');
    const call = await timed(() => mailbox.getMessages(ids));
    expect((call.result as { id: string }[]).map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(call.ms).toBeGreaterThanOrEqual(1000);
    expect(control.requests('GRAPH POST /$batch') - start).toBe(2);
  });

  test('a Retry-After over the cap fails fast as transient throttled, with the hint, without a resend', async () => {
    const mailbox = open();
    await mailbox.getWellKnownFolder('inbox');
    const control = bed.exchange.control;
    control.addFault({ fault: 'throttle', protocol: 'graph', method: 'GET', path: '/mailFolders/inbox', times: 1, retryAfterSeconds: 600 });
    const start = control.requests(FOLDER_GET);
    const call = await timed(() => mailbox.getWellKnownFolder('inbox'));
    expect(call.ms).toBeLessThan(MAX_RETRY_AFTER_S * 1000);
    expect(call.ms).toBeLessThan(1000);
    expect(call.result).toBeInstanceOf(GraphMailboxError);
    expect(call.result).toMatchObject({ code: 'throttled', transient: true, problem: 'throttled', details: { status: 429, retryAfterSeconds: 600 } });
    expect(control.requests(FOLDER_GET) - start).toBe(1);
  });
});

describe('Graph: back-off after a dropped connection', () => {
  /** A last middleware that drops the connection `drops` times, then answers 200. */
  function wire(drops: number): Middleware & { calls: number } {
    const handler = {
      calls: 0,
      async execute(context: Context): Promise<void> {
        handler.calls += 1;
        if (handler.calls <= drops) throw new ConnectionError('socket hang up', 'ECONNRESET', 'connection');
        context.response = new Response('{}', { status: 200 });
      },
      setNext(): void {},
    };
    return handler;
  }

  function context(method: string, url = 'https://graph.example/v1.0/users/a/mailFolders/inbox', body?: string): Context {
    return { request: url, options: { method, ...(body !== undefined ? { body } : {}) } };
  }

  test('each resend waits longer (exponential, jitter within half to all of the step); the budget is bounded', async () => {
    const slept: number[] = [];
    for (const random of [0, 0.999]) {
      const replay = new ReplayOnDropHandler({ maxReplays: 2, baseDelayMs: 200, random: () => random, sleep: async (ms) => void slept.push(ms) });
      const next = wire(2);
      replay.setNext(next);
      const ctx = context('GET');
      await replay.execute(ctx);
      expect(ctx.response?.status).toBe(200);
      expect(next.calls).toBe(3);
    }
    const [lowFirst, lowSecond, highFirst, highSecond] = slept;
    expect([lowFirst, lowSecond]).toEqual([100, 200]);
    expect(highFirst).toBeGreaterThan(199);
    expect(highFirst).toBeLessThanOrEqual(200);
    expect(highSecond).toBeGreaterThan(399);
    expect(highSecond).toBeLessThanOrEqual(400);

    const replay = new ReplayOnDropHandler({ maxReplays: 2, baseDelayMs: 1, sleep: async () => undefined });
    const next = wire(10);
    replay.setNext(next);
    const error = await replay.execute(context('GET')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET', attempts: 3, replayable: true });
    expect(next.calls).toBe(3);
  });

  test('a create is not resent, and neither is a timed-out request', async () => {
    const replay = new ReplayOnDropHandler({ maxReplays: 2, baseDelayMs: 1, sleep: async () => undefined });
    const next = wire(1);
    replay.setNext(next);
    const error = await replay.execute(context('POST', 'https://graph.example/v1.0/users/a/events', '{}')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET', attempts: 1, replayable: false });
    expect(next.calls).toBe(1);

    let calls = 0;
    replay.setNext({
      async execute(): Promise<void> {
        calls += 1;
        throw new ConnectionError('Graph request timed out after 30000 ms', 'ETIMEDOUT', 'timeout');
      },
      setNext(): void {},
    });
    await expect(replay.execute(context('GET'))).rejects.toMatchObject({ kind: 'timeout' });
    expect(calls).toBe(1);
  });
});
