/**
 * The Exchange emulator's subscription operations on the wire: EWS Subscribe (pull) / GetEvents / Unsubscribe as raw
 * SOAP, and Graph POST /subscriptions refusing an endpoint that fails the validation handshake or a lifetime over
 * the maximum.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppTokenProvider } from '../../relay/mailbox/graph/auth';
import { GraphTransport } from '../../relay/mailbox/graph/transport';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { graphSubscriptionsOf } from '../emulators/exchange/graph/subscriptions';

let bed: GraphTestbed;
const address = 'subscriber@contoso.example';
beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(address, 'Subscriber');
  bed.exchange.store.addServiceAccount(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
  bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
}, 60000);
afterAll(async () => {
  graphSubscriptionsOf(bed.exchange.store, bed.exchange.control).close();
  await bed?.close();
});

async function soap(body: string): Promise<string> {
  const envelope = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${address}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
  const res = await fetch(bed.exchange.ewsUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${DEMO_EWS_SERVICE_ACCOUNT.username}:${DEMO_EWS_SERVICE_ACCOUNT.password}`).toString('base64')}`, 'x-anchormailbox': address },
    body: envelope,
  });
  return res.text();
}
const textOf = (xml: string, name: string) => new RegExp(`<[\\w]+:${name}>([^<]*)</`).exec(xml)?.[1];

test('EWS pull subscription: Subscribe returns id and watermark, GetEvents reports the change and moves the watermark, Unsubscribe ends it', async () => {
  const subscribed = await soap(
    `<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="inbox"/></t:FolderIds><t:EventTypes><t:EventType>CreatedEvent</t:EventType><t:EventType>ModifiedEvent</t:EventType><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>`,
  );
  expect(subscribed).toContain('ResponseClass="Success"');
  const id = textOf(subscribed, 'SubscriptionId') as string;
  const first = textOf(subscribed, 'Watermark') as string;
  expect(id).toBeTruthy();
  const idle = await soap(`<m:GetEvents><m:SubscriptionId>${id}</m:SubscriptionId><m:Watermark>${first}</m:Watermark></m:GetEvents>`);
  expect(idle).toContain('<t:StatusEvent>');
  const message = bed.exchange.control.user.deliverMessage(address, { from: { address: 'a@b.example', name: 'A' }, subject: 'Hello', to: [{ address }] });
  const events = await soap(`<m:GetEvents><m:SubscriptionId>${id}</m:SubscriptionId><m:Watermark>${first}</m:Watermark></m:GetEvents>`);
  expect(events).toContain('<t:CreatedEvent>');
  expect(events).toContain('<t:NewMailEvent>');
  expect(events).toContain(`Id="${message.id}"`);
  expect(events).toContain('<t:MoreEvents>false</t:MoreEvents>');
  const last = [...events.matchAll(/<t:Watermark>([^<]*)</g)].map((m) => m[1]).pop() as string;
  const after = await soap(`<m:GetEvents><m:SubscriptionId>${id}</m:SubscriptionId><m:Watermark>${last}</m:Watermark></m:GetEvents>`);
  expect(after).toContain('<t:StatusEvent>');
  expect(await soap(`<m:Unsubscribe><m:SubscriptionId>${id}</m:SubscriptionId></m:Unsubscribe>`)).toContain('ResponseClass="Success"');
  expect(await soap(`<m:GetEvents><m:SubscriptionId>${id}</m:SubscriptionId><m:Watermark>${last}</m:Watermark></m:GetEvents>`)).toContain('ErrorSubscriptionNotFound');
});

test('Graph: no subscription for an endpoint that fails the validation handshake, nor beyond the maximum lifetime', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('not the token');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const access = bed.appAccess();
  const options = bed.options();
  const transport = new GraphTransport({
    graphBaseUrl: access.graphBaseUrl,
    address: 'subscriptions-test',
    appOnly: true,
    clientId: access.clientId,
    auth: new AppTokenProvider({ tenantId: access.tenantId, clientId: access.clientId, clientSecret: access.clientSecret, authorityHost: access.authorityHost }, options.msal),
    maxConcurrency: 2,
    caPem: options.caPem,
    timeoutMs: 20000,
    maxRetries: 0,
    maxRetryAfterSeconds: 1,
    defaultDelaySeconds: 0.05,
  });
  try {
    const body = (minutes: number) => ({ changeType: 'updated', notificationUrl: url, resource: `users/${address}/messages`, expirationDateTime: new Date(Date.now() + minutes * 60_000).toISOString(), clientState: 'x' });
    await expect(transport.call('POST', '/subscriptions', { body: body(60) })).rejects.toThrow(/validation/i);
    await expect(transport.call('POST', '/subscriptions', { body: body(20000) })).rejects.toThrow(/can only be 10080 minutes/);
    expect(graphSubscriptionsOf(bed.exchange.store, bed.exchange.control).of(address)).toHaveLength(0);
  } finally {
    transport.close();
    server.close();
  }
}, 30000);
