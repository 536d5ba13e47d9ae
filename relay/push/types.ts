/**
 * Push-triggered sessions (E12): notifications from the mail server only bring the mailbox's next session forward.
 * The change feeds (EWS SyncFolderItems, Graph delta) stay the source of truth, and the regular schedule stays the
 * safety net: a lost notification costs at most one interval.
 *
 *   Graph change notifications ─┐
 *   EWS streaming / pull events ─┴─> PushTrigger.notify ─(debounced per mailbox)─> SyncControl.syncNow(trigger 'push')
 */
import type { Logger } from '../log';
import type { RelayConfig } from '../config';
import type { Db } from '../store/db';
import type { SecretBox } from '../secrets/secret-box';
import type { JobQueue } from '../scheduler/jobs';
import type { SyncControl } from '../sync/types';

export interface PushEvent {
  source: 'graph' | 'ews';
  /** When the server says the change happened (for the notification-lag metric), if it says. */
  changedAt?: Date;
}

export interface PushTrigger {
  /** A change was announced for this mailbox: a session follows within the debounce window, once per burst. */
  notify(organizationId: string, userId: string, event: PushEvent): void;
  /** Sessions queued so far (tests, metrics). */
  readonly triggered: number;
  /** Flushes nothing further; pending debounce timers are dropped (the schedule covers them). */
  stop(): void;
}

/** One kind of subscription (Graph webhooks, EWS streaming / pull), kept in step with the mailboxes' sync state. */
export interface PushChannel {
  readonly name: string;
  /**
   * Brings subscriptions in line with the enabled mailboxes this channel serves: subscribes new ones, renews the ones
   * close to expiry, drops the ones of paused / disabled mailboxes. Called at start, periodically and after changes.
   */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export interface PushServices {
  config: RelayConfig;
  logger: Logger;
  db: Db;
  secrets: SecretBox;
  jobs: JobQueue;
  sync: SyncControl;
  trigger: PushTrigger;
  /** The relay's public origin now (it may follow the bound port), for notification URLs. */
  publicOrigin(): string;
}

export type PushChannelFactory = (services: PushServices) => Promise<PushChannel | undefined>;
