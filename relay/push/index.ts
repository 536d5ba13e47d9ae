/**
 * Starts the push channels next to the sync engine and keeps their subscriptions in step with the mailboxes: one
 * reconcile at start, then every `reconcileMs`. Each channel decides which mailboxes it serves (by access kind).
 */
import type { PushChannel, PushChannelFactory, PushServices, PushTrigger } from './types';
import { createPushTrigger } from './trigger';
import { graphPushChannel } from './graph-channel';
import { ewsPushChannel } from './ews-channel';

/**
 * The channels the relay runs: Graph change notifications and EWS streaming / pull subscriptions, configured by
 * `config.push` (PUSH_ENABLED, PUSH_GRAPH_LIFETIME_MINUTES, PUSH_EWS_MODE, PUSH_EWS_MAX_CONNECTIONS).
 */
export const PUSH_CHANNELS: PushChannelFactory[] = [
  async (services) => (services.config.push.enabled ? graphPushChannel({ lifetimeMinutes: services.config.push.graphLifetimeMinutes })(services) : undefined),
  async (services) =>
    services.config.push.enabled ? ewsPushChannel({ mode: services.config.push.ewsMode, maxConnectionsPerAccount: services.config.push.ewsMaxConnectionsPerAccount })(services) : undefined,
];

export interface PushHandle {
  trigger: PushTrigger;
  channels: PushChannel[];
  /** Runs every channel's reconcile now (after an activation, in tests). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPush(
  services: Omit<PushServices, 'trigger'>,
  options: { factories?: PushChannelFactory[]; reconcileMs?: number; debounceMs?: number; trigger?: PushTrigger } = {},
): Promise<PushHandle> {
  const log = services.logger.child({ component: 'push' });
  const trigger = options.trigger ?? createPushTrigger({ sync: services.sync, logger: log, ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}) });
  const full: PushServices = { ...services, logger: log, trigger };
  const channels: PushChannel[] = [];
  for (const factory of options.factories ?? PUSH_CHANNELS) {
    const channel = await factory(full);
    if (channel) channels.push(channel);
  }
  let running: Promise<void> = Promise.resolve();
  const reconcile = (): Promise<void> => {
    running = running.then(async () => {
      for (const channel of channels) {
        try {
          await channel.reconcile();
        } catch (error) {
          log.warn({ err: error, channel: channel.name }, 'push reconcile failed; the schedule still runs every session');
        }
      }
    });
    return running;
  };
  const reconcileMs = options.reconcileMs ?? 60_000;
  const timer = reconcileMs > 0 ? setInterval(() => void reconcile(), reconcileMs) : undefined;
  timer?.unref();
  if (channels.length > 0) void reconcile();
  return {
    trigger,
    channels,
    reconcile,
    async stop() {
      if (timer) clearInterval(timer);
      trigger.stop();
      await running;
      await Promise.allSettled(channels.map((c) => c.stop()));
    },
  };
}
