/**
 * Edm value handling: request JSON -> stored value -> C4C JSON.
 *
 * Stored forms: DateTime/DateTimeOffset as epoch milliseconds (number), Guid as upper-case dashed text,
 * Decimal and Int64 as strings (as V2 JSON sends them), Boolean as boolean, the rest as strings/numbers.
 */
import type { PropertyModel } from './edmx-model';
import { badRequest } from './errors';

export type StoredValue = string | number | boolean | null;
export type Row = Record<string, StoredValue>;

const DATE_WIRE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;
const GUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EDM_TIME = /^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$/;

/** Parses an ISO timestamp; a missing zone means UTC (C4C stores UTC and clients are told to send UTC). */
export function parseIsoUtc(text: string): number | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T');
  const withTime = text.includes('T') ? text : `${text}T00:00:00`;
  const ms = Date.parse(hasZone ? withTime : `${withTime}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function normaliseGuid(text: string): string | undefined {
  if (!GUID.test(text)) return undefined;
  const h = text.replace(/-/g, '').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Converts one request value to its stored form; throws 400 with a C4C-like message when it does not fit. */
export function parseInput(prop: PropertyModel, value: unknown): StoredValue {
  if (value === null || value === undefined) return null;
  const fail = (): never => {
    throw badRequest(`Invalid value for property '${prop.name}' of type ${prop.type}: ${JSON.stringify(value)}`);
  };
  switch (prop.type) {
    case 'Edm.String': {
      if (typeof value !== 'string') return fail();
      if (prop.maxLength !== undefined && value.length > prop.maxLength) {
        throw badRequest(`Value of property '${prop.name}' exceeds the maximum length of ${prop.maxLength}`);
      }
      return value;
    }
    case 'Edm.Boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail();
    case 'Edm.DateTime':
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'string') return fail();
      const m = DATE_WIRE.exec(value);
      if (m) return Number(m[1]);
      const ms = parseIsoUtc(value);
      return ms === undefined ? fail() : ms;
    }
    case 'Edm.Time':
      return typeof value === 'string' && EDM_TIME.test(value) ? value : fail();
    case 'Edm.Guid': {
      if (typeof value !== 'string') return fail();
      if (value === '') return null;
      return normaliseGuid(value) ?? fail();
    }
    case 'Edm.Decimal':
    case 'Edm.Int64':
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return value.trim();
      return fail();
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Byte':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
      return fail();
    case 'Edm.Double':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && !Number.isNaN(Number(value))) return Number(value);
      return fail();
    case 'Edm.Binary':
      return typeof value === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(value) ? value : fail();
    default:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : fail();
  }
}

/** Value of a property that was never set: C4C sends "" for empty strings, null for empty Guids/dates. */
export function defaultValue(prop: PropertyModel): StoredValue {
  if (prop.type === 'Edm.String') return '';
  if (prop.type === 'Edm.Boolean') return false;
  return null;
}

export function formatDate(ms: number): string {
  return `/Date(${ms})/`;
}

/** Stored value -> JSON value as C4C writes it. */
export function formatOutput(prop: PropertyModel, value: StoredValue | undefined): StoredValue {
  const v = value === undefined ? defaultValue(prop) : value;
  if (v === null) return null;
  if ((prop.type === 'Edm.DateTime' || prop.type === 'Edm.DateTimeOffset') && typeof v === 'number') return formatDate(v);
  return v;
}

/** ISO form with 7 fractional digits, as C4C prints DateTimeOffset in ETags. */
export function iso7(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Weak ETag `W/"datetimeoffset'2025-12-30T01%3A36%3A47.9842130Z'"` (colons percent-encoded). */
export function etagFor(ms: number): string {
  return `W/"datetimeoffset'${iso7(ms).replace(/:/g, '%3A')}'"`;
}

/** C4C escapes the slashes of /Date(..)/ in JSON ("\/Date(1490832000000)\/"); JSON parsers read both the same. */
export function stringifyC4cJson(body: unknown): string {
  return JSON.stringify(body).replace(/"\/Date\((-?\d+)\)\/"/g, '"\\/Date($1)\\/"');
}
