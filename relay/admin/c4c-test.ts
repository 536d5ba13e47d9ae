/**
 * "Test connection" of a C4C OData service root, step by step so the answer says exactly what failed:
 * DNS → TCP connect / TLS → CSRF token (GET of the service document with `x-csrf-token: Fetch`) → `$metadata`
 * (an EDMX with EmployeeCollection) → one EmployeeCollection page. Raw HTTP on purpose (not the OData client,
 * which retries and hides the transport's error codes).
 */
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import axios, { type AxiosResponse } from 'axios';
import type { C4cConnectionTestResponse } from '../../shared/api/admin';

type Step = C4cConnectionTestResponse['steps'][number];
type Problem = NonNullable<C4cConnectionTestResponse['problem']>;

export interface C4cTestOptions {
  timeoutMs?: number;
  /** Extra CA (PEM) to trust, for a private PKI. */
  caPem?: string;
}

const TLS_CODES = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|ERR_OSSL)/;

class StepFailure extends Error {
  constructor(readonly problem: Problem, readonly step: Step['step'], message: string) {
    super(message);
  }
}

function transportFailure(error: unknown, url: URL, step: Step['step']): StepFailure {
  const code = (error as { code?: string }).code ?? '';
  const host = url.host;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StepFailure('dns', 'dns', `The host name ${url.hostname} cannot be resolved (DNS). Check the tenant URL.`);
  if (TLS_CODES.test(code)) return new StepFailure('tls', 'tls', `The TLS connection to ${host} failed (${code}): the server's certificate is not trusted or not valid for this name.`);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || (error as Error).name === 'CanceledError') {
    return new StepFailure('timeout', step, `${host} did not answer in time. Check the URL and that the relay may reach it (proxy, firewall).`);
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EPIPE') {
    return new StepFailure('connect', 'connect', `The relay cannot connect to ${host} (${code}). Check the URL, the port and the firewall.`);
  }
  return new StepFailure('connect', step, `The request to ${host} failed: ${(error as Error).message}`);
}

function statusFailure(response: AxiosResponse<string>, step: Step['step'], what: string, username: string): StepFailure | undefined {
  if (response.status === 401) return new StepFailure('unauthorized', step, `C4C rejected the technical user ${username} (401): wrong user name or password, or the user is locked.`);
  if (response.status === 403) return new StepFailure('forbidden', step, `The technical user ${username} may not read ${what} (403). Give its business role access to the OData service and to employees.`);
  if (response.status === 404) return new StepFailure('not-odata', step, `There is no OData service at this URL (404 for ${what}). The service root looks like https://myNNNNNN.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/.`);
  if (response.status >= 300) return new StepFailure('http-error', step, `C4C answered ${response.status} for ${what}.`);
  return undefined;
}

const isHtml = (response: AxiosResponse<string>): boolean => /text\/html/i.test(String(response.headers['content-type'] ?? '')) || /^\s*<!doctype html|^\s*<html/i.test(response.data);

