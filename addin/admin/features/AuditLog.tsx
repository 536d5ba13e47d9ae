/**
 * The audit log of the organization: who did what and when (never a secret), newest first, filtered by action
 * (exact or prefix), actor and time range on the server, and paged with "Load more".
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Field, Input, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { Filter20Regular } from '@fluentui/react-icons';
import type { AuditEntry, AuditQuery, Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { actorName, EmptyState, ErrorBanner, Loading, useCommonStyles, useLoad } from '../common';
import { formatDateTime, strings } from '../strings';

const useStyles = makeStyles({
  details: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2, wordBreak: 'break-word' },
  action: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
});

/** `datetime-local` value (local time, no zone) → ISO instant. */
const toInstant = (local: string): string | undefined => (local === '' ? undefined : new Date(local).toISOString());

function describe(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

export function AuditLogScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client } = useAdmin();
  const [draft, setDraft] = useState({ action: '', actor: '', from: '', to: '' });
  const [query, setQuery] = useState<AuditQuery>({});
  const [more, setMore] = useState<{ entries: AuditEntry[]; nextCursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const first = useLoad((signal) => client.audit(org.id, { ...query, limit: 50 }, signal), [client, org.id, query]);

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    setMore(null);
    setQuery({
      action: draft.action.trim() === '' ? undefined : draft.action.trim(),
      actor: draft.actor.trim() === '' ? undefined : draft.actor.trim(),
      from: toInstant(draft.from),
      to: toInstant(draft.to),
    });
  };
  const entries = [...(first.data?.entries ?? []), ...(more?.entries ?? [])];
  const nextCursor = more !== null ? more.nextCursor : (first.data?.nextCursor ?? null);
  const loadMore = async (): Promise<void> => {
    if (nextCursor === null) return;
    try {
      const page = await client.audit(org.id, { ...query, cursor: nextCursor, limit: 50 });
      setMore((current) => ({ entries: [...(current?.entries ?? []), ...page.entries], nextCursor: page.nextCursor }));
    } catch (failure) {
      setMoreError(failure);
    }
  };

  return (
    <section className={styles.page} aria-labelledby="audit-heading">
      <h2 id="audit-heading" className={styles.heading}>
        {strings.auditHeading}
      </h2>
      <form className={styles.toolbar} onSubmit={apply} data-testid="audit-filters">
        <Field label={strings.auditAction}>
          <Input value={draft.action} placeholder={strings.auditActionHint} onChange={(_e, d) => setDraft((f) => ({ ...f, action: d.value }))} data-testid="audit-action" />
        </Field>
        <Field label={strings.auditActor}>
          <Input value={draft.actor} onChange={(_e, d) => setDraft((f) => ({ ...f, actor: d.value }))} data-testid="audit-actor" />
        </Field>
        <Field label={strings.auditFrom}>
          <Input type="datetime-local" value={draft.from} onChange={(_e, d) => setDraft((f) => ({ ...f, from: d.value }))} />
        </Field>
        <Field label={strings.auditTo}>
          <Input type="datetime-local" value={draft.to} onChange={(_e, d) => setDraft((f) => ({ ...f, to: d.value }))} />
        </Field>
        <Button type="submit" icon={<Filter20Regular />} data-testid="audit-apply">
          {strings.auditApply}
        </Button>
      </form>
      {first.error !== undefined && <ErrorBanner error={first.error} onRetry={first.reload} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading />
      ) : entries.length === 0 ? (
        <EmptyState testId="audit-empty">{strings.auditEmpty}</EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <Table className={styles.table} size="small" aria-labelledby="audit-heading" data-testid="audit-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell style={{ width: '170px' }}>{strings.auditWhen}</TableHeaderCell>
                <TableHeaderCell style={{ width: '22%' }}>{strings.auditActor}</TableHeaderCell>
                <TableHeaderCell style={{ width: '20%' }}>{strings.auditAction}</TableHeaderCell>
                <TableHeaderCell>{strings.auditWhat}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {entries.map((entry) => (
                <TableRow key={entry.id} data-testid="audit-entry" data-action={entry.action}>
                  <TableCell>
                    <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                  </TableCell>
                  <TableCell>
                    <Text size={200} title={entry.actor}>
                      {actorName(entry.actor)}
                    </Text>
                  </TableCell>
                  <TableCell>
                    <span className={own.action}>{entry.action}</span>
                  </TableCell>
                  <TableCell>
                    <span className={own.details}>{describe(entry.details)}</span>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {moreError !== undefined && <ErrorBanner error={moreError} />}
      {nextCursor !== null && (
        <div>
          <Button onClick={() => void loadMore()}>{strings.auditMore}</Button>
        </div>
      )}
    </section>
  );
}
