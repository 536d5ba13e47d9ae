/**
 * msal-node settings for an authority with a private CA (the sandbox's Entra emulator): the authority's host as a
 * known authority (no instance discovery against login.microsoftonline.com) and an HTTP client that trusts the CA.
 * msal-node's own client uses global fetch, which takes no CA, so this one uses node:https. Production needs none.
 */
import http from 'node:http';
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { MsalOverrides } from '../mailbox/graph/auth';

const TIMEOUT_MS = 10_000;

function send<T>(url: string, method: 'GET' | 'POST', caPem: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
  const target = new URL(url);
  const body = method === 'POST' ? (options?.body ?? '') : undefined;
  const headers: Record<string, string> = { ...(options?.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const transport = target.protocol === 'https:' ? https : http;
  const requestOptions: https.RequestOptions = { method, headers, timeout: TIMEOUT_MS, ...(target.protocol === 'https:' ? { ca: caPem } : {}) };
  return new Promise((resolve, reject) => {
    const req = transport.request(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        try {
          resolve({ headers: responseHeaders, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T, status: res.statusCode ?? 0 });
        } catch {
          reject(new Error(`${target.origin} answered HTTP ${res.statusCode} with a body that is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`Request to ${target.origin} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function msalOverridesTrusting(authorityHost: string, caPem: string): MsalOverrides {
  const networkClient: INetworkModule = {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, 'GET', caPem, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, 'POST', caPem, options),
  };
  return { auth: { knownAuthorities: [new URL(authorityHost).host] }, system: { networkClient } };
}
