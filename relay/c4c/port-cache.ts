/**
 * One C4C port per organization, rebuilt when the organization's connection changes, so CSRF tokens and session
 * cookies are reused across requests and sessions. Used by the sidebar routes and the sync engine alike.
 */
import type { C4cConnectionRepository } from '../store/c4c-connections';
import { C4cClient } from './client';
import { C4cNotConfiguredError, type C4cPort } from './port';
import { createC4cPort } from './port-adapter';

export interface C4cPortCacheOptions {
  timeoutMs?: number;
  /** Decorates each new port (the HTTP layer adds Server-Timing measurements). */
  wrap?: (port: C4cPort) => C4cPort;
}

export type C4cPortFor = (organizationId: string) => Promise<C4cPort>;

export function c4cPortCache(connections: Pick<C4cConnectionRepository, 'getWithSecret'>, options: C4cPortCacheOptions = {}): C4cPortFor {
  const cache = new Map<string, { version: string; port: C4cPort }>();
  return async (organizationId) => {
    const connection = await connections.getWithSecret(organizationId);
    if (!connection) throw new C4cNotConfiguredError();
    const version = `${connection.serviceRoot}|${connection.username}|${new Date(connection.updatedAt).getTime()}`;
    const cached = cache.get(organizationId);
    if (cached?.version === version) return cached.port;
    const client = new C4cClient({
      serviceRoot: connection.serviceRoot,
      auth: { kind: 'basic', username: connection.username, password: connection.password },
      timeoutMs: options.timeoutMs,
    });
    const port = options.wrap ? options.wrap(createC4cPort(client)) : createC4cPort(client);
    cache.set(organizationId, { version, port });
    return port;
  };
}

export type C4cClientFor = (organizationId: string) => Promise<C4cClient>;

/**
 * One C4C client per organization for the mirror adapters, cached like the port above (rebuilt when the
 * organization's connection changes; a session still holding the old client finishes with it).
 */
export function c4cClientCache(connections: Pick<C4cConnectionRepository, 'getWithSecret'>, options: Pick<C4cPortCacheOptions, 'timeoutMs'> = {}): C4cClientFor {
  const cache = new Map<string, { version: string; client: C4cClient }>();
  return async (organizationId) => {
    const connection = await connections.getWithSecret(organizationId);
    if (!connection) throw new C4cNotConfiguredError();
    const version = `${connection.serviceRoot}|${connection.username}|${new Date(connection.updatedAt).getTime()}`;
    const cached = cache.get(organizationId);
    if (cached?.version === version) return cached.client;
    const client = new C4cClient({
      serviceRoot: connection.serviceRoot,
      auth: { kind: 'basic', username: connection.username, password: connection.password },
      timeoutMs: options.timeoutMs,
    });
    cache.set(organizationId, { version, client });
    return client;
  };
}
