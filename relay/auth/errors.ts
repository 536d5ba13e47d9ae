/** Why a bearer token was refused. The middleware maps every reason to 401 (or 503 when keys cannot be fetched). */
export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'wrong-tenant'
  | 'missing-scope'
  /** The issuer's signing keys could not be fetched: our problem (or Entra's), not the caller's. */
  | 'keys-unavailable';

export class AuthError extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthError';
  }
}

export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
