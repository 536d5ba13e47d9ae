/**
 * Field validators for identifiers and free text arriving from outside (the sidebar, the sync settings): what
 * PostgreSQL and C4C's OData service can hold. Both ends use them, so the add-in refuses the same input the relay does.
 *
 * - No NUL (U+0000): PostgreSQL `text` cannot store it (error 22021), and OData string literals cannot carry it.
 * - Well-formed UTF-16 (no lone surrogate): a lone surrogate has no UTF-8 encoding, so it can be neither stored nor
 *   sent to C4C (`encodeURIComponent` throws on it).
 * - Length limits of the C4C properties they end up in (c4c-odata.md §3: `Subject` ML765, `GroupwareItemID` ML765, …).
 *
 * Each problem has its own message, which the relay's 400 names next to the field (`fields.<name>`).
 */
import { z } from 'zod';

/** A lone high surrogate (not followed by a low one) or a lone low surrogate (not preceded by a high one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const FIELD_MESSAGES = {
  nul: 'Must not contain a NUL character (U+0000)',
  surrogate: 'Must be well-formed Unicode text (it contains a lone surrogate)',
  control: 'Must not contain control characters',
} as const;

/** True when `value` has no NUL and no lone surrogate: PostgreSQL and OData can hold it. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** True when `value` is well-formed UTF-16 (what `String.prototype.isWellFormed` answers on ES2024 engines). */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Control characters other than tab, line feed and carriage return: never part of an identifier. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Adds the "PostgreSQL and OData can hold it" checks (no NUL, no lone surrogate) to a string schema. */
export function storable(schema: z.ZodString): z.ZodString {
  return schema
    .refine((value) => !value.includes('\u0000'), { message: FIELD_MESSAGES.nul, abort: true })
    .refine(isWellFormedText, { message: FIELD_MESSAGES.surrogate, abort: true });
}

/**
 * Free text (subjects, names, bodies, locations): any characters PostgreSQL and OData can hold, at most `max`
 * UTF-16 code units. Line breaks and tabs are allowed.
 */
export function freeText(max: number): z.ZodString {
  return storable(z.string().max(max));
}

/**
 * An identifier (Internet Message-ID, groupware item id, EWS item id, C4C ObjectID, time-zone name): 1 to `max`
 * code units, no control characters at all (NUL included), well-formed.
 */
export function identifier(max: number): z.ZodString {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), { message: FIELD_MESSAGES.nul, abort: true })
    .refine((value) => !CONTROL.test(value), { message: FIELD_MESSAGES.control, abort: true })
    .refine(isWellFormedText, { message: FIELD_MESSAGES.surrogate, abort: true });
}

/** C4C's `GroupwareItemID` (EMail, Appointment, Task…): ML765. The exactly-once key of a saved email or meeting. */
export const GROUPWARE_ITEM_ID_MAX = 765;
/** EWS item ids / Graph ids and conversation ids: base64 of a few hundred bytes; bounded generously. */
export const MAILBOX_ITEM_ID_MAX = 2048;
