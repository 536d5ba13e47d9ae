/**
 * Monitoring queries for the admin console (A7): each organization's mailboxes counted by state, the users of one
 * organization with their state (filtered by state and searched, keyset-paged), session statistics over time from
 * the run history (`sync_runs`), the sync issues (failing / suspended mailboxes and emails that failed to save, with
 * which error and since when), the retry of failed items, and one user's run history.
 *
 * The state of a mailbox, derived in SQL so filters and counts use the same rule:
 *   not-activated: no `mailboxes` row; paused / suspended: its status; syncing: a session holds it now
 *   (`current_run_id`); failing: enabled, between sessions, with consecutive failures > 0; idle: everything else.
 *
 * Every query names the organization (or the caller's scope of organizations) and filters by it. Lists page by the
 * users index `users_org_name (organization_id, lower(display_name), id)`; failed items are found through partial
 * indexes on `status = 'failed'` (migration 009_monitoring), so 10,000 users cost one index walk per page.
 */
import { FAILURE_CLASSES, type FailureClass, type MailboxStage, type RunCounts, type RunError, type RunOutcome, type RunTrigger } from '../../shared/api/sync';
import type { Queryable } from './db';
import { decodeCursor, encodeCursor, InvalidCursorError, type OrganizationScope } from './admin';
import { isId } from './errors';

export const MONITOR_STATE_VALUES = ['syncing', 'idle', 'failing', 'paused', 'suspended', 'not-activated'] as const;
export type MonitorStateValue = (typeof MONITOR_STATE_VALUES)[number];
export type StateCountsRow = Record<MonitorStateValue, number>;

/** The state rule above, over `users u LEFT JOIN mailboxes m`. */
export const STATE_SQL = `CASE WHEN m.user_id IS NULL THEN 'not-activated' WHEN m.status = 'paused' THEN 'paused'
  WHEN m.status = 'suspended' THEN 'suspended' WHEN m.current_run_id IS NOT NULL THEN 'syncing'
  WHEN m.consecutive_failures > 0 THEN 'failing' ELSE 'idle' END`;

export function emptyCounts(): StateCountsRow {
  return { syncing: 0, idle: 0, failing: 0, paused: 0, suspended: 0, 'not-activated': 0 };
}

export interface OrganizationOverviewRow {
  id: string;
  name: string;
  slug: string;
  settings: Record<string, unknown>;
  userCount: number;
  states: StateCountsRow;
  sessions24h: number;
  failedSessions24h: number;
  lastSessionAt: Date | null;
  failedItems: number;
}

export interface MonitorUserRow {
  id: string;
  displayName: string;
  email: string;
  state: MonitorStateValue;
  stage: MailboxStage | null;
  consecutiveFailures: number;
  failureClass: FailureClass | null;
  failureMessage: string | null;
  suspendedReason: string | null;
  lastSessionAt: Date | null;
  lastSuccessAt: Date | null;
  nextSessionAt: Date | null;
  failedItems: number;
}

export interface SessionBucketRow {
  start: Date;
  sessions: number;
  succeeded: number;
  failed: number;
  abandoned: number;
  running: number;
  itemsSaved: number;
  itemsFailed: number;
  mirrorCreated: number;
  mirrorUpdated: number;
  mirrorDeleted: number;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
}

export interface IssueItemRow {
  kind: 'email';
  internetMessageId: string;
  subject: string;
  error: string;
  attempts: number;
  since: Date;
}

export interface SyncIssueRow {
  userId: string;
  displayName: string;
  email: string;
  state: MonitorStateValue;
  mailboxFailure: { class: FailureClass; message: string; consecutive: number; transient: boolean; since: Date | null } | null;
  suspendedReason: string | null;
  itemCount: number;
  items: IssueItemRow[];
}

export interface RunHistoryRow {
  id: string;
  trigger: RunTrigger;
  startedAt: Date;
  endedAt: Date | null;
  outcome: RunOutcome;
  failureClass: FailureClass | null;
  counts: RunCounts;
  errors: RunError[];
}

