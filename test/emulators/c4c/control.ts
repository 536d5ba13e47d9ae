/**
 * Control API of the emulator: the in-process object (C4cControl) and the same operations as JSON routes under
 * `/__control/` for other processes (sandbox, bench). Not authenticated: the emulator listens on loopback only.
 *
 *   POST   /__control/seed/:entitySet     body: rows[] or {rows: rows[]}  -> stored rows (with ObjectIDs / IDs)
 *   POST   /__control/seed-demo                                            -> {counts}
 *   POST   /__control/reset
 *   GET    /__control/list/:entitySet                                      -> rows[] (children under nav names)
 *   GET    /__control/get/:entitySet/:objectId                             -> row | 404
 *   POST   /__control/latency             body: {ms}
 *   POST   /__control/faults              body: FaultRule
 *   DELETE /__control/faults
 *   POST   /__control/csrf/expire
 *   POST   /__control/csrf/required       body: {on: boolean}
 *   GET    /__control/counters            -> {"GET ContactCollection": n, "POST $batch": n, …, total: n}
 *   DELETE /__control/counters
 *
 * Rows come back as stored: dates as epoch milliseconds, Guids dashed upper-case.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { EmulatorCore } from './core';
import { ODataError } from './errors';
import { faultRuleSchema, type FaultRule } from './faults';
import type { Row } from './values';

export interface C4cControl {
  seed(entitySet: string, rows: Record<string, unknown>[]): Record<string, unknown>[];
  reset(): void;
  list(entitySet: string): Record<string, unknown>[];
  get(entitySet: string, objectId: string): Record<string, unknown> | undefined;
  setLatency(ms: number): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  expireCsrfTokens(): void;
  counters(): Record<string, number>;
  resetCounters(): void;
  setCsrfRequired(on: boolean): void;
}

export class Control implements C4cControl {
  constructor(private readonly core: EmulatorCore) {}

  private assertSet(entitySet: string): void {
    if (!this.core.model.sets.has(entitySet)) throw new ODataError(404, 'EMULATOR/404', `Entity set '${entitySet}' is not served by the emulator`);
  }

  /** Stored row plus its children (recursively) under their navigation names. */
  private withChildren(setName: string, row: Row): Record<string, unknown> {
    const type = this.core.model.types.get(this.core.model.sets.get(setName)!.typeName)!;
    const out: Record<string, unknown> = { ...row };
    for (const nav of type.navigations) {
      if (!this.core.resolver.isChildNavigation(type, nav)) continue;
      const childSet = this.core.model.setByType.get(nav.targetType)!;
      out[nav.name] = this.core.resolver.children(nav, row).map((c) => this.withChildren(childSet, c));
    }
    return out;
  }

  seed(entitySet: string, rows: Record<string, unknown>[]): Record<string, unknown>[] {
    this.assertSet(entitySet);
    const store = this.core.store;
    store.begin();
    try {
      const created = rows.map((r) => this.core.writer.create(entitySet, r, { user: 'SEED', seed: true }));
      store.commit();
      return created.map((r) => this.withChildren(entitySet, store.get(entitySet, String(r.ObjectID))!));
    } catch (e) {
      store.rollback();
      throw e;
    }
  }

  reset(): void {
    this.core.store.reset();
  }

  list(entitySet: string): Record<string, unknown>[] {
    this.assertSet(entitySet);
    return this.core.store.rows(entitySet).map((r) => this.withChildren(entitySet, r));
  }

  get(entitySet: string, objectId: string): Record<string, unknown> | undefined {
    this.assertSet(entitySet);
    const row = this.core.store.get(entitySet, objectId);
    return row ? this.withChildren(entitySet, row) : undefined;
  }

  setLatency(ms: number): void {
    this.core.faults.latencyMs = Math.max(0, ms);
  }

  addFault(rule: FaultRule): void {
    this.core.faults.add(rule);
  }

  clearFaults(): void {
    this.core.faults.clear();
  }

  expireCsrfTokens(): void {
    this.core.csrf.expireAll();
  }

  counters(): Record<string, number> {
    return { total: 0, ...this.core.counterSnapshot() };
  }

  resetCounters(): void {
    this.core.resetCounters();
  }

  setCsrfRequired(on: boolean): void {
    this.core.csrf.required = on;
  }
}

const rowsSchema = z.union([z.array(z.record(z.string(), z.unknown())), z.object({ rows: z.array(z.record(z.string(), z.unknown())) })]);
const latencySchema = z.object({ ms: z.number().int().nonnegative() });
const csrfSchema = z.object({ on: z.boolean() });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch {
        reject(new ODataError(400, 'EMULATOR/400', 'Malformed JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** Serves `/__control/*`. */
export async function handleControl(
  control: Control,
  seedDemo: () => Record<string, number>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const parts = url.pathname.replace(/^\/__control\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${method} ${parts[0] ?? ''}${parts[0] === 'csrf' ? `/${parts[1] ?? ''}` : ''}`;
  try {
    switch (route) {
      case 'POST seed': {
        const parsed = rowsSchema.parse(await readJson(req));
        return send(res, 200, control.seed(parts[1] ?? '', Array.isArray(parsed) ? parsed : parsed.rows));
      }
      case 'POST seed-demo':
        return send(res, 200, { counts: seedDemo() });
      case 'POST reset':
        control.reset();
        return send(res, 200, { ok: true });
      case 'GET list':
        return send(res, 200, control.list(parts[1] ?? ''));
      case 'GET get': {
        const row = control.get(parts[1] ?? '', parts[2] ?? '');
        return row ? send(res, 200, row) : send(res, 404, { error: 'not found' });
      }
      case 'POST latency':
        control.setLatency(latencySchema.parse(await readJson(req)).ms);
        return send(res, 200, { ok: true });
      case 'POST faults':
        control.addFault(faultRuleSchema.parse(await readJson(req)));
        return send(res, 200, { ok: true });
      case 'DELETE faults':
        control.clearFaults();
        return send(res, 200, { ok: true });
      case 'POST csrf/expire':
        control.expireCsrfTokens();
        return send(res, 200, { ok: true });
      case 'POST csrf/required':
        control.setCsrfRequired(csrfSchema.parse(await readJson(req)).on);
        return send(res, 200, { ok: true });
      case 'GET counters':
        return send(res, 200, control.counters());
      case 'DELETE counters':
        control.resetCounters();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: `unknown control route ${method} ${url.pathname}` });
    }
  } catch (e) {
    if (e instanceof z.ZodError) return send(res, 400, { error: 'invalid control request', issues: e.issues });
    if (e instanceof ODataError) return send(res, e.status, { error: e.message });
    return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
  }
}
