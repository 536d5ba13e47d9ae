/**
 * Delegated Graph access read from the store, end to end: the user's consent (authorization code + PKCE against the
 * Entra emulator) is stored sealed, the Graph mailbox opened from the stored access rotates the refresh token, the
 * store keeps the new one, and a mailbox opened later from the store still works although the first token is dead.
 */
import crypto from 'node:crypto';
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { Mailbox } from '../../relay/mailbox/types';
import { createSecretBox } from '../../relay/secrets';
import { createStore, migrate, openDb, type Db, type Store } from '../../relay/store';
import { startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';

const ANNA = 'anna@contoso.example';
let bed: GraphTestbed;
let db: Db;
let store: Store;
const opened: Mailbox[] = [];

beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(ANNA, 'Anna Berger');
  db = await openDb({});
  await migrate(db);
  store = createStore(db, createSecretBox(crypto.randomBytes(32)));
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await db.close();
  await bed.close();
});

it('keeps the consent working across token rotation', async () => {
  const org = await store.organizations.create({ name: 'Contoso', slug: 'contoso', entraTenantId: TESTBED_TENANT });
  const user = await store.users.create(org.id, { displayName: 'Anna Berger', email: ANNA });
  const consent = await bed.delegatedAccess(ANNA);
  await store.mailboxAccess.set(org.id, {
    kind: 'graph-delegated',
    tenantId: consent.tenantId,
    clientId: consent.clientId,
    clientSecret: consent.clientSecret,
    authorityHost: consent.authorityHost,
    graphBaseUrl: consent.graphBaseUrl,
  });
  await store.mailboxAccess.setUserCredential(org.id, user.id, 'refresh-token', consent.refreshToken);

  const open = async (): Promise<Mailbox> => {
    const access = await store.mailboxAccess.accessFor(org.id, user.id);
    if (access?.kind !== 'graph-delegated') throw new Error('no stored delegated access');
    const mailbox = openGraphMailbox(ANNA, access, bed.options());
    opened.push(mailbox);
    return mailbox;
  };
  expect(await (await open()).checkAccess()).toMatchObject({ ok: true });
  const stored = await store.mailboxAccess.accessFor(org.id, user.id);
  expect(stored).toMatchObject({ kind: 'graph-delegated' });
  expect(stored?.kind === 'graph-delegated' && stored.refreshToken).not.toBe(consent.refreshToken);

  // The first token was rotated away by the emulator: only the stored one opens the mailbox now.
  const stale = openGraphMailbox(ANNA, { ...consent }, bed.options());
  opened.push(stale);
  expect((await stale.checkAccess()).problem).toBe('consent-missing');
  expect(await (await open()).checkAccess()).toMatchObject({ ok: true });
});
