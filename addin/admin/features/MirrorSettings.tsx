/**
 * Two-way mirroring settings of the organization: the kill switch, the conflict rule, the calendar window, the
 * deletion cap per session, which C4C contacts users get and how many, read-only contacts, and the effective mapping
 * tables with a direction choice for every configurable field (fixed ones say so). The relay checks each override
 * against its table; its message for `directions.<kind>.<field>` sits next to that field's choice.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import {
  Button,
  Dropdown,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Option,
  Radio,
  RadioGroup,
  Spinner,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import type { Organization } from '../../../shared/api/admin';
import { CONFLICT_RULES, DIRECTIONS, type MirrorSettings, type MirrorSettingsResponse, type MirrorTable } from '../../../shared/api/mirror';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, fieldErrors, fieldState, LoadedSettingsScreen, useAnnounce, useCommonStyles, useLoad } from '../common';
import { AdminApiError } from '../http';
import { strings } from '../strings';

type Direction = (typeof DIRECTIONS)[number];
type Directions = Record<string, Record<string, Direction>>;

const useStyles = makeStyles({
  tables: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL, maxWidth: '1100px' },
  code: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200 },
  note: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  dropdown: { minWidth: '170px' },
});

export function MirrorSettingsScreen({ org }: { org: Organization }): ReactNode {
  const { client } = useAdmin();
  const current = useLoad((signal) => client.mirrorSettings(org.id, signal), [client, org.id]);
  return (
    <LoadedSettingsScreen id="mirror-settings" heading={strings.mirrorSettingsHeading} intro={strings.mirrorSettingsIntro} loaded={current}>
      {(data) => <MirrorForm org={org} current={data} onSaved={(saved) => current.setData(saved)} />}
    </LoadedSettingsScreen>
  );
}

const NUMBER_FIELDS = ['calendarDaysBack', 'maxDeletionsPerSession', 'contactLimit'] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];

function directionsOf(tables: MirrorTable[]): Directions {
  const out: Directions = {};
  for (const table of tables) out[table.kind] = Object.fromEntries(table.fields.filter((f) => f.configurable).map((f) => [f.field, f.direction]));
  return out;
}

function MirrorForm({ org, current, onSaved }: { org: Organization; current: MirrorSettingsResponse; onSaved(saved: MirrorSettingsResponse): void }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const { client } = useAdmin();
  const announce = useAnnounce();
  const [settings, setSettings] = useState<MirrorSettings>(current.settings);
  const [numbers, setNumbers] = useState<Record<NumberField, string>>(() => ({
    calendarDaysBack: String(current.settings.calendarDaysBack),
    maxDeletionsPerSession: String(current.settings.maxDeletionsPerSession),
    contactLimit: String(current.settings.contactLimit),
  }));
  const [directions, setDirections] = useState<Directions>(() => directionsOf(current.tables));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const set = <K extends keyof MirrorSettings>(name: K, value: MirrorSettings[K]): void => {
    setSettings((s) => ({ ...s, [name]: value }));
    setSaved(false);
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const bad: Record<string, string> = {};
      const parsed: Partial<Record<NumberField, number>> = {};
      for (const name of NUMBER_FIELDS) {
        if (/^\d+$/.test(numbers[name].trim())) parsed[name] = Number(numbers[name].trim());
        else bad[name] = strings.wholeNumber;
      }
      if (Object.keys(bad).length > 0) throw new AdminApiError(0, 'invalid-request', strings.fieldsNeedAttention, bad);
      const result = await client.setMirrorSettings(org.id, { ...settings, ...parsed, directions });
      onSaved(result);
      setSettings(result.settings);
      setDirections(directionsOf(result.tables));
      setSaved(true);
      announce(strings.saved);
    } catch (failure) {
      setError(failure);
      if (Object.keys(fieldErrors(failure)).length > 0) announce(strings.fieldsNeedAttention);
    } finally {
      setBusy(false);
    }
  };

  const errors = fieldErrors(error);
  const numberField = (name: NumberField, label: string, hint: string, max: number): ReactNode => (
    <Field label={label} hint={hint} required {...fieldState(errors, name)}>
      <Input type="number" min={0} max={max} step={1} value={numbers[name]} onChange={(_e, d) => { setNumbers((n) => ({ ...n, [name]: d.value })); setSaved(false); }} data-testid={`mirror-${name}`} />
    </Field>
  );
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="mirror-settings-form" aria-busy={busy} style={{ display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXL }}>
      <div className={styles.form}>
        {error !== undefined && <ErrorBanner error={error} />}
        {saved && (
          <MessageBar intent="success" data-testid="mirror-settings-saved">
            <MessageBarBody>{strings.saved}</MessageBarBody>
          </MessageBar>
        )}
        <Field hint={strings.mirrorEnabledHint} {...fieldState(errors, 'enabled')}>
          <Switch label={strings.mirrorEnabled} checked={settings.enabled} onChange={(_e, d) => set('enabled', d.checked)} data-testid="mirror-enabled" />
        </Field>
        <Field label={strings.conflictRule} {...fieldState(errors, 'conflictRule')}>
          <RadioGroup value={settings.conflictRule} onChange={(_e, d) => set('conflictRule', CONFLICT_RULES.find((r) => r === d.value) ?? 'latest-wins')} data-testid="mirror-conflict-rule">
            {CONFLICT_RULES.map((rule) => (
              <Radio key={rule} value={rule} label={strings.conflictRules[rule]} />
            ))}
          </RadioGroup>
        </Field>
        {numberField('calendarDaysBack', strings.calendarDaysBack, strings.calendarDaysBackHint, 365)}
        {numberField('maxDeletionsPerSession', strings.maxDeletions, strings.maxDeletionsHint, 100000)}
        <Field label={strings.contactFilter} {...fieldState(errors, 'contactFilter')}>
          <RadioGroup value={settings.contactFilter} onChange={(_e, d) => set('contactFilter', d.value === 'owned' || d.value === 'all' ? d.value : 'owned-or-team')} data-testid="mirror-contact-filter">
            {(['owned', 'owned-or-team', 'all'] as const).map((filter) => (
              <Radio key={filter} value={filter} label={strings.contactFilters[filter]} />
            ))}
          </RadioGroup>
        </Field>
        {numberField('contactLimit', strings.contactLimit, strings.contactLimitHint, 100000)}
        <Field hint={strings.readOnlyContactsHint} {...fieldState(errors, 'readOnlyContacts')}>
          <Switch label={strings.readOnlyContacts} checked={settings.readOnlyContacts} onChange={(_e, d) => set('readOnlyContacts', d.checked)} data-testid="mirror-read-only-contacts" />
        </Field>
      </div>

      <section aria-labelledby="mapping-heading" className={local.tables}>
        <h3 id="mapping-heading" className={styles.subheading}>
          {strings.mappingHeading}
        </h3>
        {current.tables.map((table) => (
          <MappingTable
            key={table.kind}
            table={table}
            directions={directions[table.kind] ?? {}}
            errors={errors}
            onChange={(field, direction) => {
              setDirections((d) => ({ ...d, [table.kind]: { ...(d[table.kind] ?? {}), [field]: direction } }));
              setSaved(false);
            }}
          />
        ))}
      </section>

      <div className={styles.row}>
        <Button appearance="primary" type="submit" disabled={busy} icon={busy ? <Spinner size="tiny" /> : undefined} data-testid="mirror-settings-save">
          {busy ? strings.saving : strings.save}
        </Button>
      </div>
    </form>
  );
}

function MappingTable({ table, directions, errors, onChange }: { table: MirrorTable; directions: Record<string, Direction>; errors: Record<string, string>; onChange(field: string, direction: Direction): void }): ReactNode {
  const styles = useCommonStyles();
  const local = useStyles();
  const kindLabel = strings.mirrorKinds[table.kind] ?? table.kind;
  const captionId = `mapping-${table.kind}`;
  return (
    <div className={styles.tableWrap}>
      <Text as="h4" weight="semibold" id={captionId} block>
        {`${kindLabel} (${table.mailboxFolder} ↔ ${table.c4cEntitySet})`}
      </Text>
      <Table className={styles.table} size="small" aria-labelledby={captionId} data-testid={`mapping-${table.kind}`}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{strings.mappingColumns.field}</TableHeaderCell>
            <TableHeaderCell>{strings.mappingColumns.mailbox}</TableHeaderCell>
            <TableHeaderCell>{strings.mappingColumns.c4c}</TableHeaderCell>
            <TableHeaderCell>{strings.mappingColumns.direction}</TableHeaderCell>
            <TableHeaderCell>{strings.mappingColumns.notes}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {table.fields.map((row) => {
            const value = directions[row.field] ?? row.direction;
            const error = errors[`directions.${table.kind}.${row.field}`];
            return (
              <TableRow key={row.field} data-testid="mapping-row" data-field={row.field}>
                <TableCell>{row.label}</TableCell>
                <TableCell className={local.code}>{row.mailboxProperty}</TableCell>
                <TableCell className={local.code}>{row.c4cProperty}</TableCell>
                <TableCell>
                  {row.configurable ? (
                    <Field {...(error === undefined ? {} : { validationMessage: error, validationState: 'error' as const })} hint={value === row.defaultDirection ? undefined : strings.directionDefault(strings.directions[row.defaultDirection] ?? row.defaultDirection)}>
                      <Dropdown
                        className={local.dropdown}
                        size="small"
                        aria-label={strings.directionFor(kindLabel, row.label)}
                        value={strings.directions[value] ?? value}
                        selectedOptions={[value]}
                        onOptionSelect={(_e, d) => {
                          const next = DIRECTIONS.find((dir) => dir === d.optionValue);
                          if (next !== undefined) onChange(row.field, next);
                        }}
                        data-testid="mapping-direction"
                      >
                        {DIRECTIONS.map((dir) => (
                          <Option key={dir} value={dir}>
                            {strings.directions[dir] ?? dir}
                          </Option>
                        ))}
                      </Dropdown>
                    </Field>
                  ) : (
                    <Text>{`${strings.directions[row.direction] ?? row.direction} · ${strings.fixedDirection}`}</Text>
                  )}
                </TableCell>
                <TableCell className={local.note}>{[row.transform, row.exception].filter((n) => n !== null).join(' · ')}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}
