/**
 * Sandbox mode: the loopback emulators of C4C, Exchange (EWS + Graph) and Entra ID with consistent demo data, the demo
 * organization provisioned in the relay's store, and the helper routes of the sandbox Outlook page (its mailbox items,
 * its users, and tokens for the simulated Nested App Authentication host).
 *
 * The emulators live in test/emulators because tests drive the same servers; the sandbox is how a newcomer clicks
 * through the product with nothing external.
 */
import { Router } from 'express';
import type { RelayConfig } from '../config';
import { createMailboxFactory } from '../mailbox';
import type { MailboxFactory } from '../mailbox/types';
import { msalOverridesTrusting } from '../activation/msal-network';
import type { Logger } from '../log';
import type { RelayServices } from '../server';
import { createStore, type Store } from '../store';
import { SandboxCategoriesRequestSchema, SandboxTokenRequestSchema, type SandboxItem, type SandboxTokenResponse, type SandboxUser } from '../../shared/api/sandbox';
import { DEMO_ADDIN_CLIENT_ID, DEMO_EWS_SERVICE_ACCOUNT, DEMO_ORG_NAME, DEMO_TENANT_ID, DEMO_USERS } from '../../test/emulators/demo-identities';
import { startC4cEmulator, type C4cEmulator } from '../../test/emulators/c4c';
import { startEntraEmulator, type EntraEmulator } from '../../test/emulators/entra';
import { startExchangeEmulator, type ExchangeEmulator } from '../../test/emulators/exchange';
import type { StoredEvent, StoredItem, StoredMessage } from '../../test/emulators/exchange/store';
import { HttpError } from '../http/errors';

/** The C4C technical user of the sandbox tenant. */
export const SANDBOX_C4C_USER = { username: 'sandbox', password: 'sandbox' };

export interface SandboxOptions {
  logger: Logger;
  /** Relay origins the Entra emulator accepts as redirect URIs (NAA brokers). */
  relayOrigins?: string[];
}

export interface Sandbox {
  c4c: C4cEmulator;
  exchange: ExchangeEmulator;
  entra: EntraEmulator;
  addinClientId: string;
  entraAuthorityHost: string;
  entraCaPem: string;
  connectSources: string[];
  adjustConfig(config: RelayConfig): RelayConfig;
  /**
   * Mailboxes opened trusting the emulators' throw-away CAs (Entra for msal's token requests, Exchange for Graph), so
   * sessions of Office 365 mailboxes a user activated in the sandbox reach the Graph emulator.
   */
  mailboxFactory(): MailboxFactory;
  seedRelay(services: RelayServices): Promise<void>;
  routes(store: Store): Router;
  describe(): string[];
  close(): Promise<void>;
}

