/**
 * The certificate an admin gives for Graph application access, checked with node:crypto before anything is stored:
 * a PEM X.509 certificate and an unencrypted RSA private key that belongs to it, valid now. Thumbprints are computed
 * here from the certificate (what Entra indexes it by), never taken from the request.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AdminValidationError } from './errors';

export interface CheckedCertificate {
  /** PKCS#8 PEM, whatever form (PKCS#1 / PKCS#8) it came in: msal-node documents `BEGIN PRIVATE KEY`. */
  privateKeyPem: string;
  thumbprintSha256: string;
  thumbprint: string;
  subject: string;
  notAfter: string;
}

const CERT_FIELD = 'certificate.certificatePem';
const KEY_FIELD = 'certificate.privateKeyPem';

function invalid(field: string, message: string, short: string): AdminValidationError {
  return new AdminValidationError(message, { [field]: short });
}

const hexOf = (fingerprint: string): string => fingerprint.replace(/:/g, '').toLowerCase();

export function checkGraphCertificate(input: { certificatePem: string; privateKeyPem: string }, now = new Date()): CheckedCertificate {
  const pems = input.certificatePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!pems) throw invalid(CERT_FIELD, 'The certificate must be PEM text (-----BEGIN CERTIFICATE----- …), e.g. the .cer / .crt file exported as Base-64.', 'Not a PEM certificate');
  let certificate: X509Certificate;
  try {
    // The first certificate is the app's own; a chain after it is allowed (what some exports contain) and ignored.
    certificate = new X509Certificate(pems[0]);
  } catch {
    throw invalid(CERT_FIELD, 'The certificate could not be read: the PEM text is damaged.', 'Damaged certificate');
  }
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(input.privateKeyPem)) {
    throw invalid(KEY_FIELD, 'The private key is protected by a passphrase. Export it without one (e.g. openssl pkey -in key.pem -out plain.pem); the relay encrypts it at rest.', 'Encrypted keys are not accepted');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(input.privateKeyPem);
  } catch {
    throw invalid(KEY_FIELD, 'The private key must be PEM text (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).', 'Not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(KEY_FIELD, `Entra ID certificate credentials for this relay need an RSA key; this one is ${key.asymmetricKeyType ?? 'unknown'}.`, 'RSA key required');
  }
  if (!certificate.checkPrivateKey(key)) {
    throw invalid(KEY_FIELD, 'The private key does not belong to this certificate. Give the key the certificate was created with.', 'Does not match the certificate');
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw invalid(CERT_FIELD, `The certificate expired on ${notAfter.toISOString()}. Create a new one, upload it to the app registration, and enter it here.`, 'Expired');
  }
  if (notBefore.getTime() > now.getTime()) {
    throw invalid(CERT_FIELD, `The certificate is valid only from ${notBefore.toISOString()}.`, 'Not valid yet');
  }
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: hexOf(certificate.fingerprint256),
    thumbprint: hexOf(certificate.fingerprint),
    subject: certificate.subject.split('\n').filter(Boolean).join(', '),
    notAfter: notAfter.toISOString(),
  };
}
