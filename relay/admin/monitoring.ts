/**
 * A7 Monitoring: what the admin console shows about the sync engine at a glance. Every organization in the caller's
 * scope with its mailboxes counted by state; one organization's users by state (filtered, searched, paged); sessions
 * over time from the run history; the sync issues with their items and a Retry (the items' attempts start again and
 * a session is queued through the one SyncControl, audited); a user's run history.
 */
import type {
  MonitoringOverviewResponse,
  MonitoringUser,
  MonitoringUsersQuery,
  MonitoringUsersResponse,
  SessionBucket,
  SessionStatsResponse,
  SyncIssueRetryRequest,
  SyncIssueRetryResponse,
  SyncIssuesResponse,
  UserRunsResponse,
} from '../../shared/api/admin';
import { MonitoringUsersQuerySchema, SESSION_STATS_LIMITS, SessionStatsQuerySchema } from '../../shared/api/admin';
import { organizationSyncSettings } from '../../shared/api/sync';
import type { AdminPrincipal } from '../auth/admin';
import { createMonitoringRepository, type MonitorUserRow, type SessionBucketRow } from '../store/monitoring';
import { adviceFor } from '../sync/classify';
import type { Actor } from '../sync/types';
import { audit, managedOrganization, scopeOf, type AdminDeps } from './context';
import { AdminNotFoundError, AdminValidationError, SyncUnavailableError } from './errors';

/** Items shown per user in the issue list (the count says how many there are). */
export const ISSUE_ITEMS_PER_USER = 20;

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function repository(deps: AdminDeps): ReturnType<typeof createMonitoringRepository> {
  return createMonitoringRepository(deps.db);
}

export async function monitoringOverview(deps: AdminDeps, principal: AdminPrincipal, now = new Date()): Promise<MonitoringOverviewResponse> {
  const rows = await repository(deps).overview(scopeOf(principal), now);
  return {
    generatedAt: now.toISOString(),
    organizations: rows.map((o) => ({
      id: o.id,
      name: o.name,
      slug: o.slug,
      userCount: o.userCount,
      states: o.states,
      sessions24h: o.sessions24h,
      failedSessions24h: o.failedSessions24h,
      lastSessionAt: iso(o.lastSessionAt),
      failedItems: o.failedItems,
    })),
  };
}

function toUserDto(row: MonitorUserRow): MonitoringUser {
  return {
    id: row.id,
    displayName: row.displayName,
    email: row.email,
    state: row.state,
    stage: row.stage,
    consecutiveFailures: row.consecutiveFailures,
    failureClass: row.failureClass,
    failureMessage: row.failureMessage,
    suspendedReason: row.suspendedReason,
    lastSessionAt: iso(row.lastSessionAt),
    lastSuccessAt: iso(row.lastSuccessAt),
    nextSessionAt: iso(row.nextSessionAt),
    failedItems: row.failedItems,
  };
}

export async function listMonitoringUsers(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, query: MonitoringUsersQuery): Promise<MonitoringUsersResponse> {
  await managedOrganization(deps, principal, organizationId);
  const input = MonitoringUsersQuerySchema.parse(query);
  const repo = repository(deps);
  const [page, counts] = await Promise.all([
    repo.listUsers(organizationId, { q: input.q || undefined, states: input.state, limit: input.limit, cursor: input.cursor }),
    repo.stateCounts(organizationId),
  ]);
  return { users: page.users.map(toUserDto), total: page.total, counts, nextCursor: page.nextCursor };
}

const EMPTY_FIGURES: Omit<SessionBucket, 'start'> = {
  sessions: 0,
  succeeded: 0,
  failed: 0,
  abandoned: 0,
  running: 0,
  itemsSaved: 0,
  itemsFailed: 0,
  mirrorCreated: 0,
  mirrorUpdated: 0,
  mirrorDeleted: 0,
  avgDurationMs: null,
  p95DurationMs: null,
};

function figuresOf(row: SessionBucketRow): Omit<SessionBucket, 'start'> {
  const { start: _start, ...rest } = row;
  return rest;
}

/**
 * Sessions over time. The window is [from, to) with `from` rounded down to a bucket boundary; every bucket is listed
 * (zeros where nothing ran). Totals add the buckets up; the totals' duration figures are weighted by sessions (mean)
 * and the largest bucket p95 (an upper bound of the window's p95, stated as such in the console).
 */
