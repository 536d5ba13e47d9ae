/**
 * A2 Users: a table paged by the server (keyset cursors, so 10,000 users cost one page each), searched as the admin
 * types (debounced; the relay matches name, address, logins and C4C user ID), with add / edit / remove dialogs whose
 * errors sit next to their fields.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Input,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Radio,
  RadioGroup,
  SearchBox,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { ChevronLeft20Regular, ChevronRight20Regular, Delete20Regular, Edit20Regular, MoreHorizontal20Regular, PersonAdd20Regular } from '@fluentui/react-icons';
import type { AdminUser, Organization, UserCreateRequest } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { DialogSaveActions, EmptyState, ErrorBanner, fieldErrors, fieldState, Loading, StatusBadge, useAnnounce, useCommonStyles, useLoad } from '../common';
import { formatDateTime, strings } from '../strings';

const PAGE_SIZE = 50;

export function AccessBadge({ user }: { user: AdminUser }): ReactNode {
  const check = user.lastAccessCheck;
  if (check === null) return <StatusBadge outcome="none">{strings.notChecked}</StatusBadge>;
  return (
    <span title={`${check.message} (${formatDateTime(check.checkedAt)})`}>
      <StatusBadge outcome={check.ok ? 'ok' : 'failed'}>{strings.problems[check.problem]}</StatusBadge>
    </span>
  );
}

export function SyncBadge({ status }: { status: AdminUser['syncStatus'] }): ReactNode {
  if (status === null) return <StatusBadge outcome="none">{strings.syncOff}</StatusBadge>;
  return <StatusBadge outcome={status === 'enabled' ? 'ok' : 'warning'}>{strings.syncStatus[status] ?? status}</StatusBadge>;
}

/** The search box's value, settled for `ms`: one request per pause in typing, not per key. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function UsersScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 250);
  // cursors[i] opens page i (page 0 has none); a new search or organization starts again at page 0.
  const key = `${org.id}|${q}`;
  const [paging, setPaging] = useState<{ key: string; cursors: Array<string | undefined> }>({ key, cursors: [undefined] });
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const setCursors = (update: (c: Array<string | undefined>) => Array<string | undefined>): void => setPaging({ key, cursors: update(cursors) });
  const page = cursors.length - 1;
  const list = useLoad((signal) => client.users(org.id, { q: q === '' ? undefined : q, cursor: cursors[page], limit: PAGE_SIZE }, signal), [client, org.id, q, cursors[page]]);
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null);
  const [removing, setRemoving] = useState<AdminUser | null>(null);
  const changed = (): void => {
    list.reload();
    refreshOrganizations();
  };

  const users = list.data?.users ?? [];
  const shown = page * PAGE_SIZE + users.length;
  return (
    <section className={styles.page} aria-labelledby="users-heading">
      <div className={styles.row}>
        <h2 id="users-heading" className={styles.heading} style={{ flexGrow: 1 }}>
          {strings.usersHeading}
        </h2>
        <Button appearance="primary" icon={<PersonAdd20Regular />} onClick={() => setEditing('new')} data-testid="add-user">
          {strings.addUser}
        </Button>
      </div>
      <div className={styles.toolbar}>
        <Field label={strings.usersSearch} style={{ minWidth: '360px' }}>
          <SearchBox value={search} placeholder={strings.usersSearchPlaceholder} onChange={(_e, d) => setSearch(d.value)} data-testid="users-search" />
        </Field>
      </div>
      {list.error !== undefined && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.data === undefined && list.error === undefined ? (
        <Loading />
      ) : list.data !== undefined && list.data.total === 0 ? (
        <EmptyState testId="users-empty">{q === '' ? strings.usersEmpty : strings.usersNoMatch(q)}</EmptyState>
      ) : (
        list.data !== undefined && (
          <>
            <div className={styles.tableWrap}>
              <Table className={styles.table} aria-labelledby="users-heading" aria-busy={list.loading} data-testid="users-table" size="small">
                <TableHeader>
                  <TableRow>
                    <TableHeaderCell>{strings.columns.name}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.email}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.mailboxLogin}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.c4cLogin}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.c4cUserId}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.access}</TableHeaderCell>
                    <TableHeaderCell>{strings.columns.sync}</TableHeaderCell>
                    <TableHeaderCell>
                      <span className={styles.visuallyHidden}>{strings.columns.actions}</span>
                    </TableHeaderCell>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {users.map((user) => (
                    <TableRow key={user.id} data-testid="user-row" data-email={user.email}>
                      <TableCell>{user.displayName}</TableCell>
                      <TableCell>{user.email}</TableCell>
                      <TableCell>{user.mailboxLogin ?? '—'}</TableCell>
                      <TableCell>{user.c4cLogin ?? '—'}</TableCell>
                      <TableCell>{user.c4cUserId ?? '—'}</TableCell>
                      <TableCell>
                        <AccessBadge user={user} />
                      </TableCell>
                      <TableCell>
                        <SyncBadge status={user.syncStatus} />
                      </TableCell>
                      <TableCell>
                        <Menu>
                          <MenuTrigger disableButtonEnhancement>
                            <Button appearance="subtle" icon={<MoreHorizontal20Regular />} aria-label={strings.userActions(user.displayName)} />
                          </MenuTrigger>
                          <MenuPopover>
                            <MenuList>
                              <MenuItem icon={<Edit20Regular />} onClick={() => setEditing(user)}>
                                {strings.edit}
                              </MenuItem>
                              <MenuItem icon={<Delete20Regular />} onClick={() => setRemoving(user)}>
                                {strings.remove}
                              </MenuItem>
                            </MenuList>
                          </MenuPopover>
                        </Menu>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
            <nav className={styles.row} aria-label={strings.pageOf(page + 1)}>
              <Button icon={<ChevronLeft20Regular />} disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="users-previous">
                {strings.previousPage}
              </Button>
              <Button
                icon={<ChevronRight20Regular />}
                iconPosition="after"
                disabled={list.data.nextCursor === null}
                onClick={() => setCursors((c) => [...c, list.data?.nextCursor ?? undefined])}
                data-testid="users-next"
              >
                {strings.nextPage}
              </Button>
              <Text data-testid="users-total">{strings.usersTotal(shown, list.data.total)}</Text>
            </nav>
          </>
        )
      )}
      {editing !== null && <UserDialog org={org} user={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={changed} />}
      {removing !== null && <RemoveDialog org={org} user={removing} onClose={() => setRemoving(null)} onRemoved={changed} />}
    </section>
  );
}

type UserForm = { displayName: string; email: string; mailboxLogin: string; c4cLogin: string; c4cUserId: string; entraObjectId: string; role: 'user' | 'admin' };

const orNull = (value: string): string | null => (value.trim() === '' ? null : value.trim());

function UserDialog({ org, user, onClose, onSaved }: { org: Organization; user: AdminUser | null; onClose(): void; onSaved(): void }): ReactNode {
  const styles = useCommonStyles();
  const { client } = useAdmin();
  const announce = useAnnounce();
  const [form, setForm] = useState<UserForm>({
    displayName: user?.displayName ?? '',
    email: user?.email ?? '',
    mailboxLogin: user?.mailboxLogin ?? '',
    c4cLogin: user?.c4cLogin ?? '',
    c4cUserId: user?.c4cUserId ?? '',
    entraObjectId: user?.entraObjectId ?? '',
    role: user?.role ?? 'user',
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof UserForm) => (_e: unknown, d: { value: string }) => setForm((f) => ({ ...f, [name]: d.value }));
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const request: UserCreateRequest = {
      displayName: form.displayName,
      email: form.email.trim(),
      mailboxLogin: orNull(form.mailboxLogin),
      c4cLogin: orNull(form.c4cLogin),
      c4cUserId: orNull(form.c4cUserId),
      entraObjectId: orNull(form.entraObjectId),
      role: form.role,
    };
    try {
      if (user === null) await client.createUser(org.id, request);
      else await client.updateUser(org.id, user.id, request);
      announce(strings.saved);
      onSaved();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);
  return (
    <Dialog open onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface>
        <form onSubmit={(e) => void submit(e)} data-testid="user-form">
          <DialogBody>
            <DialogTitle>{user === null ? strings.addUser : strings.editUser}</DialogTitle>
            <DialogContent className={styles.form}>
              {error !== undefined && <ErrorBanner error={error} />}
              <Field label={strings.columns.name} required {...fieldState(errors, 'displayName')}>
                <Input value={form.displayName} onChange={set('displayName')} data-testid="user-name" />
              </Field>
              <Field label={strings.columns.email} required {...fieldState(errors, 'email')}>
                <Input type="email" value={form.email} onChange={set('email')} data-testid="user-email" />
              </Field>
              <Field label={strings.columns.mailboxLogin} {...fieldState(errors, 'mailboxLogin')}>
                <Input value={form.mailboxLogin} onChange={set('mailboxLogin')} />
              </Field>
              <Field label={strings.columns.c4cLogin} {...fieldState(errors, 'c4cLogin')}>
                <Input value={form.c4cLogin} onChange={set('c4cLogin')} />
              </Field>
              <Field label={strings.columns.c4cUserId} {...fieldState(errors, 'c4cUserId')}>
                <Input value={form.c4cUserId} onChange={set('c4cUserId')} />
              </Field>
              <Field label={strings.columns.entraObjectId} {...fieldState(errors, 'entraObjectId')}>
                <Input value={form.entraObjectId} onChange={set('entraObjectId')} />
              </Field>
              <Field label={strings.columns.role} {...fieldState(errors, 'role')}>
                <RadioGroup layout="horizontal" value={form.role} onChange={(_e, d) => setForm((f) => ({ ...f, role: d.value === 'admin' ? 'admin' : 'user' }))}>
                  <Radio value="user" label={strings.roleUser} />
                  <Radio value="admin" label={strings.roleAdmin} />
                </RadioGroup>
              </Field>
            </DialogContent>
            <DialogSaveActions busy={busy} saveTestId="user-save" />
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

function RemoveDialog({ org, user, onClose, onRemoved }: { org: Organization; user: AdminUser; onClose(): void; onRemoved(): void }): ReactNode {
  const { client } = useAdmin();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await client.deleteUser(org.id, user.id);
      onRemoved();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog open modalType="alert" onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>{strings.removeUserTitle(user.displayName)}</DialogTitle>
          <DialogContent>
            {error !== undefined && <ErrorBanner error={error} />}
            <Text>{strings.removeUserBody}</Text>
          </DialogContent>
          <DialogActions>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">{strings.cancel}</Button>
            </DialogTrigger>
            <Button appearance="primary" disabled={busy} onClick={() => void remove()} data-testid="remove-user-confirm">
              {strings.removeUser}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
