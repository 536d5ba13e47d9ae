/**
 * The contract between the admin console (addin/admin/) and the relay's admin API (relay/http/admin-routes.ts):
 * every route under `/api/admin/…` with its path parameters, query, request body and responses, as zod schemas.
 * Both sides import this file; `/openapi.json` is generated from `ADMIN_ROUTES` with zod 4's own JSON Schema output
 * (`z.toJSONSchema`), so the document cannot drift from what the relay validates.
 *
 * Conventions
 * - Authentication: `Authorization: Bearer <Entra v2 access token of the relay's own app>` whose `roles` claim holds
 *   `Admin` (manages the organizations of the token's tenant, or recorded as the tenant's) or `Operator` (all).
 *   No/invalid token → 401 `unauthorized`; valid token without an admin role → 403 `forbidden`; an organization the
 *   caller may not manage → 404 `not-found`, exactly as if it did not exist.
 * - Every non-2xx answer is `ErrorBody`: `{ error: { code, message, fields?, reason? } }`.
 * - Dates are ISO 8601 instants (UTC, `Z`). Ids are UUIDs.
 * - Secrets (passwords, client secrets, private keys) are write-only: requests may carry them, responses never do;
 *   they say only whether one is stored and since when (`secretSetAt`).
 * - Server-Sent Events routes (`…/events`) need the same bearer header, so the console reads them with `fetch()` and
 *   a stream reader (the browser's EventSource cannot send headers). Each event is `event: <name>` + `data: <JSON>`;
 *   the stream ends after the `done` event. A client that reconnects gets the current state first.
 * - Lists page with an opaque `cursor` (keyset) and `limit`; `nextCursor` is null on the last page.
 */
import { z } from 'zod';
import { MirrorSettingsResponseSchema, MirrorSettingsSchema } from './mirror';
import {
  OrganizationSyncSettingsResponseSchema,
  OrganizationSyncSettingsUpdateSchema,
  PresetApplyRequestSchema,
  PresetApplyResponseSchema,
  PresetCreateRequestSchema,
  PresetListResponseSchema,
  PresetParamsSchema,
  PresetSchema,
  PresetUpdateRequestSchema,
} from './presets';
import { SyncNowResponseSchema, SyncRunSchema, SyncStatusSchema } from './sync';

// ---------------------------------------------------------------------------------------------------------------
// Roles, limits, error codes

/** App roles (the `roles` claim of the relay app's access token) that open the admin API. */
export const ADMIN_ROLES = { admin: 'Admin', operator: 'Operator' } as const;

export const ADMIN_LIMITS = {
  /** Largest CSV upload, in bytes. */
  csvMaxBytes: 20 * 1024 * 1024,
  /** Most data rows one CSV import accepts. */
  csvMaxRows: 50_000,
  pageSizeDefault: 50,
  pageSizeMax: 500,
  /** Most user ids one access check or activation request may name. */
  maxUserIds: 50_000,
} as const;

export const ADMIN_ERROR_CODES = {
  invalidRequest: 'invalid-request',
  unauthorized: 'unauthorized',
  /** Signed in, but without an admin role (or an operator-only route). */
  forbidden: 'forbidden',
  notFound: 'not-found',
  /** Unique value taken: slug, tenant id, a user's mailbox address or Entra object id. `fields` names it. */
  conflict: 'conflict',
  /** Deleting an organization needs `confirm` = its slug. */
  confirmationRequired: 'confirmation-required',
  /** A secret is needed the first time a kind of access / a connection is configured. */
  secretRequired: 'secret-required',
  /** The organization has no mailbox access yet (access check) or no C4C connection (test). */
  notConfigured: 'not-configured',
  /** An access check is already queued or running for this organization; `fields.runId` names it. */
  checkInProgress: 'check-in-progress',
  /** Autodiscover found no EWS URL for the address. */
  autodiscoverFailed: 'autodiscover-failed',
  /** The run already ended (cancel of a finished run). */
  alreadyFinished: 'already-finished',
  payloadTooLarge: 'payload-too-large',
  unsupportedMediaType: 'unsupported-media-type',
  /** The sync engine is not available in this relay (activation). */
  syncUnavailable: 'sync-unavailable',
} as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[keyof typeof ADMIN_ERROR_CODES];

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

export const IdSchema = z.guid();
export const InstantSchema = z.iso.datetime({ offset: true });
const GuidSchema = z.guid();
const UrlSchema = z.url({ protocol: /^https?$/ });
const EmailSchema = z.email().max(320);
const SecretSchema = z.string().min(1).max(16_384);

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Invalid inputs by name (dotted for nested paths) → message shown next to that field. */
    fields: z.record(z.string(), z.string()).optional(),
    /** For 401: why the token was refused (expired, wrong-audience, …). */
    reason: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const PageQuerySchema = z.object({
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(ADMIN_LIMITS.pageSizeMax).default(ADMIN_LIMITS.pageSizeDefault),
});

export const OrgParamsSchema = z.object({ orgId: IdSchema });
export const UserParamsSchema = z.object({ orgId: IdSchema, userId: IdSchema });
export const ImportParamsSchema = z.object({ orgId: IdSchema, importId: IdSchema });
export const RunParamsSchema = z.object({ orgId: IdSchema, runId: IdSchema });

// ---------------------------------------------------------------------------------------------------------------
// Who is signed in

export const AdminMeSchema = z.object({
  name: z.string(),
  /** preferred_username */
  username: z.string(),
  tenantId: GuidSchema,
  objectId: GuidSchema,
  roles: z.array(z.string()),
  /** True with the Operator role: sees and manages every organization and may create them for any tenant. */
  operator: z.boolean(),
});
export type AdminMe = z.infer<typeof AdminMeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Organizations (A1)

const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, up to 63 characters');

