/**
 * EWS URL from an address through Exchange Autodiscover, at `https://<domain>` then `https://autodiscover.<domain>`:
 * 1. JSON v2 `GET /autodiscover/autodiscover.json/v1.0/<address>?Protocol=EWS` (Exchange Online, Exchange 2016 CU
 *    and later): anonymous, so tried first everywhere: no host gets the service account's password unless needed.
 * 2. POX `POST /autodiscover/autodiscover.xml` (Outlook provider schema, every on-premises version) with the service
 *    account's Basic credentials: `EwsUrl` of EXPR (external, what a relay outside the LAN reaches), else of EXCH,
 *    else the `ASUrl` the published example names.
 * Redirects are followed for the anonymous request only. When nothing answers, the error names every URL tried and
 * why it failed.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { AutodiscoverError } from './errors';

const POX_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

const escapeXml = (value: string): string => value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const POX_REQUEST = (address: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="${POX_REQUEST_NS}">` +
  `<Request><EMailAddress>${escapeXml(address)}</EMailAddress>` +
  `<AcceptableResponseSchema>${OUTLOOK_RESPONSE_NS}</AcceptableResponseSchema></Request></Autodiscover>`;

const HttpUrlSchema = z.url({ protocol: /^https?$/ });
const JsonAnswerSchema = z.object({ Protocol: z.string().regex(/^ews$/i), Url: HttpUrlSchema });
const JsonErrorSchema = z.object({ ErrorCode: z.string().optional(), ErrorMessage: z.string().optional() });

export interface AutodiscoverOptions {
  username: string;
  password: string;
  /** Origins to ask, in order (default `https://<domain>`, `https://autodiscover.<domain>`); tests point at loopback. */
  candidates?: (domain: string) => string[];
  timeoutMs?: number;
}

export function autodiscoverCandidates(domain: string): string[] {
  return [`https://${domain}`, `https://autodiscover.${domain}`];
}

/** A remote server's words, short and on one line, for an error an admin reads. */
function quote(value: string): string {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function failure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  return quote(cause?.code ?? cause?.message ?? (error as Error).message);
}

async function tryJson(origin: string, address: string, timeoutMs: number): Promise<{ url?: string; reason: string }> {
  const url = `${origin}/autodiscover/autodiscover.json/v1.0/${encodeURIComponent(address)}?Protocol=EWS`;
  try {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok) {
      const answer = JsonAnswerSchema.safeParse(body);
      if (answer.success) return { url: answer.data.Url, reason: '' };
      return { reason: `${url} (HTTP ${response.status}, not an EWS answer)` };
    }
    const error = JsonErrorSchema.safeParse(body);
    const detail = error.success && (error.data.ErrorCode || error.data.ErrorMessage) ? `: ${quote([error.data.ErrorCode, error.data.ErrorMessage].filter(Boolean).join(' '))}` : '';
    return { reason: `${url} (HTTP ${response.status}${detail})` };
  } catch (error) {
    return { reason: `${url} (${failure(error)})` };
  }
}

const poxParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Protocol' });

const PoxSchema = z.object({
  Autodiscover: z.object({
    Response: z.object({
      Error: z.object({ ErrorCode: z.string().optional(), Message: z.string().optional() }).optional(),
      Account: z
        .object({
          Action: z.string().optional(),
          Protocol: z.array(z.object({ Type: z.string().optional(), EwsUrl: z.string().optional(), ASUrl: z.string().optional() })).optional(),
        })
        .optional(),
    }),
  }),
});

function ewsUrlFromPox(text: string): { url?: string; problem: string } {
  let parsed: z.infer<typeof PoxSchema>;
  try {
    const result = PoxSchema.safeParse(poxParser.parse(text));
    if (!result.success) return { problem: 'not an Autodiscover answer' };
    parsed = result.data;
  } catch {
    return { problem: 'not XML' };
  }
  const { Error: error, Account: account } = parsed.Autodiscover.Response;
  if (error) return { problem: `Autodiscover error ${error.ErrorCode ?? '?'}: ${quote(error.Message ?? '')}` };
  if (account?.Action && account.Action !== 'settings') return { problem: `answered "${account.Action}", which the relay does not follow` };
  const protocols = account?.Protocol ?? [];
  const byType = (type: string) => protocols.find((p) => p.Type === type);
  const candidates = [byType('EXPR')?.EwsUrl, byType('EXCH')?.EwsUrl, byType('EXPR')?.ASUrl, byType('EXCH')?.ASUrl, ...protocols.map((p) => p.EwsUrl)];
  const url = candidates.map((c) => c?.trim()).find((c) => c && HttpUrlSchema.safeParse(c).success);
  return url ? { url, problem: '' } : { problem: 'no EwsUrl in the answer' };
}

async function tryPox(origin: string, address: string, options: AutodiscoverOptions, timeoutMs: number): Promise<{ url?: string; reason: string }> {
  const url = `${origin}/autodiscover/autodiscover.xml`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}` },
      body: POX_REQUEST(address),
      // Never replay the password to wherever a redirect points.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 401) return { reason: `${url} (HTTP 401: the service account or its password was rejected)` };
    if (!response.ok) return { reason: `${url} (HTTP ${response.status})` };
    const found = ewsUrlFromPox(text);
    return found.url ? { url: found.url, reason: '' } : { reason: `${url} (${found.problem})` };
  } catch (error) {
    return { reason: `${url} (${failure(error)})` };
  }
}

export async function autodiscoverEwsUrl(address: string, options: AutodiscoverOptions): Promise<string> {
  const domain = address.split('@')[1]?.toLowerCase();
  if (!domain) throw new AutodiscoverError(`${address} is not an email address.`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const origins = (options.candidates ?? autodiscoverCandidates)(domain).map((o) => o.replace(/\/+$/, ''));
  const tried: string[] = [];
  for (const origin of origins) {
    const json = await tryJson(origin, address, timeoutMs);
    if (json.url) return json.url;
    tried.push(`JSON ${json.reason}`);
  }
  for (const origin of origins) {
    const pox = await tryPox(origin, address, options, timeoutMs);
    if (pox.url) return pox.url;
    tried.push(`POX ${pox.reason}`);
  }
  throw new AutodiscoverError(`Autodiscover found no EWS URL for ${address}: tried ${tried.join('; ')}. Enter the EWS URL instead.`);
}
