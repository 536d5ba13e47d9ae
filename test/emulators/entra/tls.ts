/**
 * TLS material for the emulator: a throw-away CA and a loopback server certificate signed by it. msal-node refuses
 * http authorities, so the emulator speaks HTTPS; clients trust it by adding `caPem` (never by disabling checks).
 */
import { generate } from 'selfsigned';

export interface LoopbackTls {
  /** The CA certificate clients add to their trust store. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateLoopbackTls(hostnames: readonly string[] = []): Promise<LoopbackTls> {
  const now = new Date();
  const notBeforeDate = new Date(now.getTime() - 60_000);
  const notAfterDate = new Date(now.getTime() + 7 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'Entra Emulator Test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const extraDns = hostnames.filter((h) => !/^[\d.:]+$/.test(h) && h !== 'localhost');
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          ...extraDns.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
