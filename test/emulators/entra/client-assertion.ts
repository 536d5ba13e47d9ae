/**
 * Certificate credentials (private_key_jwt, RFC 7523 / Microsoft identity platform "certificate credentials"): the
 * client sends `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a JWT signed with
 * the private key of a certificate uploaded to its app registration. The header names the certificate by thumbprint
 * (`x5t#S256` = base64url SHA-256 of the DER, or the legacy `x5t` = SHA-1); `aud` is the token endpoint, `iss` and
 * `sub` are the client id, `exp` / `nbf` bound it in time (with Entra's clock-skew tolerance), `jti` must be present.
 * Like Entra, the same assertion is accepted again while it is valid: msal-node itself reuses its signed assertion for
 * every token request of its 10-minute lifetime, so a single-use `jti` would break the real client. Errors are the
 * AADSTS codes Entra answers for each case.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { EntraError } from './errors';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A certificate of an app registration (keyCredentials), with the thumbprints Entra indexes it by. */
export interface RegisteredCertificate {
  pem: string;
  x5t: string;
  x5tS256: string;
  notBefore: Date;
  notAfter: Date;
  certificate: X509Certificate;
}

export function registeredCertificate(pem: string): RegisteredCertificate {
  const certificate = new X509Certificate(pem);
  return {
    pem,
    certificate,
    x5t: createHash('sha1').update(certificate.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(certificate.raw).digest('base64url'),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

const clientAssertionError = (code: number, description: string) => new EntraError(401, 'invalid_client', code, description);

const invalidSignature = (reason: string, thumbprint: string, clientId: string) =>
  clientAssertionError(
    700027,
    `Client assertion contains an invalid signature. [Reason - ${reason}, Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
  );

const entraTime = (sec: number): string => new Date(sec * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function hexThumbprint(base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex').toUpperCase();
}

/**
 * Verifies a client assertion for `clientId` against the app's certificates. `audiences`: the token endpoint URLs
 * the assertion may name (the authority segment as sent and the tenant id it resolves to).
 */
export async function verifyClientAssertion(
  input: { assertion: string; assertionType: string | undefined; clientId: string; audiences: string[] },
  certificates: readonly RegisteredCertificate[],
): Promise<void> {
  if (input.assertionType !== JWT_BEARER_ASSERTION_TYPE) {
    throw new EntraError(400, 'invalid_request', 700023, `Client assertion type '${input.assertionType ?? ''}' is not supported; use '${JWT_BEARER_ASSERTION_TYPE}'.`);
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(input.assertion);
  } catch {
    throw new EntraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  }
  const s256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  if (!s256 && !sha1) throw new EntraError(401, 'invalid_client', 700027, "Client assertion contains an invalid signature. [Reason - The key was not found., The header has neither 'x5t' nor 'x5t#S256'.]");
  const presented = hexThumbprint((s256 ?? sha1) as string);
  const registered = certificates.find((c) => (s256 ? c.x5tS256 === s256 : c.x5t === sha1));
  if (!registered) throw invalidSignature('The key was not found.', presented, input.clientId);
  // Entra looks keys up among the credentials valid now, so an expired certificate is "not found".
  const now = Date.now();
  if (registered.notAfter.getTime() < now || registered.notBefore.getTime() > now) {
    throw invalidSignature(`The key was not found. (Found key 'Start=${registered.notBefore.toISOString()}, End=${registered.notAfter.toISOString()}' outside its validity)`, presented, input.clientId);
  }

  try {
    await jwtVerify(input.assertion, registered.certificate.publicKey, {
      // SHA-256 thumbprints come with PS256 (msal-node), SHA-1 with RS256; Entra accepts both families.
      algorithms: ['RS256', 'PS256'],
      audience: input.audiences,
      issuer: input.clientId,
      subject: input.clientId,
      requiredClaims: ['exp', 'nbf', 'jti'],
      // Entra tolerates clock skew (msal-node rounds `nbf` to the nearest second, so it can lie just ahead).
      clockTolerance: 300,
    });
  } catch (error) {
    if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JOSEAlgNotAllowed) {
      throw invalidSignature('The provided signature value did not match the expected signature value.', presented, input.clientId);
    }
    if (error instanceof joseErrors.JWTExpired || (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf')) {
      const payload = error.payload;
      throw clientAssertionError(
        700024,
        `Client assertion is not within its valid time range. Current time: ${entraTime(Date.now() / 1000)}, assertion valid from ${typeof payload.nbf === 'number' ? entraTime(payload.nbf) : 'unknown'}, expiry time of assertion ${typeof payload.exp === 'number' ? entraTime(payload.exp) : 'unknown'}.`,
      );
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
      throw clientAssertionError(700023, `Client assertion audience claim does not match Realm issuer. Expected one of: ${input.audiences.join(', ')}.`);
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === 'iss' || error.claim === 'sub')) {
      throw clientAssertionError(700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    }
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      throw new EntraError(400, 'invalid_request', 50027, `JWT token is invalid or malformed. The assertion lacks the '${error.claim}' claim.`);
    }
    throw new EntraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  }
}
