/**
 * A2 CSV import: the file is parsed by csv-parse (quoted fields, separators and newlines inside quotes, `""`
 * escapes), as UTF-8 with or without BOM, `,` or `;` detected from the header line, headers matched
 * case-insensitively. Every row is validated before anything is written, so the report is complete and the writes
 * are only the good rows: new users are created, changed ones updated, identical ones left alone (re-importing
 * the same file changes nothing). Writes go in batches, each one transaction, so a failure never leaves a batch
 * half-written; the report names exactly which lines were imported.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ADMIN_LIMITS, CSV_COLUMNS, type CsvColumn, type CsvImport, type CsvRowError } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { anyOf, buildQueryString, C4cClient, withQuery, BatchBuilder } from '../c4c';
import { createStore } from '../store';
import type { CsvImportRow } from '../store/admin';
import { StoreConflictError } from '../store/errors';
import type { User } from '../store/users';
import { audit, managedOrganization, type AdminDeps } from './context';
import { AdminNotFoundError } from './errors';

// ---------------------------------------------------------------------------------------------------------------
// Parsing (pure)

export interface CsvUserRow {
  /** 1-based line where the record starts. */
  line: number;
  fullName: string;
  email: string;
  /** Undefined: the file has no such column (the stored value is kept); null: the cell is empty (cleared). */
  c4cLogin?: string | null;
  c4cUserId?: string | null;
  mailboxLogin?: string | null;
}

export interface ParsedCsv {
  delimiter: ',' | ';';
  columns: CsvColumn[];
  totalRows: number;
  good: CsvUserRow[];
  errors: CsvRowError[];
}

/** The whole file is unusable (not UTF-8, broken quoting, no header); nothing is imported. */
export class CsvFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFileError';
  }
}

const normalizeHeader = (h: string): string => h.toLowerCase().replace(/[\s_\-.]+/g, '');
const HEADER_LOOKUP = new Map<string, CsvColumn>(
  (Object.entries(CSV_COLUMNS) as Array<[CsvColumn, readonly string[]]>).flatMap(([column, names]) => names.map((name) => [normalizeHeader(name), column] as const)),
);
const REQUIRED: CsvColumn[] = ['fullName', 'email'];
const COLUMN_TITLE: Record<CsvColumn, string> = {
  fullName: 'full name',
  c4cLogin: 'C4C login',
  c4cUserId: 'C4C user ID',
  mailboxLogin: 'mailbox login',
  email: 'mailbox email address',
};
const MAX_LENGTH: Record<CsvColumn, number> = { fullName: 200, email: 320, c4cLogin: 320, c4cUserId: 320, mailboxLogin: 320 };
const emailSchema = z.email();

/** `,` or `;`, whichever occurs more often outside quotes in the header line (`,` on a tie). */
export function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

export function decodeCsv(bytes: Uint8Array): string {
  try {
    // fatal: a Latin-1 export would otherwise turn "Müller" into "M�ller" silently.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvFileError('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.');
  }
}

