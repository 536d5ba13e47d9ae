/**
 * The organization's sync settings: session interval, auto-resolving of people unknown to C4C (E8: Off / Leads /
 * Contacts, and Accounts from corporate domains, which needs one of the two), internal mail, the organization's own
 * domains, what happens to the trigger category after a save, the first session's window and the attempts per email.
 * The relay's message for a field sits next to that field.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Button, Checkbox, Field, Input, makeStyles, MessageBar, MessageBarBody, Radio, RadioGroup, Spinner, Switch, Textarea, tokens } from '@fluentui/react-components';
import type { Organization } from '../../../shared/api/admin';
import type { OrganizationSyncSettingsUpdate } from '../../../shared/api/presets';
import { AUTO_RESOLVE_MODES, type OrganizationSyncSettings } from '../../../shared/api/sync';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, fieldErrors, fieldState, LoadedSettingsScreen, useAnnounce, useCommonStyles, useLoad } from '../common';
import { AdminApiError } from '../http';
import { strings } from '../strings';

const useStyles = makeStyles({
  // The Accounts choice belongs to the people choice above it: indented under it, close to it.
  dependent: { paddingLeft: tokens.spacingHorizontalXXL, marginTop: `calc(-1 * ${tokens.spacingVerticalS})` },
});

export function SyncSettingsScreen({ org }: { org: Organization }): ReactNode {
  const { client } = useAdmin();
  const current = useLoad((signal) => client.syncSettings(org.id, signal), [client, org.id]);
  return (
    <LoadedSettingsScreen id="sync-settings" heading={strings.syncSettingsHeading} intro={strings.syncSettingsIntro} loaded={current}>
      {(data) => <SyncSettingsForm org={org} current={data} onSaved={(saved) => current.setData(saved)} />}
    </LoadedSettingsScreen>
  );
}

interface FormValues {
  intervalMinutes: string;
  autoResolve: OrganizationSyncSettings['autoResolve'];
  autoResolveAccounts: boolean;
  autoSaveInternal: boolean;
  ownDomains: string;
  triggerCategoryAfterSave: OrganizationSyncSettings['triggerCategoryAfterSave'];
  initialWindowDays: string;
  maxItemAttempts: string;
}

function valuesOf(settings: OrganizationSyncSettings): FormValues {
  return {
    intervalMinutes: String(settings.intervalMinutes),
    autoResolve: settings.autoResolve,
    autoResolveAccounts: settings.autoResolveAccounts,
    autoSaveInternal: settings.autoSaveInternal,
    ownDomains: settings.ownDomains.join('\n'),
    triggerCategoryAfterSave: settings.triggerCategoryAfterSave,
    initialWindowDays: String(settings.initialWindowDays),
    maxItemAttempts: String(settings.maxItemAttempts),
  };
}

const NUMBER_FIELDS = ['intervalMinutes', 'initialWindowDays', 'maxItemAttempts'] as const;

/** The update to send, or the fields the browser can already tell are wrong (reported like the relay's 400). */
function updateOf(values: FormValues): OrganizationSyncSettingsUpdate {
  const fields: Record<string, string> = {};
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
  for (const name of NUMBER_FIELDS) {
    const text = values[name].trim();
    if (!/^\d+$/.test(text)) fields[name] = strings.wholeNumber;
    else numbers[name] = Number(text);
  }
  if (Object.keys(fields).length > 0) throw new AdminApiError(0, 'invalid-request', strings.fieldsNeedAttention, fields);
  return {
    ...numbers,
    autoResolve: values.autoResolve,
    autoResolveAccounts: values.autoResolve !== 'off' && values.autoResolveAccounts,
    autoSaveInternal: values.autoSaveInternal,
    ownDomains: values.ownDomains
      .split(/[\s,;]+/)
      .map((d) => d.trim())
      .filter((d) => d !== ''),
    triggerCategoryAfterSave: values.triggerCategoryAfterSave,
  };
}

/** A message for `ownDomains` itself or for one of its entries (`ownDomains.2`), which names the line. */
function domainsError(errors: Record<string, string>): Record<string, string> {
  if (errors.ownDomains !== undefined) return { ownDomains: errors.ownDomains };
  for (const [key, message] of Object.entries(errors)) {
    const match = /^ownDomains\.(\d+)$/.exec(key);
    if (match) return { ownDomains: strings.domainLine(Number(match[1]) + 1, message) };
  }
  return {};
}

