/**
 * The sync engine's per-mailbox state (table `mailboxes`), its per-folder change cursors (`mailbox_cursors`) and its
 * run history (`sync_runs`), as the control surface, the scheduler and the session runner need them.
 *
 * Every read and write names the organization and filters by it, so an id of another organization matches nothing.
 * The scheduler's cross-organization reads (`dueOrganizations`, `claimDue`, `claimStale`) are the only exception: they
 * find work for the whole relay and return each row's organization id with it.
 *
 * Writes are single statements (a killed process leaves either the old or the new row, never half of a change), and
 * the claims the scheduler makes use `FOR UPDATE SKIP LOCKED`, so relay processes ticking at the same moment claim
 * disjoint sets of mailboxes.
 */
import type { CursorStore } from '../sync/types';
import type { FailureClass, MailboxStage, MailboxStatus, RunCounts, RunError, RunOutcome, RunTrigger, SessionProgress } from '../../shared/api/sync';
import type { Queryable } from './db';
import { isId } from './errors';

export interface MailboxSyncState {
  userId: string;
  organizationId: string;
  status: MailboxStatus;
  stage: MailboxStage;
  setup: Record<string, unknown>;
  setupDoneAt?: Date;
  baselineAt?: Date;
  failureClass?: FailureClass;
  failureMessage?: string;
  /** The last failure was transient (its count is a back-off counter, not toward suspension). */
  failureTransient: boolean;
  consecutiveFailures: number;
  suspendedReason?: string;
  scheduleOffsetSeconds: number;
  lastSessionAt?: Date;
  lastSuccessAt?: Date;
  nextSessionAt?: Date;
  sessionHeartbeatAt?: Date;
  /** The run of the session that holds the mailbox now (as text: a bigint). */
  currentRunId?: string;
  progress?: SessionProgress;
  enabledAt: Date;
  enabledBy?: string;
  pausedBy?: string;
  updatedAt: Date;
}

export interface SyncRunRecord {
  id: string;
  userId: string;
  organizationId: string;
  trigger: RunTrigger;
  startedAt: Date;
  endedAt?: Date;
  outcome: RunOutcome;
  failureClass?: FailureClass;
  counts: RunCounts;
  errors: RunError[];
}

export interface EnableRow {
  userId: string;
  /** Seconds into the organization's interval at which this mailbox's sessions fall due. */
  offsetSeconds: number;
}

export interface EnabledRow {
  userId: string;
  outcome: 'enabled' | 'already-enabled' | 'resumed';
}

/** How a finished session leaves the mailbox. */
export interface SessionEnd {
  runId: string;
  endedAt: Date;
  outcome: Exclude<RunOutcome, 'running'>;
  counts: RunCounts;
  errors: RunError[];
  nextSessionAt: Date;
  /** Success: clears the failure fields. Failure: the class and message, the new consecutive count, suspension. */
  failure?: { class: FailureClass; message: string; transient: boolean; consecutive: number; suspendedReason?: string };
  /** A successful session completes the first-session setup. */
  setupDone: boolean;
}

export interface StaleSession {
  organizationId: string;
  userId: string;
  runId: string;
}

export interface MailboxSyncRepository {
  /**
   * One statement for the whole batch: new mailboxes start enabled and due at `dueAt`; paused or suspended ones are
   * enabled again (failure fields cleared, due at `dueAt`); enabled ones are left alone. Users of other
   * organizations (or unknown ids) are not in the result.
   */
  enableMany(organizationId: string, rows: EnableRow[], options: { actor: string; dueAt: Date }): Promise<EnabledRow[]>;
  get(organizationId: string, userId: string): Promise<MailboxSyncState | undefined>;
  /** Paused by a user or admin (a suspended mailbox stays suspended: its reason matters more). */
  setPaused(organizationId: string, userId: string, actor: string): Promise<MailboxSyncState | undefined>;
  /** Back to enabled from paused or suspended: failure count, class and reason cleared, due at `dueAt`. */
  resume(organizationId: string, userId: string, actor: string, dueAt: Date): Promise<MailboxSyncState | undefined>;
  remove(organizationId: string, userId: string): Promise<boolean>;

