/**
 * Bench of the C4C client's hot paths against the loopback emulator (demo tenant), at 0 ms and 50 ms of injected
 * latency per HTTP request (50 ms ≈ a European relay talking to a C4C data centre):
 *  - the initial search of 10 addresses (one `$batch` round trip),
 *  - creating 100 E-Mail activities, each a deep insert with one recipient and one note, sequentially and with
 *    5 in flight, through `createIdempotent` (the path the sidebar and the sync use).
 * HTTP request counts come from the emulator's counters, not from the client.
 */
import { performance } from 'node:perf_hooks';
import { C4cClient, initialSearch, type EMailCreate } from '../relay/c4c';
import { DEMO_C4C_PEOPLE, startC4cEmulator, type C4cEmulator } from '../test/emulators/c4c';

interface Measurement {
  label: string;
  operations: number;
  requests: number;
  totalMs: number;
}

const SEARCH_ADDRESSES = [
  ...DEMO_C4C_PEOPLE.filter((p) => p.kind !== 'employee').slice(0, 8).map((p) => p.email),
  DEMO_C4C_PEOPLE.find((p) => p.kind === 'employee')!.email,
  'nobody@unknown-domain.example',
];

function emailBody(run: string, n: number): EMailCreate {
  return {
    Subject: `Bench mail ${n}`,
    GroupwareItemID: `<bench-${run}-${n}@relay.example>`,
    DateTime: new Date(Date.UTC(2025, 0, 1, 9, 0, n)).toISOString(),
    Direction: '2',
    TransmissionStatusCode: '3',
    DataOriginTypeCode: '2',
    MessageFromEmailURI: 'katrin.hoffmann@nordwind-maschinenbau.example',
    MessageFromName: 'Katrin Hoffmann',
    EMailToRecipients: [{ MessageToEmailID: 'anna.berger@contoso.example', MessageToName: 'Anna Berger' }],
    EMailNotes: [{ TypeCode: '10002', Text: `<p>Bench body ${n}</p>` }],
  };
}

async function measure(emulator: C4cEmulator, label: string, operations: number, work: () => Promise<void>): Promise<Measurement> {
  emulator.control.resetCounters();
  const started = performance.now();
  await work();
  const totalMs = performance.now() - started;
  return { label, operations, requests: emulator.control.counters().total, totalMs };
}

async function createMany(client: C4cClient, run: string, count: number, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      const body = emailBody(run, n);
      const result = await client.createIdempotent('EMailCollection', body, {
        findExisting: () => client.findOneBy('EMailCollection', 'GroupwareItemID', body.GroupwareItemID!),
      });
      if (!result.created) throw new Error(`bench create ${n} was not created`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

function format(m: Measurement): string {
  const perOp = m.totalMs / m.operations;
  return `${m.label.padEnd(46)} ${String(m.requests).padStart(4)} HTTP requests (${(m.requests / m.operations).toFixed(2)}/op)   ${perOp.toFixed(1).padStart(7)} ms/op   ${m.totalMs.toFixed(0).padStart(6)} ms total`;
}

export async function benchC4c(): Promise<string[]> {
  const emulator = await startC4cEmulator({ seedDemo: true });
  const client = new C4cClient({
    serviceRoot: emulator.serviceRoot,
    auth: { kind: 'basic', username: 'sandbox', password: 'sandbox' },
    timeoutMs: 10_000,
  });
  const lines: string[] = [`emulator ${emulator.serviceRoot}, demo tenant; search of ${SEARCH_ADDRESSES.length} addresses`];
  try {
    // Warm-up: TCP connection, CSRF token, JIT. Not measured.
    await client.fetchCsrfToken();
    const warm = await initialSearch(client, SEARCH_ADDRESSES);
    const found = warm.addresses.filter((a) => a.found || a.isEmployee).length;
    lines.push(`initial search found ${found} of ${SEARCH_ADDRESSES.length} addresses; suggestion: ${warm.suggestion.mainContact?.name ?? '-'} / ${warm.suggestion.mainAccount?.name ?? '-'}`);

    for (const latency of [0, 50]) {
      emulator.control.setLatency(latency);
      const searches = latency === 0 ? 20 : 10;
      const results: Measurement[] = [];
      results.push(
        await measure(emulator, `initial search (10 addresses) @${latency} ms`, searches, async () => {
          for (let i = 0; i < searches; i += 1) await initialSearch(client, SEARCH_ADDRESSES);
        }),
      );
      results.push(
        await measure(emulator, `100 E-Mail deep inserts, sequential @${latency} ms`, 100, () => createMany(client, `seq${latency}`, 100, 1)),
      );
      results.push(
        await measure(emulator, `100 E-Mail deep inserts, 5 in flight @${latency} ms`, 100, () => createMany(client, `par${latency}`, 100, 5)),
      );
      lines.push(...results.map(format));
    }
    const stored = emulator.control.list('EMailCollection').filter((e) => String(e.GroupwareItemID).startsWith('<bench-'));
    lines.push(`E-Mail activities stored: ${stored.length} (expected 400, no duplicates)`);
    if (stored.length !== 400) throw new Error(`expected 400 bench e-mails, found ${stored.length}`);
  } finally {
    client.close();
    await emulator.close();
  }
  return lines;
}

if (require.main === module) {
  benchC4c()
    .then((lines) => {
      for (const line of lines) process.stdout.write(`${line}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
