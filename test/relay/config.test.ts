import path from 'node:path';
import { ConfigError, loadConfig } from '../../relay/config';

const VALID_KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('defaults to sandbox mode with embedded database when nothing is configured', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.sandbox).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('/srv/app', 'data'));
    expect(config.publicOrigin).toBe('http://127.0.0.1:3000');
    expect(config.publicOriginFollowsPort).toBe(true);
  });

  it('uses real C4C when all C4C variables are set, and normalizes the service root', () => {
    const config = loadConfig({
      C4C_BASE_URL: 'https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi',
      C4C_USERNAME: 'tech',
      C4C_PASSWORD: 'pw',
      ENTRA_CLIENT_ID: 'b4f6c1d2-9e8a-4f3b-8c7d-1a2b3c4d5e6f',
      RELAY_SECRET_KEY: VALID_KEY,
      ORG_TENANT_ID: '9188040D-6C67-4C5B-B112-36A304B66DAD',
      ORG_NAME: 'Contoso',
    });
    expect(config.sandbox).toBe(false);
    expect(config.defaultOrganization).toEqual({ tenantId: '9188040d-6c67-4c5b-b112-36a304b66dad', name: 'Contoso' });
    expect(config.c4c?.serviceRoot).toBe('https://my000001.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ C4C_BASE_URL: 'https://x.example/c4c/' }, 'C4C_USERNAME'],
    [{ SANDBOX: 'maybe' }, 'SANDBOX'],
    [{ NODE_ENV: 'production' }, 'C4C_BASE_URL'],
    [{ C4C_BASE_URL: 'https://x.example/', C4C_USERNAME: 'u', C4C_PASSWORD: 'p', RELAY_SECRET_KEY: VALID_KEY, ORG_TENANT_ID: '9188040d-6c67-4c5b-b112-36a304b66dad' }, 'ENTRA_CLIENT_ID'],
    [{ C4C_BASE_URL: 'https://x.example/', C4C_USERNAME: 'u', C4C_PASSWORD: 'p', RELAY_SECRET_KEY: VALID_KEY }, 'ORG_TENANT_ID'],
    [{ ORG_TENANT_ID: 'contoso' }, 'ORG_TENANT_ID'],
    [{ C4C_BASE_URL: 'https://x.example/', C4C_USERNAME: 'u', C4C_PASSWORD: 'p' }, 'RELAY_SECRET_KEY'],
    [{ RELAY_SECRET_KEY: 'x' }, 'RELAY_SECRET_KEY'],
    [{ RELAY_SECRET_KEY: Buffer.alloc(16).toString('base64') }, 'RELAY_SECRET_KEY'],
    [{ ADMIN_OPERATOR_TENANT_IDS: '9188040d-6c67-4c5b-b112-36a304b66dad, contoso' }, 'ADMIN_OPERATOR_TENANT_IDS'],
    [{ SYNC_CONCURRENCY: '0' }, 'SYNC_CONCURRENCY'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message).toContain(variable);
    }
  });
});

describe('operator tenants', () => {
  it('are ADMIN_OPERATOR_TENANT_IDS, lower-cased, or else the configured organization\'s tenant', () => {
    expect(loadConfig({ ADMIN_OPERATOR_TENANT_IDS: ' 9188040D-6C67-4C5B-B112-36A304B66DAD ,72f988bf-86f1-41af-91ab-2d7cd011db47' }).admin.operatorTenantIds).toEqual([
      '9188040d-6c67-4c5b-b112-36a304b66dad',
      '72f988bf-86f1-41af-91ab-2d7cd011db47',
    ]);
    expect(loadConfig({ ORG_TENANT_ID: '9188040d-6c67-4c5b-b112-36a304b66dad' }).admin.operatorTenantIds).toEqual(['9188040d-6c67-4c5b-b112-36a304b66dad']);
    expect(loadConfig({}).admin.operatorTenantIds).toEqual([]);
  });
});
