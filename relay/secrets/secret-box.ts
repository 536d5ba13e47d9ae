/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV per message.
 *
 * Sealed format (ASCII, safe in a text column): `v1.<iv base64>.<tag base64>.<ciphertext base64>`.
 * The version prefix leaves room for a later key rotation or algorithm change without guessing formats.
 *
 * Optional associated data binds a ciphertext to its context (the relay passes the organization id), so a sealed
 * value copied into another organization's row fails to open instead of leaking that organization's password.
 */
import crypto from 'node:crypto';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SecretTamperedError extends Error {
  constructor(reason: string) {
    // The reason never includes the sealed value or any part of the plaintext.
    super(`sealed secret cannot be opened: ${reason}`);
    this.name = 'SecretTamperedError';
  }
}

export interface SecretBox {
  seal(plaintext: string, associatedData?: string): string;
  /** Throws SecretTamperedError when the value was modified, truncated, sealed under another key or context. */
  open(sealed: string, associatedData?: string): string;
}

function decodeBase64(part: string, what: string): Buffer {
  if (!BASE64.test(part) || part.length % 4 !== 0) throw new SecretTamperedError(`malformed ${what}`);
  const bytes = Buffer.from(part, 'base64');
  // Base64 decoding ignores the unused low bits of the last character; insisting on the canonical encoding makes
  // every change to the sealed text detectable, not only the changes that alter the decoded bytes.
  if (bytes.toString('base64') !== part) throw new SecretTamperedError(`non-canonical ${what}`);
  return bytes;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES) throw new Error(`secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
  // Own copy: later changes to the caller's buffer must not change (or reveal) our key.
  const ownKey = Buffer.from(key);

  return {
    seal(plaintext, associatedData) {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64'), tag.toString('base64'), ciphertext.toString('base64')].join('.');
    },

    open(sealed, associatedData) {
      if (typeof sealed !== 'string') throw new SecretTamperedError('not a string');
      const parts = sealed.split('.');
      if (parts.length !== 4) throw new SecretTamperedError('wrong number of parts');
      const [version, ivPart, tagPart, ciphertextPart] = parts;
      if (version !== VERSION) throw new SecretTamperedError('unknown format version');
      const iv = decodeBase64(ivPart, 'iv');
      const tag = decodeBase64(tagPart, 'tag');
      const ciphertext = decodeBase64(ciphertextPart, 'ciphertext');
      if (iv.length !== IV_BYTES) throw new SecretTamperedError('wrong iv length');
      // A short tag would weaken authentication; GCM in Node accepts them unless the length is pinned.
      if (tag.length !== TAG_BYTES) throw new SecretTamperedError('wrong tag length');
      const decipher = crypto.createDecipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretTamperedError('authentication failed (modified, wrong key or wrong context)');
      }
    },
  };
}
