/** Mailbox access settings and per-user mailbox credentials: sealed at rest, bound to their owner, on both back ends. */
import crypto from 'node:crypto';
import { ZodError } from 'zod';
import { createSecretBox, SecretTamperedError } from '../../relay/secrets';
import { createStore, StoreNotFoundError, type Store } from '../../relay/store';
import { describeEachBackend } from '../helpers/backends';

const box = createSecretBox(crypto.randomBytes(32));
const uniq = () => crypto.randomBytes(4).toString('hex');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3f1c2a8e-5b7d-4e0a-9c61-2d8e4f7a9b10';

describeEachBackend('mailbox access', (backend) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(backend.db(), box);
  });

  async function orgWithUser(): Promise<{ orgId: string; userId: string }> {
    const org = await store.organizations.create({ name: 'Acme', slug: `acme-${uniq()}` });
    const user = await store.users.create(org.id, { displayName: 'Anna', email: `anna-${uniq()}@acme.example`, mailboxLogin: 'ACME\\anna' });
    return { orgId: org.id, userId: user.id };
  }

  it('stores EWS impersonation with the service password sealed, shows no secret, keeps it on an edit without one', async () => {
    const { orgId, userId } = await orgWithUser();
    const settings = await store.mailboxAccess.set(orgId, { kind: 'ews-impersonation', ewsUrl: 'https://mail.acme.example/EWS/Exchange.asmx', username: 'svc-c4c@acme.example', password: 'Svc-Pa55!' });
    expect(settings).toMatchObject({ kind: 'ews-impersonation', hasSecret: true, settings: { username: 'svc-c4c@acme.example' } });
    expect(JSON.stringify(settings)).not.toContain('Svc-Pa55!');
    const { rows } = await backend.db().query('SELECT * FROM mailbox_access WHERE organization_id = $1', [orgId]);
    expect(JSON.stringify(rows)).not.toContain('Svc-Pa55!');

    await store.mailboxAccess.set(orgId, { kind: 'ews-impersonation', ewsUrl: 'https://mail2.acme.example/EWS/Exchange.asmx', username: 'svc-c4c@acme.example', maxConcurrency: 8 });
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toEqual({
      kind: 'ews-impersonation',
      ewsUrl: 'https://mail2.acme.example/EWS/Exchange.asmx',
      username: 'svc-c4c@acme.example',
      password: 'Svc-Pa55!',
      maxConcurrency: 8,
    });
  });

  it('refuses new access without its secret, and switching kinds never reuses the other kind of secret', async () => {
    const { orgId } = await orgWithUser();
    await expect(store.mailboxAccess.set(orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT })).rejects.toThrow(StoreNotFoundError);
    await store.mailboxAccess.set(orgId, { kind: 'ews-impersonation', ewsUrl: 'https://mail.acme.example/EWS/Exchange.asmx', username: 'svc', password: 'pw' });
    await expect(store.mailboxAccess.set(orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT })).rejects.toThrow(/client secret is required/);
    await expect(store.mailboxAccess.set(orgId, { kind: 'graph-app', tenantId: 'contoso', clientId: CLIENT, clientSecret: 's' } as never)).rejects.toThrow(ZodError);
  });

  it('EWS direct logon needs the user’s own password, sealed per user', async () => {
    const { orgId, userId } = await orgWithUser();
    await store.mailboxAccess.set(orgId, { kind: 'ews-direct', ewsUrl: 'https://mail.acme.example/EWS/Exchange.asmx' });
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toBeUndefined();
    await store.mailboxAccess.setUserCredential(orgId, userId, 'password', 'Anna-Pa55');
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toEqual({ kind: 'ews-direct', ewsUrl: 'https://mail.acme.example/EWS/Exchange.asmx', username: 'ACME\\anna', password: 'Anna-Pa55' });
    expect(await store.mailboxAccess.removeUserCredential(orgId, userId)).toBe(true);
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toBeUndefined();
  });

  it('Graph delegated: the rotated refresh token is stored sealed at once and used next time', async () => {
    const { orgId, userId } = await orgWithUser();
    await store.mailboxAccess.set(orgId, { kind: 'graph-delegated', tenantId: TENANT, clientId: CLIENT, clientSecret: 'app-secret' });
    await store.mailboxAccess.setUserCredential(orgId, userId, 'refresh-token', 'rt-1');
    const access = await store.mailboxAccess.accessFor(orgId, userId);
    expect(access).toMatchObject({ kind: 'graph-delegated', refreshToken: 'rt-1', clientSecret: 'app-secret', authorityHost: 'https://login.microsoftonline.com' });
    if (access?.kind !== 'graph-delegated') throw new Error('unexpected access');
    await access.onRefreshTokenRotated?.('rt-2');
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toMatchObject({ refreshToken: 'rt-2' });
    const { rows } = await backend.db().query('SELECT secret_ciphertext FROM mailbox_credentials WHERE user_id = $1', [userId]);
    expect(JSON.stringify(rows)).not.toContain('rt-2');
  });

  it('keeps organizations apart: no credential for another organization’s user, and a copied secret does not open', async () => {
    const a = await orgWithUser();
    const b = await orgWithUser();
    await expect(store.mailboxAccess.setUserCredential(a.orgId, b.userId, 'password', 'x')).rejects.toThrow(StoreNotFoundError);
    await store.mailboxAccess.set(a.orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientSecret: 'a-secret' });
    await store.mailboxAccess.set(b.orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientSecret: 'b-secret' });
    await expect(store.mailboxAccess.accessFor(a.orgId, b.userId)).resolves.toBeUndefined();
    // An attacker with database access copies A's sealed secret into B's row: it must not open as B's.
    await backend.db().query('UPDATE mailbox_access SET secret_ciphertext = (SELECT secret_ciphertext FROM mailbox_access WHERE organization_id = $1) WHERE organization_id = $2', [a.orgId, b.orgId]);
    await expect(store.mailboxAccess.accessFor(b.orgId, b.userId)).rejects.toThrow(SecretTamperedError);
  });
});
