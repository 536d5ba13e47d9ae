/**
 * `npm run bench`: speed and request counts of the hot paths, measured against the loopback emulators.
 * Each section is a module exporting an async function that returns the lines to print; a failing section is
 * reported and the others still run.
 */
import path from 'node:path';
import fs from 'node:fs';

interface Section {
  title: string;
  module: string;
  exportName: string;
}

const sections: Section[] = [
  { title: 'C4C: initial search and E-Mail creation', module: './c4c', exportName: 'benchC4c' },
  { title: 'Sidebar: bundle size, first records, relay overhead per save', module: './sidebar', exportName: 'benchSidebar' },
  { title: 'Mailbox changes over EWS', module: './mailbox-ews', exportName: 'benchEws' },
  { title: 'Mailbox changes over Graph', module: './mailbox-graph', exportName: 'benchGraph' },
  { title: 'Sync engine: idle sessions, throughput of one relay process, C4C requests per saved email, naive baseline', module: './sync', exportName: 'benchSync' },
  { title: 'Admin: CSV import of 10,000 rows, access check of 1,000 users', module: './admin', exportName: 'benchAdmin' },
  { title: 'Mirroring: first mirroring of 10,000 contacts at 20 ms, an incremental session with 10 changes, naive full-compare baseline', module: './mirror', exportName: 'benchMirror' },
  { title: 'Push: categorize → C4C record latency with Graph notifications and EWS streaming (200 changes, 100 mailboxes, 20 ms)', module: './push', exportName: 'benchPush' },
  { title: 'Load: saves/s and latency of the relay alone at 50-400/s offered, back-pressure, RSS (emulators in their own process)', module: './load', exportName: 'benchLoad' },
];

async function main(): Promise<void> {
  const only = process.argv[2];
  let failed = false;
  for (const section of sections) {
    if (only && !section.module.includes(only)) continue;
    process.stdout.write(`\n## ${section.title}\n`);
    const file = path.resolve(__dirname, `${section.module}.ts`);
    if (!fs.existsSync(file)) {
      process.stdout.write('  (not available in this build)\n');
      continue;
    }
    try {
      const mod = (await import(file)) as Record<string, () => Promise<string[]>>;
      const lines = await mod[section.exportName]();
      for (const line of lines) process.stdout.write(`  ${line}\n`);
    } catch (error) {
      failed = true;
      process.stdout.write(`  FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
