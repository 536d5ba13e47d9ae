import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecretBox, loadSecretKey, SecretKeyError, SecretTamperedError } from '../../relay/secrets';

const key = crypto.randomBytes(32);

function recordingLogger() {
  const warnings: Array<{ details: Record<string, unknown>; message: string }> = [];
  return { warnings, warn: (details: Record<string, unknown>, message: string) => warnings.push({ details, message }) };
}

describe('SecretBox (AES-256-GCM)', () => {
  const box = createSecretBox(key);

  it('round-trips text, including unicode and the empty string', () => {
    for (const plaintext of ['hunter2', 'pässwörd 🔑 with spaces', '', 'x'.repeat(5000)]) {
      expect(box.open(box.seal(plaintext))).toBe(plaintext);
    }
  });

  it('uses the versioned format with a fresh 12-byte IV each time, never containing the plaintext', () => {
    const a = box.seal('same secret');
    const b = box.seal('same secret');
    expect(a).not.toBe(b);
    const [version, iv, tag, ciphertext] = a.split('.');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(ciphertext, 'base64')).toHaveLength('same secret'.length);
    expect(a).not.toContain('same secret');
    expect(a).not.toContain(Buffer.from('same secret').toString('base64'));
  });

  it('detects a change of any single character of the sealed value', () => {
    const sealed = box.seal('correct horse battery staple');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let checked = 0;
    for (let i = 0; i < sealed.length; i += 1) {
      if (sealed[i] === '.') continue;
      const replacement = alphabet[(alphabet.indexOf(sealed[i]) + 1) % alphabet.length] ?? 'A';
      const tampered = sealed.slice(0, i) + replacement + sealed.slice(i + 1);
      expect(() => box.open(tampered)).toThrow(SecretTamperedError);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('rejects truncation, reordering, a foreign key, an unknown version and garbage', () => {
    const sealed = box.seal('secret');
    const [v, iv, tag, ct] = sealed.split('.');
    const cases = [
      sealed.slice(0, -4),
      [v, iv, ct, tag].join('.'),
      [v, iv, tag].join('.'),
      ['v2', iv, tag, ct].join('.'),
      [v, iv, tag.slice(0, 8), ct].join('.'),
      'not a sealed value',
      '',
    ];
    for (const value of cases) expect(() => box.open(value)).toThrow(SecretTamperedError);
    expect(() => createSecretBox(crypto.randomBytes(32)).open(sealed)).toThrow(SecretTamperedError);
  });

  it('binds a value to its associated data (an organization id): it does not open in another context', () => {
    const sealed = box.seal('org A password', 'org-a');
    expect(box.open(sealed, 'org-a')).toBe('org A password');
    expect(() => box.open(sealed, 'org-b')).toThrow(SecretTamperedError);
    expect(() => box.open(sealed)).toThrow(SecretTamperedError);
  });

  it('does not put the secret or the key into error messages', () => {
    const sealed = box.seal('topsecret');
    try {
      box.open(`${sealed}x`);
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(SecretTamperedError);
      expect(String((error as Error).message)).not.toContain(sealed);
      expect(String((error as Error).message)).not.toContain(key.toString('base64'));
    }
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => createSecretBox(crypto.randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loadSecretKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-secret-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes RELAY_SECRET_KEY (base64 of 32 bytes) and writes no file', () => {
    const logger = recordingLogger();
    const loaded = loadSecretKey({ envValue: key.toString('base64'), sandbox: false, dataDir, logger });
    expect(loaded.equals(key)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(logger.warnings).toEqual([]);
  });

  it('rejects a wrong length or format with an error naming RELAY_SECRET_KEY and not echoing the value', () => {
    const logger = recordingLogger();
    const short = crypto.randomBytes(16).toString('base64');
    for (const envValue of [short, 'not base64 at all!', crypto.randomBytes(32).toString('hex')]) {
      let caught: unknown;
      try {
        loadSecretKey({ envValue, sandbox: true, dataDir, logger });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SecretKeyError);
      expect((caught as Error).message).toContain('RELAY_SECRET_KEY');
      expect((caught as Error).message).not.toContain(envValue);
    }
    // A bad configured key is an error even in sandbox mode, never silently replaced by a generated one.
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
  });

  it('requires RELAY_SECRET_KEY outside sandbox mode', () => {
    expect(() => loadSecretKey({ sandbox: false, dataDir, logger: recordingLogger() })).toThrow(
      'RELAY_SECRET_KEY is required outside sandbox mode',
    );
    expect(() => loadSecretKey({ envValue: '', sandbox: false, dataDir, logger: recordingLogger() })).toThrow(SecretKeyError);
  });

  it('in sandbox mode generates <dataDir>/secret.key with mode 0600, warns, and reuses it next time', () => {
    const logger = recordingLogger();
    const nested = path.join(dataDir, 'not-yet-created');
    const first = loadSecretKey({ sandbox: true, dataDir: nested, logger });
    expect(first).toHaveLength(32);
    const file = path.join(nested, 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0].message).toMatch(/generated/);
    expect(JSON.stringify(logger.warnings)).not.toContain(first.toString('base64'));

    const second = loadSecretKey({ sandbox: true, dataDir: nested, logger });
    expect(second.equals(first)).toBe(true);
    expect(logger.warnings).toHaveLength(2);

    // The reused key opens what the first one sealed: restarts keep sandbox secrets readable.
    const sealed = createSecretBox(first).seal('demo password');
    expect(createSecretBox(second).open(sealed)).toBe('demo password');
  });

  it('tightens a key file that became readable by others', () => {
    const logger = recordingLogger();
    loadSecretKey({ sandbox: true, dataDir, logger });
    const file = path.join(dataDir, 'secret.key');
    fs.chmodSync(file, 0o644);
    loadSecretKey({ sandbox: true, dataDir, logger });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rejects a corrupted sandbox key file instead of generating a new key over it', () => {
    const file = path.join(dataDir, 'secret.key');
    fs.writeFileSync(file, 'garbage', { mode: 0o600 });
    expect(() => loadSecretKey({ sandbox: true, dataDir, logger: recordingLogger() })).toThrow(SecretKeyError);
    expect(fs.readFileSync(file, 'utf8')).toBe('garbage');
  });
});
