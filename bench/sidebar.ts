/**
 * Sidebar bench: gzipped size of the task pane bundle, time from page load to the first record cards in headless
 * Chromium (median of several runs), and the relay's own time per save (Server-Timing: total minus waiting for C4C)
 * at 1 and at 20 concurrent saves.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { DEMO_USERS } from '../test/emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../test/helpers/sandbox-relay';
import { measureFirstRecords } from './sidebar-browser';

const DIST = path.resolve(__dirname, '..', 'dist', 'addin');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};

function bundleSizes(): string[] {
  if (!fs.existsSync(path.join(DIST, 'taskpane.html'))) {
    execFileSync('npx', ['webpack', '--mode', 'production'], { cwd: path.resolve(__dirname, '..'), stdio: 'ignore' });
  }
  const scripts = fs.readdirSync(DIST).filter((f) => f.endsWith('.js'));
  const html = fs.readFileSync(path.join(DIST, 'taskpane.html'), 'utf8');
  const used = scripts.filter((f) => html.includes(f));
  const raw = used.reduce((sum, f) => sum + fs.statSync(path.join(DIST, f)).size, 0);
  const gzipped = used.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(DIST, f)), { level: 9 }).length, 0);
  return [`task pane bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gzipped / 1024).toFixed(0)} KiB gzipped (${used.join(', ')})`];
}

async function saveOverhead(env: SandboxRelay, concurrency: number, rounds: number): Promise<string> {
  const token = await env.tokenFor(DEMO_USERS[0].oid);
  const relayMs: number[] = [];
  const c4cMs: number[] = [];
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        n += 1;
        const response = await fetch(`${env.url}/api/sidebar/emails`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            internetMessageId: `<bench-${concurrency}-${n}-${Date.now()}@bench.example>`,
            itemId: `AAMk${n}`,
            subject: `Bench ${n}`,
            sentAt: new Date().toISOString(),
            from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' },
            to: [{ address: DEMO_USERS[0].email }],
            cc: [],
            bodyHtml: '<p>bench</p>',
            includeAttachments: false,
          }),
        });
        if (response.status !== 201) throw new Error(`save answered ${response.status}: ${await response.text()}`);
        const timing = response.headers.get('server-timing') ?? '';
        const match = /c4c;dur=([0-9.]+), relay;dur=([0-9.]+)/.exec(timing);
        if (match) {
          c4cMs.push(Number(match[1]));
          relayMs.push(Number(match[2]));
        }
      }),
    );
  }
  return `save at ${String(concurrency).padStart(2)} concurrent: relay overhead median ${median(relayMs).toFixed(1)} ms, p95 ${percentile(relayMs, 95).toFixed(1)} ms; waiting for C4C median ${median(c4cMs).toFixed(1)} ms (${relayMs.length} saves)`;
}

export async function benchSidebar(): Promise<string[]> {
  const lines = bundleSizes();
  const env = await startSandboxRelay();
  try {
    const firstRecords = await measureFirstRecords(env.url, 5);
    lines.push(firstRecords);
    lines.push(await saveOverhead(env, 1, 20));
    lines.push(await saveOverhead(env, 20, 3));
  } finally {
    await env.close();
  }
  return lines;
}
