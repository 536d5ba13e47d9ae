/**
 * The sync engine's control surface: what the sidebar's status routes, the admin console (bulk activation, A5) and the
 * sandbox's start-up call. One implementation (relay/sync/control-service.ts) over the store and the job queue.
 *
 * `enable` is THE activation call: idempotent (enabling an enabled mailbox changes nothing and queues nothing new),
 * works for one user or thousands (bulk activation passes every user whose access check passed), and schedules each
 * mailbox's first session at once and later ones spread over the organization's interval.
 */
import type { FailureClass, RunTrigger, SyncStatus } from '../../shared/api/sync';

export interface EnableResult {
  userId: string;
  /** enabled: newly activated; already-enabled: nothing changed; resumed: was paused or suspended and runs again. */
  outcome: 'enabled' | 'already-enabled' | 'resumed';
}

export interface SyncNowResult {
  result: 'queued' | 'already-queued' | 'running';
}

/** Who asked (recorded on the mailbox and in the audit log; never a secret). */
export interface Actor {
  kind: 'user' | 'admin' | 'system';
  /** A user id, an admin's name / object id, or 'sandbox' / 'bootstrap'. */
  id: string;
}

export interface SyncControl {
  /** Activates sync for these users of the organization (ids of other organizations are ignored). */
  enable(organizationId: string, userIds: string[], actor: Actor): Promise<EnableResult[]>;
  /** Stops sessions until resume; a running session finishes its current item and stops. */
  pause(organizationId: string, userId: string, actor: Actor): Promise<SyncStatus>;
  /** Back to enabled (also lifts a suspension, clearing the failure count) and queues a session now. */
  resume(organizationId: string, userId: string, actor: Actor): Promise<SyncStatus>;
  /** Queues a session within seconds; never a second one while one waits or runs. */
  syncNow(organizationId: string, userId: string, actor: Actor, trigger?: Extract<RunTrigger, 'manual' | 'admin' | 'push'>): Promise<SyncNowResult>;
  /** Deactivates: removes the mailbox's sync state (cursors, runs stay only as long as the user exists). */
  disable(organizationId: string, userId: string, actor: Actor): Promise<void>;
  status(organizationId: string, userId: string): Promise<SyncStatus>;
}

/** Domain errors of the control surface; relay/http maps them (409 / 404). */
export class MailboxNotActivatedError extends Error {
  constructor() {
    super('Synchronization is not activated for this mailbox. Ask your administrator to activate it.');
    this.name = 'MailboxNotActivatedError';
  }
}

export class MailboxPausedError extends Error {
  constructor(readonly status: 'paused' | 'suspended') {
    super(status === 'paused' ? 'Synchronization is paused. Resume it first.' : 'Synchronization is suspended. Resume it once the problem is fixed.');
    this.name = 'MailboxPausedError';
  }
}

/** How a session failure is classified; drives back-off vs suspension. */
export interface ClassifiedFailure {
  class: FailureClass;
  /** The server's own message (never a secret). */
  message: string;
  /** Transient failures back off and never count towards suspension. */
  transient: boolean;
}
