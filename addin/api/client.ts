/**
 * The relay client of the task pane: one method per sidebar route, requests checked and responses parsed with the
 * shared zod contract, bearer token from the auth module, and one error type (`ApiError`) carrying the relay's
 * { code, message, fields } so screens can show a server error at the field it is about.
 */
import { AutoResolvedListResponseSchema, type AutoResolvedRecord } from '../../shared/api/presets';
import type { z } from 'zod';
import {
  EmailAddressSchema,
  MAX_SEARCH_ADDRESSES,
  AppointmentStatusSchema,
  CreateAppointmentRequestSchema,
  CreateAppointmentResponseSchema,
  CreateContactRequestSchema,
  CreateLeadRequestSchema,
  CreatedRecordSchema,
  EmailStatusSchema,
  ErrorBodySchema,
  MeSchema,
  RelatedResponseSchema,
  SaveEmailRequestSchema,
  SaveEmailResponseSchema,
  SearchRequestSchema,
  SearchResponseSchema,
  SIDEBAR_ROUTES,
  type AppointmentStatus,
  type C4cRecord,
  type CreateAppointmentRequest,
  type CreateAppointmentResponse,
  type CreateContactRequest,
  type CreateLeadRequest,
  type EmailStatus,
  type Me,
  type RelatedItemType,
  type RelatedResponse,
  type SaveEmailRequest,
  type SaveEmailResponse,
  type SearchResponse,
} from '../../shared/api/sidebar';
import {
  SYNC_ROUTES,
  SyncNowResponseSchema,
  SyncStatusSchema,
  UserSyncSettingsResponseSchema,
  UserSyncSettingsUpdateSchema,
  type SyncNowResponse,
  type SyncStatus,
  type UserSyncSettingsResponse,
  type UserSyncSettingsUpdate,
} from '../../shared/api/sync';
import {
  ACTIVATION_ROUTES,
  ActivationResultSchema,
  ActivationStatusSchema,
  ExchangeActivationRequestSchema,
  Office365FinishRequestSchema,
  Office365StartResponseSchema,
  type ActivationResult,
  type ActivationStatus,
  type ExchangeActivationRequest,
  type Office365FinishRequest,
  type Office365StartResponse,
} from '../../shared/api/activation';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    /** HTTP status; 0 when no answer arrived (network) or the request was refused before sending. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }

  /** Worth offering "Try again": no answer, the server's fault, throttling, or C4C unavailable. */
  get retryable(): boolean {
    return this.status === 0 ? this.code === 'network' : this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export interface RelayClientOptions {
  /** Origin of the relay (e.g. https://relay.contoso.example). */
  baseUrl: string;
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  fetch?: typeof fetch;
}

interface CallOptions<T> {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  response: z.ZodType<T>;
  signal?: AbortSignal;
}

/** Checks a request before sending it; a failure is reported exactly like the relay's 400 (`fields` per input). */
function checked<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.length > 0 ? issue.path.join('.') : '(body)'] ??= issue.message;
  throw new ApiError(0, 'invalid-request', `Invalid request: ${Object.keys(fields).join(', ')}`, fields);
}

export class RelayClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: RelayClientOptions) {
    // Bound call: window.fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Searches the addresses C4C can hold: X.500 or otherwise odd addresses (on-premises Exchange reports some) are left
   * out instead of failing the whole pane, and a huge distribution stays within the relay's limit.
   */
  async search(addresses: string[], signal?: AbortSignal): Promise<SearchResponse> {
    const searchable = [...new Set(addresses.filter((address) => EmailAddressSchema.safeParse(address).success))].slice(0, MAX_SEARCH_ADDRESSES);
    if (searchable.length === 0) return { results: [], suggestion: {} };
    const body = checked(SearchRequestSchema, { addresses: searchable });
    return this.call({ method: 'POST', path: SIDEBAR_ROUTES.search, body, response: SearchResponseSchema, signal });
  }

  async emailStatus(internetMessageId: string, signal?: AbortSignal): Promise<EmailStatus> {
    return this.call({ method: 'GET', path: SIDEBAR_ROUTES.emailStatus, query: { internetMessageId }, response: EmailStatusSchema, signal });
  }

  async saveEmail(request: SaveEmailRequest, signal?: AbortSignal): Promise<SaveEmailResponse> {
    const body = checked(SaveEmailRequestSchema, request);
    return this.call({ method: 'POST', path: SIDEBAR_ROUTES.saveEmail, body, response: SaveEmailResponseSchema, signal });
  }

  async createContact(request: CreateContactRequest, signal?: AbortSignal): Promise<C4cRecord> {
    const body = checked(CreateContactRequestSchema, request);
    return this.call({ method: 'POST', path: SIDEBAR_ROUTES.createContact, body, response: CreatedRecordSchema, signal });
  }

  async createLead(request: CreateLeadRequest, signal?: AbortSignal): Promise<C4cRecord> {
    const body = checked(CreateLeadRequestSchema, request);
    return this.call({ method: 'POST', path: SIDEBAR_ROUTES.createLead, body, response: CreatedRecordSchema, signal });
  }

  async related(type: RelatedItemType, q: string, signal?: AbortSignal): Promise<RelatedResponse> {
    return this.call({ method: 'GET', path: SIDEBAR_ROUTES.related, query: { type, q }, response: RelatedResponseSchema, signal });
  }

