/**
 * The fan-out tick: every tick sends a session job for each enabled mailbox that is due, and takes over sessions
 * whose process died.
 *
 * - Due mailboxes are claimed per organization in one statement that also moves each one's next session to its next
 *   slot (its offset into the organization's interval), so sessions stay spread however late a tick runs.
 * - A session whose heartbeat stopped (SIGKILL, lost machine) is released: its pg-boss job is failed (so the
 *   exclusive key frees), its run is marked abandoned, and the mailbox is due at once, so the same tick queues a new
 *   session that resumes from the committed cursors.
 * - Claims run in one transaction under a try-lock, so relay processes ticking together do not both claim (the
 *   second skips the tick); the exclusive queue would make a double send harmless anyway. Jobs are sent after the
 *   claim commits, in one insert per organization batch.
 */
import crypto from 'node:crypto';
import type { Logger } from '../log';
import type { JobQueue } from '../scheduler/jobs';
import type { Db, Queryable } from '../store/db';
import { createMailboxSyncRepository, type StaleSession } from '../store/mailboxes';
import { organizationSyncSettings, type OrganizationSyncSettings } from '../../shared/api/sync';
import { SESSION_QUEUE, type SessionJobData } from './control-service';

export interface SchedulerDeps {
  db: Db;
  jobs: JobQueue;
  logger: Logger;
  /** A session whose heartbeat is older than this is taken over. */
  staleAfterMs: number;
  /** Mailboxes claimed per statement. Default 500. */
  batchSize?: number;
  now?: () => Date;
}

export interface TickResult {
  /** Mailboxes whose session was sent (or found already waiting / running). */
  due: number;
  /** Jobs actually created (the others already had a session). */
  sent: number;
  takenOver: StaleSession[];
  /** False when another process held the tick lock. */
  ran: boolean;
}

/** Advisory lock key of the tick (any constant shared by all relay processes). */
const TICK_LOCK = 'c4c-relay.sync-tick';

export interface Scheduler {
  tick(): Promise<TickResult>;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const clock = deps.now ?? (() => new Date());
  const batchSize = deps.batchSize ?? 500;
  const log = deps.logger;

  async function failStaleJobs(sessions: StaleSession[]): Promise<void> {
    if (sessions.length === 0) return;
    const { rows } = await deps.db.query<{ id: string }>(
      `SELECT id::text AS id FROM ${deps.jobs.schema}.job WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state = 'active'`,
      [SESSION_QUEUE, sessions.map((s) => s.userId)],
    );
    if (rows.length > 0) {
      for (const { id } of rows) await deps.jobs.boss.fail(SESSION_QUEUE, id, { reason: 'the session stopped sending heartbeats; taken over' });
    }
  }

  return {
    async tick() {
      const now = clock();
      const claimed = await deps.db.transaction(async (tx) => {
        // Advisory locks are database-wide: keyed by the schema too, deployments (and test suites) sharing one database
        // each have their own tick.
        const { rows } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':' || $1)) AS locked`, [TICK_LOCK]);
        if (!rows[0]?.locked) return undefined;
        const repo = createMailboxSyncRepository(tx);
        const takenOver = await repo.claimStale(new Date(now.getTime() - deps.staleAfterMs), now, batchSize);
        for (const organizationId of new Set(takenOver.map((s) => s.organizationId))) {
          const runIds = takenOver.filter((s) => s.organizationId === organizationId).map((s) => s.runId);
          await repo.abandonRuns(organizationId, runIds, now, 'The session stopped responding (its relay process ended); a new session took over from the last committed cursors.');
        }
        const due: SessionJobData[] = [];
        for (const organizationId of await repo.dueOrganizations(now)) {
          // Read through the transaction: on PGlite the outer handle would wait for this very transaction.
          const settings = await settingsIn(tx, organizationId);
          for (;;) {
            const batch = await repo.claimDue(organizationId, now, settings.intervalMinutes * 60, batchSize);
            due.push(...batch.map((b) => ({ organizationId, userId: b.userId, trigger: 'schedule' as const })));
            if (batch.length < batchSize) break;
          }
        }
        return { takenOver, due };
      });
      if (!claimed) return { due: 0, sent: 0, takenOver: [], ran: false };

      await failStaleJobs(claimed.takenOver);
      if (claimed.takenOver.length > 0) log.warn({ sessions: claimed.takenOver }, 'took over sessions whose heartbeat stopped');
      let sent = 0;
      for (let i = 0; i < claimed.due.length; i += batchSize) {
        const batch = claimed.due.slice(i, i + batchSize);
        const ids = batch.map(() => crypto.randomUUID());
        // One insert per batch; the exclusive index drops the rows of mailboxes whose session already waits or runs.
        await deps.jobs.boss.insert(batch.map((data, n) => ({ id: ids[n], name: SESSION_QUEUE, data, singletonKey: data.userId })));
        sent += await countJobs(deps, ids);
      }
      if (claimed.due.length > 0) log.debug({ due: claimed.due.length, sent }, 'sync tick');
      return { due: claimed.due.length, sent, takenOver: claimed.takenOver, ran: true };
    },
  };
}

/** How many of these job ids exist (the insert skips conflicting rows silently). */
async function countJobs(deps: SchedulerDeps, ids: string[]): Promise<number> {
  const { rows } = await deps.db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${deps.jobs.schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
    [SESSION_QUEUE, ids],
  );
  return Number(rows[0]?.count ?? 0);
}

async function settingsIn(db: Queryable, organizationId: string): Promise<OrganizationSyncSettings> {
  const { rows } = await db.query<{ settings: Record<string, unknown> | null }>(`SELECT settings FROM organizations WHERE id = $1`, [organizationId]);
  return organizationSyncSettings(rows[0]?.settings?.sync);
}
