/**
 * Where the encryption key comes from.
 *
 * Production: `RELAY_SECRET_KEY`, 32 random bytes in base64 (`openssl rand -base64 32`). Missing → start-up fails:
 * a relay that silently invented a key would write secrets nobody can decrypt after the next deploy.
 * Sandbox: a key is generated once into `<dataDir>/secret.key` (mode 0600) and reused, with a warning, so a
 * newcomer's `npm start` works and the sandbox data stays readable across restarts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SECRET_KEY_BYTES } from './secret-box';

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** The part of a pino logger this module uses. */
export interface WarnLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface LoadSecretKeyOptions {
  envValue?: string;
  sandbox: boolean;
  dataDir: string;
  logger: WarnLogger;
}

export const SANDBOX_KEY_FILE = 'secret.key';

export function decodeKey(value: string, source: string): Buffer {
  const trimmed = value.trim();
  // Only the shape and length are reported, never the value.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new SecretKeyError(`${source} must be base64 (32 random bytes, e.g. \`openssl rand -base64 32\`)`);
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretKeyError(`${source} must decode to ${SECRET_KEY_BYTES} bytes, got ${key.length} (use \`openssl rand -base64 32\`)`);
  }
  return key;
}

export function loadSecretKey(options: LoadSecretKeyOptions): Buffer {
  const envValue = options.envValue?.trim() ? options.envValue : undefined;
  if (envValue !== undefined) return decodeKey(envValue, 'RELAY_SECRET_KEY');
  if (!options.sandbox) throw new SecretKeyError('RELAY_SECRET_KEY is required outside sandbox mode');

  const file = path.join(options.dataDir, SANDBOX_KEY_FILE);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const fresh = crypto.randomBytes(SECRET_KEY_BYTES);
  try {
    // 'wx' fails when the file exists, so two processes starting at once cannot overwrite each other's key.
    fs.writeFileSync(file, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    options.logger.warn({ file }, 'sandbox: generated a new secret key; set RELAY_SECRET_KEY outside the sandbox');
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = decodeKey(fs.readFileSync(file, 'utf8'), file);
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    fs.chmodSync(file, 0o600);
  }
  options.logger.warn({ file }, 'sandbox: using the generated secret key; set RELAY_SECRET_KEY outside the sandbox');
  return key;
}
