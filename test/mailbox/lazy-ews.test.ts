/**
 * ews-javascript-api (about 50 MB of a process's memory) is loaded with the first EWS mailbox, not with the relay:
 * the mailbox factory and the push channels can be loaded, and a Graph mailbox opened, without it. Checked in a
 * fresh Node process, whose module cache is the real one (Jest's registry is not).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

it('loads ews-javascript-api only when an EWS mailbox is opened', () => {
  const script = `
    const loaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/ews-javascript-api/'));
    const { openMailbox } = require('./relay/mailbox');
    require('./relay/push');
    openMailbox('anna@contoso.example', { kind: 'graph-app', tenantId: '11111111-1111-4111-8111-111111111111', clientId: '22222222-2222-4222-8222-222222222222', clientSecret: 'x', authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com/v1.0' });
    const beforeEws = loaded();
    openMailbox('anna@contoso.example', { kind: 'ews-impersonation', ewsUrl: 'https://ews.contoso.example/EWS/Exchange.asmx', username: 'svc', password: 'x' });
    process.stdout.write(JSON.stringify({ beforeEws, afterEws: loaded() }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(out)).toEqual({ beforeEws: false, afterEws: true });
});
