/**
 * "My sync status" (S7): enabled / paused / suspended with its reason and what to do, last and next session, what
 * the recent sessions did (counts and one bar per session), emails that failed to save; Pause, Resume, Sync now.
 * While a session runs (or one was just asked for) the status is polled every 2 s and its progress shown; otherwise
 * nothing polls.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  Badge,
  Button,
  Caption1,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  mergeClasses,
  ProgressBar,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowSyncRegular, PauseRegular, PlayRegular } from '@fluentui/react-icons';
import type { MailboxStatus, RunOutcome, SyncRun, SyncStatus as SyncStatusData } from '../../shared/api/sync';
import { isAbortError, type RelayClient } from '../api/client';
import { ErrorBar, LoadingSkeleton, useAnnounce, useCommonStyles } from './common';
import { syncStrings as s } from './strings';
import { formatSyncTime } from './syncTime';
import { useLoad } from './useLoad';

export const STATUS_POLL_MS = 2000;
/** How long the pane waits for an asked-for session to show up before it stops polling. */
const AWAIT_RUN_MS = 120_000;
const RUNS_SHOWN = 8;

const useStyles = makeStyles({
  badge: { marginLeft: tokens.spacingHorizontalXS },
  titleRow: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXXS,
    margin: 0,
  },
  factName: { color: tokens.colorNeutralForeground3 },
  factValue: { margin: 0, minWidth: 0 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  run: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, minWidth: 0 },
  runHead: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  track: {
    display: 'flex',
    height: '8px',
    borderRadius: tokens.borderRadiusSmall,
    overflow: 'hidden',
    // A stroke colour, not a background: the darker backgrounds of the dark theme would draw a black bar.
    backgroundColor: tokens.colorNeutralStroke3,
  },
  subheading: { margin: 0, fontSize: tokens.fontSizeBase300, lineHeight: tokens.lineHeightBase300, fontWeight: tokens.fontWeightSemibold, color: tokens.colorNeutralForeground1 },
  saved: { backgroundColor: tokens.colorPaletteGreenBackground3 },
  failed: { backgroundColor: tokens.colorPaletteRedBackground3 },
  other: { backgroundColor: tokens.colorNeutralStrokeAccessible },
  legend: { display: 'flex', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXXS, flexWrap: 'wrap', color: tokens.colorNeutralForeground3 },
  swatch: { display: 'inline-block', width: '8px', height: '8px', borderRadius: tokens.borderRadiusSmall, marginInlineEnd: tokens.spacingHorizontalXS },
  itemError: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXXS,
    paddingInlineStart: tokens.spacingHorizontalS,
    borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorPaletteRedBorder2}`,
    minWidth: 0,
  },
  subject: { fontWeight: tokens.fontWeightSemibold, overflowWrap: 'anywhere' },
  wrap: { overflowWrap: 'anywhere' },
});

const BADGE_COLOR: Record<MailboxStatus, 'success' | 'warning' | 'danger'> = { enabled: 'success', paused: 'warning', suspended: 'danger' };
const OUTCOME_COLOR: Record<RunOutcome, 'success' | 'danger' | 'informative' | 'warning'> = {
  succeeded: 'success',
  failed: 'danger',
  running: 'informative',
  abandoned: 'warning',
};

function isRunning(status: SyncStatusData): boolean {
  return status.stage === 'syncing' || status.progress !== undefined || status.recentRuns[0]?.outcome === 'running';
}

/** Waiting for a session the user asked for: until a run newer than the one seen at the click has ended. */
interface Awaiting {
  afterRunId: string | undefined;
  since: number;
}

function awaitedRunDone(status: SyncStatusData, awaiting: Awaiting): boolean {
  const newest = status.recentRuns[0];
  return newest !== undefined && newest.id !== awaiting.afterRunId && newest.outcome !== 'running';
}

export function SyncStatus({ client, timeZone }: { client: RelayClient; timeZone?: string }): ReactNode {
  const common = useCommonStyles();
  const [state, retry, update] = useLoad((signal) => client.syncStatus(signal), 'sync-status');
  if (state.phase === 'loading') return <LoadingSkeleton label={s.loadingStatus} rows={3} />;
  if (state.phase === 'error') return <ErrorBar title={s.statusLoadFailed} error={state.error} onRetry={retry} testId="status-error" />;
  return (
    <section className={common.section} aria-labelledby="sync-status-heading" data-testid="sync-status">
      <StatusView status={state.data} client={client} timeZone={timeZone} replace={(next) => update(() => next)} />
    </section>
  );
}

interface StatusViewProps {
  status: SyncStatusData;
  client: RelayClient;
  timeZone?: string;
  replace(next: SyncStatusData): void;
}

function StatusView({ status, client, timeZone, replace }: StatusViewProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const announce = useAnnounce();
  const [busy, setBusy] = useState<'pause' | 'resume' | 'now' | null>(null);
  const busyRef = useRef(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [awaiting, setAwaiting] = useState<Awaiting | null>(null);
  const running = isRunning(status);

  // The awaited session has come and gone (or never came): stop waiting, say how it went.
  useEffect(() => {
    if (awaiting === null) return;
    if (awaitedRunDone(status, awaiting) || Date.now() - awaiting.since > AWAIT_RUN_MS || status.status !== 'enabled') {
      setAwaiting(null);
      const newest = status.recentRuns[0];
      if (newest !== undefined && newest.id !== awaiting.afterRunId) announce(`${s.runOutcome[newest.outcome]}: ${runSummary(newest)}`);
    }
  }, [status, awaiting, announce]);

  const polling = running || awaiting !== null;
  useEffect(() => {
    if (!polling) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      client.syncStatus(controller.signal).then(replace, (error: unknown) => {
        // A failed poll is retried by the next render's timer only if something changed; keep the last state shown.
        if (!isAbortError(error)) setFailure(error);
      });
    }, STATUS_POLL_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // Every new status (each poll's answer) schedules the next poll while still running.
  }, [polling, status, client, replace]);

  const act = async (kind: 'pause' | 'resume' | 'now'): Promise<void> => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(kind);
    setFailure(null);
    const before = status.recentRuns[0]?.id;
    try {
      if (kind === 'pause') {
        replace(await client.pauseSync());
        setAwaiting(null);
        announce(s.paused);
      } else if (kind === 'resume') {
        replace(await client.resumeSync());
        setAwaiting({ afterRunId: before, since: Date.now() });
        announce(s.resumed);
      } else {
        const answer = await client.syncNow();
        replace(answer.status);
        setAwaiting({ afterRunId: before, since: Date.now() });
        announce(answer.result === 'queued' ? s.queued : answer.result === 'running' ? s.alreadyRunning : s.alreadyQueued);
      }
    } catch (error) {
      setFailure(error);
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  if (!status.activated) {
    return (
      <>
        <h2 id="sync-status-heading" className={common.heading}>{s.statusHeading}</h2>
        <MessageBar intent="info" layout="multiline" data-testid="sync-not-activated">
          <MessageBarBody>
            <MessageBarTitle>{s.notActivatedTitle}</MessageBarTitle>
            {s.notActivated}
          </MessageBarBody>
        </MessageBar>
      </>
    );
  }

  const mailboxStatus = status.status ?? 'enabled';
  const failure_ = status.lastFailure;
  return (
    <>
      <div className={styles.titleRow}>
        <h2 id="sync-status-heading" className={common.heading}>{s.statusHeading}</h2>
        <Badge appearance="filled" color={BADGE_COLOR[mailboxStatus]} data-testid="sync-badge" data-status={mailboxStatus}>
          {s.statusBadge[mailboxStatus]}
        </Badge>
      </div>
      {status.stage !== undefined && mailboxStatus === 'enabled' && (
        <Text className={common.muted} data-testid="sync-stage" data-stage={status.stage}>{s.stage[status.stage]}</Text>
      )}

      {mailboxStatus === 'paused' && (
        <MessageBar intent="warning" layout="multiline" data-testid="sync-paused">
          <MessageBarBody>
            <MessageBarTitle>{s.pausedTitle}</MessageBarTitle>
            {s.pausedText}
          </MessageBarBody>
        </MessageBar>
      )}
      {mailboxStatus === 'suspended' && (
        <MessageBar intent="error" layout="multiline" data-testid="sync-suspended">
          <MessageBarBody>
            <MessageBarTitle>{s.suspendedTitle}</MessageBarTitle>
            <span className={styles.wrap}>{status.suspendedReason ?? (failure_ ? `${s.failureClass[failure_.class]}: ${failure_.message}` : '')}</span>{' '}
            <strong>{failure_?.advice ?? s.suspendedAdviceFallback}</strong>
          </MessageBarBody>
        </MessageBar>
      )}
      {mailboxStatus === 'enabled' && failure_ !== undefined && failure_.consecutive > 0 && (
        <MessageBar intent="warning" layout="multiline" data-testid="sync-last-failure" data-class={failure_.class}>
          <MessageBarBody>
            <MessageBarTitle>{s.lastFailureTitle(failure_.consecutive)}</MessageBarTitle>
            <span className={styles.wrap}>{`${s.failureClass[failure_.class]}: ${failure_.message}`}</span> {failure_.advice}
          </MessageBarBody>
        </MessageBar>
      )}

      <dl className={styles.facts} data-testid="sync-facts">
        <dt className={styles.factName}>{s.lastSession}</dt>
        <dd className={styles.factValue} data-testid="last-session">{formatSyncTime(status.lastSessionAt, timeZone) || s.never}</dd>
        {/* Worth a line only when the last session was not a success. */}
        {status.lastSuccessAt !== undefined && status.recentRuns[0] !== undefined && status.recentRuns[0].outcome === 'failed' && (
          <>
            <dt className={styles.factName}>{s.lastSuccess}</dt>
            <dd className={styles.factValue}>{formatSyncTime(status.lastSuccessAt, timeZone)}</dd>
          </>
        )}
        <dt className={styles.factName}>{s.nextSession}</dt>
        <dd className={styles.factValue} data-testid="next-session">
          {mailboxStatus !== 'enabled' ? s.notScheduled : nextSessionText(status, timeZone)}
        </dd>
        {status.intervalMinutes !== undefined && (
          <>
            <dt className={styles.factName}>{s.interval}</dt>
            <dd className={styles.factValue}>{s.intervalMinutes(status.intervalMinutes)}</dd>
          </>
        )}
      </dl>

      <div className={styles.actions}>
        {mailboxStatus === 'enabled' ? (
          <Button icon={<PauseRegular />} onClick={() => void act('pause')} disabledFocusable={busy !== null} data-testid="sync-pause">
            {busy === 'pause' ? s.pausing : s.pause}
          </Button>
        ) : (
          <Button appearance="primary" icon={<PlayRegular />} onClick={() => void act('resume')} disabledFocusable={busy !== null} data-testid="sync-resume">
            {busy === 'resume' ? s.resuming : s.resume}
          </Button>
        )}
        <Button
          appearance={mailboxStatus === 'enabled' ? 'primary' : 'secondary'}
          icon={<ArrowSyncRegular />}
          onClick={() => void act('now')}
          disabledFocusable={busy !== null || running || mailboxStatus !== 'enabled'}
          data-testid="sync-now"
        >
          {busy === 'now' ? s.queueing : s.syncNow}
        </Button>
      </div>
      {failure !== null && <ErrorBar title={s.actionFailed} error={failure} testId="sync-action-error" />}

      {(running || awaiting !== null) && <SessionProgress status={status} running={running} />}

      {status.mirror !== undefined && status.mirror.length > 0 && <MirrorCounts mirror={status.mirror} />}
      <RecentRuns runs={status.recentRuns.slice(0, RUNS_SHOWN)} timeZone={timeZone} />
      <ItemErrors status={status} timeZone={timeZone} />
    </>
  );
}

function nextSessionText(status: SyncStatusData, timeZone: string | undefined): string {
  if (status.nextSessionAt === undefined) return s.notScheduled;
  // A session already due (queued by Sync now, or waiting for a worker) starts within seconds.
  if (new Date(status.nextSessionAt).getTime() <= Date.now()) return s.soon;
  return formatSyncTime(status.nextSessionAt, timeZone);
}

function SessionProgress({ status, running }: { status: SyncStatusData; running: boolean }): ReactNode {
  const progress = status.progress;
  const fraction = progress?.total !== undefined && progress.total > 0 && progress.done !== undefined ? Math.min(1, progress.done / progress.total) : undefined;
  const text = !running ? s.starting : progress !== undefined ? s.progressStep(progress.step, progress.done, progress.total) : s.stage.syncing;
  return (
    <Field label={s.running} hint={text} data-testid="sync-progress" data-running={running ? 'true' : 'false'}>
      <ProgressBar value={fraction} thickness="large" aria-label={s.progressLabel} aria-valuetext={text} />
    </Field>
  );
}

function countsOf(run: SyncRun): { saved: number; failed: number; other: number } {
  const c = run.counts;
  return { saved: c.saved ?? 0, failed: c.failed ?? 0, other: (c.skipped ?? 0) + (c.alreadySaved ?? 0) + (c.blocked ?? 0) };
}

function runSummary(run: SyncRun): string {
  const { saved, failed, other } = countsOf(run);
  if (saved + failed + other === 0) return run.outcome === 'running' ? s.runInProgress : s.runNothing;
  return s.runCounts(saved, failed, other);
}

function RecentRuns({ runs, timeZone }: { runs: SyncRun[]; timeZone?: string }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const max = Math.max(1, ...runs.map((run) => {
    const { saved, failed, other } = countsOf(run);
    return saved + failed + other;
  }));
  return (
    <section className={common.section} aria-labelledby="recent-runs-heading" data-testid="recent-runs">
      <h3 id="recent-runs-heading" className={styles.subheading}>{s.recentRunsHeading}</h3>
      {runs.length === 0 ? (
        <Text className={common.muted}>{s.noRuns}</Text>
      ) : (
        <>
          <div className={styles.legend} aria-hidden>
            <Caption1><span className={mergeClasses(styles.swatch, styles.saved)} />{s.legendSaved}</Caption1>
            <Caption1><span className={mergeClasses(styles.swatch, styles.failed)} />{s.legendFailed}</Caption1>
            <Caption1><span className={mergeClasses(styles.swatch, styles.other)} />{s.legendOther}</Caption1>
          </div>
          <ol className={styles.list} aria-label={s.runChartLabel}>
            {runs.map((run) => {
              const { saved, failed, other } = countsOf(run);
              const pct = (n: number): string => `${(n / max) * 100}%`;
              return (
                <li key={run.id} className={styles.run} data-testid="sync-run" data-run-id={run.id} data-outcome={run.outcome}>
                  <div className={styles.runHead}>
                    <Badge appearance="tint" color={OUTCOME_COLOR[run.outcome]} size="small">{s.runOutcome[run.outcome]}</Badge>
                    <Caption1>{`${formatSyncTime(run.startedAt, timeZone)} · ${s.runTrigger[run.trigger]}`}</Caption1>
                  </div>
                  <div className={styles.track} aria-hidden data-testid="sync-run-bar">
                    <div className={styles.saved} style={{ width: pct(saved) }} />
                    <div className={styles.failed} style={{ width: pct(failed) }} />
                    <div className={styles.other} style={{ width: pct(other) }} />
                  </div>
                  <Caption1 className={common.muted} data-testid="sync-run-counts">
                    {runSummary(run)}
                    {run.errors.length > 0 ? ` · ${s.runErrors(run.errors.length)}` : ''}
                  </Caption1>
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}

function ItemErrors({ status, timeZone }: { status: SyncStatusData; timeZone?: string }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  return (
    <section className={common.section} aria-labelledby="item-errors-heading" data-testid="item-errors">
      <h3 id="item-errors-heading" className={styles.subheading}>{s.itemErrorsHeading}</h3>
      {status.itemErrors.length === 0 ? (
        <Text className={common.muted}>{s.noItemErrors}</Text>
      ) : (
        <ul className={styles.list}>
          {status.itemErrors.map((item) => (
            <li key={item.internetMessageId} className={styles.itemError} data-testid="item-error">
              <Text className={styles.subject}>{item.subject || s.noSubject}</Text>
              <Text className={styles.wrap}>{item.error}</Text>
              <Caption1 className={common.muted}>
                {[s.itemAttempts(item.attempts), s.since(formatSyncTime(item.since, timeZone)), item.willRetry ? s.willRetry : s.noMoreRetries].join(' · ')}
              </Caption1>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const MIRROR_KIND_LABELS: Record<NonNullable<SyncStatusData['mirror']>[number]['kind'], string> = {
  appointment: 'Meetings',
  task: 'Tasks',
  contact: 'Contacts',
  account: 'Accounts',
  individualCustomer: 'Individual customers',
};

/** Two-way mirroring per type: items kept in step, conflicts the last session decided, records beyond the limit. */
function MirrorCounts({ mirror }: { mirror: NonNullable<SyncStatusData['mirror']> }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  return (
    <section className={common.section} aria-labelledby="mirror-heading" data-testid="mirror-counts">
      <h3 id="mirror-heading" className={styles.subheading}>Mirrored with SAP Cloud for Customer</h3>
      <ul className={styles.list}>
        {mirror.map((k) => (
          <li key={k.kind} data-testid={`mirror-${k.kind}`}>
            <Text weight="semibold">{MIRROR_KIND_LABELS[k.kind]}: </Text>
            <Text>{`${k.linked} in sync`}</Text>
            {k.detached > 0 && <Caption1 className={common.muted}>{` · ${k.detached} deleted on one side only`}</Caption1>}
            {k.conflicts > 0 && (
              <Badge appearance="tint" color="warning" className={styles.badge}>
                {`${k.conflicts} ${k.conflicts === 1 ? 'conflict' : 'conflicts'} resolved`}
              </Badge>
            )}
            {k.beyondLimit > 0 && (
              <Badge appearance="tint" color="informative" className={styles.badge}>
                {`${k.beyondLimit} beyond the limit, not mirrored`}
              </Badge>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
