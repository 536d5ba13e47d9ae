/**
 * Per-mailbox concurrency limit for Graph calls. Outlook runs at most 4 requests per app and mailbox at a time and
 * answers the 5th with 429 "Application is over its MailboxConcurrency limit" (exchange-and-graph.md §10.5), and the
 * sub-requests of a `$batch` count against the same limit. So the limiter is weighted: a plain request takes one
 * permit, a batch takes min(its size, limit) permits.
 */

interface Waiter {
  weight: number;
  resolve: () => void;
}

export class WeightedLimiter {
  private inUse = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`limiter capacity must be a positive integer, got ${capacity}`);
  }

  /** Waits for `weight` permits (capped at the capacity) and returns the function that gives them back. */
  async acquire(weight = 1): Promise<() => void> {
    const w = Math.max(1, Math.min(weight, this.capacity));
    // FIFO: a waiting heavy batch is not starved by a stream of light requests.
    if (this.queue.length === 0 && this.inUse + w <= this.capacity) {
      this.inUse += w;
    } else {
      await new Promise<void>((resolve) => this.queue.push({ weight: w, resolve }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= w;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inUse + this.queue[0].weight <= this.capacity) {
      const next = this.queue.shift() as Waiter;
      this.inUse += next.weight;
      next.resolve();
    }
  }

  get active(): number {
    return this.inUse;
  }
}

/**
 * One limiter per (Graph host, app, mailbox), shared by every `Mailbox` opened on the same mailbox in this process,
 * so two sync jobs on one mailbox still stay under the limit together. Reference-counted so closed mailboxes go away.
 */
const registry = new Map<string, { limiter: WeightedLimiter; refs: number }>();

export function acquireMailboxLimiter(key: string, capacity: number): { limiter: WeightedLimiter; release: () => void } {
  const normalized = key.toLowerCase();
  let entry = registry.get(normalized);
  if (!entry) {
    entry = { limiter: new WeightedLimiter(capacity), refs: 0 };
    registry.set(normalized, entry);
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
      if (held.refs === 0 && registry.get(normalized) === held) registry.delete(normalized);
    },
  };
}
