/**
 * A4: check, for every user of an organization, that the configured access opens that user's mailbox — a real call
 * through relay/mailbox: `checkAccess()` (the mailbox root), then the inbox and the master category list.
 *
 * Runs as a pg-boss job (queue `admin-access-check`), so it survives a relay restart: each user's result is one
 * atomic write (result row + run counters), a resumed run skips users already checked, and a run whose worker
 * died is picked up again at start-up. Concurrency is bounded per run (EWS: below the service account's cap, which
 * relay/mailbox enforces too; Graph: a few mailboxes at once, each with its own 4-request limit), and the mailbox
 * layer honours ErrorServerBusy back-off and 429 Retry-After. Cancel is a flag the run reads before each user.
 */
import type { AccessCheckResult, AccessCheckRun, AdminAccessProblem } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { MailboxError, type AccessCheck, type Mailbox } from '../mailbox/types';
import type { AccessCheckResultRow, AccessCheckRunRow } from '../store/admin';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminNotFoundError, AlreadyFinishedError, CheckInProgressError, NotConfiguredError } from './errors';
import { isUniqueViolation } from '../store/errors';

export const ACCESS_CHECK_QUEUE = 'admin-access-check';

export interface AccessCheckOptions {
  /** Users checked at once; default 8 for EWS (the service account cap), 6 for Graph. */
  concurrency?: number;
  /** A running run without any result for this long is taken over at start-up. Default 2 minutes. */
  staleAfterMs?: number;
}

export function toRunDto(row: AccessCheckRunRow): AccessCheckRun {
  return {
    id: row.id,
    organizationId: row.organizationId,
    status: row.status,
    accessKind: row.accessKind as AccessCheckRun['accessKind'],
    total: row.total,
    checked: row.checked,
    passed: row.passed,
    failed: row.failed,
    startedBy: row.startedBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
  };
}

export function toResultDto(row: AccessCheckResultRow): AccessCheckResult {
  return { userId: row.userId, email: row.email, displayName: row.displayName, ok: row.ok, problem: row.problem as AdminAccessProblem, message: row.message, checkedAt: row.checkedAt.toISOString(), ms: row.ms };
}

export async function startAccessCheck(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, userIds?: string[]): Promise<AccessCheckRun> {
  await managedOrganization(deps, principal, organizationId);
  const access = await deps.store.mailboxAccess.get(organizationId);
  if (!access) throw new NotConfiguredError('mailbox-access', 'Set up the mailbox access of this organization first.');
  const active = await deps.admin.activeRun(organizationId);
  if (active) throw new CheckInProgressError(active.id);
  let run: AccessCheckRunRow;
  try {
    run = await deps.admin.createRun({ organizationId, accessKind: access.kind, userIds: userIds ? [...new Set(userIds)] : null, startedBy: principal.actor });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const other = await deps.admin.activeRun(organizationId);
      throw new CheckInProgressError(other?.id ?? '');
    }
    throw error;
  }
  await deps.jobs.send(ACCESS_CHECK_QUEUE, { runId: run.id });
  await audit(deps, principal, organizationId, 'access-check.started', { runId: run.id, accessKind: access.kind, users: userIds ? userIds.length : 'all' });
  return toRunDto(run);
}

export async function getAccessCheck(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, runId: string): Promise<AccessCheckRun> {
  await managedOrganization(deps, principal, organizationId);
  const run = await deps.admin.getRun(organizationId, runId);
  if (!run) throw new AdminNotFoundError('run');
  return toRunDto(run);
}

export async function cancelAccessCheck(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, runId: string): Promise<AccessCheckRun> {
  const current = await getAccessCheck(deps, principal, organizationId, runId);
  if (current.status !== 'queued' && current.status !== 'running') throw new AlreadyFinishedError(current.status);
  const run = await deps.admin.requestCancel(organizationId, runId);
  if (!run) throw new AdminNotFoundError('run');
  await audit(deps, principal, organizationId, 'access-check.cancelled', { runId });
  return toRunDto(run);
}

// ---------------------------------------------------------------------------------------------------------------
// One user

const GRAPH_RBAC = /RBAC for Applications scope|Application Access Policy|RAOP/i;
const EWS_DISABLED = /EWS is disabled: HTTP 403/;

/** Turns what the mailbox layer said into what an admin acts on, naming the cases the layer words alike. */
function refine(check: AccessCheck, kind: string): { ok: boolean; problem: AdminAccessProblem; message: string } {
  if (check.ok || check.problem !== 'impersonation-denied') return check;
  if (kind.startsWith('ews') && EWS_DISABLED.test(check.message)) {
    return { ok: false, problem: 'ews-disabled', message: 'EWS is switched off for this tenant or user (Exchange Online: EwsEnabled = False, or this app is not in EwsAllowedAppIDs). Allow EWS for the app, or move the organization to Office 365 application access (Microsoft Graph).' };
  }
  if (kind === 'graph-app' && GRAPH_RBAC.test(check.message)) return { ...check, problem: 'app-scope-denied' };
  return check;
}

function fromError(error: unknown, address: string): AccessCheck {
  if (error instanceof MailboxError) {
    const problem: AdminAccessProblem =
      error.code === 'not-found' ? 'mailbox-not-found' : error.code === 'access-denied' ? 'impersonation-denied' : error.code === 'invalid-credentials' ? 'invalid-credentials' : error.code === 'throttled' ? 'throttled' : error.code === 'network' ? 'server-unreachable' : 'unknown';
    return { ok: false, problem: problem as AccessCheck['problem'], message: `Reading ${address}'s inbox and categories failed: ${error.message}` };
  }
  return { ok: false, problem: 'unknown', message: `Checking ${address} failed: ${(error as Error).message}` };
}

