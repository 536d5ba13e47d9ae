/**
 * A6 C4C connection: service root and technical user, the password write-only ("Set on <date>" + Replace), and
 * Test connection, which shows the relay's verdict word for word with the steps it went through.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Field, Input, MessageBar, MessageBarBody, MessageBarTitle, Text } from '@fluentui/react-components';
import { PlugConnected20Regular } from '@fluentui/react-icons';
import type { C4cConnectionResponse, C4cConnectionTestResponse, Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, fieldErrors, fieldState, LoadedSettingsScreen, StatusBadge, useAnnounce, useCommonStyles, useLoad } from '../common';
import { formatDateTime, strings } from '../strings';

export function C4cConnectionScreen({ org }: { org: Organization }): ReactNode {
  const { client } = useAdmin();
  const current = useLoad((signal) => client.c4cConnection(org.id, signal), [client, org.id]);
  return (
    <LoadedSettingsScreen id="c4c" heading={strings.c4cHeading} intro={strings.c4cIntro} loaded={current}>
      {(data) => <C4cForm org={org} current={data} onSaved={(saved) => current.setData(saved)} />}
    </LoadedSettingsScreen>
  );
}

function C4cForm({ org, current, onSaved }: { org: Organization; current: C4cConnectionResponse; onSaved(saved: C4cConnectionResponse): void }): ReactNode {
  const styles = useCommonStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [serviceRoot, setServiceRoot] = useState(current.connection?.serviceRoot ?? '');
  const [username, setUsername] = useState(current.connection?.username ?? '');
  const [password, setPassword] = useState('');
  const [replacing, setReplacing] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [testing, setTesting] = useState(false);
  const [verdict, setVerdict] = useState<C4cConnectionTestResponse | null>(null);
  const [testError, setTestError] = useState<unknown>(undefined);
  const passwordSetAt = current.connection?.passwordSetAt ?? null;
  const needsPassword = passwordSetAt === null || replacing;

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const result = await client.setC4cConnection(org.id, { serviceRoot: serviceRoot.trim(), username: username.trim(), password: needsPassword && password !== '' ? password : undefined });
      onSaved(result);
      setPassword('');
      setReplacing(false);
      setSaved(true);
      announce(strings.saved);
      refreshOrganizations();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const test = async (): Promise<void> => {
    setTesting(true);
    setVerdict(null);
    setTestError(undefined);
    try {
      // What the form shows is tested (before saving), with the stored password unless a new one was typed.
      const result = await client.testC4cConnection(org.id, {
        serviceRoot: serviceRoot.trim() === '' ? undefined : serviceRoot.trim(),
        username: username.trim() === '' ? undefined : username.trim(),
        password: needsPassword && password !== '' ? password : undefined,
      });
      setVerdict(result);
      announce(result.message);
    } catch (failure) {
      setTestError(failure);
    } finally {
      setTesting(false);
    }
  };

  const errors = fieldErrors(error);
  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)} data-testid="c4c-form">
      {error !== undefined && <ErrorBanner error={error} />}
      {saved && (
        <MessageBar intent="success">
          <MessageBarBody>{strings.saved}</MessageBarBody>
        </MessageBar>
      )}
      <Field label={strings.serviceRoot} hint={strings.serviceRootHint} required {...fieldState(errors, 'serviceRoot')}>
        <Input type="url" value={serviceRoot} onChange={(_e, d) => setServiceRoot(d.value)} data-testid="c4c-service-root" />
      </Field>
      <Field label={strings.technicalUser} required {...fieldState(errors, 'username')}>
        <Input value={username} onChange={(_e, d) => setUsername(d.value)} autoComplete="off" data-testid="c4c-username" />
      </Field>
      {needsPassword ? (
        <Field label={strings.password} required {...fieldState(errors, 'password')}>
          <Input type="password" value={password} onChange={(_e, d) => setPassword(d.value)} autoComplete="new-password" data-testid="c4c-password" />
        </Field>
      ) : (
        <Field label={strings.password}>
          <div className={styles.row} data-testid="c4c-password-set">
            <Text>{strings.secretSetOn(formatDateTime(passwordSetAt))}</Text>
            <Button size="small" onClick={() => setReplacing(true)}>
              {strings.replaceSecret}
            </Button>
          </div>
        </Field>
      )}
      <div className={styles.row}>
        <Button appearance="primary" type="submit" disabled={busy} data-testid="c4c-save">
          {busy ? strings.saving : strings.save}
        </Button>
        <Button icon={<PlugConnected20Regular />} disabled={testing} onClick={() => void test()} data-testid="c4c-test">
          {testing ? strings.testing : strings.testConnection}
        </Button>
      </div>
      {testError !== undefined && <ErrorBanner error={testError} />}
      {verdict !== null && (
        <MessageBar intent={verdict.ok ? 'success' : 'error'} data-testid="c4c-verdict" data-ok={verdict.ok} data-problem={verdict.problem ?? ''}>
          <MessageBarBody>
            <MessageBarTitle>{verdict.ok ? strings.testPassed(verdict.employeesSampled) : (strings.c4cProblems[verdict.problem ?? ''] ?? verdict.problem)}</MessageBarTitle>
            {verdict.message}
            <div className={styles.row} style={{ marginTop: 8 }}>
              {verdict.steps.map((step) => (
                <StatusBadge key={step.step} outcome={step.ok ? 'ok' : 'failed'}>
                  {`${strings.testSteps[step.step] ?? step.step} · ${Math.round(step.ms)} ms`}
                </StatusBadge>
              ))}
            </div>
          </MessageBarBody>
        </MessageBar>
      )}
    </form>
  );
}
