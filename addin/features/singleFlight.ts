/**
 * At most one run of an action at a time: a second call while the first is running gets the first one's promise.
 * A disabled button is not enough: two clicks can land before React re-renders the button as disabled.
 */
export function singleFlight<T>(action: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    if (running !== undefined) return running;
    const current = action().finally(() => {
      running = undefined;
    });
    running = current;
    return current;
  };
}

/** Calls `fn` once `waitMs` passed without another call; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: A): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, waitMs);
  };
  debounced.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return debounced;
}
