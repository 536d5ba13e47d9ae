/**
 * What the sync bench proposes, measured beside the product's behaviour (the product is not changed here): a job
 * queue worker loop, cached organization addresses, cached well-known folder ids.
 *
 * pg-boss 10's worker loop (node_modules/pg-boss/src/worker.js) waits `pollingInterval - duration` after EVERY fetch,
 * also after one that returned a job. With the wrapper's `batchSize: 1`, each of the engine's `concurrency` loops
 * therefore runs at most one session per polling interval (default 2 s): 2 loops = at most 1 session/s, whatever the
 * session costs. The loop below fetches again at once after a job and sleeps only when the queue had nothing; jobs
 * are completed one by one as pg-boss does for batchSize 1.
 */
import type PgBoss from 'pg-boss';
import type { JobQueue } from '../relay/scheduler/jobs';
import type { MailFolder, MailboxFactory, WellKnownFolder } from '../relay/mailbox/types';
import { c4cPortCache } from '../relay/c4c/port-cache';
import { createEmailSaving } from '../relay/saving/email';
import type { SecretBox } from '../relay/secrets';
import { createStore, type Db } from '../relay/store';
import { createEmailSyncItemsRepository } from '../relay/store/email-sync-items';
import { createEmailStep } from '../relay/sync/email/step';
import { createSetupStep } from '../relay/sync/setup';
import type { SessionStep } from '../relay/sync/types';
import { sleep } from './sync-world';

export function eagerWorkQueue(inner: JobQueue): JobQueue {
  const stopped = new Set<string>();
  const loops = new Map<string, Promise<void>[]>();
  const boss = new Proxy(inner.boss, {
    get(target, property) {
      if (property === 'offWork') {
        return async (name: string) => {
          stopped.add(name);
          await Promise.all(loops.get(name) ?? []);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as PgBoss;

  return {
    ...inner,
    boss,
    schema: inner.schema,
    async work(name, handler, options = {}) {
      stopped.delete(name);
      const concurrency = Math.max(1, Math.trunc(options.concurrency ?? 1));
      const idleMs = Math.max(100, (options.pollingIntervalSeconds ?? 2) * 1000);
      const loop = async (): Promise<void> => {
        while (!stopped.has(name)) {
          const [job] = await inner.boss.fetch<object>(name, { batchSize: 1 });
          if (!job) {
            await sleep(idleMs);
            continue;
          }
          try {
            const output = await handler({ id: job.id, name: job.name, data: job.data as never });
            await inner.boss.complete(name, job.id, output && typeof output === 'object' ? output : {});
          } catch (error) {
            await inner.boss.fail(name, job.id, { message: error instanceof Error ? error.message : String(error) });
          }
        }
      };
      loops.set(name, [...(loops.get(name) ?? []), ...Array.from({ length: concurrency }, loop)]);
    },
  };
}

/**
 * The session steps with the two other changes the bench proposes, injected through the engine's own seams rather
 * than by editing it: the organization's own addresses read once per organization and minute (the product's email
 * step lists every user of the organization in every session: 1,000 rows per session with 1,000 users), and a
 * mailbox factory that remembers well-known folder ids per address across sessions (the product resolves inbox and
 * sent items with a GetFolder each in every session, 2 of its 5 idle requests).
 */
export function proposedSteps(db: Db, secrets: SecretBox): SessionStep[] {
  const store = createStore(db, secrets);
  const addresses = new Map<string, { at: number; list: Promise<string[]> }>();
  return [
    createSetupStep(),
    createEmailStep({
      saving: createEmailSaving({ store, c4cFor: c4cPortCache(store.c4cConnections) }),
      items: createEmailSyncItemsRepository(db),
      organizationAddresses: (organizationId) => {
        const cached = addresses.get(organizationId);
        if (cached && Date.now() - cached.at < 60_000) return cached.list;
        const list = store.users.listByOrg(organizationId).then((users) => users.map((u) => u.email));
        addresses.set(organizationId, { at: Date.now(), list });
        return list;
      },
    }),
  ];
}

export function wellKnownCachingFactory(inner: MailboxFactory): MailboxFactory {
  const known = new Map<string, MailFolder>();
  return {
    open(address, access) {
      const mailbox = inner.open(address, access);
      return new Proxy(mailbox, {
        get(target, property) {
          if (property === 'getWellKnownFolder') {
            return async (name: WellKnownFolder) => {
              const key = `${address.toLowerCase()}|${name}`;
              const hit = known.get(key);
              if (hit) return { ...hit };
              const folder = await target.getWellKnownFolder(name);
              known.set(key, folder);
              return { ...folder };
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}
