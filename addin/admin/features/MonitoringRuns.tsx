/**
 * One user's run history: every session, newest first (start, duration, trigger, outcome, counts, errors), paged with
 * "Older runs", under the user's current state.
 */
import { useState, type ReactNode } from 'react';
import { Button, Link, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowLeft16Regular } from '@fluentui/react-icons';
import type { MonitoringRun, Organization } from '../../../shared/api/admin';
import { linkTo, useAdmin } from '../AdminApp';
import { EmptyState, ErrorBanner, Loading, messageOf, useCommonStyles, useLoad } from '../common';
import { routePath } from '../router';
import { duration, monitoringStrings as s, StateBadge, when } from './MonitoringShared';

const useStyles = makeStyles({
  counts: { fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2 },
  errors: { margin: 0, paddingLeft: tokens.spacingHorizontalL, fontSize: tokens.fontSizeBase200 },
});

const OUTCOME_COLOR: Record<MonitoringRun['outcome'], string> = {
  succeeded: tokens.colorPaletteGreenForeground1,
  failed: tokens.colorPaletteRedForeground1,
  abandoned: tokens.colorPaletteDarkOrangeForeground1,
  running: tokens.colorBrandForeground1,
};

function countsText(counts: MonitoringRun['counts']): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([key, n]) => `${key} ${n}`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

export function MonitoringRuns({ org, userId }: { org: Organization; userId: string }): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client } = useAdmin();
  const first = useLoad((signal) => client.monitoring.runs(org.id, userId, { limit: 50 }, signal), [client, org.id, userId]);
  const [more, setMore] = useState<{ runs: MonitoringRun[]; nextCursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const runs = [...(first.data?.runs ?? []), ...(more?.runs ?? [])];
  const nextCursor = more ? more.nextCursor : (first.data?.nextCursor ?? null);
  const loadMore = async (): Promise<void> => {
    if (nextCursor === null) return;
    setLoadingMore(true);
    try {
      const page = await client.monitoring.runs(org.id, userId, { limit: 50, cursor: nextCursor });
      setMore({ runs: [...(more?.runs ?? []), ...page.runs], nextCursor: page.nextCursor });
      setMoreError(undefined);
    } catch (error) {
      setMoreError(error);
    } finally {
      setLoadingMore(false);
    }
  };
  const user = first.data?.user;
  return (
    <section className={styles.page} aria-labelledby="runs-heading" data-testid="monitoring-runs" style={{ maxWidth: 'none' }}>
      <Link {...linkTo(routePath({ name: 'organization', orgId: org.id, section: 'monitoring' }))}>
        <ArrowLeft16Regular style={{ verticalAlign: 'middle' }} /> {s.backToMonitoring}
      </Link>
      <h2 id="runs-heading" className={styles.heading}>
        {s.runsHeading(user?.displayName ?? '…')}
      </h2>
      {user !== undefined && (
        <div className={styles.row}>
          <Text>{user.email}</Text>
          <StateBadge state={user.state} />
          <Text className={styles.muted}>
            {s.columns.lastSuccess}: {when(user.lastSuccessAt)} · {s.columns.nextSession}: {when(user.nextSessionAt)}
          </Text>
        </div>
      )}
      {first.error !== undefined && <ErrorBanner error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading label={s.loading} />
      ) : runs.length === 0 ? (
        <EmptyState testId="runs-empty">{s.noRuns}</EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <Table size="small" className={styles.table} aria-labelledby="runs-heading" data-testid="runs-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{s.columns.started}</TableHeaderCell>
                <TableHeaderCell>{s.columns.duration}</TableHeaderCell>
                <TableHeaderCell>{s.columns.trigger}</TableHeaderCell>
                <TableHeaderCell>{s.columns.outcome}</TableHeaderCell>
                <TableHeaderCell>{s.columns.counts}</TableHeaderCell>
                <TableHeaderCell>{s.columns.errors}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {runs.map((run) => (
                <TableRow key={run.id} data-testid="run-row" data-outcome={run.outcome}>
                  <TableCell>{when(run.startedAt)}</TableCell>
                  <TableCell>{run.durationMs === null ? s.running : duration(run.durationMs)}</TableCell>
                  <TableCell>{s.triggers[run.trigger]}</TableCell>
                  <TableCell>
                    <span style={{ color: OUTCOME_COLOR[run.outcome], fontWeight: tokens.fontWeightSemibold }}>{s.outcomes[run.outcome]}</span>
                    {run.failureClass !== undefined && <div className={own.counts}>{run.failureClass}</div>}
                  </TableCell>
                  <TableCell className={own.counts}>{countsText(run.counts)}</TableCell>
                  <TableCell>
                    {run.errors.length === 0 ? (
                      '—'
                    ) : (
                      <ul className={own.errors}>
                        {run.errors.slice(0, 5).map((error, i) => (
                          <li key={i}>
                            {error.subject ? `${error.subject}: ` : ''}
                            {error.message}
                          </li>
                        ))}
                        {run.errors.length > 5 && <li>+{run.errors.length - 5}</li>}
                      </ul>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {moreError !== undefined && <Text role="alert">{messageOf(moreError)}</Text>}
      {nextCursor !== null && (
        <Button onClick={() => void loadMore()} disabled={loadingMore} data-testid="runs-more">
          {loadingMore ? s.loading : s.moreRuns}
        </Button>
      )}
    </section>
  );
}
