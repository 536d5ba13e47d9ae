/**
 * A7 for one organization: tabs for its users by state (filter chips with counts, search, server paging), its
 * sessions over time (MonitoringChart), and its sync issues with Retry (MonitoringIssues); a user's run history
 * (MonitoringRuns) opens from a user's name, on its own URL.
 */
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import {
  Button,
  Field,
  Link,
  SearchBox,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  ToggleButton,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ChevronLeft20Regular, ChevronRight20Regular } from '@fluentui/react-icons';
import { MONITOR_STATES, type MonitorState, type Organization } from '../../../shared/api/admin';
import { linkTo, useAdmin } from '../AdminApp';
import { EmptyState, ErrorBanner, Loading, useCommonStyles, useLoad } from '../common';
import { routePath } from '../router';
import { MonitoringIssues } from './MonitoringIssues';
import { MonitoringRuns } from './MonitoringRuns';
import { monitoringStrings as s, StateBadge, STATE_LOOK, when } from './MonitoringShared';

// The chart library (d3 and Fluent's charts) loads only when the sessions tab opens.
const MonitoringChart = lazy(() => import('./MonitoringChart').then((m) => ({ default: m.MonitoringChart })));

type TabName = 'users' | 'sessions' | 'issues';
const PAGE_SIZE = 50;

const useStyles = makeStyles({
  chips: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'center' },
  dot: { display: 'inline-block', width: '10px', height: '10px', borderRadius: tokens.borderRadiusCircular, marginRight: tokens.spacingHorizontalXS },
  failure: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
});

function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function MonitoringScreen({ org, userId }: { org: Organization; userId?: string }): ReactNode {
  const styles = useCommonStyles();
  const [tab, setTab] = useState<TabName>(() => {
    const wanted = new URLSearchParams(window.location.search).get('tab');
    return wanted === 'sessions' || wanted === 'issues' ? wanted : 'users';
  });
  if (userId !== undefined) return <MonitoringRuns org={org} userId={userId} />;
  const choose = (next: TabName): void => {
    setTab(next);
    const url = new URL(window.location.href);
    url.searchParams.set('tab', next);
    window.history.replaceState(null, '', url.pathname + url.search);
  };
  return (
    <section className={styles.page} aria-labelledby="org-monitoring-heading" data-testid="monitoring-screen">
      <h2 id="org-monitoring-heading" className={styles.heading}>
        {s.orgHeading(org.name)}
      </h2>
      <Text className={styles.intro}>{s.orgIntro}</Text>
      <TabList selectedValue={tab} onTabSelect={(_e, d) => choose(d.value as TabName)} aria-label={s.orgHeading(org.name)}>
        <Tab value="users" data-testid="tab-users">
          {s.tabs.users}
        </Tab>
        <Tab value="sessions" data-testid="tab-sessions">
          {s.tabs.sessions}
        </Tab>
        <Tab value="issues" data-testid="tab-issues">
          {s.tabs.issues}
        </Tab>
      </TabList>
      <div role="tabpanel" aria-label={s.tabs[tab]}>
        {tab === 'users' && <MonitoringUsers org={org} />}
        {tab === 'sessions' && (
          <Suspense fallback={<Loading label={s.loading} />}>
            <MonitoringChart org={org} />
          </Suspense>
        )}
        {tab === 'issues' && <MonitoringIssues org={org} />}
      </div>
    </section>
  );
}

