/**
 * Graph `/users/{id | userPrincipalName}/…` and `/users/{id}/messages` (every message of the mailbox) on the Exchange
 * emulator, through the Microsoft Graph client SDK with an app-only token of the Entra emulator. The SDK's own request
 * builder (`.top()`, `.skip()`, `.select()`, `.filter()`) writes the queries, and its @odata.nextLink pages are
 * followed as a client would.
 */
import https from 'node:https';
import { AuthenticationHandler, Client, GraphError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { directoryObjectId } from '../emulators/exchange/directory';
import { FULL_APP_ROLES, startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';

const ADDRESS = 'lena.kraus@contoso.example';
let bed: GraphTestbed;
let client: Client;
let oid: string;

/** The last middleware: HTTPS with the emulator's CA (Node's global fetch cannot be given a CA per request). */
class NodeHttpsHandler implements Middleware {
  constructor(private readonly ca: string) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const headers = Object.fromEntries(options.headers instanceof Headers ? options.headers.entries() : Object.entries((options.headers ?? {}) as Record<string, string>));
    const body = typeof options.body === 'string' ? options.body : undefined;
    const answer = await new Promise<{ status: number; headers: [string, string][]; body: Buffer }>((resolve, reject) => {
      const request = https.request(url, { method: options.method ?? 'GET', headers, ca: this.ca }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: Object.entries(response.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : [])),
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
      if (body) request.write(body);
      request.end();
    });
    context.response = new Response(answer.body.length > 0 ? new Uint8Array(answer.body) : null, { status: answer.status, headers: answer.headers });
  }
}

beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(ADDRESS, 'Lena Kraus');
  oid = bed.oidOf(ADDRESS);
  const token = await bed.entra.control.issueAppToken({ tenantId: TESTBED_TENANT, clientId: bed.app.clientId, audience: 'https://graph.microsoft.com', roles: FULL_APP_ROLES });
  const auth = new AuthenticationHandler({ getAccessToken: async () => token });
  auth.setNext(new NodeHttpsHandler(bed.exchange.caPem ?? ''));
  client = Client.initWithMiddleware({ middleware: auth, baseUrl: bed.exchange.graphBaseUrl, defaultVersion: 'v1.0', customHosts: new Set([new URL(bed.exchange.graphBaseUrl).hostname]) });

  const user = bed.exchange.control.user;
  const projects = bed.exchange.store.createFolder(ADDRESS, bed.exchange.store.wellKnownFolder(ADDRESS, 'msgfolderroot').id, 'Projects', 'mail');
  const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 2, 9, minutes)).toISOString();
  for (let i = 0; i < 5; i += 1) user.deliverMessage(ADDRESS, { from: { address: 'jonas@nordwind.example', name: 'Jonas' }, subject: `Inbox ${i}`, receivedAt: at(i) });
  user.deliverMessage(ADDRESS, { from: { address: ADDRESS, name: 'Lena Kraus' }, to: [{ address: 'jonas@nordwind.example' }], subject: 'Sent 0', receivedAt: at(10) }, 'sentitems');
  user.deliverMessage(ADDRESS, { from: { address: 'katrin@hoffmann.example', name: 'Katrin' }, subject: 'Project 0', receivedAt: at(20) }, projects.id);
  user.deliverMessage(ADDRESS, { from: { address: 'katrin@hoffmann.example', name: 'Katrin' }, subject: 'Deleted 0', receivedAt: at(30) }, 'deleteditems');
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

async function errorOf(request: Promise<unknown>): Promise<{ statusCode: number; code: string }> {
  const error: unknown = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GraphError)) throw new Error(`expected a GraphError, got ${String(error)}`);
  return { statusCode: error.statusCode, code: error.code ?? '' };
}

