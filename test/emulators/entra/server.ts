/** HTTP surface of the emulator: Entra's discovery, keys, authorize and token endpoints, per tenant. */
import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import { EntraError, entraErrorBody } from './errors';
import { handleAuthorize, handleTokenRequest, MULTI_TENANT_SEGMENTS, tenantOfSegment, type ClientCredentials, type OAuthContext } from './oauth';
import type { Router } from 'express';

export interface ServerContext extends OAuthContext {
  origin(): string;
}

function correlationIdOf(req: Request): string | undefined {
  const header = req.headers['client-request-id'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

function sendEntraError(res: Response, req: Request, origin: string, error: EntraError): void {
  res.status(error.status).json(entraErrorBody(error, origin, correlationIdOf(req)));
}

/** client_secret_basic: `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function basicCredentials(req: Request): ClientCredentials {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return {};
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function stringParams(source: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof source !== 'object' || source === null) return out;
  for (const [key, value] of Object.entries(source)) if (typeof value === 'string') out[key] = value;
  return out;
}

function openIdConfiguration(origin: string, segment: string, issuer: string): Record<string, unknown> {
  const base = `${origin}/${segment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: MULTI_TENANT_SEGMENTS.has(segment) ? null : 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Entra's "Pick an account" page, reduced to what a browser test and a sandbox visitor need: one button per account of
 * the directory (with its app roles, so the demo admin is easy to find); choosing one posts the request back with
 * that account as `login_hint`, and the authorize endpoint then redirects with a code.
 */
function signInPage(action: string, appName: string, accounts: Array<{ upn: string; name: string; roles: string[] }>, params: Record<string, string>): string {
  const hidden = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const buttons = accounts
    .map(
      (a) =>
        `<li><button type="submit" name="login_hint" value="${escapeHtml(a.upn)}"><strong>${escapeHtml(a.name)}</strong><span>${escapeHtml(a.upn)}</span>${a.roles.length > 0 ? `<em>${escapeHtml(a.roles.join(', '))}</em>` : ''}</button></li>`,
    )
    .join('');
  const style =
    'body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;display:flex;justify-content:center;padding-top:10vh}' +
    'main{background:#fff;color:#1b1b1b;padding:44px;width:min(440px,90vw);box-shadow:0 2px 6px rgba(0,0,0,.2)}' +
    'h1{font-size:24px;font-weight:600;margin:0 0 8px}p{margin:0 0 16px;color:#444}ul{list-style:none;padding:0;margin:0}' +
    'button{display:grid;width:100%;text-align:left;background:none;border:0;border-top:1px solid #e6e6e6;padding:12px 8px;cursor:pointer;font:inherit;color:inherit}' +
    'button:hover,button:focus-visible{background:#e6f2fb;outline:2px solid #0067b8}span{color:#555;font-size:14px}em{color:#0067b8;font-size:13px;font-style:normal}' +
    '@media (prefers-color-scheme:dark){body{background:#1b1b1b}main{background:#2b2b2b;color:#fff}p,span{color:#ccc}button{border-color:#444}button:hover,button:focus-visible{background:#333}em{color:#6cb8f6}}';
  const list = accounts.length > 0 ? `<ul>${buttons}</ul>` : '<p role="alert">This directory has no user accounts.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in to your account</title><style>${style}</style></head><body><main><h1>Pick an account</h1><p>to continue to ${escapeHtml(appName)}</p><form method="POST" action="${escapeHtml(action)}">${hidden}${list}</form></main></body></html>`;
}

export function createEntraApp(ctx: ServerContext, controlRouter: Router): Express {
  const app = express();
  app.disable('x-powered-by');
  const { directory } = ctx;

  // Browser clients (msal-browser in the sandbox task pane) call discovery, keys and token cross-origin.
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'content-type, client-request-id, x-client-sku, x-client-ver, x-client-os, x-client-cpu, x-ms-lib-capability, x-client-current-telemetry, x-client-last-telemetry, x-app-name, x-app-ver, return-client-request-id');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    const correlation = correlationIdOf(req);
    if (correlation) res.setHeader('client-request-id', correlation);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  app.use('/__control', controlRouter);

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (req, res) => {
    directory.count('openid-configuration');
    const segment = req.params.tenant;
    try {
      const tenantId = tenantOfSegment(ctx, segment);
      const issuer = tenantId ? ctx.issuer(tenantId) : ctx.issuer('{tenantid}');
      res.json(openIdConfiguration(ctx.origin(), tenantId ?? segment.toLowerCase(), issuer));
    } catch (error) {
      next400(res, req, ctx, error);
    }
  });

  const keys = (segment: string, req: Request, res: Response): void => {
    directory.count('keys');
    try {
      const tenantId = tenantOfSegment(ctx, segment);
      res.setHeader('Cache-Control', 'max-age=86400, private');
      res.json(directory.keys.jwks(ctx.issuer(tenantId ?? '{tenantid}')));
    } catch (error) {
      next400(res, req, ctx, error);
    }
  };
  app.get('/:tenant/discovery/v2.0/keys', (req, res) => keys(req.params.tenant, req, res));
  app.get('/discovery/v2.0/keys', (req, res) => keys('common', req, res));

  // Instance discovery, as msal clients without `knownAuthorities` would ask it of login.microsoftonline.com.
  app.get('/common/discovery/instance', (req, res) => {
    directory.count('instance-discovery');
    const host = new URL(ctx.origin()).host;
    res.json({
      tenant_discovery_endpoint: `${ctx.origin()}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });

  app.post('/:tenant/oauth2/v2.0/token', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    directory.count('token');
    try {
      const response = await handleTokenRequest(ctx, req.params.tenant, stringParams(req.body), basicCredentials(req));
      res.setHeader('Cache-Control', 'no-store, no-cache');
      res.setHeader('Pragma', 'no-cache');
      res.json(response);
    } catch (error) {
      next400(res, req, ctx, error);
    }
  });

  const authorize = (req: Request, res: Response): void => {
    const params = stringParams(req.method === 'GET' ? req.query : req.body);
    const outcome = handleAuthorize(ctx, req.params.tenant as string, params);
    if (outcome.kind === 'error-page') {
      const body = entraErrorBody(outcome.error, ctx.origin(), correlationIdOf(req));
      res.status(400).type('html').send(`<!doctype html><title>Sign in error</title><h1>${escapeHtml(body.error)}</h1><p id="error_description">${escapeHtml(body.error_description)}</p>`);
      return;
    }
    if (outcome.kind === 'sign-in-page') {
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(signInPage(req.originalUrl.split('?')[0], outcome.appName, outcome.accounts, outcome.params));
      return;
    }
    const search = new URLSearchParams(outcome.params);
    if (outcome.responseMode === 'form_post') {
      const inputs = [...search.entries()].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      res.type('html').send(`<!doctype html><body onload="document.forms[0].submit()"><form method="POST" action="${escapeHtml(outcome.redirectUri)}">${inputs}</form></body>`);
      return;
    }
    const separator = outcome.responseMode === 'fragment' ? '#' : outcome.redirectUri.includes('?') ? '&' : '?';
    res.redirect(302, `${outcome.redirectUri}${separator}${search.toString()}`);
  };
  app.get('/:tenant/oauth2/v2.0/authorize', authorize);
  app.post('/:tenant/oauth2/v2.0/authorize', express.urlencoded({ extended: false }), authorize);

  app.get('/:tenant/oauth2/v2.0/logout', (req, res) => {
    const target = typeof req.query.post_logout_redirect_uri === 'string' ? req.query.post_logout_redirect_uri : undefined;
    if (target) res.redirect(302, target);
    else res.type('html').send('<!doctype html><title>Signed out</title><p>You signed out of your account.</p>');
  });

  app.use((req, res) => {
    sendEntraError(res, req, ctx.origin(), new EntraError(404, 'invalid_request', 900561, `The endpoint ${req.path} is not supported by the Entra emulator.`));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    next400(res, req, ctx, error);
  });
  return app;
}

function next400(res: Response, req: Request, ctx: ServerContext, error: unknown): void {
  if (error instanceof EntraError) {
    sendEntraError(res, req, ctx.origin(), error);
    return;
  }
  const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
  if (status >= 400 && status < 500) {
    sendEntraError(res, req, ctx.origin(), new EntraError(status, 'invalid_request', 90014, 'The request is malformed.'));
    return;
  }
  sendEntraError(res, req, ctx.origin(), new EntraError(500, 'server_error', 50000, `There was an error issuing a token: ${String(error)}`));
}

