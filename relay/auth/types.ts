/** The identity the auth middleware attaches to a request, and its declaration on Express's Request. */

export interface ValidatedToken {
  tenantId: string;
  /** Entra object id; with tenantId the stable key of a user (`sub` is pairwise per app and must not be used). */
  oid: string;
  /** `preferred_username` (usually the UPN / email); display only, never a key. */
  upn: string;
  name: string;
  /** Delegated scopes (`scp`), empty for app-only tokens. */
  scopes: string[];
  /** App roles (`roles`). */
  roles: string[];
  /** `user` for delegated tokens, `app` for app-only (client credentials) tokens. */
  kind: 'user' | 'app';
  /** The client application that requested the token (`azp`). */
  clientId: string;
  expiresAt: Date;
}

export type RelayRole = 'user' | 'admin';

export interface ResolvedUser {
  userId: string;
  organizationId: string;
  role: RelayRole;
  /** The provisioned user's primary address and name, so routes need not read the user again. */
  email: string;
  displayName: string;
}

export interface RequestAuth extends ValidatedToken, ResolvedUser {}

declare global {
  // Express merges its Request type from this global namespace; augmenting it is the documented extension point.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireUser` once the bearer token is valid and the user is provisioned. */
      auth?: RequestAuth;
    }
  }
}
