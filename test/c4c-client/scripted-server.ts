/**
 * A scripted HTTP server for client tests that need exact control over each answer (headers such as an
 * HTTP-date Retry-After, redirects, foreign `__next` links, dropped sockets). Behaviour against a faithful C4C is
 * tested with the emulator in client-emulator.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** 'drip': 200 with a body that arrives one byte every 50 ms and never ends (a stalled proxy). */
export type Answer = { status: number; headers?: Record<string, string | string[]>; body?: string } | 'drop' | 'hang' | 'drip';

export interface ScriptedServer {
  serviceRoot: string;
  origin: string;
  requests: SeenRequest[];
  handle(handler: (request: SeenRequest, index: number) => Answer): void;
  close(): Promise<void>;
}

export const ROOT_PATH = '/sap/c4c/odata/v1/c4codataapi/';

export async function startScriptedServer(): Promise<ScriptedServer> {
  let handler: (request: SeenRequest, index: number) => Answer = () => ({ status: 500 });
  const requests: SeenRequest[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const answer = handler(seen, requests.length - 1);
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      if (answer === 'hang') {
        held.push(res);
        return;
      }
      if (answer === 'drip') {
        held.push(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    serviceRoot: `${origin}${ROOT_PATH}`,
    requests,
    handle(next) {
      handler = next;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json = (status: number, body: unknown, headers: Record<string, string | string[]> = {}): Answer => ({
  status,
  headers,
  body: JSON.stringify(body),
});

export const odataError = (status: number, message: string, headers: Record<string, string> = {}): Answer =>
  json(status, { error: { code: `TEST/${status}`, message: { lang: 'en', value: message } } }, headers);
