/**
 * EWS with a service account impersonating the users (on-premises ApplicationImpersonation): the mailbox contract
 * plus the EWS-specific duties — X-AnchorMailbox on every call, ErrorServerBusy back-off limits, the per-account
 * concurrency cap, dropped connections, revoked grants, and the library's escaping bug.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ews from 'ews-javascript-api';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { MailboxError, type Mailbox, type MailboxAccess } from '../../relay/mailbox/types';
import { runMailboxContract } from './contract';

let emulator: ExchangeEmulator;
const anna = DEMO_USERS[0].email;
const marco = DEMO_USERS[1].email;
const opened: Mailbox[] = [];

function access(overrides: Partial<Extract<MailboxAccess, { kind: 'ews-impersonation' }>> = {}): MailboxAccess {
  return { kind: 'ews-impersonation', ewsUrl: emulator.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password, ...overrides };
}
function open(address: string, overrides: Partial<Extract<MailboxAccess, { kind: 'ews-impersonation' }>> = {}, options = { maxBackOffMs: 1000 }): Mailbox {
  const mailbox = createEwsMailbox(address, access(overrides), options);
  opened.push(mailbox);
  return mailbox;
}

beforeAll(async () => {
  emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  emulator.store.addMailbox('no-grant@contoso.example', 'No Grant', 'x');
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await emulator.close();
});

runMailboxContract('ews-impersonation', async () => ({
  mailbox: open(anna),
  emulator,
  address: anna,
  deniedMailbox: () => open('no-grant@contoso.example'),
  deniedProblem: 'impersonation-denied',
  missingMailbox: () => open('nobody@contoso.example'),
  missingProblem: 'mailbox-not-found',
}));

describe('EWS impersonation specifics', () => {
  afterEach(() => {
    emulator.control.clearFaults();
    emulator.control.setLatency(0);
  });

  test('every impersonated call carried X-AnchorMailbox with the impersonated address', () => {
    expect(emulator.control.totalRequests('EWS ')).toBeGreaterThan(50);
    expect(emulator.control.missingAnchorMailbox).toBe(0);
    expect(emulator.control.wrongAnchorMailbox).toBe(0);
  });

  test('the denied-access message names the account, the mailbox and the role to assign', async () => {
    const check = await open('no-grant@contoso.example').checkAccess();
    expect(check.message).toContain(DEMO_EWS_SERVICE_ACCOUNT.username);
    expect(check.message).toContain('no-grant@contoso.example');
    expect(check.message).toContain('ApplicationImpersonation');
  });

  test('a back-off hint above the cap fails fast as throttled instead of blocking the worker', async () => {
    emulator.control.addFault({ fault: 'throttle', method: 'GetUserConfiguration', backOffMs: 297_749, times: 5 });
    const started = Date.now();
    const error = await open(anna).listMasterCategories().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'throttled', transient: true });
    expect((error as Error).message).toContain('297749');
  });

  test('concurrency per service account stays under the cap, across mailboxes of that account', async () => {
    const url = `${emulator.ewsUrl}?cap=3`; // a distinct limiter key for this test
    const a = open(anna, { ewsUrl: url, maxConcurrency: 3 });
    const m = open(marco, { ewsUrl: url, maxConcurrency: 3 });
    emulator.control.resetCounters();
    emulator.control.setLatency(25);
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : m).listMasterCategories()));
    const peak = emulator.control.maxConcurrentPerAccount.get(DEMO_EWS_SERVICE_ACCOUNT.username);
    expect(peak).toBe(3);
  });

  test('the default cap is 8 and never reaches EWSMaxConcurrency (27)', async () => {
    const url = `${emulator.ewsUrl}?cap=default`;
    const mailboxes = [anna, marco].map((address) => open(address, { ewsUrl: url }));
    emulator.control.resetCounters();
    // Latency long enough that the client fills every slot even on a loaded machine (20 ms once peaked at 7 in CI).
    emulator.control.setLatency(150);
    await Promise.all(Array.from({ length: 40 }, (_, i) => mailboxes[i % 2].listMasterCategories()));
    emulator.control.setLatency(0);
    expect(emulator.control.maxConcurrentPerAccount.get(DEMO_EWS_SERVICE_ACCOUNT.username)).toBe(8);
  });

  test('a dropped connection on a read is retried; on a write it is reported, not repeated', async () => {
    const mailbox = open(anna);
    const inbox = await mailbox.getWellKnownFolder('inbox');
    const [first] = emulator.store.listItems(anna, inbox.id);
    emulator.control.addFault({ fault: 'drop', method: 'GetItem', times: 1 });
    expect(await mailbox.getMessages([first.id])).toHaveLength(1);

    const tasks = await mailbox.getWellKnownFolder('tasks');
    const before = emulator.store.listItems(anna, tasks.id).length;
    emulator.control.resetCounters();
    emulator.control.addFault({ fault: 'drop', method: 'CreateItem', times: 1 });
    const error = await mailbox.createTask(tasks.id, { subject: 'Dropped', status: 'notStarted', importance: 'normal', categories: [] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network', transient: true });
    expect(emulator.control.requests('EWS CreateItem')).toBe(1);
    expect(emulator.store.listItems(anna, tasks.id)).toHaveLength(before);
  });

  test('a revoked grant or a revoked credential is a permanent error with the right code', async () => {
    const mailbox = open(marco);
    emulator.control.revokeImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, marco);
    try {
      await expect(mailbox.listMasterCategories()).rejects.toMatchObject({ code: 'access-denied', transient: false });
      expect(await mailbox.checkAccess()).toMatchObject({ ok: false, problem: 'impersonation-denied' });
    } finally {
      emulator.control.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, marco);
    }
    emulator.control.addFault({ fault: 'unauthorized', times: 1 });
    await expect(mailbox.listMasterCategories()).rejects.toMatchObject({ code: 'invalid-credentials', transient: false });
    const wrongPassword = open(marco, { password: 'wrong' });
    expect(await wrongPassword.checkAccess()).toMatchObject({ ok: false, problem: 'invalid-credentials' });
  });

  test('a non-SOAP HTTP 500 (proxy error page) is a server error, not a crash of the process', async () => {
    const proxy = http.createServer((_req, res) => {
      res.statusCode = 500;
      res.setHeader('content-type', 'text/html');
      res.end('<html><body>Bad gateway</body></html>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const mailbox = open(anna, { ewsUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/EWS/Exchange.asmx` });
      const error = await mailbox.listMasterCategories().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxError);
      expect(error).toMatchObject({ code: 'server-error', transient: true });
      expect(await mailbox.checkAccess()).toMatchObject({ ok: false });
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  test('an unreachable server is reported as server-unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const check = await open(anna, { ewsUrl: `http://127.0.0.1:${port}/EWS/Exchange.asmx` }).checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'server-unreachable' });
    expect(check.message).toContain(`127.0.0.1:${port}`);
  });

  test('library bug guarded: ews-javascript-api writes values unescaped, which the server rejects', async () => {
    // Straight library use, as the relay would without xmlText(): the request is not even well-formed XML.
    const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
    service.Url = new ews.Uri(emulator.ewsUrl);
    service.Credentials = new ews.WebCredentials(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
    service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, anna);
    service.HttpHeaders.Add('X-AnchorMailbox', anna);
    const task = new ews.Task(service);
    task.Subject = 'Q3 <draft> & notes';
    const error = await task.Save(new ews.FolderId(ews.WellKnownFolderName.Tasks)).catch((e: unknown) => e);
    expect(String((error as { message?: string }).message)).toMatch(/schema validation|unexpected child|not well-formed|undeclared/i);
    // Through the relay the same subject round-trips.
    const mailbox = open(anna);
    const tasks = await mailbox.getWellKnownFolder('tasks');
    const ref = await mailbox.createTask(tasks.id, { subject: 'Q3 <draft> & notes', status: 'notStarted', importance: 'normal', categories: [] });
    expect((await mailbox.getTasks([ref.id]))[0].subject).toBe('Q3 <draft> & notes');
  });
});
