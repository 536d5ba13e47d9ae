/**
 * A8 settings presets: the list (name, what it sets, organization-default badge, users assigned), a create / edit
 * dialog where each user setting has its value and a "set by this preset" choice (a preset sets only the ticked ones),
 * delete with confirmation, and Apply: to the organization or to users picked from the server-paged, searchable user
 * list, keeping or overriding the users' own changes, with the relay's count shown afterwards.
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  Badge,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  Input,
  makeStyles,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  SearchBox,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tag,
  TagGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { Add20Regular, Delete20Regular, Edit20Regular, MoreHorizontal20Regular, PeopleSettings20Regular } from '@fluentui/react-icons';
import type { AdminUser, Organization } from '../../../shared/api/admin';
import type { Preset, PresetApplyResponse } from '../../../shared/api/presets';
import { USER_SYNC_SETTINGS_DEFAULTS, type UserSyncSettings } from '../../../shared/api/sync';
import { useAdmin } from '../AdminApp';
import { DialogSaveActions, EmptyState, ErrorBanner, fieldErrors, fieldState, Loading, useAnnounce, useCommonStyles, useLoad } from '../common';
import { strings } from '../strings';

type SettingKey = keyof UserSyncSettings;
/** The order the sidebar shows them in. */
const SETTING_KEYS: SettingKey[] = ['autoSaveIncoming', 'autoSaveOutgoing', 'autoSaveThreads', 'autoSaveCalendar', 'syncTasks', 'syncContacts'];
const settingLabel = (key: string): string => strings.userSettingLabels[key] ?? key;
const USERS_PAGE = 25;

const useStyles = makeStyles({
  summary: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
  settingsGrid: {
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    border: 'none',
    margin: 0,
    padding: 0,
  },
  legend: { fontWeight: tokens.fontWeightSemibold, paddingBottom: tokens.spacingVerticalXS },
  gridHeader: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  chooser: { justifySelf: 'center' },
  userList: {
    maxHeight: '260px',
    overflowY: 'auto',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalXS,
    display: 'flex',
    flexDirection: 'column',
  },
  hint: { color: tokens.colorNeutralForeground3, marginTop: tokens.spacingVerticalXS },
  error: { color: tokens.colorPaletteRedForeground1, marginTop: tokens.spacingVerticalXS },
  notSet: { color: tokens.colorNeutralForeground3, display: 'block', paddingLeft: tokens.spacingHorizontalXXXL },
  indent: { paddingLeft: tokens.spacingHorizontalXXL },
  explain: { color: tokens.colorNeutralForeground2, paddingLeft: tokens.spacingHorizontalXXL, marginTop: `calc(-1 * ${tokens.spacingVerticalXS})` },
});

