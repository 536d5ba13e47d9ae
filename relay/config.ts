/**
 * The relay's configuration: every environment variable, parsed once into one typed object.
 * A wrong value stops start-up with a message naming the variable (see `ConfigError`).
 */
import path from 'node:path';
import { z } from 'zod';
import { decodeKey, SecretKeyError } from './secrets/key';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_ORIGIN: httpUrl.optional(),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  RELAY_SECRET_KEY: z.string().min(1).optional(),
  SANDBOX: booleanFlag.optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15000),
  C4C_BASE_URL: httpUrl.optional(),
  C4C_USERNAME: z.string().min(1).optional(),
  C4C_PASSWORD: z.string().min(1).optional(),
  ORG_TENANT_ID: z.guid().transform((v) => v.toLowerCase()).optional(),
  ORG_NAME: z.string().trim().min(1).max(200).default('Default organization'),
  ENTRA_AUTHORITY_HOST: httpUrl.default('https://login.microsoftonline.com'),
  ENTRA_CLIENT_ID: z.string().min(1).optional(),
  ENTRA_APP_ID_URI: z.string().min(1).optional(),
  ENTRA_REQUIRED_SCOPE: z.string().min(1).default('access_as_user'),
  RELAY_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10000).default(48),
  RELAY_MAX_IN_FLIGHT_PER_ORGANIZATION: z.coerce.number().int().min(1).max(10000).default(16),
  RELAY_QUEUE_WAIT_MS: z.coerce.number().int().min(0).max(10000).default(100),
  SYNC_WORKERS: booleanFlag.default(true),
  MIRROR_ENABLED: booleanFlag.default(true),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
  SYNC_TICK_MS: z.coerce.number().int().min(1000).max(3600000).optional(),
  SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).optional(),
  PUSH_ENABLED: booleanFlag.optional(),
  PUSH_GRAPH_LIFETIME_MINUTES: z.coerce.number().int().min(45).max(10080).default(4230),
  PUSH_EWS_MODE: z.enum(['streaming', 'pull']).default('streaming'),
  PUSH_EWS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(10).default(3),
  ADMIN_OPERATOR_TENANT_IDS: z
    .string()
    .optional()
    .transform((raw) => (raw ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.guid('comma-separated Entra tenant ids (GUIDs)'))),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (e.g. `openssl rand -hex 32`)').optional(),
});

