/**
 * The control API that tests and the sandbox use to shape the directory, mint tokens and break things on purpose.
 * The same operations are offered in-process (EntraControl) and over HTTP under `/__control/` (for other processes).
 */
import { Router, json, type Request, type Response, type NextFunction } from 'express';
import { z, ZodError } from 'zod';
import type { AddUserInput, AssignAppRoleInput, Directory, IssueAppTokenInput, IssueUserTokenInput, RegisterAppInput, RegisteredApp } from './directory';
import { addUserSchema, assignAppRoleSchema, issueAppTokenSchema, issueUserTokenSchema, registerAppSchema } from './directory';
import { seedDemoDirectory } from './demo';

export interface EntraControl {
  registerApp(input: RegisterAppInput): RegisteredApp;
  addUser(input: AddUserInput): void;
  /** Assigns one of the app's `appRoles` to a user; tokens the app gets for that user carry it in `roles`. */
  assignAppRole(input: AssignAppRoleInput): void;
  /** A delegated v2.0 access token, as NAA would hand the add-in (and negative variants through overrides). */
  issueUserToken(input: IssueUserTokenInput): Promise<string>;
  /** An app-only v2.0 access token (`roles`, `idtyp: app`). */
  issueAppToken(input: IssueAppTokenInput): Promise<string>;
  /** Like "Revoke sessions" in the Entra admin center: the user's refresh tokens answer `invalid_grant` (AADSTS50173). */
  revokeUserRefreshTokens(tenantId: string, oid: string): number;
  /** The app's current secret stops working (AADSTS7000215). */
  revokeAppSecret(tenantId: string, clientId: string): void;
  /** Uploads a certificate (PEM) to the app: client assertions signed with its key are accepted. */
  addAppCertificate(tenantId: string, clientId: string, certificatePem: string): void;
  /** Deletes the app's certificates: assertions signed with them answer AADSTS700027. */
  removeAppCertificates(tenantId: string, clientId: string): void;
  /** New signing key (new `kid`) signs from now on; with `retirePrevious` old keys leave the JWKS. */
  rotateSigningKeys(options?: { retirePrevious?: boolean }): Promise<{ kid: string; publishedKids: string[] }>;
  signingKeyIds(): string[];
  /** The user the authorize endpoint signs in for this tenant when no `login_hint` is given (null clears it). */
  setSignInUser(tenantId: string, oid: string | null): void;
  /** Requests served, by endpoint (`openid-configuration`, `keys`, `token`, `token:<grant>`, `authorize`). */
  counters(): Record<string, number>;
  resetCounters(): void;
  /** Registers the apps and users of test/emulators/demo-identities.ts. */
  seedDemo(relayOrigins?: readonly string[]): void;
}

export function createControl(directory: Directory): EntraControl {
  return {
    registerApp: (input) => directory.registerApp(input),
    addUser: (input) => {
      directory.addUser(input);
    },
    assignAppRole: (input) => directory.assignAppRole(input),
    issueUserToken: (input) => directory.issueUserToken(input),
    issueAppToken: (input) => directory.issueAppToken(input),
    revokeUserRefreshTokens: (tenantId, oid) => directory.revokeUserRefreshTokens(tenantId, oid),
    revokeAppSecret: (tenantId, clientId) => directory.revokeAppSecret(tenantId, clientId),
    addAppCertificate: (tenantId, clientId, certificatePem) => directory.addAppCertificate(tenantId, clientId, certificatePem),
    removeAppCertificates: (tenantId, clientId) => directory.removeAppCertificates(tenantId, clientId),
    rotateSigningKeys: async (options) => {
      const key = await directory.keys.rotate(options);
      return { kid: key.kid, publishedKids: directory.keys.kids };
    },
    signingKeyIds: () => directory.keys.kids,
    setSignInUser: (tenantId, oid) => directory.setSignInUser(tenantId, oid),
    counters: () => directory.counters(),
    resetCounters: () => directory.resetCounters(),
    seedDemo: (relayOrigins) => seedDemoDirectory(directory, relayOrigins),
  };
}

/** Secrets never leave the emulator through the control API. */
function publicApp(app: RegisteredApp): Omit<RegisteredApp, 'clientSecret'> & { confidential: boolean } {
  const { clientSecret, ...rest } = app;
  return { ...rest, confidential: clientSecret !== undefined || app.certificates.length > 0 };
}

export function controlRouter(control: EntraControl, caPem: () => string): Router {
  const router = Router();
  router.use(json({ limit: '256kb' }));

  router.get('/ca.pem', (_req, res) => {
    res.type('application/x-pem-file').send(caPem());
  });
  router.post('/apps', (req, res) => {
    res.status(201).json(publicApp(control.registerApp(registerAppSchema.parse(req.body))));
  });
  router.post('/users', (req, res) => {
    control.addUser(addUserSchema.parse(req.body));
    res.status(201).json({ ok: true });
  });
  router.post('/app-role-assignments', (req, res) => {
    control.assignAppRole(assignAppRoleSchema.parse(req.body));
    res.status(201).json({ ok: true });
  });
  router.post('/tokens/user', async (req, res) => {
    res.json({ access_token: await control.issueUserToken(issueUserTokenSchema.parse(req.body)) });
  });
  router.post('/tokens/app', async (req, res) => {
    res.json({ access_token: await control.issueAppToken(issueAppTokenSchema.parse(req.body)) });
  });
  router.post('/users/:tenantId/:oid/revoke-refresh-tokens', (req, res) => {
    res.json({ revoked: control.revokeUserRefreshTokens(req.params.tenantId, req.params.oid) });
  });
  router.post('/apps/:tenantId/:clientId/revoke-secret', (req, res) => {
    control.revokeAppSecret(req.params.tenantId, req.params.clientId);
    res.status(204).end();
  });
  router.post('/apps/:tenantId/:clientId/certificates', (req, res) => {
    const body = z.object({ certificatePem: z.string().includes('-----BEGIN CERTIFICATE-----') }).parse(req.body);
    control.addAppCertificate(req.params.tenantId, req.params.clientId, body.certificatePem);
    res.status(204).end();
  });
  router.delete('/apps/:tenantId/:clientId/certificates', (req, res) => {
    control.removeAppCertificates(req.params.tenantId, req.params.clientId);
    res.status(204).end();
  });
  router.post('/keys/rotate', async (req, res) => {
    const body = z.object({ retirePrevious: z.boolean().optional() }).parse(req.body ?? {});
    res.json(await control.rotateSigningKeys(body));
  });
  router.post('/sign-in-user', (req, res) => {
    const body = z.object({ tenantId: z.string().min(1), oid: z.string().min(1).nullable() }).parse(req.body);
    control.setSignInUser(body.tenantId, body.oid);
    res.status(204).end();
  });
  router.get('/counters', (_req, res) => {
    res.json(control.counters());
  });
  router.post('/counters/reset', (_req, res) => {
    control.resetCounters();
    res.status(204).end();
  });
  router.post('/seed-demo', (req, res) => {
    const body = z.object({ relayOrigins: z.array(z.url()).optional() }).parse(req.body ?? {});
    control.seedDemo(body.relayOrigins);
    res.status(204).end();
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ZodError) {
      res.status(400).json({ error: 'invalid_control_request', issues: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    res.status(400).json({ error: 'control_failed', message: error instanceof Error ? error.message : String(error) });
  });
  return router;
}