function toSandboxItem(item: StoredItem): SandboxItem | undefined {
  const attachments = (item.kind === 'message' ? (item as StoredMessage).attachments : []).map((a) => ({
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    contentBase64: a.contentBase64,
    isInline: a.isInline,
  }));
  if (item.kind === 'message') {
    const message = item as StoredMessage;
    if (!message.from) return undefined;
    return {
      kind: 'message',
      itemId: message.id,
      internetMessageId: message.internetMessageId,
      conversationId: message.conversationId,
      subject: message.subject,
      from: message.from,
      to: message.to,
      cc: message.cc,
      dateTimeCreated: message.receivedAt ?? message.sentAt ?? message.createdAt,
      dateTimeModified: message.lastModifiedAt,
      bodyHtml: message.bodyHtml,
      attachments,
      categories: message.categories,
    };
  }
  if (item.kind === 'event') {
    const event = item as StoredEvent;
    if (event.type === 'seriesMaster' || !event.organizer) return undefined;
    return {
      kind: 'appointment',
      itemId: event.id,
      subject: event.subject,
      to: [],
      cc: [],
      dateTimeCreated: event.createdAt,
      dateTimeModified: event.lastModifiedAt,
      bodyHtml: event.bodyHtml ?? '',
      attachments: [],
      categories: event.categories,
      start: event.start,
      end: event.end,
      location: event.location ?? '',
      organizer: event.organizer,
      requiredAttendees: event.attendees.filter((a) => a.type === 'required').map(({ address, name }) => ({ address, name })),
      optionalAttendees: event.attendees.filter((a) => a.type === 'optional').map(({ address, name }) => ({ address, name })),
      // No iCalUId: Outlook's Read mode does not expose it, so the relay reads it from the mailbox (as in production).
      isAllDay: event.isAllDay,
      timeZone: event.timeZone,
    };
  }
  return undefined;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const entra = await startEntraEmulator();
  entra.control.seedDemo(options.relayOrigins);
  const c4c = await startC4cEmulator({ users: [SANDBOX_C4C_USER], seedDemo: true });
  const exchange = await startExchangeEmulator({ entra: { issuer: entra.issuer, jwksUri: entra.jwksUri, caPem: entra.caPem }, seedDemo: true });
  options.logger.info({ c4c: c4c.serviceRoot, ews: exchange.ewsUrl, graph: exchange.graphBaseUrl, entra: entra.origin }, 'sandbox emulators started');

  const mailboxFactory = (): MailboxFactory =>
    createMailboxFactory({ graph: { msal: msalOverridesTrusting(entra.authorityHost, entra.caPem), caPem: exchange.caPem } });
  return {
    c4c,
    exchange,
    entra,
    addinClientId: DEMO_ADDIN_CLIENT_ID,
    entraAuthorityHost: entra.authorityHost,
    entraCaPem: entra.caPem,
    // The admin console's msal-browser fetches the emulator's metadata and token endpoint from the page.
    connectSources: [entra.origin],

    mailboxFactory,
    adjustConfig(config) {
      return { ...config, entra: { ...config.entra, authorityHost: entra.authorityHost, clientId: DEMO_ADDIN_CLIENT_ID } };
    },

    async seedRelay(services) {
      const store = createStore(services.db, services.secrets);
      const organization =
        (await store.organizations.getByTenant(DEMO_TENANT_ID)) ??
        (await store.organizations.create({ name: DEMO_ORG_NAME, slug: 'contoso-sandbox', entraTenantId: DEMO_TENANT_ID }));
      for (const user of DEMO_USERS) {
        const existing = await store.users.findByEntra(DEMO_TENANT_ID, user.oid);
        if (!existing) {
          await store.users.create(organization.id, {
            displayName: user.displayName,
            email: user.email,
            mailboxLogin: user.email,
            c4cUserId: user.c4cEmployeeId,
            entraObjectId: user.oid,
            role: user.role,
          });
        }
      }
      // The emulator's port changes every start; the connection follows it.
      await store.c4cConnections.upsert(organization.id, {
        serviceRoot: c4c.serviceRoot,
        authKind: 'basic',
        username: SANDBOX_C4C_USER.username,
        password: SANDBOX_C4C_USER.password,
      });
      // The demo organization reaches its mailboxes through EWS impersonation, as an on-premises deployment would.
      await store.mailboxAccess.set(organization.id, {
        kind: 'ews-impersonation',
        ewsUrl: exchange.ewsUrl,
        username: DEMO_EWS_SERVICE_ACCOUNT.username,
        password: DEMO_EWS_SERVICE_ACCOUNT.password,
      });
      // A short interval so a newcomer sees sessions run; then every demo mailbox is activated through the same call
      // the admin console's bulk activation makes (idempotent: a restart changes nothing).
      const sync = (organization.settings.sync ?? {}) as Record<string, unknown>;
      if (sync.intervalMinutes !== services.config.sync.sandboxIntervalMinutes) {
        await store.organizations.update(organization.id, {
          settings: { ...organization.settings, sync: { ...sync, intervalMinutes: services.config.sync.sandboxIntervalMinutes } },
        });
      }
      const users = await Promise.all(DEMO_USERS.map((u) => store.users.findByEntra(DEMO_TENANT_ID, u.oid)));
      await services.sync.enable(
        organization.id,
        users.flatMap((u) => (u ? [u.id] : [])),
        { kind: 'system', id: 'sandbox' },
      );
    },

    routes() {
      const router = Router();
      router.get('/users', (_req, res) => {
        const users: SandboxUser[] = DEMO_USERS.map((u) => ({ oid: u.oid, displayName: u.displayName, email: u.email }));
        res.json(users);
      });
      router.get('/items', (req, res) => {
        const oid = typeof req.query.userOid === 'string' ? req.query.userOid : DEMO_USERS[0].oid;
        const user = DEMO_USERS.find((u) => u.oid === oid);
        if (!user) throw new HttpError(404, 'not-found', 'No such sandbox user');
        const store = exchange.store;
        const folders = ['inbox', 'sentitems', 'calendar'] as const;
        const items = folders
          .flatMap((name) => store.listItems(user.email, store.wellKnownFolder(user.email, name).id))
          .map(toSandboxItem)
          .filter((item): item is SandboxItem => item !== undefined)
          .sort((a, b) => b.dateTimeCreated.localeCompare(a.dateTimeCreated));
        res.json(items);
      });
      // "The user in Outlook" categorizes an item; the sync engine picks it up at the next session (or Sync now).
      router.put('/items/:itemId/categories', (req, res) => {
        const { userOid, categories } = SandboxCategoriesRequestSchema.parse(req.body);
        const user = DEMO_USERS.find((u) => u.oid === userOid);
        if (!user) throw new HttpError(404, 'not-found', 'No such sandbox user');
        let itemId: string;
        try {
          itemId = exchange.control.user.categorize(user.email, String(req.params.itemId), categories).id;
        } catch {
          throw new HttpError(404, 'not-found', 'No such item in this mailbox');
        }
        res.json({ itemId, categories });
      });
      router.post('/token', async (req, res) => {
        const { userOid } = SandboxTokenRequestSchema.parse(req.body);
        const user = DEMO_USERS.find((u) => u.oid === userOid);
        if (!user) throw new HttpError(404, 'not-found', 'No such sandbox user');
        const expiresInSeconds = 3600;
        const accessToken = await entra.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: user.oid, scp: 'access_as_user', expiresInSeconds });
        const body: SandboxTokenResponse = {
          accessToken,
          expiresOn: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
          account: {
            homeAccountId: `${user.oid}.${DEMO_TENANT_ID}`,
            environment: new URL(entra.origin).host,
            tenantId: DEMO_TENANT_ID,
            username: user.email,
            localAccountId: user.oid,
            name: user.displayName,
          },
        };
        res.json(body);
      });
      return router;
    },

    describe() {
      return [
        `c4c service root: ${c4c.serviceRoot}`,
        `ews url: ${exchange.ewsUrl}`,
        `graph url: ${exchange.graphBaseUrl}/v1.0`,
        `entra authority: ${entra.authorityHost}`,
        `sandbox users: ${DEMO_USERS.map((u) => u.email).join(', ')}`,
      ];
    },

    async close() {
      await Promise.allSettled([c4c.close(), exchange.close(), entra.close()]);
    },
  };
}