function SyncSettingsForm({ org, current, onSaved }: { org: Organization; current: OrganizationSyncSettings; onSaved(saved: OrganizationSyncSettings): void }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const [values, setValues] = useState<FormValues>(() => valuesOf(current));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const set = <K extends keyof FormValues>(name: K, value: FormValues[K]): void => {
    setValues((v) => ({ ...v, [name]: value }));
    setSaved(false);
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const result = await client.setSyncSettings(org.id, updateOf(values));
      onSaved(result);
      setValues(valuesOf(result));
      setSaved(true);
      announce(strings.saved);
      // The organization list shows the interval too.
      refreshOrganizations();
    } catch (failure) {
      setError(failure);
      if (Object.keys(fieldErrors(failure)).length > 0) announce(strings.fieldsNeedAttention);
    } finally {
      setBusy(false);
    }
  };

  const errors = fieldErrors(error);
  const off = values.autoResolve === 'off';
  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)} data-testid="sync-settings-form" aria-busy={busy}>
      {error !== undefined && <ErrorBanner error={error} />}
      {saved && (
        <MessageBar intent="success" data-testid="sync-settings-saved">
          <MessageBarBody>{strings.saved}</MessageBarBody>
        </MessageBar>
      )}
      <Field label={strings.syncInterval} hint={strings.syncIntervalHintLong} required {...fieldState(errors, 'intervalMinutes')}>
        <Input type="number" min={1} max={1440} step={1} value={values.intervalMinutes} onChange={(_e, d) => set('intervalMinutes', d.value)} data-testid="sync-interval" />
      </Field>

      <Field label={strings.autoResolveLabel} hint={strings.autoResolveHint} {...fieldState(errors, 'autoResolve')}>
        <RadioGroup
          value={values.autoResolve}
          onChange={(_e, d) => {
            const mode = AUTO_RESOLVE_MODES.find((m) => m === d.value) ?? 'off';
            setValues((v) => ({ ...v, autoResolve: mode, autoResolveAccounts: mode === 'off' ? false : v.autoResolveAccounts }));
            setSaved(false);
          }}
          data-testid="auto-resolve"
        >
          {AUTO_RESOLVE_MODES.map((mode) => (
            <Radio key={mode} value={mode} label={strings.autoResolveModes[mode]} data-testid={`auto-resolve-${mode}`} />
          ))}
        </RadioGroup>
      </Field>
      <Field hint={off ? strings.autoResolveAccountsNeedsPeople : strings.autoResolveAccountsHint} {...fieldState(errors, 'autoResolveAccounts')} className={local.dependent}>
        <Checkbox
          label={strings.autoResolveAccounts}
          checked={!off && values.autoResolveAccounts}
          disabled={off}
          onChange={(_e, d) => set('autoResolveAccounts', d.checked === true)}
          data-testid="auto-resolve-accounts"
        />
      </Field>

      <Field hint={strings.autoSaveInternalHint} {...fieldState(errors, 'autoSaveInternal')}>
        <Switch label={strings.autoSaveInternal} checked={values.autoSaveInternal} onChange={(_e, d) => set('autoSaveInternal', d.checked)} data-testid="auto-save-internal" />
      </Field>

      <Field label={strings.ownDomainsLabel} hint={strings.ownDomainsHint} {...fieldState(domainsError(errors), 'ownDomains')}>
        <Textarea value={values.ownDomains} resize="vertical" rows={3} onChange={(_e, d) => set('ownDomains', d.value)} data-testid="own-domains" />
      </Field>

      <Field label={strings.triggerCategoryLabel} {...fieldState(errors, 'triggerCategoryAfterSave')}>
        <RadioGroup value={values.triggerCategoryAfterSave} onChange={(_e, d) => set('triggerCategoryAfterSave', d.value === 'swap' ? 'swap' : 'keep')} data-testid="trigger-category">
          <Radio value="keep" label={strings.triggerCategoryModes.keep} />
          <Radio value="swap" label={strings.triggerCategoryModes.swap} />
        </RadioGroup>
      </Field>

      <Field label={strings.initialWindowLabel} hint={strings.initialWindowHint} required {...fieldState(errors, 'initialWindowDays')}>
        <Input type="number" min={0} max={365} step={1} value={values.initialWindowDays} onChange={(_e, d) => set('initialWindowDays', d.value)} data-testid="initial-window" />
      </Field>

      <Field label={strings.maxItemAttemptsLabel} hint={strings.maxItemAttemptsHint} required {...fieldState(errors, 'maxItemAttempts')}>
        <Input type="number" min={1} max={100} step={1} value={values.maxItemAttempts} onChange={(_e, d) => set('maxItemAttempts', d.value)} data-testid="max-item-attempts" />
      </Field>

      <div className={styles.row}>
        <Button appearance="primary" type="submit" disabled={busy} icon={busy ? <Spinner size="tiny" /> : undefined} data-testid="sync-settings-save">
          {busy ? strings.saving : strings.save}
        </Button>
      </div>
    </form>
  );
}
