/**
 * The OAuth `state` of an Office 365 consent: sealed with the relay's key (AES-256-GCM, relay/secrets), so it carries
 * the PKCE verifier without anyone but the relay reading it and works on whichever relay instance the dialog's
 * requests reach. It is bound to the signed-in user who started it (finishing checks the caller's token against it),
 * short-lived (10 minutes by default) and single-use (a finished nonce is refused again by this process; Entra's
 * authorization code is single-use as well, which covers a replay that reaches another instance).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SecretBox } from '../secrets/secret-box';
import { SecretTamperedError } from '../secrets/secret-box';
import { ConsentStateError } from './types';

const STATE_CONTEXT = 'activation-consent-state:v1';

const PayloadSchema = z.strictObject({
  o: z.string(),
  u: z.string(),
  n: z.string().min(16),
  v: z.string().min(43).max(128),
  e: z.number().int(),
});

export interface ConsentState {
  organizationId: string;
  userId: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: number;
}

export function sealConsentState(box: SecretBox, state: ConsentState): string {
  const payload: z.infer<typeof PayloadSchema> = { o: state.organizationId, u: state.userId, n: state.nonce, v: state.codeVerifier, e: state.expiresAt };
  return box.seal(JSON.stringify(payload), STATE_CONTEXT);
}

/** Opens and checks the expiry; throws ConsentStateError for anything else than a live state the relay sealed. */
export function openConsentState(box: SecretBox, sealed: string, now: number): ConsentState {
  let payload: z.infer<typeof PayloadSchema>;
  try {
    payload = PayloadSchema.parse(JSON.parse(box.open(sealed, STATE_CONTEXT)));
  } catch (error) {
    if (error instanceof SecretTamperedError || error instanceof SyntaxError || error instanceof z.ZodError) throw new ConsentStateError('unknown sign-in request');
    throw error;
  }
  if (payload.e <= now) throw new ConsentStateError('the sign-in request expired');
  return { organizationId: payload.o, userId: payload.u, nonce: payload.n, codeVerifier: payload.v, expiresAt: payload.e };
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Nonces already finished in this process, kept until their state would have expired anyway. */
export class UsedNonces {
  private readonly used = new Map<string, number>();

  /** True the first time for a nonce; false when it was used before. */
  claim(nonce: string, expiresAt: number, now: number): boolean {
    for (const [key, until] of this.used) if (until <= now) this.used.delete(key);
    if (this.used.has(nonce)) return false;
    this.used.set(nonce, expiresAt);
    return true;
  }
}