export const OrganizationSchema = z.object({
  id: IdSchema,
  name: z.string(),
  slug: z.string(),
  /** The Entra tenant whose users' tokens sign in to the sidebar for this organization. */
  entraTenantId: GuidSchema.nullable(),
  /** Minutes between two sync sessions of one mailbox. */
  syncIntervalMinutes: z.number().int(),
  userCount: z.number().int(),
  mailboxAccessKind: z.enum(['ews-impersonation', 'ews-direct', 'graph-app', 'graph-delegated']).nullable(),
  c4cConfigured: z.boolean(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
export type Organization = z.infer<typeof OrganizationSchema>;

export const OrganizationListResponseSchema = z.object({ organizations: z.array(OrganizationSchema) });
export type OrganizationListResponse = z.infer<typeof OrganizationListResponseSchema>;

export const OrganizationCreateRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Derived from the name when left out. */
  slug: SlugSchema.optional(),
  /** Defaults to the signed-in admin's tenant. Only an operator may name another tenant. */
  entraTenantId: GuidSchema.nullable().optional(),
  syncIntervalMinutes: z.number().int().min(1).max(24 * 60).optional(),
});
export type OrganizationCreateRequest = z.input<typeof OrganizationCreateRequestSchema>;

export const OrganizationUpdateRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  slug: SlugSchema.optional(),
  /** Only an operator may change the tenant (an admin would hand the organization away). */
  entraTenantId: GuidSchema.nullable().optional(),
  syncIntervalMinutes: z.number().int().min(1).max(24 * 60).optional(),
});
export type OrganizationUpdateRequest = z.input<typeof OrganizationUpdateRequestSchema>;

/** What deleting the organization removes; the console names it in the confirmation dialog. */
export const OrganizationDeletePreviewSchema = z.object({
  organizationId: IdSchema,
  name: z.string(),
  /** Type this to confirm (`DELETE …?confirm=<slug>`). */
  slug: z.string(),
  users: z.number().int(),
  secrets: z.object({
    c4cPassword: z.boolean(),
    mailboxAccessSecret: z.boolean(),
    /** Per-user mailbox credentials (EWS direct passwords, Graph refresh tokens). */
    userCredentials: z.number().int(),
  }),
  sync: z.object({
    /** Mailboxes with sync state (any status). */
    mailboxes: z.number().int(),
    /** Of those, enabled: their sessions are stopped first. */
    enabled: z.number().int(),
  }),
  accessCheckRuns: z.number().int(),
  auditEntries: z.number().int(),
});
export type OrganizationDeletePreview = z.infer<typeof OrganizationDeletePreviewSchema>;

export const OrganizationDeleteQuerySchema = z.object({ confirm: z.string().min(1).max(100) });

export const OrganizationDeleteResponseSchema = z.object({
  deleted: z.literal(true),
  removed: OrganizationDeletePreviewSchema,
  /** Mailboxes whose sync was disabled before the cascade. */
  mailboxesStopped: z.number().int(),
});
export type OrganizationDeleteResponse = z.infer<typeof OrganizationDeleteResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Users (A2)

export const ACCESS_PROBLEMS = [
  'ok',
  'impersonation-denied',
  'mailbox-not-found',
  'invalid-credentials',
  'consent-missing',
  'server-unreachable',
  'throttled',
  'unknown',
  /** EWS is switched off for the tenant or user (Exchange Online EwsEnabled / EwsAllowedAppIDs): HTTP 403. */
  'ews-disabled',
  /** Graph app-only: the mailbox is outside the app's RBAC for Applications scope (or Application Access Policy). */
  'app-scope-denied',
  /** Per-user access kinds: the user has not entered their credential / consent in the sidebar yet. */
  'no-user-credential',
  /** The organization has no mailbox access configured. */
  'not-configured',
  /** The run was cancelled before this user was checked. */
  'cancelled',
] as const;
export const AccessProblemSchema = z.enum(ACCESS_PROBLEMS);
export type AdminAccessProblem = z.infer<typeof AccessProblemSchema>;

/** The user's latest access check (of any run). */
export const UserAccessSummarySchema = z.object({
  ok: z.boolean(),
  problem: AccessProblemSchema,
  message: z.string(),
  checkedAt: InstantSchema,
  runId: IdSchema,
});

export const AdminUserSchema = z.object({
  id: IdSchema,
  organizationId: IdSchema,
  displayName: z.string(),
  /** The mailbox's primary SMTP address (the sync key). */
  email: z.string(),
  /** Mailbox logon (UPN / DOMAIN\user) when it differs from the address. */
  mailboxLogin: z.string().nullable(),
  c4cLogin: z.string().nullable(),
  c4cUserId: z.string().nullable(),
  entraObjectId: GuidSchema.nullable(),
  role: z.enum(['user', 'admin']),
  lastAccessCheck: UserAccessSummarySchema.nullable(),
  /** Sync status of the mailbox (null: never activated). */
  syncStatus: z.enum(['enabled', 'paused', 'suspended']).nullable(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
});
export type AdminUser = z.infer<typeof AdminUserSchema>;

export const UserListQuerySchema = PageQuerySchema.extend({
  /** Case-insensitive substring of name, mailbox address, mailbox login, C4C login or C4C user ID. */
  q: z.string().trim().max(200).optional(),
});
export type UserListQuery = z.input<typeof UserListQuerySchema>;

export const UserListResponseSchema = z.object({
  users: z.array(AdminUserSchema),
  /** Users matching `q` (all pages). */
  total: z.number().int(),
  nextCursor: z.string().nullable(),
});
export type UserListResponse = z.infer<typeof UserListResponseSchema>;

const OptionalText = z.string().trim().min(1).max(320).nullable().optional();

export const UserCreateRequestSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(200),
  email: EmailSchema,
  mailboxLogin: OptionalText,
  c4cLogin: OptionalText,
  c4cUserId: OptionalText,
  entraObjectId: GuidSchema.nullable().optional(),
  role: z.enum(['user', 'admin']).optional(),
});
export type UserCreateRequest = z.input<typeof UserCreateRequestSchema>;

export const UserUpdateRequestSchema = UserCreateRequestSchema.partial();
export type UserUpdateRequest = z.input<typeof UserUpdateRequestSchema>;

export const UserDeleteResponseSchema = z.object({ deleted: z.literal(true), syncStopped: z.boolean() });

// ---------------------------------------------------------------------------------------------------------------
// CSV import (A2)

