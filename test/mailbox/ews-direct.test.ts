/**
 * EWS with the user's own credentials (direct logon, no impersonation): the mailbox contract. A wrong password is the
 * "denied" case and must be reported as invalid credentials.
 */
import { startExchangeEmulator, DEMO_MAILBOX_PASSWORD, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_USERS } from '../emulators/demo-identities';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import type { Mailbox } from '../../relay/mailbox/types';
import { runMailboxContract } from './contract';

let emulator: ExchangeEmulator;
const priya = DEMO_USERS[2].email;
const opened: Mailbox[] = [];

function open(address: string, password: string): Mailbox {
  const mailbox = createEwsMailbox(address, { kind: 'ews-direct', ewsUrl: emulator.ewsUrl, username: address, password }, { maxBackOffMs: 1000 });
  opened.push(mailbox);
  return mailbox;
}

beforeAll(async () => {
  emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await emulator.close();
});

runMailboxContract('ews-direct', async () => ({
  mailbox: open(priya, DEMO_MAILBOX_PASSWORD),
  emulator,
  address: priya,
  deniedMailbox: () => open(priya, 'not-the-password'),
  deniedProblem: 'invalid-credentials',
}));

describe('EWS direct logon specifics', () => {
  test('direct logon needs no impersonation grant: one call per read, anchor header set', async () => {
    const before = emulator.control.totalRequests('EWS ');
    await open(priya, DEMO_MAILBOX_PASSWORD).listMasterCategories();
    expect(emulator.control.totalRequests('EWS ')).toBe(before + 1);
    expect(emulator.control.missingAnchorMailbox).toBe(0);
  });

  test('the invalid-credentials message tells the user what to do', async () => {
    const check = await open(priya, 'wrong').checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'invalid-credentials' });
    expect(check.message).toContain(priya);
    expect(check.message).toMatch(/password/i);
  });
});
