/**
 * Per-request time accounting: how long a request waited for C4C, reported in the standard `Server-Timing` header
 * (`c4c;dur=…, relay;dur=…`) so operators and the bench can see the relay's own overhead apart from C4C's latency.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestTiming {
  startedAt: bigint;
  c4cMs: number;
}

const storage = new AsyncLocalStorage<RequestTiming>();

export function runWithTiming<T>(fn: () => T): T {
  return storage.run({ startedAt: process.hrtime.bigint(), c4cMs: 0 }, fn);
}

/** Wraps every method of a port so time spent in it counts as waiting for C4C. */
export function timed<T extends object>(port: T): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.finally(() => {
          const timing = storage.getStore();
          if (timing) timing.c4cMs += Number(process.hrtime.bigint() - started) / 1e6;
        });
      };
    },
  });
}

export function serverTimingHeader(): string | undefined {
  const timing = storage.getStore();
  if (!timing) return undefined;
  const totalMs = Number(process.hrtime.bigint() - timing.startedAt) / 1e6;
  const relayMs = Math.max(0, totalMs - timing.c4cMs);
  return `c4c;dur=${timing.c4cMs.toFixed(2)}, relay;dur=${relayMs.toFixed(2)}`;
}
