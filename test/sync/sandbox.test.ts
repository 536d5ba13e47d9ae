/**
 * The sandbox activates its demo mailboxes at start-up through SyncControl.enable, with a short interval, so sessions
 * run without anyone pressing anything; a restart on the same data folder changes nothing (enable is idempotent).
 */
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { waitFor } from './helpers';

let env: SandboxRelay | undefined;

afterAll(async () => {
  await env?.close();
});

test('every demo mailbox is enabled at start-up, on a 2-minute interval, and its first session runs', async () => {
  env = await startSandboxRelay({ SYNC_TICK_MS: '1000' });
  const organization = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!;
  expect((organization.settings.sync as { intervalMinutes?: number }).intervalMinutes).toBe(2);
  const users = await Promise.all(DEMO_USERS.map(async (u) => (await env!.store.users.findByEntra(DEMO_TENANT_ID, u.oid))!));
  for (const user of users) {
    await waitFor(async () => (await env!.relay.services.sync.status(organization.id, user.id)).recentRuns.some((r) => r.outcome === 'succeeded'), 30000, `the first session of ${user.email}`);
    const status = await env.relay.services.sync.status(organization.id, user.id);
    expect(status).toMatchObject({ activated: true, status: 'enabled', intervalMinutes: 2 });
    expect(Date.parse(status.nextSessionAt!) - Date.now()).toBeLessThanOrEqual(2 * 60000);
  }
  // Start-up's enable again (what a restart does) changes nothing.
  const again = await env.relay.services.sync.enable(organization.id, users.map((u) => u.id), { kind: 'system', id: 'sandbox' });
  expect(again.every((r) => r.outcome === 'already-enabled')).toBe(true);
});
