/**
 * D3 Operable: the relay's Prometheus metrics (prom-client), one registry per relay process.
 *
 *   c4c_relay_sync_sessions_total{outcome,trigger}                counter    sessions that ran, by outcome
 *   c4c_relay_sync_session_duration_seconds{outcome}              histogram  session duration
 *   c4c_relay_sync_items_total{type,action}                       counter    emails saved / failed / skipped …, mirrored items created / updated / deleted …
 *   c4c_relay_upstream_requests_total{system,status}              counter    C4C / EWS / Graph requests by HTTP status (0 = no answer)
 *   c4c_relay_upstream_request_errors_total{system,status}        counter    the ones that failed (status ≥ 400 or no answer)
 *   c4c_relay_upstream_request_duration_seconds{system}           histogram  their duration (each attempt)
 *   c4c_relay_queue_jobs{queue,state}                             gauge      pg-boss jobs waiting (created, retry) and running (active), read at scrape time
 *   c4c_relay_push_notification_lag_seconds{source}               histogram  delay between a mailbox change and its notification reaching the relay
 *   + Node's default process metrics (CPU, memory, event loop lag, GC, handles), prefixed c4c_relay_.
 *
 * Session figures come from the session runner's end (`onSessionEnded`), upstream requests from the clients' HTTP
 * edges (relay/metrics/edges.ts), notification lag from the push trigger's `onLag`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../store/db';
import type { SessionEndedEvent } from '../sync/runner';
import { onUpstreamRequest, type UpstreamRequest } from './edges';

export const METRIC_PREFIX = 'c4c_relay_';

/** Which item counts of a run become which {type, action}. */
const ITEM_ACTIONS: Array<[keyof SessionEndedEvent['counts'], string, string]> = [
  ['saved', 'email', 'saved'],
  ['alreadySaved', 'email', 'already-saved'],
  ['failed', 'email', 'failed'],
  ['skipped', 'email', 'skipped'],
  ['blocked', 'email', 'blocked'],
  ['mirrorCreated', 'mirror', 'created'],
  ['mirrorUpdated', 'mirror', 'updated'],
  ['mirrorDeleted', 'mirror', 'deleted'],
  ['mirrorLinked', 'mirror', 'linked'],
  ['mirrorConflicts', 'mirror', 'conflict'],
];

export interface RelayMetrics {
  registry: Registry;
  sessionEnded(event: SessionEndedEvent): void;
  notificationLag(source: string, lagMs: number): void;
  upstreamRequest(request: UpstreamRequest): void;
  /** The text exposition format (what /metrics answers). */
  scrape(): Promise<string>;
  contentType: string;
  /** Stops observing upstream requests (the registry keeps its values). */
  close(): void;
}

export interface RelayMetricsOptions {
  /** The database pg-boss lives in and its schema: queue depth is counted at scrape time. */
  queue?: { db: Queryable; schema: string };
  /** Default process metrics (default true). */
  processMetrics?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function createRelayMetrics(options: RelayMetricsOptions = {}): RelayMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const sessions = new Counter({ name: `${METRIC_PREFIX}sync_sessions_total`, help: 'Sync sessions that ran, by outcome and trigger.', labelNames: ['outcome', 'trigger'] as const, registers: [registry] });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}sync_session_duration_seconds`,
    help: 'Duration of sync sessions.',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const items = new Counter({ name: `${METRIC_PREFIX}sync_items_total`, help: 'Items the sync sessions acted on, by type (email, mirror) and action.', labelNames: ['type', 'action'] as const, registers: [registry] });
  const upstream = new Counter({ name: `${METRIC_PREFIX}upstream_requests_total`, help: 'Requests to C4C, EWS and Graph by HTTP status (0: no answer).', labelNames: ['system', 'status'] as const, registers: [registry] });
  const upstreamErrors = new Counter({
    name: `${METRIC_PREFIX}upstream_request_errors_total`,
    help: 'Requests to C4C, EWS and Graph that failed (HTTP status >= 400, or no answer: status 0).',
    labelNames: ['system', 'status'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: `${METRIC_PREFIX}upstream_request_duration_seconds`,
    help: 'Duration of each request (attempt) to C4C, EWS and Graph.',
    labelNames: ['system'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const lag = new Histogram({
    name: `${METRIC_PREFIX}push_notification_lag_seconds`,
    help: 'Delay between a change in a mailbox and its notification reaching the relay.',
    labelNames: ['source'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  for (const system of ['c4c', 'ews', 'graph']) upstreamDuration.zero({ system });

  const queue = options.queue;
  if (queue !== undefined && !SCHEMA_NAME.test(queue.schema)) throw new Error('invalid pg-boss schema name');
  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'pg-boss jobs per queue waiting (created, retry) or running (active), counted when scraped.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (queue === undefined) return;
      this.reset();
      const { rows } = await queue.db.query<{ name: string; state: string; n: string | number }>(
        `SELECT name, state::text AS state, count(*) AS n FROM ${queue.schema}.job WHERE state IN ('created', 'retry', 'active') GROUP BY 1, 2`,
      );
      for (const row of rows) this.set({ queue: row.name, state: row.state }, Number(row.n));
    },
  });

  const upstreamRequest = (request: UpstreamRequest): void => {
    const status = String(request.status);
    upstream.inc({ system: request.system, status });
    if (request.status === 0 || request.status >= 400) upstreamErrors.inc({ system: request.system, status });
    upstreamDuration.observe({ system: request.system }, Math.max(0, request.ms) / 1000);
  };
  const unsubscribe = onUpstreamRequest(upstreamRequest);

  return {
    registry,
    contentType: registry.contentType,
    sessionEnded(event) {
      sessions.inc({ outcome: event.outcome, trigger: event.trigger });
      duration.observe({ outcome: event.outcome }, Math.max(0, event.durationMs) / 1000);
      for (const [key, type, action] of ITEM_ACTIONS) {
        const n = event.counts[key] ?? 0;
        if (n > 0) items.inc({ type, action }, n);
      }
    },
    notificationLag(source, lagMs) {
      lag.observe({ source }, Math.max(0, lagMs) / 1000);
    },
    upstreamRequest,
    scrape: () => registry.metrics(),
    close: unsubscribe,
  };
}

export { metricsRouter, isLoopback, type MetricsRouteOptions } from './route';
