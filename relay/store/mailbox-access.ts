/**
 * Mailbox access settings per organization (A3) and per-user mailbox credentials (S8), with every secret sealed by
 * the relay's key: the service-account password or the Graph app's client secret or certificate private key is bound
 * to the organization, a
 * user's password or refresh token to that user. `get…` reads return metadata only; `accessFor` assembles the
 * decrypted `MailboxAccess` for the relay's own mailbox calls and persists a rotated refresh token, sealed, at once
 * (the token endpoint invalidates the previous one, so losing the new one would lose the user's consent).
 */
import { z } from 'zod';
import type { MailboxAccess } from '../mailbox/types';
import type { SecretBox } from '../secrets/secret-box';
import type { Queryable } from './db';
import { isId, StoreNotFoundError } from './errors';

const httpsOrHttpUrl = z.url({ protocol: /^https?$/ });
const hex = (length: number) => z.string().regex(new RegExp(`^[0-9A-Fa-f]{${length}}$`), `${length} hex characters`).transform((v) => v.toLowerCase());

/**
 * A Graph app's certificate credential: the private key is sealed like a client secret; thumbprints, subject and
 * expiry are public facts about the certificate, kept as settings (the caller computed them from the certificate).
 */
const clientCertificateSchema = z
  .strictObject({
    privateKeyPem: z.string().includes('PRIVATE KEY-----').max(16_384),
    thumbprintSha256: hex(64).optional(),
    thumbprint: hex(40).optional(),
    subject: z.string().max(1024).optional(),
    notAfter: z.iso.datetime({ offset: true }).optional(),
    /** Accepted so a `MailboxAccess` value can be stored as is; the chain is not kept (no subject name / issuer auth). */
    x5c: z.string().optional(),
  })
  .refine((c) => c.thumbprintSha256 !== undefined || c.thumbprint !== undefined, { message: 'the certificate thumbprint is required', path: ['thumbprintSha256'] });

/** What an admin sets for the organization; secrets are optional on update (left out = keep the stored one). */
export const mailboxAccessInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('ews-impersonation'),
    ewsUrl: httpsOrHttpUrl,
    username: z.string().trim().min(1).max(320),
    password: z.string().min(1).max(1024).optional(),
    maxConcurrency: z.number().int().min(1).max(26).optional(),
  }),
  z.strictObject({ kind: z.literal('ews-direct'), ewsUrl: httpsOrHttpUrl }),
  z.strictObject({
    kind: z.literal('graph-app'),
    tenantId: z.guid(),
    clientId: z.guid(),
    clientSecret: z.string().min(1).max(1024).optional(),
    /** Instead of `clientSecret`. */
    clientCertificate: clientCertificateSchema.optional(),
    authorityHost: httpsOrHttpUrl.default('https://login.microsoftonline.com'),
    graphBaseUrl: httpsOrHttpUrl.default('https://graph.microsoft.com'),
  }).refine((v) => v.clientSecret === undefined || v.clientCertificate === undefined, { message: 'give a client secret or a certificate, not both', path: ['clientCertificate'] }),
  z.strictObject({
    kind: z.literal('graph-delegated'),
    tenantId: z.guid(),
    clientId: z.guid(),
    clientSecret: z.string().min(1).max(1024).optional(),
    authorityHost: httpsOrHttpUrl.default('https://login.microsoftonline.com'),
    graphBaseUrl: httpsOrHttpUrl.default('https://graph.microsoft.com'),
  }),
]);
export type MailboxAccessInput = z.input<typeof mailboxAccessInputSchema>;
type ParsedInput = z.output<typeof mailboxAccessInputSchema>;
export type MailboxAccessKind = ParsedInput['kind'];

/** The organization's settings as an API may show them: never a secret, only whether one is stored. */
export interface MailboxAccessSettings {
  organizationId: string;
  kind: MailboxAccessKind;
  settings: Record<string, string | number>;
  hasSecret: boolean;
  updatedAt: Date;
}

export type UserCredentialKind = 'password' | 'refresh-token';

export interface MailboxAccessRepository {
  set(organizationId: string, input: MailboxAccessInput): Promise<MailboxAccessSettings>;
  get(organizationId: string): Promise<MailboxAccessSettings | undefined>;
  /** The user's own credential for per-user access (EWS direct logon password, Graph delegated refresh token). */
  setUserCredential(organizationId: string, userId: string, kind: UserCredentialKind, secret: string): Promise<void>;
  hasUserCredential(organizationId: string, userId: string): Promise<boolean>;
  removeUserCredential(organizationId: string, userId: string): Promise<boolean>;
  /**
   * The decrypted access for one user's mailbox, or undefined when the organization has no access configured or the
   * user has not given the per-user credential yet. Throws SecretTamperedError when a sealed value does not open.
   */
  accessFor(organizationId: string, userId: string): Promise<MailboxAccess | undefined>;
}

