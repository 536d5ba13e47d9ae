/**
 * The one debounced trigger every push channel calls. A burst of notifications for one mailbox (a user categorizing
 * 50 emails, Graph's at-least-once duplicates, an EWS stream repeating events after a reconnect) gives one session:
 * the first notification opens a short window, each later one extends it (up to maxWaitMs after the first), and when
 * the burst has been quiet for the window one syncNow runs.
 * syncNow itself never doubles a waiting or running session (the exclusive queue), so a notification arriving while
 * a session runs queues exactly one follow-up session, which picks up what the running one may have missed.
 */
import type { Logger } from '../log';
import type { SyncControl } from '../sync/types';
import { MailboxNotActivatedError, MailboxPausedError } from '../sync/types';
import type { PushEvent, PushTrigger } from './types';

export interface PushTriggerOptions {
  sync: Pick<SyncControl, 'syncNow'>;
  logger: Logger;
  /** Quiet time after a burst's last notification before its one session is queued. Default 1.5 s. */
  debounceMs?: number;
  /** Longest a burst's session is held back after its first notification. Default 4 × debounceMs. */
  maxWaitMs?: number;
  /** Called once per queued session with the delay between the server's change and the notification's arrival. */
  onLag?: (source: PushEvent['source'], lagMs: number) => void;
  onQueued?: (source: PushEvent['source'], result: 'queued' | 'already-queued' | 'running' | 'refused') => void;
  now?: () => Date;
}

export function createPushTrigger(options: PushTriggerOptions): PushTrigger {
  const debounceMs = options.debounceMs ?? 1500;
  const now = options.now ?? (() => new Date());
  const maxWaitMs = options.maxWaitMs ?? 4 * debounceMs;
  const pending = new Map<string, { timer: NodeJS.Timeout; source: PushEvent['source']; since: number }>();
  let triggered = 0;
  let stopped = false;

  const fire = (organizationId: string, userId: string, source: PushEvent['source']): void => {
    pending.delete(`${organizationId}/${userId}`);
    if (stopped) return;
    options.sync.syncNow(organizationId, userId, { kind: 'system', id: `push:${source}` }, 'push').then(
      ({ result }) => {
        triggered += 1;
        options.onQueued?.(source, result);
      },
      (error: unknown) => {
        options.onQueued?.(source, 'refused');
        // A paused or deactivated mailbox whose subscription has not been dropped yet: nothing to do.
        if (error instanceof MailboxPausedError || error instanceof MailboxNotActivatedError) return;
        options.logger.warn({ err: error, organizationId, userId, source }, 'push-triggered session could not be queued');
      },
    );
  };

  return {
    notify(organizationId, userId, event) {
      if (stopped) return;
      if (event.changedAt) options.onLag?.(event.source, Math.max(0, now().getTime() - event.changedAt.getTime()));
      const key = `${organizationId}/${userId}`;
      const waiting = pending.get(key);
      const at = Date.now();
      // Trailing debounce: every notification of a burst pushes the session back by the window, but never beyond
      // maxWaitMs after the burst's first one (a mailbox changing all the time still gets its session).
      if (waiting && at - waiting.since >= maxWaitMs) return;
      if (waiting) clearTimeout(waiting.timer);
      const timer = setTimeout(() => fire(organizationId, userId, event.source), waiting ? Math.min(debounceMs, waiting.since + maxWaitMs - at) : debounceMs);
      timer.unref();
      pending.set(key, { timer, source: event.source, since: waiting?.since ?? at });
    },
    get triggered() {
      return triggered;
    },
    stop() {
      stopped = true;
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