test('the object id Entra knows the user by, the UPN in any case and the key form all open the same mailbox', async () => {
  expect(oid).toBe(directoryObjectId(bed.exchange.store, ADDRESS));
  const byUpn = (await client.api(`/users/${ADDRESS}/mailFolders/inbox`).get()) as { id: string; totalItemCount: number };
  expect(byUpn.totalItemCount).toBe(5);
  for (const user of [oid, oid.toUpperCase(), `{${oid}}`, ADDRESS.toUpperCase()]) {
    expect(((await client.api(`/users/${encodeURIComponent(user)}/mailFolders/inbox`).get()) as { id: string }).id).toBe(byUpn.id);
  }
  expect(((await client.api(`/users('${ADDRESS}')/mailFolders/inbox`).get()) as { id: string }).id).toBe(byUpn.id);
  // Other rooms of the same user, by id: categories, calendar, contact folders.
  const categories = (await client.api(`/users/${oid}/outlook/masterCategories`).get()) as Page<{ displayName: string }>;
  expect(categories.value.map((c) => c.displayName)).toContain('Red category');
  expect(((await client.api(`/users/${oid}/calendar`).get()) as { name: string }).name).toBe('Calendar');
  expect(((await client.api(`/users/${oid}/contactFolders`).get()) as Page<unknown>).value).toEqual([]);
});

test('an object id or a name nobody has is an invalid user', async () => {
  await expect(errorOf(client.api('/users/00000000-0000-4000-8000-00000000dead/messages').get())).resolves.toEqual({ statusCode: 404, code: 'ErrorInvalidUser' });
  await expect(errorOf(client.api('/users/nobody@contoso.example/messages').get())).resolves.toEqual({ statusCode: 404, code: 'ErrorInvalidUser' });
});

test('/users/{id}/messages lists every message of every mail folder, newest first, in pages linked by @odata.nextLink', async () => {
  const subjects: string[] = [];
  let page = (await client.api(`/users/${oid}/messages`).top(3).select('subject').get()) as Page<Record<string, unknown>>;
  let pages = 1;
  for (;;) {
    for (const message of page.value) {
      expect(Object.keys(message).filter((k) => !k.startsWith('@odata'))).toEqual(['id', 'subject']);
      subjects.push(String(message.subject));
    }
    const next = page['@odata.nextLink'];
    if (!next) break;
    expect(next).toContain(`/users/${oid}/messages?`);
    page = (await client.api(next).get()) as Page<Record<string, unknown>>;
    pages += 1;
  }
  expect(pages).toBe(3);
  expect(subjects).toEqual(['Deleted 0', 'Project 0', 'Sent 0', 'Inbox 4', 'Inbox 3', 'Inbox 2', 'Inbox 1', 'Inbox 0']);
});

test('$skip, $filter and $orderby on /users/{upn}/messages', async () => {
  const skipped = (await client.api(`/users/${ADDRESS}/messages`).skip(6).select('subject').get()) as Page<{ subject: string }>;
  expect(skipped.value.map((m) => m.subject)).toEqual(['Inbox 1', 'Inbox 0']);
  expect(skipped['@odata.nextLink']).toBeUndefined();
  const fromKatrin = (await client.api(`/users/${ADDRESS}/messages`).filter("from/emailAddress/address eq 'katrin@hoffmann.example'").select('subject,parentFolderId').get()) as Page<{ subject: string; parentFolderId: string }>;
  expect(fromKatrin.value.map((m) => m.subject)).toEqual(['Deleted 0', 'Project 0']);
  expect(new Set(fromKatrin.value.map((m) => m.parentFolderId)).size).toBe(2);
  const oldestFirst = (await client.api(`/users/${ADDRESS}/messages`).filter('receivedDateTime ge 2026-11-02T09:03:00Z').orderby('receivedDateTime asc').select('subject').get()) as Page<{ subject: string }>;
  expect(oldestFirst.value.map((m) => m.subject)).toEqual(['Inbox 3', 'Inbox 4', 'Sent 0', 'Project 0', 'Deleted 0']);
  // Graph's rule: an ordered property must lead the filter.
  await expect(errorOf(client.api(`/users/${ADDRESS}/messages`).filter('isRead eq false').orderby('receivedDateTime desc').get())).resolves.toEqual({ statusCode: 400, code: 'InefficientFilter' });
});