function MonitoringUsers({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client } = useAdmin();
  const [states, setStates] = useState<MonitorState[]>([]);
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 250);
  const key = `${org.id}|${q}|${states.join(',')}`;
  const [paging, setPaging] = useState<{ key: string; cursors: Array<string | undefined> }>({ key, cursors: [undefined] });
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const page = cursors.length - 1;
  const list = useLoad(
    (signal) => client.monitoring.users(org.id, { q: q === '' ? undefined : q, states, cursor: cursors[page], limit: PAGE_SIZE }, signal),
    [client, org.id, q, states.join(','), cursors[page]],
  );
  const toggle = (state: MonitorState): void => setStates((current) => (current.includes(state) ? current.filter((x) => x !== state) : [...current, state]));
  const counts = list.data?.counts;
  const users = list.data?.users ?? [];

  return (
    <div className={styles.page} style={{ marginTop: tokens.spacingVerticalM }}>
      <div role="group" aria-label={s.filterLabel} className={own.chips} data-testid="state-filters">
        <ToggleButton size="small" checked={states.length === 0} onClick={() => setStates([])} data-testid="filter-all">
          {s.allStates}
        </ToggleButton>
        {MONITOR_STATES.map((state) => (
          <ToggleButton
            key={state}
            size="small"
            checked={states.includes(state)}
            onClick={() => toggle(state)}
            icon={<span className={own.dot} style={{ backgroundColor: STATE_LOOK[state].fill }} aria-hidden />}
            title={s.stateHelp[state]}
            data-testid={`filter-${state}`}
          >
            {s.states[state]} {counts ? `(${counts[state]})` : ''}
          </ToggleButton>
        ))}
      </div>
      <div className={styles.toolbar}>
        <Field label={s.search} style={{ minWidth: '320px' }}>
          <SearchBox value={search} placeholder={s.searchPlaceholder} onChange={(_e, d) => setSearch(d.value)} data-testid="monitoring-search" />
        </Field>
      </div>
      {list.error !== undefined && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.data === undefined && list.error === undefined ? (
        <Loading label={s.loading} />
      ) : list.data !== undefined && list.data.total === 0 ? (
        <EmptyState testId="monitoring-users-empty">{s.noUsers}</EmptyState>
      ) : (
        list.data !== undefined && (
          <>
            <div className={styles.tableWrap}>
              <Table className={styles.table} aria-label={s.tabs.users} aria-busy={list.loading} size="small" data-testid="monitoring-users">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>{s.columns.name}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.email}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.state}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.lastSession}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.lastSuccess}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.nextSession}</TableHeaderCell>
                    <TableHeaderCell>{s.columns.failedItems}</TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {users.map((u) => (
                    <TableRow key={u.id} data-testid="monitoring-user-row" data-state={u.state}>
                      <TableCell>
                        <Link {...linkTo(routePath({ name: 'organization', orgId: org.id, section: 'monitoring', userId: u.id }))} aria-label={`${u.displayName}: ${s.runHistory}`}>
                          {u.displayName}
                        </Link>
                      </TableCell>
                      <TableCell>{u.email}</TableCell>
                      <TableCell>
                        <StateBadge state={u.state} />
                        {u.consecutiveFailures > 0 && u.failureMessage !== null && (
                          <div className={own.failure}>
                            {s.mailboxFailing(u.consecutiveFailures)}: {u.failureMessage}
                          </div>
                        )}
                      </TableCell>
                      <TableCell>{when(u.lastSessionAt)}</TableCell>
                      <TableCell>{when(u.lastSuccessAt)}</TableCell>
                      <TableCell>{when(u.nextSessionAt)}</TableCell>
                      <TableCell>{u.failedItems}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
            <div className={styles.row}>
              <Text aria-live="polite">{s.usersTotal(page * PAGE_SIZE + users.length, list.data.total)}</Text>
              <Button icon={<ChevronLeft20Regular />} disabled={page === 0} onClick={() => setPaging({ key, cursors: cursors.slice(0, -1) })}>
                {s.previous}
              </Button>
              <Button
                icon={<ChevronRight20Regular />}
                iconPosition="after"
                disabled={list.data.nextCursor === null}
                onClick={() => setPaging({ key, cursors: [...cursors, list.data?.nextCursor ?? undefined] })}
              >
                {s.next}
              </Button>
            </div>
          </>
        )
      )}
    </div>
  );
}
