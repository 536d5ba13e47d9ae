/**
 * The job queue with the worker loop the sync bench proposes (measured beside the product's; the product is not
 * changed here).
 *
 * pg-boss 10's worker loop (node_modules/pg-boss/src/worker.js) waits `pollingInterval - duration` after EVERY fetch,
 * also after one that returned a job. With the wrapper's `batchSize: 1`, each of the engine's `concurrency` loops
 * therefore runs at most one session per polling interval (default 2 s): 2 loops = at most 1 session/s, whatever the
 * session costs. The loop below fetches again at once after a job and sleeps only when the queue had nothing; jobs
 * are completed one by one as pg-boss does for batchSize 1.
 */
import type PgBoss from 'pg-boss';
import type { JobQueue } from '../relay/scheduler/jobs';
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