/**
 * Columns, matched case-insensitively (spaces, `_` and `-` ignored) against these names and aliases. Required:
 * full name and mailbox email address; the others may be missing or empty.
 */
export const CSV_COLUMNS = {
  fullName: ['full name', 'name', 'display name'],
  c4cLogin: ['c4c login', 'c4c user'],
  c4cUserId: ['c4c user id', 'c4c employee id', 'employee id'],
  mailboxLogin: ['mailbox login', 'login', 'upn'],
  email: ['mailbox email address', 'mailbox email', 'email address', 'email', 'mailbox address'],
} as const;
export type CsvColumn = keyof typeof CSV_COLUMNS;

export const CSV_ROW_PROBLEMS = [
  /** A required value is empty or its column is absent. */
  'missing-column',
  'invalid-address',
  /** The same mailbox address appears on an earlier line of the file (that line wins). */
  'duplicate-in-file',
  /** The mailbox address belongs to a user of another organization. */
  'in-other-organization',
  /** C4C has no employee with this user ID. */
  'c4c-user-not-found',
  /** A value is too long, or the row has more fields than the header. */
  'invalid-value',
  /** Another user of this organization already has this Entra object id / value. */
  'conflict',
] as const;
export const CsvRowProblemSchema = z.enum(CSV_ROW_PROBLEMS);

export const CsvRowErrorSchema = z.object({
  /** 1-based physical line of the file where the record starts (the header is line 1). */
  line: z.number().int(),
  problem: CsvRowProblemSchema,
  /** The CSV column concerned (canonical name), when one is. */
  column: z.enum(['fullName', 'c4cLogin', 'c4cUserId', 'mailboxLogin', 'email']).optional(),
  message: z.string(),
});
export type CsvRowError = z.infer<typeof CsvRowErrorSchema>;

export const IMPORT_STATUSES = ['running', 'succeeded', 'failed'] as const;

export const CsvImportSchema = z.object({
  id: IdSchema,
  organizationId: IdSchema,
  status: z.enum(IMPORT_STATUSES),
  fileName: z.string().nullable(),
  /** Data rows in the file (without the header). */
  totalRows: z.number().int(),
  /** Rows validated and written so far (for progress). */
  processedRows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  /** Every bad row, by line. */
  errors: z.array(CsvRowErrorSchema),
  /** The separator detected. */
  delimiter: z.enum([',', ';']).nullable(),
  c4cCheck: z.object({
    status: z.enum(['checked', 'skipped', 'failed']),
    /** Why it was skipped / failed (no C4C connection, C4C not reachable: the IDs were then not checked). */
    message: z.string().nullable(),
  }),
  /** A file-level failure (not CSV, no header, too many rows): nothing was imported. */
  failure: z.string().nullable(),
  startedAt: InstantSchema,
  finishedAt: InstantSchema.nullable(),
});
export type CsvImport = z.infer<typeof CsvImportSchema>;

/** `POST …/users/import`: body = the CSV file (`text/csv`, UTF-8, with or without BOM). */
export const CsvImportQuerySchema = z.object({
  fileName: z.string().max(255).optional(),
  /** `true`: answer 200 with the finished report instead of 202 at once. */
  wait: z.enum(['true', 'false']).optional(),
});

export const CsvImportStartResponseSchema = z.object({ import: CsvImportSchema });

/** SSE `…/imports/{importId}/events`: `progress` (repeated), then `done` with the whole report. */
export const CsvImportProgressEventSchema = z.object({ processedRows: z.number().int(), totalRows: z.number().int() });

// ---------------------------------------------------------------------------------------------------------------
// Mailbox access (A3)

export const MAILBOX_ACCESS_KINDS = ['ews-impersonation', 'graph-app', 'ews-direct', 'graph-delegated'] as const;

const EwsImpersonationRequestSchema = z.strictObject({
  kind: z.literal('ews-impersonation'),
  /** e.g. https://mail.contoso.com/EWS/Exchange.asmx; or give `autodiscoverAddress`. */
  ewsUrl: UrlSchema.optional(),
  /** A mailbox address whose Autodiscover answer names the EWS URL. */
  autodiscoverAddress: EmailSchema.optional(),
  /** Service account (UPN or DOMAIN\user) holding the ApplicationImpersonation role. */
  username: z.string().trim().min(1).max(320),
  /** Required the first time; left out = keep the stored one. */
  password: SecretSchema.optional(),
  /** EWS calls in flight for this account (below EWSMaxConcurrency 27). */
  maxConcurrency: z.number().int().min(1).max(26).optional(),
});

const GraphAppRequestSchema = z.strictObject({
  kind: z.literal('graph-app'),
  tenantId: GuidSchema,
  clientId: GuidSchema,
  /** Required the first time (or `certificate`); left out = keep the stored one. Not together with `certificate`. */
  clientSecret: SecretSchema.optional(),
  /**
   * Certificate credential instead of a secret: the certificate uploaded to the app registration and its private key
   * (unencrypted PEM, RSA). The relay checks that they match and that the certificate is valid now, and computes the
   * thumbprints itself. Write-only: the response shows only the certificate's thumbprint, subject and expiry.
   */
  certificate: z
    .strictObject({
      certificatePem: z.string().min(1).max(65_536),
      privateKeyPem: SecretSchema,
    })
    .optional(),
  /** Defaults: https://login.microsoftonline.com and https://graph.microsoft.com (national clouds differ). */
  authorityHost: UrlSchema.optional(),
  graphBaseUrl: UrlSchema.optional(),
});

const EwsDirectRequestSchema = z.strictObject({
  kind: z.literal('ews-direct'),
  ewsUrl: UrlSchema.optional(),
  autodiscoverAddress: EmailSchema.optional(),
});

const GraphDelegatedRequestSchema = z.strictObject({
  kind: z.literal('graph-delegated'),
  /** The app registration users consent to (defaults to the relay's own when left out). */
  tenantId: GuidSchema.optional(),
  clientId: GuidSchema.optional(),
  clientSecret: SecretSchema.optional(),
  authorityHost: UrlSchema.optional(),
  graphBaseUrl: UrlSchema.optional(),
});

