/**
 * A small SessionContext for the setup and email steps over real parts: the store (cursors, setup progress,
 * email_sync_items on PGlite), a real mailbox client against the Exchange emulator, the real saving room against the
 * C4C emulator. It plays the session runner's part (baseline instant at the first session, setup merged into the
 * state, counts and item errors collected) so the steps can be driven session by session.
 */
import crypto from 'node:crypto';
import { createSecretBox } from '../../relay/secrets';
import { createStore, migrate, openDb, type Db, type Store } from '../../relay/store';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { createMailboxSyncRepository, type MailboxSyncRepository } from '../../relay/store/mailboxes';
import { createEmailSyncItemsRepository, type EmailSyncItemsRepository } from '../../relay/store/email-sync-items';
import { c4cPortCache } from '../../relay/c4c/port-cache';
import { createEmailSaving } from '../../relay/saving/email';
import type { EmailSaving } from '../../relay/saving/types';
import { createSetupStep } from '../../relay/sync/setup';
import { createEmailStep } from '../../relay/sync/email/step';
import type { Blocklists, SessionContext, SessionStep } from '../../relay/sync/types';
import type { Mailbox } from '../../relay/mailbox/types';
import { ORGANIZATION_SYNC_DEFAULTS, USER_SYNC_SETTINGS_DEFAULTS, type OrganizationSyncSettings, type RunCounts, type RunError, type UserSyncSettings } from '../../shared/api/sync';

export interface SyncWorld {
  db: Db;
  store: Store;
  mailboxes: MailboxSyncRepository;
  items: EmailSyncItemsRepository;
  saving: EmailSaving;
  organizationId: string;
}

export async function createSyncWorld(db: Db, c4cServiceRoot: string): Promise<SyncWorld> {
  const store = createStore(db, createSecretBox(crypto.randomBytes(32)));
  const org = await store.organizations.create({ name: 'Contoso', slug: `contoso-${crypto.randomBytes(4).toString('hex')}` });
  await store.c4cConnections.upsert(org.id, { serviceRoot: c4cServiceRoot, username: 'sandbox', password: 'sandbox' });
  return {
    db,
    store,
    mailboxes: createMailboxSyncRepository(db),
    items: createEmailSyncItemsRepository(db),
    saving: createEmailSaving({ store, c4cFor: c4cPortCache(store.c4cConnections) }),
    organizationId: org.id,
  };
}

export interface SyncUser {
  userId: string;
  address: string;
  displayName: string;
  mailbox: Mailbox;
  organizationSettings: OrganizationSyncSettings;
  userSettings: UserSyncSettings;
  blocklists: Blocklists;
  baselineAt?: Date;
}

export async function addSyncUser(world: SyncWorld, address: string, mailbox: Mailbox, displayName = address.split('@')[0]): Promise<SyncUser> {
  const user = await world.store.users.create(world.organizationId, { displayName, email: address });
  await world.mailboxes.enableMany(world.organizationId, [{ userId: user.id, offsetSeconds: 0 }], { actor: 'test', dueAt: new Date() });
  return {
    userId: user.id,
    address,
    displayName,
    mailbox,
    organizationSettings: { ...ORGANIZATION_SYNC_DEFAULTS, suspendAfter: { ...ORGANIZATION_SYNC_DEFAULTS.suspendAfter } },
    userSettings: { ...USER_SYNC_SETTINGS_DEFAULTS },
    blocklists: { organization: [], user: [] },
  };
}

export interface SessionReport {
  counts: RunCounts;
  errors: RunError[];
}

export function defaultSteps(world: SyncWorld, overrides: { batchSize?: number } = {}): SessionStep[] {
  return [
    createSetupStep(),
    createEmailStep({
      saving: world.saving,
      items: world.items,
      organizationDomains: (organizationId) => world.mailboxes.organizationDomains(organizationId),
      ...overrides,
    }),
  ];
}

/** Runs one session of the user's mailbox with the given steps (default: setup, then email). */
export async function runSession(world: SyncWorld, user: SyncUser, options: { steps?: SessionStep[]; now?: Date; stopAfter?: () => boolean } = {}): Promise<SessionReport> {
  const row = await world.mailboxes.get(world.organizationId, user.userId);
  if (!row) throw new Error('mailbox not enabled');
  user.baselineAt ??= options.now ?? new Date();
  const counts: RunCounts = {};
  const errors: RunError[] = [];
  const ctx: SessionContext = {
    mailbox: user.mailbox,
    state: { userId: user.userId, organizationId: world.organizationId, address: user.address, displayName: user.displayName, setup: { ...row.setup }, baselineAt: user.baselineAt },
    organizationSettings: user.organizationSettings,
    userSettings: user.userSettings,
    blocklists: user.blocklists,
    cursors: world.mailboxes.cursors(world.organizationId, user.userId),
    recordSetup: async (patch) => {
      await world.mailboxes.recordSetup(world.organizationId, user.userId, patch);
      Object.assign(ctx.state.setup, patch);
    },
    progress: () => undefined,
    count: (key, by = 1) => {
      counts[key] = (counts[key] ?? 0) + by;
    },
    itemError: (error) => errors.push(error),
    shouldStop: options.stopAfter ?? (() => false),
    now: () => options.now ?? new Date(),
  };
  for (const step of options.steps ?? defaultSteps(world)) await step.run(ctx);
  return { counts, errors };
}

/** What a sync test file runs against: C4C and Exchange (EWS + Graph) emulators, an in-memory PGlite, one world. */
export interface SyncTestbed {
  c4c: C4cEmulator;
  bed: GraphTestbed;
  db: Db;
  world: SyncWorld;
  /** Mailbox clients the file opened; closed after its tests. */
  opened: Mailbox[];
}

/**
 * Registers the file's beforeAll / afterAll that start and stop the testbed; its fields are set once beforeAll ran
 * (declare this before the file's own hooks, which Jest runs in declaration order).
 */
export function useSyncTestbed(): SyncTestbed {
  const testbed = { opened: [] as Mailbox[] } as SyncTestbed;
  beforeAll(async () => {
    [testbed.c4c, testbed.bed] = await Promise.all([startC4cEmulator({ seedDemo: true }), startGraphTestbed({ seedDemo: true })]);
    testbed.db = await openDb({ dataDir: 'memory://' });
    await migrate(testbed.db);
    testbed.world = await createSyncWorld(testbed.db, testbed.c4c.serviceRoot);
  });
  afterAll(async () => {
    await Promise.all(testbed.opened.map((m) => m.close()));
    await testbed.db?.close();
    await testbed.bed?.close();
    await testbed.c4c?.close();
  });
  return testbed;
}
