/** The concurrency limiter: permits, weights, FIFO order, peak accounting, and the shared-per-key registry. */
import fc from 'fast-check';
import { Limiter, LimiterRegistry } from '../../relay/lib/limiter';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  test('never holds more than its capacity; waiters run as permits come back; peak is recorded', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let maxRunning = 0;
    const task = async (): Promise<void> => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 12 }, () => limiter.run(task)));
    expect(maxRunning).toBe(3);
    expect(limiter.peak).toBe(3);
    expect(limiter.inUse).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  test('weights: a batch takes several permits, capped at the capacity; FIFO keeps a heavy waiter from starving', async () => {
    const limiter = new Limiter(4);
    const light = await limiter.acquire();
    const order: string[] = [];
    const heavy = limiter.acquire(20).then((release) => {
      order.push('heavy');
      return release;
    });
    const later = limiter.acquire(1).then((release) => {
      order.push('light');
      return release;
    });
    await tick();
    // 3 permits are free, but the heavy batch (capped to 4) is first in line: the light request waits behind it.
    expect(order).toEqual([]);
    expect(limiter.pending).toBe(2);
    light();
    light(); // a second call gives nothing back twice
    const releaseHeavy = await heavy;
    expect(limiter.inUse).toBe(4);
    releaseHeavy();
    (await later)();
    expect(order).toEqual(['heavy', 'light']);
    expect(limiter.inUse).toBe(0);
    expect(limiter.peak).toBe(4);
  });

  test('acquireWithin: waits for a permit given back in time, gives up after the wait, bounds the waiters', async () => {
    jest.useFakeTimers();
    try {
      const limiter = new Limiter(1);
      const held = (await limiter.acquireWithin(100))!;
      expect(held).toBeDefined();
      const waiting = limiter.acquireWithin(100, { maxWaiting: 1 });
      // One waits already: with maxWaiting 1 the next is refused without waiting.
      await expect(limiter.acquireWithin(100, { maxWaiting: 1 })).resolves.toBeUndefined();
      jest.advanceTimersByTime(50);
      held();
      const granted = await waiting;
      expect(granted).toBeDefined();
      expect(limiter.inUse).toBe(1);
      const givesUp = limiter.acquireWithin(100);
      jest.advanceTimersByTime(100);
      await expect(givesUp).resolves.toBeUndefined();
      // The one that gave up left the queue and holds nothing.
      expect(limiter.pending).toBe(0);
      granted!();
      expect(limiter.inUse).toBe(0);
      expect(await limiter.acquireWithin(0)).toBeDefined();
    } finally {
      jest.useRealTimers();
    }
  });

  test('acquireWithin: a heavy waiter that gives up lets the lighter ones behind it through', async () => {
    jest.useFakeTimers();
    try {
      const limiter = new Limiter(2);
      const one = await limiter.acquire();
      const heavy = limiter.acquireWithin(50, { weight: 2 });
      const light = limiter.acquireWithin(500);
      jest.advanceTimersByTime(50);
      await expect(heavy).resolves.toBeUndefined();
      const lightRelease = await light;
      expect(lightRelease).toBeDefined();
      expect(limiter.inUse).toBe(2);
      one();
      lightRelease!();
    } finally {
      jest.useRealTimers();
    }
  });

  test('a task that fails gives its permit back', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.inUse).toBe(0);
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  test('in-use never exceeds the capacity for any mix of weights and release orders (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 25 }), async (capacity, weights) => {
        const limiter = new Limiter(capacity);
        let maxInUse = 0;
        await Promise.all(
          weights.map(async (w, i) => {
            const release = await limiter.acquire(w);
            maxInUse = Math.max(maxInUse, limiter.inUse);
            for (let k = 0; k < i % 3; k++) await tick();
            release();
          }),
        );
        return maxInUse <= capacity && limiter.peak <= capacity && limiter.inUse === 0;
      }),
      { numRuns: 50 },
    );
  });

  test('rejects a capacity that is not a positive integer', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(2.5)).toThrow(RangeError);
  });
});

describe('LimiterRegistry', () => {
  test('one limiter per key (case-insensitive); the first lease fixes the capacity', () => {
    const registry = new LimiterRegistry();
    const a = registry.lease('https://ex.example/EWS|Svc@Contoso', 3);
    const b = registry.lease('https://EX.example/ews|svc@contoso', 10);
    expect(b.limiter).toBe(a.limiter);
    expect(b.limiter.capacity).toBe(3);
    expect(registry.lease('other', 2).limiter).not.toBe(a.limiter);
  });

  test('the last release forgets the key; a release twice counts once', () => {
    const registry = new LimiterRegistry();
    const a = registry.lease('graph|app|anna', 4);
    const b = registry.lease('graph|app|anna', 4);
    a.release();
    a.release();
    expect(registry.size).toBe(1);
    expect(registry.lease('graph|app|anna', 4).limiter).toBe(b.limiter);
    b.release();
  });

  test('after every lease is gone a new one starts fresh', () => {
    const registry = new LimiterRegistry();
    const a = registry.lease('k', 4);
    a.release();
    expect(registry.size).toBe(0);
    const b = registry.lease('k', 2);
    expect(b.limiter).not.toBe(a.limiter);
    expect(b.limiter.capacity).toBe(2);
  });
});
