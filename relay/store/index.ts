/**
 * The relay's store: PostgreSQL (embedded PGlite or a real server), migrations and typed repositories.
 *
 * `createStore(db, box)` bundles the repositories over one Db. Inside a transaction, build repositories over the
 * transaction handle instead (`createStore(tx, box)` accepts any Queryable) so all writes commit together.
 */
import type { SecretBox } from '../secrets/secret-box';
import type { Queryable } from './db';
import { createAuditRepository, type AuditRepository } from './audit';
import { createC4cConnectionRepository, type C4cConnectionRepository } from './c4c-connections';
import { createLedger, LEDGER_TABLES, type Ledger } from './ledger';
import { createMailboxAccessRepository, type MailboxAccessRepository } from './mailbox-access';
import { createOrganizationRepository, type OrganizationRepository } from './organizations';
import { createUserRepository, type UserRepository } from './users';

export interface Store {
  organizations: OrganizationRepository;
  users: UserRepository;
  c4cConnections: C4cConnectionRepository;
  emailSaves: Ledger;
  appointmentCreates: Ledger;
  audit: AuditRepository;
  mailboxAccess: MailboxAccessRepository;
}

export function createStore(db: Queryable, box: SecretBox): Store {
  return {
    organizations: createOrganizationRepository(db),
    users: createUserRepository(db),
    c4cConnections: createC4cConnectionRepository(db, box),
    emailSaves: createLedger(db, LEDGER_TABLES.emailSaves),
    appointmentCreates: createLedger(db, LEDGER_TABLES.appointmentCreates),
    audit: createAuditRepository(db),
    mailboxAccess: createMailboxAccessRepository(db, box),
  };
}

export { openDb, type Db, type Queryable, type Transaction, type QueryResult, type OpenDbOptions } from './db';
export { migrate, migrationStatus, loadMigrations, defaultMigrationsDir, MigrationError, type MigrationStatus } from './migrate';
export { StoreConflictError, StoreNotFoundError } from './errors';
export * from './organizations';
export * from './users';
export * from './c4c-connections';
export { cachedDirectory, DEFAULT_DIRECTORY_TTL_MS, type CachedDirectory, type CachedDirectoryOptions } from './cached-directory';
export * from './ledger';
export * from './audit';
export * from './sync-settings';
export * from './mailboxes';
