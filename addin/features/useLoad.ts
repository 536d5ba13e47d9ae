/**
 * Loads data for the open item with loading / error / retry states; aborts the request when the item changes or the
 * pane unmounts, so an answer for a previous item never lands on the current one.
 */
import { useCallback, useEffect, useState } from 'react';
import { isAbortError } from '../api/client';

export type LoadState<T> = { phase: 'loading' } | { phase: 'error'; error: unknown } | { phase: 'ready'; data: T };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): [LoadState<T>, () => void, (update: (data: T) => T) => void] {
  const [state, setState] = useState<LoadState<T>>({ phase: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setState({ phase: 'loading' });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ phase: 'ready', data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbortError(error)) setState({ phase: 'error', error });
      },
    );
    return () => controller.abort();
    // `load` is recreated per render; the item key and the retry counter are what should trigger a reload.
  }, [key, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const update = useCallback((fn: (data: T) => T) => setState((s) => (s.phase === 'ready' ? { phase: 'ready', data: fn(s.data) } : s)), []);
  return [state, retry, update];
}
