/**
 * What every monitoring screen shares: the words, one colour and icon per mailbox state (colour never alone: the
 * badge also says the state in words), the organization-wide state bar with its text alternative, and formatting.
 */
import type { JSX, ReactNode } from 'react';
import { Badge, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowSync16Regular, CheckmarkCircle16Filled, Circle16Regular, ErrorCircle16Filled, PauseCircle16Regular, Prohibited16Filled } from '@fluentui/react-icons';
import { MONITOR_STATES, type MonitorState, type StateCounts } from '../../../shared/api/admin';
import type { RunOutcome, RunTrigger } from '../../../shared/api/sync';

export const monitoringStrings = {
  nav: 'Monitoring',
  overviewHeading: 'Monitoring',
  overviewIntro: 'The sync state of every organization you manage, at a glance. Open one to see its users, its sessions over time and its sync issues.',
  orgHeading: (name: string) => `Monitoring: ${name}`,
  orgIntro: 'Each mailbox\'s sync state, sessions over time from the run history, and the sync issues with their items.',
  tabs: { users: 'Users', sessions: 'Sessions over time', issues: 'Sync issues' },
  states: {
    syncing: 'Syncing',
    idle: 'Idle',
    failing: 'Failing',
    paused: 'Paused',
    suspended: 'Suspended',
    'not-activated': 'Not activated',
  } satisfies Record<MonitorState, string>,
  stateHelp: {
    syncing: 'A session is running now',
    idle: 'Enabled, between sessions',
    failing: 'Enabled; its last sessions failed',
    paused: 'Paused by the user or an admin',
    suspended: 'Stopped by the engine after repeated failures',
    'not-activated': 'Sync was never activated',
  } satisfies Record<MonitorState, string>,
  columns: {
    organization: 'Organization',
    users: 'Users',
    states: 'States',
    sessions24h: 'Sessions (24 h)',
    failed24h: 'Failed (24 h)',
    failedItems: 'Failed items',
    lastSession: 'Last session',
    name: 'Name',
    email: 'Mailbox',
    state: 'State',
    failures: 'Failures',
    lastSuccess: 'Last success',
    nextSession: 'Next session',
    started: 'Started',
    duration: 'Duration',
    trigger: 'Trigger',
    outcome: 'Outcome',
    counts: 'Counts',
    errors: 'Errors',
    item: 'Item',
    error: 'Error',
    since: 'Since',
    attempts: 'Attempts',
  },
  filterLabel: 'Filter by state',
  allStates: 'All states',
  search: 'Search by name or address',
  searchPlaceholder: 'Name or mailbox address',
  usersTotal: (shown: number, total: number) => `${shown} of ${total} users`,
  noUsers: 'No user matches these filters.',
  noOrganizations: 'You do not manage any organization yet.',
  previous: 'Previous page',
  next: 'Next page',
  refresh: 'Refresh',
  runHistory: 'Run history',
  runsHeading: (name: string) => `Run history: ${name}`,
  backToMonitoring: 'Back to monitoring',
  noRuns: 'No session has run for this mailbox yet.',
  moreRuns: 'Older runs',
  running: 'running',
  triggers: { schedule: 'Schedule', manual: 'Sync now (user)', admin: 'Admin', resume: 'Resume', push: 'Notification' } satisfies Record<RunTrigger, string>,
  outcomes: { running: 'Running', succeeded: 'Succeeded', failed: 'Failed', abandoned: 'Abandoned' } satisfies Record<RunOutcome, string>,
  range: 'Time range',
  ranges: { quarter: 'Last 15 minutes (1-minute buckets)', hour: 'Last hour (5-minute buckets)', day: 'Last 24 hours (hourly)', week: 'Last 7 days (6-hourly)', month: 'Last 30 days (daily)' },
  chartSessions: 'Sessions by outcome',
  chartItems: 'Items saved and mirrored',
  chartDuration: 'Session duration (seconds)',
  showTable: 'Show as table',
  showChart: 'Show as chart',
  chartSummary: (t: { sessions: number; failed: number; itemsSaved: number; mirrored: number; avg: string; p95: string }) =>
    `${t.sessions} sessions, ${t.failed} failed; ${t.itemsSaved} emails saved, ${t.mirrored} items mirrored; duration mean ${t.avg}, p95 up to ${t.p95}.`,
  legend: {
    succeeded: 'Succeeded',
    failed: 'Failed',
    abandoned: 'Abandoned',
    saved: 'Emails saved',
    itemsFailed: 'Emails failed',
    mirrored: 'Items mirrored',
    avg: 'Mean',
    p95: '95th percentile',
  },
  bucket: 'Bucket start',
  noIssues: 'No sync issues: every mailbox\'s last session succeeded and no item is waiting with an error.',
  issuesTotal: (n: number) => `${n} ${n === 1 ? 'user' : 'users'} with sync issues`,
  mailboxFailing: (consecutive: number) => `Sessions failing (${consecutive} in a row)`,
  since: (when: string) => `since ${when}`,
  moreItems: (shown: number, total: number) => `Showing the ${shown} oldest of ${total} failed items.`,
  retry: 'Retry',
  retryItem: (subject: string) => `Retry "${subject}"`,
  retryAll: (name: string) => `Retry all of ${name}'s failed items`,
  retried: (n: number, session: string) => `${n} item(s) will be retried; session ${session}.`,
  willRetry: 'Retried at the next session',
  retriesUsed: 'Retries used up',
  kinds: { email: 'Email', meeting: 'Meeting', task: 'Task', contact: 'Contact' },
  loading: 'Loading…',
};

