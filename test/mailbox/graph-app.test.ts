/**
 * Microsoft Graph with application access (client credentials via real msal-node against the Entra emulator),
 * scoped with RBAC for Applications: the shared mailbox contract, plus the request-level duties checked on the
 * emulator afterwards (≤ 4 requests in flight per mailbox, $batch ≤ 20, immutable ids on every call).
 */
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { Mailbox } from '../../relay/mailbox/types';
import { DEMO_USERS } from '../emulators/demo-identities';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { runMailboxContract } from './contract';

let bed: GraphTestbed;
const anna = DEMO_USERS[0].email;
const opened: Mailbox[] = [];

function open(address: string): Mailbox {
  const mailbox = openGraphMailbox(address, bed.appAccess(), bed.options());
  opened.push(mailbox);
  return mailbox;
}

beforeAll(async () => {
  bed = await startGraphTestbed({ seedDemo: true });
  bed.addMailbox('no-grant@contoso.example', 'No Grant');
  // RBAC for Applications: the app's management scope holds the demo users only.
  bed.state.restrictApp(bed.app.clientId, DEMO_USERS.map((u) => u.email));
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await bed?.close();
});

runMailboxContract('graph-app', async () => ({
  mailbox: open(anna),
  emulator: bed.exchange,
  address: anna,
  deniedMailbox: () => open('no-grant@contoso.example'),
  deniedProblem: 'impersonation-denied',
  missingMailbox: () => open('nobody@contoso.example'),
  missingProblem: 'mailbox-not-found',
}));

describe('Graph application access: request discipline over the whole contract run', () => {
  test('never more than 4 requests in flight per mailbox, never refused for concurrency', () => {
    expect(bed.state.concurrencyRejections).toBe(0);
    for (const max of bed.state.maxConcurrentPerMailbox.values()) expect(max).toBeLessThanOrEqual(4);
  });

  test('batches were used and none exceeded 20 requests', () => {
    expect(bed.state.batchSizes.length).toBeGreaterThan(0);
    expect(Math.max(...bed.state.batchSizes)).toBeLessThanOrEqual(20);
  });
});
