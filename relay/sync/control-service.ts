/**
 * SyncControl over the store and the job queue: the one implementation behind the sidebar's status routes, the admin
 * console's bulk activation and the sandbox's start-up.
 *
 * Sessions are jobs on SESSION_QUEUE, an `exclusive` pg-boss queue keyed by user id: the database holds at most one
 * waiting-or-running session per mailbox across every relay process, so "Sync now" pressed twice, or pressed while a
 * scheduled session runs, answers `already-queued` / `running` instead of starting a second one.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { ItemError, RunTrigger, SyncStatus } from '../../shared/api/sync';
import { organizationSyncSettings, RUN_TRIGGERS, type OrganizationSyncSettings } from '../../shared/api/sync';
import type { JobQueue } from '../scheduler/jobs';
import type { Queryable } from '../store/db';
import type { AuditRepository } from '../store/audit';
import type { MailboxSyncRepository, MailboxSyncState, SyncRunRecord } from '../store/mailboxes';
import type { OrganizationRepository } from '../store/organizations';
import { adviceFor } from './classify';
import type { MirrorKindStatus } from '../../shared/api/mirror';
import { createMirrorKindStatusRepository, createMirrorLinkRepository } from '../store/mirror-links';
import { MIRROR_KINDS } from './mirror/types';
import { MailboxNotActivatedError, MailboxPausedError, type Actor, type EnableResult, type SyncControl, type SyncNowResult } from './types';

export const SESSION_QUEUE = 'sync-session';

export const SessionJobDataSchema = z.object({
  organizationId: z.guid(),
  userId: z.guid(),
  trigger: z.enum(RUN_TRIGGERS),
});
export type SessionJobData = z.infer<typeof SessionJobDataSchema>;

/** Users per enable statement: one statement per batch, never one per user. */
export const ENABLE_BATCH = 1000;
const RECENT_RUNS = 10;
const RECENT_ITEM_ERRORS = 20;

/** Where in the interval a mailbox's sessions fall: stable per user, evenly spread over many users. */
export function scheduleOffsetSeconds(userId: string, intervalSeconds: number): number {
  const digest = crypto.createHash('sha256').update(userId).digest();
  return digest.readUInt32BE(0) % Math.max(1, Math.trunc(intervalSeconds));
}

export interface SyncControlDeps {
  db: Queryable;
  jobs: JobQueue;
  mailboxes: MailboxSyncRepository;
  organizations: Pick<OrganizationRepository, 'get'>;
  audit?: AuditRepository;
  now?: () => Date;
}

export interface SyncControlService extends SyncControl {
  /** The organization's sync settings (defaults for what is missing). */
  settingsOf(organizationId: string): Promise<OrganizationSyncSettings>;
  /** Queues a session unless one waits or runs; the job id, or null. */
  queueSession(data: SessionJobData): Promise<string | null>;
}

function actorText(actor: Actor): string {
  return `${actor.kind}:${actor.id}`.slice(0, 200);
}

function iso(value: Date | undefined): string | undefined {
  return value ? value.toISOString() : undefined;
}

function runToApi(run: SyncRunRecord): SyncStatus['recentRuns'][number] {
  return {
    id: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    ...(run.endedAt ? { endedAt: run.endedAt.toISOString() } : {}),
    outcome: run.outcome,
    ...(run.failureClass ? { failureClass: run.failureClass } : {}),
    counts: run.counts,
    errors: run.errors,
  };
}

