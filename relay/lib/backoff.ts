/**
 * The relay's one back-off mechanism: exponential delays with a cap and jitter, a server's own delay (Retry-After,
 * EWS BackOffMilliseconds) taking precedence, bounded by attempts, total wait and an abort signal.
 *
 * Two layers, because the callers differ in who owns the loop:
 * - `Backoff` is the budget of one logical operation: `next()` says whether one more attempt may follow and after how
 *   long. Protocol clients whose loops carry their own rules (C4C's CSRF re-fetch and duplicate probe, EWS's separate
 *   budgets for busy faults and dropped connections) keep their loop and ask it.
 * - `retry()` is the loop itself for the plain case: run, ask `retryable(error)`, wait, run again.
 *
 * Which requests may be repeated at all is never decided here: a create whose answer was lost must not be sent again,
 * and only the caller knows what it sent.
 */

export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffCurve {
  /** Delay step of the first retry, before jitter. */
  baseMs: number;
  /** Cap of the step (before jitter). Default: none. */
  maxDelayMs?: number;
  /**
   * `none`: the step itself. `full`: an integer in [0, step) (AWS, "Exponential Backoff And Jitter": spreads
   * clients best). `equal`: step · (½ + ½·random), so a resend never comes sooner than half the step.
   */
  jitter?: Jitter;
}

/** Doubling stops here; 2^30 steps are far beyond any cap and keep the arithmetic finite. */
const MAX_EXPONENT = 30;

/** Delay before retry number `retry` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelay(retry: number, curve: BackoffCurve, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(retry) - 1), MAX_EXPONENT);
  const step = Math.min(curve.maxDelayMs ?? Number.POSITIVE_INFINITY, curve.baseMs * 2 ** exponent);
  switch (curve.jitter ?? 'none') {
    case 'full':
      return Math.floor(random() * step);
    case 'equal':
      return step * (0.5 + 0.5 * random());
    default:
      return step;
  }
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise; an abort ends the wait early with the signal's reason. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface BackoffOptions extends BackoffCurve {
  /** Attempts in all, the first one included (1 = never retry). Default: unbounded. */
  maxAttempts?: number;
  /** Sum of the waits this budget may spend, measured on `now`. A retry that would go over it is not made. */
  maxTotalWaitMs?: number;
  /**
   * A delay longer than this (the server's or the computed one) is not slept through: the operation ends, and the
   * caller reports it as throttled so a job can reschedule instead of blocking a worker. Default: none.
   */
  giveUpAboveMs?: number;
  signal?: AbortSignal;
  /** Tests: instant or recorded waits, fixed jitter, a fake clock. */
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
}

/** Why no further attempt follows. */
export type StopReason = 'attempts' | 'total-wait' | 'too-long' | 'aborted';

/** The answer of `Backoff.next()`: the delay is reported also when no retry follows (callers log or return it). */
export type BackoffStep = { retry: true; delayMs: number; retryNumber: number } | { retry: false; delayMs: number; reason: StopReason };

export class Backoff {
  #retries = 0;
  readonly #started: number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.baseMs >= 0)) throw new RangeError(`back-off base must be ≥ 0, got ${options.baseMs}`);
    if (options.maxAttempts !== undefined && !(options.maxAttempts >= 1)) throw new RangeError(`maxAttempts must be ≥ 1, got ${options.maxAttempts}`);
    this.#started = this.#now();
  }

  /** Retries granted so far (attempts made = retries + 1 once the current attempt failed). */
  get retries(): number {
    return this.#retries;
  }

  /**
   * Called once after a failed attempt: may another one follow, and after how long? `serverDelayMs`, when the server
   * named a delay, replaces the computed one. A granted retry is counted.
   */
  next(serverDelayMs?: number): BackoffStep {
    const o = this.options;
    const delayMs = serverDelayMs ?? backoffDelay(this.#retries + 1, o, o.random);
    if (o.signal?.aborted) return { retry: false, delayMs, reason: 'aborted' };
    if (o.maxAttempts !== undefined && this.#retries + 1 >= o.maxAttempts) return { retry: false, delayMs, reason: 'attempts' };
    if (o.giveUpAboveMs !== undefined && delayMs > o.giveUpAboveMs) return { retry: false, delayMs, reason: 'too-long' };
    if (o.maxTotalWaitMs !== undefined && this.#now() - this.#started + delayMs > o.maxTotalWaitMs) return { retry: false, delayMs, reason: 'total-wait' };
    this.#retries += 1;
    return { retry: true, delayMs, retryNumber: this.#retries };
  }

  /** Waits `ms` with the injected sleep; rejects with the signal's reason on abort. */
  wait(ms: number): Promise<void> {
    return (this.options.sleep ?? sleep)(ms, this.options.signal);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

export interface RetryOptions {
  /** May this failure be attempted again? Called with the number of the attempt that failed (1-based). */
  retryable: (error: unknown, attempt: number) => boolean;
  /** The delay the failure itself asks for (a parsed Retry-After), if any. */
  serverDelayMs?: (error: unknown) => number | undefined;
  /** Observes each granted retry before its wait (logging). */
  onRetry?: (error: unknown, step: { delayMs: number; retryNumber: number }) => void;
}

/**
 * Runs `operation` until it succeeds, the failure is not `retryable`, or the budget is spent; the last failure is
 * thrown as it is. `budget` is a `Backoff` (pass the same one again to share a budget across calls) or its options.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, budget: Backoff | BackoffOptions, options: RetryOptions): Promise<T> {
  const backoff = budget instanceof Backoff ? budget : new Backoff(budget);
  for (;;) {
    const attempt = backoff.retries + 1;
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.retryable(error, attempt)) throw error;
      const step = backoff.next(options.serverDelayMs?.(error));
      if (!step.retry) throw error;
      options.onRetry?.(error, step);
      await backoff.wait(step.delayMs);
    }
  }
}

/**
 * `Retry-After` as milliseconds: delta-seconds (`120`, also fractional) or an HTTP date (`Wed, 21 Oct 2015 07:28:00
 * GMT`). Undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfterMs(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
