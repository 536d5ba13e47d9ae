/**
 * Fault injection for client-resilience tests: a global latency plus rules matched by method and a substring of
 * the request URL (raw or percent-decoded), each optionally limited to `times` hits.
 *  - kind 'status': answer at once with the status (401 adds WWW-Authenticate, 403 adds x-csrf-token: Required,
 *    429/503 add Retry-After when `retryAfterSeconds` is set) without touching data;
 *  - kind 'timeout': hold the request without answering, forever or for `ms` (then answer normally); with
 *    `applyThenHang` the request is executed first, so a client that times out after the server committed can be
 *    tested;
 *  - kind 'drop': destroy the socket without a response; with `applyBeforeDrop` the request is executed first
 *    (e.g. a dropped connection mid-$batch after the changesets committed).
 */
import { z } from 'zod';

export const faultRuleSchema = z.object({
  method: z.string().optional(),
  pathIncludes: z.string().optional(),
  kind: z.enum(['status', 'timeout', 'drop']),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  message: z.string().optional(),
  ms: z.number().int().nonnegative().optional(),
  applyThenHang: z.boolean().optional(),
  applyBeforeDrop: z.boolean().optional(),
  times: z.number().int().positive().optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule { rule: FaultRule; remaining: number }

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class FaultInjector {
  latencyMs = 0;
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const parsed = faultRuleSchema.parse(rule);
    if (parsed.kind === 'status' && parsed.status === undefined) throw new Error("fault kind 'status' needs a status");
    this.rules.push({ rule: parsed, remaining: parsed.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first live rule matching the request; consumes one of its `times`. */
  take(method: string, url: string): FaultRule | undefined {
    const decoded = safeDecode(url);
    for (const a of this.rules) {
      if (a.remaining <= 0) continue;
      if (a.rule.method && a.rule.method.toUpperCase() !== method.toUpperCase()) continue;
      const p = a.rule.pathIncludes;
      if (p && !url.includes(p) && !decoded.includes(p)) continue;
      a.remaining--;
      return a.rule;
    }
    return undefined;
  }
}
