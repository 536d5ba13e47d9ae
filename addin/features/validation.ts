/**
 * Quick-create form validation with the same zod schemas the relay uses, mapped to the user's language; server
 * `fields` errors are merged in so they show at the field they are about.
 */
import type { ZodType } from 'zod';
import { CreateContactRequestSchema, CreateLeadRequestSchema } from '../../shared/api/sidebar';
import { strings } from './strings';

export type QuickCreateKind = 'contact' | 'lead';

export interface QuickCreateValues {
  firstName: string;
  lastName: string;
  email: string;
  company: string;
  accountObjectId: string;
}

export type FieldErrors = Partial<Record<keyof QuickCreateValues, string>>;

const FIELDS: ReadonlyArray<keyof QuickCreateValues> = ['firstName', 'lastName', 'email', 'company', 'accountObjectId'];

function isField(name: string): name is keyof QuickCreateValues {
  return (FIELDS as readonly string[]).includes(name);
}

export function quickCreatePayload(kind: QuickCreateKind, values: QuickCreateValues): Record<string, string | undefined> {
  const base = { firstName: values.firstName, lastName: values.lastName, email: values.email.trim() };
  return kind === 'contact'
    ? { ...base, accountObjectId: values.accountObjectId === '' ? undefined : values.accountObjectId }
    : { ...base, company: values.company.trim() === '' ? undefined : values.company };
}

function message(code: string, maximum: unknown, field: string): string {
  if (code === 'too_small') return strings.required;
  if (code === 'too_big') return strings.tooLong(Number(maximum));
  if (field === 'email') return strings.invalidEmail;
  return strings.required;
}

export function validateQuickCreate(kind: QuickCreateKind, values: QuickCreateValues): FieldErrors {
  const schema: ZodType = kind === 'contact' ? CreateContactRequestSchema : CreateLeadRequestSchema;
  const parsed = schema.safeParse(quickCreatePayload(kind, values));
  if (parsed.success) return {};
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    if (isField(field)) errors[field] ??= message(issue.code, (issue as { maximum?: unknown }).maximum, field);
  }
  return errors;
}

/** Relay `fields` (keys as in the request) onto the form's fields; unknown keys are returned as `other`. */
export function serverFieldErrors(fields: Record<string, string> | undefined): { errors: FieldErrors; other: string[] } {
  const errors: FieldErrors = {};
  const other: string[] = [];
  for (const [key, text] of Object.entries(fields ?? {})) {
    const field = key.split('.')[0];
    if (isField(field)) errors[field] = text;
    else other.push(text);
  }
  return { errors, other };
}