/** `PUT …/mailbox-access`: one body per kind. ews-direct / graph-delegated: users enter their credential later. */
export const MailboxAccessRequestSchema = z.discriminatedUnion('kind', [
  EwsImpersonationRequestSchema,
  GraphAppRequestSchema,
  EwsDirectRequestSchema,
  GraphDelegatedRequestSchema,
]);
export type MailboxAccessRequest = z.input<typeof MailboxAccessRequestSchema>;

export const MailboxAccessResponseSchema = z.object({
  configured: z.boolean(),
  access: z
    .object({
      kind: z.enum(MAILBOX_ACCESS_KINDS),
      /**
       * Non-secret settings (ewsUrl, username, tenantId, clientId, authorityHost, graphBaseUrl, maxConcurrency;
       * graph-app: credentialType `secret` | `certificate`, and for a certificate certificateThumbprintSha256,
       * certificateThumbprint (SHA-1), certificateSubject, certificateNotAfter).
       */
      settings: z.record(z.string(), z.union([z.string(), z.number()])),
      /** When the stored secret (password / client secret / certificate key) was last set; null: none stored. */
      secretSetAt: InstantSchema.nullable(),
      /** Per-user kinds: how many users have entered their credential. */
      usersWithCredential: z.number().int().nullable(),
      updatedAt: InstantSchema,
    })
    .nullable(),
});
export type MailboxAccessResponse = z.infer<typeof MailboxAccessResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// C4C connection (A6)

export const C4cConnectionResponseSchema = z.object({
  configured: z.boolean(),
  connection: z
    .object({
      serviceRoot: z.string(),
      authKind: z.literal('basic'),
      username: z.string(),
      passwordSetAt: InstantSchema,
      updatedAt: InstantSchema,
    })
    .nullable(),
});
export type C4cConnectionResponse = z.infer<typeof C4cConnectionResponseSchema>;

export const C4cConnectionRequestSchema = z.strictObject({
  /** https://myNNNNNN.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/ */
  serviceRoot: UrlSchema,
  username: z.string().trim().min(1).max(200),
  /** Required the first time; left out = keep the stored one. */
  password: SecretSchema.optional(),
});
export type C4cConnectionRequest = z.input<typeof C4cConnectionRequestSchema>;

/** `POST …/c4c-connection/test`: empty body = test the stored connection; or test values before saving them. */
export const C4cConnectionTestRequestSchema = z.strictObject({
  serviceRoot: UrlSchema.optional(),
  username: z.string().trim().min(1).max(200).optional(),
  /** Left out = the stored password. */
  password: SecretSchema.optional(),
});
export type C4cConnectionTestRequest = z.input<typeof C4cConnectionTestRequestSchema>;

export const C4C_TEST_STEPS = ['dns', 'connect', 'tls', 'csrf', 'metadata', 'employees'] as const;
export const C4C_TEST_PROBLEMS = [
  'dns',
  'connect',
  'tls',
  'timeout',
  /** 401: user name or password wrong (or the user is locked). */
  'unauthorized',
  /** 403: the technical user lacks authorization for the OData service or for employees. */
  'forbidden',
  /** The URL answers, but not as a C4C OData v2 service (no EDMX, no EmployeeCollection, HTML login page, 404). */
  'not-odata',
  'http-error',
] as const;

export const C4cConnectionTestResponseSchema = z.object({
  ok: z.boolean(),
  /** The step that failed; null when everything passed. */
  problem: z.enum(C4C_TEST_PROBLEMS).nullable(),
  /** One sentence: what failed and what to check. */
  message: z.string(),
  steps: z.array(
    z.object({
      step: z.enum(C4C_TEST_STEPS),
      ok: z.boolean(),
      ms: z.number(),
      detail: z.string().optional(),
    }),
  ),
  /** From the EmployeeCollection page read (ok only). */
  employeesSampled: z.number().int().nullable(),
});
export type C4cConnectionTestResponse = z.infer<typeof C4cConnectionTestResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Access check (A4)

export const ACCESS_CHECK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const AccessCheckRunSchema = z.object({
  id: IdSchema,
  organizationId: IdSchema,
  status: z.enum(ACCESS_CHECK_STATUSES),
  accessKind: z.enum(MAILBOX_ACCESS_KINDS),
  total: z.number().int(),
  checked: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  /** Who started it (display name / username of the admin). */
  startedBy: z.string(),
  createdAt: InstantSchema,
  startedAt: InstantSchema.nullable(),
  finishedAt: InstantSchema.nullable(),
  /** Why the whole run failed (not a per-user problem). */
  error: z.string().nullable(),
});
export type AccessCheckRun = z.infer<typeof AccessCheckRunSchema>;

export const AccessCheckStartRequestSchema = z.strictObject({
  /** Check only these users; all users of the organization when left out. */
  userIds: z.array(IdSchema).min(1).max(ADMIN_LIMITS.maxUserIds).optional(),
});
export type AccessCheckStartRequest = z.input<typeof AccessCheckStartRequestSchema>;

export const AccessCheckStartResponseSchema = z.object({ run: AccessCheckRunSchema });
export const AccessCheckRunListResponseSchema = z.object({ runs: z.array(AccessCheckRunSchema) });

export const AccessCheckResultSchema = z.object({
  userId: IdSchema,
  email: z.string(),
  displayName: z.string(),
  ok: z.boolean(),
  problem: AccessProblemSchema,
  /** A sentence an admin understands, with what to do. */
  message: z.string(),
  checkedAt: InstantSchema,
  ms: z.number().int(),
});
export type AccessCheckResult = z.infer<typeof AccessCheckResultSchema>;

export const AccessCheckResultsQuerySchema = PageQuerySchema.extend({
  outcome: z.enum(['passed', 'failed']).optional(),
});

export const AccessCheckResultsResponseSchema = z.object({
  results: z.array(AccessCheckResultSchema),
  nextCursor: z.string().nullable(),
});
export type AccessCheckResultsResponse = z.infer<typeof AccessCheckResultsResponseSchema>;

