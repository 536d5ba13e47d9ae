/**
 * The child relay of the crash tests: test/sync/crash-relay.ts started as a process of its own, so it can be killed
 * with SIGKILL mid-session, with its JSON log lines collected.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface CrashRelay {
  child: ChildProcessWithoutNullStreams;
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const ROOT = path.resolve(__dirname, '../..');

export function startCrashRelay(env: Record<string, string>): CrashRelay {
  // tsx as a loader in this very process (not the tsx CLI, which runs the script in a child: SIGKILL would then hit
  // the wrapper and leave the relay running).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-relay.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, JEST_WORKER_ID: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then((code) => {
    if (code !== null && code !== 0) process.stderr.write(`crash relay exited ${code}: ${stderr}\n`);
  });
  return { child, logs, exited };
}

/** How many sessions the relay logged as ended with `outcome`. */
export const sessionsEnded = (relay: CrashRelay, outcome: string): number => relay.logs.filter((l) => l.msg === 'session ended' && l.outcome === outcome).length;
