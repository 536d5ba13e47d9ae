/**
 * A4 Check users' access: one click starts the relay's background check; progress and each user's result arrive as
 * Server-Sent Events (read with fetch, since EventSource cannot carry the bearer token). A run that is already going
 * (another tab, before a reload) is followed instead of started twice; finished runs are read back page by page.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import {
  Button,
  Field,
  ProgressBar,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { DismissCircle20Regular, ShieldCheckmark20Regular } from '@fluentui/react-icons';
import type { AccessCheckResult, AccessCheckRun, Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { actorName, EmptyState, ErrorBanner, Loading, StatusBadge, useAnnounce, useCommonStyles, useLoad } from '../common';
import { AdminApiError, isAbortError } from '../http';
import { formatDateTime, strings } from '../strings';

const RESULTS_PAGE = 200;
type Filter = 'all' | 'passed' | 'failed';

const finished = (run: AccessCheckRun): boolean => run.status !== 'queued' && run.status !== 'running';

export function ResultBadge({ result }: { result: Pick<AccessCheckResult, 'ok' | 'problem'> }): ReactNode {
  return <StatusBadge outcome={result.ok ? 'ok' : 'failed'}>{result.ok ? strings.passed : strings.problems[result.problem]}</StatusBadge>;
}

export function CheckAccessScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const runs = useLoad((signal) => client.accessChecks(org.id, signal), [client, org.id]);
  const [run, setRun] = useState<AccessCheckRun | null>(null);
  const [results, setResults] = useState<AccessCheckResult[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>('all');
  const [error, setError] = useState<unknown>(undefined);
  const [starting, setStarting] = useState(false);
  const stream = useRef<AbortController | null>(null);

  useEffect(() => () => stream.current?.abort(), []);

  const loadResults = useCallback(
    async (target: AccessCheckRun, cursor: string | undefined, outcome: Filter): Promise<void> => {
      const page = await client.accessCheckResults(org.id, target.id, { cursor, limit: RESULTS_PAGE, outcome: outcome === 'all' ? undefined : outcome });
      setResults((current) => (cursor === undefined ? page.results : [...current, ...page.results]));
      setNextCursor(page.nextCursor);
    },
    [client, org.id],
  );

  const follow = useCallback(
    async (target: AccessCheckRun): Promise<void> => {
      stream.current?.abort();
      const controller = new AbortController();
      stream.current = controller;
      setRun(target);
      setResults([]);
      setNextCursor(null);
      setFilter('all');
      try {
        const last = await client.followAccessCheck(
          org.id,
          target.id,
          {
            progress: (next) => setRun(next),
            result: (result) => setResults((current) => (current.some((r) => r.userId === result.userId) ? current : [...current, result])),
          },
          controller.signal,
        );
        if (controller.signal.aborted) return;
        const final = last ?? target;
        setRun(final);
        announce(strings.checkCounts(final.passed, final.failed));
        // The stream replays only what it still holds: the stored results are the record.
        await loadResults(final, undefined, 'all');
        refreshOrganizations();
      } catch (failure) {
        if (!isAbortError(failure)) setError(failure);
      }
    },
    [client, org.id, announce, loadResults, refreshOrganizations],
  );

  // The newest run: follow it when it is still going, else show its stored results.
  useEffect(() => {
    const latest = runs.data?.[0];
    if (latest === undefined || run !== null) return;
    if (finished(latest)) {
      setRun(latest);
      loadResults(latest, undefined, 'all').catch(setError);
    } else void follow(latest);
  }, [runs.data, run, follow, loadResults]);

  const start = async (): Promise<void> => {
    setStarting(true);
    setError(undefined);
    try {
      const started = await client.startAccessCheck(org.id);
      void follow(started);
    } catch (failure) {
      const runId = failure instanceof AdminApiError && failure.code === 'check-in-progress' ? failure.fields?.runId : undefined;
      const going = runId === undefined ? undefined : (await client.accessChecks(org.id).catch(() => [])).find((r) => r.id === runId);
      if (going !== undefined) void follow(going);
      else setError(failure);
    } finally {
      setStarting(false);
    }
  };

  const cancel = async (): Promise<void> => {
    if (run === null) return;
    try {
      setRun(await client.cancelAccessCheck(org.id, run.id));
    } catch (failure) {
      setError(failure);
    }
  };

  const changeFilter = (next: Filter): void => {
    setFilter(next);
    if (run !== null && finished(run)) loadResults(run, undefined, next).catch(setError);
  };

  const running = run !== null && !finished(run);
  const shown = running && filter !== 'all' ? results.filter((r) => (filter === 'passed' ? r.ok : !r.ok)) : results;
  const notConfigured = org.mailboxAccessKind === null;
  return (
    <section className={styles.page} aria-labelledby="check-heading">
      <h2 id="check-heading" className={styles.heading}>
        {strings.checkHeading}
      </h2>
      <Text className={styles.intro}>{strings.checkIntro}</Text>
      <div className={styles.row}>
        <Button appearance="primary" icon={<ShieldCheckmark20Regular />} disabled={starting || running || notConfigured} onClick={() => void start()} data-testid="check-start">
          {strings.checkStart}
        </Button>
        {running && (
          <Button icon={<DismissCircle20Regular />} onClick={() => void cancel()} data-testid="check-cancel">
            {strings.checkCancel}
          </Button>
        )}
        {notConfigured && <Text className={styles.muted}>{strings.checkNotConfigured}</Text>}
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {runs.error !== undefined && <ErrorBanner error={runs.error} onRetry={runs.reload} />}
      {runs.loading && runs.data === undefined && <Loading />}
      {run === null && runs.data !== undefined && runs.data.length === 0 && <EmptyState testId="check-empty">{strings.checkNone}</EmptyState>}
      {run !== null && (
        <div className={styles.card} data-testid="check-run" data-status={run.status}>
          <div className={styles.row}>
            <StatusBadge outcome={run.status === 'succeeded' ? (run.failed > 0 ? 'warning' : 'ok') : run.status === 'failed' ? 'failed' : 'none'}>
              {strings.checkStatus[run.status]}
            </StatusBadge>
            <Text data-testid="check-counts">{strings.checkCounts(run.passed, run.failed)}</Text>
            <Text className={styles.muted}>{strings.checkLastRun(formatDateTime(run.createdAt), actorName(run.startedBy))}</Text>
          </div>
          <Field validationMessage={strings.checkProgress(run.checked, run.total)} validationState="none">
            <ProgressBar value={run.total === 0 ? (running ? undefined : 1) : run.checked / run.total} data-testid="check-progress" />
          </Field>
          {run.error !== null && <ErrorBanner error={new Error(run.error)} />}
          <TabList selectedValue={filter} onTabSelect={(_e, d) => changeFilter(d.value as Filter)} aria-label={strings.resultFilter}>
            <Tab value="all">{strings.filterAll}</Tab>
            <Tab value="passed">{strings.filterPassed}</Tab>
            <Tab value="failed" data-testid="filter-failed">
              {strings.filterFailed}
            </Tab>
          </TabList>
          <div className={styles.tableWrap}>
            <Table className={styles.table} size="small" aria-label={strings.checkHeading} data-testid="check-results">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: '18%' }}>{strings.columns.name}</TableHeaderCell>
                  <TableHeaderCell style={{ width: '24%' }}>{strings.columns.email}</TableHeaderCell>
                  <TableHeaderCell style={{ width: '18%' }}>{strings.columns.access}</TableHeaderCell>
                  <TableHeaderCell>{strings.reason}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {shown.map((result) => (
                  <TableRow key={result.userId} data-testid="check-result" data-email={result.email} data-ok={result.ok} data-problem={result.problem}>
                    <TableCell>{result.displayName}</TableCell>
                    <TableCell>{result.email}</TableCell>
                    <TableCell>
                      <ResultBadge result={result} />
                    </TableCell>
                    <TableCell>{result.ok ? '' : result.message}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          {nextCursor !== null && !running && (
            <div>
              <Button onClick={() => loadResults(run, nextCursor, filter).catch(setError)}>{strings.auditMore}</Button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