export function parseUserCsv(input: Uint8Array | string): ParsedCsv {
  const text = (typeof input === 'string' ? input.replace(/^\uFEFF/, '') : decodeCsv(input)).replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw new CsvFileError('The file is empty.');
  const delimiter = detectDelimiter(text);
  let records: Array<{ record: string[]; info: { lines: number }; raw: string }>;
  try {
    records = parse(text, {
      delimiter,
      record_delimiter: '\n',
      info: true,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: false,
    }) as unknown as Array<{ record: string[]; info: { lines: number }; raw: string }>;
  } catch (error) {
    const e = error as { code?: string; lines?: number; message?: string };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') throw new CsvFileError(`A quoted field opened near line ${e.lines ?? '?'} is never closed.`);
    throw new CsvFileError(`The file cannot be read as CSV${e.lines ? ` (line ${e.lines})` : ''}: ${e.message ?? 'parse error'}`);
  }
  const startLine = (r: { info: { lines: number }; raw: string }): number => {
    const body = r.raw.replace(/^\n+/, '').replace(/\n$/, '');
    return r.info.lines - (body.match(/\n/g)?.length ?? 0);
  };
  // Rows of only separators / blanks are empty lines too.
  const nonEmpty = records.filter((r) => r.record.some((v) => v.trim() !== ''));
  const [header, ...rows] = nonEmpty;
  if (!header) throw new CsvFileError('The file is empty.');
  if (rows.length > ADMIN_LIMITS.csvMaxRows) throw new CsvFileError(`The file has ${rows.length} rows; at most ${ADMIN_LIMITS.csvMaxRows} can be imported at once. Split it.`);

  const positions = new Map<CsvColumn, number>();
  header.record.forEach((name, index) => {
    const column = HEADER_LOOKUP.get(normalizeHeader(name.replace(/^\uFEFF/, '')));
    if (column && !positions.has(column)) positions.set(column, index);
  });
  const missing = REQUIRED.filter((c) => !positions.has(c));
  if (missing.length > 0) {
    throw new CsvFileError(
      `The header line has no ${missing.map((c) => `"${COLUMN_TITLE[c]}"`).join(' and ')} column (found: ${header.record.map((h) => `"${h.trim()}"`).join(', ') || 'nothing'}). ` +
        'Expected columns: full name, C4C login, C4C user ID, mailbox login, mailbox email address.',
    );
  }

  const errors: CsvRowError[] = [];
  const good: CsvUserRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const r of rows) {
    const line = startLine(r);
    const cell = (column: CsvColumn): string | undefined => {
      const index = positions.get(column);
      return index === undefined ? undefined : (r.record[index] ?? '').trim();
    };
    const reject = (problem: CsvRowError['problem'], message: string, column?: CsvColumn): void => {
      errors.push({ line, problem, message, ...(column ? { column } : {}) });
    };
    if (r.record.length > header.record.length && r.record.slice(header.record.length).some((v) => v.trim() !== '')) {
      reject('invalid-value', `Line ${line} has ${r.record.length} fields but the header has ${header.record.length}; check for an unquoted "${delimiter}" in a value.`);
      continue;
    }
    const fullName = cell('fullName') ?? '';
    const email = cell('email') ?? '';
    if (fullName === '') {
      reject('missing-column', `Line ${line}: the full name is empty.`, 'fullName');
      continue;
    }
    if (email === '') {
      reject('missing-column', `Line ${line}: the mailbox email address is empty.`, 'email');
      continue;
    }
    if (!emailSchema.safeParse(email).success || email.length > MAX_LENGTH.email) {
      reject('invalid-address', `Line ${line}: "${email.slice(0, 100)}" is not a valid email address.`, 'email');
      continue;
    }
    const tooLong = (Object.keys(MAX_LENGTH) as CsvColumn[]).find((c) => (cell(c)?.length ?? 0) > MAX_LENGTH[c]);
    if (tooLong) {
      reject('invalid-value', `Line ${line}: the ${COLUMN_TITLE[tooLong]} is longer than ${MAX_LENGTH[tooLong]} characters.`, tooLong);
      continue;
    }
    const key = email.toLowerCase();
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      reject('duplicate-in-file', `Line ${line}: ${email} is already on line ${first} of this file.`, 'email');
      continue;
    }
    firstLineOf.set(key, line);
    const optional = (column: CsvColumn): string | null | undefined => {
      const value = cell(column);
      return value === undefined ? undefined : value === '' ? null : value;
    };
    good.push({ line, fullName, email, c4cLogin: optional('c4cLogin'), c4cUserId: optional('c4cUserId'), mailboxLogin: optional('mailboxLogin') });
  }
  return { delimiter, columns: [...positions.keys()], totalRows: rows.length, good, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// C4C employee check: every distinct C4C user ID in one $batch (ID groups per part), not one request per row.

const IDS_PER_PART = 40;
const PARTS_PER_BATCH = 100;

export interface EmployeeLookup {
  /** EmployeeID → UserID (the C4C login), for the IDs that exist. */
  employees: Map<string, string | null>;
}

export async function lookupEmployees(client: C4cClient, employeeIds: string[]): Promise<EmployeeLookup> {
  const employees = new Map<string, string | null>();
  const distinct = [...new Set(employeeIds)];
  const groups: string[][] = [];
  for (let i = 0; i < distinct.length; i += IDS_PER_PART) groups.push(distinct.slice(i, i + IDS_PER_PART));
  for (let i = 0; i < groups.length; i += PARTS_PER_BATCH) {
    const batch = new BatchBuilder();
    const parts = groups.slice(i, i + PARTS_PER_BATCH).map((group) =>
      batch.get(withQuery('EmployeeCollection', buildQueryString({ filter: anyOf('EmployeeID', group), select: ['EmployeeID', 'UserID'], top: group.length }))),
    );
    const result = await client.batch(batch);
    for (const index of parts) {
      for (const employee of result.collection<{ EmployeeID?: string; UserID?: string | null }>(index).results) {
        if (employee.EmployeeID) employees.set(employee.EmployeeID, employee.UserID ?? null);
      }
    }
  }
  return { employees };
}

// ---------------------------------------------------------------------------------------------------------------
// The import use case

export const IMPORT_BATCH_SIZE = 500;

export function toImportDto(row: CsvImportRow): CsvImport {
  return {
    id: row.id,
    organizationId: row.organizationId,
    status: row.status,
    fileName: row.fileName,
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    rejected: row.rejected,
    errors: row.errors as CsvRowError[],
    delimiter: row.delimiter,
    c4cCheck: row.c4cCheck,
    failure: row.failure,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

type Plan = { kind: 'create'; row: CsvUserRow } | { kind: 'update'; row: CsvUserRow; user: User } | { kind: 'unchanged'; row: CsvUserRow };

function patchOf(row: CsvUserRow, user: User): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  if (row.fullName !== user.displayName) patch.displayName = row.fullName;
  // The address differs only in case: keep the stored spelling (the key is case-insensitive).
  if (row.c4cLogin !== undefined && row.c4cLogin !== user.c4cLogin) patch.c4cLogin = row.c4cLogin;
  if (row.c4cUserId !== undefined && row.c4cUserId !== user.c4cUserId) patch.c4cUserId = row.c4cUserId;
  if (row.mailboxLogin !== undefined && row.mailboxLogin !== user.mailboxLogin) patch.mailboxLogin = row.mailboxLogin;
  return patch;
}

export interface StartImportResult {
  import: CsvImport;
  /** Resolves when the import has finished (the route answers at once unless `wait`). */
  done: Promise<CsvImport>;
}

export async function startCsvImport(
  deps: AdminDeps,
  principal: AdminPrincipal,
  organizationId: string,
  file: Uint8Array,
  fileName: string | null,
): Promise<StartImportResult> {
  await managedOrganization(deps, principal, organizationId);
  let parsed: ParsedCsv | undefined;
  let failure: string | undefined;
  try {
    parsed = parseUserCsv(file);
  } catch (error) {
    if (!(error instanceof CsvFileError)) throw error;
    failure = error.message;
  }
  const created = await deps.admin.createImport({ organizationId, fileName, startedBy: principal.actor, totalRows: parsed?.totalRows ?? 0, delimiter: parsed?.delimiter ?? null });
  if (!parsed) {
    const failed = await deps.admin.updateImport(created.id, { status: 'failed', failure, finished: true });
    await audit(deps, principal, organizationId, 'users.import-failed', { importId: created.id, fileName, failure });
    const dto = toImportDto(failed!);
    return { import: dto, done: Promise.resolve(dto) };
  }
  const done = runImport(deps, principal, organizationId, created.id, parsed, fileName).catch(async (error: unknown) => {
    deps.logger.error({ err: error, importId: created.id }, 'CSV import failed');
    const failed = await deps.admin.updateImport(created.id, { status: 'failed', failure: 'The import stopped on an unexpected error. Rows of finished batches were saved; import the file again to finish.', finished: true });
    return toImportDto(failed!);
  });
  return { import: toImportDto(created), done };
}

async function runImport(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, importId: string, parsed: ParsedCsv, fileName: string | null): Promise<CsvImport> {
  const errors: CsvRowError[] = [...parsed.errors];
  let candidates = parsed.good;

  // Addresses of users of other organizations.
  const taken = await deps.admin.emailsInOtherOrganizations(organizationId, candidates.map((r) => r.email));
  candidates = candidates.filter((row) => {
    if (!taken.has(row.email.toLowerCase())) return true;
    errors.push({ line: row.line, problem: 'in-other-organization', column: 'email', message: `Line ${row.line}: ${row.email} belongs to a user of another organization.` });
    return false;
  });

  // C4C user IDs against C4C's employees.
  const c4cCheck = await checkC4cUserIds(deps, organizationId, candidates);
  candidates = candidates.filter((row) => {
    const problem = c4cCheck.rejected.get(row.line);
    if (!problem) return true;
    errors.push({ line: row.line, problem: 'c4c-user-not-found', column: 'c4cUserId', message: problem });
    return false;
  });
  await deps.admin.updateImport(importId, { c4cCheck: c4cCheck.status, processedRows: parsed.totalRows - candidates.length });

  // What each good row does to the stored users.
  const existing = new Map((await deps.store.users.listByOrg(organizationId)).map((u) => [u.email.toLowerCase(), u]));
  const plans: Plan[] = candidates.map((row) => {
    const user = existing.get(row.email.toLowerCase());
    if (!user) return { kind: 'create', row };
    return Object.keys(patchOf(row, user)).length === 0 ? { kind: 'unchanged', row } : { kind: 'update', row, user };
  });

  const counts = { created: 0, updated: 0, unchanged: 0 };
  let processed = parsed.totalRows - candidates.length;
  for (let i = 0; i < plans.length; i += IMPORT_BATCH_SIZE) {
    const batch = plans.slice(i, i + IMPORT_BATCH_SIZE);
    try {
      await writeBatch(deps, organizationId, batch);
      for (const plan of batch) counts[plan.kind === 'create' ? 'created' : plan.kind === 'update' ? 'updated' : 'unchanged']++;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      // Someone added one of these users meanwhile: the batch rolled back whole; redo it row by row so only the
      // conflicting rows are reported and the others still go in.
      for (const plan of batch) {
        try {
          await writeBatch(deps, organizationId, [plan]);
          counts[plan.kind === 'create' ? 'created' : plan.kind === 'update' ? 'updated' : 'unchanged']++;
        } catch (rowError) {
          if (!(rowError instanceof StoreConflictError)) throw rowError;
          errors.push({ line: plan.row.line, problem: 'conflict', column: 'email', message: `Line ${plan.row.line}: ${plan.row.email} was added by someone else during the import; import the file again.` });
        }
      }
    }
    processed += batch.length;
    await deps.admin.updateImport(importId, { processedRows: processed, ...counts });
  }

  errors.sort((a, b) => a.line - b.line);
  const finished = await deps.admin.updateImport(importId, { status: 'succeeded', processedRows: parsed.totalRows, ...counts, rejected: errors.length, errors, finished: true });
  if (!finished) throw new AdminNotFoundError('import');
  await audit(deps, principal, organizationId, 'users.imported', { importId, fileName, rows: parsed.totalRows, ...counts, rejected: errors.length });
  return toImportDto(finished);
}

async function writeBatch(deps: AdminDeps, organizationId: string, batch: Plan[]): Promise<void> {
  if (batch.every((p) => p.kind === 'unchanged')) return;
  await deps.db.transaction(async (tx) => {
    const users = createStore(tx, deps.secrets).users;
    for (const plan of batch) {
      if (plan.kind === 'create') {
        const { row } = plan;
        await users.create(organizationId, { displayName: row.fullName, email: row.email, c4cLogin: row.c4cLogin ?? null, c4cUserId: row.c4cUserId ?? null, mailboxLogin: row.mailboxLogin ?? null });
      } else if (plan.kind === 'update') {
        await users.update(organizationId, plan.user.id, patchOf(plan.row, plan.user));
      }
    }
  });
}

async function checkC4cUserIds(
  deps: AdminDeps,
  organizationId: string,
  rows: CsvUserRow[],
): Promise<{ status: CsvImport['c4cCheck']; rejected: Map<number, string> }> {
  const rejected = new Map<number, string>();
  const withId = rows.filter((r) => typeof r.c4cUserId === 'string');
  if (withId.length === 0) return { status: { status: 'skipped', message: 'The file has no C4C user IDs to check.' }, rejected };
  const connection = await deps.store.c4cConnections.getWithSecret(organizationId);
  if (!connection) return { status: { status: 'skipped', message: 'The organization has no C4C connection yet, so the C4C user IDs were not checked.' }, rejected };
  const client = new C4cClient({ serviceRoot: connection.serviceRoot, auth: { kind: 'basic', username: connection.username, password: connection.password }, timeoutMs: deps.c4cTimeoutMs ?? 30_000 });
  try {
    const { employees } = await lookupEmployees(client, withId.map((r) => r.c4cUserId as string));
    for (const row of withId) {
      const id = row.c4cUserId as string;
      if (!employees.has(id)) {
        rejected.set(row.line, `Line ${row.line}: C4C has no employee with the user ID ${id}.`);
        continue;
      }
      const login = employees.get(id);
      if (row.c4cLogin && login && login.toLowerCase() !== row.c4cLogin.toLowerCase()) {
        rejected.set(row.line, `Line ${row.line}: the C4C employee ${id} has the login ${login}, not ${row.c4cLogin}.`);
      }
    }
    return { status: { status: 'checked', message: null }, rejected };
  } catch (error) {
    deps.logger.warn({ err: error, organizationId }, 'C4C employee check of a CSV import failed');
    return { status: { status: 'failed', message: `C4C could not be asked for the employees (${(error as Error).message}); the C4C user IDs were not checked.` }, rejected };
  } finally {
    client.close();
  }
}

export async function getCsvImport(deps: AdminDeps, principal: AdminPrincipal, organizationId: string, importId: string): Promise<CsvImport> {
  await managedOrganization(deps, principal, organizationId);
  const row = await deps.admin.getImport(organizationId, importId);
  if (!row) throw new AdminNotFoundError('import');
  return toImportDto(row);
}
