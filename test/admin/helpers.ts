/**
 * An admin API app over a test database without the Entra round trip (the authorization matrix covers that):
 * the guard sets the principal the test chooses. Everything behind it is the real router, use cases and store.
 */
import { Writable } from 'node:stream';
import type { RequestHandler } from 'express';
import type { AdminPrincipal } from '../../relay/auth/admin';
import { createAdminDeps, type AdminDeps } from '../../relay/admin/context';
import { createApp } from '../../relay/http/app';
import { adminRoutes, type AdminRoutesOptions } from '../../relay/http/admin-routes';
import { createLogger } from '../../relay/log';
import { createMailboxFactory } from '../../relay/mailbox';
import type { MailboxFactory } from '../../relay/mailbox/types';
import type { JobQueue } from '../../relay/scheduler/jobs';
import { createSecretBox } from '../../relay/secrets';
import type { Db } from '../../relay/store/db';
import type { SyncControl } from '../../relay/sync/types';

export const TEST_TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

export function principal(overrides: Partial<AdminPrincipal> = {}): AdminPrincipal {
  return {
    tenantId: TEST_TENANT,
    oid: '3f2504e0-0000-4000-8000-000000000001',
    name: 'Ada Admin',
    upn: 'ada@contoso.example',
    roles: ['Admin'],
    operator: false,
    actor: `Ada Admin ada@contoso.example (${TEST_TENANT}/3f2504e0-0000-4000-8000-000000000001)`,
    ...overrides,
  };
}

export function silentLogger() {
  return createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
}

/** Jobs are not used by the routes under test here; anything that would enqueue fails loudly. */
const NO_JOBS = new Proxy({}, { get: () => () => Promise.reject(new Error('no job queue in this test')) }) as unknown as JobQueue;

export interface TestAdmin {
  deps: AdminDeps;
  app: ReturnType<typeof createApp>;
  as(who: AdminPrincipal): void;
}

export function testAdmin(db: Db, options: { jobs?: JobQueue; mailboxes?: MailboxFactory; sync?: SyncControl; routes?: Partial<AdminRoutesOptions> } = {}): TestAdmin {
  const logger = silentLogger();
  const deps = createAdminDeps({
    db,
    secrets: createSecretBox(Buffer.alloc(32, 7)),
    jobs: options.jobs ?? NO_JOBS,
    logger,
    mailboxes: options.mailboxes ?? createMailboxFactory(),
    sync: () => options.sync,
  });
  let current = principal();
  const guard: RequestHandler = (req, _res, next) => {
    req.admin = current;
    next();
  };
  const app = createApp({ logger, routers: [['/', adminRoutes({ deps, guard, eventPollMs: 50, ...options.routes })]] });
  return { deps, app, as: (who) => (current = who) };
}
