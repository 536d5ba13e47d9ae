/**
 * A5 Bulk activation: one action enables sync for every user whose latest access check passed, or for a chosen set;
 * the answer lists who was activated and, with the reason, who was not (never silently skipped).
 */
import { useState, type ReactNode } from 'react';
import {
  Button,
  Checkbox,
  Field,
  SearchBox,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { ChevronLeft20Regular, ChevronRight20Regular, Play20Regular } from '@fluentui/react-icons';
import type { ActivationRequest, ActivationResponse, Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, Loading, StatusBadge, useAnnounce, useCommonStyles, useLoad } from '../common';
import { strings } from '../strings';
import { AccessBadge, SyncBadge } from './Users';

const PAGE_SIZE = 25;

export function ActivateScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActivationResponse | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const page = cursors.length - 1;
  const users = useLoad((signal) => client.users(org.id, { q: search.trim() === '' ? undefined : search.trim(), cursor: cursors[page], limit: PAGE_SIZE }, signal), [client, org.id, search, cursors[page], result]);

  const activate = async (request: ActivationRequest): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await client.activate(org.id, request);
      setResult(answer);
      setSelected(new Set());
      announce(strings.activateResult(answer.activated.length, answer.notActivated.length));
      refreshOrganizations();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: string, on: boolean): void =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const pageUsers = users.data?.users ?? [];
  const allOnPage = pageUsers.length > 0 && pageUsers.every((u) => selected.has(u.id));

  return (
    <section className={styles.page} aria-labelledby="activate-heading">
      <h2 id="activate-heading" className={styles.heading}>
        {strings.activateHeading}
      </h2>
      <Text className={styles.intro}>{strings.activateIntro}</Text>
      <div className={styles.row}>
        <Button appearance="primary" icon={<Play20Regular />} disabled={busy} onClick={() => void activate({ mode: 'passed' })} data-testid="activate-passed">
          {strings.activateAll}
        </Button>
        <Button disabled={busy || selected.size === 0} onClick={() => void activate({ mode: 'users', userIds: [...selected] })} data-testid="activate-selected">
          {strings.activateSelected(selected.size)}
        </Button>
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {result !== null && <ActivationResult result={result} />}

      <h3 className={styles.subheading}>{strings.activateChoose}</h3>
      <Field label={strings.usersSearch} style={{ maxWidth: '360px' }}>
        <SearchBox
          value={search}
          onChange={(_e, d) => {
            setSearch(d.value);
            setCursors([undefined]);
          }}
        />
      </Field>
      {users.error !== undefined && <ErrorBanner error={users.error} onRetry={users.reload} />}
      {users.data === undefined ? (
        users.error === undefined && <Loading />
      ) : (
        <>
          <div className={styles.tableWrap}>
            <Table className={styles.table} size="small" aria-label={strings.activateChoose} data-testid="activate-users">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: '44px' }}>
                    <Checkbox
                      checked={allOnPage ? true : pageUsers.some((u) => selected.has(u.id)) ? 'mixed' : false}
                      onChange={(_e, d) => pageUsers.forEach((u) => toggle(u.id, d.checked === true))}
                      aria-label={strings.selectAll}
                    />
                  </TableHeaderCell>
                  <TableHeaderCell>{strings.columns.name}</TableHeaderCell>
                  <TableHeaderCell>{strings.columns.email}</TableHeaderCell>
                  <TableHeaderCell>{strings.columns.access}</TableHeaderCell>
                  <TableHeaderCell>{strings.columns.sync}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {pageUsers.map((user) => (
                  <TableRow key={user.id} data-testid="activate-user" data-email={user.email}>
                    <TableCell>
                      <Checkbox checked={selected.has(user.id)} onChange={(_e, d) => toggle(user.id, d.checked === true)} aria-label={strings.selectUser(user.displayName)} />
                    </TableCell>
                    <TableCell>{user.displayName}</TableCell>
                    <TableCell>{user.email}</TableCell>
                    <TableCell>
                      <AccessBadge user={user} />
                    </TableCell>
                    <TableCell>
                      <SyncBadge status={user.syncStatus} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <nav className={styles.row} aria-label={strings.pageOf(page + 1)}>
            <Button icon={<ChevronLeft20Regular />} disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {strings.previousPage}
            </Button>
            <Button icon={<ChevronRight20Regular />} iconPosition="after" disabled={users.data.nextCursor === null} onClick={() => setCursors((c) => [...c, users.data?.nextCursor ?? undefined])}>
              {strings.nextPage}
            </Button>
            <Text>{strings.usersTotal(page * PAGE_SIZE + pageUsers.length, users.data.total)}</Text>
          </nav>
        </>
      )}
    </section>
  );
}

function ActivationResult({ result }: { result: ActivationResponse }): ReactNode {
  const styles = useCommonStyles();
  return (
    <div className={styles.card} data-testid="activation-result">
      <Text weight="semibold">{strings.activateResult(result.activated.length, result.notActivated.length)}</Text>
      {result.notActivated.length > 0 && (
        <>
          <h3 id="not-activated-heading" className={styles.subheading}>
            {strings.notActivatedHeading}
          </h3>
          <Table className={styles.table} size="small" aria-labelledby="not-activated-heading" data-testid="not-activated">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{strings.columns.name}</TableHeaderCell>
                <TableHeaderCell>{strings.columns.email}</TableHeaderCell>
                <TableHeaderCell>{strings.reason}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {result.notActivated.map((row) => (
                <TableRow key={row.userId} data-testid="not-activated-row" data-email={row.email ?? ''}>
                  <TableCell>{row.displayName ?? '—'}</TableCell>
                  <TableCell>{row.email ?? row.userId}</TableCell>
                  <TableCell>
                    <StatusBadge outcome="failed">{row.problem !== null ? strings.problems[row.problem] : (strings.notActivatedReasons[row.reason] ?? row.reason)}</StatusBadge> {row.message}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
      {result.activated.length > 0 && (
        <>
          <h3 id="activated-heading" className={styles.subheading}>
            {strings.activatedHeading}
          </h3>
          <Table className={styles.table} size="small" aria-labelledby="activated-heading" data-testid="activated">
            <TableBody>
              {result.activated.map((row) => (
                <TableRow key={row.userId} data-testid="activated-row" data-email={row.email}>
                  <TableCell>{row.email}</TableCell>
                  <TableCell>
                    <StatusBadge outcome="ok">{strings.outcomes[row.outcome] ?? row.outcome}</StatusBadge>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </div>
  );
}
