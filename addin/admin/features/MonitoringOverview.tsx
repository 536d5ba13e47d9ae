/**
 * A7 at a glance: every organization the admin manages (an operator: all of them), its mailboxes counted by state
 * (colour bar with a text alternative, and a badge per state), the last 24 hours of sessions and the failed items.
 */
import type { ReactNode } from 'react';
import { Button, Link, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise16Regular } from '@fluentui/react-icons';
import { MONITOR_STATES } from '../../../shared/api/admin';
import { linkTo, useAdmin } from '../AdminApp';
import { EmptyState, ErrorBanner, Loading, useCommonStyles, useLoad } from '../common';
import { routePath } from '../router';
import { monitoringStrings as s, StateBadge, StateBar, when } from './MonitoringShared';

const useStyles = makeStyles({
  badges: { display: 'flex', gap: tokens.spacingHorizontalXS, flexWrap: 'wrap', marginTop: tokens.spacingVerticalXS },
});

export function MonitoringOverviewScreen(): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client } = useAdmin();
  const overview = useLoad((signal) => client.monitoring.overview(signal), [client]);
  const orgs = overview.data?.organizations ?? [];
  return (
    <section className={styles.page} aria-labelledby="monitoring-heading" data-testid="monitoring-overview">
      <div className={styles.row}>
        <h2 id="monitoring-heading" className={styles.heading} style={{ flexGrow: 1 }}>
          {s.overviewHeading}
        </h2>
        <Button icon={<ArrowClockwise16Regular />} onClick={overview.reload} disabled={overview.loading}>
          {s.refresh}
        </Button>
      </div>
      <span className={styles.intro}>{s.overviewIntro}</span>
      {overview.error !== undefined && <ErrorBanner error={overview.error} onRetry={overview.reload} />}
      {overview.data === undefined && overview.error === undefined ? (
        <Loading label={s.loading} />
      ) : orgs.length === 0 ? (
        overview.data !== undefined && <EmptyState>{s.noOrganizations}</EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <Table className={styles.table} aria-labelledby="monitoring-heading" aria-busy={overview.loading} size="small" data-testid="monitoring-orgs">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{s.columns.organization}</TableHeaderCell>
                <TableHeaderCell>{s.columns.users}</TableHeaderCell>
                <TableHeaderCell style={{ width: '38%' }}>{s.columns.states}</TableHeaderCell>
                <TableHeaderCell>{s.columns.sessions24h}</TableHeaderCell>
                <TableHeaderCell>{s.columns.failed24h}</TableHeaderCell>
                <TableHeaderCell>{s.columns.failedItems}</TableHeaderCell>
                <TableHeaderCell>{s.columns.lastSession}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {orgs.map((org) => (
                <TableRow key={org.id} data-testid={`monitoring-org-${org.slug}`}>
                  <TableCell>
                    <Link {...linkTo(routePath({ name: 'organization', orgId: org.id, section: 'monitoring' }))}>{org.name}</Link>
                  </TableCell>
                  <TableCell>{org.userCount}</TableCell>
                  <TableCell>
                    <StateBar counts={org.states} />
                    <div className={own.badges}>
                      {MONITOR_STATES.filter((state) => org.states[state] > 0).map((state) => (
                        <StateBadge key={state} state={state} count={org.states[state]} />
                      ))}
                    </div>
                  </TableCell>
                  <TableCell>{org.sessions24h}</TableCell>
                  <TableCell>{org.failedSessions24h}</TableCell>
                  <TableCell>{org.failedItems}</TableCell>
                  <TableCell>{when(org.lastSessionAt)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </section>
  );
}
