/**
 * HTTP surface of the user's own activation (S8); shared/api/activation.ts is the contract.
 * - /api/me/activation… behind the sidebar's user guard: the caller's own mailbox only (organization and user come
 *   from the validated token; nothing in a body names a user).
 * - /activation/office365/dialog and /done: pages of the Office dialog (browser navigations, no bearer token). The
 *   dialog page only redirects to Entra for a sealed, live state; the redirect page only hands the code to the task
 *   pane, which finishes with its token.
 * Domain errors of relay/activation are mapped here (the use cases throw no HTTP errors).
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ACTIVATION_ERROR_CODES as CODES, ACTIVATION_ROUTES } from '../../shared/api/activation';
import {
  activateExchange,
  activationStatus,
  ActivationNotPerUserError,
  AutodiscoverFailedError,
  ConsentFailedError,
  ConsentStateError,
  ConsentWrongAccountError,
  CredentialsRejectedError,
  finishOffice365Consent,
  MailboxTestFailedError,
  MailboxTypeMismatchError,
  msalOverridesTrusting,
  office365AuthorizeUrl,
  redirectPageHtml,
  redirectPageScript,
  startOffice365Consent,
  type ActivationCaller,
  type ActivationDeps,
} from '../activation';
import { createMailboxFactory } from '../mailbox';
import type { Sandbox } from '../sandbox/start';
import type { RelayServices } from '../server';
import { createStore } from '../store';
import { StoreNotFoundError } from '../store/errors';
import { HttpError } from './errors';
import { httpErrorOf, jsonRoute, type ErrorMapper, type RouteResult } from './json-route';

export const httpErrorOfActivation: ErrorMapper = (error) => {
  if (error instanceof ActivationNotPerUserError) return new HttpError(409, CODES.notPerUser, error.message);
  if (error instanceof MailboxTypeMismatchError) return new HttpError(409, CODES.typeMismatch, error.message);
  if (error instanceof AutodiscoverFailedError) return new HttpError(422, CODES.autodiscoverFailed, error.message, { ewsUrl: 'Autodiscover found no EWS URL: enter it' });
  if (error instanceof CredentialsRejectedError) return new HttpError(422, CODES.credentialsRejected, error.message, { password: 'Rejected by the mail server' });
  if (error instanceof MailboxTestFailedError) return new HttpError(422, CODES.mailboxTestFailed, error.message, error.field ? { [error.field]: error.message } : undefined);
  if (error instanceof ConsentStateError) return new HttpError(400, CODES.stateInvalid, error.message);
  if (error instanceof ConsentFailedError) return new HttpError(422, CODES.consentFailed, error.message);
  if (error instanceof ConsentWrongAccountError) return new HttpError(422, CODES.wrongAccount, error.message);
  if (error instanceof StoreNotFoundError) return new HttpError(403, 'user-not-provisioned', 'Your account is not set up. Ask your administrator to add you.');
  return httpErrorOf(error);
};

const handle = (fn: (req: Request) => Promise<RouteResult>): RequestHandler => jsonRoute(fn, httpErrorOfActivation);

function callerOf(req: Request): ActivationCaller {
  const auth = req.auth;
  if (!auth) throw new HttpError(401, 'unauthorized', 'Sign in to use the sidebar.');
  return { organizationId: auth.organizationId, userId: auth.userId };
}

export interface ActivationRoutesOptions {
  requireUser: RequestHandler;
  deps: ActivationDeps;
  /** Whether the redirect page loads Office.js from Microsoft's CDN (not in the sandbox: nothing leaves the machine). */
  loadOfficeJs: boolean;
}

export function activationApiRoutes(options: ActivationRoutesOptions): Router {
  const { deps } = options;
  const router = Router();
  router.use(options.requireUser);
  router.get('/', handle(async (req) => ({ body: await activationStatus(deps, callerOf(req)) })));
  router.post('/office365/start', handle(async (req) => ({ body: await startOffice365Consent(deps, callerOf(req)) })));
  router.post('/office365/finish', handle(async (req) => ({ body: await finishOffice365Consent(deps, callerOf(req), req.body ?? {}) })));
  router.post('/exchange', handle(async (req) => ({ body: await activateExchange(deps, callerOf(req), req.body ?? {}) })));
  return router;
}

export function activationPageRoutes(options: Omit<ActivationRoutesOptions, 'requireUser'>): Router {
  const { deps } = options;
  const router = Router();
  const noStore = (res: Response): void => {
    res.setHeader('Cache-Control', 'no-store');
    // The query holds an authorization code: never send it on as a referrer.
    res.setHeader('Referrer-Policy', 'no-referrer');
  };
  router.get('/dialog', async (req, res) => {
    noStore(res);
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    try {
      res.redirect(302, await office365AuthorizeUrl(deps, state));
    } catch (error) {
      const mapped = httpErrorOfActivation(error);
      if (!mapped || mapped.status >= 500) deps.logger.error({ err: error }, 'Office 365 consent dialog failed');
      // The dialog tells the task pane through the same page as Entra's own errors do.
      const target = new URL(ACTIVATION_ROUTES.redirect, deps.publicOrigin());
      target.searchParams.set('error', mapped?.code ?? 'server_error');
      target.searchParams.set('error_description', mapped && mapped.status < 500 ? mapped.message : 'The relay could not start the sign-in.');
      res.redirect(302, target.pathname + target.search);
    }
  });
  router.get('/done', (_req, res) => {
    noStore(res);
    res.type('html').send(redirectPageHtml({ loadOfficeJs: options.loadOfficeJs }));
  });
  router.get('/done.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').send(redirectPageScript());
  });
  return router;
}

/**
 * What relay/routes.ts mounts, before the sidebar's '/api' router. In the sandbox the relay trusts the emulators'
 * CAs (Entra for msal, Exchange for Graph) and runs Autodiscover against the Exchange emulator's origin.
 */
export function activationRouteEntries(services: RelayServices, requireUser: RequestHandler, sandbox?: Sandbox): Array<[string, Router]> {
  const msal = sandbox ? msalOverridesTrusting(sandbox.entraAuthorityHost, sandbox.entraCaPem) : undefined;
  const deps: ActivationDeps = {
    db: services.db,
    store: createStore(services.db, services.secrets),
    secrets: services.secrets,
    sync: services.sync,
    logger: services.logger.child({ component: 'activation' }),
    mailboxes: createMailboxFactory(sandbox ? { graph: { msal, caPem: sandbox.exchange.caPem } } : {}),
    // Read late: with PORT=0 the public origin is known only once the port is bound.
    publicOrigin: () => services.config.publicOrigin,
    ...(msal ? { msal } : {}),
    ...(sandbox ? { autodiscover: { candidates: () => [new URL(sandbox.exchange.ewsUrl).origin], timeoutMs: 5000 }, allowHttpEwsUrl: true } : {}),
  };
  const loadOfficeJs = sandbox === undefined;
  return [
    [ACTIVATION_ROUTES.prefix, activationApiRoutes({ requireUser, deps, loadOfficeJs })],
    [ACTIVATION_ROUTES.pagesPrefix, activationPageRoutes({ deps, loadOfficeJs })],
  ];
}
