/**
 * The organization's sync issues: per user, the mailbox's own failure (class, message, since when, what to do) or
 * suspension, and the items that failed (which email, which error, since when, retries left), with Retry for one
 * item or all of a user's (their attempts start again and a session is queued; the result is announced).
 */
import { useState, type ReactNode } from 'react';
import { Button, Link, MessageBar, MessageBarBody, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowClockwise16Regular } from '@fluentui/react-icons';
import type { Organization, SyncIssue } from '../../../shared/api/admin';
import { linkTo, useAdmin } from '../AdminApp';
import { EmptyState, ErrorBanner, Loading, messageOf, useAnnounce, useCommonStyles, useLoad } from '../common';
import { routePath } from '../router';
import { monitoringStrings as s, StateBadge, when } from './MonitoringShared';

const useStyles = makeStyles({
  issue: {
    padding: tokens.spacingHorizontalL,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  head: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
  name: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold, flexGrow: 1 },
  muted: { color: tokens.colorNeutralForeground3 },
});

export function MonitoringIssues({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const { client } = useAdmin();
  const list = useLoad((signal) => client.monitoring.issues(org.id, { limit: 50 }, signal), [client, org.id]);
  return (
    <div className={styles.page} style={{ marginTop: tokens.spacingVerticalM }} data-testid="monitoring-issues">
      {list.error !== undefined && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.data === undefined ? (
        list.error === undefined && <Loading label={s.loading} />
      ) : list.data.total === 0 ? (
        <EmptyState testId="issues-empty">{s.noIssues}</EmptyState>
      ) : (
        <>
          <Text>{s.issuesTotal(list.data.total)}</Text>
          {list.data.issues.map((issue) => (
            <IssueCard key={issue.userId} org={org} issue={issue} onRetried={list.reload} />
          ))}
        </>
      )}
    </div>
  );
}

function IssueCard({ org, issue, onRetried }: { org: Organization; issue: SyncIssue; onRetried(): void }): ReactNode {
  const own = useStyles();
  const styles = useCommonStyles();
  const { client } = useAdmin();
  const announce = useAnnounce();
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const headingId = `issue-${issue.userId}`;
  const retry = async (keys?: string[]): Promise<void> => {
    setBusy(keys?.[0] ?? 'all');
    try {
      const answer = await client.monitoring.retry(org.id, issue.userId, keys);
      const text = s.retried(answer.itemsReset, answer.session);
      setResult({ ok: true, text });
      announce(text);
      onRetried();
    } catch (error) {
      setResult({ ok: false, text: messageOf(error) });
      announce(messageOf(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <article className={own.issue} aria-labelledby={headingId} data-testid="issue-card">
      <div className={own.head}>
        <h3 id={headingId} className={own.name}>
          <Link {...linkTo(routePath({ name: 'organization', orgId: org.id, section: 'monitoring', userId: issue.userId }))}>{issue.displayName}</Link>{' '}
          <span className={own.muted}>{issue.email}</span>
        </h3>
        <StateBadge state={issue.state} />
        <Button icon={<ArrowClockwise16Regular />} disabled={busy !== null} onClick={() => void retry()} aria-label={s.retryAll(issue.displayName)} data-testid="issue-retry-all">
          {s.retry}
        </Button>
      </div>
      {issue.mailboxFailure !== null && (
        <Text>
          <strong>{s.mailboxFailing(issue.mailboxFailure.consecutive)}</strong> {issue.mailboxFailure.since ? s.since(when(issue.mailboxFailure.since)) : ''}: {issue.mailboxFailure.message}{' '}
          <span className={own.muted}>{issue.mailboxFailure.advice}</span>
        </Text>
      )}
      {issue.suspendedReason !== null && issue.state === 'suspended' && <Text>{issue.suspendedReason}</Text>}
      {issue.items.length > 0 && (
        <div className={styles.tableWrap}>
          <Table size="small" className={styles.table} aria-labelledby={headingId}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{s.columns.item}</TableHeaderCell>
                <TableHeaderCell>{s.columns.error}</TableHeaderCell>
                <TableHeaderCell>{s.columns.since}</TableHeaderCell>
                <TableHeaderCell>{s.columns.attempts}</TableHeaderCell>
                <TableHeaderCell />
              </TableRow>
            </TableHeader>
            <TableBody>
              {issue.items.map((item) => (
                <TableRow key={item.key} data-testid="issue-item">
                  <TableCell>
                    <span className={own.muted}>{s.kinds[item.kind]}: </span>
                    {item.subject || item.key}
                  </TableCell>
                  <TableCell>{item.error}</TableCell>
                  <TableCell>{when(item.since)}</TableCell>
                  <TableCell>
                    {item.attempts} <span className={own.muted}>({item.willRetry ? s.willRetry : s.retriesUsed})</span>
                  </TableCell>
                  <TableCell>
                    <Button size="small" disabled={busy !== null} onClick={() => void retry([item.key])} aria-label={s.retryItem(item.subject || item.key)} data-testid="issue-item-retry">
                      {s.retry}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {issue.itemCount > issue.items.length && <Text className={own.muted}>{s.moreItems(issue.items.length, issue.itemCount)}</Text>}
        </div>
      )}
      {result !== null && (
        <MessageBar intent={result.ok ? 'success' : 'error'} data-testid="issue-retry-result">
          <MessageBarBody>{result.text}</MessageBarBody>
        </MessageBar>
      )}
    </article>
  );
}