/** SSE `…/access-checks/{runId}/events`: `progress` = the run (counts), `result` = one user, `done` = the final run. */
export const AccessCheckEventNames = ['progress', 'result', 'done'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Bulk activation (A5)

export const ActivationRequestSchema = z.discriminatedUnion('mode', [
  /** Every user whose latest access check passed. */
  z.strictObject({ mode: z.literal('passed') }),
  /** These users; those without a passed latest check are reported in `notActivated`, not activated. */
  z.strictObject({ mode: z.literal('users'), userIds: z.array(IdSchema).min(1).max(ADMIN_LIMITS.maxUserIds) }),
]);
export type ActivationRequest = z.input<typeof ActivationRequestSchema>;

export const ActivationResponseSchema = z.object({
  activated: z.array(
    z.object({
      userId: IdSchema,
      email: z.string(),
      /** enabled: newly; already-enabled: nothing changed (idempotent); resumed: was paused / suspended. */
      outcome: z.enum(['enabled', 'already-enabled', 'resumed']),
    }),
  ),
  /** Users left out, each with why: never checked, latest check failed (its problem), or not in the organization. */
  notActivated: z.array(
    z.object({
      userId: IdSchema,
      email: z.string().nullable(),
      displayName: z.string().nullable(),
      reason: z.enum(['not-checked', 'check-failed', 'not-found']),
      problem: AccessProblemSchema.nullable(),
      message: z.string(),
    }),
  ),
});
export type ActivationResponse = z.infer<typeof ActivationResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Audit log

export const AuditEntrySchema = z.object({
  id: z.string(),
  organizationId: IdSchema.nullable(),
  /** Who acted: `<name> <username> (<tenant>/<oid>)` for admins, `system`, … */
  actor: z.string(),
  /** Dotted verb: organization.created, users.imported, mailbox-access.updated, access-check.started, … */
  action: z.string(),
  /** What changed (never a secret: at most "password replaced"). */
  details: z.record(z.string(), z.unknown()),
  at: InstantSchema,
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = PageQuerySchema.extend({
  /** Exact action, or a prefix ending in `.` / `*` (e.g. `user.` for every user action). */
  action: z.string().trim().min(1).max(200).optional(),
  /** Case-insensitive substring of the actor. */
  actor: z.string().trim().min(1).max(200).optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
});
export type AuditQuery = z.input<typeof AuditQuerySchema>;

export const AuditListResponseSchema = z.object({ entries: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });
export type AuditListResponse = z.infer<typeof AuditListResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Monitoring (A7): organizations and users at a glance, session statistics over time, sync issues, run history

/**
 * A mailbox's state at a glance: not-activated (never enabled), paused / suspended (its status), syncing (a session
 * holds it now), failing (enabled, with consecutive failures > 0), idle (enabled, between sessions).
 */
export const MONITOR_STATES = ['syncing', 'idle', 'failing', 'paused', 'suspended', 'not-activated'] as const;
export const MonitorStateSchema = z.enum(MONITOR_STATES);
export type MonitorState = z.infer<typeof MonitorStateSchema>;

export const StateCountsSchema = z.object({
  syncing: z.number().int(),
  idle: z.number().int(),
  failing: z.number().int(),
  paused: z.number().int(),
  suspended: z.number().int(),
  'not-activated': z.number().int(),
});
export type StateCounts = z.infer<typeof StateCountsSchema>;

export const MonitoringOrganizationSchema = z.object({
  id: IdSchema,
  name: z.string(),
  slug: z.string(),
  userCount: z.number().int(),
  states: StateCountsSchema,
  /** Sessions started in the last 24 hours, and how many of them failed. */
  sessions24h: z.number().int(),
  failedSessions24h: z.number().int(),
  lastSessionAt: InstantSchema.nullable(),
  /** Emails that failed to save and keep their error (all users). */
  failedItems: z.number().int(),
});
export type MonitoringOrganization = z.infer<typeof MonitoringOrganizationSchema>;
export const MonitoringOverviewResponseSchema = z.object({ organizations: z.array(MonitoringOrganizationSchema), generatedAt: InstantSchema });
export type MonitoringOverviewResponse = z.infer<typeof MonitoringOverviewResponseSchema>;

export const MonitoringUserSchema = z.object({
  id: IdSchema,
  displayName: z.string(),
  email: z.string(),
  state: MonitorStateSchema,
  stage: z.enum(['pending', 'setting-up', 'syncing', 'idle']).nullable(),
  consecutiveFailures: z.number().int(),
  failureClass: z.enum(['credentials-rejected', 'mailbox-not-found', 'c4c-unreachable', 'throttled', 'unknown']).nullable(),
  failureMessage: z.string().nullable(),
  suspendedReason: z.string().nullable(),
  lastSessionAt: InstantSchema.nullable(),
  lastSuccessAt: InstantSchema.nullable(),
  nextSessionAt: InstantSchema.nullable(),
  failedItems: z.number().int(),
});
export type MonitoringUser = z.infer<typeof MonitoringUserSchema>;

export const MonitoringUsersQuerySchema = PageQuerySchema.extend({
  /** Case-insensitive substring of name or mailbox address. */
  q: z.string().trim().max(200).optional(),
  /** Comma-separated states (e.g. `failing,suspended`); absent = every state. */
  state: z
    .string()
    .max(200)
    .optional()
    .transform((raw) => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(MonitorStateSchema)),
});
export type MonitoringUsersQuery = z.input<typeof MonitoringUsersQuerySchema>;

export const MonitoringUsersResponseSchema = z.object({
  users: z.array(MonitoringUserSchema),
  /** Users matching the filters (all pages). */
  total: z.number().int(),
  /** Every user of the organization by state (the filter chips' numbers; not narrowed by the filters). */
  counts: StateCountsSchema,
  nextCursor: z.string().nullable(),
});
export type MonitoringUsersResponse = z.infer<typeof MonitoringUsersResponseSchema>;

export const SESSION_STATS_LIMITS = { maxBuckets: 500, defaultBucketMinutes: 60, defaultHours: 24 } as const;

export const SessionStatsQuerySchema = z.object({
  /** Start of the window (default: `to` minus 24 hours), rounded down to a bucket boundary. */
  from: InstantSchema.optional(),
  /** End of the window (default: now). */
  to: InstantSchema.optional(),
  /** Bucket width in minutes (1 minute to 7 days); buckets are aligned to the Unix epoch, UTC. */
  bucketMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(SESSION_STATS_LIMITS.defaultBucketMinutes),
});
export type SessionStatsQuery = z.input<typeof SessionStatsQuerySchema>;

const SessionFiguresShape = {
  sessions: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  abandoned: z.number().int(),
  running: z.number().int(),
  /** Emails saved to C4C, and emails that failed to save. */
  itemsSaved: z.number().int(),
  itemsFailed: z.number().int(),
  /** Two-way mirroring: items written (created, updated, deleted) on either side. */
  mirrorCreated: z.number().int(),
  mirrorUpdated: z.number().int(),
  mirrorDeleted: z.number().int(),
  /** Sessions that ended: mean and 95th percentile duration (null: none ended). */
  avgDurationMs: z.number().nullable(),
  p95DurationMs: z.number().nullable(),
};
export const SessionBucketSchema = z.object({ start: InstantSchema, ...SessionFiguresShape });
export type SessionBucket = z.infer<typeof SessionBucketSchema>;
export const SessionStatsResponseSchema = z.object({
  from: InstantSchema,
  to: InstantSchema,
  bucketMinutes: z.number().int(),
  /** Every bucket of the window, oldest first (empty buckets have zeros). */
  buckets: z.array(SessionBucketSchema),
  totals: z.object(SessionFiguresShape),
});
export type SessionStatsResponse = z.infer<typeof SessionStatsResponseSchema>;

export const SyncIssueItemSchema = z.object({
  /** What failed: an email (saving) today; meetings, tasks and contacts once their mirroring records item errors. */
  kind: z.enum(['email', 'meeting', 'task', 'contact']),
  /** The email's Internet message id (or the item's key). */
  key: z.string(),
  subject: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  /** Retried at the next session while true (attempts left); false once the bounded retries are used up. */
  willRetry: z.boolean(),
  /** First failure. */
  since: InstantSchema,
});
export type SyncIssueItem = z.infer<typeof SyncIssueItemSchema>;

export const SyncIssueSchema = z.object({
  userId: IdSchema,
  displayName: z.string(),
  email: z.string(),
  state: MonitorStateSchema,
  /** The mailbox's own failure (its sessions fail), with the first failed session since the last success. */
  mailboxFailure: z
    .object({
      class: z.enum(['credentials-rejected', 'mailbox-not-found', 'c4c-unreachable', 'throttled', 'unknown']),
      message: z.string(),
      consecutive: z.number().int(),
      transient: z.boolean(),
      since: InstantSchema.nullable(),
      /** What to do about it, in words. */
      advice: z.string(),
    })
    .nullable(),
  suspendedReason: z.string().nullable(),
  /** All failed items of the user; `items` shows the oldest ones. */
  itemCount: z.number().int(),
  items: z.array(SyncIssueItemSchema),
});
export type SyncIssue = z.infer<typeof SyncIssueSchema>;
export const SyncIssuesResponseSchema = z.object({ issues: z.array(SyncIssueSchema), total: z.number().int(), nextCursor: z.string().nullable() });
export type SyncIssuesResponse = z.infer<typeof SyncIssuesResponseSchema>;

export const SyncIssueRetryRequestSchema = z.strictObject({
  /** Only these failed emails (Internet message ids); absent = all of the user's failed emails. */
  keys: z.array(z.string().min(1).max(2048)).min(1).max(500).optional(),
});
export type SyncIssueRetryRequest = z.infer<typeof SyncIssueRetryRequestSchema>;
export const SyncIssueRetryResponseSchema = z.object({
  /** Items given their retries again. */
  itemsReset: z.number().int(),
  /** The session that retries them (a suspended mailbox is resumed first). */
  session: z.enum(['queued', 'already-queued', 'running']),
});
export type SyncIssueRetryResponse = z.infer<typeof SyncIssueRetryResponseSchema>;

export const MonitoringRunSchema = SyncRunSchema.extend({ durationMs: z.number().int().nullable() });
export type MonitoringRun = z.infer<typeof MonitoringRunSchema>;
export const UserRunsQuerySchema = PageQuerySchema;
export const UserRunsResponseSchema = z.object({ user: MonitoringUserSchema, runs: z.array(MonitoringRunSchema), nextCursor: z.string().nullable() });
export type UserRunsResponse = z.infer<typeof UserRunsResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The route table: the relay mounts these, /openapi.json is generated from them, the console may build URLs from them.

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface AdminRoute {
  operationId: string;
  method: HttpMethod;
  /** Express-style path below the relay origin, e.g. /api/admin/organizations/:orgId */
  path: string;
  summary: string;
  tag: 'me' | 'organizations' | 'users' | 'import' | 'mailbox-access' | 'c4c' | 'access-check' | 'activation' | 'sync' | 'audit' | 'monitoring' | 'mirror' | 'presets';
  params?: z.ZodType;
  query?: z.ZodType;
  /** JSON body, or `text/csv` when `bodyContentType` says so. */
  body?: z.ZodType;
  bodyContentType?: 'application/json' | 'text/csv';
  /** Success responses by status; `text/event-stream` routes give the schema of one `data:` payload. */
  responses: Partial<Record<200 | 201 | 202, z.ZodType>>;
  eventStream?: boolean;
  /** Only the Operator role. */
  operatorOnly?: boolean;
}

const ORG = '/api/admin/organizations/:orgId';

export const ADMIN_ROUTES = [
  { operationId: 'getMe', method: 'get', path: '/api/admin/me', summary: 'Who is signed in', tag: 'me', responses: { 200: AdminMeSchema } },

  { operationId: 'listOrganizations', method: 'get', path: '/api/admin/organizations', summary: 'Organizations the caller manages', tag: 'organizations', responses: { 200: OrganizationListResponseSchema } },
  { operationId: 'createOrganization', method: 'post', path: '/api/admin/organizations', summary: 'Create an organization', tag: 'organizations', body: OrganizationCreateRequestSchema, responses: { 201: OrganizationSchema } },
  { operationId: 'getOrganization', method: 'get', path: ORG, summary: 'One organization', tag: 'organizations', params: OrgParamsSchema, responses: { 200: OrganizationSchema } },
  { operationId: 'updateOrganization', method: 'patch', path: ORG, summary: 'Edit an organization', tag: 'organizations', params: OrgParamsSchema, body: OrganizationUpdateRequestSchema, responses: { 200: OrganizationSchema } },
  { operationId: 'previewOrganizationDelete', method: 'get', path: `${ORG}/delete-preview`, summary: 'What deleting the organization removes', tag: 'organizations', params: OrgParamsSchema, responses: { 200: OrganizationDeletePreviewSchema } },
  { operationId: 'deleteOrganization', method: 'delete', path: ORG, summary: 'Stop its sessions, then delete the organization and everything it holds', tag: 'organizations', params: OrgParamsSchema, query: OrganizationDeleteQuerySchema, responses: { 200: OrganizationDeleteResponseSchema } },

  { operationId: 'listUsers', method: 'get', path: `${ORG}/users`, summary: 'Users, searched and paged', tag: 'users', params: OrgParamsSchema, query: UserListQuerySchema, responses: { 200: UserListResponseSchema } },
  { operationId: 'createUser', method: 'post', path: `${ORG}/users`, summary: 'Add a user', tag: 'users', params: OrgParamsSchema, body: UserCreateRequestSchema, responses: { 201: AdminUserSchema } },
  { operationId: 'getUser', method: 'get', path: `${ORG}/users/:userId`, summary: 'One user', tag: 'users', params: UserParamsSchema, responses: { 200: AdminUserSchema } },
  { operationId: 'updateUser', method: 'patch', path: `${ORG}/users/:userId`, summary: 'Edit a user', tag: 'users', params: UserParamsSchema, body: UserUpdateRequestSchema, responses: { 200: AdminUserSchema } },
  { operationId: 'deleteUser', method: 'delete', path: `${ORG}/users/:userId`, summary: 'Remove a user (stops their sync first)', tag: 'users', params: UserParamsSchema, responses: { 200: UserDeleteResponseSchema } },

  { operationId: 'getUserSync', method: 'get', path: `${ORG}/users/:userId/sync`, summary: "A user's sync status (as the sidebar shows it)", tag: 'sync', params: UserParamsSchema, responses: { 200: SyncStatusSchema } },
  { operationId: 'syncUserNow', method: 'post', path: `${ORG}/users/:userId/sync/now`, summary: 'Sync now (never a second session while one waits or runs)', tag: 'sync', params: UserParamsSchema, responses: { 200: SyncNowResponseSchema } },
  { operationId: 'pauseUserSync', method: 'post', path: `${ORG}/users/:userId/sync/pause`, summary: "Pause a user's sync", tag: 'sync', params: UserParamsSchema, responses: { 200: SyncStatusSchema } },
  { operationId: 'resumeUserSync', method: 'post', path: `${ORG}/users/:userId/sync/resume`, summary: "Resume a user's sync (also lifts a suspension)", tag: 'sync', params: UserParamsSchema, responses: { 200: SyncStatusSchema } },

  { operationId: 'importUsers', method: 'post', path: `${ORG}/users/import`, summary: 'Import users from a CSV file', tag: 'import', params: OrgParamsSchema, query: CsvImportQuerySchema, bodyContentType: 'text/csv', responses: { 200: CsvImportStartResponseSchema, 202: CsvImportStartResponseSchema } },
  { operationId: 'getImport', method: 'get', path: `${ORG}/users/imports/:importId`, summary: 'An import and its row report', tag: 'import', params: ImportParamsSchema, responses: { 200: CsvImportSchema } },
  { operationId: 'streamImport', method: 'get', path: `${ORG}/users/imports/:importId/events`, summary: 'Import progress (Server-Sent Events: progress, done)', tag: 'import', params: ImportParamsSchema, responses: { 200: CsvImportProgressEventSchema }, eventStream: true },

  { operationId: 'getMailboxAccess', method: 'get', path: `${ORG}/mailbox-access`, summary: 'Mailbox access (no secrets)', tag: 'mailbox-access', params: OrgParamsSchema, responses: { 200: MailboxAccessResponseSchema } },
  { operationId: 'putMailboxAccess', method: 'put', path: `${ORG}/mailbox-access`, summary: 'Set the mailbox access', tag: 'mailbox-access', params: OrgParamsSchema, body: MailboxAccessRequestSchema, responses: { 200: MailboxAccessResponseSchema } },

  { operationId: 'getC4cConnection', method: 'get', path: `${ORG}/c4c-connection`, summary: 'C4C connection (no password)', tag: 'c4c', params: OrgParamsSchema, responses: { 200: C4cConnectionResponseSchema } },
  { operationId: 'putC4cConnection', method: 'put', path: `${ORG}/c4c-connection`, summary: 'Set the C4C connection', tag: 'c4c', params: OrgParamsSchema, body: C4cConnectionRequestSchema, responses: { 200: C4cConnectionResponseSchema } },
  { operationId: 'testC4cConnection', method: 'post', path: `${ORG}/c4c-connection/test`, summary: 'Test the C4C connection (CSRF token, $metadata, one EmployeeCollection page)', tag: 'c4c', params: OrgParamsSchema, body: C4cConnectionTestRequestSchema, responses: { 200: C4cConnectionTestResponseSchema } },

  { operationId: 'startAccessCheck', method: 'post', path: `${ORG}/access-checks`, summary: "Check users' mailbox access (background job)", tag: 'access-check', params: OrgParamsSchema, body: AccessCheckStartRequestSchema, responses: { 202: AccessCheckStartResponseSchema } },
  { operationId: 'listAccessChecks', method: 'get', path: `${ORG}/access-checks`, summary: 'Access check runs, newest first', tag: 'access-check', params: OrgParamsSchema, responses: { 200: AccessCheckRunListResponseSchema } },
  { operationId: 'getAccessCheck', method: 'get', path: `${ORG}/access-checks/:runId`, summary: 'One run', tag: 'access-check', params: RunParamsSchema, responses: { 200: AccessCheckRunSchema } },
  { operationId: 'listAccessCheckResults', method: 'get', path: `${ORG}/access-checks/:runId/results`, summary: 'Per-user results of a run', tag: 'access-check', params: RunParamsSchema, query: AccessCheckResultsQuerySchema, responses: { 200: AccessCheckResultsResponseSchema } },
  { operationId: 'streamAccessCheck', method: 'get', path: `${ORG}/access-checks/:runId/events`, summary: 'Run progress (Server-Sent Events: progress, result, done)', tag: 'access-check', params: RunParamsSchema, responses: { 200: AccessCheckRunSchema }, eventStream: true },
  { operationId: 'cancelAccessCheck', method: 'post', path: `${ORG}/access-checks/:runId/cancel`, summary: 'Cancel a run', tag: 'access-check', params: RunParamsSchema, responses: { 200: AccessCheckRunSchema } },

  { operationId: 'getMirrorSettings', method: 'get', path: `${ORG}/mirror-settings`, summary: 'Two-way mirroring settings and the effective mapping tables', tag: 'mirror', params: OrgParamsSchema, responses: { 200: MirrorSettingsResponseSchema } },
  { operationId: 'putMirrorSettings', method: 'put', path: `${ORG}/mirror-settings`, summary: 'Set the mirroring settings (direction overrides checked against the mapping tables)', tag: 'mirror', params: OrgParamsSchema, body: MirrorSettingsSchema, responses: { 200: MirrorSettingsResponseSchema } },

  { operationId: 'getSyncSettings', method: 'get', path: `${ORG}/sync-settings`, summary: "The organization's sync settings (interval, auto-resolving, internal mail, …)", tag: 'presets', params: OrgParamsSchema, responses: { 200: OrganizationSyncSettingsResponseSchema } },
  { operationId: 'putSyncSettings', method: 'put', path: `${ORG}/sync-settings`, summary: "Change the organization's sync settings (any subset)", tag: 'presets', params: OrgParamsSchema, body: OrganizationSyncSettingsUpdateSchema, responses: { 200: OrganizationSyncSettingsResponseSchema } },
  { operationId: 'listPresets', method: 'get', path: `${ORG}/presets`, summary: 'Settings presets', tag: 'presets', params: OrgParamsSchema, responses: { 200: PresetListResponseSchema } },
  { operationId: 'createPreset', method: 'post', path: `${ORG}/presets`, summary: 'Create a settings preset', tag: 'presets', params: OrgParamsSchema, body: PresetCreateRequestSchema, responses: { 201: PresetSchema } },
  { operationId: 'updatePreset', method: 'patch', path: `${ORG}/presets/:presetId`, summary: 'Rename a preset or change its settings (users following it get them at their next session)', tag: 'presets', params: PresetParamsSchema, body: PresetUpdateRequestSchema, responses: { 200: PresetSchema } },
  { operationId: 'deletePreset', method: 'delete', path: `${ORG}/presets/:presetId`, summary: 'Delete a preset (its users keep their own changes)', tag: 'presets', params: PresetParamsSchema, responses: { 200: z.object({ deleted: z.literal(true) }) } },
  { operationId: 'applyPreset', method: 'post', path: `${ORG}/presets/:presetId/apply`, summary: "Apply a preset to the organization or chosen users, keeping or overriding users' own changes", tag: 'presets', params: PresetParamsSchema, body: PresetApplyRequestSchema, responses: { 200: PresetApplyResponseSchema } },

  { operationId: 'activateUsers', method: 'post', path: `${ORG}/activation`, summary: 'Enable sync for users whose access check passed', tag: 'activation', params: OrgParamsSchema, body: ActivationRequestSchema, responses: { 200: ActivationResponseSchema } },

  { operationId: 'listAudit', method: 'get', path: `${ORG}/audit`, summary: "The organization's audit log, newest first", tag: 'audit', params: OrgParamsSchema, query: AuditQuerySchema, responses: { 200: AuditListResponseSchema } },
  { operationId: 'listAllAudit', method: 'get', path: '/api/admin/audit', summary: 'Audit log of every organization, incl. deleted ones (operators)', tag: 'audit', query: AuditQuerySchema, responses: { 200: AuditListResponseSchema }, operatorOnly: true },

  { operationId: 'getMonitoringOverview', method: 'get', path: '/api/admin/monitoring/organizations', summary: 'Every organization the caller manages, its mailboxes counted by state', tag: 'monitoring', responses: { 200: MonitoringOverviewResponseSchema } },
  { operationId: 'listMonitoringUsers', method: 'get', path: `${ORG}/monitoring/users`, summary: 'Users with their sync state, filtered by state and searched', tag: 'monitoring', params: OrgParamsSchema, query: MonitoringUsersQuerySchema, responses: { 200: MonitoringUsersResponseSchema } },
  { operationId: 'getSessionStats', method: 'get', path: `${ORG}/monitoring/sessions`, summary: 'Sessions over time from the run history (sessions, items saved / mirrored, failures, duration)', tag: 'monitoring', params: OrgParamsSchema, query: SessionStatsQuerySchema, responses: { 200: SessionStatsResponseSchema } },
  { operationId: 'listSyncIssues', method: 'get', path: `${ORG}/monitoring/issues`, summary: 'Sync issues: failing or suspended mailboxes and the items that failed', tag: 'monitoring', params: OrgParamsSchema, query: PageQuerySchema, responses: { 200: SyncIssuesResponseSchema } },
  { operationId: 'retrySyncIssue', method: 'post', path: `${ORG}/monitoring/issues/:userId/retry`, summary: "Retry a user's failed items (their attempts start again) in a session queued now", tag: 'monitoring', params: UserParamsSchema, body: SyncIssueRetryRequestSchema, responses: { 200: SyncIssueRetryResponseSchema } },
  { operationId: 'listUserRuns', method: 'get', path: `${ORG}/monitoring/users/:userId/runs`, summary: "A user's run history, newest first", tag: 'monitoring', params: UserParamsSchema, query: UserRunsQuerySchema, responses: { 200: UserRunsResponseSchema } },
] as const satisfies readonly AdminRoute[];

/** `/api/admin/organizations/:orgId/users` + { orgId } → the URL path (for the console). */
export function adminPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
