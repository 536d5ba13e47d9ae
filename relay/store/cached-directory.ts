/**
 * The directory rows every authenticated request needs (is the token's tenant onboarded, which provisioned user is
 * this, the organization's C4C connection), held for a few seconds so a busy relay does not read the same rows
 * several times per request. Concurrent look-ups of one key share one query.
 *
 * Only positive answers are kept: a user or organization added a moment ago is let in at once. A change written
 * through this process clears the cache (relay/store/directory-changes.ts); one written by another relay process
 * takes effect here within `ttlMs` (a removed user can go on for at most that long, like an access token does for
 * its whole life).
 */
import { LRUCache } from 'lru-cache';
import type { C4cConnectionRepository, C4cConnectionWithSecret } from './c4c-connections';
import { onDirectoryChange } from './directory-changes';
import type { OrganizationRepository } from './organizations';
import type { User, UserRepository } from './users';

export const DEFAULT_DIRECTORY_TTL_MS = 5_000;

export interface CachedDirectory {
  tenantOnboarded(entraTenantId: string): Promise<boolean>;
  userByEntra(entraTenantId: string, entraObjectId: string): Promise<User | undefined>;
  c4cConnection(organizationId: string): Promise<C4cConnectionWithSecret | undefined>;
  /** Stops listening for this process's directory changes. */
  close(): void;
}

export interface CachedDirectoryOptions {
  ttlMs?: number;
  /** Entries per kind; the least recently used go first. */
  maxEntries?: number;
}

interface PositiveCache<V> {
  get(key: string): Promise<V | undefined>;
  clear(): void;
}

/**
 * Keeps what `load` found for `ttl` ms; concurrent misses of one key share one load. A load that started before a
 * `clear` is not stored (it may have read the row as it was before the change).
 */
function positiveCache<V extends object>(ttl: number, max: number, load: (key: string) => Promise<V | undefined>): PositiveCache<V> {
  const entries = new LRUCache<string, V>({ max, ttl });
  const loading = new Map<string, Promise<V | undefined>>();
  let generation = 0;
  return {
    get(key) {
      const hit = entries.get(key);
      if (hit !== undefined) return Promise.resolve(hit);
      let pending = loading.get(key);
      if (!pending) {
        const startedIn = generation;
        pending = load(key)
          .then((value) => {
            if (value !== undefined && startedIn === generation) entries.set(key, value);
            return value;
          })
          .finally(() => {
            if (loading.get(key) === pending) loading.delete(key);
          });
        loading.set(key, pending);
      }
      return pending;
    },
    clear() {
      generation += 1;
      entries.clear();
      loading.clear();
    },
  };
}

export function cachedDirectory(
  store: { organizations: Pick<OrganizationRepository, 'getByTenant'>; users: Pick<UserRepository, 'findByEntra'>; c4cConnections: Pick<C4cConnectionRepository, 'getWithSecret'> },
  options: CachedDirectoryOptions = {},
): CachedDirectory {
  const ttl = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
  const max = options.maxEntries ?? 10_000;
  const tenants = positiveCache(ttl, max, async (tenantId) => ((await store.organizations.getByTenant(tenantId)) ? { onboarded: true } : undefined));
  const users = positiveCache(ttl, max, (key) => {
    const [tenantId, objectId] = key.split('|');
    return store.users.findByEntra(tenantId, objectId);
  });
  const connections = positiveCache(ttl, max, (organizationId) => store.c4cConnections.getWithSecret(organizationId));
  const stop = onDirectoryChange(() => {
    tenants.clear();
    users.clear();
    connections.clear();
  });
  return {
    async tenantOnboarded(tenantId) {
      return (await tenants.get(tenantId.toLowerCase())) !== undefined;
    },
    userByEntra(tenantId, objectId) {
      return users.get(`${tenantId.toLowerCase()}|${objectId.toLowerCase()}`);
    },
    c4cConnection(organizationId) {
      return connections.get(organizationId);
    },
    close: stop,
  };
}
