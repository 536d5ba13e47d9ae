/** The consent state on its own: sealed, bound to its context, short-lived, single-use per process. */
import { randomBytes } from 'node:crypto';
import { newNonce, openConsentState, sealConsentState, UsedNonces } from '../../relay/activation/consent-state';
import { createSecretBox } from '../../relay/secrets';

const box = createSecretBox(randomBytes(32));
const verifier = 'v'.repeat(43);
const state = { organizationId: 'org-1', userId: 'user-1', nonce: newNonce(), codeVerifier: verifier, expiresAt: 1_000_000 };

it('opens what it sealed before the expiry, and hides the verifier', () => {
  const sealed = sealConsentState(box, state);
  expect(sealed).not.toContain(verifier);
  expect(openConsentState(box, sealed, 999_999)).toEqual(state);
});

it('refuses an expired state, another key\'s state and a modified one', () => {
  const sealed = sealConsentState(box, state);
  expect(() => openConsentState(box, sealed, 1_000_000)).toThrow(/expired/);
  expect(() => openConsentState(createSecretBox(randomBytes(32)), sealed, 0)).toThrow(/unknown sign-in request/);
  expect(() => openConsentState(box, `${sealed.slice(0, -2)}xx`, 0)).toThrow(/unknown sign-in request/);
  // A value sealed for another purpose (a stored password) is no state.
  expect(() => openConsentState(box, box.seal(JSON.stringify({ o: 'a', u: 'b', n: 'x'.repeat(20), v: verifier, e: 2e6 })), 0)).toThrow(/unknown sign-in request/);
});

it('lets each nonce finish once, and forgets nonces whose state expired', () => {
  const used = new UsedNonces();
  expect(used.claim('n1', 100, 0)).toBe(true);
  expect(used.claim('n1', 100, 50)).toBe(false);
  expect(used.claim('n2', 300, 150)).toBe(true);
  expect(used.claim('n1', 400, 200)).toBe(true);
});
