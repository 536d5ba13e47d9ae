/**
 * Graph backend: requests and time to fetch the changes of a 10,000-item mailbox folder since a cursor (delta pages
 * plus reading the changed messages through $batch), for 0, 10 and 1,000 changes, at 0 ms and 20 ms injected latency
 * per Graph operation (each $batch sub-request pays it too, as each is a mailbox operation server-side).
 */
import { openGraphMailbox } from '../relay/mailbox/graph';
import type { Mailbox } from '../relay/mailbox/types';
import { generateBulkItems } from '../test/emulators/exchange/demo-data';
import { startGraphTestbed } from '../test/emulators/exchange/graph/testbed';

const ITEMS = 10_000;
const CHANGES = [0, 10, 1000];
const LATENCIES = [0, 20];

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

export async function benchGraph(): Promise<string[]> {
  const lines: string[] = [];
  const bed = await startGraphTestbed();
  let httpRequests = 0;
  try {
    const address = bed.addMailbox('bench@contoso.example', 'Bench User');
    const mailbox = openGraphMailbox(address, bed.appAccess(), bed.options({ onRequest: () => (httpRequests += 1) }));
    const folder = bed.exchange.store.createFolder(address, bed.exchange.store.wellKnownFolder(address, 'msgfolderroot').id, 'Bench', 'mail');
    const ids = generateBulkItems(bed.exchange.store, address, folder.id, ITEMS);
    lines.push(`folder with ${ITEMS} messages; delta page size 100, $batch of 20, ≤ 4 requests in flight per mailbox`);

    const startedInitial = Date.now();
    let { cursor } = await drain(mailbox, folder.id, undefined);
    lines.push(`initial sync (ids only, 0 ms latency): ${httpRequests} HTTP requests, ${Date.now() - startedInitial} ms`);

    let offset = 0;
    for (const latency of LATENCIES) {
      bed.exchange.control.setLatency(latency);
      for (const count of CHANGES) {
        for (const id of ids.slice(offset, offset + count)) bed.exchange.control.user.categorize(address, id, ['Blue category']);
        offset += count;
        const httpBefore = httpRequests;
        const opsBefore = bed.exchange.control.totalRequests('GRAPH ');
        const started = Date.now();
        const result = await drain(mailbox, folder.id, cursor);
        cursor = result.cursor;
        const messages = result.changed.length > 0 ? await mailbox.getMessages(result.changed) : [];
        const ms = Date.now() - started;
        if (messages.length !== count) throw new Error(`expected ${count} changed messages, read ${messages.length}`);
        lines.push(
          `${String(count).padStart(4)} changes, ${String(latency).padStart(2)} ms latency: ${httpRequests - httpBefore} HTTP requests ` +
            `(${bed.exchange.control.totalRequests('GRAPH ') - opsBefore} Graph operations incl. batch sub-requests), ${ms} ms`,
        );
      }
    }
    lines.push(`max requests in flight on the mailbox: ${bed.state.maxConcurrentPerMailbox.get(address) ?? 0}; refused for concurrency: ${bed.state.concurrencyRejections}; largest batch: ${Math.max(0, ...bed.state.batchSizes)}`);
    await mailbox.close();
  } finally {
    await bed.close();
  }
  return lines;
}
