/**
 * The admin API client: one method per route of `shared/api/admin.ts`, requests checked and responses parsed with the
 * shared schemas, so the console and the relay cannot disagree on a field.
 */
import {
  AccessCheckResultsResponseSchema,
  AccessCheckRunListResponseSchema,
  AccessCheckRunSchema,
  AccessCheckStartResponseSchema,
  ActivationRequestSchema,
  ActivationResponseSchema,
  adminPath,
  AdminMeSchema,
  AdminUserSchema,
  AuditListResponseSchema,
  C4cConnectionRequestSchema,
  C4cConnectionResponseSchema,
  C4cConnectionTestRequestSchema,
  C4cConnectionTestResponseSchema,
  CsvImportProgressEventSchema,
  CsvImportSchema,
  CsvImportStartResponseSchema,
  MailboxAccessRequestSchema,
  MailboxAccessResponseSchema,
  OrganizationCreateRequestSchema,
  OrganizationDeletePreviewSchema,
  OrganizationDeleteResponseSchema,
  OrganizationListResponseSchema,
  OrganizationSchema,
  OrganizationUpdateRequestSchema,
  UserCreateRequestSchema,
  UserDeleteResponseSchema,
  UserListResponseSchema,
  UserUpdateRequestSchema,
  AccessCheckResultSchema,
  type AccessCheckResult,
  type AccessCheckResultsResponse,
  type AccessCheckRun,
  type ActivationRequest,
  type ActivationResponse,
  type AdminMe,
  type AdminUser,
  type AuditListResponse,
  type AuditQuery,
  type C4cConnectionRequest,
  type C4cConnectionResponse,
  type C4cConnectionTestRequest,
  type C4cConnectionTestResponse,
  type CsvImport,
  type MailboxAccessRequest,
  type MailboxAccessResponse,
  type Organization,
  type OrganizationCreateRequest,
  type OrganizationDeletePreview,
  type OrganizationDeleteResponse,
  type OrganizationUpdateRequest,
  type UserCreateRequest,
  type UserListResponse,
  type UserUpdateRequest,
} from '../../shared/api/admin';
import {
  OrganizationSyncSettingsResponseSchema,
  OrganizationSyncSettingsUpdateSchema,
  PresetApplyRequestSchema,
  PresetApplyResponseSchema,
  PresetCreateRequestSchema,
  PresetListResponseSchema,
  PresetSchema,
  PresetUpdateRequestSchema,
  type OrganizationSyncSettingsUpdate,
  type Preset,
  type PresetApplyRequest,
  type PresetApplyResponse,
  type PresetCreateRequest,
  type PresetUpdateRequest,
} from '../../shared/api/presets';
import { MirrorSettingsResponseSchema, MirrorSettingsSchema, type MirrorSettings, type MirrorSettingsResponse } from '../../shared/api/mirror';
import type { OrganizationSyncSettings } from '../../shared/api/sync';
import { z } from 'zod';
import { AdminApiError, AdminHttp, checked, type HttpOptions } from './http';
import { MonitoringClient } from './features/MonitoringApi';

const ORG = '/api/admin/organizations/:orgId';

export interface AccessCheckStreamHandlers {
  progress(run: AccessCheckRun): void;
  result(result: AccessCheckResult): void;
}

export class AdminClient {
  private readonly http: AdminHttp;
  /** A7 monitoring routes (features/MonitoringApi.ts). */
  readonly monitoring: MonitoringClient;

  constructor(options: HttpOptions) {
    this.http = new AdminHttp(options);
    this.monitoring = new MonitoringClient(this.http);
  }

  me(signal?: AbortSignal): Promise<AdminMe> {
    return this.http.call({ method: 'GET', path: '/api/admin/me', response: AdminMeSchema, signal });
  }

  // Organizations
  async organizations(signal?: AbortSignal): Promise<Organization[]> {
    return (await this.http.call({ method: 'GET', path: '/api/admin/organizations', response: OrganizationListResponseSchema, signal })).organizations;
  }

  organization(orgId: string, signal?: AbortSignal): Promise<Organization> {
    return this.http.call({ method: 'GET', path: adminPath(ORG, { orgId }), response: OrganizationSchema, signal });
  }

  createOrganization(request: OrganizationCreateRequest): Promise<Organization> {
    return this.http.call({ method: 'POST', path: '/api/admin/organizations', body: checked(OrganizationCreateRequestSchema, request), response: OrganizationSchema });
  }

  updateOrganization(orgId: string, request: OrganizationUpdateRequest): Promise<Organization> {
    return this.http.call({ method: 'PATCH', path: adminPath(ORG, { orgId }), body: checked(OrganizationUpdateRequestSchema, request), response: OrganizationSchema });
  }