export async function sessionStats(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, query: unknown, now = new Date()): Promise<SessionStatsResponse> {
  await managedOrganization(deps, principal, organizationId);
  const input = SessionStatsQuerySchema.parse(query);
  const bucketMs = input.bucketMinutes * 60_000;
  const to = input.to !== undefined ? new Date(input.to) : now;
  const requestedFrom = input.from !== undefined ? new Date(input.from) : new Date(to.getTime() - SESSION_STATS_LIMITS.defaultHours * 3600_000);
  if (requestedFrom.getTime() >= to.getTime()) throw new AdminValidationError('The window is empty.', { from: 'Must be before "to"' });
  const from = new Date(Math.floor(requestedFrom.getTime() / bucketMs) * bucketMs);
  const bucketCount = Math.ceil((to.getTime() - from.getTime()) / bucketMs);
  if (bucketCount > SESSION_STATS_LIMITS.maxBuckets) {
    throw new AdminValidationError(`At most ${SESSION_STATS_LIMITS.maxBuckets} buckets; choose wider buckets or a shorter window.`, { bucketMinutes: `Gives ${bucketCount} buckets` });
  }
  const rows = await repository(deps).sessionBuckets(organizationId, from, to, bucketMs / 1000);
  const byStart = new Map(rows.map((r) => [r.start.getTime(), r]));
  const buckets: SessionBucket[] = [];
  for (let i = 0; i < bucketCount; i += 1) {
    const start = from.getTime() + i * bucketMs;
    const row = byStart.get(start);
    buckets.push({ start: new Date(start).toISOString(), ...(row ? figuresOf(row) : EMPTY_FIGURES) });
  }
  const totals = { ...EMPTY_FIGURES };
  let ended = 0;
  let durationSum = 0;
  for (const b of buckets) {
    for (const key of ['sessions', 'succeeded', 'failed', 'abandoned', 'running', 'itemsSaved', 'itemsFailed', 'mirrorCreated', 'mirrorUpdated', 'mirrorDeleted'] as const) totals[key] += b[key];
    if (b.avgDurationMs !== null) {
      const n = b.sessions - b.running;
      ended += n;
      durationSum += b.avgDurationMs * n;
      totals.p95DurationMs = Math.max(totals.p95DurationMs ?? 0, b.p95DurationMs ?? 0);
    }
  }
  totals.avgDurationMs = ended > 0 ? Math.round(durationSum / ended) : null;
  return { from: from.toISOString(), to: to.toISOString(), bucketMinutes: input.bucketMinutes, buckets, totals };
}

export async function listSyncIssues(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, query: { limit: number; cursor?: string }): Promise<SyncIssuesResponse> {
  const organization = await managedOrganization(deps, principal, organizationId);
  const maxAttempts = organizationSyncSettings(organization.settings.sync).maxItemAttempts;
  const page = await repository(deps).listIssues(organizationId, { limit: query.limit, cursor: query.cursor, itemsPerUser: ISSUE_ITEMS_PER_USER });
  return {
    total: page.total,
    nextCursor: page.nextCursor,
    issues: page.issues.map((issue) => ({
      userId: issue.userId,
      displayName: issue.displayName,
      email: issue.email,
      state: issue.state,
      mailboxFailure: issue.mailboxFailure
        ? { ...issue.mailboxFailure, since: iso(issue.mailboxFailure.since), advice: adviceFor(issue.mailboxFailure.class, issue.mailboxFailure.transient) }
        : null,
      suspendedReason: issue.suspendedReason,
      itemCount: issue.itemCount,
      items: issue.items.map((item) => ({
        kind: item.kind,
        key: item.internetMessageId,
        subject: item.subject,
        error: item.error,
        attempts: item.attempts,
        willRetry: item.attempts < maxAttempts,
        since: item.since.toISOString(),
      })),
    })),
  };
}

/**
 * Retry: the user's failed emails (or those named) get their bounded retries again, and a session is queued now;
 * a suspended mailbox is resumed (which queues the session and clears the failure count). A paused mailbox stays
 * paused: the answer is the sync control's 409, and nothing is reset.
 */
export async function retrySyncIssue(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string, request: SyncIssueRetryRequest): Promise<SyncIssueRetryResponse> {
  await managedOrganization(deps, principal, organizationId);
  if (!(await deps.store.users.get(organizationId, userId))) throw new AdminNotFoundError('user');
  const sync = deps.sync();
  if (!sync) throw new SyncUnavailableError();
  const actor: Actor = { kind: 'admin', id: principal.actor };
  const before = await sync.status(organizationId, userId);
  const suspended = before.activated && before.status === 'suspended';
  // Refuses (not activated / paused) before anything changes.
  if (!suspended && (!before.activated || before.status === 'paused')) await sync.syncNow(organizationId, userId, actor, 'admin');
  const reset = await repository(deps).resetFailedItems(organizationId, userId, request.keys);
  let session: SyncIssueRetryResponse['session'];
  if (suspended) {
    await sync.resume(organizationId, userId, actor);
    session = 'queued';
  } else {
    session = (await sync.syncNow(organizationId, userId, actor, 'admin')).result;
  }
  await audit(deps, principal, organizationId, 'sync.retry', { userId, itemsReset: reset.length, resumed: suspended });
  return { itemsReset: reset.length, session };
}

export async function listUserRuns(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userId: string, query: { limit: number; cursor?: string }): Promise<UserRunsResponse> {
  await managedOrganization(deps, principal, organizationId);
  const user = await deps.store.users.get(organizationId, userId);
  if (!user) throw new AdminNotFoundError('user');
  const repo = repository(deps);
  const [{ users }, page] = await Promise.all([
    repo.listUsers(organizationId, { userId, limit: 1 }),
    repo.listRuns(organizationId, userId, { limit: query.limit, cursor: query.cursor }),
  ]);
  const row = users[0];
  if (!row) throw new AdminNotFoundError('user');
  return {
    user: toUserDto(row),
    nextCursor: page.nextCursor,
    runs: page.runs.map((run) => ({
      id: run.id,
      trigger: run.trigger,
      startedAt: run.startedAt.toISOString(),
      ...(run.endedAt ? { endedAt: run.endedAt.toISOString() } : {}),
      outcome: run.outcome,
      ...(run.failureClass ? { failureClass: run.failureClass } : {}),
      counts: run.counts,
      errors: run.errors,
      durationMs: run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null,
    })),
  };
}
