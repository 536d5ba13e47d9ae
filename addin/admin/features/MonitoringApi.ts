/**
 * The monitoring routes of the admin API (shared/api/admin.ts, tag "monitoring"), responses parsed with the shared
 * schemas. Reached as `client.monitoring` from the console's AdminClient.
 */
import {
  adminPath,
  MonitoringOverviewResponseSchema,
  MonitoringUsersResponseSchema,
  SessionStatsResponseSchema,
  SyncIssueRetryRequestSchema,
  SyncIssueRetryResponseSchema,
  SyncIssuesResponseSchema,
  UserRunsResponseSchema,
  type MonitoringOverviewResponse,
  type MonitorState,
  type MonitoringUsersResponse,
  type SessionStatsResponse,
  type SyncIssueRetryResponse,
  type SyncIssuesResponse,
  type UserRunsResponse,
} from '../../../shared/api/admin';
import { checked, type AdminHttp } from '../http';

const ORG = '/api/admin/organizations/:orgId';

export class MonitoringClient {
  constructor(private readonly http: AdminHttp) {}

  overview(signal?: AbortSignal): Promise<MonitoringOverviewResponse> {
    return this.http.call({ method: 'GET', path: '/api/admin/monitoring/organizations', response: MonitoringOverviewResponseSchema, signal });
  }

  users(orgId: string, query: { q?: string; states?: MonitorState[]; cursor?: string; limit?: number }, signal?: AbortSignal): Promise<MonitoringUsersResponse> {
    const { states, ...rest } = query;
    return this.http.call({
      method: 'GET',
      path: adminPath(`${ORG}/monitoring/users`, { orgId }),
      query: { ...rest, state: states && states.length > 0 ? states.join(',') : undefined },
      response: MonitoringUsersResponseSchema,
      signal,
    });
  }

  sessions(orgId: string, query: { from?: string; to?: string; bucketMinutes?: number }, signal?: AbortSignal): Promise<SessionStatsResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/monitoring/sessions`, { orgId }), query, response: SessionStatsResponseSchema, signal });
  }

  issues(orgId: string, query: { cursor?: string; limit?: number }, signal?: AbortSignal): Promise<SyncIssuesResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/monitoring/issues`, { orgId }), query, response: SyncIssuesResponseSchema, signal });
  }

  retry(orgId: string, userId: string, keys?: string[]): Promise<SyncIssueRetryResponse> {
    return this.http.call({
      method: 'POST',
      path: adminPath(`${ORG}/monitoring/issues/:userId/retry`, { orgId, userId }),
      body: checked(SyncIssueRetryRequestSchema, keys ? { keys } : {}),
      response: SyncIssueRetryResponseSchema,
    });
  }

  runs(orgId: string, userId: string, query: { cursor?: string; limit?: number }, signal?: AbortSignal): Promise<UserRunsResponse> {
    return this.http.call({ method: 'GET', path: adminPath(`${ORG}/monitoring/users/:userId/runs`, { orgId, userId }), query, response: UserRunsResponseSchema, signal });
  }
}
