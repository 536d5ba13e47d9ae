/**
 * Requests to the systems the relay depends on (C4C OData, EWS SOAP, Microsoft Graph), reported by their HTTP edges
 * — the C4C client's send loop, the EWS transport, the Graph HTTP handler — on one `node:diagnostics_channel`
 * channel. Publishing costs nothing while nobody subscribes; relay/metrics subscribes and counts them. This module
 * has no dependencies, so the clients import it without pulling in prom-client.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

export type UpstreamSystem = 'c4c' | 'ews' | 'graph';

export interface UpstreamRequest {
  system: UpstreamSystem;
  /** HTTP method (C4C, Graph) or SOAP operation (EWS). */
  operation: string;
  /** HTTP status; 0 when no answer arrived (network error, timeout). */
  status: number;
  ms: number;
}

export const UPSTREAM_CHANNEL = 'c4c-relay:upstream-request';
const channel = diagnosticsChannel.channel(UPSTREAM_CHANNEL);

export function reportUpstreamRequest(request: UpstreamRequest): void {
  if (channel.hasSubscribers) channel.publish(request);
}

/** Observes every reported request; returns the unsubscribe function. */
export function onUpstreamRequest(listener: (request: UpstreamRequest) => void): () => void {
  const handler = (message: unknown): void => listener(message as UpstreamRequest);
  diagnosticsChannel.subscribe(UPSTREAM_CHANNEL, handler);
  return () => {
    diagnosticsChannel.unsubscribe(UPSTREAM_CHANNEL, handler);
  };
}
