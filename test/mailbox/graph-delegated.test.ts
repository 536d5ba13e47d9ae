/**
 * Microsoft Graph with delegated access: the user's consent is obtained through the real authorization code flow
 * (msal-node + PKCE against the Entra emulator), the refresh token is redeemed and rotated by msal-node, and the
 * shared mailbox contract runs on the user's own mailbox. Another user's mailbox is refused.
 */
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { Mailbox } from '../../relay/mailbox/types';
import { DEMO_USERS } from '../emulators/demo-identities';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { runMailboxContract } from './contract';

let bed: GraphTestbed;
const anna = DEMO_USERS[0].email;
const marco = DEMO_USERS[1].email;
const opened: Mailbox[] = [];
const rotations: string[] = [];

async function open(address: string, consentingUser = address): Promise<Mailbox> {
  const access = await bed.delegatedAccess(consentingUser, async (token) => {
    rotations.push(token);
  });
  const mailbox = openGraphMailbox(address, access, bed.options());
  opened.push(mailbox);
  return mailbox;
}

beforeAll(async () => {
  bed = await startGraphTestbed({ seedDemo: true });
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await bed?.close();
});

runMailboxContract('graph-delegated', async () => {
  const mailbox = await open(anna);
  const denied = await open(marco, anna);
  const missing = await open('nobody@contoso.example', anna);
  return {
    mailbox,
    emulator: bed.exchange,
    address: anna,
    deniedMailbox: () => denied,
    deniedProblem: 'consent-missing',
    missingMailbox: () => missing,
    missingProblem: 'mailbox-not-found',
  };
});

describe('Graph delegated access specifics', () => {
  test('the refresh token was rotated by the token endpoint and handed to the caller', () => {
    expect(rotations.length).toBeGreaterThan(0);
    expect(new Set(rotations).size).toBe(rotations.length);
  });

  test('per-mailbox concurrency and batch size limits held', () => {
    expect(bed.state.concurrencyRejections).toBe(0);
    expect(Math.max(...bed.state.batchSizes)).toBeLessThanOrEqual(20);
  });
});
