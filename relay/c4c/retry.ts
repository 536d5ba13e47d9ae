/**
 * C4C's retry policy: exponential back-off with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"),
 * overridden by the server's `Retry-After` when it sends one; the mechanism is relay/lib/backoff.ts. Which requests
 * may be retried at all is decided by the client (see `RetryMode` in client.ts); this module only says how long.
 */
import { z } from 'zod';
import { Backoff, backoffDelay as curveDelay, type BackoffOptions } from '../lib/backoff';

export const retryPolicySchema = z.object({
  /** Total HTTP attempts per operation, including the first one. 1 = never retry. */
  maxAttempts: z.number().int().min(1).max(20).default(4),
  /** Back-off base: the cap of the first jittered delay. */
  baseDelayMs: z.number().int().min(0).default(200),
  /** Upper bound of a jittered delay. */
  maxDelayMs: z.number().int().min(0).default(10_000),
  /**
   * Longest `Retry-After` we are willing to wait inside one call. A longer one ends the call with
   * `C4cThrottledError.retryAfterMs` so a background job can reschedule instead of blocking a user request.
   */
  maxRetryAfterMs: z.number().int().min(0).default(30_000),
  /** HTTP statuses treated as transient. */
  retryStatuses: z.array(z.number().int().min(400).max(599)).default([429, 502, 503, 504]),
});

export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = retryPolicySchema.parse({});

export { parseRetryAfterMs as parseRetryAfter } from '../lib/backoff';

/** The policy's curve: uniform in [0, min(maxDelay, base · 2^(retry-1))). */
function curveOf(policy: RetryPolicy): BackoffOptions {
  return { baseMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs, jitter: 'full' };
}

/** Delay before retry number `retry` (1 = the first retry). `random` is injectable for tests. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return curveDelay(retry, curveOf(policy), random);
}

/** The budget of one operation under `policy` (a `Retry-After` passed to `next()` replaces the jittered delay). */
export function policyBackoff(policy: RetryPolicy, options: Pick<BackoffOptions, 'sleep' | 'random' | 'signal'> = {}): Backoff {
  return new Backoff({ ...curveOf(policy), maxAttempts: policy.maxAttempts, ...options });
}