  async createAppointment(request: CreateAppointmentRequest, signal?: AbortSignal): Promise<CreateAppointmentResponse> {
    const body = checked(CreateAppointmentRequestSchema, request);
    return this.call({ method: 'POST', path: SIDEBAR_ROUTES.createAppointment, body, response: CreateAppointmentResponseSchema, signal });
  }

  /** By the meeting's key; with source 'itemId' the relay looks the iCalendar UID up in the mailbox. */
  async appointmentStatus(key: string | { groupwareItemId: string; groupwareItemIdSource?: 'iCalUId' | 'itemId' }, signal?: AbortSignal): Promise<AppointmentStatus> {
    const query: Record<string, string> = typeof key === 'string' ? { groupwareItemId: key } : { groupwareItemId: key.groupwareItemId };
    if (typeof key !== 'string' && key.groupwareItemIdSource !== undefined) query.groupwareItemIdSource = key.groupwareItemIdSource;
    return this.call({ method: 'GET', path: SIDEBAR_ROUTES.appointmentStatus, query, response: AppointmentStatusSchema, signal });
  }

  async me(signal?: AbortSignal): Promise<Me> {
    return this.call({ method: 'GET', path: SIDEBAR_ROUTES.me, response: MeSchema, signal });
  }

  // My sync settings (S6) and My sync status (S7): always the signed-in user's own mailbox.

  async autoCreatedRecords(signal?: AbortSignal): Promise<AutoResolvedRecord[]> {
    return (await this.call({ method: 'GET', path: SYNC_ROUTES.autoCreated, response: AutoResolvedListResponseSchema, signal })).records;
  }

  async syncSettings(signal?: AbortSignal): Promise<UserSyncSettingsResponse> {
    return this.call({ method: 'GET', path: SYNC_ROUTES.settings, response: UserSyncSettingsResponseSchema, signal });
  }

  /** A bad blocklist entry fails here, before sending, with `fields['blocklist.<index>']` as the relay would. */
  async updateSyncSettings(update: UserSyncSettingsUpdate, signal?: AbortSignal): Promise<UserSyncSettingsResponse> {
    const body = checked(UserSyncSettingsUpdateSchema, update);
    return this.call({ method: 'PUT', path: SYNC_ROUTES.settings, body, response: UserSyncSettingsResponseSchema, signal });
  }

  async syncStatus(signal?: AbortSignal): Promise<SyncStatus> {
    return this.call({ method: 'GET', path: SYNC_ROUTES.status, response: SyncStatusSchema, signal });
  }

  async pauseSync(signal?: AbortSignal): Promise<SyncStatus> {
    return this.call({ method: 'POST', path: SYNC_ROUTES.pause, body: {}, response: SyncStatusSchema, signal });
  }

  async resumeSync(signal?: AbortSignal): Promise<SyncStatus> {
    return this.call({ method: 'POST', path: SYNC_ROUTES.resume, body: {}, response: SyncStatusSchema, signal });
  }

  async syncNow(signal?: AbortSignal): Promise<SyncNowResponse> {
    return this.call({ method: 'POST', path: SYNC_ROUTES.now, body: {}, response: SyncNowResponseSchema, signal });
  }

  // The user's own activation (S8): always the signed-in user's own mailbox.

  async activationStatus(signal?: AbortSignal): Promise<ActivationStatus> {
    return this.call({ method: 'GET', path: ACTIVATION_ROUTES.status, response: ActivationStatusSchema, signal });
  }

  async startOffice365Activation(signal?: AbortSignal): Promise<Office365StartResponse> {
    return this.call({ method: 'POST', path: ACTIVATION_ROUTES.office365Start, body: {}, response: Office365StartResponseSchema, signal });
  }

  async finishOffice365Activation(request: Office365FinishRequest, signal?: AbortSignal): Promise<ActivationResult> {
    const body = checked(Office365FinishRequestSchema, request);
    return this.call({ method: 'POST', path: ACTIVATION_ROUTES.office365Finish, body, response: ActivationResultSchema, signal });
  }

  async activateExchange(request: ExchangeActivationRequest, signal?: AbortSignal): Promise<ActivationResult> {
    const body = checked(ExchangeActivationRequestSchema, request);
    return this.call({ method: 'POST', path: ACTIVATION_ROUTES.exchange, body, response: ActivationResultSchema, signal });
  }

  private url(path: string, query?: Record<string, string>): string {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url.toString();
  }

  private async call<T>(call: CallOptions<T>): Promise<T> {
    let response = await this.send(call, false);
    // A cached token the relay no longer accepts (expired, revoked): ask the host for a fresh one, once.
    if (response.status === 401) response = await this.send(call, true);
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = ErrorBodySchema.safeParse(payload);
      if (error.success) throw new ApiError(response.status, error.data.error.code, error.data.error.message, error.data.error.fields);
      throw new ApiError(response.status, `http-${response.status}`, `The relay answered HTTP ${response.status}`);
    }
    const parsed = call.response.safeParse(payload);
    if (!parsed.success) throw new ApiError(response.status, 'invalid-response', `Unexpected answer from ${call.path}`);
    return parsed.data;
  }

  private async send<T>(call: CallOptions<T>, forceRefresh: boolean): Promise<Response> {
    let token: string;
    try {
      token = await this.options.getAccessToken({ forceRefresh });
    } catch (error) {
      throw new ApiError(0, 'auth', error instanceof Error ? error.message : 'Could not sign in');
    }
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetchImpl(this.url(call.path, call.query), {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: call.signal,
        credentials: 'omit',
      });
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new ApiError(0, 'network', 'The relay could not be reached');
    }
  }
}