export interface MonitoringRepository {
  /** Organizations in the caller's scope, each with its mailboxes counted by state and the last 24 h of sessions. */
  overview(scope: OrganizationScope, now: Date): Promise<OrganizationOverviewRow[]>;
  /** Users of the organization counted by state (all of them, whatever a list filter says). */
  stateCounts(organizationId: string): Promise<StateCountsRow>;
  listUsers(organizationId: string, options: { q?: string; states?: MonitorStateValue[]; userId?: string; limit: number; cursor?: string }): Promise<{ users: MonitorUserRow[]; total: number; nextCursor: string | null }>;
  /** Runs that started in [from, to), grouped in buckets of `bucketSeconds` aligned to the Unix epoch (UTC). */
  sessionBuckets(organizationId: string, from: Date, to: Date, bucketSeconds: number): Promise<SessionBucketRow[]>;
  /** Users with a failing or suspended mailbox, or emails that failed to save; up to `itemsPerUser` items each. */
  listIssues(organizationId: string, options: { limit: number; cursor?: string; itemsPerUser: number }): Promise<{ issues: SyncIssueRow[]; total: number; nextCursor: string | null }>;
  /**
   * Gives failed emails their bounded retries again (attempts back to 0; the first failure time is kept): all of the
   * user's failed emails, or those named. Returns the message ids reset.
   */
  resetFailedItems(organizationId: string, userId: string, internetMessageIds?: string[]): Promise<string[]>;
  /** Newest first; `cursor` continues after the last run of the previous page. */
  listRuns(organizationId: string, userId: string, options: { limit: number; cursor?: string }): Promise<{ runs: RunHistoryRow[]; nextCursor: string | null }>;
}

const ts = (value: Date): string => value.toISOString();
const dateOrNull = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const num = (value: string | number | null | undefined): number => (value === null || value === undefined ? 0 : Number(value));

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function failureClassOf(value: string | null): FailureClass | null {
  if (value === null) return null;
  return (FAILURE_CLASSES as readonly string[]).includes(value) ? (value as FailureClass) : 'unknown';
}

function scopeClause(scope: OrganizationScope, param: number): string {
  return scope.all ? 'true' : `(o.entra_tenant_id = $${param}::uuid OR o.admin_tenant_id = $${param}::uuid)`;
}

interface UserListRow {
  id: string;
  display_name: string;
  sort_name: string;
  email: string;
  state: MonitorStateValue;
  stage: MailboxStage | null;
  consecutive_failures: number | null;
  failure_class: string | null;
  failure_message: string | null;
  suspended_reason: string | null;
  last_session_at: Date | null;
  last_success_at: Date | null;
  next_session_at: Date | null;
  failed_items: string | number;
}

/** Keyset on (lower(display_name), id): the users index order. */
function keysetAfter(cursor: string | undefined, params: unknown[]): string {
  const after = decodeCursor(cursor, 2);
  if (!after) return '';
  if (typeof after[0] !== 'string' || !isId(after[1])) throw new InvalidCursorError();
  params.push(after[0], after[1]);
  return ` AND (lower(u.display_name), u.id) > ($${params.length - 1}::text, $${params.length}::uuid)`;
}

