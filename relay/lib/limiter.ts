/**
 * The relay's one concurrency limiter: a weighted FIFO semaphore, and a registry that shares one limiter per key
 * (an EWS service account on one server, a Graph app on one mailbox) among everything opened on that key in this
 * process.
 *
 * Weighted because Graph counts each sub-request of a `$batch` against the mailbox's limit; FIFO so a waiting heavy
 * batch is not starved by a stream of light requests. Written here rather than taken from p-limit: p-limit ≥ 4 is
 * ESM-only (this project compiles to CommonJS) and no version has weights or hands out a release function, which the
 * Graph handler needs to hold a permit only while a request is on the wire.
 */

interface Waiter {
  weight: number;
  resolve: () => void;
}

export class Limiter {
  #inUse = 0;
  #peak = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`limiter capacity must be a positive integer, got ${capacity}`);
  }

  /** Permits held right now. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Most permits ever held at once (benchmarks and tests compare it with the capacity). */
  get peak(): number {
    return this.#peak;
  }

  /** Callers waiting for permits. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Waits for `weight` permits (1 to the capacity: a heavier request takes them all rather than waiting forever) and
   * returns the function that gives them back; calling it again does nothing.
   */
  async acquire(weight = 1): Promise<() => void> {
    const w = Math.max(1, Math.min(Math.floor(weight), this.capacity));
    if (this.#queue.length === 0 && this.#inUse + w <= this.capacity) this.#take(w);
    else await new Promise<void>((resolve) => this.#queue.push({ weight: w, resolve }));
    return this.#releaser(w);
  }

  #releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= weight;
      this.#drain();
    };
  }

  /**
   * Takes `weight` permits at once when they are free and nobody is waiting, else answers undefined without waiting:
   * for callers that refuse work beyond the capacity (HTTP back-pressure) instead of queueing it.
   */
  tryAcquire(weight = 1): (() => void) | undefined {
    const w = Math.max(1, Math.min(Math.floor(weight), this.capacity));
    if (this.#queue.length > 0 || this.#inUse + w > this.capacity) return undefined;
    this.#take(w);
    return this.#releaser(w);
  }

  /**
   * Waits at most `waitMs` for `weight` permits, and only while fewer than `maxWaiting` callers wait already; answers
   * undefined instead of waiting longer: for callers that absorb a short burst but refuse a growing queue (HTTP
   * back-pressure). `waitMs` 0 is `tryAcquire`.
   */
  async acquireWithin(waitMs: number, options: { weight?: number; maxWaiting?: number } = {}): Promise<(() => void) | undefined> {
    const w = Math.max(1, Math.min(Math.floor(options.weight ?? 1), this.capacity));
    const now = this.tryAcquire(w);
    if (now || waitMs <= 0 || this.#queue.length >= (options.maxWaiting ?? Infinity)) return now;
    return new Promise<(() => void) | undefined>((resolve) => {
      const waiter: Waiter = {
        weight: w,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.#releaser(w));
        },
      };
      const timer = setTimeout(() => {
        const index = this.#queue.indexOf(waiter);
        if (index < 0) return; // granted in the same tick
        this.#queue.splice(index, 1);
        // The first waiter may have been the one holding lighter ones back.
        this.#drain();
        resolve(undefined);
      }, waitMs);
      this.#queue.push(waiter);
    });
  }

  /** Runs `task` holding `weight` permits. */
  async run<T>(task: () => Promise<T>, weight = 1): Promise<T> {
    const release = await this.acquire(weight);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #take(weight: number): void {
    this.#inUse += weight;
    if (this.#inUse > this.#peak) this.#peak = this.#inUse;
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#inUse + this.#queue[0].weight <= this.capacity) {
      const next = this.#queue.shift() as Waiter;
      this.#take(next.weight);
      next.resolve();
    }
  }
}

export interface LimiterLease {
  limiter: Limiter;
  /** Drops this holder's reference; the last one removes the limiter from the registry. Idempotent. */
  release: () => void;
}

/**
 * Limiters shared by key (compared case-insensitively). The first lease of a key fixes its capacity: a later caller
 * asking for another capacity gets the existing limiter, so a budget shared by several holders is never exceeded.
 * A key whose leases are all released is forgotten; a holder that never releases keeps it for the process's life.
 */
export class LimiterRegistry {
  readonly #entries = new Map<string, { limiter: Limiter; refs: number }>();

  lease(key: string, capacity: number): LimiterLease {
    const normalized = key.toLowerCase();
    let entry = this.#entries.get(normalized);
    if (!entry) {
      entry = { limiter: new Limiter(capacity), refs: 0 };
      this.#entries.set(normalized, entry);
    }
    entry.refs += 1;
    const held = entry;
    let released = false;
    return {
      limiter: held.limiter,
      release: () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs === 0 && this.#entries.get(normalized) === held) this.#entries.delete(normalized);
      },
    };
  }

  /** Keys with a limiter right now. */
  get size(): number {
    return this.#entries.size;
  }
}