  /** Organizations that have enabled mailboxes due at `now` (the scheduler then claims per organization). */
  dueOrganizations(now: Date): Promise<string[]>;
  /**
   * Claims up to `limit` enabled mailboxes of the organization due at `now`, moving each one's next session to its
   * next slot (`offset` seconds into every `intervalSeconds`, strictly after now). Returns the claimed rows.
   */
  claimDue(organizationId: string, now: Date, intervalSeconds: number, limit: number): Promise<Array<{ userId: string; nextSessionAt: Date }>>;
  /**
   * Releases mailboxes whose session stopped beating before `heartbeatBefore` (its process died): the run pointer is
   * cleared and the mailbox is due at once. Returns the released sessions (their runs are still 'running').
   */
  claimStale(heartbeatBefore: Date, now: Date, limit: number): Promise<StaleSession[]>;

  /**
   * Takes the mailbox for a session: only when it is enabled and no live session holds it (no run, or a run whose
   * heartbeat is older than `staleBefore`). The run row is created in the same statement. Undefined = not taken.
   */
  beginSession(
    organizationId: string,
    userId: string,
    options: { trigger: RunTrigger; now: Date; staleBefore: Date },
  ): Promise<{ run: SyncRunRecord; state: MailboxSyncState; tookOverRunId?: string } | undefined>;
  /** Keeps the session alive; returns the mailbox's status, or undefined when the session no longer holds it. */
  heartbeat(organizationId: string, userId: string, runId: string, progress?: SessionProgress | null): Promise<MailboxStatus | undefined>;
  /** Writes the run's result and the mailbox's state in one statement, if the session still holds the mailbox. */
  endSession(organizationId: string, userId: string, end: SessionEnd): Promise<MailboxSyncState | undefined>;
  /** Merges first-session progress into mailboxes.setup. */
  recordSetup(organizationId: string, userId: string, patch: Record<string, unknown>): Promise<void>;

  cursors(organizationId: string, userId: string): CursorStore;
  /**
   * The distinct mail domains of the organization's users, lower case: what "internal mail" means when the
   * organization configured no domains of its own (one row per domain, not per user).
   */
  organizationDomains(organizationId: string): Promise<string[]>;
  /** Folder keys and cursors of a mailbox (status pages, tests). */
  listCursors(organizationId: string, userId: string): Promise<Array<{ folderKey: string; folderId: string; cursor?: string; baselineDone: boolean; updatedAt: Date }>>;

  /** Marks runs abandoned (a dead process's); only runs still 'running'. */
  abandonRuns(organizationId: string, runIds: string[], endedAt: Date, reason: string): Promise<number>;
  /** Newest first; at most `limit` (default 20, max 200). */
  listRuns(organizationId: string, userId: string, options?: { limit?: number }): Promise<SyncRunRecord[]>;
}

interface MailboxRow {
  user_id: string;
  organization_id: string;
  status: MailboxStatus;
  stage: MailboxStage;
  setup: Record<string, unknown> | null;
  setup_done_at: Date | null;
  baseline_at: Date | null;
  failure_class: FailureClass | null;
  failure_message: string | null;
  failure_transient: boolean;
  consecutive_failures: number;
  suspended_reason: string | null;
  schedule_offset_seconds: number;
  last_session_at: Date | null;
  last_success_at: Date | null;
  next_session_at: Date | null;
  session_heartbeat_at: Date | null;
  current_run_id: string | null;
  progress: SessionProgress | null;
  enabled_at: Date;
  enabled_by: string | null;
  paused_by: string | null;
  updated_at: Date;
}

