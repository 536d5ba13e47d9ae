/**
 * HTTP surface of the admin console: every route of `ADMIN_ROUTES` (shared/api/admin.ts) behind the admin token
 * guard, the domain errors of relay/admin mapped to HTTP, Server-Sent Events for import and access check progress,
 * and `/openapi.json` generated from the same route table.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  AccessCheckResultsQuerySchema,
  AccessCheckStartRequestSchema,
  ActivationRequestSchema,
  ADMIN_LIMITS,
  ADMIN_ROUTES,
  AuditQuerySchema,
  C4cConnectionRequestSchema,
  C4cConnectionTestRequestSchema,
  CsvImportQuerySchema,
  ImportParamsSchema,
  MailboxAccessRequestSchema,
  OrganizationCreateRequestSchema,
  OrganizationDeleteQuerySchema,
  OrganizationUpdateRequestSchema,
  OrgParamsSchema,
  PageQuerySchema,
  RunParamsSchema,
  UserCreateRequestSchema,
  UserListQuerySchema,
  UserParamsSchema,
  UserUpdateRequestSchema,
  SyncIssueRetryRequestSchema,
  UserRunsQuerySchema,
  type AdminMe,
} from '../../shared/api/admin';
import { MirrorSettingsSchema } from '../../shared/api/mirror';
import { listMonitoringUsers, listSyncIssues, listUserRuns, monitoringOverview, retrySyncIssue, sessionStats } from '../admin/monitoring';
import { OrganizationSyncSettingsUpdateSchema, PresetApplyRequestSchema, PresetCreateRequestSchema, PresetParamsSchema, PresetUpdateRequestSchema } from '../../shared/api/presets';
import { applyPreset, createPreset, deletePreset, getOrganizationSyncSettings, listPresets, setOrganizationSyncSettings, updatePreset } from '../admin/sync-presets';
import { createTokenValidator } from '../auth';
import { requireAdminToken, type AdminPrincipal } from '../auth/admin';
import { registerAccessCheckJobs } from '../admin/access-check';
import { createAdminDeps, managedOrganization } from '../admin/context';
import { createMailboxFactory } from '../mailbox';
import type { MailboxFactory } from '../mailbox/types';
import type { RelayServices } from '../server';
import { cancelAccessCheck, getAccessCheck, listAccessCheckResults, startAccessCheck, toResultDto, toRunDto } from '../admin/access-check';
import { activateUsers } from '../admin/activation';
import { actOnMailboxSync, getMailboxSync } from '../admin/mailbox-sync';
import { httpErrorFromDomain } from './domain-errors';
import { listAudit } from '../admin/audit-log';
import { getC4cConnection, runC4cConnectionTest, setC4cConnection } from '../admin/c4c-connection';
import type { C4cTestOptions } from '../admin/c4c-test';
import type { AdminDeps } from '../admin/context';
import { getCsvImport, startCsvImport, toImportDto } from '../admin/csv-import';
import {
  AdminConflictError,
  AdminForbiddenError,
  AdminNotFoundError,
  AdminValidationError,
  AlreadyFinishedError,
  AutodiscoverError,
  CheckInProgressError,
  ConfirmationRequiredError,
  NotConfiguredError,
  SecretRequiredError,
  SyncUnavailableError,
} from '../admin/errors';
import { getMailboxAccess, setMailboxAccess, type MailboxAccessOptions } from '../admin/mailbox-access';
import { getMirrorSettings, setMirrorSettings } from '../admin/mirror-settings';
import { createOrganization, deleteOrganization, getOrganization, listOrganizations, previewOrganizationDelete, updateOrganization } from '../admin/organizations';
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../admin/users';
import { InvalidCursorError } from '../store/admin';
import { HttpError } from './errors';
import { buildOpenApiDocument } from './openapi';
import { BODY_LIMITS, bodyAfterAuth, jsonBody } from './body';

export interface AdminRoutesOptions {
  deps: AdminDeps;
  /** `requireAdminToken(...)`. */
  guard: RequestHandler;
  c4cTest?: C4cTestOptions;
  mailboxAccess?: MailboxAccessOptions;
  /** SSE poll interval (ms). Default 400. */
  eventPollMs?: number;
  /** Server URL named in /openapi.json. */
  publicOrigin?: string;
  /** Back-pressure guard (relay/http/backpressure.ts), run after the token guard on every route but the event streams. */
  backpressure?: RequestHandler;
}

