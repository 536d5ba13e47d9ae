/** The audit log as the console lists it: per organization (admins), or everything incl. deleted ones (operators). */
import type { AuditListResponse, AuditQuery } from '../../shared/api/admin';
import { AuditQuerySchema } from '../../shared/api/admin';
import type { AdminPrincipal } from '../auth/admin';
import { managedOrganization, type AdminDeps } from './context';
import { AdminForbiddenError } from './errors';

export async function listAudit(deps: AdminDeps, principal: AdminPrincipal, organizationId: string | null, query: AuditQuery): Promise<AuditListResponse> {
  if (organizationId === null) {
    if (!principal.operator) throw new AdminForbiddenError('Only operators can read the audit log of every organization.');
  } else {
    await managedOrganization(deps, principal, organizationId);
  }
  const q = AuditQuerySchema.parse(query);
  const beforeId = q.cursor && /^\d{1,19}$/.test(q.cursor) ? q.cursor : undefined;
  const rows = await deps.admin.listAudit({
    organizationId,
    action: q.action,
    actor: q.actor,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    limit: q.limit + 1,
    beforeId,
  });
  const page = rows.slice(0, q.limit);
  return {
    entries: page.map((r) => ({ id: r.id, organizationId: r.organizationId, actor: r.actor, action: r.action, details: r.details, at: r.at.toISOString() })),
    nextCursor: rows.length > q.limit ? page[page.length - 1].id : null,
  };
}