const PLAIN_COLUMNS = [
  'user_id', 'organization_id', 'status', 'stage', 'setup', 'setup_done_at', 'baseline_at', 'failure_class', 'failure_message',
  'failure_transient', 'consecutive_failures', 'suspended_reason', 'schedule_offset_seconds', 'last_session_at', 'last_success_at', 'next_session_at',
  'session_heartbeat_at', 'progress', 'enabled_at', 'enabled_by', 'paused_by', 'updated_at',
];
/** The columns of MailboxRow, qualified by `alias` where a statement joins other tables. */
function mailboxColumns(alias?: string): string {
  const q = alias ? `${alias}.` : '';
  return [...PLAIN_COLUMNS.map((c) => `${q}${c}`), `${q}current_run_id::text AS current_run_id`].join(', ');
}
const MAILBOX_COLUMNS = mailboxColumns();

const date = (value: Date | null): Date | undefined => (value === null ? undefined : new Date(value));
const text = <T extends string>(value: T | null): T | undefined => (value === null ? undefined : value);

function toState(row: MailboxRow): MailboxSyncState {
  return {
    userId: row.user_id,
    organizationId: row.organization_id,
    status: row.status,
    stage: row.stage,
    setup: row.setup ?? {},
    setupDoneAt: date(row.setup_done_at),
    baselineAt: date(row.baseline_at),
    failureClass: text(row.failure_class),
    failureMessage: text(row.failure_message),
    failureTransient: row.failure_transient === true,
    consecutiveFailures: Number(row.consecutive_failures),
    suspendedReason: text(row.suspended_reason),
    scheduleOffsetSeconds: Number(row.schedule_offset_seconds),
    lastSessionAt: date(row.last_session_at),
    lastSuccessAt: date(row.last_success_at),
    nextSessionAt: date(row.next_session_at),
    sessionHeartbeatAt: date(row.session_heartbeat_at),
    currentRunId: text(row.current_run_id),
    progress: row.progress ?? undefined,
    enabledAt: new Date(row.enabled_at),
    enabledBy: text(row.enabled_by),
    pausedBy: text(row.paused_by),
    updatedAt: new Date(row.updated_at),
  };
}

interface RunRow {
  id: string;
  user_id: string;
  organization_id: string;
  trigger: RunTrigger;
  started_at: Date;
  ended_at: Date | null;
  outcome: RunOutcome;
  failure_class: FailureClass | null;
  counts: RunCounts | null;
  errors: RunError[] | null;
}

const RUN_COLUMNS = 'id::text AS id, user_id, organization_id, trigger, started_at, ended_at, outcome, failure_class, counts, errors';

function toRun(row: RunRow): SyncRunRecord {
  return {
    id: row.id,
    userId: row.user_id,
    organizationId: row.organization_id,
    trigger: row.trigger,
    startedAt: new Date(row.started_at),
    endedAt: date(row.ended_at),
    outcome: row.outcome,
    failureClass: text(row.failure_class),
    counts: row.counts ?? {},
    errors: row.errors ?? [],
  };
}

/** Most item errors one run keeps (the rest are counted, not listed). */
export const MAX_RUN_ERRORS = 50;
const MAX_MESSAGE = 2000;

function clip(value: string, max = MAX_MESSAGE): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/**
 * Instants go to the drivers as ISO strings: under Jest, PGlite runs in another realm and does not recognise the
 * test's Date objects as dates.
 */
function ts(value: Date): string {
  return value.toISOString();
}

function isRunId(value: string): boolean {
  return /^[0-9]{1,19}$/.test(value);
}

