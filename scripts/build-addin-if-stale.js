#!/usr/bin/env node
/**
 * Builds the add-in (webpack, production) into dist/addin only when it is stale: no bundle yet, or a source newer than
 * the last build. `npm start` and the browser tests both use this rule, so neither pays webpack's ~20 s for nothing.
 *
 *   node scripts/build-addin-if-stale.js           build if stale
 *   node scripts/build-addin-if-stale.js --force   build anyway (`npm run build:addin`)
 *
 * Freshness is a stamp written after a successful build, not the bundle's own mtime: webpack does not rewrite an output
 * whose content did not change (`output.compareBeforeEmit`), so a touched but unchanged source would otherwise look
 * newer than the bundle forever. `output.clean` deletes the stamp whenever webpack builds without this script.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist', 'addin');
const STAMP = path.join(DIST, '.build-stamp');
const OUTPUTS = ['taskpane.html', 'commands.html', 'sandbox.html', 'admin.html'];
// Everything the bundle is made from: its code, the shared contracts, the build configuration and the locked versions.
const SOURCES = ['addin', 'shared', 'webpack.config.js', 'tsconfig.json', 'package-lock.json'];
const LOCK = path.join(ROOT, 'dist', '.addin-build.lock');

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes only its folder's mtime
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Why the bundle must be built, or undefined when it is up to date. */
function staleReason(root = ROOT) {
  const dist = path.join(root, 'dist', 'addin');
  const missing = OUTPUTS.find((name) => !fs.existsSync(path.join(dist, name)));
  if (missing) return `dist/addin/${missing} is missing`;
  const stamp = path.join(dist, '.build-stamp');
  if (!fs.existsSync(stamp)) return 'no record of a complete build';
  const built = fs.statSync(stamp).mtimeMs;
  const changed = SOURCES.find((source) => newestMtime(path.join(root, source)) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function lockIsAbandoned() {
  try {
    return !alive(Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8')));
  } catch {
    // No pid yet: the holder is between creating the lock and writing its pid, or died right there.
    try {
      return Date.now() - fs.statSync(LOCK).mtimeMs > 10_000;
    } catch {
      return false; // released meanwhile
    }
  }
}

/** One build at a time across processes (parallel test workers, a start during a test run); a dead holder's lock is taken over. */
function withLock(fn) {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (lockIsAbandoned()) fs.rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another add-in build (${LOCK}) has not finished in 10 minutes`, { cause: error });
      else sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds unless up to date; returns what it did. `stdio: 'inherit'` shows webpack's output (npm start); the default
 * keeps it and puts it in the error if the build fails (tests).
 */
function buildAddinIfStale({ force = false, stdio = 'pipe', log = () => undefined } = {}) {
  return withLock(() => {
    // Checked under the lock: the previous holder may just have built it.
    const reason = force ? 'build requested' : staleReason();
    if (!reason) return { built: false };
    log(`building the add-in (${reason})…`);
    fs.rmSync(STAMP, { force: true });
    const started = Date.now();
    const result = spawnSync(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '--mode', 'production'], { cwd: ROOT, stdio, encoding: 'utf8' });
    if (result.status !== 0) {
      const output = stdio === 'inherit' ? '' : `\n${result.stdout ?? ''}${result.stderr ?? ''}`;
      throw new Error(`webpack failed (${result.error ? result.error.message : `exit ${result.status ?? result.signal}`})${output}`);
    }
    fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
    return { built: true, reason, ms: Date.now() - started };
  });
}

module.exports = { buildAddinIfStale, staleReason, DIST };

if (require.main === module) {
  try {
    const force = process.argv.includes('--force');
    const result = buildAddinIfStale({ force, stdio: 'inherit', log: (line) => process.stderr.write(`${line}\n`) });
    process.stderr.write(result.built ? `add-in built in ${(result.ms / 1000).toFixed(1)} s\n` : 'add-in bundle is up to date\n');
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
