/**
 * Browser tests need the add-in bundle in dist/addin. Builds it with webpack when it is missing or older than any
 * source under addin/ or shared/ (so a second test run does not pay for the build again).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'addin');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureAddinBuilt(): string {
  const marker = path.join(DIST, 'taskpane.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'addin')), newestMtime(path.join(ROOT, 'shared')), fs.statSync(path.join(ROOT, 'webpack.config.js')).mtimeMs);
  if (!fs.existsSync(marker) || fs.statSync(marker).mtimeMs < sources) {
    execFileSync(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '--mode', 'production'], { cwd: ROOT, stdio: 'pipe' });
  }
  return DIST;
}