export async function testC4cConnection(
  connection: { serviceRoot: string; username: string; password: string },
  options: C4cTestOptions = {},
): Promise<C4cConnectionTestResponse> {
  const steps: Step[] = [];
  const root = new URL(connection.serviceRoot.endsWith('/') ? connection.serviceRoot : `${connection.serviceRoot}/`);
  const timeout = options.timeoutMs ?? 15_000;
  const agent = root.protocol === 'https:' ? new https.Agent({ keepAlive: true, ...(options.caPem ? { ca: options.caPem } : {}) }) : new http.Agent({ keepAlive: true });
  const client = axios.create({
    timeout,
    auth: { username: connection.username, password: connection.password },
    httpAgent: agent,
    httpsAgent: agent,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    proxy: false,
  });
  let employeesSampled: number | null = null;
  const timed = async <T>(step: Step['step'], fn: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> => {
    const started = performance.now();
    try {
      const value = await fn();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - started), ...(detail?.(value) ? { detail: detail(value) } : {}) });
      return value;
    } catch (error) {
      const failure = error instanceof StepFailure ? error : transportFailure(error, root, step);
      steps.push({ step: failure.step, ok: false, ms: Math.round(performance.now() - started), detail: failure.message });
      throw failure;
    }
  };
  try {
    const hostname = root.hostname.replace(/^\[|\]$/g, '');
    if (!net.isIP(hostname)) {
      await timed('dns', async () => {
        try {
          return await dns.lookup(hostname);
        } catch (error) {
          throw transportFailure(error, root, 'dns');
        }
      }, (a) => a.address);
    }
    let cookie: string | undefined;
    const csrf = await timed('csrf', async () => {
      let response: AxiosResponse<string>;
      try {
        response = await client.get<string>(root.toString(), { headers: { 'x-csrf-token': 'Fetch', Accept: 'application/json' } });
      } catch (error) {
        throw transportFailure(error, root, 'csrf');
      }
      // The transport worked: record connect (and TLS) as passed before judging the answer.
      steps.push({ step: 'connect', ok: true, ms: 0 });
      if (root.protocol === 'https:') steps.push({ step: 'tls', ok: true, ms: 0 });
      const failed = statusFailure(response, 'csrf', 'the service document', connection.username);
      if (failed) throw failed;
      if (response.status >= 300 || isHtml(response)) throw new StepFailure('not-odata', 'csrf', 'The URL answers with a web page, not an OData service. Use the OData service root, not the C4C UI address.');
      const token = response.headers['x-csrf-token'];
      if (typeof token !== 'string' || token === '' || token.toLowerCase() === 'required') {
        throw new StepFailure('not-odata', 'csrf', 'The server gave no CSRF token, so it is not a C4C OData service (or a proxy strips the x-csrf-token header).');
      }
      const setCookie = response.headers['set-cookie'];
      cookie = Array.isArray(setCookie) ? setCookie.map((c) => c.split(';')[0]).join('; ') : undefined;
      return token;
    }, () => 'token received');
    const headers = { ...(cookie ? { Cookie: cookie } : {}), 'x-csrf-token': csrf };

    await timed('metadata', async () => {
      let response: AxiosResponse<string>;
      try {
        response = await client.get<string>(new URL('$metadata', root).toString(), { headers: { ...headers, Accept: 'application/xml' } });
      } catch (error) {
        throw transportFailure(error, root, 'metadata');
      }
      const failed = statusFailure(response, 'metadata', '$metadata', connection.username);
      if (failed) throw failed;
      if (!/<(edmx:)?Edmx\b/.test(response.data)) throw new StepFailure('not-odata', 'metadata', '$metadata is not an OData EDMX document: this URL is not an OData service root.');
      if (!/EntitySet\s+Name="EmployeeCollection"/.test(response.data)) throw new StepFailure('not-odata', 'metadata', 'The OData service has no EmployeeCollection: this is not the C4C c4codataapi service.');
      return response;
    });

    await timed('employees', async () => {
      let response: AxiosResponse<string>;
      try {
        response = await client.get<string>(new URL('EmployeeCollection?$top=1&$select=EmployeeID&$format=json', root).toString(), { headers: { ...headers, Accept: 'application/json' } });
      } catch (error) {
        throw transportFailure(error, root, 'employees');
      }
      const failed = statusFailure(response, 'employees', 'EmployeeCollection', connection.username);
      if (failed) throw failed;
      let body: unknown;
      try {
        body = JSON.parse(response.data);
      } catch {
        throw new StepFailure('not-odata', 'employees', 'EmployeeCollection did not answer OData JSON.');
      }
      const results = (body as { d?: { results?: unknown } }).d?.results;
      if (!Array.isArray(results)) throw new StepFailure('not-odata', 'employees', 'EmployeeCollection did not answer an OData v2 collection.');
      employeesSampled = results.length;
      return results.length;
    }, (n) => `${n} employee(s) read`);

    return { ok: true, problem: null, message: `Connected to ${root.host} as ${connection.username}: CSRF token, $metadata and employees read.`, steps, employeesSampled };
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    return { ok: false, problem: error.problem, message: error.message, steps, employeesSampled: null };
  } finally {
    agent.destroy();
  }
}
