/**
 * A process-local signal that the directory changed: an organization, a user or a C4C connection was updated or
 * deleted through this process's store. Caches of those rows (relay/store/cached-directory.ts) drop what they hold,
 * so a change made here takes effect here at once; another relay process sees it when its cache entries expire.
 *
 * Fired after the write is sent, whether or not it succeeded or its transaction later rolls back: dropping a cache
 * too often only costs a look-up.
 */
type Listener = () => void;

const listeners = new Set<Listener>();

/** Calls `listener` after every directory write of this process; returns the unsubscribe function. */
export function onDirectoryChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Runs a directory write, then tells the listeners (also when it fails: it may have been applied). */
export async function directoryWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } finally {
    for (const listener of listeners) listener();
  }
}
