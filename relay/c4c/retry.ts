/**
 * Retry timing: exponential back-off with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"),
 * overridden by the server's `Retry-After` when it sends one. Which requests may be retried at all is decided by
 * the client (see `RetryMode` in client.ts); this module only says how long to wait.
 */
import { z } from 'zod';

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

/**
 * `Retry-After` as milliseconds: delta-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
 * Returns undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Delay before retry number `retry` (1 = the first retry): uniform in [0, min(maxDelay, base · 2^(retry-1))].
 * `random` is injectable for tests.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, retry - 1);
  const cap = Math.min(policy.maxDelayMs, exponential);
  return Math.floor(random() * cap);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
