/**
 * Concurrency limits for EWS calls. Exchange counts EWSMaxConcurrency (27) per account — an impersonating service
 * account has one budget for all the mailboxes it works on — so the limiter is shared per (EWS URL, account).
 */
import { Limiter, LimiterRegistry } from '../../lib/limiter';

/** Exchange's default EWSMaxConcurrency; the relay always stays below it. */
export const EWS_MAX_CONCURRENCY = 27;
export const DEFAULT_EWS_CONCURRENCY = 8;

const accounts = new LimiterRegistry();

/**
 * The shared limiter of one account on one server. The first caller fixes the capacity (clamped to 1..26);
 * later callers asking for a different capacity get the existing limiter, so the budget is never exceeded.
 * Never released: an account's budget outlives the mailboxes that used it.
 */
export function accountLimiter(ewsUrl: string, username: string, maxConcurrency = DEFAULT_EWS_CONCURRENCY): Limiter {
  const capacity = Math.min(Math.max(1, Math.floor(maxConcurrency)), EWS_MAX_CONCURRENCY - 1);
  return accounts.lease(`${ewsUrl}|${username}`, capacity).limiter;
}
