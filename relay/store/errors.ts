/** Store errors callers can act on, independent of which driver (pg or PGlite) raised them. */
import { z } from 'zod';

/** A unique constraint said no (duplicate slug, tenant, e-mail, Entra object id). */
export class StoreConflictError extends Error {
  constructor(readonly constraint: string | undefined, message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** A write that needed an existing row found none (e.g. updating the C4C connection of an org without one). */
export class StoreNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNotFoundError';
  }
}

interface PgErrorShape {
  code?: unknown;
  constraint?: unknown;
}

/** Both drivers expose the SQLSTATE as `code` and the constraint name as `constraint`. */
export function isUniqueViolation(error: unknown): error is PgErrorShape {
  return typeof error === 'object' && error !== null && (error as PgErrorShape).code === '23505';
}

export function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as PgErrorShape).code === '23503';
}

/** Runs a write and turns a unique violation into StoreConflictError with a readable message. */
export async function mapConflict<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) {
      const constraint = typeof error.constraint === 'string' ? error.constraint : undefined;
      throw new StoreConflictError(constraint, `${what} already exists${constraint ? ` (${constraint})` : ''}`);
    }
    throw error;
  }
}

const guid = z.guid();

/**
 * Ids arrive from URLs and tokens. A malformed one cannot match any row; answering "not found" instead of letting
 * PostgreSQL raise "invalid input syntax for type uuid" keeps that a 404 rather than a 500.
 */
export function isId(value: unknown): value is string {
  return guid.safeParse(value).success;
}
