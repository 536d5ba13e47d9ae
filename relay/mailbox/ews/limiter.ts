/**
 * Concurrency limits for EWS calls. Exchange counts EWSMaxConcurrency (27) per account — an impersonating service
 * account has one budget for all the mailboxes it works on — so the limiter is shared per (EWS URL, account).
 */

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Semaphore capacity must be a positive integer, got ${capacity}`);
  }

  get inUse(): number {
    return this.active;
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.capacity) {
      this.active += 1;
    } else {
      // The releasing holder hands its slot over directly, so `active` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}

/** Exchange's default EWSMaxConcurrency; the relay always stays below it. */
export const EWS_MAX_CONCURRENCY = 27;
export const DEFAULT_EWS_CONCURRENCY = 8;

const limiters = new Map<string, Semaphore>();

/**
 * The shared limiter of one account on one server. The first caller fixes the capacity (clamped to 1..26);
 * later callers asking for a different capacity get the existing limiter, so the budget is never exceeded.
 */
export function accountLimiter(ewsUrl: string, username: string, maxConcurrency = DEFAULT_EWS_CONCURRENCY): Semaphore {
  const key = `${ewsUrl.toLowerCase()}|${username.toLowerCase()}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new Semaphore(Math.min(Math.max(1, Math.floor(maxConcurrency)), EWS_MAX_CONCURRENCY - 1));
    limiters.set(key, limiter);
  }
  return limiter;
}
