/**
 * The admin API's guard: an Entra v2 access token of the relay's own app (same validation as the sidebar's tokens:
 * JWKS signature, issuer bound to `tid`, audience, expiry, tenant allow-list, delegated scope) that carries an admin
 * app role in `roles`. `Admin` manages the organizations of the token's tenant (or recorded as that tenant's);
 * `Operator` manages all, but only when the token comes from an operator tenant: app roles of a multi-tenant app are
 * assigned by each customer tenant's own admins, so a role claim alone must never make someone a relay-wide operator.
 */
import type { RequestHandler } from 'express';
import type { ErrorBody } from '../http/errors';
import { validatedBearer } from './middleware';
import type { ValidatedToken } from './types';
import type { TokenValidator } from './validator';

export interface AdminPrincipal {
  tenantId: string;
  oid: string;
  name: string;
  upn: string;
  roles: string[];
  /** Operator: every organization, any tenant. */
  operator: boolean;
  /** How the audit log names this admin (no secret, no token). */
  actor: string;
}

export interface RequireAdminTokenOptions {
  validator: TokenValidator;
  /** App role of an organization admin. Default `Admin`. */
  adminRole?: string;
  /** App role of a relay operator. Default `Operator`. */
  operatorRole?: string;
  /** Tenants whose `Operator` role is honoured (the relay operator's own tenant). */
  operatorTenantIds: readonly string[];
}

declare global {
  // Express merges its Request type from this global namespace; augmenting it is the documented extension point.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireAdminToken`. */
      admin?: AdminPrincipal;
    }
  }
}

export function adminPrincipalOf(token: ValidatedToken, options: Pick<RequireAdminTokenOptions, 'adminRole' | 'operatorRole' | 'operatorTenantIds'>): AdminPrincipal | undefined {
  const adminRole = options.adminRole ?? 'Admin';
  const operatorRole = options.operatorRole ?? 'Operator';
  const operatorTenants = new Set(options.operatorTenantIds.map((t) => t.toLowerCase()));
  const operator = token.roles.includes(operatorRole) && operatorTenants.has(token.tenantId);
  if (!operator && !token.roles.includes(adminRole)) return undefined;
  const who = [token.name, token.upn].filter(Boolean).join(' ');
  return {
    tenantId: token.tenantId,
    oid: token.oid,
    name: token.name,
    upn: token.upn,
    roles: token.roles,
    operator,
    actor: `${who || 'admin'} (${token.tenantId}/${token.oid})`,
  };
}

export function requireAdminToken(options: RequireAdminTokenOptions): RequestHandler {
  return async (req, res, next) => {
    const token = await validatedBearer(req, res, next, options.validator);
    if (!token) return;
    // App-only tokens have no person behind them to hold an admin role or to name in the audit log.
    const principal = token.kind === 'user' ? adminPrincipalOf(token, options) : undefined;
    if (!principal) {
      const body: ErrorBody = { error: { code: 'forbidden', message: 'Only administrators of this service can open the admin console. Ask your Entra administrator to assign you the Admin role of the app.' } };
      res.status(403).json(body);
      return;
    }
    req.admin = principal;
    next();
  };
}
