/**
 * Loopback emulator of SAP Cloud for Customer's OData v2 service `/sap/c4c/odata/v1/c4codataapi/`, driven by the
 * vendored tenant $metadata (c4codataapi.edmx) and the fidelity checklist of docs/c4c-odata.md §15.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { Control, handleControl, type C4cControl } from './control';
import { EmulatorCore, SERVICE_ROOT_PATH } from './core';
import { seedDemoData } from './demo-data';
import { errorBody } from './errors';
import { renderRecordPage, UI_PATH } from './ui';

export type { C4cControl } from './control';
export type { FaultRule } from './faults';
export { DEMO_C4C_PEOPLE, seedDemoData, type DemoPerson, type DemoPersonKind } from './demo-data';
export { SERVICE_ROOT_PATH } from './core';

export interface C4cEmulatorOptions {
  host?: string;
  port?: number;
  /** Basic-auth users; default [{ username: 'sandbox', password: 'sandbox' }]. */
  users?: { username: string; password: string }[];
  /** Enforce CSRF tokens on writes (false = technical/integration user); default true. */
  csrf?: boolean;
  /** Server page size without $expand; default 1000. */
  pageSize?: number;
  /** Server page size with $expand; default 100. */
  expandPageSize?: number;
  /** Seed the demo tenant (demo-data.ts) at start; default false. */
  seedDemo?: boolean;
}

export interface C4cEmulator {
  origin: string;
  /** origin + '/sap/c4c/odata/v1/c4codataapi/' */
  serviceRoot: string;
  control: C4cControl;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  users: z.array(z.object({ username: z.string().min(1), password: z.string() })).min(1).default([{ username: 'sandbox', password: 'sandbox' }]),
  csrf: z.boolean().default(true),
  pageSize: z.number().int().positive().default(1000),
  expandPageSize: z.number().int().positive().default(100),
  seedDemo: z.boolean().default(false),
});

function notFoundJson(res: ServerResponse, message: string): void {
  const body = JSON.stringify(errorBody('/IWFND/CM_MGW_RT/020', message));
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function startC4cEmulator(options: C4cEmulatorOptions = {}): Promise<C4cEmulator> {
  const opts = optionsSchema.parse(options);
  const core = new EmulatorCore({ users: opts.users, csrf: opts.csrf, pageSize: opts.pageSize, expandPageSize: opts.expandPageSize });
  const control = new Control(core);
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const run = async (): Promise<void> => {
      if (path === '/__control' || path.startsWith('/__control/')) {
        await handleControl(control, () => seedDemoData(control), req, res, url);
      } else if (path === UI_PATH) {
        req.resume();
        renderRecordPage(control, url, res);
      } else if (path === SERVICE_ROOT_PATH.slice(0, -1) || path.startsWith(SERVICE_ROOT_PATH)) {
        await core.handle(req, res, new URL(path === SERVICE_ROOT_PATH.slice(0, -1) ? `${SERVICE_ROOT_PATH}${url.search}` : `${url.pathname}${url.search}`, 'http://emulator.invalid'));
      } else {
        req.resume();
        notFoundJson(res, `No service at ${path}; the service root is ${SERVICE_ROOT_PATH}`);
      }
    };
    run().catch((e: unknown) => {
      if (res.headersSent) { res.destroy(); return; }
      const body = JSON.stringify(errorBody('SY/500', e instanceof Error ? e.message : String(e)));
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const origin = `http://${hostForUrl}:${port}`;
  if (opts.seedDemo) seedDemoData(control);

  return {
    origin,
    serviceRoot: `${origin}${SERVICE_ROOT_PATH}`,
    control,
    close: () => new Promise<void>((resolve) => {
      for (const res of core.held) res.destroy();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
