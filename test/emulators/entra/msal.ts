/**
 * What real msal-node needs to talk to the emulator: the emulator's host as a known authority (no instance
 * discovery against login.microsoftonline.com) and an HTTP client that trusts the emulator's CA. msal-node's
 * built-in client uses global fetch, which cannot be given a CA without extra packages, so this one uses node:https.
 */
import http from 'node:http';
import https from 'node:https';
import type { Configuration, INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

const DEFAULT_TIMEOUT_MS = 10_000;

function send<T>(url: string, method: 'GET' | 'POST', caPem: string, options?: NetworkRequestOptions, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<NetworkResponse<T>> {
  const target = new URL(url);
  const body = method === 'POST' ? (options?.body ?? '') : undefined;
  const headers: Record<string, string> = { ...(options?.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const requestOptions: https.RequestOptions = { method, headers, timeout: timeoutMs };
  if (target.protocol === 'https:') requestOptions.ca = caPem;
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
        try {
          resolve({ headers: responseHeaders, body: JSON.parse(text) as T, status: res.statusCode ?? 0 });
        } catch {
          reject(new Error(`Entra emulator answered ${res.statusCode} with a non-JSON body for ${method} ${target.pathname}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`Request to ${target.origin} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** An msal `INetworkModule` that trusts the given CA (PEM) in addition to nothing else: loopback emulators only. */
export function caTrustingNetworkClient(caPem: string): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>(url, 'GET', caPem, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>(url, 'POST', caPem, options),
  };
}

export interface EmulatorEndpoint {
  origin: string;
  caPem: string;
}

/**
 * msal-node configuration for a confidential client against the emulator. Spread it into your own configuration
 * (cache plugins, logger) as needed: `new ConfidentialClientApplication(msalNodeConfigFor(emulator, tid, id, secret))`.
 */
export function msalNodeConfigFor(emulator: EmulatorEndpoint, tenantId: string, clientId: string, clientSecret: string): Configuration {
  const host = new URL(emulator.origin).host;
  return {
    auth: {
      clientId,
      clientSecret,
      authority: `${emulator.origin}/${tenantId}`,
      // A known authority skips instance discovery (which msal would otherwise send to login.microsoftonline.com).
      knownAuthorities: [host],
    },
    system: { networkClient: caTrustingNetworkClient(emulator.caPem) },
  };
}

/**
 * Plays the browser's part of the authorization code flow: requests the authorize URL (the emulator signs the
 * `login_hint` / selected user in at once) and returns the redirect it answers with (code, state, client_info).
 */
export function followAuthorizeRedirect(emulator: EmulatorEndpoint, authorizeUrl: string): Promise<URL> {
  const target = new URL(authorizeUrl);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.get(target, target.protocol === 'https:' ? { ca: emulator.caPem } : {}, (res) => {
      res.resume();
      const location = res.headers.location;
      if (res.statusCode !== 302 || !location) {
        reject(new Error(`Authorize answered ${res.statusCode} without a redirect`));
        return;
      }
      const redirect = new URL(location);
      // Fragment responses carry their parameters after '#'; expose them as search params for callers.
      if (redirect.hash.length > 1 && !redirect.search) redirect.search = redirect.hash.slice(1);
      resolve(redirect);
    });
    req.on('error', reject);
  });
}
