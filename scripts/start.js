#!/usr/bin/env node
/**
 * `npm start`: builds the add-in if it is stale, then runs the relay (relay/main.ts through tsx's in-process loader)
 * and stops it gracefully when the start is stopped, exiting with the relay's exit code.
 *
 * The script is run as `exec node scripts/start.js` so npm's shell is replaced by this process: npm passes SIGTERM /
 * SIGINT to its direct child only, and a shell in between would die of the signal and leave the relay running.
 * Should a shell stay in between anyway (another `script-shell`), the parent watch below notices it is gone.
 */
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { setInterval } = require('node:timers');

const ROOT = path.resolve(__dirname, '..');
// Taken first thing: once the parent is gone, process.ppid already names whoever adopted this process.
const parent = process.ppid;

/** The step running now: the add-in build, then the relay. */
let current;
let signals = 0;

function stop(signal) {
  signals += 1;
  if (!current || current.exitCode !== null || current.signalCode !== null) return;
  if (current.building) {
    // webpack runs in the build's own process group: end all of it, not only the node process on top.
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    return;
  }
  // Passed on once: a Ctrl-C reaches this process twice (from the terminal and forwarded by npm) and the relay too;
  // the relay bounds its own stop (SHUTDOWN_TIMEOUT_MS).
  if (signals === 1) current.kill(signal);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGHUP', () => stop('SIGTERM'));
setInterval(() => {
  if (process.ppid !== parent && signals === 0) stop('SIGTERM');
}, 500).unref();

function exitCodeOf(code, signal) {
  return code ?? 128 + (os.constants.signals[signal] ?? 0);
}

// In a child, not in this process, so a stop during the ~20 s build is handled at once.
const build = spawn(process.execPath, [path.join(__dirname, 'build-addin-if-stale.js')], { cwd: ROOT, stdio: 'inherit', detached: true });
build.building = true;
current = build;
build.on('error', (error) => {
  process.stderr.write(`could not build the add-in: ${error.message}\n`);
  process.exit(1);
});
build.on('exit', (code, signal) => {
  if (signals > 0) process.exit(0); // stopped before the relay started: nothing to shut down
  if (code !== 0) process.exit(exitCodeOf(code, signal));
  startRelay();
});

function startRelay() {
  // The IPC channel is the relay's lifeline: if this launcher dies without a word (SIGKILL), the channel closes and
  // the relay shuts down instead of running on unsupervised (relay/main.ts).
  const relay = spawn(process.execPath, ['--import', 'tsx', path.join('relay', 'main.ts')], { cwd: ROOT, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  current = relay;
  relay.on('error', (error) => {
    process.stderr.write(`could not start the relay: ${error.message}\n`);
    process.exit(1);
  });
  relay.on('exit', (code, signal) => process.exit(exitCodeOf(code, signal)));
}
