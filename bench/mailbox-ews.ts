/**
 * Mailbox changes over EWS: requests and wall time for one incremental round of a 10,000-item folder (SyncFolderItems
 * pages of 512 + GetItem of the changed items in batches of 10), with 0, 10 and 1,000 changes since the cursor and
 * 0 / 20 ms injected server latency. Runs against the loopback Exchange emulator through the relay's EWS mailbox
 * (ews-javascript-api, impersonation).
 */
import { startExchangeEmulator } from '../test/emulators/exchange';
import { generateBulkItems } from '../test/emulators/exchange/demo-data';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../test/emulators/demo-identities';
import { createEwsMailbox } from '../relay/mailbox/ews';
import type { Mailbox } from '../relay/mailbox/types';

const ITEMS = 10_000;

async function drain(mailbox: Mailbox, folderId: string, cursor: string | undefined): Promise<{ cursor: string; changed: string[] }> {
  const changed: string[] = [];
  let current = cursor;
  for (;;) {
    const page = await mailbox.getChanges(folderId, 'message', current);
    changed.push(...page.created.map((r) => r.id), ...page.updated.map((r) => r.id));
    current = page.cursor;
    if (page.done) return { cursor: current, changed };
  }
}

export async function benchEws(): Promise<string[]> {
  const lines: string[] = [];
  const emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  const address = DEMO_USERS[0].email;
  const mailbox = createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: emulator.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password });
  try {
    const folderId = emulator.store.createFolder(address, emulator.store.wellKnownFolder(address, 'inbox').id, 'Bench', 'mail').id;
    const ids = generateBulkItems(emulator.store, address, folderId, ITEMS);

    emulator.control.resetCounters();
    let started = performance.now();
    let { cursor } = await drain(mailbox, folderId, undefined);
    lines.push(`initial sync of ${ITEMS} items (ids only): ${emulator.control.totalRequests('EWS ')} requests, ${Math.round(performance.now() - started)} ms`);

    let next = 0;
    for (const latency of [0, 20]) {
      for (const changes of [0, 10, 1000]) {
        // The user edits half of the changes and receives the other half as new mail.
        for (let i = 0; i < changes; i++) {
          if (i % 2 === 0) emulator.control.user.categorize(address, ids[next++ % ids.length], ['Blue category']);
          else emulator.control.user.deliverMessage(address, { from: { address: `bench${i}@customer.example` }, subject: `Bench ${i}` }, folderId);
        }
        emulator.control.setLatency(latency);
        emulator.control.resetCounters();
        started = performance.now();
        const round = await drain(mailbox, folderId, cursor);
        const messages = round.changed.length ? await mailbox.getMessages(round.changed) : [];
        const elapsed = Math.round(performance.now() - started);
        emulator.control.setLatency(0);
        if (messages.length !== changes) throw new Error(`expected ${changes} changed messages, fetched ${messages.length}`);
        cursor = round.cursor;
        const sync = emulator.control.requests('EWS SyncFolderItems');
        const get = emulator.control.requests('EWS GetItem');
        lines.push(`${String(changes).padStart(4)} changes, ${String(latency).padStart(2)} ms latency: ${sync + get} requests (${sync} SyncFolderItems + ${get} GetItem), ${elapsed} ms`);
      }
    }
    lines.push(`X-AnchorMailbox missing on ${emulator.control.missingAnchorMailbox} impersonated calls`);
  } finally {
    await mailbox.close();
    await emulator.close();
  }
  return lines;
}

if (require.main === module) {
  benchEws().then(
    (lines) => console.log(lines.join('\n')),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
