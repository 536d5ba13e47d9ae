/** Bearer-token authentication of the relay API (Entra ID v2.0 access tokens from the add-in). */
export { AuthError, isAuthError, type AuthFailureReason } from './errors';
export { createTokenValidator, type TenantAllowList, type TokenValidator, type TokenValidatorOptions } from './validator';
export { bearerTokenOf, DEFAULT_PRODUCT_NAME, requireAdmin, requireUser, sendUnauthorized, type RequireUserOptions, type UnauthorizedBody } from './middleware';
export type { RelayRole, RequestAuth, ResolvedUser, ValidatedToken } from './types';
export { adminPrincipalOf, requireAdminToken, type AdminPrincipal, type RequireAdminTokenOptions } from './admin';