type OperationId = (typeof ADMIN_ROUTES)[number]['operationId'];

/** Domain errors → HTTP; anything else goes on to the relay's error handler (500 without internals). */
export function httpErrorFromAdmin(error: unknown): HttpError | undefined {
  if (error instanceof AdminNotFoundError) return new HttpError(404, 'not-found', error.message);
  if (error instanceof AdminForbiddenError) return new HttpError(403, 'forbidden', error.message);
  if (error instanceof AdminValidationError) return new HttpError(400, 'invalid-request', error.message, error.fields);
  if (error instanceof AdminConflictError) return new HttpError(409, 'conflict', error.message, { [error.field]: error.message });
  if (error instanceof ConfirmationRequiredError) return new HttpError(400, 'confirmation-required', error.message, { confirm: `Type ${error.slug}` });
  if (error instanceof SecretRequiredError) return new HttpError(400, 'secret-required', error.message, { [error.field]: 'Required' });
  if (error instanceof NotConfiguredError) return new HttpError(409, 'not-configured', error.message);
  if (error instanceof CheckInProgressError) return new HttpError(409, 'check-in-progress', error.message, { runId: error.runId });
  if (error instanceof AlreadyFinishedError) return new HttpError(409, 'already-finished', error.message);
  if (error instanceof SyncUnavailableError) return new HttpError(503, 'sync-unavailable', error.message, undefined, { 'Retry-After': '60' });
  if (error instanceof AutodiscoverError) return new HttpError(422, 'autodiscover-failed', error.message, { autodiscoverAddress: error.message });
  if (error instanceof InvalidCursorError) return new HttpError(400, 'invalid-request', error.message, { cursor: 'Not a cursor of this list' });
  // The use-case rooms' own errors (e.g. the sync control's: not activated, paused) as every router maps them.
  return httpErrorFromDomain(error);
}

/** A preset id that is not an id names no preset: 404 like an unknown one. */
function presetParamsOf(req: Request): { orgId: string; presetId: string } {
  const parsed = PresetParamsSchema.safeParse(req.params);
  if (!parsed.success) throw new HttpError(404, 'not-found', 'No such preset.');
  return parsed.data;
}

/** Ids in the path that are not ids cannot name anything the caller may manage: the same 404 as an unknown one. */
function paramsOf<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, req: Request): T {
  const parsed = schema.safeParse(req.params);
  if (!parsed.success) throw new HttpError(404, 'not-found', 'No such organization.');
  return parsed.data;
}

function principalOf(req: Request): AdminPrincipal {
  if (!req.admin) throw new HttpError(401, 'unauthorized', 'Sign in to continue.');
  return req.admin;
}

type Handler = (req: Request, admin: AdminPrincipal, res: Response) => Promise<{ status?: number; body: unknown } | undefined>;

const wrap = (fn: Handler, deps: AdminDeps): RequestHandler => async (req, res) => {
  try {
    const admin = principalOf(req);
    // The organization is checked before the input: someone else's organization answers 404 whatever was sent.
    if (req.params.orgId !== undefined) await managedOrganization(deps, admin, paramsOf(OrgParamsSchema, req).orgId);
    const answer = await fn(req, admin, res);
    if (answer) res.status(answer.status ?? 200).json(answer.body);
  } catch (error) {
    throw httpErrorFromAdmin(error) ?? error;
  }
};

