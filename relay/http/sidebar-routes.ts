/** HTTP surface of the sidebar (shared/api/sidebar.ts is the contract). Every route needs a provisioned user. */
import { Router, type Request, type RequestHandler } from 'express';
import {
  AppointmentStatusQuerySchema,
  CreateAppointmentRequestSchema,
  CreateContactRequestSchema,
  CreateLeadRequestSchema,
  EmailStatusQuerySchema,
  RelatedQuerySchema,
  SaveEmailRequestSchema,
  SearchRequestSchema,
  type Me,
} from '../../shared/api/sidebar';
import type { Store } from '../store';
import type { C4cPort } from '../c4c/port';
import type { SidebarService, SidebarUser } from '../sidebar/service';
import { HttpError } from './errors';
import { jsonRoute as handle } from './json-route';
import { BODY_LIMITS, bodyAfterAuth, jsonBody } from './body';

export interface SidebarRoutesOptions {
  requireUser: RequestHandler;
  store: Store;
  service: SidebarService;
  c4cFor(organizationId: string): Promise<C4cPort>;
}

export function sidebarRoutes(options: SidebarRoutesOptions): Router {
  const { store, service } = options;
  const router = Router();
  router.use(options.requireUser);
  // Bodies are read per route, after the guard, each with its own limit (relay/http/body.ts).
  const small = jsonBody(BODY_LIMITS.small);

  // The guard resolved the provisioned user (or answered 403 itself); its row is not read a second time.
  async function userOf(req: Request): Promise<SidebarUser> {
    const auth = req.auth;
    if (!auth) throw new HttpError(401, 'unauthorized', 'Sign in to use the sidebar.');
    return { organizationId: auth.organizationId, userId: auth.userId, email: auth.email, displayName: auth.displayName };
  }

  router.get('/me', handle(async (req) => {
    const user = await userOf(req);
    const organization = await store.organizations.get(user.organizationId);
    const c4c = await options.c4cFor(user.organizationId);
    const me: Me = { displayName: user.displayName, email: user.email, organizationName: organization?.name ?? '', role: req.auth!.role, c4cBaseUrl: c4c.uiBaseUrl };
    return { body: me };
  }));

  router.post('/sidebar/search', small, handle(async (req) => {
    const { addresses } = SearchRequestSchema.parse(req.body);
    return { body: await service.search(await userOf(req), addresses) };
  }));

  router.get('/sidebar/emails/status', handle(async (req) => {
    const { internetMessageId } = EmailStatusQuerySchema.parse(req.query);
    return { body: await service.emailStatus(await userOf(req), internetMessageId) };
  }));

  router.post('/sidebar/emails', jsonBody(BODY_LIMITS.saveEmail), handle(async (req) => {
    const request = SaveEmailRequestSchema.parse(req.body);
    const result = await service.saveEmail(await userOf(req), request);
    return { status: result.alreadySaved ? 200 : 201, body: result };
  }));

  router.get('/sidebar/appointments/status', handle(async (req) => {
    const { groupwareItemId, groupwareItemIdSource } = AppointmentStatusQuerySchema.parse(req.query);
    return { body: await service.appointmentStatus(await userOf(req), groupwareItemId, groupwareItemIdSource) };
  }));

  router.post('/sidebar/appointments', jsonBody(BODY_LIMITS.appointment), handle(async (req) => {
    const request = CreateAppointmentRequestSchema.parse(req.body);
    const result = await service.createAppointment(await userOf(req), request);
    return { status: result.alreadyCreated ? 200 : 201, body: result };
  }));

  router.post('/sidebar/contacts', small, handle(async (req) => {
    const input = CreateContactRequestSchema.parse(req.body);
    const user = await userOf(req);
    return { status: 201, body: await (await options.c4cFor(user.organizationId)).createContact(input) };
  }));

  router.post('/sidebar/leads', small, handle(async (req) => {
    const input = CreateLeadRequestSchema.parse(req.body);
    const user = await userOf(req);
    return { status: 201, body: await (await options.c4cFor(user.organizationId)).createLead(input) };
  }));

  router.get('/sidebar/related', handle(async (req) => {
    const { type, q } = RelatedQuerySchema.parse(req.query);
    const user = await userOf(req);
    return { body: { items: await (await options.c4cFor(user.organizationId)).searchRelated(type, q) } };
  }));

  return bodyAfterAuth(router);
}
