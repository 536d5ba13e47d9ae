/** Build the relay's C4C client from its configuration (relay/config.ts `c4c`), with basic authentication. */
import { C4cClient, type C4cClientOptions, type C4cLogger } from './client';

export interface C4cConnectionConfig {
  serviceRoot: string;
  username: string;
  password: string;
}

export function createC4cClientFromConfig(
  config: C4cConnectionConfig,
  logger?: C4cLogger,
  overrides: Partial<Omit<C4cClientOptions, 'serviceRoot' | 'auth'>> = {},
): C4cClient {
  return new C4cClient({
    serviceRoot: config.serviceRoot,
    auth: { kind: 'basic', username: config.username, password: config.password },
    logger,
    ...overrides,
  });
}