  deletePreview(orgId: string, signal?: AbortSignal): Promise<OrganizationDeletePreview> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/delete-preview`, { orgId }), response: OrganizationDeletePreviewSchema, signal });
  }

  deleteOrganization(orgId: string, confirm: string): Promise<OrganizationDeleteResponse> {
    return this.http.call({ method: 'DELETE', path: adminPath(ORG, { orgId }), query: { confirm }, response: OrganizationDeleteResponseSchema });
  }

  // Users
  users(orgId: string, query: { q?: string; cursor?: string; limit?: number }, signal?: AbortSignal): Promise<UserListResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/users`, { orgId }), query, response: UserListResponseSchema, signal });
  }

  createUser(orgId: string, request: UserCreateRequest): Promise<AdminUser> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/users`, { orgId }), body: checked(UserCreateRequestSchema, request), response: AdminUserSchema });
  }

  updateUser(orgId: string, userId: string, request: UserUpdateRequest): Promise<AdminUser> {
    return this.http.call({ method: 'PATCH', path: adminPath(`${ORG}/users/:userId`, { orgId, userId }), body: checked(UserUpdateRequestSchema, request), response: AdminUserSchema });
  }

  deleteUser(orgId: string, userId: string): Promise<{ deleted: true; syncStopped: boolean }> {
    return this.http.call({ method: 'DELETE', path: adminPath(`${ORG}/users/:userId`, { orgId, userId }), response: UserDeleteResponseSchema });
  }

  // CSV import
  async importUsers(orgId: string, file: Blob, fileName: string): Promise<CsvImport> {
    const response = await this.http.call({
      method: 'POST',
      path: adminPath(`${ORG}/users/import`, { orgId }),
      query: { fileName },
      rawBody: { content: file, contentType: 'text/csv; charset=utf-8' },
      response: CsvImportStartResponseSchema,
    });
    return response.import;
  }

  getImport(orgId: string, importId: string, signal?: AbortSignal): Promise<CsvImport> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/users/imports/:importId`, { orgId, importId }), response: CsvImportSchema, signal });
  }

  /** Streams progress until `done`; resolves with the finished report. */
  async followImport(orgId: string, importId: string, onProgress: (processed: number, total: number) => void, signal?: AbortSignal): Promise<CsvImport> {
    let final: CsvImport | undefined;
    await this.http.stream(
      adminPath(`${ORG}/users/imports/:importId/events`, { orgId, importId }),
      (message) => {
        const data: unknown = JSON.parse(message.data);
        if (message.event === 'progress') {
          const progress = CsvImportProgressEventSchema.safeParse(data);
          if (progress.success) onProgress(progress.data.processedRows, progress.data.totalRows);
        } else if (message.event === 'done') {
          const done = CsvImportSchema.safeParse(data);
          if (done.success) final = done.data;
        }
      },
      signal,
    );
    return final ?? this.getImport(orgId, importId, signal);
  }

  // Mailbox access
  mailboxAccess(orgId: string, signal?: AbortSignal): Promise<MailboxAccessResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/mailbox-access`, { orgId }), response: MailboxAccessResponseSchema, signal });
  }

  setMailboxAccess(orgId: string, request: MailboxAccessRequest): Promise<MailboxAccessResponse> {
    return this.http.call({ method: 'PUT', path: adminPath(`${ORG}/mailbox-access`, { orgId }), body: checked(MailboxAccessRequestSchema, request), response: MailboxAccessResponseSchema });
  }

  // C4C connection
  c4cConnection(orgId: string, signal?: AbortSignal): Promise<C4cConnectionResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/c4c-connection`, { orgId }), response: C4cConnectionResponseSchema, signal });
  }

  setC4cConnection(orgId: string, request: C4cConnectionRequest): Promise<C4cConnectionResponse> {
    return this.http.call({ method: 'PUT', path: adminPath(`${ORG}/c4c-connection`, { orgId }), body: checked(C4cConnectionRequestSchema, request), response: C4cConnectionResponseSchema });
  }

  testC4cConnection(orgId: string, request: C4cConnectionTestRequest): Promise<C4cConnectionTestResponse> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/c4c-connection/test`, { orgId }), body: checked(C4cConnectionTestRequestSchema, request), response: C4cConnectionTestResponseSchema });
  }

  // Access check
  async startAccessCheck(orgId: string, userIds?: string[]): Promise<AccessCheckRun> {
    const body = userIds === undefined ? {} : { userIds };
    return (await this.http.call({ method: 'POST', path: adminPath(`${ORG}/access-checks`, { orgId }), body, response: AccessCheckStartResponseSchema })).run;
  }

  async accessChecks(orgId: string, signal?: AbortSignal): Promise<AccessCheckRun[]> {
    return (await this.http.call({ method: 'GET', path: adminPath(`${ORG}/access-checks`, { orgId }), response: AccessCheckRunListResponseSchema, signal })).runs;
  }

  accessCheckResults(orgId: string, runId: string, query: { cursor?: string; limit?: number; outcome?: 'passed' | 'failed' }, signal?: AbortSignal): Promise<AccessCheckResultsResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/access-checks/:runId/results`, { orgId, runId }), query, response: AccessCheckResultsResponseSchema, signal });
  }

  cancelAccessCheck(orgId: string, runId: string): Promise<AccessCheckRun> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/access-checks/:runId/cancel`, { orgId, runId }), response: AccessCheckRunSchema });
  }

  /** Streams a run (current state first) until `done`; resolves with the final run. */
  async followAccessCheck(orgId: string, runId: string, handlers: AccessCheckStreamHandlers, signal?: AbortSignal): Promise<AccessCheckRun | undefined> {
    let final: AccessCheckRun | undefined;
    await this.http.stream(
      adminPath(`${ORG}/access-checks/:runId/events`, { orgId, runId }),
      (message) => {
        const data: unknown = JSON.parse(message.data);
        if (message.event === 'result') {
          const result = AccessCheckResultSchema.safeParse(data);
          if (result.success) handlers.result(result.data);
          return;
        }
        const run = AccessCheckRunSchema.safeParse(data);
        if (!run.success) return;
        handlers.progress(run.data);
        if (message.event === 'done') final = run.data;
      },
      signal,
    );
    return final;
  }

  // Activation
  activate(orgId: string, request: ActivationRequest): Promise<ActivationResponse> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/activation`, { orgId }), body: checked(ActivationRequestSchema, request), response: ActivationResponseSchema });
  }

  // Organization sync settings (interval, auto-resolving E8, internal mail, …)
  async syncSettings(orgId: string, signal?: AbortSignal): Promise<OrganizationSyncSettings> {
    return (await this.http.call({ method: 'GET', path: adminPath(`${ORG}/sync-settings`, { orgId }), response: OrganizationSyncSettingsResponseSchema, signal })).settings;
  }

  async setSyncSettings(orgId: string, update: OrganizationSyncSettingsUpdate): Promise<OrganizationSyncSettings> {
    const body = checked(OrganizationSyncSettingsUpdateSchema, update);
    return (await this.http.call({ method: 'PUT', path: adminPath(`${ORG}/sync-settings`, { orgId }), body, response: OrganizationSyncSettingsResponseSchema })).settings;
  }

  // Settings presets (A8)
  async presets(orgId: string, signal?: AbortSignal): Promise<Preset[]> {
    return (await this.http.call({ method: 'GET', path: adminPath(`${ORG}/presets`, { orgId }), response: PresetListResponseSchema, signal })).presets;
  }

  createPreset(orgId: string, request: PresetCreateRequest): Promise<Preset> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/presets`, { orgId }), body: checked(PresetCreateRequestSchema, request), response: PresetSchema });
  }

  updatePreset(orgId: string, presetId: string, request: PresetUpdateRequest): Promise<Preset> {
    return this.http.call({ method: 'PATCH', path: adminPath(`${ORG}/presets/:presetId`, { orgId, presetId }), body: checked(PresetUpdateRequestSchema, request), response: PresetSchema });
  }

  async deletePreset(orgId: string, presetId: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: adminPath(`${ORG}/presets/:presetId`, { orgId, presetId }), response: z.object({ deleted: z.literal(true) }) });
  }

  applyPreset(orgId: string, presetId: string, request: PresetApplyRequest): Promise<PresetApplyResponse> {
    return this.http.call({ method: 'POST', path: adminPath(`${ORG}/presets/:presetId/apply`, { orgId, presetId }), body: checked(PresetApplyRequestSchema, request), response: PresetApplyResponseSchema });
  }

  // Two-way mirroring settings and the effective mapping tables
  mirrorSettings(orgId: string, signal?: AbortSignal): Promise<MirrorSettingsResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/mirror-settings`, { orgId }), response: MirrorSettingsResponseSchema, signal });
  }

  setMirrorSettings(orgId: string, settings: MirrorSettings): Promise<MirrorSettingsResponse> {
    return this.http.call({ method: 'PUT', path: adminPath(`${ORG}/mirror-settings`, { orgId }), body: checked(MirrorSettingsSchema, settings), response: MirrorSettingsResponseSchema });
  }

  // Audit
  audit(orgId: string | null, query: AuditQuery, signal?: AbortSignal): Promise<AuditListResponse> {
    const path = orgId === null ? '/api/admin/audit' : adminPath(`${ORG}/audit`, { orgId });
    return this.http.call({ method: 'GET', path, query: query as Record<string, string | number | undefined>, response: AuditListResponseSchema, signal });
  }
}

export { AdminApiError };
