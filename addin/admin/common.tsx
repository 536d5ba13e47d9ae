/**
 * Pieces every screen uses: loading with cancellation, the error banner, empty states, status badges coloured from
 * Fluent tokens, field-level errors from the relay's `fields`, and a polite live region for screen readers.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import {
  Badge,
  Button,
  DialogActions,
  DialogTrigger,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { CheckmarkCircle16Filled, Circle16Regular, DismissCircle16Filled, Warning16Filled } from '@fluentui/react-icons';
import { AdminApiError, isAbortError } from './http';
import { strings } from './strings';

export const useCommonStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '1100px' },
  heading: { margin: 0, fontSize: tokens.fontSizeBase600, lineHeight: tokens.lineHeightBase600, fontWeight: tokens.fontWeightSemibold },
  subheading: { margin: 0, fontSize: tokens.fontSizeBase400, lineHeight: tokens.lineHeightBase400, fontWeight: tokens.fontWeightSemibold },
  intro: { color: tokens.colorNeutralForeground2, maxWidth: '75ch' },
  toolbar: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  card: {
    padding: tokens.spacingHorizontalL,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  empty: {
    padding: tokens.spacingVerticalXXL,
    textAlign: 'center',
    color: tokens.colorNeutralForeground2,
    border: `${tokens.strokeWidthThin} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  tableWrap: { overflowX: 'auto' },
  visuallyHidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
  /** Long addresses and messages wrap inside their column instead of running into the next one. */
  table: { '& td': { overflowWrap: 'anywhere' } },
});

const useBadgeStyles = makeStyles({
  // Fluent badges have a fixed height; a long label ("Exchange impersonation (EWS)") wraps inside the badge instead.
  badge: { height: 'auto', minHeight: '20px', paddingTop: '1px', paddingBottom: '1px', whiteSpace: 'normal', textAlign: 'start' },
});

/** The actor of an audit entry or run without its tenant / object ids (kept for the tooltip). */
export function actorName(actor: string): string {
  return actor.replace(/\s*\([0-9a-f-]+\/[0-9a-f-]+\)\s*$/i, '');
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  setData(update: T | ((current: T | undefined) => T)): void;
}

/** Runs `load` on mount and whenever `deps` change; the previous request is aborted. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setDataState(value);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted || isAbortError(failure)) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
    // Callers pass the inputs of `load` as deps; `load` itself is read through the ref.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: T | ((current: T | undefined) => T)) => {
    setDataState((current) => (typeof update === 'function' ? (update as (c: T | undefined) => T)(current) : update));
  }, []);
  return { data, error, loading, reload, setData };
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The relay's `fields` of a failed request (empty for other errors). */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof AdminApiError && error.fields !== undefined ? error.fields : {};
}

/** Props for a Fluent `Field` showing the relay's message for `name` next to the input. */
export function fieldState(errors: Record<string, string>, name: string): { validationMessage?: string; validationState?: 'error' } {
  const message = errors[name];
  return message === undefined ? {} : { validationMessage: message, validationState: 'error' };
}

export function ErrorBanner({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }): ReactNode {
  const fields = fieldErrors(error);
  const message = Object.keys(fields).length > 0 && error instanceof AdminApiError && error.status === 0 ? strings.fieldsNeedAttention : messageOf(error);
  return (
    <MessageBar intent="error" data-testid="error-banner">
      <MessageBarBody>
        {title !== undefined && <MessageBarTitle>{title}</MessageBarTitle>}
        {message}
      </MessageBarBody>
      {onRetry !== undefined && (
        <MessageBarActions>
          <Button onClick={onRetry}>{strings.retry}</Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

export function Loading({ label = strings.loading }: { label?: string }): ReactNode {
  return <Spinner size="small" label={label} labelPosition="after" />;
}

export function EmptyState({ children, testId }: { children: ReactNode; testId?: string }): ReactNode {
  const styles = useCommonStyles();
  return (
    <div className={styles.empty} data-testid={testId ?? 'empty-state'}>
      <Text>{children}</Text>
    </div>
  );
}

export type Outcome = 'ok' | 'failed' | 'warning' | 'none';

/** Colour and icon together, so the state never depends on colour alone. */
export function StatusBadge({ outcome, children, testId }: { outcome: Outcome; children: ReactNode; testId?: string }): ReactNode {
  const props =
    outcome === 'ok'
      ? { color: 'success' as const, icon: <CheckmarkCircle16Filled /> }
      : outcome === 'failed'
        ? { color: 'danger' as const, icon: <DismissCircle16Filled /> }
        : outcome === 'warning'
          ? { color: 'warning' as const, icon: <Warning16Filled /> }
          : { color: 'informative' as const, icon: <Circle16Regular /> };
  const styles = useBadgeStyles();
  return (
    <Badge appearance="tint" shape="rounded" color={props.color} icon={props.icon} className={styles.badge} data-testid={testId} data-outcome={outcome}>
      {children}
    </Badge>
  );
}

const AnnouncerContext = createContext<(message: string) => void>(() => undefined);

/** A polite live region: progress and results are read out without moving the focus. */
export function AnnouncerProvider({ children }: { children: ReactNode }): ReactNode {
  const styles = useCommonStyles();
  const [message, setMessage] = useState('');
  const announce = useCallback((text: string) => {
    setMessage('');
    // A new text node is announced even when the sentence repeats.
    window.setTimeout(() => setMessage(text), 50);
  }, []);
  return (
    <AnnouncerContext.Provider value={announce}>
      {children}
      <div aria-live="polite" role="status" className={styles.visuallyHidden}>
        {message}
      </div>
    </AnnouncerContext.Provider>
  );
}

export const useAnnounce = (): ((message: string) => void) => useContext(AnnouncerContext);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Cancel (closes the dialog) and Save (submits its form) of every edit dialog. */
export function DialogSaveActions({ busy, saveTestId }: { busy: boolean; saveTestId: string }): ReactNode {
  return (
    <DialogActions>
      <DialogTrigger disableButtonEnhancement>
        <Button appearance="secondary">{strings.cancel}</Button>
      </DialogTrigger>
      <Button appearance="primary" type="submit" disabled={busy} data-testid={saveTestId}>
        {busy ? strings.saving : strings.save}
      </Button>
    </DialogActions>
  );
}

/** A settings screen: heading, intro, then the form once its current value has loaded (or why it did not). */
export function LoadedSettingsScreen<T>({ id, heading, intro, loaded, children }: { id: string; heading: string; intro: string; loaded: Loaded<T>; children: (current: T) => ReactNode }): ReactNode {
  const styles = useCommonStyles();
  return (
    <section className={styles.page} aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className={styles.heading}>
        {heading}
      </h2>
      <Text className={styles.intro}>{intro}</Text>
      {loaded.error !== undefined && <ErrorBanner error={loaded.error} onRetry={loaded.reload} />}
      {loaded.data === undefined ? loaded.error === undefined && <Loading /> : children(loaded.data)}
    </section>
  );
}