export function PresetsScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const { client } = useAdmin();
  const list = useLoad((signal) => client.presets(org.id, signal), [client, org.id]);
  const [editing, setEditing] = useState<Preset | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Preset | null>(null);
  const [applying, setApplying] = useState<Preset | null>(null);
  const presets = list.data ?? [];

  return (
    <section className={styles.page} aria-labelledby="presets-heading">
      <div className={styles.row}>
        <h2 id="presets-heading" className={styles.heading} style={{ flexGrow: 1 }}>
          {strings.presetsHeading}
        </h2>
        <Button appearance="primary" icon={<Add20Regular />} onClick={() => setEditing('new')} data-testid="new-preset">
          {strings.newPreset}
        </Button>
      </div>
      <Text className={styles.intro}>{strings.presetsIntro}</Text>
      {list.error !== undefined && <ErrorBanner error={list.error} onRetry={list.reload} />}
      {list.data === undefined ? (
        list.error === undefined && <Loading />
      ) : presets.length === 0 ? (
        <EmptyState testId="presets-empty">{strings.presetsEmpty}</EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <Table className={styles.table} aria-labelledby="presets-heading" aria-busy={list.loading} data-testid="presets-table" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{strings.presetColumns.name}</TableHeaderCell>
                <TableHeaderCell>{strings.presetColumns.settings}</TableHeaderCell>
                <TableHeaderCell>{strings.presetColumns.users}</TableHeaderCell>
                <TableHeaderCell>
                  <span className={styles.visuallyHidden}>{strings.presetColumns.actions}</span>
                </TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {presets.map((preset) => (
                <TableRow key={preset.id} data-testid="preset-row" data-name={preset.name}>
                  <TableCell>
                    <div className={styles.row}>
                      <Text weight="semibold">{preset.name}</Text>
                      {preset.isOrganizationDefault && (
                        <Badge appearance="tint" color="brand" title={strings.presetOrgDefaultHint} data-testid="preset-org-default">
                          {strings.presetOrgDefault}
                        </Badge>
                      )}
                    </div>
                  </TableCell>
                  <TableCell>
                    <div className={local.summary} data-testid="preset-summary">
                      {SETTING_KEYS.filter((key) => preset.settings[key] !== undefined).map((key) => (
                        <Badge key={key} appearance="outline" color={preset.settings[key] ? 'success' : 'informative'} shape="rounded">
                          {strings.presetSummary(settingLabel(key), preset.settings[key] === true)}
                        </Badge>
                      ))}
                    </div>
                  </TableCell>
                  <TableCell data-testid="preset-users">{strings.presetAssigned(preset.assignedUsers)}</TableCell>
                  <TableCell>
                    <div className={styles.row}>
                      <Button size="small" icon={<PeopleSettings20Regular />} onClick={() => setApplying(preset)} data-testid="preset-apply">
                        {strings.applyPreset}
                      </Button>
                      <Menu>
                        <MenuTrigger disableButtonEnhancement>
                          <Button size="small" appearance="subtle" icon={<MoreHorizontal20Regular />} aria-label={strings.presetActions(preset.name)} data-testid="preset-menu" />
                        </MenuTrigger>
                        <MenuPopover>
                          <MenuList>
                            <MenuItem icon={<Edit20Regular />} onClick={() => setEditing(preset)} data-testid="preset-edit">
                              {strings.edit}
                            </MenuItem>
                            <MenuItem icon={<Delete20Regular />} onClick={() => setDeleting(preset)} data-testid="preset-delete">
                              {strings.deletePreset}
                            </MenuItem>
                          </MenuList>
                        </MenuPopover>
                      </Menu>
                    </div>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      {editing !== null && <PresetDialog org={org} preset={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={list.reload} />}
      {deleting !== null && <DeleteDialog org={org} preset={deleting} onClose={() => setDeleting(null)} onDeleted={list.reload} />}
      {applying !== null && <ApplyDialog org={org} preset={applying} onClose={() => setApplying(null)} onApplied={list.reload} />}
    </section>
  );
}

function PresetDialog({ org, preset, onClose, onSaved }: { org: Organization; preset: Preset | null; onClose(): void; onSaved(): void }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const hintId = useId();
  const errorId = useId();
  const { client } = useAdmin();
  const announce = useAnnounce();
  const [name, setName] = useState(preset?.name ?? '');
  // Every setting has a value in the form; `chosen` says which ones the preset sets.
  const [values, setValues] = useState<UserSyncSettings>(() => ({ ...USER_SYNC_SETTINGS_DEFAULTS, ...(preset?.settings ?? {}) }));
  const [chosen, setChosen] = useState<Set<SettingKey>>(() => new Set(SETTING_KEYS.filter((k) => preset?.settings[k] !== undefined)));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const settings: Partial<UserSyncSettings> = {};
    for (const key of SETTING_KEYS) if (chosen.has(key)) settings[key] = values[key];
    try {
      if (preset === null) await client.createPreset(org.id, { name, settings });
      else await client.updatePreset(org.id, preset.id, { name, settings });
      announce(strings.saved);
      onSaved();
      onClose();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const errors = fieldErrors(error);
  const settingsError = errors.settings ?? errors['settings.(body)'];
  return (
    <Dialog open onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface>
        <form onSubmit={(e) => void submit(e)} data-testid="preset-form" aria-busy={busy}>
          <DialogBody>
            <DialogTitle>{preset === null ? strings.newPreset : strings.editPreset}</DialogTitle>
            <DialogContent className={styles.form}>
              {error !== undefined && <ErrorBanner error={error} />}
              <Field label={strings.presetName} required {...fieldState(errors, 'name')}>
                <Input value={name} maxLength={80} onChange={(_e, d) => setName(d.value)} data-testid="preset-name" />
              </Field>
              {/* Not a Fluent Field: a Field hands its id and label to every control inside it, and this holds twelve. */}
              <div>
                <fieldset className={local.settingsGrid} aria-describedby={`${hintId} ${settingsError !== undefined ? errorId : ''}`} aria-invalid={settingsError !== undefined} data-testid="preset-settings">
                  <legend className={local.legend}>{strings.presetSettingsLegend}</legend>
                  <span className={local.gridHeader} aria-hidden>
                    {strings.presetSetsThis}
                  </span>
                  <span className={local.gridHeader} aria-hidden />
                  {SETTING_KEYS.map((key) => {
                    const on = chosen.has(key);
                    return (
                      <SettingRow
                        key={key}
                        setting={key}
                        chosen={on}
                        value={values[key]}
                        onChoose={(next) => {
                          setError(undefined);
                          setChosen((c) => {
                            const copy = new Set(c);
                            if (next) copy.add(key);
                            else copy.delete(key);
                            return copy;
                          });
                        }}
                        onValue={(next) => setValues((v) => ({ ...v, [key]: next }))}
                      />
                    );
                  })}
                </fieldset>
                <Text id={hintId} size={200} block className={local.hint}>
                  {strings.presetSettingsHint}
                </Text>
                {settingsError !== undefined && (
                  <Text id={errorId} size={200} block role="alert" className={local.error} data-testid="preset-settings-error">
                    {strings.presetNeedsOne}
                  </Text>
                )}
              </div>
            </DialogContent>
            <DialogSaveActions busy={busy} saveTestId="preset-save" />
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}

function SettingRow({ setting, chosen, value, onChoose, onValue }: { setting: SettingKey; chosen: boolean; value: boolean; onChoose(next: boolean): void; onValue(next: boolean): void }): ReactNode {
  const local = useStyles();
  const label = settingLabel(setting);
  const hintId = useId();
  return (
    <>
      <Checkbox className={local.chooser} checked={chosen} onChange={(_e, d) => onChoose(d.checked === true)} aria-label={strings.presetSetsThisFor(label)} data-testid={`preset-choose-${setting}`} />
      <div>
        <Switch
          label={label}
          checked={value}
          disabled={!chosen}
          onChange={(_e, d) => onValue(d.checked)}
          aria-describedby={chosen ? undefined : hintId}
          data-testid={`preset-value-${setting}`}
        />
        {!chosen && (
          <Text id={hintId} size={200} className={local.notSet}>
            {strings.presetNotSet}
          </Text>
        )}
      </div>
    </>
  );
}

function DeleteDialog({ org, preset, onClose, onDeleted }: { org: Organization; preset: Preset; onClose(): void; onDeleted(): void }): ReactNode {
  const { client } = useAdmin();
  const announce = useAnnounce();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await client.deletePreset(org.id, preset.id);
      announce(strings.presetDeleted);
      onDeleted();
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
          <DialogTitle>{strings.deletePresetTitle(preset.name)}</DialogTitle>
          <DialogContent>
            {error !== undefined && <ErrorBanner error={error} />}
            <Text>{strings.deletePresetBody(preset.assignedUsers, preset.isOrganizationDefault)}</Text>
          </DialogContent>
          <DialogActions>
            <DialogTrigger disableButtonEnhancement>
              <Button appearance="secondary">{strings.cancel}</Button>
            </DialogTrigger>
            <Button appearance="primary" disabled={busy} icon={busy ? <Spinner size="tiny" /> : undefined} onClick={() => void remove()} data-testid="preset-delete-confirm">
              {strings.deletePresetConfirm}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

/** The search box's value, settled for `ms`: one request per pause in typing. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Users matching the search, a page at a time from the server (Show more appends the next page). */
function UserPicker({ org, selected, onToggle }: { org: Organization; selected: Map<string, AdminUser>; onToggle(user: AdminUser, on: boolean): void }): ReactNode {
  const local = useStyles();
  const { client } = useAdmin();
  const listId = useId();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 250);
  // Show more asks for the page after the last one read; a new search starts again at the first page.
  const [more, setMore] = useState<{ q: string; cursor: string } | null>(null);
  const cursor = more !== null && more.q === q ? more.cursor : undefined;
  const page = useLoad(
    async (signal) => ({ first: cursor === undefined, ...(await client.users(org.id, { q: q === '' ? undefined : q, cursor, limit: USERS_PAGE }, signal)) }),
    [client, org.id, q, cursor],
  );
  const [users, setUsers] = useState<AdminUser[]>([]);
  useEffect(() => {
    const data = page.data;
    if (data === undefined) return;
    setUsers((prev) => (data.first ? data.users : [...prev, ...data.users.filter((u) => !prev.some((p) => p.id === u.id))]));
  }, [page.data]);

  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS }}>
      <Field label={strings.applyUsersSearch}>
        <SearchBox value={search} placeholder={strings.applyUsersPlaceholder} onChange={(_e, d) => setSearch(d.value)} aria-controls={listId} data-testid="apply-users-search" />
      </Field>
      {selected.size > 0 && (
        <TagGroup
          aria-label={strings.applyUsersSelected(selected.size)}
          onDismiss={(_e, d) => {
            const user = selected.get(String(d.value));
            if (user !== undefined) onToggle(user, false);
          }}
          data-testid="apply-users-chosen"
        >
          {[...selected.values()].map((user) => (
            <Tag key={user.id} value={user.id} size="small" dismissible dismissIcon={{ 'aria-label': strings.unselectUser(user.displayName) }}>
              {user.displayName}
            </Tag>
          ))}
        </TagGroup>
      )}
      {page.error !== undefined && <ErrorBanner error={page.error} onRetry={page.reload} />}
      <div id={listId} className={local.userList} role="group" aria-label={strings.applyUsersSearch} aria-busy={page.loading} data-testid="apply-users-list">
        {users.map((user) => (
          <Checkbox
            key={user.id}
            checked={selected.has(user.id)}
            onChange={(_e, d) => onToggle(user, d.checked === true)}
            label={strings.applyUserCheckbox(user.displayName, user.email)}
            data-testid="apply-user"
            data-email={user.email}
          />
        ))}
        {page.loading && <Loading />}
        {!page.loading && users.length === 0 && page.error === undefined && <Text>{strings.applyUsersNoMatch}</Text>}
      </div>
      <div style={{ display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center' }}>
        {page.data !== undefined && page.data.nextCursor !== null && (
          <Button size="small" disabled={page.loading} onClick={() => page.data?.nextCursor && setMore({ q, cursor: page.data.nextCursor })} data-testid="apply-users-more">
            {strings.applyUsersLoadMore}
          </Button>
        )}
        {page.data !== undefined && (
          <Text size={200} aria-live="polite">
            {strings.applyUsersShown(users.length, page.data.total)}
          </Text>
        )}
      </div>
    </div>
  );
}

function ApplyDialog({ org, preset, onClose, onApplied }: { org: Organization; preset: Preset; onClose(): void; onApplied(): void }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const { client } = useAdmin();
  const announce = useAnnounce();
  const keepId = useId();
  const overrideId = useId();
  const [target, setTarget] = useState<'organization' | 'users'>('users');
  const [mode, setMode] = useState<'keep' | 'override'>('keep');
  const [selected, setSelected] = useState<Map<string, AdminUser>>(new Map());
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<PresetApplyResponse | null>(null);

  const toggle = (user: AdminUser, on: boolean): void => {
    setSelected((current) => {
      const next = new Map(current);
      if (on) next.set(user.id, user);
      else next.delete(user.id);
      return next;
    });
    setResult(null);
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(null);
    try {
      const applied = await client.applyPreset(org.id, preset.id, {
        target: target === 'organization' ? { kind: 'organization' } : { kind: 'users', userIds: [...selected.keys()] },
        mode,
      });
      setResult(applied);
      announce(strings.applyResult(applied.users, applied.overridden));
      onApplied();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const errors = fieldErrors(error);
  const usersError = Object.keys(errors).some((k) => k.startsWith('target')) ? strings.applyUsersNone : undefined;
  return (
    <Dialog open onOpenChange={(_e, d) => !d.open && onClose()}>
      <DialogSurface style={{ maxWidth: '640px' }}>
        <form onSubmit={(e) => void submit(e)} data-testid="apply-form" aria-busy={busy}>
          <DialogBody>
            <DialogTitle>{strings.applyPresetTitle(preset.name)}</DialogTitle>
            <DialogContent className={styles.form}>
              {error !== undefined && usersError === undefined && <ErrorBanner error={error} />}
              <Field label={strings.applyTarget}>
                <RadioGroup value={target} onChange={(_e, d) => { setTarget(d.value === 'organization' ? 'organization' : 'users'); setResult(null); }} data-testid="apply-target">
                  <Radio value="organization" label={strings.applyTargetOrganization} data-testid="apply-target-organization" />
                  <Radio value="users" label={strings.applyTargetUsers} data-testid="apply-target-users" />
                </RadioGroup>
              </Field>
              {target === 'users' && (
                <div className={local.indent}>
                  <UserPicker org={org} selected={selected} onToggle={toggle} />
                  {usersError !== undefined && (
                    <Text role="alert" className={local.error}>
                      {usersError}
                    </Text>
                  )}
                </div>
              )}
              <Field label={strings.applyMode}>
                <RadioGroup value={mode} onChange={(_e, d) => { setMode(d.value === 'override' ? 'override' : 'keep'); setResult(null); }} data-testid="apply-mode">
                  <Radio value="keep" label={strings.applyModeKeep} aria-describedby={keepId} data-testid="apply-mode-keep" />
                  <Text id={keepId} size={200} className={local.explain}>
                    {strings.applyModeKeepHint}
                  </Text>
                  <Radio value="override" label={strings.applyModeOverride} aria-describedby={overrideId} data-testid="apply-mode-override" />
                  <Text id={overrideId} size={200} className={local.explain}>
                    {strings.applyModeOverrideHint}
                  </Text>
                </RadioGroup>
              </Field>
              {result !== null && (
                <MessageBar intent="success" data-testid="apply-result" data-users={result.users} data-overridden={result.overridden}>
                  <MessageBarBody>{strings.applyResult(result.users, result.overridden)}</MessageBarBody>
                </MessageBar>
              )}
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary" data-testid="apply-close">
                  {result === null ? strings.cancel : strings.close}
                </Button>
              </DialogTrigger>
              <Button
                appearance="primary"
                type="submit"
                disabled={busy || (target === 'users' && selected.size === 0)}
                icon={busy ? <Spinner size="tiny" /> : undefined}
                data-testid="apply-submit"
              >
                {busy ? strings.applying : target === 'users' && selected.size > 0 ? strings.applyToUsers(selected.size) : strings.apply}
              </Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