export function createMailboxSyncRepository(db: Queryable): MailboxSyncRepository {
  async function one(sql: string, params: unknown[]): Promise<MailboxSyncState | undefined> {
    const { rows } = await db.query<MailboxRow>(sql, params);
    return rows[0] ? toState(rows[0]) : undefined;
  }

  return {
    async enableMany(organizationId, rows, { actor, dueAt }) {
      if (!isId(organizationId)) return [];
      const valid = rows.filter((r) => isId(r.userId));
      if (valid.length === 0) return [];
      // `xmax = 0` is true for a freshly inserted row; an updated one was paused/suspended. Rows that were already
      // enabled are not updated (the WHERE of DO UPDATE), so they come back only through the users join below.
      const { rows: result } = await db.query<{ user_id: string; outcome: EnabledRow['outcome'] }>(
        `WITH input AS (
           SELECT * FROM unnest($2::uuid[], $3::int[]) AS i (user_id, offset_seconds)
         ), members AS (
           SELECT DISTINCT ON (u.id) u.id AS user_id, i.offset_seconds
           FROM input i JOIN users u ON u.id = i.user_id AND u.organization_id = $1
         ), written AS (
           INSERT INTO mailboxes (user_id, organization_id, schedule_offset_seconds, next_session_at, enabled_by)
           SELECT user_id, $1, offset_seconds, $4::timestamptz, $5 FROM members
           ON CONFLICT (user_id) DO UPDATE SET
             status = 'enabled', next_session_at = EXCLUDED.next_session_at, enabled_by = EXCLUDED.enabled_by,
             paused_by = NULL, suspended_reason = NULL, failure_class = NULL, failure_message = NULL,
             failure_transient = false, consecutive_failures = 0, updated_at = now()
           WHERE mailboxes.status <> 'enabled' AND mailboxes.organization_id = EXCLUDED.organization_id
           RETURNING user_id, (xmax = 0) AS inserted
         )
         SELECT m.user_id::text AS user_id,
                CASE WHEN w.user_id IS NULL THEN 'already-enabled' WHEN w.inserted THEN 'enabled' ELSE 'resumed' END AS outcome
         FROM members m LEFT JOIN written w ON w.user_id = m.user_id`,
        [organizationId, valid.map((r) => r.userId), valid.map((r) => Math.max(0, Math.trunc(r.offsetSeconds))), ts(dueAt), actor.slice(0, 200)],
      );
      return result.map((r) => ({ userId: r.user_id, outcome: r.outcome }));
    },

    async get(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      return one(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE organization_id = $1 AND user_id = $2`, [organizationId, userId]);
    },

    async setPaused(organizationId, userId, actor) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      // A suspended mailbox stays suspended (its reason matters more than the pause); resume lifts both.
      return one(
        `UPDATE mailboxes SET status = CASE WHEN status = 'suspended' THEN status ELSE 'paused' END,
           paused_by = $3, updated_at = now()
         WHERE organization_id = $1 AND user_id = $2 RETURNING ${MAILBOX_COLUMNS}`,
        [organizationId, userId, actor.slice(0, 200)],
      );
    },

    async resume(organizationId, userId, _actor, dueAt) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      return one(
        `UPDATE mailboxes SET status = 'enabled', paused_by = NULL, suspended_reason = NULL, failure_class = NULL,
           failure_message = NULL, failure_transient = false, consecutive_failures = 0, next_session_at = $3, updated_at = now()
         WHERE organization_id = $1 AND user_id = $2 RETURNING ${MAILBOX_COLUMNS}`,
        [organizationId, userId, ts(dueAt)],
      );
    },

    async remove(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return false;
      const { rowCount } = await db.query(`DELETE FROM mailboxes WHERE organization_id = $1 AND user_id = $2`, [organizationId, userId]);
      return rowCount > 0;
    },

    async dueOrganizations(now) {
      const { rows } = await db.query<{ organization_id: string }>(
        `SELECT DISTINCT organization_id FROM mailboxes WHERE status = 'enabled' AND next_session_at <= $1`,
        [ts(now)],
      );
      return rows.map((r) => r.organization_id);
    },

    async claimDue(organizationId, now, intervalSeconds, limit) {
      if (!isId(organizationId)) return [];
      const interval = Math.max(1, Math.trunc(intervalSeconds));
      // Next slot: the first instant after now at `offset` seconds into an interval (epoch-aligned), so a mailbox
      // keeps its place in the spread whatever delayed this session.
      const { rows } = await db.query<{ user_id: string; next_session_at: Date }>(
        `WITH due AS (
           SELECT user_id FROM mailboxes
           WHERE organization_id = $1 AND status = 'enabled' AND next_session_at <= $2
           ORDER BY next_session_at LIMIT $4 FOR UPDATE SKIP LOCKED
         )
         UPDATE mailboxes m SET
           next_session_at = to_timestamp(
             (floor((extract(epoch FROM $2::timestamptz) - (m.schedule_offset_seconds % $3)) / $3) + 1) * $3
             + (m.schedule_offset_seconds % $3)),
           updated_at = now()
         FROM due WHERE m.user_id = due.user_id
         RETURNING m.user_id::text AS user_id, m.next_session_at`,
        [organizationId, ts(now), interval, Math.max(1, Math.trunc(limit))],
      );
      return rows.map((r) => ({ userId: r.user_id, nextSessionAt: new Date(r.next_session_at) }));
    },

    async claimStale(heartbeatBefore, now, limit) {
      const { rows } = await db.query<{ user_id: string; organization_id: string; run_id: string }>(
        `WITH stale AS (
           SELECT user_id, current_run_id FROM mailboxes
           WHERE current_run_id IS NOT NULL AND (session_heartbeat_at IS NULL OR session_heartbeat_at < $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE mailboxes m SET current_run_id = NULL, session_heartbeat_at = NULL, progress = NULL,
           stage = CASE WHEN m.setup_done_at IS NULL THEN 'setting-up' ELSE 'idle' END,
           next_session_at = CASE WHEN m.status = 'enabled' THEN $3 ELSE m.next_session_at END,
           updated_at = now()
         FROM stale WHERE m.user_id = stale.user_id
         RETURNING m.user_id::text AS user_id, m.organization_id::text AS organization_id, stale.current_run_id::text AS run_id`,
        [ts(heartbeatBefore), Math.max(1, Math.trunc(limit)), ts(now)],
      );
      return rows.map((r) => ({ organizationId: r.organization_id, userId: r.user_id, runId: r.run_id }));
    },

    async beginSession(organizationId, userId, { trigger, now, staleBefore }) {
      if (!isId(organizationId) || !isId(userId)) return undefined;
      // One statement: the run exists only if the mailbox was taken, and the mailbox points at the run.
      const { rows } = await db.query<MailboxRow & { run: RunRow; previous_run_id: string | null }>(
        `WITH target AS (
           SELECT user_id, current_run_id FROM mailboxes
           WHERE organization_id = $1 AND user_id = $2 AND status = 'enabled'
             AND (current_run_id IS NULL OR session_heartbeat_at IS NULL OR session_heartbeat_at < $5)
           FOR UPDATE
         ), run AS (
           INSERT INTO sync_runs (user_id, organization_id, trigger, started_at)
           SELECT user_id, $1, $3, $4::timestamptz FROM target
           RETURNING ${RUN_COLUMNS}
         ), taken AS (
           UPDATE mailboxes m SET current_run_id = run.id::bigint, session_heartbeat_at = $4, progress = NULL,
             stage = CASE WHEN m.setup_done_at IS NULL THEN 'setting-up' ELSE 'syncing' END,
             baseline_at = COALESCE(m.baseline_at, $4), last_session_at = $4, updated_at = now()
           FROM run, target WHERE m.user_id = target.user_id
           RETURNING ${mailboxColumns('m')}
         )
         SELECT taken.*, row_to_json(run.*) AS run, target.current_run_id::text AS previous_run_id FROM taken, run, target`,
        [organizationId, userId, trigger, ts(now), ts(staleBefore)],
      );
      const row = rows[0];
      if (!row) return undefined;
      const run = toRun({ ...row.run, started_at: new Date(row.run.started_at), ended_at: row.run.ended_at === null ? null : new Date(row.run.ended_at) });
      return { run, state: toState(row), ...(row.previous_run_id ? { tookOverRunId: row.previous_run_id } : {}) };
    },

    async heartbeat(organizationId, userId, runId, progress) {
      if (!isId(organizationId) || !isId(userId) || !isRunId(runId)) return undefined;
      const { rows } = await db.query<{ status: MailboxStatus }>(
        `UPDATE mailboxes SET session_heartbeat_at = now(),
           progress = CASE WHEN $4::boolean THEN $5::jsonb ELSE progress END
         WHERE organization_id = $1 AND user_id = $2 AND current_run_id = $3::bigint RETURNING status`,
        [organizationId, userId, runId, progress !== undefined, progress === undefined || progress === null ? null : JSON.stringify(progress)],
      );
      return rows[0]?.status;
    },

    async endSession(organizationId, userId, end) {
      if (!isId(organizationId) || !isId(userId) || !isRunId(end.runId)) return undefined;
      const failure = end.failure;
      const errors = end.errors.slice(0, MAX_RUN_ERRORS).map((e) => ({ ...e, message: clip(e.message) }));
      // The run row is written whether or not the session still holds the mailbox (a taken-over session's run was
      // already marked abandoned, and stays so); the mailbox only if it still points at this run.
      const { rows } = await db.query<MailboxRow>(
        `WITH run AS (
           UPDATE sync_runs SET ended_at = $4, outcome = CASE WHEN outcome = 'running' THEN $5 ELSE outcome END,
             failure_class = $6, counts = $7::jsonb, errors = $8::jsonb
           WHERE organization_id = $1 AND user_id = $2 AND id = $3::bigint
           RETURNING id
         )
         UPDATE mailboxes m SET current_run_id = NULL, session_heartbeat_at = NULL, progress = NULL,
           stage = CASE WHEN m.setup_done_at IS NULL AND NOT $12::boolean THEN 'setting-up' ELSE 'idle' END,
           setup_done_at = CASE WHEN $12::boolean THEN COALESCE(m.setup_done_at, $4) ELSE m.setup_done_at END,
           last_success_at = CASE WHEN $6::text IS NULL AND $5 = 'succeeded' THEN $4 ELSE m.last_success_at END,
           failure_class = $6, failure_message = $9, consecutive_failures = COALESCE($10::int, 0),
           failure_transient = COALESCE($14::boolean, false),
           status = CASE WHEN $11::text IS NOT NULL AND m.status = 'enabled' THEN 'suspended' ELSE m.status END,
           suspended_reason = CASE WHEN $11::text IS NOT NULL AND m.status = 'enabled' THEN $11 ELSE m.suspended_reason END,
           next_session_at = $13, updated_at = now()
         FROM run WHERE m.organization_id = $1 AND m.user_id = $2 AND m.current_run_id = run.id
         RETURNING ${mailboxColumns('m')}`,
        [
          organizationId,
          userId,
          end.runId,
          ts(end.endedAt),
          end.outcome,
          failure?.class ?? null,
          JSON.stringify(end.counts),
          JSON.stringify(errors),
          failure ? clip(failure.message) : null,
          failure?.consecutive ?? null,
          failure?.suspendedReason ? clip(failure.suspendedReason) : null,
          end.setupDone,
          ts(end.nextSessionAt),
          failure?.transient ?? null,
        ],
      );
      return rows[0] ? toState(rows[0]) : undefined;
    },

    async recordSetup(organizationId, userId, patch) {
      if (!isId(organizationId) || !isId(userId)) return;
      await db.query(
        `UPDATE mailboxes SET setup = setup || $3::jsonb, updated_at = now() WHERE organization_id = $1 AND user_id = $2`,
        [organizationId, userId, JSON.stringify(patch)],
      );
    },

    cursors(organizationId, userId) {
      const valid = isId(organizationId) && isId(userId);
      return {
        async get(folderKey) {
          if (!valid) return undefined;
          const { rows } = await db.query<{ folder_id: string; cursor: string | null; baseline_done: boolean }>(
            `SELECT c.folder_id, c.cursor, c.baseline_done FROM mailbox_cursors c JOIN mailboxes m ON m.user_id = c.user_id
             WHERE m.organization_id = $1 AND c.user_id = $2 AND c.folder_key = $3`,
            [organizationId, userId, folderKey],
          );
          const row = rows[0];
          return row ? { folderId: row.folder_id, ...(row.cursor !== null ? { cursor: row.cursor } : {}), baselineDone: row.baseline_done } : undefined;
        },
        async set(folderKey, value) {
          if (!valid) throw new Error('cursor store of an invalid mailbox id');
          // One statement, and only for a mailbox of this organization (a disabled mailbox keeps no cursors).
          await db.query(
            `INSERT INTO mailbox_cursors (user_id, folder_key, folder_id, cursor, baseline_done, updated_at)
             SELECT user_id, $3, $4, $5, $6, now() FROM mailboxes WHERE organization_id = $1 AND user_id = $2
             ON CONFLICT (user_id, folder_key) DO UPDATE SET folder_id = EXCLUDED.folder_id, cursor = EXCLUDED.cursor,
               baseline_done = EXCLUDED.baseline_done, updated_at = now()`,
            [organizationId, userId, folderKey, value.folderId, value.cursor ?? null, value.baselineDone],
          );
        },
        async clear(folderKey) {
          if (!valid) return;
          await db.query(
            `DELETE FROM mailbox_cursors c USING mailboxes m
             WHERE m.user_id = c.user_id AND m.organization_id = $1 AND c.user_id = $2 AND c.folder_key = $3`,
            [organizationId, userId, folderKey],
          );
        },
      };
    },

    async organizationDomains(organizationId) {
      if (!isId(organizationId)) return [];
      const { rows } = await db.query<{ domain: string }>(
        `SELECT DISTINCT lower(split_part(email, '@', 2)) AS domain FROM users WHERE organization_id = $1 AND position('@' IN email) > 0`,
        [organizationId],
      );
      return rows.map((r) => r.domain).filter(Boolean);
    },

    async listCursors(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return [];
      const { rows } = await db.query<{ folder_key: string; folder_id: string; cursor: string | null; baseline_done: boolean; updated_at: Date }>(
        `SELECT c.folder_key, c.folder_id, c.cursor, c.baseline_done, c.updated_at FROM mailbox_cursors c
         JOIN mailboxes m ON m.user_id = c.user_id WHERE m.organization_id = $1 AND c.user_id = $2 ORDER BY c.folder_key`,
        [organizationId, userId],
      );
      return rows.map((r) => ({
        folderKey: r.folder_key,
        folderId: r.folder_id,
        ...(r.cursor !== null ? { cursor: r.cursor } : {}),
        baselineDone: r.baseline_done,
        updatedAt: new Date(r.updated_at),
      }));
    },

    async abandonRuns(organizationId, runIds, endedAt, reason) {
      const ids = runIds.filter(isRunId);
      if (!isId(organizationId) || ids.length === 0) return 0;
      const { rowCount } = await db.query(
        `UPDATE sync_runs SET outcome = 'abandoned', ended_at = $3,
           errors = errors || jsonb_build_array(jsonb_build_object('message', $4::text))
         WHERE organization_id = $1 AND id = ANY($2::bigint[]) AND outcome = 'running'`,
        [organizationId, ids, ts(endedAt), clip(reason)],
      );
      return rowCount;
    },

    async listRuns(organizationId, userId, options = {}) {
      if (!isId(organizationId) || !isId(userId)) return [];
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), 200);
      const { rows } = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE organization_id = $1 AND user_id = $2 ORDER BY sync_runs.id DESC LIMIT $3`,
        [organizationId, userId, limit],
      );
      return rows.map(toRun);
    },
  };
}