const SECRET_FIELD: Record<MailboxAccessKind, 'password' | 'clientSecret' | undefined> = {
  'ews-impersonation': 'password',
  'ews-direct': undefined,
  'graph-app': 'clientSecret',
  'graph-delegated': 'clientSecret',
};
const USER_CREDENTIAL: Record<MailboxAccessKind, UserCredentialKind | undefined> = {
  'ews-impersonation': undefined,
  'ews-direct': 'password',
  'graph-app': undefined,
  'graph-delegated': 'refresh-token',
};

/** Settings that describe the stored Graph app credential; kept with it when an edit leaves the credential out. */
const CREDENTIAL_SETTINGS = ['credentialType', 'certificateThumbprintSha256', 'certificateThumbprint', 'certificateSubject', 'certificateNotAfter'] as const;

/** Splits graph-app input into the value to seal and the credential's public settings. */
function graphAppCredential(data: Extract<ParsedInput, { kind: 'graph-app' }>): { secret?: string; settings: Record<string, string> } {
  const cert = data.clientCertificate;
  if (cert) {
    return {
      secret: cert.privateKeyPem,
      settings: {
        credentialType: 'certificate',
        ...(cert.thumbprintSha256 ? { certificateThumbprintSha256: cert.thumbprintSha256 } : {}),
        ...(cert.thumbprint ? { certificateThumbprint: cert.thumbprint } : {}),
        ...(cert.subject ? { certificateSubject: cert.subject } : {}),
        ...(cert.notAfter ? { certificateNotAfter: cert.notAfter } : {}),
      },
    };
  }
  return data.clientSecret === undefined ? { settings: {} } : { secret: data.clientSecret, settings: { credentialType: 'secret' } };
}

// Associated data: a sealed value copied to another organization's or user's row does not open there.
const orgContext = (organizationId: string): string => `mailbox-access:${organizationId}`;
const userContext = (organizationId: string, userId: string): string => `mailbox-credential:${organizationId}:${userId}`;

interface AccessRow {
  organization_id: string;
  kind: MailboxAccessKind;
  settings: Record<string, string | number>;
  secret_ciphertext: string | null;
  updated_at: Date;
}

function toSettings(row: AccessRow): MailboxAccessSettings {
  return { organizationId: row.organization_id, kind: row.kind, settings: row.settings, hasSecret: row.secret_ciphertext !== null, updatedAt: new Date(row.updated_at) };
}