type BadgeColor = 'brand' | 'success' | 'danger' | 'warning' | 'severe' | 'informative';

export const STATE_LOOK: Record<MonitorState, { color: BadgeColor; icon: JSX.Element; fill: string }> = {
  syncing: { color: 'brand', icon: <ArrowSync16Regular />, fill: tokens.colorBrandBackground },
  idle: { color: 'success', icon: <CheckmarkCircle16Filled />, fill: tokens.colorPaletteGreenBackground3 },
  failing: { color: 'danger', icon: <ErrorCircle16Filled />, fill: tokens.colorPaletteRedBackground3 },
  paused: { color: 'warning', icon: <PauseCircle16Regular />, fill: tokens.colorPaletteMarigoldBackground3 },
  suspended: { color: 'severe', icon: <Prohibited16Filled />, fill: tokens.colorPaletteDarkOrangeBackground3 },
  'not-activated': { color: 'informative', icon: <Circle16Regular />, fill: tokens.colorNeutralStrokeAccessible },
};

export function StateBadge({ state, count }: { state: MonitorState; count?: number }): ReactNode {
  const look = STATE_LOOK[state];
  return (
    <Badge appearance="tint" shape="rounded" color={look.color} icon={look.icon} data-state={state} title={monitoringStrings.stateHelp[state]}>
      {monitoringStrings.states[state]}
      {count !== undefined ? ` ${count}` : ''}
    </Badge>
  );
}

const useBarStyles = makeStyles({
  bar: {
    display: 'flex',
    height: '10px',
    minWidth: '160px',
    borderRadius: tokens.borderRadiusMedium,
    overflow: 'hidden',
    backgroundColor: tokens.colorNeutralBackground4,
  },
});

/** Proportions of the states as a bar; its label says the same in words for screen readers. */
export function StateBar({ counts }: { counts: StateCounts }): ReactNode {
  const styles = useBarStyles();
  const total = MONITOR_STATES.reduce((n, s) => n + counts[s], 0);
  const label = MONITOR_STATES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${monitoringStrings.states[s].toLowerCase()}`)
    .join(', ');
  return (
    <div className={styles.bar} role="img" aria-label={label || '0 users'}>
      {total > 0 && MONITOR_STATES.filter((s) => counts[s] > 0).map((s) => <span key={s} style={{ flexGrow: counts[s], backgroundColor: STATE_LOOK[s].fill }} />)}
    </div>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function when(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** A bucket's start, as short as its width allows. */
export function bucketLabel(iso: string, bucketMinutes: number): string {
  const date = new Date(iso);
  if (bucketMinutes >= 24 * 60) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return bucketMinutes >= 60 * 6 ? dayTime.format(date) : timeOnly.format(date);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