/** Opens a Server-Sent Events stream; `tick` is called every interval until it returns true (done). */
function eventStream(req: Request, res: Response, intervalMs: number, tick: (send: (event: string, data: unknown) => void) => Promise<boolean>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const send = (event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return new Promise<void>((resolve) => {
    let closed = false;
    req.on('close', () => {
      closed = true;
    });
    const loop = async (): Promise<void> => {
      try {
        while (!closed) {
          if (await tick(send)) break;
          res.write(': keep-alive\n\n');
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      } catch (error) {
        send('error', { code: 'internal-error', message: (error as Error).message });
      }
      res.end();
      resolve();
    };
    void loop();
  });
}

export function adminRoutes(options: AdminRoutesOptions): Router {
  const { deps } = options;
  const pollMs = options.eventPollMs ?? 400;
  const router = Router();
  const openApi = buildOpenApiDocument({ serverUrl: options.publicOrigin });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  router.use('/api/admin', options.guard);

  const handlers: Record<OperationId, Handler> = {
    getMe: async (_req, admin) => {
      const me: AdminMe = { name: admin.name, username: admin.upn, tenantId: admin.tenantId, objectId: admin.oid, roles: admin.roles, operator: admin.operator };
      return { body: me };
    },

    listOrganizations: async (_req, admin) => ({ body: { organizations: await listOrganizations(deps, admin) } }),
    createOrganization: async (req, admin) => ({ status: 201, body: await createOrganization(deps, admin, OrganizationCreateRequestSchema.parse(req.body ?? {})) }),
    getOrganization: async (req, admin) => ({ body: await getOrganization(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    updateOrganization: async (req, admin) => ({ body: await updateOrganization(deps, admin, paramsOf(OrgParamsSchema, req).orgId, OrganizationUpdateRequestSchema.parse(req.body ?? {})) }),
    previewOrganizationDelete: async (req, admin) => ({ body: await previewOrganizationDelete(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    deleteOrganization: async (req, admin) => {
      const { orgId } = paramsOf(OrgParamsSchema, req);
      const parsed = OrganizationDeleteQuerySchema.safeParse(req.query);
      // Confirmation first needs the slug, which only a caller who may manage the organization gets to see.
      const confirm = parsed.success ? parsed.data.confirm : '';
      return { body: await deleteOrganization(deps, admin, orgId, confirm) };
    },

    listUsers: async (req, admin) => ({ body: await listUsers(deps, admin, paramsOf(OrgParamsSchema, req).orgId, UserListQuerySchema.parse(req.query)) }),
    createUser: async (req, admin) => ({ status: 201, body: await createUser(deps, admin, paramsOf(OrgParamsSchema, req).orgId, UserCreateRequestSchema.parse(req.body ?? {})) }),
    getUser: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await getUser(deps, admin, orgId, userId) };
    },
    updateUser: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await updateUser(deps, admin, orgId, userId, UserUpdateRequestSchema.parse(req.body ?? {})) };
    },
    deleteUser: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await deleteUser(deps, admin, orgId, userId) };
    },

    getUserSync: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await getMailboxSync(deps, admin, orgId, userId) };
    },
    syncUserNow: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await actOnMailboxSync(deps, admin, orgId, userId, 'now') };
    },
    pauseUserSync: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await actOnMailboxSync(deps, admin, orgId, userId, 'pause') };
    },
    resumeUserSync: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await actOnMailboxSync(deps, admin, orgId, userId, 'resume') };
    },

    importUsers: async (req, admin) => {
      const { orgId } = paramsOf(OrgParamsSchema, req);
      const query = CsvImportQuerySchema.parse(req.query);
      if (!Buffer.isBuffer(req.body)) {
        throw new HttpError(415, 'unsupported-media-type', 'Send the CSV file as the request body with Content-Type: text/csv.');
      }
      const started = await startCsvImport(deps, admin, orgId, new Uint8Array(req.body), query.fileName ?? null);
      if (query.wait === 'true') return { body: { import: await started.done } };
      return { status: 202, body: { import: started.import } };
    },
    getImport: async (req, admin) => {
      const { orgId, importId } = paramsOf(ImportParamsSchema, req);
      return { body: await getCsvImport(deps, admin, orgId, importId) };
    },
    streamImport: async (req, admin, res) => {
      const { orgId, importId } = paramsOf(ImportParamsSchema, req);
      await getCsvImport(deps, admin, orgId, importId);
      let last = -1;
      await eventStream(req, res, pollMs, async (send) => {
        const row = await deps.admin.getImport(orgId, importId);
        if (!row) return true;
        if (row.processedRows !== last) {
          last = row.processedRows;
          send('progress', { processedRows: row.processedRows, totalRows: row.totalRows });
        }
        if (row.status !== 'running') {
          send('done', toImportDto(row));
          return true;
        }
        return false;
      });
      return undefined;
    },

    getMailboxAccess: async (req, admin) => ({ body: await getMailboxAccess(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    putMailboxAccess: async (req, admin) => ({ body: await setMailboxAccess(deps, admin, paramsOf(OrgParamsSchema, req).orgId, MailboxAccessRequestSchema.parse(req.body ?? {}), options.mailboxAccess) }),

    getC4cConnection: async (req, admin) => ({ body: await getC4cConnection(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    putC4cConnection: async (req, admin) => ({ body: await setC4cConnection(deps, admin, paramsOf(OrgParamsSchema, req).orgId, C4cConnectionRequestSchema.parse(req.body ?? {})) }),
    testC4cConnection: async (req, admin) => ({ body: await runC4cConnectionTest(deps, admin, paramsOf(OrgParamsSchema, req).orgId, C4cConnectionTestRequestSchema.parse(req.body ?? {}), options.c4cTest) }),

    getMirrorSettings: async (req, admin) => ({ body: await getMirrorSettings(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    putMirrorSettings: async (req, admin) => ({ body: await setMirrorSettings(deps, admin, paramsOf(OrgParamsSchema, req).orgId, MirrorSettingsSchema.parse(req.body ?? {})) }),

    startAccessCheck: async (req, admin) => {
      const { orgId } = paramsOf(OrgParamsSchema, req);
      const body = AccessCheckStartRequestSchema.parse(req.body ?? {});
      return { status: 202, body: { run: await startAccessCheck(deps, admin, orgId, body.userIds) } };
    },
    listAccessChecks: async (req, admin) => {
      const { orgId } = paramsOf(OrgParamsSchema, req);
      await getOrganization(deps, admin, orgId);
      const { limit } = PageQuerySchema.parse(req.query);
      return { body: { runs: (await deps.admin.listRuns(orgId, limit)).map(toRunDto) } };
    },
    getAccessCheck: async (req, admin) => {
      const { orgId, runId } = paramsOf(RunParamsSchema, req);
      return { body: await getAccessCheck(deps, admin, orgId, runId) };
    },
    listAccessCheckResults: async (req, admin) => {
      const { orgId, runId } = paramsOf(RunParamsSchema, req);
      return { body: await listAccessCheckResults(deps, admin, orgId, runId, AccessCheckResultsQuerySchema.parse(req.query)) };
    },
    streamAccessCheck: async (req, admin, res) => {
      const { orgId, runId } = paramsOf(RunParamsSchema, req);
      await getAccessCheck(deps, admin, orgId, runId);
      let lastChecked = -1;
      let afterSeq: string | undefined;
      await eventStream(req, res, pollMs, async (send) => {
        const run = await deps.admin.getRun(orgId, runId);
        if (!run) return true;
        for (;;) {
          const results = await deps.admin.listResults(orgId, runId, { limit: 200, afterSeq });
          for (const result of results) send('result', toResultDto(result));
          if (results.length > 0) afterSeq = results[results.length - 1].seq;
          if (results.length < 200) break;
        }
        if (run.checked !== lastChecked) {
          lastChecked = run.checked;
          send('progress', toRunDto(run));
        }
        if (run.status !== 'queued' && run.status !== 'running') {
          send('done', toRunDto(run));
          return true;
        }
        return false;
      });
      return undefined;
    },
    cancelAccessCheck: async (req, admin) => {
      const { orgId, runId } = paramsOf(RunParamsSchema, req);
      return { body: await cancelAccessCheck(deps, admin, orgId, runId) };
    },

    getSyncSettings: async (req, admin) => ({ body: await getOrganizationSyncSettings(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    putSyncSettings: async (req, admin) => ({ body: await setOrganizationSyncSettings(deps, admin, paramsOf(OrgParamsSchema, req).orgId, OrganizationSyncSettingsUpdateSchema.parse(req.body ?? {})) }),
    listPresets: async (req, admin) => ({ body: await listPresets(deps, admin, paramsOf(OrgParamsSchema, req).orgId) }),
    createPreset: async (req, admin) => ({ status: 201, body: await createPreset(deps, admin, paramsOf(OrgParamsSchema, req).orgId, PresetCreateRequestSchema.parse(req.body ?? {})) }),
    updatePreset: async (req, admin) => {
      const { orgId, presetId } = presetParamsOf(req);
      return { body: await updatePreset(deps, admin, orgId, presetId, PresetUpdateRequestSchema.parse(req.body ?? {})) };
    },
    deletePreset: async (req, admin) => {
      const { orgId, presetId } = presetParamsOf(req);
      return { body: await deletePreset(deps, admin, orgId, presetId) };
    },
    applyPreset: async (req, admin) => {
      const { orgId, presetId } = presetParamsOf(req);
      return { body: await applyPreset(deps, admin, orgId, presetId, PresetApplyRequestSchema.parse(req.body ?? {})) };
    },

    activateUsers: async (req, admin) => ({ body: await activateUsers(deps, admin, paramsOf(OrgParamsSchema, req).orgId, ActivationRequestSchema.parse(req.body ?? {})) }),

    listAudit: async (req, admin) => ({ body: await listAudit(deps, admin, paramsOf(OrgParamsSchema, req).orgId, AuditQuerySchema.parse(req.query)) }),
    listAllAudit: async (req, admin) => ({ body: await listAudit(deps, admin, null, AuditQuerySchema.parse(req.query)) }),

    getMonitoringOverview: async (_req, admin) => ({ body: await monitoringOverview(deps, admin) }),
    listMonitoringUsers: async (req, admin) => ({ body: await listMonitoringUsers(deps, admin, paramsOf(OrgParamsSchema, req).orgId, req.query as Record<string, string>) }),
    getSessionStats: async (req, admin) => ({ body: await sessionStats(deps, admin, paramsOf(OrgParamsSchema, req).orgId, req.query) }),
    listSyncIssues: async (req, admin) => ({ body: await listSyncIssues(deps, admin, paramsOf(OrgParamsSchema, req).orgId, PageQuerySchema.parse(req.query)) }),
    retrySyncIssue: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await retrySyncIssue(deps, admin, orgId, userId, SyncIssueRetryRequestSchema.parse(req.body ?? {})) };
    },
    listUserRuns: async (req, admin) => {
      const { orgId, userId } = paramsOf(UserParamsSchema, req);
      return { body: await listUserRuns(deps, admin, orgId, userId, UserRunsQuerySchema.parse(req.query)) };
    },
  };

  const csvBody = express.raw({ type: ['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel', 'application/octet-stream'], limit: ADMIN_LIMITS.csvMaxBytes });
  // Bodies are read after the guard (and the back-pressure check), with the admin console's limits.
  const json = jsonBody(BODY_LIMITS.admin);
  for (const route of ADMIN_ROUTES) {
    const handler = wrap(handlers[route.operationId], deps);
    // An event stream is open for minutes: it must not hold a back-pressure permit all that time.
    const limit = options.backpressure && !('eventStream' in route && route.eventStream) ? [options.backpressure] : [];
    const chain: RequestHandler[] = 'bodyContentType' in route && route.bodyContentType === 'text/csv' ? [...limit, csvBody, handler] : [...limit, json, handler];
    router[route.method](route.path, ...chain);
  }
  return bodyAfterAuth(router);
}

// ---------------------------------------------------------------------------------------------------------------
// Composition: what relay/routes.ts calls with the started services.

export interface MountAdminOptions {
  services: RelayServices;
  authorityHost: string;
  clientId: string;
  appIdUri?: string;
  requiredScope: string;
  /** CA of a test/sandbox authority. */
  entraCaPem?: string;
  /** Tenants whose Operator role is honoured. */
  operatorTenantIds: readonly string[];
  mailboxes?: MailboxFactory;
  c4cTest?: C4cTestOptions;
  /** Back-pressure guard shared with the sidebar's routes (relay/http/backpressure.ts). */
  backpressure?: RequestHandler;
}


export async function mountAdmin(options: MountAdminOptions): Promise<Router> {
  const { services } = options;
  const deps = createAdminDeps({
    db: services.db,
    secrets: services.secrets,
    jobs: services.jobs,
    logger: services.logger,
    mailboxes: options.mailboxes ?? createMailboxFactory(),
    sync: () => services.sync,
    delegatedApp: { clientId: options.clientId, authorityHost: options.authorityHost },
  });
  const validator = createTokenValidator({
    authorityHost: options.authorityHost,
    audience: [options.clientId, options.appIdUri ?? `api://${options.clientId}`],
    requiredScope: options.requiredScope,
    caPem: options.entraCaPem,
    // Tenants with an organization (own or recorded for its admins) and the operators' tenants; anyone else's
    // token is refused before its keys are fetched.
    allowedTenants: async (tenantId) => options.operatorTenantIds.some((t) => t.toLowerCase() === tenantId) || (await deps.admin.tenantKnown(tenantId)),
  });
  const guard = requireAdminToken({ validator, operatorTenantIds: options.operatorTenantIds });
  await registerAccessCheckJobs(deps);
  // Imports interrupted by a stopped relay stay visible as failed (their finished batches are kept).
  await deps.admin.failInterruptedImports(new Date(Date.now() - 5 * 60_000));
  return adminRoutes({ deps, guard, c4cTest: options.c4cTest, publicOrigin: services.config.publicOrigin, backpressure: options.backpressure });
}
