/**
 * A1 Organizations: the list (with what each has set up), create, edit (name, slug, Entra tenant, sync interval), and
 * delete behind a dialog that names what goes (users, secrets, sync state) and asks for the slug.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
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
  Link,
  MessageBar,
  MessageBarBody,
  SpinButton,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { Add20Regular, Delete20Regular } from '@fluentui/react-icons';
import type { Organization, OrganizationCreateRequest, OrganizationDeletePreview, OrganizationUpdateRequest } from '../../../shared/api/admin';
import { linkTo, useAdmin } from '../AdminApp';
import { DialogSaveActions, EmptyState, ErrorBanner, fieldErrors, fieldState, Loading, StatusBadge, useAnnounce, useCommonStyles, useLoad } from '../common';
import { navigate, routePath } from '../router';
import { strings } from '../strings';

export function OrganizationsScreen(): ReactNode {
  const styles = useCommonStyles();
  const { organizations } = useAdmin();
  const [creating, setCreating] = useState(false);
  return (
    <section className={styles.page} aria-labelledby="orgs-heading">
      <div className={styles.row}>
        <h2 id="orgs-heading" className={styles.heading} style={{ flexGrow: 1 }}>
          {strings.organizationsHeading}
        </h2>
        <Button appearance="primary" icon={<Add20Regular />} onClick={() => setCreating(true)} data-testid="create-organization">
          {strings.createOrganization}
        </Button>
      </div>
      {organizations.length === 0 ? (
        <EmptyState testId="organizations-empty">{strings.organizationsEmpty}</EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <Table className={styles.table} aria-labelledby="orgs-heading" data-testid="organizations-table">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{strings.organizationName}</TableHeaderCell>
                <TableHeaderCell>{strings.tenantId}</TableHeaderCell>
                <TableHeaderCell>{strings.nav.users}</TableHeaderCell>
                <TableHeaderCell>{strings.nav.mailboxAccess}</TableHeaderCell>
                <TableHeaderCell>{strings.nav.c4c}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {organizations.map((org) => (
                <TableRow key={org.id} data-testid="organization-row" data-slug={org.slug}>
                  <TableCell>
                    <Link {...linkTo(routePath({ name: 'organization', orgId: org.id, section: 'users' }))}>{org.name}</Link>
                  </TableCell>
                  <TableCell>
                    <Text font="monospace" size={200}>
                      {org.entraTenantId ?? '—'}
                    </Text>
                  </TableCell>
                  <TableCell>{strings.usersCount(org.userCount)}</TableCell>
                  <TableCell>
                    {org.mailboxAccessKind === null ? (
                      <StatusBadge outcome="none">{strings.mailboxAccessNone}</StatusBadge>
                    ) : (
                      <StatusBadge outcome="ok">{strings.kinds[org.mailboxAccessKind]}</StatusBadge>
                    )}
                  </TableCell>
                  <TableCell>
                    <StatusBadge outcome={org.c4cConfigured ? 'ok' : 'none'}>{org.c4cConfigured ? strings.c4cConfigured : strings.c4cNotConfigured}</StatusBadge>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {creating && <OrganizationDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

interface OrgFormValues {
  name: string;
  slug: string;
  entraTenantId: string;
  syncIntervalMinutes: number;
}

function OrganizationFields({ values, onChange, errors, tenantEditable }: { values: OrgFormValues; onChange(v: OrgFormValues): void; errors: Record<string, string>; tenantEditable: boolean }): ReactNode {
  return (
    <>
      <Field label={strings.organizationName} required {...fieldState(errors, 'name')}>
        <Input value={values.name} onChange={(_e, d) => onChange({ ...values, name: d.value })} data-testid="org-name" />
      </Field>
      <Field label={strings.organizationSlug} hint={strings.organizationSlugHint} {...fieldState(errors, 'slug')}>
        <Input value={values.slug} onChange={(_e, d) => onChange({ ...values, slug: d.value })} data-testid="org-slug" />
      </Field>
      <Field label={strings.tenantId} hint={tenantEditable ? strings.tenantIdHint : strings.tenantIdOperatorOnly} {...fieldState(errors, 'entraTenantId')}>
        <Input
          value={values.entraTenantId}
          disabled={!tenantEditable}
          placeholder="00000000-0000-0000-0000-000000000000"
          onChange={(_e, d) => onChange({ ...values, entraTenantId: d.value })}
          data-testid="org-tenant"
        />
      </Field>
      <Field label={strings.syncInterval} hint={strings.syncIntervalHint} {...fieldState(errors, 'syncIntervalMinutes')}>
        <SpinButton
          min={1}
          max={1440}
          value={values.syncIntervalMinutes}
          onChange={(_e, d) => {
            const next = d.value ?? Number.parseInt(d.displayValue ?? '', 10);
            if (Number.isFinite(next)) onChange({ ...values, syncIntervalMinutes: next as number });
          }}
          data-testid="org-interval"
        />
      </Field>
    </>
  );
}

function OrganizationDialog({ onClose }: { onClose(): void }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [values, setValues] = useState<OrgFormValues>({ name: '', slug: '', entraTenantId: '', syncIntervalMinutes: 30 });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const request: OrganizationCreateRequest = { name: values.name, syncIntervalMinutes: values.syncIntervalMinutes };
      if (values.slug.trim() !== '') request.slug = values.slug.trim();
      if (values.entraTenantId.trim() !== '') request.entraTenantId = values.entraTenantId.trim();
      const created = await client.createOrganization(request);
      refreshOrganizations();
      announce(strings.saved);
      onClose();
      navigate(routePath({ name: 'organization', orgId: created.id, section: 'users' }));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);
  return (
    <Dialog open onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface>
        <form onSubmit={(e) => void submit(e)} data-testid="organization-form">
          <DialogBody>
            <DialogTitle>{strings.createOrganization}</DialogTitle>
            <DialogContent className={styles.form}>
              {error !== undefined && <ErrorBanner error={error} />}
              <OrganizationFields values={values} onChange={setValues} errors={errors} tenantEditable />
            </DialogContent>
            <DialogSaveActions busy={busy} saveTestId="org-save" />
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

export function OrganizationSettingsScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const { client, me, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [values, setValues] = useState<OrgFormValues>({
    name: org.name,
    slug: org.slug,
    entraTenantId: org.entraTenantId ?? '',
    syncIntervalMinutes: org.syncIntervalMinutes,
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const request: OrganizationUpdateRequest = { name: values.name, slug: values.slug, syncIntervalMinutes: values.syncIntervalMinutes };
      if (me.operator) request.entraTenantId = values.entraTenantId.trim() === '' ? null : values.entraTenantId.trim();
      await client.updateOrganization(org.id, request);
      refreshOrganizations();
      setSaved(true);
      announce(strings.saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={styles.page} aria-labelledby="settings-heading">
      <h2 id="settings-heading" className={styles.heading}>
        {strings.editOrganization}
      </h2>
      <form className={styles.form} onSubmit={(e) => void submit(e)} data-testid="organization-settings">
        {error !== undefined && <ErrorBanner error={error} />}
        {saved && (
          <MessageBar intent="success">
            <MessageBarBody>{strings.saved}</MessageBarBody>
          </MessageBar>
        )}
        <OrganizationFields values={values} onChange={setValues} errors={fieldErrors(error)} tenantEditable={me.operator} />
        <div className={styles.row}>
          <Button appearance="primary" type="submit" disabled={busy}>
            {busy ? strings.saving : strings.save}
          </Button>
        </div>
      </form>
      <div className={styles.card}>
        <h3 className={styles.subheading}>{strings.deleteOrganization}</h3>
        <div>
          <Button icon={<Delete20Regular />} onClick={() => setDeleting(true)} data-testid="delete-organization">
            {strings.deleteOrganization}
          </Button>
        </div>
      </div>
      {deleting && <DeleteDialog org={org} onClose={() => setDeleting(false)} />}
    </section>
  );
}

function previewLines(preview: OrganizationDeletePreview): string[] {
  const secrets: string[] = [];
  if (preview.secrets.c4cPassword) secrets.push(strings.deleteSecretC4c);
  if (preview.secrets.mailboxAccessSecret) secrets.push(strings.deleteSecretMailbox);
  if (preview.secrets.userCredentials > 0) secrets.push(strings.deleteSecretUsers(preview.secrets.userCredentials));
  return [
    strings.deleteUsers(preview.users),
    strings.deleteSecrets(secrets),
    strings.deleteSync(preview.sync.mailboxes, preview.sync.enabled),
    strings.deleteRuns(preview.accessCheckRuns),
    strings.deleteAudit(preview.auditEntries),
  ];
}

function DeleteDialog({ org, onClose }: { org: Organization; onClose(): void }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const preview = useLoad((signal) => client.deletePreview(org.id, signal), [client, org.id]);
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      await client.deleteOrganization(org.id, confirm);
      announce(strings.deleted(org.name));
      refreshOrganizations();
      onClose();
      navigate(routePath({ name: 'organizations' }));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <Dialog open modalType="alert" onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface>
        <form onSubmit={(e) => void submit(e)} data-testid="delete-dialog">
          <DialogBody>
            <DialogTitle>{strings.deleteTitle(org.name)}</DialogTitle>
            <DialogContent className={styles.form}>
              {error !== undefined && <ErrorBanner error={error} />}
              {preview.error !== undefined && <ErrorBanner error={preview.error} onRetry={preview.reload} />}
              {preview.data === undefined ? (
                preview.error === undefined && <Loading />
              ) : (
                <>
                  <Text>{strings.deleteIntro}</Text>
                  <ul data-testid="delete-preview">
                    {previewLines(preview.data).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                  <Field label={strings.deleteConfirmLabel(preview.data.slug)} required {...fieldState(fieldErrors(error), 'confirm')}>
                    <Input value={confirm} onChange={(_e, d) => setConfirm(d.value)} data-testid="delete-confirm" autoComplete="off" />
                  </Field>
                </>
              )}
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">{strings.cancel}</Button>
              </DialogTrigger>
              <Button appearance="primary" type="submit" disabled={busy || preview.data === undefined || confirm !== preview.data.slug} data-testid="delete-submit">
                {strings.deleteConfirm}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
