/**
 * Per-mailbox concurrency limit for Graph calls. Outlook runs at most 4 requests per app and mailbox at a time and
 * answers the 5th with 429 "Application is over its MailboxConcurrency limit" (exchange-and-graph.md §10.5), and the
 * sub-requests of a `$batch` count against the same limit: a plain request takes one permit, a batch min(its size,
 * limit) permits (relay/lib/limiter.ts is weighted for this).
 */
import { LimiterRegistry, type LimiterLease } from '../../lib/limiter';

/**
 * One limiter per (Graph host, app, mailbox), shared by every `Mailbox` opened on the same mailbox in this process,
 * so two sync jobs on one mailbox still stay under the limit together. Reference-counted so closed mailboxes go away.
 */
const mailboxes = new LimiterRegistry();

export function acquireMailboxLimiter(key: string, capacity: number): LimiterLease {
  return mailboxes.lease(key, capacity);
}
