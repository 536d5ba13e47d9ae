/**
 * The directory cache behind every authenticated request: positive answers kept for the TTL, absent rows asked
 * again, one query for concurrent misses, and a write through this process's store clears it at once (even one
 * racing with a look-up that started before it).
 */
import { cachedDirectory } from '../../relay/store/cached-directory';
import { directoryWrite } from '../../relay/store/directory-changes';
import type { User } from '../../relay/store/users';

const TENANT = '11111111-1111-4111-8111-111111111111';
const OID = '22222222-2222-4222-8222-222222222222';

function fakeStore() {
  const calls = { tenants: 0, users: 0, connections: 0 };
  const state = { tenantKnown: true, user: { id: 'u1', displayName: 'Anna' } as User | undefined };
  let gate: Promise<void> | undefined;
  const store = {
    organizations: { getByTenant: async () => (calls.tenants++, state.tenantKnown ? ({ id: 'o1' } as never) : undefined) },
    users: {
      findByEntra: async () => {
        calls.users++;
        const user = state.user;
        if (gate) await gate;
        return user;
      },
    },
    c4cConnections: { getWithSecret: async () => (calls.connections++, undefined) },
  };
  return { store, calls, state, hold: (g: Promise<void> | undefined) => (gate = g) };
}

describe('cachedDirectory', () => {
  it('keeps positive answers for the TTL and asks again for absent ones', async () => {
    const { store, calls, state } = fakeStore();
    const directory = cachedDirectory(store, { ttlMs: 60_000 });
    try {
      expect(await directory.tenantOnboarded(TENANT)).toBe(true);
      expect(await directory.tenantOnboarded(TENANT.toUpperCase())).toBe(true);
      expect(calls.tenants).toBe(1);
      state.tenantKnown = false;
      const other = '33333333-3333-4333-8333-333333333333';
      expect(await directory.tenantOnboarded(other)).toBe(false);
      expect(await directory.tenantOnboarded(other)).toBe(false);
      expect(calls.tenants).toBe(3);
      expect(await directory.c4cConnection('o1')).toBeUndefined();
      expect(await directory.c4cConnection('o1')).toBeUndefined();
      expect(calls.connections).toBe(2);
    } finally {
      directory.close();
    }
  });

  it('shares one query among concurrent misses', async () => {
    const { store, calls } = fakeStore();
    const directory = cachedDirectory(store);
    try {
      const users = await Promise.all(Array.from({ length: 16 }, () => directory.userByEntra(TENANT, OID)));
      expect(users.every((u) => u?.id === 'u1')).toBe(true);
      expect(calls.users).toBe(1);
    } finally {
      directory.close();
    }
  });

  it('forgets everything after a directory write, and does not store a look-up that raced with it', async () => {
    const { store, calls, state, hold } = fakeStore();
    const directory = cachedDirectory(store, { ttlMs: 60_000 });
    try {
      await directory.userByEntra(TENANT, OID);
      await directoryWrite(async () => {
        state.user = undefined; // the user was deleted
      });
      expect(await directory.userByEntra(TENANT, OID)).toBeUndefined();
      expect(calls.users).toBe(2);
      // A look-up reads the old row, then a write lands before it finishes: its answer is not kept.
      state.user = { id: 'u1', displayName: 'Anna' } as User;
      let open!: () => void;
      hold(new Promise<void>((resolve) => (open = resolve)));
      const racing = directory.userByEntra(TENANT, OID);
      await new Promise((r) => setImmediate(r));
      await directoryWrite(async () => {
        state.user = undefined;
      });
      hold(undefined);
      open();
      expect((await racing)?.id).toBe('u1');
      expect(await directory.userByEntra(TENANT, OID)).toBeUndefined();
      expect(calls.users).toBe(4);
    } finally {
      directory.close();
    }
  });

  it('stops listening once closed', async () => {
    const { store, calls } = fakeStore();
    const directory = cachedDirectory(store, { ttlMs: 60_000 });
    await directory.userByEntra(TENANT, OID);
    directory.close();
    await directoryWrite(async () => undefined);
    await directory.userByEntra(TENANT, OID);
    expect(calls.users).toBe(1);
  });
});
