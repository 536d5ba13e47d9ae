/**
 * The sandbox's Nested App Authentication host. In Outlook, the host answers msal-browser's NAA requests (JSON
 * envelopes posted to `window.nestedAppAuthBridge`, see msal-browser `naa/BridgeProxy`); here the sandbox page does,
 * by asking the relay's sandbox token endpoint (which mints the token with the Entra emulator) for the signed-in demo
 * user. So the task pane runs the real msal-browser NAA code path in the sandbox.
 *
 * Wire format (msal-browser 5): request `{ messageType: 'NestedAppAuthRequest', method: 'GetInitContext' | 'GetToken' |
 * 'GetTokenPopup', requestId, tokenParams?: { clientId, scope, correlationId, … } }`; response
 * `{ messageType: 'NestedAppAuthResponse', requestId, success, initContext? | token? + account? | error? }` delivered
 * to the bridge's "message" listeners as a JSON string.
 */
import { SandboxTokenResponseSchema, SANDBOX_ROUTES, type SandboxTokenResponse } from '../../shared/api/sandbox';

type BridgeListener = (response: string | { data: string }) => void;

/** The object msal-browser expects at `window.nestedAppAuthBridge`. */
export interface NaaBridge {
  addEventListener(eventName: string, callback: BridgeListener): void;
  removeEventListener(eventName: string, callback: BridgeListener): void;
  postMessage(message: string): void;
}

export interface SandboxNaaBridgeOptions {
  /** Entra object id of the user the sandbox page has signed in (read at each request: the switcher may change it). */
  currentUserOid(): string | null;
  /** Absolute URL of POST /sandbox/api/token. */
  tokenUrl: string;
  fetch?: typeof fetch;
  /** Called with every request method handled (the sandbox page shows a small auth log; tests count calls). */
  onRequest?(method: string): void;
}

type BridgeStatus = 'USER_INTERACTION_REQUIRED' | 'NO_NETWORK' | 'TRANSIENT_ERROR' | 'PERSISTENT_ERROR' | 'ACCOUNT_UNAVAILABLE';

interface BridgeRequest {
  messageType: 'NestedAppAuthRequest';
  method: string;
  requestId: string;
  tokenParams?: { clientId?: string; scope?: string; correlationId?: string; forceRefresh?: boolean };
}

class BridgeFailure extends Error {
  constructor(
    readonly status: BridgeStatus,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

function isBridgeRequest(value: unknown): value is BridgeRequest {
  const v = value as Partial<BridgeRequest> | null;
  return typeof v === 'object' && v !== null && v.messageType === 'NestedAppAuthRequest' && typeof v.method === 'string' && typeof v.requestId === 'string';
}

function base64UrlJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * An ID token for the account when the relay sent none. msal-browser decodes the ID token's claims to build the
 * account and never verifies it (the relay never sees it either), so it is left unsigned on purpose.
 */
export function unsignedIdToken(token: SandboxTokenResponse, clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: clientId,
    iss: `https://${token.account.environment}/${token.account.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: Math.floor(Date.parse(token.expiresOn) / 1000),
    name: token.account.name ?? token.account.username,
    oid: token.account.localAccountId,
    preferred_username: token.account.username,
    sub: token.account.localAccountId,
    tid: token.account.tenantId,
    ver: '2.0',
  };
  return `${base64UrlJson({ alg: 'none', typ: 'JWT' })}.${base64UrlJson(claims)}.`;
}

export function createSandboxNaaBridge(options: SandboxNaaBridgeOptions): NaaBridge {
  const listeners = new Set<BridgeListener>();
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));

  const respond = (body: Record<string, unknown>): void => {
    const message = JSON.stringify({ messageType: 'NestedAppAuthResponse', ...body });
    // Hosts answer asynchronously; msal registers its pending request before posting, so order is safe.
    setTimeout(() => {
      for (const listener of [...listeners]) listener(message);
    }, 0);
  };

  const getToken = async (request: BridgeRequest): Promise<Record<string, unknown>> => {
    const oid = options.currentUserOid();
    if (oid === null) throw new BridgeFailure('ACCOUNT_UNAVAILABLE', 'no_account', 'No sandbox user is signed in');
    const scopes = (request.tokenParams?.scope ?? '').split(' ').filter((s) => s !== '');
    if (scopes.length === 0) throw new BridgeFailure('PERSISTENT_ERROR', 'invalid_request', 'No scope requested');
    let response: Response;
    try {
      response = await fetchImpl(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ userOid: oid, scopes }),
      });
    } catch (error) {
      throw new BridgeFailure('NO_NETWORK', 'network_error', error instanceof Error ? error.message : 'Network error');
    }
    if (!response.ok) {
      const status: BridgeStatus = response.status >= 500 ? 'TRANSIENT_ERROR' : response.status === 401 || response.status === 403 ? 'USER_INTERACTION_REQUIRED' : 'PERSISTENT_ERROR';
      throw new BridgeFailure(status, `http_${response.status}`, `The sandbox token endpoint answered HTTP ${response.status}`);
    }
    const parsed = SandboxTokenResponseSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new BridgeFailure('PERSISTENT_ERROR', 'invalid_response', 'The sandbox token endpoint sent an unexpected answer');
    const token = parsed.data;
    const expiresIn = Math.max(0, Math.floor((Date.parse(token.expiresOn) - Date.now()) / 1000));
    const account = {
      homeAccountId: token.account.homeAccountId ?? `${token.account.localAccountId}.${token.account.tenantId}`,
      environment: token.account.environment,
      tenantId: token.account.tenantId,
      username: token.account.username,
      localAccountId: token.account.localAccountId,
      name: token.account.name,
    };
    return {
      token: {
        access_token: token.accessToken,
        expires_in: expiresIn,
        id_token: token.idToken ?? unsignedIdToken(token, request.tokenParams?.clientId ?? ''),
        properties: null,
        scope: scopes.join(' '),
      },
      account,
    };
  };

  const handle = async (request: BridgeRequest): Promise<void> => {
    options.onRequest?.(request.method);
    try {
      switch (request.method) {
        case 'GetInitContext':
          respond({
            requestId: request.requestId,
            success: true,
            initContext: { sdkName: 'c4c-sandbox-outlook', sdkVersion: '1.0.0', capabilities: { queryAccount: false } },
          });
          return;
        case 'GetToken':
        case 'GetTokenPopup':
          respond({ requestId: request.requestId, success: true, ...(await getToken(request)) });
          return;
        default:
          throw new BridgeFailure('PERSISTENT_ERROR', 'unsupported_method', `Unsupported NAA method ${request.method}`);
      }
    } catch (error) {
      const failure = error instanceof BridgeFailure ? error : new BridgeFailure('TRANSIENT_ERROR', 'unexpected', String(error));
      respond({ requestId: request.requestId, success: false, error: { status: failure.status, code: failure.code, description: failure.message } });
    }
  };

  return {
    addEventListener(eventName, callback) {
      if (eventName === 'message') listeners.add(callback);
    },
    removeEventListener(eventName, callback) {
      if (eventName === 'message') listeners.delete(callback);
    },
    postMessage(message) {
      let request: unknown;
      try {
        request = JSON.parse(message);
      } catch {
        return;
      }
      if (isBridgeRequest(request)) void handle(request);
    },
  };
}

/** Absolute token URL for a page served by the relay. */
export function sandboxTokenUrl(origin: string): string {
  return new URL(SANDBOX_ROUTES.token, origin).toString();
}
