#!/usr/bin/env node
/**
 * `npm run emulators`: the sandbox emulators (C4C, Exchange, Entra ID) with demo data in their own process
 * (relay/sandbox/emulators-process.ts, through tsx's loader). `npm run emulators -- provision <relay url>` creates the
 * demo users in a relay started with the printed environment. Run as `exec node scripts/emulators.js` so signals
 * reach this process; they are passed on to the emulators, whose exit code this process exits with.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const child = spawn(process.execPath, ['--import', 'tsx', path.join('relay', 'sandbox', 'emulators-process.ts'), ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  });
}
child.on('error', (error) => {
  process.stderr.write(`could not start the emulators: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1)));