export function createMonitoringRepository(db: Queryable): MonitoringRepository {
  return {
    async overview(scope, now) {
      const scopeParams = scope.all ? [] : [scope.tenantId];
      const { rows: orgs } = await db.query<{ id: string; name: string; slug: string; settings: Record<string, unknown> | null; user_count: string | number }>(
        `SELECT o.id, o.name, o.slug, o.settings, (SELECT count(*) FROM users u WHERE u.organization_id = o.id) AS user_count
         FROM organizations o WHERE ${scopeClause(scope, 1)} ORDER BY o.name, o.id`,
        scopeParams,
      );
      if (orgs.length === 0) return [];
      const ids = orgs.map((o) => o.id);
      const [states, runs, items, last] = await Promise.all([
        db.query<{ organization_id: string; state: MonitorStateValue; n: string | number }>(
          `SELECT u.organization_id, ${STATE_SQL} AS state, count(*) AS n FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id
           WHERE u.organization_id = ANY($1::uuid[]) GROUP BY 1, 2`,
          [ids],
        ),
        db.query<{ organization_id: string; sessions: string | number; failed: string | number }>(
          `SELECT organization_id, count(*) AS sessions, count(*) FILTER (WHERE outcome = 'failed') AS failed FROM sync_runs
           WHERE organization_id = ANY($1::uuid[]) AND started_at >= $2 GROUP BY 1`,
          [ids, ts(new Date(now.getTime() - 24 * 3600_000))],
        ),
        db.query<{ organization_id: string; n: string | number }>(
          `SELECT organization_id, count(*) AS n FROM email_sync_items WHERE organization_id = ANY($1::uuid[]) AND status = 'failed' GROUP BY 1`,
          [ids],
        ),
        db.query<{ organization_id: string; at: Date | null }>(`SELECT organization_id, max(last_session_at) AS at FROM mailboxes WHERE organization_id = ANY($1::uuid[]) GROUP BY 1`, [ids]),
      ]);
      return orgs.map((o) => {
        const counts = emptyCounts();
        for (const s of states.rows) if (s.organization_id === o.id) counts[s.state] = num(s.n);
        const run = runs.rows.find((r) => r.organization_id === o.id);
        return {
          id: o.id,
          name: o.name,
          slug: o.slug,
          settings: o.settings ?? {},
          userCount: num(o.user_count),
          states: counts,
          sessions24h: num(run?.sessions),
          failedSessions24h: num(run?.failed),
          lastSessionAt: dateOrNull(last.rows.find((r) => r.organization_id === o.id)?.at ?? null),
          failedItems: num(items.rows.find((r) => r.organization_id === o.id)?.n),
        };
      });
    },

    async stateCounts(organizationId) {
      const counts = emptyCounts();
      if (!isId(organizationId)) return counts;
      const { rows } = await db.query<{ state: MonitorStateValue; n: string | number }>(
        `SELECT ${STATE_SQL} AS state, count(*) AS n FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id WHERE u.organization_id = $1 GROUP BY 1`,
        [organizationId],
      );
      for (const r of rows) counts[r.state] = num(r.n);
      return counts;
    },

    async listUsers(organizationId, options) {
      if (!isId(organizationId)) return { users: [], total: 0, nextCursor: null };
      const params: unknown[] = [organizationId];
      let filter = '';
      if (options.q) {
        params.push(likePattern(options.q));
        const p = `$${params.length}`;
        filter += ` AND (lower(u.display_name) LIKE ${p} OR lower(u.email) LIKE ${p})`;
      }
      if (options.userId !== undefined) {
        if (!isId(options.userId)) return { users: [], total: 0, nextCursor: null };
        params.push(options.userId);
        filter += ` AND u.id = $${params.length}::uuid`;
      }
      if (options.states && options.states.length > 0) {
        params.push(options.states);
        filter += ` AND (${STATE_SQL}) = ANY($${params.length}::text[])`;
      }
      const countParams = [...params];
      const keyset = keysetAfter(options.cursor, params);
      params.push(options.limit + 1);
      const { rows } = await db.query<UserListRow>(
        `SELECT u.id, u.display_name, lower(u.display_name) AS sort_name, u.email, ${STATE_SQL} AS state, m.stage, m.consecutive_failures,
                m.failure_class, m.failure_message, m.suspended_reason, m.last_session_at, m.last_success_at, m.next_session_at,
                (SELECT count(*) FROM email_sync_items i WHERE i.user_id = u.id AND i.status = 'failed') AS failed_items
         FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id
         WHERE u.organization_id = $1${filter}${keyset}
         ORDER BY lower(u.display_name), u.id LIMIT $${params.length}`,
        params,
      );
      const { rows: countRows } = await db.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id WHERE u.organization_id = $1${filter}`,
        countParams,
      );
      const page = rows.slice(0, options.limit);
      const last = page[page.length - 1];
      return {
        users: page.map((r) => ({
          id: r.id,
          displayName: r.display_name,
          email: r.email,
          state: r.state,
          stage: r.stage,
          consecutiveFailures: num(r.consecutive_failures),
          failureClass: failureClassOf(r.failure_class),
          failureMessage: r.failure_message,
          suspendedReason: r.suspended_reason,
          lastSessionAt: dateOrNull(r.last_session_at),
          lastSuccessAt: dateOrNull(r.last_success_at),
          nextSessionAt: dateOrNull(r.next_session_at),
          failedItems: num(r.failed_items),
        })),
        total: num(countRows[0]?.n),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.sort_name, last.id]) : null,
      };
    },

    async sessionBuckets(organizationId, from, to, bucketSeconds) {
      if (!isId(organizationId)) return [];
      const { rows } = await db.query<{
        bucket: Date;
        sessions: string | number;
        succeeded: string | number;
        failed: string | number;
        abandoned: string | number;
        running: string | number;
        saved: string | number;
        items_failed: string | number;
        mirror_created: string | number;
        mirror_updated: string | number;
        mirror_deleted: string | number;
        avg_ms: string | number | null;
        p95_ms: string | number | null;
      }>(
        `WITH runs AS (
           SELECT date_bin(make_interval(secs => $4::double precision), started_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, outcome, counts,
                  CASE WHEN ended_at IS NULL THEN NULL ELSE extract(epoch FROM (ended_at - started_at)) * 1000 END AS ms
           FROM sync_runs WHERE organization_id = $1 AND started_at >= $2 AND started_at < $3
         )
         SELECT bucket, count(*) AS sessions,
                count(*) FILTER (WHERE outcome = 'succeeded') AS succeeded, count(*) FILTER (WHERE outcome = 'failed') AS failed,
                count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned, count(*) FILTER (WHERE outcome = 'running') AS running,
                coalesce(sum((counts->>'saved')::bigint), 0) AS saved, coalesce(sum((counts->>'failed')::bigint), 0) AS items_failed,
                coalesce(sum((counts->>'mirrorCreated')::bigint), 0) AS mirror_created, coalesce(sum((counts->>'mirrorUpdated')::bigint), 0) AS mirror_updated,
                coalesce(sum((counts->>'mirrorDeleted')::bigint), 0) AS mirror_deleted,
                avg(ms) AS avg_ms, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95_ms
         FROM runs GROUP BY bucket ORDER BY bucket`,
        [organizationId, ts(from), ts(to), bucketSeconds],
      );
      return rows.map((r) => ({
        start: new Date(r.bucket),
        sessions: num(r.sessions),
        succeeded: num(r.succeeded),
        failed: num(r.failed),
        abandoned: num(r.abandoned),
        running: num(r.running),
        itemsSaved: num(r.saved),
        itemsFailed: num(r.items_failed),
        mirrorCreated: num(r.mirror_created),
        mirrorUpdated: num(r.mirror_updated),
        mirrorDeleted: num(r.mirror_deleted),
        avgDurationMs: r.avg_ms === null ? null : Math.round(Number(r.avg_ms)),
        p95DurationMs: r.p95_ms === null ? null : Math.round(Number(r.p95_ms)),
      }));
    },

    async listIssues(organizationId, options) {
      if (!isId(organizationId)) return { issues: [], total: 0, nextCursor: null };
      const params: unknown[] = [organizationId];
      const hasIssue = `(coalesce(m.consecutive_failures, 0) > 0 OR m.status = 'suspended'
        OR EXISTS (SELECT 1 FROM email_sync_items i WHERE i.user_id = u.id AND i.status = 'failed'))`;
      const keyset = keysetAfter(options.cursor, params);
      params.push(options.limit + 1);
      const { rows } = await db.query<{
        id: string;
        display_name: string;
        sort_name: string;
        email: string;
        state: MonitorStateValue;
        failure_class: string | null;
        failure_message: string | null;
        consecutive_failures: number | null;
        failure_transient: boolean | null;
        suspended_reason: string | null;
        failing_since: Date | null;
        item_count: string | number;
      }>(
        `SELECT u.id, u.display_name, lower(u.display_name) AS sort_name, u.email, ${STATE_SQL} AS state, m.failure_class, m.failure_message,
                m.consecutive_failures, m.failure_transient, m.suspended_reason,
                (SELECT min(r.started_at) FROM sync_runs r WHERE r.user_id = u.id AND r.outcome = 'failed'
                   AND r.started_at > coalesce(m.last_success_at, '-infinity'::timestamptz)) AS failing_since,
                (SELECT count(*) FROM email_sync_items i WHERE i.user_id = u.id AND i.status = 'failed') AS item_count
         FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id
         WHERE u.organization_id = $1 AND ${hasIssue}${keyset}
         ORDER BY lower(u.display_name), u.id LIMIT $${params.length}`,
        params,
      );
      const { rows: countRows } = await db.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM users u LEFT JOIN mailboxes m ON m.user_id = u.id WHERE u.organization_id = $1 AND ${hasIssue}`,
        [organizationId],
      );
      const page = rows.slice(0, options.limit);
      const userIds = page.map((r) => r.id);
      const { rows: itemRows } =
        userIds.length === 0
          ? { rows: [] }
          : await db.query<{ user_id: string; internet_message_id: string; subject: string; last_error: string | null; attempts: number; since: Date }>(
              `SELECT user_id, internet_message_id, subject, last_error, attempts, since FROM (
                 SELECT user_id, internet_message_id, subject, last_error, attempts, coalesce(first_failed_at, updated_at) AS since,
                        row_number() OVER (PARTITION BY user_id ORDER BY coalesce(first_failed_at, updated_at), internet_message_id) AS rank
                 FROM email_sync_items WHERE organization_id = $1 AND user_id = ANY($2::uuid[]) AND status = 'failed'
               ) t WHERE rank <= $3 ORDER BY since, internet_message_id`,
              [organizationId, userIds, options.itemsPerUser],
            );
      const last = page[page.length - 1];
      return {
        issues: page.map((r) => {
          const failureClass = failureClassOf(r.failure_class);
          return {
            userId: r.id,
            displayName: r.display_name,
            email: r.email,
            state: r.state,
            mailboxFailure:
              failureClass !== null && num(r.consecutive_failures) > 0
                ? { class: failureClass, message: r.failure_message ?? '', consecutive: num(r.consecutive_failures), transient: r.failure_transient === true, since: dateOrNull(r.failing_since) }
                : null,
            suspendedReason: r.suspended_reason,
            itemCount: num(r.item_count),
            items: itemRows
              .filter((i) => i.user_id === r.id)
              .map((i) => ({ kind: 'email' as const, internetMessageId: i.internet_message_id, subject: i.subject, error: i.last_error ?? '', attempts: num(i.attempts), since: new Date(i.since) })),
          };
        }),
        total: num(countRows[0]?.n),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.sort_name, last.id]) : null,
      };
    },

    async resetFailedItems(organizationId, userId, internetMessageIds) {
      if (!isId(organizationId) || !isId(userId)) return [];
      const params: unknown[] = [organizationId, userId];
      let only = '';
      if (internetMessageIds !== undefined) {
        if (internetMessageIds.length === 0) return [];
        params.push(internetMessageIds);
        only = ' AND internet_message_id = ANY($3::text[])';
      }
      const { rows } = await db.query<{ internet_message_id: string }>(
        `UPDATE email_sync_items SET attempts = 0, updated_at = now()
         WHERE organization_id = $1 AND user_id = $2 AND status = 'failed'${only} RETURNING internet_message_id`,
        params,
      );
      return rows.map((r) => r.internet_message_id);
    },

    async listRuns(organizationId, userId, options) {
      if (!isId(organizationId) || !isId(userId)) return { runs: [], nextCursor: null };
      const params: unknown[] = [organizationId, userId];
      let keyset = '';
      if (options.cursor !== undefined) {
        const after = decodeCursor(options.cursor, 1);
        if (!after || typeof after[0] !== 'string' || !/^[0-9]{1,19}$/.test(after[0])) throw new InvalidCursorError();
        params.push(after[0]);
        keyset = ` AND id < $3::bigint`;
      }
      params.push(options.limit + 1);
      const { rows } = await db.query<{
        id: string;
        trigger: RunTrigger;
        started_at: Date;
        ended_at: Date | null;
        outcome: RunOutcome;
        failure_class: string | null;
        counts: RunCounts | null;
        errors: RunError[] | null;
      }>(
        `SELECT id::text AS id, trigger, started_at, ended_at, outcome, failure_class, counts, errors FROM sync_runs
         WHERE organization_id = $1 AND user_id = $2${keyset} ORDER BY sync_runs.id DESC LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, options.limit);
      const last = page[page.length - 1];
      return {
        runs: page.map((r) => ({
          id: r.id,
          trigger: r.trigger,
          startedAt: new Date(r.started_at),
          endedAt: dateOrNull(r.ended_at),
          outcome: r.outcome,
          failureClass: failureClassOf(r.failure_class),
          counts: r.counts ?? {},
          errors: r.errors ?? [],
        })),
        nextCursor: rows.length > options.limit && last ? encodeCursor([last.id]) : null,
      };
    },
  };
}
