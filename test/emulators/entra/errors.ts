/**
 * Error bodies shaped like the Microsoft identity platform's: clients (msal-node, msal-browser, our relay) parse
 * `error`, `error_codes` and the AADSTS prefix of `error_description`, so the emulator must answer the same way.
 */
import { randomUUID } from 'node:crypto';

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadstsCode: number,
    readonly description: string,
    readonly suberror?: string,
  ) {
    super(`AADSTS${aadstsCode}: ${description}`);
    this.name = 'EntraError';
  }
}

/** Entra writes timestamps as `2024-05-01 12:34:56Z` (space, no milliseconds). */
function entraTimestamp(now: Date): string {
  return now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function entraErrorBody(error: EntraError, origin: string, correlationId: string | undefined, now = new Date()): EntraErrorBody {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = entraTimestamp(now);
  const body: EntraErrorBody = {
    error: error.error,
    error_description: `AADSTS${error.aadstsCode}: ${error.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [error.aadstsCode],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `${origin}/error?code=${error.aadstsCode}`,
  };
  if (error.suberror) body.suberror = error.suberror;
  return body;
}

/** The AADSTS errors the emulator produces, with Entra's own wording where it is documented. */
export const aadsts = {
  tenantNotFound: (tenant: string) =>
    new EntraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  missingParameter: (name: string) =>
    new EntraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grant: string) =>
    new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  appNotFound: (clientId: string, tenant: string) =>
    new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  invalidClientSecret: (clientId: string) =>
    new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  secretRequired: () =>
    new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  clientCredentialsScope: (scope: string) =>
    new EntraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  resourceNotFound: (resource: string, tenant: string) =>
    new EntraError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  invalidScope: (scope: string) =>
    new EntraError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  codeInvalid: () =>
    new EntraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  codeRedeemed: () =>
    new EntraError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () =>
    new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  redirectMismatch: (redirectUri: string, clientId: string) =>
    new EntraError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`),
  pkceFailed: () =>
    new EntraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  refreshTokenInvalid: () =>
    new EntraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  refreshTokenRevoked: () =>
    new EntraError(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', 'bad_token'),
  refreshTokenExpired: () =>
    new EntraError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.', 'bad_token'),
  refreshTokenClientMismatch: () =>
    new EntraError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.'),
  userNotFound: (hint: string, tenant: string) =>
    new EntraError(400, 'invalid_request', 50034, `The user account ${hint} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`),
  loginRequired: () =>
    new EntraError(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
  unsupportedResponseType: (type: string) =>
    new EntraError(400, 'unsupported_response_type', 700054, `response_type '${type}' is not enabled for the application.`),
};
