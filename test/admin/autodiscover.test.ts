/**
 * A3 "EWS URL, optional autodiscover from the address", through the admin API against the Exchange emulator's
 * Autodiscover: the JSON v2 answer is taken when there is one, POX (with the service account's credentials) when
 * the host has no JSON endpoint, and an address nobody knows is refused with every URL tried and why, storing nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ADMIN_ERROR_CODES, MailboxAccessResponseSchema, OrganizationSchema } from '../../shared/api/admin';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { describeEachBackend } from '../helpers/backends';
import { testAdmin, type TestAdmin } from './helpers';

const [ANNA] = DEMO_USERS;

/** An on-premises Exchange without AutoDiscover V2: autodiscover.json is 404, everything else reaches the emulator. */
async function startPoxOnlyFront(target: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url?.toLowerCase().startsWith('/autodiscover/autodiscover.json')) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404 - Not Found</body></html>');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers };
      delete headers.host;
      void fetch(target + (req.url ?? '/'), { method: req.method, headers: headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined })
        .then(async (answer) => {
          res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.socket?.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEachBackend('admin API: EWS URL by Autodiscover', (backend) => {
  let emulator: ExchangeEmulator;
  let front: Awaited<ReturnType<typeof startPoxOnlyFront>>;
  let origins: string[] = [];
  let admin: TestAdmin;

  beforeAll(async () => {
    emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
    front = await startPoxOnlyFront(emulator.origin);
    admin = testAdmin(backend.db(), { routes: { mailboxAccess: { autodiscover: { candidates: () => origins, timeoutMs: 5_000 } } } });
  });

  afterAll(async () => {
    await front?.close();
    await emulator?.close();
  });

  async function organization(name: string): Promise<string> {
    const org = OrganizationSchema.parse((await request(admin.app).post('/api/admin/organizations').send({ name, entraTenantId: null }).expect(201)).body);
    return `/api/admin/organizations/${org.id}/mailbox-access`;
  }

  const impersonation = (address: string, password = DEMO_EWS_SERVICE_ACCOUNT.password) => ({
    kind: 'ews-impersonation',
    autodiscoverAddress: address,
    username: DEMO_EWS_SERVICE_ACCOUNT.username,
    password,
  });

  test('only an address: the JSON v2 answer is stored as the EWS URL, anonymously (no POX request)', async () => {
    origins = [emulator.origin];
    const before = { json: emulator.control.requests('Autodiscover JSON'), pox: emulator.control.requests('Autodiscover POX') };
    const path = await organization('Autodiscover JSON');
    const set = MailboxAccessResponseSchema.parse((await request(admin.app).put(path).send(impersonation(ANNA.email)).expect(200)).body);
    expect(set.access?.settings.ewsUrl).toBe(emulator.ewsUrl);
    const stored = MailboxAccessResponseSchema.parse((await request(admin.app).get(path).expect(200)).body);
    expect(stored.access).toMatchObject({ kind: 'ews-impersonation', settings: { ewsUrl: emulator.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username } });
    expect(emulator.control.requests('Autodiscover JSON') - before.json).toBe(1);
    expect(emulator.control.requests('Autodiscover POX') - before.pox).toBe(0);
  });

  test('a host without autodiscover.json: POX with the service account finds the EWS URL', async () => {
    origins = [front.origin];
    const before = emulator.control.requests('Autodiscover POX');
    const path = await organization('Autodiscover POX');
    const set = MailboxAccessResponseSchema.parse((await request(admin.app).put(path).send(impersonation(ANNA.email)).expect(200)).body);
    expect(set.access?.settings.ewsUrl).toBe(emulator.ewsUrl);
    expect(emulator.control.requests('Autodiscover POX') - before).toBe(1);
  });

  test('an unknown address: refused with what each endpoint answered, nothing stored', async () => {
    origins = [emulator.origin, front.origin];
    const path = await organization('Autodiscover unknown');
    const res = await request(admin.app).put(path).send(impersonation('nobody@contoso.example'));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(ADMIN_ERROR_CODES.autodiscoverFailed);
    const message: string = res.body.error.message;
    expect(res.body.error.fields.autodiscoverAddress).toBe(message);
    expect(message).toContain('nobody@contoso.example');
    expect(message).toContain(`JSON ${emulator.origin}/autodiscover/autodiscover.json/v1.0/nobody%40contoso.example?Protocol=EWS (HTTP 404: UserNotFound`);
    expect(message).toContain(`JSON ${front.origin}/autodiscover/autodiscover.json/v1.0/nobody%40contoso.example?Protocol=EWS (HTTP 404)`);
    expect(message).toContain(`POX ${emulator.origin}/autodiscover/autodiscover.xml (Autodiscover error 500: The email address can't be found.)`);
    expect(message).toContain('Enter the EWS URL instead.');
    expect(message).not.toContain(DEMO_EWS_SERVICE_ACCOUNT.password);
    expect(MailboxAccessResponseSchema.parse((await request(admin.app).get(path).expect(200)).body).configured).toBe(false);
  });

  test('POX with a wrong password and no host listening: both reasons named', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadOrigin = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    origins = [front.origin, deadOrigin];
    const path = await organization('Autodiscover rejected');
    const res = await request(admin.app).put(path).send(impersonation(ANNA.email, 'wrong-password'));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(`POX ${front.origin}/autodiscover/autodiscover.xml (HTTP 401: the service account or its password was rejected)`);
    expect(res.body.error.message).toContain(`POX ${deadOrigin}/autodiscover/autodiscover.xml (ECONNREFUSED)`);
    expect(res.body.error.message).not.toContain('wrong-password');
  });
});
