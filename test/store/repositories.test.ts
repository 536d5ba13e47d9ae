import crypto from 'node:crypto';
import { ZodError } from 'zod';
import { createSecretBox, SecretTamperedError } from '../../relay/secrets';
import { createStore, StoreConflictError, StoreNotFoundError, type Store } from '../../relay/store';
import { describeEachBackend } from '../helpers/backends';

const box = createSecretBox(crypto.randomBytes(32));
const uniq = () => crypto.randomBytes(4).toString('hex');

describeEachBackend('repositories', (backend) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(backend.db(), box);
  });

  describe('organizations', () => {
    it('creates, reads (by id, slug, tenant), lists, updates and deletes', async () => {
      const tenant = crypto.randomUUID().toUpperCase();
      const slug = `acme-${uniq()}`;
      const org = await store.organizations.create({ name: 'Acme', slug, entraTenantId: tenant, settings: { syncMinutes: 30 } });
      expect(org).toMatchObject({ name: 'Acme', slug, entraTenantId: tenant.toLowerCase(), settings: { syncMinutes: 30 } });
      expect(org.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(org.createdAt).toBeInstanceOf(Date);

      expect(await store.organizations.get(org.id)).toEqual(org);
      expect(await store.organizations.getBySlug(slug)).toEqual(org);
      // Tenant ids are matched case-insensitively (tokens carry lowercase, admins paste uppercase).
      expect(await store.organizations.getByTenant(tenant)).toEqual(org);
      expect((await store.organizations.list()).map((o) => o.id)).toContain(org.id);

      const updated = await store.organizations.update(org.id, { name: 'Acme Corp', entraTenantId: null });
      expect(updated).toMatchObject({ name: 'Acme Corp', slug, entraTenantId: null, settings: { syncMinutes: 30 } });
      expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(org.updatedAt.getTime());
      expect(await store.organizations.getByTenant(tenant)).toBeUndefined();

      expect(await store.organizations.delete(org.id)).toBe(true);
      expect(await store.organizations.get(org.id)).toBeUndefined();
      expect(await store.organizations.delete(org.id)).toBe(false);
      expect(await store.organizations.update(org.id, { name: 'x' })).toBeUndefined();
    });

    it('rejects duplicate slugs and tenants with StoreConflictError, and bad input with a ZodError', async () => {
      const slug = `dup-${uniq()}`;
      const tenant = crypto.randomUUID();
      await store.organizations.create({ name: 'One', slug, entraTenantId: tenant });
      await expect(store.organizations.create({ name: 'Two', slug })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.organizations.create({ name: 'Three', slug: `other-${uniq()}`, entraTenantId: tenant })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(store.organizations.create({ name: '', slug: `ok-${uniq()}` })).rejects.toBeInstanceOf(ZodError);
      await expect(store.organizations.create({ name: 'Bad', slug: 'Not A Slug' })).rejects.toBeInstanceOf(ZodError);
      await expect(store.organizations.create({ name: 'Bad', slug: `x-${uniq()}`, entraTenantId: 'not-a-guid' })).rejects.toBeInstanceOf(
        ZodError,
      );
      // Unknown fields are refused rather than silently dropped.
      await expect(store.organizations.create({ name: 'Bad', slug: `y-${uniq()}`, admin: true } as never)).rejects.toBeInstanceOf(ZodError);
    });

    it('answers "not found" for malformed ids instead of a database error', async () => {
      expect(await store.organizations.get('not-a-uuid')).toBeUndefined();
      expect(await store.organizations.getByTenant("' OR 1=1 --")).toBeUndefined();
      expect(await store.organizations.delete('42')).toBe(false);
    });
  });

  describe('users', () => {
    it('creates, finds (by id, e-mail, Entra identity), lists, updates and deletes within an organization', async () => {
      const tenant = crypto.randomUUID();
      const org = await store.organizations.create({ name: 'Users Inc', slug: `users-${uniq()}`, entraTenantId: tenant });
      const oid = crypto.randomUUID();
      const alice = await store.users.create(org.id, {
        displayName: 'Alice',
        email: 'Alice@Example.com',
        c4cLogin: 'ALICE',
        entraObjectId: oid,
        role: 'admin',
      });
      expect(alice).toMatchObject({ organizationId: org.id, displayName: 'Alice', email: 'Alice@Example.com', role: 'admin', mailboxLogin: null });
      const bob = await store.users.create(org.id, { displayName: 'bob', email: 'bob@example.com' });
      expect(bob.role).toBe('user');

      expect(await store.users.get(org.id, alice.id)).toEqual(alice);
      expect(await store.users.findByEmail(org.id, 'alice@EXAMPLE.com')).toEqual(alice);
      expect(await store.users.findByEntra(tenant.toUpperCase(), oid.toUpperCase())).toEqual(alice);
      expect(await store.users.findByEntra(crypto.randomUUID(), oid)).toBeUndefined();
      expect((await store.users.listByOrg(org.id)).map((u) => u.displayName)).toEqual(['Alice', 'bob']);

      const patched = await store.users.update(org.id, bob.id, { c4cUserId: '8000000123', mailboxLogin: 'bob@corp' });
      expect(patched).toMatchObject({ c4cUserId: '8000000123', mailboxLogin: 'bob@corp', displayName: 'bob', email: 'bob@example.com' });
      // null clears a column, leaving a field out keeps it.
      const cleared = await store.users.update(org.id, bob.id, { mailboxLogin: null });
      expect(cleared).toMatchObject({ mailboxLogin: null, c4cUserId: '8000000123' });

      expect(await store.users.delete(org.id, bob.id)).toBe(true);
      expect(await store.users.get(org.id, bob.id)).toBeUndefined();
    });

    it('keeps e-mail unique per organization regardless of case, but allows it in another organization', async () => {
      const a = await store.organizations.create({ name: 'A', slug: `a-${uniq()}` });
      const b = await store.organizations.create({ name: 'B', slug: `b-${uniq()}` });
      await store.users.create(a.id, { displayName: 'X', email: 'same@example.com' });
      await expect(store.users.create(a.id, { displayName: 'Y', email: 'SAME@example.com' })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.users.create(b.id, { displayName: 'X', email: 'same@example.com' })).resolves.toMatchObject({ organizationId: b.id });
      await expect(store.users.create(a.id, { displayName: 'Z', email: 'not an address' })).rejects.toBeInstanceOf(ZodError);
    });

    it('deleting an organization deletes its users', async () => {
      const org = await store.organizations.create({ name: 'Gone', slug: `gone-${uniq()}` });
      const user = await store.users.create(org.id, { displayName: 'U', email: 'u@example.com' });
      await store.organizations.delete(org.id);
      const { rows } = await backend.db().query('SELECT id FROM users WHERE id = $1', [user.id]);
      expect(rows).toEqual([]);
    });
  });

  describe('organization isolation', () => {
    it("organization A cannot read, change or delete organization B's users through the repository", async () => {
      const a = await store.organizations.create({ name: 'Org A', slug: `iso-a-${uniq()}` });
      const b = await store.organizations.create({ name: 'Org B', slug: `iso-b-${uniq()}` });
      const bUser = await store.users.create(b.id, { displayName: 'B user', email: 'b@example.com', c4cLogin: 'BUSER' });

      expect(await store.users.get(a.id, bUser.id)).toBeUndefined();
      expect(await store.users.findByEmail(a.id, 'b@example.com')).toBeUndefined();
      expect((await store.users.listByOrg(a.id)).map((u) => u.id)).not.toContain(bUser.id);
      expect(await store.users.update(a.id, bUser.id, { role: 'admin' })).toBeUndefined();
      expect(await store.users.delete(a.id, bUser.id)).toBe(false);

      // B's user is untouched.
      expect(await store.users.get(b.id, bUser.id)).toEqual(bUser);
    });

    it("organization A cannot read organization B's C4C connection or ledger entries", async () => {
      const a = await store.organizations.create({ name: 'Org A', slug: `iso2-a-${uniq()}` });
      const b = await store.organizations.create({ name: 'Org B', slug: `iso2-b-${uniq()}` });
      await store.c4cConnections.upsert(b.id, { serviceRoot: 'https://b.example.com/odata', username: 'b', password: 'b-password' });
      expect(await store.c4cConnections.get(a.id)).toBeUndefined();
      expect(await store.c4cConnections.getWithSecret(a.id)).toBeUndefined();

      const claim = await store.emailSaves.claim(b.id, '<m1@example.com>', null, 60000);
      expect(claim.outcome).toBe('claimed');
      expect(await store.emailSaves.get(a.id, '<m1@example.com>')).toBeUndefined();
      // The same message in another organization is a separate save.
      expect((await store.emailSaves.claim(a.id, '<m1@example.com>', null, 60000)).outcome).toBe('claimed');
    });
  });

  describe('C4C connections', () => {
    it('stores the password encrypted: the raw row never contains it, get() never returns it', async () => {
      const org = await store.organizations.create({ name: 'C4C', slug: `c4c-${uniq()}` });
      const password = `S3cret-${uniq()}-pässword`;
      const saved = await store.c4cConnections.upsert(org.id, {
        serviceRoot: 'https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi',
        username: 'INTEGRATION',
        password,
      });
      expect(saved).toMatchObject({
        organizationId: org.id,
        serviceRoot: 'https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/',
        authKind: 'basic',
        username: 'INTEGRATION',
        hasSecret: true,
      });
      expect(JSON.stringify(saved)).not.toContain(password);
      const metadata = await store.c4cConnections.get(org.id);
      expect(metadata).toEqual(saved);
      expect(JSON.stringify(metadata)).not.toContain(password);
      expect(Object.keys(metadata!)).not.toContain('password');

      const { rows } = await backend.db().query<Record<string, unknown>>('SELECT * FROM c4c_connections WHERE organization_id = $1', [org.id]);
      const raw = JSON.stringify(rows[0]);
      expect(raw).not.toContain(password);
      expect(raw).not.toContain(Buffer.from(password).toString('base64'));
      expect(String(rows[0].secret_ciphertext)).toMatch(/^v1\./);

      expect((await store.c4cConnections.getWithSecret(org.id))?.password).toBe(password);
    });

    it('updates the connection, keeping the stored password when none is given', async () => {
      const org = await store.organizations.create({ name: 'C4C2', slug: `c4c2-${uniq()}` });
      await expect(
        store.c4cConnections.upsert(org.id, { serviceRoot: 'https://x.example.com/', username: 'u' }),
      ).rejects.toBeInstanceOf(StoreNotFoundError);
      await store.c4cConnections.upsert(org.id, { serviceRoot: 'https://x.example.com/', username: 'u', password: 'first' });
      await store.c4cConnections.upsert(org.id, { serviceRoot: 'https://y.example.com/', username: 'v' });
      expect(await store.c4cConnections.getWithSecret(org.id)).toMatchObject({ serviceRoot: 'https://y.example.com/', username: 'v', password: 'first' });
      await store.c4cConnections.upsert(org.id, { serviceRoot: 'https://y.example.com/', username: 'v', password: 'second' });
      expect((await store.c4cConnections.getWithSecret(org.id))?.password).toBe('second');
      await expect(store.c4cConnections.upsert(org.id, { serviceRoot: 'ftp://nope', username: 'v' })).rejects.toBeInstanceOf(ZodError);
      expect(await store.c4cConnections.delete(org.id)).toBe(true);
      expect(await store.c4cConnections.get(org.id)).toBeUndefined();
    });

    it("a ciphertext copied into another organization's row does not open there", async () => {
      const a = await store.organizations.create({ name: 'A', slug: `copy-a-${uniq()}` });
      const b = await store.organizations.create({ name: 'B', slug: `copy-b-${uniq()}` });
      await store.c4cConnections.upsert(a.id, { serviceRoot: 'https://a.example.com/', username: 'a', password: 'a-secret' });
      await store.c4cConnections.upsert(b.id, { serviceRoot: 'https://b.example.com/', username: 'b', password: 'b-secret' });
      await backend
        .db()
        .query(
          'UPDATE c4c_connections SET secret_ciphertext = (SELECT secret_ciphertext FROM c4c_connections WHERE organization_id = $1) WHERE organization_id = $2',
          [a.id, b.id],
        );
      await expect(store.c4cConnections.getWithSecret(b.id)).rejects.toBeInstanceOf(SecretTamperedError);
    });
  });

  describe('audit log', () => {
    it('records entries per organization, newest first', async () => {
      const org = await store.organizations.create({ name: 'Audit', slug: `audit-${uniq()}` });
      const other = await store.organizations.create({ name: 'Other', slug: `audit-o-${uniq()}` });
      await store.audit.record({ organizationId: org.id, actor: 'admin-1', action: 'user.created', details: { email: 'x@example.com' } });
      await store.audit.record({ organizationId: org.id, actor: 'admin-1', action: 'user.deleted' });
      await store.audit.record({ organizationId: other.id, actor: 'admin-2', action: 'org.updated' });
      const entries = await store.audit.list(org.id);
      expect(entries.map((e) => e.action)).toEqual(['user.deleted', 'user.created']);
      expect(entries[1].details).toEqual({ email: 'x@example.com' });
      expect(entries[0].at).toBeInstanceOf(Date);
      expect(await store.audit.list(org.id, { limit: 1 })).toHaveLength(1);
    });
  });

  describe('transactions', () => {
    it('repositories over a transaction handle commit together or not at all', async () => {
      const slug = `tx-${uniq()}`;
      await expect(
        backend.db().transaction(async (tx) => {
          const txStore = createStore(tx, box);
          const org = await txStore.organizations.create({ name: 'Tx', slug });
          await txStore.users.create(org.id, { displayName: 'T', email: 't@example.com' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.organizations.getBySlug(slug)).toBeUndefined();
    });
  });
});