export interface RelayConfig {
  port: number;
  host: string;
  /** Origin the add-in and manifest use to reach this relay (HTTPS in production). */
  publicOrigin: string;
  /** True when PUBLIC_ORIGIN was not set: the origin follows the port actually bound (PORT=0 in tests). */
  publicOriginFollowsPort: boolean;
  dataDir: string;
  databaseUrl?: string;
  secretKeyBase64?: string;
  /** Sandbox: emulators with demo data instead of real C4C / Exchange / Entra. */
  sandbox: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  c4c?: { serviceRoot: string; username: string; password: string };
  /** The organization the C4C_* connection belongs to, created at start-up (relay/bootstrap.ts). */
  defaultOrganization?: { tenantId: string; name: string };
  entra: { authorityHost: string; clientId?: string; appIdUri?: string; requiredScope: string };
  /** Tenants whose `Operator` app role manages every organization (ADMIN_OPERATOR_TENANT_IDS; default ORG_TENANT_ID). */
  admin: { operatorTenantIds: string[] };
  /**
   * Back-pressure (relay/http/backpressure.ts): API requests in flight in this process (RELAY_MAX_IN_FLIGHT, default
   * 48) and per organization (RELAY_MAX_IN_FLIGHT_PER_ORGANIZATION, default 16); beyond them a request waits at most
   * RELAY_QUEUE_WAIT_MS (default 100) for a permit, then gets a fast 503 + Retry-After.
   * One process does ~100-200 saves/s, so 16 in flight keep a queue's wait near 100-150 ms instead of seconds.
   */
  limits: { maxInFlight: number; maxInFlightPerOrganization: number; queueWaitMs: number };
  sync: {
    /** This process runs session workers and the fan-out tick (SYNC_WORKERS=0: control and status only). */
    workers: boolean;
    /** Sessions this process runs at once (SYNC_CONCURRENCY). */
    concurrency: number;
    /** How often due mailboxes are looked for (SYNC_TICK_MS; default 60 s, sandbox 5 s). */
    tickIntervalMs: number;
    /** Sandbox only: the demo organization's session interval (SYNC_INTERVAL_MINUTES; default 2). */
    sandboxIntervalMinutes: number;
  };
  /** Push-triggered sessions (relay/push, README "Push notifications"). */
  push: {
    /** PUSH_ENABLED; default on, off in the sandbox. Graph needs PUBLIC_ORIGIN to be an https URL Microsoft can reach. */
    enabled: boolean;
    /** Requested Graph subscription lifetime (PUSH_GRAPH_LIFETIME_MINUTES; default 4230, renewed at half). */
    graphLifetimeMinutes: number;
    /** PUSH_EWS_MODE: streaming (default) or pull subscriptions. */
    ewsMode: 'streaming' | 'pull';
    /** Streaming connections per EWS service account (PUSH_EWS_MAX_CONNECTIONS; default 3, Exchange Online allows 10). */
    ewsMaxConnectionsPerAccount: number;
  };
  /** Two-way mirroring (relay/sync/mirror): the relay-wide kill switch MIRROR_ENABLED (default on; 0 stops every organization's mirroring). */
  mirror: { enabled: boolean };
  /** GET /metrics: with METRICS_TOKEN a bearer token is required; without it only loopback clients may scrape. */
  metrics: { token?: string };
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The C4C service root always ends with a slash: C4C needs it for the service document. */
function normalizeServiceRoot(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): RelayConfig {
  // Empty strings count as unset, as in most twelve-factor tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;

  const c4cVars = [e.C4C_BASE_URL, e.C4C_USERNAME, e.C4C_PASSWORD];
  const c4cSetCount = c4cVars.filter((v) => v !== undefined).length;
  if (c4cSetCount > 0 && c4cSetCount < 3) {
    const missing = (['C4C_BASE_URL', 'C4C_USERNAME', 'C4C_PASSWORD'] as const).filter((name) => e[name] === undefined);
    throw new ConfigError(missing[0], 'C4C_BASE_URL, C4C_USERNAME and C4C_PASSWORD must be set together');
  }
  const c4c = e.C4C_BASE_URL && e.C4C_USERNAME && e.C4C_PASSWORD
    ? { serviceRoot: normalizeServiceRoot(e.C4C_BASE_URL), username: e.C4C_USERNAME, password: e.C4C_PASSWORD }
    : undefined;

  // Sandbox is the default only when nothing real is configured, and never implied in production.
  const sandbox = e.SANDBOX ?? (c4c === undefined && e.NODE_ENV !== 'production');
  if (!sandbox && e.NODE_ENV === 'production' && c4c === undefined && e.SANDBOX === undefined) {
    throw new ConfigError('C4C_BASE_URL', 'required in production (or set SANDBOX=true explicitly)');
  }
  if (e.RELAY_SECRET_KEY !== undefined) {
    try {
      decodeKey(e.RELAY_SECRET_KEY, 'RELAY_SECRET_KEY');
    } catch (error) {
      if (error instanceof SecretKeyError) throw new ConfigError('RELAY_SECRET_KEY', error.message.replace(/^RELAY_SECRET_KEY /, ''));
      throw error;
    }
  } else if (!sandbox) {
    throw new ConfigError('RELAY_SECRET_KEY', 'required outside sandbox mode (base64 of 32 random bytes: `openssl rand -base64 32`); it encrypts the stored secrets');
  }
  if (!sandbox && c4c !== undefined && e.ORG_TENANT_ID === undefined) {
    throw new ConfigError('ORG_TENANT_ID', 'required with C4C_BASE_URL outside sandbox mode: the Entra tenant id (GUID) of the organization this C4C connection serves');
  }
  if (!sandbox && !e.ENTRA_CLIENT_ID) {
    throw new ConfigError('ENTRA_CLIENT_ID', 'required outside sandbox mode (the add-in app registration that tokens are issued for)');
  }

  const loopbackHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST;
  const publicOrigin = (e.PUBLIC_ORIGIN ?? `http://${loopbackHost}:${e.PORT}`).replace(/\/$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    publicOrigin,
    publicOriginFollowsPort: e.PUBLIC_ORIGIN === undefined,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    secretKeyBase64: e.RELAY_SECRET_KEY,
    sandbox,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    c4c,
    defaultOrganization: !sandbox && e.ORG_TENANT_ID !== undefined ? { tenantId: e.ORG_TENANT_ID, name: e.ORG_NAME } : undefined,
    entra: {
      authorityHost: e.ENTRA_AUTHORITY_HOST.replace(/\/$/, ''),
      clientId: e.ENTRA_CLIENT_ID,
      appIdUri: e.ENTRA_APP_ID_URI,
      requiredScope: e.ENTRA_REQUIRED_SCOPE,
    },
    admin: { operatorTenantIds: e.ADMIN_OPERATOR_TENANT_IDS.length > 0 ? e.ADMIN_OPERATOR_TENANT_IDS : e.ORG_TENANT_ID ? [e.ORG_TENANT_ID] : [] },
    limits: { maxInFlight: e.RELAY_MAX_IN_FLIGHT, maxInFlightPerOrganization: Math.min(e.RELAY_MAX_IN_FLIGHT_PER_ORGANIZATION, e.RELAY_MAX_IN_FLIGHT), queueWaitMs: e.RELAY_QUEUE_WAIT_MS },
    sync: {
      workers: e.SYNC_WORKERS,
      concurrency: e.SYNC_CONCURRENCY,
      tickIntervalMs: e.SYNC_TICK_MS ?? (sandbox ? 5000 : 60000),
      sandboxIntervalMinutes: e.SYNC_INTERVAL_MINUTES ?? 2,
    },
    push: {
      enabled: e.PUSH_ENABLED ?? !sandbox,
      graphLifetimeMinutes: e.PUSH_GRAPH_LIFETIME_MINUTES,
      ewsMode: e.PUSH_EWS_MODE,
      ewsMaxConnectionsPerAccount: e.PUSH_EWS_MAX_CONNECTIONS,
    },
    mirror: { enabled: e.MIRROR_ENABLED },
    metrics: { ...(e.METRICS_TOKEN !== undefined ? { token: e.METRICS_TOKEN } : {}) },
  };
}
