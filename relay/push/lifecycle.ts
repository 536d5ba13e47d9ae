/**
 * How the notification endpoints (relay/http/push-routes.ts) hand Graph lifecycle events to the Graph channel of the
 * same process: a small bus per database handle. The endpoint has already recorded what it must in the database
 * (a removed subscription's row is gone, a reauthorization is marked), so a relay process without a listener (or a
 * lost event) only waits for the next periodic reconcile, which reads the same rows.
 */
import { EventEmitter } from 'node:events';
import type { Queryable } from '../store/db';
import type { PushSubscription } from '../store/push-subscriptions';

export type GraphLifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface LifecycleNotice {
  event: GraphLifecycleEvent;
  subscription: PushSubscription;
}

const buses = new WeakMap<Queryable, EventEmitter>();

function busOf(db: Queryable): EventEmitter {
  let bus = buses.get(db);
  if (!bus) {
    bus = new EventEmitter();
    bus.setMaxListeners(50);
    buses.set(db, bus);
  }
  return bus;
}

export function emitLifecycle(db: Queryable, notice: LifecycleNotice): void {
  busOf(db).emit('lifecycle', notice);
}

/** Returns the function that stops listening. */
export function onLifecycle(db: Queryable, listener: (notice: LifecycleNotice) => void): () => void {
  const bus = busOf(db);
  bus.on('lifecycle', listener);
  return () => bus.off('lifecycle', listener);
}