export function createMailboxAccessRepository(db: Queryable, box: SecretBox): MailboxAccessRepository {
  async function row(organizationId: string): Promise<AccessRow | undefined> {
    if (!isId(organizationId)) return undefined;
    const { rows } = await db.query<AccessRow>('SELECT organization_id, kind, settings, secret_ciphertext, updated_at FROM mailbox_access WHERE organization_id = $1', [organizationId]);
    return rows[0];
  }

  const repository: MailboxAccessRepository = {
    async set(organizationId, input) {
      const data = mailboxAccessInputSchema.parse(input);
      if (!isId(organizationId)) throw new StoreNotFoundError('no such organization');
      const secretField = SECRET_FIELD[data.kind];
      const { kind, ...rest } = data;
      let secret = secretField === undefined ? undefined : (rest as Record<string, unknown>)[secretField];
      let settings: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== secretField && key !== 'clientCertificate'));
      const current = await row(organizationId);
      // A secret can be kept only for the same kind of access: a service password is no client secret.
      const keep = secret === undefined && current?.kind === kind ? current.secret_ciphertext : null;
      if (data.kind === 'graph-app') {
        const credential = graphAppCredential(data);
        secret = credential.secret;
        // Keeping the stored credential keeps what it is (secret or certificate, with the certificate's facts).
        const kept = secret === undefined && keep !== null && current ? Object.fromEntries(CREDENTIAL_SETTINGS.filter((k) => current.settings[k] !== undefined).map((k) => [k, current.settings[k]])) : {};
        settings = { ...settings, ...credential.settings, ...kept };
      }
      if (secretField !== undefined && secret === undefined && keep === null) {
        throw new StoreNotFoundError(`a ${secretField === 'password' ? 'password' : 'client secret'} is required${kind === 'graph-app' ? ' (or a certificate)' : ''} for new ${kind} access`);
      }
      const sealed = typeof secret === 'string' ? box.seal(secret, orgContext(organizationId)) : keep;
      const { rows } = await db.query<AccessRow>(
        `INSERT INTO mailbox_access (organization_id, kind, settings, secret_ciphertext) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (organization_id) DO UPDATE SET kind = EXCLUDED.kind, settings = EXCLUDED.settings,
           secret_ciphertext = EXCLUDED.secret_ciphertext, updated_at = now()
         RETURNING organization_id, kind, settings, secret_ciphertext, updated_at`,
        [organizationId, kind, JSON.stringify(settings), sealed],
      );
      return toSettings(rows[0]);
    },

    async get(organizationId) {
      const found = await row(organizationId);
      return found ? toSettings(found) : undefined;
    },

    async setUserCredential(organizationId, userId, kind, secret) {
      if (!isId(organizationId) || !isId(userId)) throw new StoreNotFoundError('no such user');
      z.string().min(1).max(16_384).parse(secret);
      // Only a user of this organization: the join makes a foreign user id write nothing.
      const { rowCount } = await db.query(
        `INSERT INTO mailbox_credentials (user_id, organization_id, kind, secret_ciphertext)
         SELECT id, organization_id, $3, $4 FROM users WHERE id = $2 AND organization_id = $1
         ON CONFLICT (user_id) DO UPDATE SET kind = EXCLUDED.kind, secret_ciphertext = EXCLUDED.secret_ciphertext, updated_at = now()`,
        [organizationId, userId, kind, box.seal(secret, userContext(organizationId, userId))],
      );
      if (!rowCount) throw new StoreNotFoundError('no such user in this organization');
    },

    async hasUserCredential(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return false;
      const { rows } = await db.query('SELECT 1 FROM mailbox_credentials WHERE organization_id = $1 AND user_id = $2', [organizationId, userId]);
      return rows.length > 0;
    },

    async removeUserCredential(organizationId, userId) {
      if (!isId(organizationId) || !isId(userId)) return false;
      const { rowCount } = await db.query('DELETE FROM mailbox_credentials WHERE organization_id = $1 AND user_id = $2', [organizationId, userId]);
      return (rowCount ?? 0) > 0;
    },

    async accessFor(organizationId, userId) {
      const found = await row(organizationId);
      if (!found || !isId(userId)) return undefined;
      const { rows: userRows } = await db.query<{ email: string; mailbox_login: string | null }>('SELECT email, mailbox_login FROM users WHERE id = $1 AND organization_id = $2', [userId, organizationId]);
      const user = userRows[0];
      if (!user) return undefined;
      const s = found.settings;
      const orgSecret = found.secret_ciphertext === null ? '' : box.open(found.secret_ciphertext, orgContext(organizationId));
      let userSecret: string | undefined;
      const needed = USER_CREDENTIAL[found.kind];
      if (needed !== undefined) {
        const { rows } = await db.query<{ kind: UserCredentialKind; secret_ciphertext: string }>('SELECT kind, secret_ciphertext FROM mailbox_credentials WHERE user_id = $1 AND organization_id = $2', [userId, organizationId]);
        if (!rows[0] || rows[0].kind !== needed) return undefined;
        userSecret = box.open(rows[0].secret_ciphertext, userContext(organizationId, userId));
      }
      const text = (key: string): string => String(s[key]);
      switch (found.kind) {
        case 'ews-impersonation':
          return { kind: 'ews-impersonation', ewsUrl: text('ewsUrl'), username: text('username'), password: orgSecret, ...(s.maxConcurrency !== undefined ? { maxConcurrency: Number(s.maxConcurrency) } : {}) };
        case 'ews-direct':
          return { kind: 'ews-direct', ewsUrl: text('ewsUrl'), username: user.mailbox_login ?? user.email, password: userSecret ?? '' };
        case 'graph-app': {
          const common = { kind: 'graph-app', tenantId: text('tenantId'), clientId: text('clientId'), authorityHost: text('authorityHost'), graphBaseUrl: text('graphBaseUrl') } as const;
          if (s.credentialType !== 'certificate') return { ...common, clientSecret: orgSecret };
          return {
            ...common,
            clientCertificate: {
              ...(s.certificateThumbprintSha256 !== undefined ? { thumbprintSha256: text('certificateThumbprintSha256') } : {}),
              ...(s.certificateThumbprint !== undefined ? { thumbprint: text('certificateThumbprint') } : {}),
              privateKeyPem: orgSecret,
            },
          };
        }
        case 'graph-delegated':
          return {
            kind: 'graph-delegated',
            tenantId: text('tenantId'),
            clientId: text('clientId'),
            clientSecret: orgSecret,
            authorityHost: text('authorityHost'),
            graphBaseUrl: text('graphBaseUrl'),
            refreshToken: userSecret ?? '',
            onRefreshTokenRotated: (rotated) => repository.setUserCredential(organizationId, userId, 'refresh-token', rotated),
          };
      }
    },
  };
  return repository;
}
