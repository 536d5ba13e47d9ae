/**
 * Small shared pieces of the task pane: styles from Fluent tokens (no raw colours), the polite live region that
 * announces status changes to screen readers, the loading skeleton and the error bar with "Try again".
 */
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Skeleton,
  SkeletonItem,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular } from '@fluentui/react-icons';
import { ApiError } from '../api/client';
import { strings } from './strings';
import { toIanaZone } from '../../shared/timezones';

export const useCommonStyles = makeStyles({
  section: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    paddingBlock: tokens.spacingVerticalM,
  },
  heading: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    lineHeight: tokens.lineHeightBase400,
    fontWeight: tokens.fontWeightSemibold,
    color: tokens.colorNeutralForeground1,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  // Fluent's Dropdown / Combobox default to a 250px minimum, wider than a narrow task pane allows.
  fill: { minWidth: 0, width: '100%' },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});

/** One polite live region per pane; components announce through it instead of each owning a region. */
const AnnounceContext = createContext<(message: string) => void>(() => undefined);

export function AnnouncerProvider({ children }: { children: ReactNode }): ReactNode {
  const styles = useCommonStyles();
  const [message, setMessage] = useState('');
  const announce = useCallback((next: string) => {
    // Clear first so the same sentence twice is announced twice.
    setMessage('');
    setTimeout(() => setMessage(next), 50);
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div role="status" aria-live="polite" aria-atomic="true" className={styles.visuallyHidden} data-testid="live-region">
        {message}
      </div>
    </AnnounceContext.Provider>
  );
}

export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}

export function LoadingSkeleton({ rows = 3, label }: { rows?: number; label: string }): ReactNode {
  const styles = useCommonStyles();
  return (
    <Skeleton aria-label={label} data-testid="loading">
      <div className={styles.section}>
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className={styles.row}>
            <SkeletonItem shape="circle" size={32} />
            <div style={{ flex: 1, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS }}>
              <SkeletonItem size={16} />
              <SkeletonItem size={12} style={{ width: '60%' }} />
            </div>
          </div>
        ))}
      </div>
    </Skeleton>
  );
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.code === 'network' ? strings.networkError : error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Loading the records failed: a user nobody set up (403) gets a warning that names the fix and no "Try again", which
 * could not help; anything else is an error with a retry.
 */
export function LoadErrorBar({ error, onRetry }: { error: unknown; onRetry: () => void }): ReactNode {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <MessageBar intent="warning" data-testid="load-error" data-reason="not-set-up" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{strings.notSetUp}</MessageBarTitle>
          {error.message}
        </MessageBarBody>
      </MessageBar>
    );
  }
  return <ErrorBar title={strings.loadFailed} error={error} onRetry={onRetry} testId="load-error" />;
}

export function ErrorBar({ title, error, onRetry, testId = 'error' }: { title: string; error: unknown; onRetry?: () => void; testId?: string }): ReactNode {
  return (
    <MessageBar intent="error" data-testid={testId} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {errorText(error)}
      </MessageBarBody>
      {onRetry !== undefined && (
        <MessageBarActions>
          <Button appearance="transparent" icon={<ArrowClockwiseRegular />} onClick={onRetry} data-testid={`${testId}-retry`}>
            {strings.retry}
          </Button>
        </MessageBarActions>
      )}
    </MessageBar>
  );
}

/** Local date and time of an ISO instant in the user's zone (Windows or IANA name; an unknown one means the browser's). */
export function formatDateTime(iso: string | undefined, timeZone?: string, dateOnly = false): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const zone = toIanaZone(timeZone);
  return new Intl.DateTimeFormat(undefined, dateOnly ? { dateStyle: 'medium', timeZone: zone } : { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(date);
}
