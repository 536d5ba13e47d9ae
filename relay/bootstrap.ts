/**
 * A deployment configured from the environment (C4C_* and ORG_TENANT_ID) gets its organization and C4C connection
 * at start-up, so the relay serves that tenant without a manual step. Idempotent: a restart with changed variables
 * updates the connection (new password sealed again), never creates a second organization.
 */
import type { RelayConfig } from './config';
import type { Logger } from './log';
import { createStore, type Queryable } from './store';
import type { SecretBox } from './secrets';
import type { Organization } from './store/organizations';

export interface BootstrapServices {
  config: RelayConfig;
  logger: Logger;
  db: Queryable;
  secrets: SecretBox;
}

function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'organization';
}

export async function bootstrapConfiguredOrganization(services: BootstrapServices): Promise<Organization | undefined> {
  const { config, logger } = services;
  const configured = config.defaultOrganization;
  if (config.c4c === undefined || configured === undefined) return undefined;
  const store = createStore(services.db, services.secrets);
  const organization =
    (await store.organizations.getByTenant(configured.tenantId)) ??
    (await store.organizations.create({ name: configured.name, slug: slugOf(configured.name), entraTenantId: configured.tenantId }));
  await store.c4cConnections.upsert(organization.id, {
    serviceRoot: config.c4c.serviceRoot,
    authKind: 'basic',
    username: config.c4c.username,
    password: config.c4c.password,
  });
  logger.info({ organizationId: organization.id, tenantId: configured.tenantId, c4c: config.c4c.serviceRoot }, 'configured organization and C4C connection ready');
  return organization;
}
