/**
 * Quick-create of a Contact or Lead from a "Not found in C4C" card: prefilled from the display name and address,
 * validated locally with the shared schema, and server `fields` errors shown at their field.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, Dropdown, Field, Input, makeStyles, Option, Spinner, tokens } from '@fluentui/react-components';
import type { C4cRecord } from '../../shared/api/sidebar';
import { ApiError, type RelayClient } from '../api/client';
import { companyFromAddress, splitName } from './people';
import type { AccountOption } from './saveDefaults';
import { quickCreatePayload, serverFieldErrors, validateQuickCreate, type FieldErrors, type QuickCreateKind, type QuickCreateValues } from './validation';
import { ErrorBar, useCommonStyles } from './common';
import { strings } from './strings';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  names: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: tokens.spacingHorizontalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS },
});

interface QuickCreateFormProps {
  kind: QuickCreateKind;
  client: RelayClient;
  address: string;
  displayName: string;
  accounts: AccountOption[];
  onCancel(): void;
  onCreated(record: C4cRecord): void;
}

export function QuickCreateForm({ kind, client, address, displayName, accounts, onCancel, onCreated }: QuickCreateFormProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const names = splitName(displayName, address);
  const [values, setValues] = useState<QuickCreateValues>({
    firstName: names.firstName,
    lastName: names.lastName,
    email: address,
    company: companyFromAddress(address),
    accountObjectId: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const firstField = useRef<HTMLInputElement>(null);
  const submittingRef = useRef(false);

  useEffect(() => firstField.current?.focus(), []);

  const set = (field: keyof QuickCreateValues) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (submittingRef.current) return;
    const local = validateQuickCreate(kind, values);
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length > 0) return;
    submittingRef.current = true;
    setSubmitting(true);
    try {
      const payload = quickCreatePayload(kind, values);
      const record =
        kind === 'contact'
          ? await client.createContact({ firstName: values.firstName, lastName: values.lastName, email: values.email.trim(), accountObjectId: payload.accountObjectId })
          : await client.createLead({ firstName: values.firstName, lastName: values.lastName, email: values.email.trim(), company: payload.company });
      onCreated(record);
    } catch (error) {
      const mapped = error instanceof ApiError ? serverFieldErrors(error.fields) : { errors: {}, other: [] };
      setErrors(mapped.errors);
      if (Object.keys(mapped.errors).length === 0 || mapped.other.length > 0) setFailure(error);
    } finally {
      submittingRef.current = false;
      setSubmitting(false);
    }
  };

  const field = (name: keyof QuickCreateValues, label: string, required: boolean, input: ReactNode): ReactNode => (
    <Field label={label} required={required} validationState={errors[name] ? 'error' : 'none'} validationMessage={errors[name]} data-testid={`field-${name}`}>
      {input}
    </Field>
  );

  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)} noValidate data-testid="quick-create-form" data-kind={kind} aria-label={kind === 'contact' ? strings.createContact : strings.createLead}>
      <div className={styles.names}>
        {field('firstName', strings.firstName, true, <Input ref={firstField} className={common.fill} value={values.firstName} onChange={(_, d) => set('firstName')(d.value)} name="firstName" />)}
        {field('lastName', strings.lastName, true, <Input className={common.fill} value={values.lastName} onChange={(_, d) => set('lastName')(d.value)} name="lastName" />)}
      </div>
      {field('email', strings.emailAddress, true, <Input type="email" className={common.fill} value={values.email} onChange={(_, d) => set('email')(d.value)} name="email" />)}
      {kind === 'lead' && field('company', strings.company, false, <Input className={common.fill} value={values.company} onChange={(_, d) => set('company')(d.value)} name="company" />)}
      {kind === 'contact' &&
        accounts.length > 0 &&
        field(
          'accountObjectId',
          strings.accountOptional,
          false,
          <Dropdown
            className={common.fill}
            value={accounts.find((a) => a.objectId === values.accountObjectId)?.name ?? strings.noAccount}
            selectedOptions={[values.accountObjectId]}
            onOptionSelect={(_, d) => set('accountObjectId')(d.optionValue ?? '')}
          >
            <Option value="">{strings.noAccount}</Option>
            {accounts.map((a) => (
              <Option key={a.objectId} value={a.objectId}>
                {a.name}
              </Option>
            ))}
          </Dropdown>,
        )}
      {failure !== null && <ErrorBar title={strings.createFailed} error={failure} testId="quick-create-error" />}
      <div className={styles.actions}>
        <Button type="submit" appearance="primary" disabled={submitting} icon={submitting ? <Spinner size="tiny" /> : undefined} data-testid="quick-create-submit">
          {submitting ? strings.creating : kind === 'contact' ? strings.createContact : strings.createLead}
        </Button>
        <Button type="button" onClick={onCancel} disabled={submitting}>
          {strings.cancel}
        </Button>
      </div>
    </form>
  );
}
