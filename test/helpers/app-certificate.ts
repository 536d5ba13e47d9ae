/**
 * A key pair and self-signed certificate for an Entra app registration's certificate credential, generated per test
 * with selfsigned (RSA 2048, SHA-256; the key as PKCS#8 PEM), like `openssl req -x509 -newkey rsa:2048` would make.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface AppCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Hex, lower case. */
  thumbprintSha256: string;
  thumbprintSha1: string;
}

export async function generateAppCertificate(options: { commonName?: string; notBefore?: Date; notAfter?: Date } = {}): Promise<AppCertificate> {
  const notBeforeDate = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfterDate = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const pems = await generate([{ name: 'commonName', value: options.commonName ?? 'C4C relay Graph access' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [{ name: 'keyUsage', digitalSignature: true, critical: true }],
  });
  const raw = new X509Certificate(pems.cert).raw;
  return {
    certificatePem: pems.cert,
    privateKeyPem: pems.private,
    thumbprintSha256: createHash('sha256').update(raw).digest('hex'),
    thumbprintSha1: createHash('sha1').update(raw).digest('hex'),
  };
}
