/**
 * The emulator's token signing keys. Like Entra, it publishes every key that may still have signed a live token
 * and signs with exactly one; rotation adds a key that did not appear in the JWKS before, so validators must
 * re-fetch the JWKS on an unknown `kid`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
  createdAt: Date;
}

export interface PublishedJwk extends JWK {
  kid: string;
  kty: string;
  use: 'sig';
  issuer: string;
}

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  // Entra key ids look like base64url thumbprints; a hash of a random id gives the same look without meaning.
  const kid = createHash('sha256').update(randomUUID()).digest('base64url').slice(0, 27);
  return { kid, privateKey, publicJwk, createdAt: new Date() };
}

export class SigningKeyRing {
  private keys: SigningKey[] = [];

  static async create(): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing();
    ring.keys.push(await createSigningKey());
    return ring;
  }

  /** The key that signs new tokens (always the newest). */
  get active(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  get kids(): string[] {
    return this.keys.map((k) => k.kid);
  }

  /**
   * Adds a fresh key and makes it the signer. With `retirePrevious` the older keys vanish from the JWKS, so
   * tokens they signed stop validating (an emergency rotation); otherwise they stay published (a routine one).
   */
  async rotate(options: { retirePrevious?: boolean } = {}): Promise<SigningKey> {
    const next = await createSigningKey();
    this.keys = options.retirePrevious ? [next] : [...this.keys, next];
    return next;
  }

  jwks(issuer: string): { keys: PublishedJwk[] } {
    return {
      keys: this.keys.map((k) => ({ ...k.publicJwk, kty: k.publicJwk.kty ?? 'RSA', use: 'sig' as const, kid: k.kid, alg: 'RS256', issuer })),
    };
  }

  /** A key that is never published: tokens signed with it under a real `kid` must fail signature checks. */
  static async unpublished(): Promise<SigningKey> {
    return createSigningKey();
  }
}
