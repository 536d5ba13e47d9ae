/** Graph app access with a certificate in the store: the private key sealed like a secret, the certificate's facts as settings. */
import crypto from 'node:crypto';
import { createSecretBox, SecretTamperedError } from '../../relay/secrets';
import { createStore, type Store } from '../../relay/store';
import { describeEachBackend } from '../helpers/backends';

const box = createSecretBox(crypto.randomBytes(32));
const uniq = () => crypto.randomBytes(4).toString('hex');
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3f1c2a8e-5b7d-4e0a-9c61-2d8e4f7a9b10';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-real-key\n-----END PRIVATE KEY-----\n';
const SHA256 = 'AB'.repeat(32);
const SHA1 = 'cd'.repeat(20);

describeEachBackend('mailbox access with a certificate', (backend) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(backend.db(), box);
  });

  async function orgWithUser(): Promise<{ orgId: string; userId: string }> {
    const org = await store.organizations.create({ name: 'Acme', slug: `acme-${uniq()}` });
    const user = await store.users.create(org.id, { displayName: 'Anna', email: `anna-${uniq()}@acme.example` });
    return { orgId: org.id, userId: user.id };
  }

  it('seals the key, keeps thumbprints / subject / expiry as settings, and accessFor hands msal the certificate', async () => {
    const { orgId, userId } = await orgWithUser();
    const saved = await store.mailboxAccess.set(orgId, {
      kind: 'graph-app',
      tenantId: TENANT,
      clientId: CLIENT,
      clientCertificate: { privateKeyPem: KEY, thumbprintSha256: SHA256, thumbprint: SHA1, subject: 'CN=C4C relay', notAfter: '2027-01-31T12:00:00.000Z' },
    });
    expect(saved).toMatchObject({
      hasSecret: true,
      settings: { credentialType: 'certificate', certificateThumbprintSha256: SHA256.toLowerCase(), certificateThumbprint: SHA1, certificateSubject: 'CN=C4C relay', certificateNotAfter: '2027-01-31T12:00:00.000Z' },
    });
    const { rows } = await backend.db().query('SELECT * FROM mailbox_access WHERE organization_id = $1', [orgId]);
    expect(JSON.stringify(rows)).not.toContain('not-a-real-key');
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toEqual({
      kind: 'graph-app',
      tenantId: TENANT,
      clientId: CLIENT,
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com',
      clientCertificate: { thumbprintSha256: SHA256.toLowerCase(), thumbprint: SHA1, privateKeyPem: KEY },
    });

    // An edit without a credential keeps the certificate and its facts.
    const kept = await store.mailboxAccess.set(orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, graphBaseUrl: 'https://graph.microsoft.us' });
    expect(kept.settings).toMatchObject({ credentialType: 'certificate', certificateSubject: 'CN=C4C relay', graphBaseUrl: 'https://graph.microsoft.us' });
    await expect(store.mailboxAccess.accessFor(orgId, userId)).resolves.toMatchObject({ clientCertificate: { privateKeyPem: KEY } });

    // Back to a secret: the certificate's settings go with it.
    const secret = await store.mailboxAccess.set(orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientSecret: 'app-secret' });
    expect(secret.settings).toEqual({ tenantId: TENANT, clientId: CLIENT, authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com', credentialType: 'secret' });
    const access = await store.mailboxAccess.accessFor(orgId, userId);
    expect(access).toMatchObject({ clientSecret: 'app-secret' });
    expect(access).not.toHaveProperty('clientCertificate');
  });

  it('refuses a secret and a certificate together; the sealed key is bound to its organization', async () => {
    const a = await orgWithUser();
    const b = await orgWithUser();
    await expect(
      store.mailboxAccess.set(a.orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientSecret: 's', clientCertificate: { privateKeyPem: KEY, thumbprintSha256: SHA256 } }),
    ).rejects.toThrow(/not both/);
    await store.mailboxAccess.set(a.orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientCertificate: { privateKeyPem: KEY, thumbprintSha256: SHA256 } });
    await store.mailboxAccess.set(b.orgId, { kind: 'graph-app', tenantId: TENANT, clientId: CLIENT, clientCertificate: { privateKeyPem: KEY, thumbprintSha256: SHA256 } });
    await backend.db().query('UPDATE mailbox_access SET secret_ciphertext = (SELECT secret_ciphertext FROM mailbox_access WHERE organization_id = $1) WHERE organization_id = $2', [a.orgId, b.orgId]);
    await expect(store.mailboxAccess.accessFor(b.orgId, b.userId)).rejects.toThrow(SecretTamperedError);
  });
});