export async function checkOneMailbox(deps: AdminDeps, organizationId: string, user: { id: string; email: string }, kind: string): Promise<{ ok: boolean; problem: AdminAccessProblem; message: string }> {
  const access = await deps.store.mailboxAccess.accessFor(organizationId, user.id);
  if (!access) {
    const perUser = kind === 'ews-direct' || kind === 'graph-delegated';
    return perUser
      ? { ok: false, problem: 'no-user-credential', message: `${user.email} has not ${kind === 'ews-direct' ? 'entered their mailbox password' : 'signed in to give consent'} in the sidebar yet.` }
      : { ok: false, problem: 'not-configured', message: 'The organization has no mailbox access configured.' };
  }
  let mailbox: Mailbox | undefined;
  try {
    mailbox = deps.mailboxes.open(user.email, access);
    let check = await mailbox.checkAccess();
    if (!check.ok && kind.startsWith('ews') && check.problem === 'impersonation-denied') {
      // checkAccess words every refusal as missing impersonation rights; a bare HTTP 403 (no SOAP fault) is EWS
      // itself being switched off (EwsEnabled / EwsAllowedAppIDs), which needs a different fix.
      try {
        await mailbox.getWellKnownFolder('inbox');
      } catch (error) {
        if (error instanceof MailboxError && /HTTP 403/.test(error.message)) check = { ...check, message: `${check.message} (EWS is disabled: HTTP 403)` };
      }
    }
    if (check.ok) {
      try {
        await mailbox.getWellKnownFolder('inbox');
        await mailbox.listMasterCategories();
      } catch (error) {
        check = fromError(error, user.email);
      }
    }
    const refined = refine(check, kind);
    return { ok: refined.ok, problem: refined.problem, message: refined.message };
  } catch (error) {
    const refined = refine(fromError(error, user.email), kind);
    return { ok: refined.ok, problem: refined.problem, message: refined.message };
  } finally {
    await mailbox?.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The job

export async function runAccessCheck(deps: AdminDeps, runId: string, options: AccessCheckOptions = {}): Promise<AccessCheckRunRow | undefined> {
  const run = await deps.admin.getRunById(runId);
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return run;
  const organizationId = run.organizationId;
  const users = (await deps.store.users.listByOrg(organizationId)).filter((u) => run.userIds === null || run.userIds.includes(u.id));
  const started = await deps.admin.markRunStarted(runId, users.length);
  if (!started) return deps.admin.getRunById(runId);
  if (started.cancelRequested) return deps.admin.finishRun(runId, 'cancelled');
  const done = await deps.admin.checkedUserIds(runId);
  const queue = users.filter((u) => !done.has(u.id));
  const concurrency = options.concurrency ?? (run.accessKind.startsWith('ews') ? 8 : 6);
  let cancelled = false;
  let next = 0;

  const worker = async (): Promise<void> => {
    while (!cancelled && next < queue.length) {
      const user = queue[next++];
      const current = await deps.admin.getRunById(runId);
      if (!current || current.cancelRequested || current.status !== 'running') {
        cancelled = true;
        return;
      }
      const t0 = performance.now();
      const result = await checkOneMailbox(deps, organizationId, user, run.accessKind);
      await deps.admin.recordResult(runId, organizationId, { userId: user.id, ...result, ms: performance.now() - t0 });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(queue.length, 1)) }, worker));
  } catch (error) {
    deps.logger.error({ err: error, runId }, 'access check failed');
    throw error;
  }
  const final = await deps.admin.getRunById(runId);
  if (final?.cancelRequested) return (await deps.admin.finishRun(runId, 'cancelled')) ?? final;
  return (await deps.admin.finishRun(runId, 'succeeded')) ?? final;
}

/** Creates the queue, starts the worker, and re-queues runs whose worker died (crash, kill -9). */
export async function registerAccessCheckJobs(deps: AdminDeps, options: AccessCheckOptions = {}): Promise<void> {
  await deps.jobs.createQueue(ACCESS_CHECK_QUEUE, { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 });
  await deps.jobs.work<{ runId: string }>(ACCESS_CHECK_QUEUE, async (job) => {
    const run = await runAccessCheck(deps, job.data.runId, options);
    return { status: run?.status };
  }, { concurrency: 2 });
  const staleMs = options.staleAfterMs ?? 120_000;
  const { rows } = await deps.db.query<{ id: string }>(
    `SELECT r.id FROM access_check_runs r
     WHERE r.status IN ('queued', 'running')
       AND greatest(r.created_at, coalesce(r.started_at, r.created_at),
                    coalesce((SELECT max(checked_at) FROM access_check_results x WHERE x.run_id = r.id), r.created_at)) < now() - ($1::int * interval '1 millisecond')`,
    [staleMs],
  );
  for (const { id } of rows) await deps.jobs.send(ACCESS_CHECK_QUEUE, { runId: id });
}

export async function listAccessCheckResults(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  runId: string,
  query: { outcome?: 'passed' | 'failed'; limit: number; cursor?: string },
): Promise<{ results: AccessCheckResult[]; nextCursor: string | null }> {
  await getAccessCheck(deps, principal, organizationId, runId);
  const afterSeq = query.cursor && /^\d{1,19}$/.test(query.cursor) ? query.cursor : undefined;
  const rows = await deps.admin.listResults(organizationId, runId, { outcome: query.outcome, limit: query.limit + 1, afterSeq });
  const page = rows.slice(0, query.limit);
  return { results: page.map(toResultDto), nextCursor: rows.length > query.limit ? page[page.length - 1].seq : null };
}
