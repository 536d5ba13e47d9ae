/**
 * "My sync settings" (S6): the user's switches and personal blocklist, each change saved at once and shown as applying
 * from the next session; the organization's blocklist read-only. Entries are checked with the relay's own schema
 * before sending, and a relay `fields` error lands at the input as well.
 */
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Badge, Button, Caption1, Field, Input, makeStyles, mergeClasses, Spinner, Switch, Text, tokens } from '@fluentui/react-components';
import { AddRegular, DismissRegular, LockClosedRegular } from '@fluentui/react-icons';
import {
  BlocklistEntrySchema,
  MAX_BLOCKLIST_ENTRIES,
  type UserSyncSettings,
  type UserSyncSettingsResponse,
  type UserSyncSettingsUpdate,
} from '../../shared/api/sync';
import { ApiError, type RelayClient } from '../api/client';
import { ErrorBar, LoadingSkeleton, useAnnounce, useCommonStyles } from './common';
import { syncStrings as s } from './strings';
import { formatSyncTime } from './syncTime';
import { useLoad } from './useLoad';
import { AutoCreatedRecords } from './AutoCreatedRecords';

const useStyles = makeStyles({
  group: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
    margin: 0,
    padding: 0,
    border: 'none',
    minWidth: 0,
    paddingTop: tokens.spacingVerticalS,
  },
  legend: { padding: 0, marginBottom: tokens.spacingVerticalXS },
  // Below the screen's own heading in the outline, so a step smaller.
  subheading: { margin: 0, fontSize: tokens.fontSizeBase300, lineHeight: tokens.lineHeightBase300, fontWeight: tokens.fontWeightSemibold, color: tokens.colorNeutralForeground1 },
  setting: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  // The hint sits under the label text, not under the switch's track.
  hint: { color: tokens.colorNeutralForeground3, paddingInlineStart: `calc(40px + ${tokens.spacingHorizontalS} * 2)`, marginTop: `calc(-1 * ${tokens.spacingVerticalXS})` },
  note: { color: tokens.colorNeutralForeground2 },
  addRow: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  addField: { flex: 1, minWidth: 0 },
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  entry: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    minHeight: '32px',
    paddingInlineStart: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  entryText: { flex: 1, minWidth: 0, overflowWrap: 'anywhere' },
  orgEntry: { paddingBlock: tokens.spacingVerticalXS, color: tokens.colorNeutralForeground2 },
  icon: { color: tokens.colorNeutralForeground3, flexShrink: 0 },
});

const AUTO_SAVE: ReadonlyArray<keyof UserSyncSettings> = ['autoSaveIncoming', 'autoSaveOutgoing', 'autoSaveThreads', 'autoSaveCalendar'];
const MIRROR: ReadonlyArray<keyof UserSyncSettings> = ['syncTasks', 'syncContacts'];

function effectiveText(data: UserSyncSettingsResponse, timeZone: string | undefined, saved: boolean): string {
  const when = formatSyncTime(data.effectiveFrom, timeZone);
  if (saved) return when ? s.savedEffectiveAt(when) : s.savedEffectiveNext;
  return when ? s.effectiveAt(when) : s.effectiveNext;
}

/** The message of a relay `fields` error about one blocklist entry (`blocklist.3`), if that is what failed. */
function blocklistFieldError(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || error.fields === undefined) return undefined;
  const key = Object.keys(error.fields).find((name) => name === 'blocklist' || name.startsWith('blocklist.'));
  return key === undefined ? undefined : error.fields[key];
}

export function SyncSettings({ client, timeZone }: { client: RelayClient; timeZone?: string }): ReactNode {
  const common = useCommonStyles();
  const [state, retry, update] = useLoad((signal) => client.syncSettings(signal), 'sync-settings');
  if (state.phase === 'loading') return <LoadingSkeleton label={s.loadingSettings} rows={4} />;
  if (state.phase === 'error') return <ErrorBar title={s.settingsLoadFailed} error={state.error} onRetry={retry} testId="settings-error" />;
  return (
    <section className={common.section} aria-labelledby="sync-settings-heading" data-testid="sync-settings">
      <h2 id="sync-settings-heading" className={common.heading}>{s.settingsHeading}</h2>
      <SettingsForm data={state.data} client={client} timeZone={timeZone} replace={(next) => update(() => next)} />
      <AutoCreatedRecords client={client} timeZone={timeZone} />
    </section>
  );
}

