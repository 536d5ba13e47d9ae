/** The back-off mechanism: the curve's bounds (property), the budget's stops, and the retry loop. */
import fc from 'fast-check';
import { Backoff, backoffDelay, parseRetryAfterMs, retry, sleep, type Jitter } from '../../relay/lib/backoff';

describe('backoffDelay', () => {
  test('doubles from the base up to the cap; none / full / equal jitter', () => {
    const curve = { baseMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, curve))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { ...curve, jitter: 'full' }, () => 0.999999)).toBe(399);
    expect(backoffDelay(3, { ...curve, jitter: 'full' }, () => 0)).toBe(0);
    expect(backoffDelay(3, { ...curve, jitter: 'equal' }, () => 0)).toBe(200);
    expect(backoffDelay(3, { ...curve, jitter: 'equal' }, () => 0.5)).toBe(300);
    // No cap: the exponent stops growing long before the numbers stop being finite.
    expect(Number.isFinite(backoffDelay(10_000, { baseMs: 1 }))).toBe(true);
    expect(backoffDelay(10_000, { baseMs: 0 })).toBe(0);
  });

  test('stays within [lower, step] for every retry, base, cap and random draw (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.constantFrom<Jitter>('none', 'full', 'equal'),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retryNumber, baseMs, maxDelayMs, jitter, r) => {
          const step = Math.min(maxDelayMs, baseMs * 2 ** Math.min(retryNumber - 1, 30));
          const delay = backoffDelay(retryNumber, { baseMs, maxDelayMs, jitter }, () => r);
          const lower = jitter === 'none' ? step : jitter === 'equal' ? step / 2 : 0;
          return delay >= lower && delay <= step && (jitter !== 'full' || Number.isInteger(delay));
        },
      ),
    );
  });

  test('never shrinks from one retry to the next without jitter (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), (n, baseMs, maxDelayMs) => {
        return backoffDelay(n + 1, { baseMs, maxDelayMs }) >= backoffDelay(n, { baseMs, maxDelayMs });
      }),
    );
  });
});

describe('Backoff budget', () => {
  test('maxAttempts counts the first attempt; the delay is reported also when no retry follows', () => {
    const b = new Backoff({ baseMs: 100, maxAttempts: 3 });
    expect(b.next()).toEqual({ retry: true, delayMs: 100, retryNumber: 1 });
    expect(b.next()).toEqual({ retry: true, delayMs: 200, retryNumber: 2 });
    expect(b.next()).toEqual({ retry: false, delayMs: 400, reason: 'attempts' });
    expect(b.retries).toBe(2);
    expect(new Backoff({ baseMs: 100, maxAttempts: 1 }).next()).toMatchObject({ retry: false, reason: 'attempts' });
  });

  test("the server's delay replaces the computed one, and a delay over giveUpAboveMs ends the retries", () => {
    const b = new Backoff({ baseMs: 1000, giveUpAboveMs: 30_000 });
    expect(b.next(400)).toMatchObject({ retry: true, delayMs: 400 });
    // The computed step follows the retries granted so far, whichever delay was used.
    expect(b.next()).toMatchObject({ retry: true, delayMs: 2000 });
    expect(b.next(297_749)).toEqual({ retry: false, delayMs: 297_749, reason: 'too-long' });
    expect(new Backoff({ baseMs: 40_000, giveUpAboveMs: 30_000 }).next()).toMatchObject({ retry: false, reason: 'too-long' });
  });

  test('maxTotalWaitMs is measured on the injected clock', () => {
    let now = 1_000_000;
    const b = new Backoff({ baseMs: 100, maxTotalWaitMs: 1000, now: () => now });
    expect(b.next()).toMatchObject({ retry: true, delayMs: 100 });
    now += 100;
    expect(b.next()).toMatchObject({ retry: true, delayMs: 200 });
    now += 200;
    expect(b.next()).toMatchObject({ retry: true, delayMs: 400 });
    now += 400;
    // 700 ms gone, the next step is 800: over the budget.
    expect(b.next()).toEqual({ retry: false, delayMs: 800, reason: 'total-wait' });
  });

  test('an aborted signal stops the retries and ends a wait early', async () => {
    const controller = new AbortController();
    const b = new Backoff({ baseMs: 10_000, signal: controller.signal });
    const started = Date.now();
    const waiting = b.wait(10_000);
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await expect(waiting).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(b.next()).toMatchObject({ retry: false, reason: 'aborted' });
    await expect(sleep(1, controller.signal)).rejects.toThrow('shutting down');
  });

  test('rejects a budget that could never be right', () => {
    expect(() => new Backoff({ baseMs: -1 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 1, maxAttempts: 0 })).toThrow(RangeError);
  });
});

describe('retry', () => {
  class Busy extends Error {
    constructor(readonly hintMs?: number) {
      super('busy');
    }
  }

  test('retries what is retryable, waiting the curve or the hint, then succeeds', async () => {
    const slept: number[] = [];
    const seen: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        calls += 1;
        if (calls === 1) throw new Busy();
        if (calls === 2) throw new Busy(750);
        return 'done';
      },
      { baseMs: 100, maxAttempts: 5, sleep: async (ms) => void slept.push(ms) },
      { retryable: (e) => e instanceof Busy, serverDelayMs: (e) => (e as Busy).hintMs },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    expect(slept).toEqual([100, 750]);
  });

  test('a failure that is not retryable is thrown at once; a spent budget throws the last failure', async () => {
    let calls = 0;
    const permanent = new Error('permanent');
    await expect(
      retry(
        async () => {
          calls += 1;
          throw permanent;
        },
        { baseMs: 1, maxAttempts: 5, sleep: async () => undefined },
        { retryable: (e) => e instanceof Busy },
      ),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);

    calls = 0;
    const errors: Busy[] = [];
    const thrown = await retry(
      async () => {
        calls += 1;
        const e = new Busy();
        errors.push(e);
        throw e;
      },
      { baseMs: 1, maxAttempts: 3, sleep: async () => undefined },
      { retryable: () => true },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(thrown).toBe(errors[2]);
  });

  test('a shared Backoff is one budget across calls', async () => {
    const budget = new Backoff({ baseMs: 1, maxAttempts: 3, sleep: async () => undefined });
    const failing = (): Promise<never> => Promise.reject(new Busy());
    let calls = 0;
    const op = async (): Promise<never> => {
      calls += 1;
      return failing();
    };
    await expect(retry(op, budget, { retryable: () => true })).rejects.toBeInstanceOf(Busy);
    expect(calls).toBe(3);
    await expect(retry(op, budget, { retryable: () => true })).rejects.toBeInstanceOf(Busy);
    expect(calls).toBe(4);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test('delta-seconds, HTTP dates, nonsense', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('0.25', now)).toBe(250);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('later', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