export function createSyncControl(deps: SyncControlDeps): SyncControlService {
  const now = deps.now ?? (() => new Date());
  const { mailboxes, jobs } = deps;

  async function settingsOf(organizationId: string): Promise<OrganizationSyncSettings> {
    const organization = await deps.organizations.get(organizationId);
    return organizationSyncSettings(organization?.settings?.sync);
  }

  async function queueSession(data: SessionJobData): Promise<string | null> {
    return jobs.send(SESSION_QUEUE, data, { singletonKey: data.userId });
  }

  /** Why a send returned null: the mailbox's session waits or runs (or just ended: then null). */
  async function existingSession(userId: string): Promise<'already-queued' | 'running' | null> {
    const { rows } = await deps.db.query<{ state: string }>(
      `SELECT state::text AS state FROM ${jobs.schema}.job WHERE name = $1 AND singleton_key = $2 AND state <= 'active'
       ORDER BY state DESC LIMIT 1`,
      [SESSION_QUEUE, userId],
    );
    const state = rows[0]?.state;
    if (state === undefined) return null;
    return state === 'active' ? 'running' : 'already-queued';
  }

  async function itemErrors(organizationId: string, userId: string, maxAttempts: number): Promise<ItemError[]> {
    const { rows } = await deps.db.query<{ subject: string; internet_message_id: string; last_error: string | null; attempts: number; first_failed_at: Date | null; updated_at: Date }>(
      `SELECT subject, internet_message_id, last_error, attempts, first_failed_at, updated_at FROM email_sync_items
       WHERE organization_id = $1 AND user_id = $2 AND status = 'failed' ORDER BY updated_at DESC LIMIT $3`,
      [organizationId, userId, RECENT_ITEM_ERRORS],
    );
    return rows.map((r) => ({
      subject: r.subject,
      internetMessageId: r.internet_message_id,
      error: r.last_error ?? '',
      attempts: Number(r.attempts),
      willRetry: Number(r.attempts) < maxAttempts,
      since: new Date(r.first_failed_at ?? r.updated_at).toISOString(),
    }));
  }

  /** Per mirrored kind: links by state and the last session's conflicts and records beyond the limit. */
  async function mirrorStatus(organizationId: string, userId: string): Promise<MirrorKindStatus[]> {
    const [counts, figures] = await Promise.all([createMirrorLinkRepository(deps.db).counts(organizationId, userId), createMirrorKindStatusRepository(deps.db).list(organizationId, userId)]);
    const byKind = new Map(figures.map((f) => [f.kind, f]));
    return MIRROR_KINDS.filter((k) => counts[k] !== undefined || byKind.has(k)).map((kind) => ({
      kind,
      linked: (counts[kind]?.linked ?? 0) + (counts[kind]?.observer ?? 0),
      detached: counts[kind]?.detached ?? 0,
      conflicts: byKind.get(kind)?.conflicts ?? 0,
      beyondLimit: byKind.get(kind)?.beyondLimit ?? 0,
    }));
  }

  async function statusOf(organizationId: string, userId: string, known?: MailboxSyncState): Promise<SyncStatus> {
    const state = known ?? (await mailboxes.get(organizationId, userId));
    if (!state) return { activated: false, recentRuns: [], itemErrors: [] };
    const settings = await settingsOf(organizationId);
    const [runs, errors, mirror] = await Promise.all([
      mailboxes.listRuns(organizationId, userId, { limit: RECENT_RUNS }),
      itemErrors(organizationId, userId, settings.maxItemAttempts),
      mirrorStatus(organizationId, userId),
    ]);
    const running = state.currentRunId !== undefined;
    return {
      activated: true,
      status: state.status,
      stage: state.stage,
      ...(running && state.progress ? { progress: state.progress } : {}),
      ...(state.failureClass
        ? {
            lastFailure: {
              class: state.failureClass,
              message: state.failureMessage ?? '',
              consecutive: state.consecutiveFailures,
              advice: adviceFor(state.failureClass, state.failureTransient),
            },
          }
        : {}),
      ...(state.suspendedReason ? { suspendedReason: state.suspendedReason } : {}),
      ...(state.lastSessionAt ? { lastSessionAt: iso(state.lastSessionAt) } : {}),
      ...(state.lastSuccessAt ? { lastSuccessAt: iso(state.lastSuccessAt) } : {}),
      ...(state.nextSessionAt && state.status === 'enabled' ? { nextSessionAt: iso(state.nextSessionAt) } : {}),
      intervalMinutes: settings.intervalMinutes,
      recentRuns: runs.map(runToApi),
      itemErrors: errors,
      ...(mirror.length > 0 ? { mirror } : {}),
    };
  }

  async function requireState(organizationId: string, userId: string): Promise<MailboxSyncState> {
    const state = await mailboxes.get(organizationId, userId);
    if (!state) throw new MailboxNotActivatedError();
    return state;
  }

  return {
    settingsOf,
    queueSession,

    async enable(organizationId, userIds, actor) {
      const unique = [...new Set(userIds)];
      if (unique.length === 0) return [];
      const settings = await settingsOf(organizationId);
      const intervalSeconds = settings.intervalMinutes * 60;
      const dueAt = now();
      const results: EnableResult[] = [];
      for (let i = 0; i < unique.length; i += ENABLE_BATCH) {
        const batch = unique.slice(i, i + ENABLE_BATCH);
        const written = await mailboxes.enableMany(
          organizationId,
          batch.map((userId) => ({ userId, offsetSeconds: scheduleOffsetSeconds(userId, intervalSeconds) })),
          { actor: actorText(actor), dueAt },
        );
        const toQueue = written.filter((r) => r.outcome !== 'already-enabled');
        if (toQueue.length > 0) {
          const trigger: RunTrigger = actor.kind === 'admin' ? 'admin' : actor.kind === 'user' ? 'manual' : 'schedule';
          // One insert for the batch; the exclusive index drops rows of mailboxes that already have a session.
          await jobs.boss.insert(
            toQueue.map((r) => ({
              name: SESSION_QUEUE,
              data: { organizationId, userId: r.userId, trigger: r.outcome === 'resumed' ? 'resume' : trigger } satisfies SessionJobData,
              singletonKey: r.userId,
            })),
          );
        }
        results.push(...written);
      }
      const counts = { enabled: 0, resumed: 0, 'already-enabled': 0 };
      for (const r of results) counts[r.outcome] += 1;
      if (counts.enabled + counts.resumed > 0) {
        await deps.audit?.record({ organizationId, actor: actorText(actor), action: 'sync.enabled', details: { ...counts, requested: unique.length } });
      }
      return results;
    },

    async pause(organizationId, userId, actor) {
      await requireState(organizationId, userId);
      const state = await mailboxes.setPaused(organizationId, userId, actorText(actor));
      if (!state) throw new MailboxNotActivatedError();
      await deps.audit?.record({ organizationId, actor: actorText(actor), action: 'sync.paused', details: { userId } });
      return statusOf(organizationId, userId, state);
    },

    async resume(organizationId, userId, actor) {
      await requireState(organizationId, userId);
      const state = await mailboxes.resume(organizationId, userId, actorText(actor), now());
      if (!state) throw new MailboxNotActivatedError();
      await queueSession({ organizationId, userId, trigger: 'resume' });
      await deps.audit?.record({ organizationId, actor: actorText(actor), action: 'sync.resumed', details: { userId } });
      return statusOf(organizationId, userId, state);
    },

    async syncNow(organizationId, userId, actor, trigger): Promise<SyncNowResult> {
      const state = await requireState(organizationId, userId);
      if (state.status !== 'enabled') throw new MailboxPausedError(state.status);
      const data: SessionJobData = { organizationId, userId, trigger: trigger ?? (actor.kind === 'admin' ? 'admin' : 'manual') };
      // A session that ends between the refused send and the lookup frees the key: then send again.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if ((await queueSession(data)) !== null) return { result: 'queued' };
        const existing = await existingSession(userId);
        if (existing) return { result: existing };
      }
      return { result: 'already-queued' };
    },

    async disable(organizationId, userId, actor) {
      const removed = await mailboxes.remove(organizationId, userId);
      if (!removed) return;
      // A waiting session would find no mailbox and end at once; cancelling spares the worker the trip.
      const { rows } = await deps.db.query<{ id: string }>(
        `SELECT id::text AS id FROM ${jobs.schema}.job WHERE name = $1 AND singleton_key = $2 AND state < 'active'`,
        [SESSION_QUEUE, userId],
      );
      if (rows.length > 0) await jobs.boss.cancel(SESSION_QUEUE, rows.map((r) => r.id));
      await deps.audit?.record({ organizationId, actor: actorText(actor), action: 'sync.disabled', details: { userId } });
    },

    status: (organizationId, userId) => statusOf(organizationId, userId),
  };
}
