/**
 * The HTTP layer for EWS notifications: the relay's EwsTransport (limiter, busy back-off, safe error bodies) for the
 * plain calls (Subscribe, GetEvents, Unsubscribe), plus `xhrStream` for GetStreamingEvents, which the relay's
 * mailbox transport refuses.
 *
 * Why a stream of our own: ews-javascript-api's hanging request (HangingServiceRequestBase) takes at most ONE
 * `<Envelope …>…</Envelope>` out of each `data` chunk and keeps the rest for the next chunk, so two messages arriving
 * in one TCP read would leave the second (a notification) waiting for the next heartbeat. This stream cuts the
 * response at every `</Envelope>` and hands the library one envelope per `data` call. It never rejects: failures go
 * through the progress delegate (`error`), which the library turns into a disconnect with the exception.
 * One instance per streaming connection: the library's `Disconnect` calls `XHRApi.disconnect()`, which aborts the
 * stream of this connection only.
 */
import http from 'node:http';
import https from 'node:https';
import type { IXHRApi, IXHROptions, IXHRProgress } from 'ews-javascript-api';
import { EwsTransport, type EwsTransportOptions } from '../mailbox/ews/transport';

export class EwsStreamingTransport implements IXHRApi {
  readonly apiName = 'relay-ews-streaming-transport';
  private current: http.ClientRequest | undefined;
  private readonly agentOptions: { ca?: string };
  private readonly plain: EwsTransport;

  constructor(options: EwsTransportOptions) {
    this.plain = new EwsTransport(options);
    this.agentOptions = options.caPem ? { ca: options.caPem } : {};
  }

  /** Subscribe, GetEvents, Unsubscribe: the relay's EWS transport. */
  xhr(request: IXHROptions): Promise<XMLHttpRequest> {
    return this.plain.xhr(request);
  }

  xhrStream(request: IXHROptions, progress: (data: IXHRProgress) => void): Promise<XMLHttpRequest> {
    return new Promise((resolve) => {
      const url = new URL(request.url ?? '');
      const client = url.protocol === 'https:' ? https : http;
      let settled = false;
      const finish = (kind: 'end' | 'error', error?: unknown): void => {
        if (settled) return;
        settled = true;
        progress(kind === 'end' ? { type: 'end' } : { type: 'error', error });
        resolve(undefined as unknown as XMLHttpRequest);
      };
      const req = client.request(
        url,
        { method: 'POST', headers: request.headers as Record<string, string>, ...(url.protocol === 'https:' ? this.agentOptions : {}) },
        (res) => {
          progress({ type: 'header', headers: res.headers });
          res.setEncoding('utf8');
          if (res.statusCode !== 200) {
            let body = '';
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => finish('error', Object.assign(new Error(`GetStreamingEvents answered HTTP ${res.statusCode}`), { status: res.statusCode, body: body.slice(0, 500) })));
            return;
          }
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            for (let end = buffer.indexOf('</Envelope>'); end >= 0; end = buffer.indexOf('</Envelope>')) {
              const envelope = buffer.slice(0, end + '</Envelope>'.length);
              buffer = buffer.slice(end + '</Envelope>'.length);
              if (!settled) progress({ type: 'data', data: envelope });
            }
          });
          res.on('end', () => finish('end'));
          res.on('error', (error) => finish('error', error));
          // A cut connection may only say 'close' (no 'end', no 'error').
          res.on('close', () => finish(res.complete ? 'end' : 'error', new Error('The streaming connection was cut.')));
        },
      );
      req.on('error', (error) => finish('error', error));
      req.setTimeout(35 * 60_000, () => req.destroy(new Error('The streaming connection timed out.')));
      this.current = req;
      req.end(request.data);
    });
  }

  disconnect(): void {
    const req = this.current;
    this.current = undefined;
    req?.destroy();
  }
}
