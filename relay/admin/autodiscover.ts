/**
 * EWS URL from an address through Exchange's POX Autodiscover (the on-premises flow): POST the request to
 * `https://<domain>/autodiscover/autodiscover.xml`, then `https://autodiscover.<domain>/…`, with the service
 * account's Basic credentials, and read `<EwsUrl>` of the EXCH (internal) or EXPR (external) protocol.
 */
import { AutodiscoverError } from './errors';

const REQUEST = (address: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">` +
  `<Request><EMailAddress>${address.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)}</EMailAddress>` +
  `<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;

export interface AutodiscoverOptions {
  username: string;
  password: string;
  /** Tests: where to ask instead of the two standard URLs. */
  candidates?: (domain: string) => string[];
  timeoutMs?: number;
}

export function autodiscoverCandidates(domain: string): string[] {
  return [`https://${domain}/autodiscover/autodiscover.xml`, `https://autodiscover.${domain}/autodiscover/autodiscover.xml`];
}

export async function autodiscoverEwsUrl(address: string, options: AutodiscoverOptions): Promise<string> {
  const domain = address.split('@')[1]?.toLowerCase();
  if (!domain) throw new AutodiscoverError(`${address} is not an email address.`);
  const tried: string[] = [];
  for (const url of (options.candidates ?? autodiscoverCandidates)(domain)) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}` },
        body: REQUEST(address),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      if (!response.ok) {
        tried.push(`${url} (HTTP ${response.status})`);
        continue;
      }
      const urls = [...text.matchAll(/<EwsUrl>\s*([^<\s]+)\s*<\/EwsUrl>/g)].map((m) => m[1]);
      if (urls[0]) return urls[0];
      tried.push(`${url} (no EwsUrl in the answer)`);
    } catch (error) {
      tried.push(`${url} (${(error as Error).message})`);
    }
  }
  throw new AutodiscoverError(`Autodiscover found no EWS URL for ${address}: tried ${tried.join('; ')}. Enter the EWS URL instead.`);
}
