/**
 * The sync engine's control surface: what the sidebar's status routes, the admin console (bulk activation, A5) and the
 * sandbox's start-up call. One implementation (relay/sync/control-service.ts) over the store and the job queue.
 *
 * `enable` is THE activation call: idempotent (enabling an enabled mailbox changes nothing and queues nothing new),
 * works for one user or thousands (bulk activation passes every user whose access check passed), and schedules each
 * mailbox's first session at once and later ones spread over the organization's interval.
 */
import type { Mailbox } from '../mailbox/types';
import type { FailureClass, OrganizationSyncSettings, RunCounts, RunError, RunTrigger, SessionProgress, SyncStatus, UserSyncSettings } from '../../shared/api/sync';

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

// ---------------------------------------------------------------------------------------------------------------
// What a session gives the object-type steps it runs (first-session setup, email saving; mirroring later).


export interface SessionMailboxState {
  userId: string;
  organizationId: string;
  /** The user's primary SMTP address. */
  address: string;
  displayName: string;
  /** Steps of the first session already done (persisted in mailboxes.setup). */
  setup: Record<string, unknown>;
  setupDoneAt?: Date;
  baselineAt?: Date;
}

/** Per-folder cursors, committed to the database on every call (a killed session resumes from the last page). */
export interface CursorStore {
  get(folderKey: string): Promise<{ folderId: string; cursor?: string; baselineDone: boolean } | undefined>;
  set(folderKey: string, value: { folderId: string; cursor?: string; baselineDone: boolean }): Promise<void>;
  /** Forget a folder's cursor (rejected cursor: the next read starts over and reconciles). */
  clear(folderKey: string): Promise<void>;
}

export interface Blocklists {
  /** Entries of the organization and of the user: addresses and domains (a domain covers its subdomains). */
  organization: string[];
  user: string[];
}

export interface SessionContext {
  mailbox: Mailbox;
  state: SessionMailboxState;
  organizationSettings: OrganizationSyncSettings;
  userSettings: UserSyncSettings;
  blocklists: Blocklists;
  cursors: CursorStore;
  /** Persists first-session progress (merged into mailboxes.setup) at once. */
  recordSetup(patch: Record<string, unknown>): Promise<void>;
  /** Shown on the status screen while the session runs; cheap to call often (throttled writes). */
  progress(progress: SessionProgress): void;
  /** Adds to the run's counts. */
  count(key: keyof RunCounts, by?: number): void;
  /** An item-level error, kept in the run history (the session goes on). */
  itemError(error: RunError): void;
  /** True once the mailbox was paused / the relay is stopping: finish the current item and return. */
  shouldStop(): boolean;
  /** The session's clock (tests pin it). */
  now(): Date;
}

/** One part of a session (e.g. 'setup', 'email'). Throws to fail the session (the runner classifies the error). */
export interface SessionStep {
  readonly name: string;
  run(ctx: SessionContext): Promise<void>;
}

/** The user's effective settings (defaults, their preset, their own changes) and where they come from. */
export interface UserSettingsRead {
  settings: UserSyncSettings;
  updatedAt?: Date;
  /** The settings preset the user follows (A8), with the settings taken from it (those the user did not change). */
  preset?: { id: string; name: string; fields: string[] };
}

/** The user's settings and blocklists, read by sessions and edited by the S6 screen and the admin console. */
export interface SyncSettingsRepository {
  getUserSettings(organizationId: string, userId: string): Promise<UserSettingsRead>;
  updateUserSettings(organizationId: string, userId: string, patch: Partial<UserSyncSettings>): Promise<UserSettingsRead & { updatedAt: Date }>;
  getBlocklists(organizationId: string, userId: string): Promise<Blocklists>;
  /** Replaces the user's own list (userId) or the organization's (userId null) in one transaction. */
  replaceBlocklist(organizationId: string, userId: string | null, entries: string[]): Promise<string[]>;
}
