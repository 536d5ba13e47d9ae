/**
 * A3 Mailbox access: the kind (one form each, with what to set up on the Exchange / Entra side), its settings, and
 * the secret, which is write-only: once stored the form says "Set on <date>" and offers Replace, never the value.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup, Text, Textarea } from '@fluentui/react-components';
import { MAILBOX_ACCESS_KINDS, type MailboxAccessRequest, type MailboxAccessResponse, type Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, fieldErrors, fieldState, LoadedSettingsScreen, useAnnounce, useCommonStyles, useLoad } from '../common';
import { formatDateTime, strings } from '../strings';

type Kind = (typeof MAILBOX_ACCESS_KINDS)[number];

interface Values {
  kind: Kind;
  ewsUrl: string;
  autodiscoverAddress: string;
  username: string;
  password: string;
  tenantId: string;
  clientId: string;
  credentialType: 'secret' | 'certificate';
  clientSecret: string;
  certificatePem: string;
  privateKeyPem: string;
}

function initialValues(current: MailboxAccessResponse): Values {
  const settings = current.access?.settings ?? {};
  const text = (name: string): string => (typeof settings[name] === 'string' ? (settings[name] as string) : '');
  return {
    kind: current.access?.kind ?? 'ews-impersonation',
    ewsUrl: text('ewsUrl'),
    autodiscoverAddress: text('autodiscoverAddress'),
    username: text('username'),
    password: '',
    tenantId: text('tenantId'),
    clientId: text('clientId'),
    credentialType: text('credentialType') === 'certificate' ? 'certificate' : 'secret',
    clientSecret: '',
    certificatePem: '',
    privateKeyPem: '',
  };
}

const blankToUndefined = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());

function toRequest(values: Values, replacing: boolean): MailboxAccessRequest {
  switch (values.kind) {
    case 'ews-impersonation':
      return {
        kind: 'ews-impersonation',
        ewsUrl: blankToUndefined(values.ewsUrl),
        autodiscoverAddress: blankToUndefined(values.autodiscoverAddress),
        username: values.username.trim(),
        password: replacing && values.password !== '' ? values.password : undefined,
      };
    case 'graph-app':
      return {
        kind: 'graph-app',
        tenantId: values.tenantId.trim(),
        clientId: values.clientId.trim(),
        clientSecret: replacing && values.credentialType === 'secret' && values.clientSecret !== '' ? values.clientSecret : undefined,
        certificate:
          replacing && values.credentialType === 'certificate' && (values.certificatePem !== '' || values.privateKeyPem !== '')
            ? { certificatePem: values.certificatePem, privateKeyPem: values.privateKeyPem }
            : undefined,
      };
    case 'ews-direct':
      return { kind: 'ews-direct', ewsUrl: blankToUndefined(values.ewsUrl), autodiscoverAddress: blankToUndefined(values.autodiscoverAddress) };
    case 'graph-delegated':
      return { kind: 'graph-delegated' };
  }
}

export function MailboxAccessScreen({ org }: { org: Organization }): ReactNode {
  const { client } = useAdmin();
  const current = useLoad((signal) => client.mailboxAccess(org.id, signal), [client, org.id]);
  return (
    <LoadedSettingsScreen id="mailbox" heading={strings.mailboxHeading} intro={strings.mailboxIntro} loaded={current}>
      {(data) => <MailboxAccessForm org={org} current={data} onSaved={(saved) => current.setData(saved)} />}
    </LoadedSettingsScreen>
  );
}

function SecretField({
  label,
  setAt,
  replacing,
  onReplace,
  children,
  testId,
}: {
  label: string;
  setAt: string | null;
  replacing: boolean;
  onReplace(): void;
  children: ReactNode;
  testId: string;
}): ReactNode {
  const styles = useCommonStyles();
  if (setAt !== null && !replacing) {
    return (
      <Field label={label}>
        <div className={styles.row} data-testid={`${testId}-set`}>
          <Text>{strings.secretSetOn(formatDateTime(setAt))}</Text>
          <Button size="small" onClick={onReplace} data-testid={`${testId}-replace`}>
            {strings.replaceSecret}
          </Button>
        </div>
      </Field>
    );
  }
  return <>{children}</>;
}

function MailboxAccessForm({ org, current, onSaved }: { org: Organization; current: MailboxAccessResponse; onSaved(saved: MailboxAccessResponse): void }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [values, setValues] = useState<Values>(() => initialValues(current));
  const storedKind = current.access?.kind;
  // The stored secret belongs to the stored kind; choosing another kind needs a new one.
  const secretSetAt = storedKind === values.kind ? (current.access?.secretSetAt ?? null) : null;
  const [replacing, setReplacing] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => setReplacing(false), [values.kind, current]);
  const needsSecret = secretSetAt === null || replacing;
  const set = (name: keyof Values) => (_e: unknown, d: { value: string }) => setValues((v) => ({ ...v, [name]: d.value }));

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const result = await client.setMailboxAccess(org.id, toRequest(values, needsSecret));
      onSaved(result);
      setValues((v) => ({ ...v, password: '', clientSecret: '', certificatePem: '', privateKeyPem: '' }));
      setSaved(true);
      announce(strings.saved);
      refreshOrganizations();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const errors = fieldErrors(error);
  const ews = values.kind === 'ews-impersonation' || values.kind === 'ews-direct';
  const stored = current.access?.settings ?? {};
  // The certificate in use, as the relay read it (never the key): what the admin compares with the app registration.
  const storedCertificate =
    secretSetAt !== null && stored.credentialType === 'certificate'
      ? strings.certificateStored(String(stored.certificateSubject ?? ''), String(stored.certificateThumbprintSha256 ?? '').toUpperCase(), stored.certificateNotAfter ? formatDateTime(String(stored.certificateNotAfter)) : '')
      : undefined;
  const loadPem = (name: 'certificatePem' | 'privateKeyPem') => (event: { currentTarget: HTMLInputElement }) => {
    const file = event.currentTarget.files?.[0];
    if (file) void file.text().then((text) => setValues((v) => ({ ...v, [name]: text })));
  };
  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)} data-testid="mailbox-access-form">
      {current.access !== null && <Text className={styles.muted}>{strings.configuredSince(formatDateTime(current.access.updatedAt))}</Text>}
      {current.access?.usersWithCredential !== null && current.access?.usersWithCredential !== undefined && <Text>{strings.usersWithCredential(current.access.usersWithCredential)}</Text>}
      <Field label={strings.accessKind} {...fieldState(errors, 'kind')}>
        <RadioGroup value={values.kind} onChange={(_e, d) => setValues((v) => ({ ...v, kind: d.value as Kind }))} data-testid="access-kind">
          {MAILBOX_ACCESS_KINDS.map((kind) => (
            <Radio key={kind} value={kind} label={strings.kinds[kind]} data-testid={`kind-${kind}`} />
          ))}
        </RadioGroup>
      </Field>
      <MessageBar intent="info" data-testid="kind-help">
        <MessageBarBody>{strings.kindHelp[values.kind]}</MessageBarBody>
      </MessageBar>
      {error !== undefined && <ErrorBanner error={error} />}
      {saved && (
        <MessageBar intent="success" data-testid="mailbox-saved">
          <MessageBarBody>{strings.saved}</MessageBarBody>
        </MessageBar>
      )}
      {ews && (
        <>
          <Field label={strings.ewsUrl} hint={strings.ewsUrlHint} {...fieldState(errors, 'ewsUrl')}>
            <Input type="url" value={values.ewsUrl} onChange={set('ewsUrl')} data-testid="ews-url" />
          </Field>
          <Field label={strings.autodiscoverAddress} hint={strings.autodiscoverHint} {...fieldState(errors, 'autodiscoverAddress')}>
            <Input type="email" value={values.autodiscoverAddress} onChange={set('autodiscoverAddress')} data-testid="autodiscover-address" />
          </Field>
        </>
      )}
      {values.kind === 'ews-impersonation' && (
        <>
          <Field label={strings.serviceAccount} hint={strings.serviceAccountHint} required {...fieldState(errors, 'username')}>
            <Input value={values.username} onChange={set('username')} autoComplete="off" data-testid="service-account" />
          </Field>
          <SecretField label={strings.password} setAt={secretSetAt} replacing={replacing} onReplace={() => setReplacing(true)} testId="password">
            <Field label={strings.password} required {...fieldState(errors, 'password')}>
              <Input type="password" value={values.password} onChange={set('password')} autoComplete="new-password" data-testid="service-password" />
            </Field>
          </SecretField>
        </>
      )}
      {values.kind === 'graph-app' && (
        <>
          <Field label={strings.graphTenantId} required {...fieldState(errors, 'tenantId')}>
            <Input value={values.tenantId} onChange={set('tenantId')} data-testid="graph-tenant" />
          </Field>
          <Field label={strings.graphClientId} required {...fieldState(errors, 'clientId')}>
            <Input value={values.clientId} onChange={set('clientId')} data-testid="graph-client" />
          </Field>
          {storedCertificate !== undefined && !replacing && (
            <Text className={styles.muted} data-testid="graph-certificate-stored">
              {storedCertificate}
            </Text>
          )}
          <SecretField label={strings.credentialType} setAt={secretSetAt} replacing={replacing} onReplace={() => setReplacing(true)} testId="graph-secret">
            <Field label={strings.credentialType}>
              <RadioGroup layout="horizontal" value={values.credentialType} onChange={(_e, d) => setValues((v) => ({ ...v, credentialType: d.value === 'certificate' ? 'certificate' : 'secret' }))}>
                <Radio value="secret" label={strings.clientSecret} />
                <Radio value="certificate" label={strings.certificate} />
              </RadioGroup>
            </Field>
            {values.credentialType === 'secret' ? (
              <Field label={strings.clientSecret} required {...fieldState(errors, 'clientSecret')}>
                <Input type="password" value={values.clientSecret} onChange={set('clientSecret')} autoComplete="new-password" data-testid="graph-client-secret" />
              </Field>
            ) : (
              <>
                <Field label={strings.certificatePem} hint={strings.certificatePemHint} required {...fieldState(errors, 'certificate.certificatePem')}>
                  <Textarea value={values.certificatePem} onChange={set('certificatePem')} resize="vertical" rows={4} spellCheck={false} data-testid="graph-certificate-pem" />
                </Field>
                <input type="file" accept=".pem,.cer,.crt" aria-label={strings.certificateFile} onChange={loadPem('certificatePem')} data-testid="graph-certificate-file" />
                <Field label={strings.privateKeyPem} hint={strings.privateKeyPemHint} required {...fieldState(errors, 'certificate.privateKeyPem')}>
                  <Textarea value={values.privateKeyPem} onChange={set('privateKeyPem')} resize="vertical" rows={4} spellCheck={false} data-testid="graph-private-key-pem" />
                </Field>
                <input type="file" accept=".pem,.key" aria-label={strings.privateKeyFile} onChange={loadPem('privateKeyPem')} data-testid="graph-private-key-file" />
              </>
            )}
          </SecretField>
        </>
      )}
      <div className={styles.row}>
        <Button appearance="primary" type="submit" disabled={busy} data-testid="mailbox-save">
          {busy ? strings.saving : strings.save}
        </Button>
      </div>
    </form>
  );
}