interface SettingsFormProps {
  data: UserSyncSettingsResponse;
  client: RelayClient;
  timeZone?: string;
  replace(next: UserSyncSettingsResponse): void;
}

function SettingsForm({ data, client, timeZone, replace }: SettingsFormProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const announce = useAnnounce();
  const [failure, setFailure] = useState<unknown>(null);
  const [pending, setPending] = useState(0);
  const [savedOnce, setSavedOnce] = useState(false);
  const [entry, setEntry] = useState('');
  const [entryError, setEntryError] = useState<string | undefined>();
  const inputId = useId();
  // Saves go out one after another, so the relay applies them in the order the user made them; only the answer to
  // the last one is shown (an earlier answer does not know the later changes yet).
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const latest = useRef(0);
  const current = useRef(data);
  current.current = data;

  const save = (change: UserSyncSettingsUpdate, optimistic: UserSyncSettingsResponse, announceText?: (saved: UserSyncSettingsResponse) => string): Promise<boolean> => {
    const sequence = ++latest.current;
    const before = current.current;
    replace(optimistic);
    setFailure(null);
    setPending((n) => n + 1);
    const run = queue.current.then(() => client.updateSyncSettings(change));
    queue.current = run.catch(() => undefined);
    return run.then(
      (saved) => {
        if (sequence === latest.current) {
          replace(saved);
          setSavedOnce(true);
          announce(announceText ? `${announceText(saved)} ${effectiveText(saved, timeZone, true)}` : effectiveText(saved, timeZone, true));
        }
        return true;
      },
      (error: unknown) => {
        setFailure(error);
        // After a failed save what the relay holds is the truth: show it again rather than the optimistic guess.
        if (sequence === latest.current) client.syncSettings().then(replace, () => replace(before));
        return false;
      },
    ).finally(() => setPending((n) => n - 1));
  };

  const toggle = (key: keyof UserSyncSettings, checked: boolean): void => {
    const now = current.current;
    // The user's own choice from now on: the preset no longer sets this one.
    const preset = now.preset ? { ...now.preset, fields: now.preset.fields.filter((f) => f !== key) } : undefined;
    void save({ settings: { [key]: checked } }, { ...now, settings: { ...now.settings, [key]: checked }, ...(preset ? { preset } : {}) });
  };

  const addEntry = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const parsed = BlocklistEntrySchema.safeParse(entry);
    if (!parsed.success) {
      setEntryError(parsed.error.issues[0]?.message);
      return;
    }
    const value = parsed.data;
    const now = current.current;
    if (now.blocklist.includes(value)) return setEntryError(s.blocklistDuplicate);
    if (now.organizationBlocklist.includes(value)) return setEntryError(s.blocklistAlreadyOrg);
    if (now.blocklist.length >= MAX_BLOCKLIST_ENTRIES) return setEntryError(s.blocklistFull(MAX_BLOCKLIST_ENTRIES));
    setEntryError(undefined);
    const list = [...now.blocklist, value].sort();
    setEntry('');
    const ok = await save({ blocklist: list }, { ...now, blocklist: list }, () => s.blocklistAdded(value));
    if (!ok) setEntry(value);
  };

  const removeEntry = (value: string): void => {
    const now = current.current;
    const list = now.blocklist.filter((e) => e !== value);
    void save({ blocklist: list }, { ...now, blocklist: list }, () => s.blocklistRemoved(value));
  };

  const serverEntryError = blocklistFieldError(failure);
  const switchRow = (key: keyof UserSyncSettings): ReactNode => {
    const fromPreset = data.preset?.fields.includes(key) ? data.preset.name : undefined;
    return (
      <div key={key} className={styles.setting}>
        <Switch
          checked={data.settings[key]}
          label={s.settingLabels[key]}
          aria-describedby={`${inputId}-${key}-hint${fromPreset !== undefined ? ` ${inputId}-${key}-preset` : ''}`}
          onChange={(_, d) => toggle(key, d.checked)}
          data-testid={`setting-${key}`}
        />
        <Caption1 id={`${inputId}-${key}-hint`} className={styles.hint}>{s.settingHints[key]}</Caption1>
        {fromPreset !== undefined && (
          <div className={styles.hint}>
            <Badge id={`${inputId}-${key}-preset`} appearance="tint" color="informative" size="small" data-testid={`preset-${key}`} title={s.fromPresetHint}>
              {s.fromPreset(fromPreset)}
            </Badge>
          </div>
        )}
      </div>
    );
  };

  return (
    <>
      <div className={common.row} data-testid="settings-effective" data-saved={savedOnce ? 'true' : 'false'} aria-live="off">
        {pending > 0 ? <Spinner size="extra-tiny" label={s.savingSetting} /> : <Text className={styles.note}>{effectiveText(data, timeZone, savedOnce)}</Text>}
      </div>
      {failure !== null && serverEntryError === undefined && <ErrorBar title={s.settingSaveFailed} error={failure} testId="settings-save-error" />}

      <fieldset className={styles.group}>
        <legend className={mergeClasses(styles.subheading, styles.legend)}>{s.autoSaveHeading}</legend>
        {AUTO_SAVE.map(switchRow)}
      </fieldset>
      <fieldset className={styles.group}>
        <legend className={mergeClasses(styles.subheading, styles.legend)}>{s.mirrorHeading}</legend>
        {MIRROR.map(switchRow)}
      </fieldset>

      <section className={styles.group} aria-labelledby={`${inputId}-blocklist`} data-testid="blocklist">
        <h3 id={`${inputId}-blocklist`} className={styles.subheading}>{s.blocklistHeading}</h3>
        <Caption1 className={common.muted}>{s.blocklistHint}</Caption1>
        <form onSubmit={(e) => void addEntry(e)} noValidate>
          <Field
            label={s.blocklistAddLabel}
            validationState={entryError ?? serverEntryError ? 'error' : 'none'}
            validationMessage={entryError ?? serverEntryError}
            data-testid="blocklist-field"
          >
            {(fieldProps) => (
              <div className={styles.addRow}>
                <Input
                  {...fieldProps}
                  className={styles.addField}
                  value={entry}
                  placeholder={s.blocklistPlaceholder}
                  onChange={(_, d) => {
                    setEntry(d.value);
                    setEntryError(undefined);
                  }}
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="blocklist-input"
                />
                <Button type="submit" icon={<AddRegular />} data-testid="blocklist-add">
                  {s.blocklistAdd}
                </Button>
              </div>
            )}
          </Field>
        </form>
        {data.blocklist.length === 0 ? (
          <Text className={common.muted} data-testid="blocklist-empty">{s.blocklistEmpty}</Text>
        ) : (
          <ul className={styles.list} data-testid="blocklist-entries">
            {data.blocklist.map((value) => (
              <li key={value} className={styles.entry} data-testid="blocklist-entry" data-entry={value}>
                <Text className={styles.entryText}>{value}</Text>
                <Button appearance="subtle" icon={<DismissRegular />} aria-label={s.blocklistRemove(value)} title={s.blocklistRemove(value)} onClick={() => removeEntry(value)} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className={styles.group} aria-labelledby={`${inputId}-org`} data-testid="org-blocklist">
        <h3 id={`${inputId}-org`} className={styles.subheading}>{s.orgBlocklistHeading}</h3>
        <Caption1 className={common.muted}>{s.orgBlocklistHint}</Caption1>
        {data.organizationBlocklist.length === 0 ? (
          <Text className={common.muted}>{s.orgBlocklistEmpty}</Text>
        ) : (
          <ul className={styles.list}>
            {data.organizationBlocklist.map((value) => (
              <li key={value} className={mergeClasses(styles.entry, styles.orgEntry)} data-testid="org-blocklist-entry">
                <LockClosedRegular className={styles.icon} aria-hidden />
                <Text className={styles.entryText}>{value}</Text>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
