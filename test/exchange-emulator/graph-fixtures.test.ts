/**
 * The published Microsoft Graph examples (fixtures/graph, copied from Microsoft's documentation) against our code:
 * 1. every published response body is read with the same functions the relay's Graph client uses;
 * 2. every published request is sent to the Graph emulator (seeded with the example's data) and its answer compared
 *    with the published response. Ids, change keys, etags, timestamps, tokens and hosts are normalized; what remains
 *    must be equal, except for the differences listed per example (each one explained), so a regression in shape or
 *    value fails here.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { composeTaskId } from '../../relay/mailbox/graph';
import { errorFromGraphResponse, GraphMailboxError } from '../../relay/mailbox/graph/errors';
import { readDeltaPage } from '../../relay/mailbox/graph/graph-mailbox';
import { itemRefOf, toCalendarEvent, toMailContact, toMailMessage, toMailTask, toMasterCategory } from '../../relay/mailbox/graph/mapping';
import { parseBatchResponse } from '../../relay/mailbox/graph/transport';
import type { StoredItem } from '../emulators/exchange/store';
import { startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'graph');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));

interface HttpFixture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

function httpFixture(name: string): HttpFixture {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  const [head, ...rest] = text.split(/\r?\n\r?\n/);
  const [requestLine, ...headerLines] = head.split(/\r?\n/);
  const [method, url] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    // The published Content-Length values do not match the bodies (README); let the client compute its own.
    if (key.toLowerCase() !== 'content-length') headers[key] = line.slice(colon + 1).trim();
  }
  const bodyText = rest.join('\n\n').trim();
  return { method, url, headers, body: bodyText ? (JSON.parse(bodyText) as unknown) : undefined };
}

// --- 1. published responses through the client's parsing ----------------------------------------------------------

describe('published Graph responses parse with the client code', () => {
  test('message-get: full message', () => {
    const m = toMailMessage(fixture('message-get.json'));
    expect(m).toMatchObject({
      id: 'AAMkADhMGAAA=',
      changeKey: 'CQAAABYAAAC4ofQHEIqCSbQPot83AFcbAAAnjjuZ',
      folderId: 'AAMkADcbAAAAAAEJAAA=',
      internetMessageId: '<MWHPR6E1BE060@MWHPR1120.namprd22.prod.outlook.com>',
      conversationId: 'AAQkADOUpag6yWs=',
      subject: '9/9/2018: concert',
      from: { address: 'adelev@contoso.OnMicrosoft.com', name: 'Adele Vance' },
      to: [{ address: 'AlexW@contoso.OnMicrosoft.com', name: 'Alex Wilber' }],
      cc: [],
      sentAt: '2018-09-09T03:15:06.000Z',
      receivedAt: '2018-09-09T03:15:08.000Z',
      isDraft: false,
      categories: [],
      attachments: [],
    });
    expect(m.bodyHtml).toContain('The group represents Nevada.');
  });

  test('message-get-text-body: a text body is kept as HTML', () => {
    const m = toMailMessage(fixture('message-get-text-body.json'));
    expect(m.bodyHtml.startsWith('<pre>')).toBe(true);
    expect(m.bodyHtml).toContain('Welcome to our group, Dana!');
    expect(m.changeKey).toBe('CQAAABYAAABmWdbhEgBXTophjCWt81m9AAAoZYj4'); // from @odata.etag ($select without changeKey)
  });

  test('event-create responses: local times in Pacific time become UTC instants, attendees and organizer read', () => {
    const e = toCalendarEvent(fixture('event-create.json'));
    expect(e).toMatchObject({
      id: 'AAMkAGI1AAAt9AHjAAA=',
      subject: "Let's go brunch",
      start: '2017-04-15T18:00:00.000Z', // 11:00 PDT
      end: '2017-04-15T19:00:00.000Z',
      timeZone: 'Pacific Standard Time',
      location: "Harry's Bar",
      organizer: { address: 'danas@contoso.onmicrosoft.com', name: 'Dana Swope' },
      attendees: [{ address: 'samanthab@contoso.onmicrosoft.com', name: 'Samantha Booth', type: 'required', response: 'none' }],
      isOrganizer: true,
      isCancelled: false,
      type: 'singleInstance',
      sensitivity: 'normal',
      categories: [],
    });
    const two = toCalendarEvent(fixture('event-create-two-attendees.json'));
    expect(two.attendees.map((a) => a.address)).toEqual(['DanaS@contoso.onmicrosoft.com', 'AlexW@contoso.onmicrosoft.com']);
    expect(two.start).toBe('2017-08-30T18:00:00.000Z');
  });

  test('message delta rounds: items, etag change keys, next/delta links, @removed', () => {
    const pages = ['message-delta-sync-1.json', 'message-delta-sync-2.json', 'message-delta-sync-3.json'].map((f) => readDeltaPage(fixture(f)));
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages[0].items[0]).toEqual({ id: 'AAMkADNkNAAASq35xAAA=', changeKey: 'CQAAABYAAAARn2vdzPFjSbaPPxzjlzOTAAASsKZz', createdDateTime: undefined });
    expect(pages[0].nextLink).toMatch(/\$skiptoken=/);
    expect(pages[2]).toMatchObject({ nextLink: undefined, deltaLink: expect.stringMatching(/\$deltatoken=/) });
    const next = readDeltaPage(fixture('message-delta-sync-next-round.json'));
    expect(next.removed).toEqual(['AAMkADk0MGFkODE3LWE4MmYtNDRhOS0Dh_6qB-pB2Sa2pUum19a6YAAKnLuxoAAA=']);
    expect(next.items.map((i) => i.id)).toEqual(['AAMkADNkNAAASq35xAAA=']);
    // The same items read as messages (partial, as $select returns them).
    const first = fixture('message-delta-sync-1.json') as { value: unknown[] };
    expect(toMailMessage(first.value[0])).toMatchObject({ subject: 'Holiday hours update', from: { address: 'danas@contoso.com', name: 'Dana Swope' } });
  });

  test('event delta rounds read as events', () => {
    for (const name of ['event-delta-sync-1.json', 'event-delta-sync-2.json', 'event-delta-sync-3.json', 'event-delta-sync-next-round.json']) {
      const page = readDeltaPage(fixture(name));
      const body = fixture(name) as { value: Record<string, unknown>[] };
      const events = body.value.filter((v) => !v['@removed']).map(toCalendarEvent);
      expect(events.map((e) => e.id)).toEqual(page.items.map((i) => i.id));
      for (const e of events) expect(e.organizer).toEqual({ address: 'samanthab@contoso.onmicrosoft.com', name: 'Samantha Booth' });
    }
    const rest = toCalendarEvent((fixture('event-delta-sync-3.json') as { value: unknown[] }).value[0]);
    expect(rest).toMatchObject({ subject: 'Rest!', start: '2016-12-12T02:00:00.000Z', end: '2016-12-12T07:30:00.000Z', location: 'Home' });
    expect(readDeltaPage(fixture('event-delta-sync-next-round.json')).removed).toHaveLength(1);
  });

  test('To Do task delta reads as tasks with list-qualified ids', () => {
    const page = readDeltaPage(fixture('todotask-delta.json'));
    expect(page.deltaLink).toMatch(/\/todo\/lists\/gDbc8U7HGwADDZocJgAAAA==\/tasks\/delta\?\$deltatoken=/);
    const task = toMailTask((fixture('todotask-delta.json') as { value: unknown[] }).value[0], 'gDbc8U7HGwADDZocJgAAAA==');
    expect(task).toMatchObject({ subject: 'empty task3', status: 'notStarted', importance: 'normal', changeKey: '4rfRVIPi9EqXgDbc8U7HGwADLLQ9xQ==', categories: [] });
    expect(task.id).toBe(composeTaskId('gDbc8U7HGwADDZocJgAAAA==', page.items[0].id));
  });

  test('placeholder examples without ids are refused instead of being misread', () => {
    for (const name of ['message-delta.json', 'event-delta.json', 'contact-delta.json']) expect(() => readDeltaPage(fixture(name))).toThrow(GraphMailboxError);
    expect(() => itemRefOf(fixture('message-update.json'))).toThrow();
    expect(() => itemRefOf(fixture('event-update-categories.json'))).toThrow();
    expect(() => toMailContact((fixture('contact-delta.json') as { value: unknown[] }).value[0])).toThrow();
  });

  test('master categories', () => {
    const list = (fixture('mastercategories-list.json') as { value: unknown[] }).value.map(toMasterCategory);
    expect(list[0]).toEqual({ displayName: 'Red category', color: 'preset0' });
    expect(list).toHaveLength(6);
    expect(toMasterCategory(fixture('mastercategories-create.json'))).toEqual({ displayName: 'Project expenses', color: 'preset9' });
  });

  test('batch responses: per-request status and errors', () => {
    const responses = parseBatchResponse(fixture('batch.json'));
    expect(responses.map((r) => [r.id, r.status])).toEqual([['1', 200], ['2', 403], ['3', 403], ['4', 405], ['5', 200]]);
    const denied = errorFromGraphResponse(403, responses[2].body as never, undefined, 'DELETE /groups/x', { address: 'a@b.example', appOnly: true });
    expect(denied).toMatchObject({ code: 'access-denied', problem: 'consent-missing' });
    const notAllowed = errorFromGraphResponse(405, responses[3].body as never, undefined, 'POST /x', { address: 'a@b.example', appOnly: true });
    expect(notAllowed).toMatchObject({ code: 'invalid-request', transient: false });
  });

  test('429 with a fractional Retry-After', () => {
    const error = errorFromGraphResponse(429, fixture('throttling-429.json') as never, '2.128', 'GET /x', { address: 'a@b.example', appOnly: true });
    expect(error).toMatchObject({ code: 'throttled', transient: true, problem: 'throttled', details: { status: 429, graphCode: 'TooManyRequests', retryAfterSeconds: 2.128 } });
  });
});

// --- 2. published requests against the emulator -------------------------------------------------------------------

const VOLATILE = new Set([
  'id',
  '@odata.etag',
  'changeKey',
  'createdDateTime',
  'lastModifiedDateTime',
  'receivedDateTime',
  'sentDateTime',
  'iCalUId',
  'webLink',
  'conversationId',
  'parentFolderId',
  'request-id',
  'client-request-id',
  'date',
]);
const LINK_WORDS = new Set(['v1.0', 'beta', 'me', 'users', 'mailfolders', 'messages', 'delta', 'calendarview', 'calendars', 'contactfolders', 'contacts', 'todo', 'lists', 'tasks', 'outlook', 'mastercategories', 'events', '$metadata']);

function normalizeLink(link: string): string {
  const url = link.replace(/^https:\/\/[^/]+/, 'GRAPH');
  const [pathPart, query = ''] = url.split('?');
  const normalizedPath = pathPart
    .split('/')
    .map((segment, i) => {
      if (i === 0) return segment;
      // Graph prints both `mailfolders('id')` and `mailfolders/id` in its links (both published); compare them as one.
      const m = /^([A-Za-z]+)\('[^']*'\)$/.exec(segment);
      if (m) return `${m[1].toLowerCase()}/{id}`;
      return LINK_WORDS.has(segment.toLowerCase()) ? segment.toLowerCase() : '{id}';
    })
    .join('/');
  return `${normalizedPath}?${query.replace(/(\$skiptoken|\$deltatoken)=.*$/i, '$1=<token>')}`;
}

function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]));
  if (typeof value !== 'string') return value;
  if (VOLATILE.has(key)) return '<volatile>';
  if (key === '@odata.nextLink' || key === '@odata.deltaLink') return normalizeLink(value);
  if (key === '@odata.context') return value.replace(/^https:\/\/[^/]+/, 'GRAPH').replace(/users\('[^']*'\)/, "users('{user}')");
  return value;
}

/** Paths where `expected` (the published body) is not matched by `actual`: missing keys or different values. */
function differences(expected: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: not an array`];
    if (expected.length !== actual.length) return [`${at}: length ${actual.length} instead of ${expected.length}`];
    return expected.flatMap((e, i) => differences(e, actual[i], `${at}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${at}: not an object`];
    return Object.entries(expected).flatMap(([k, v]) => (k in actual ? differences(v, (actual as Record<string, unknown>)[k], at ? `${at}.${k}` : k) : [`${at ? `${at}.` : ''}${k}: missing`]));
  }
  return Object.is(expected, actual) ? [] : [`${at}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`];
}

function compare(fixtureName: string, actual: unknown): string[] {
  return differences(normalize(fixture(fixtureName)), normalize(actual));
}

describe('published requests answered by the Graph emulator like the published responses', () => {
  let bed: GraphTestbed;
  const tokens = new Map<string, string>();
  const DELEGATED = ['Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite', 'MailboxSettings.ReadWrite'];

  beforeAll(async () => {
    bed = await startGraphTestbed();
  });
  afterAll(async () => {
    await bed?.close();
  });
  afterEach(() => bed.exchange.control.clearFaults());

  async function tokenFor(address: string): Promise<string> {
    const cached = tokens.get(address);
    if (cached) return cached;
    const token = await bed.entra.control.issueUserToken({ tenantId: TESTBED_TENANT, audience: 'https://graph.microsoft.com', oid: bed.oidOf(address), scp: DELEGATED });
    tokens.set(address, token);
    return token;
  }

  /** Sends a request as the signed-in user (`/me` of the published examples). */
  async function send(user: string, request: HttpFixture): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
    const url = new URL(request.url.replace('https://graph.microsoft.com', bed.exchange.graphBaseUrl));
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { ...request.headers, Authorization: `Bearer ${await tokenFor(user)}` };
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method: request.method, headers, ca: bed.exchange.caPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  const follow = (request: HttpFixture, link: string): HttpFixture => ({ ...request, url: link.replace(/^https:\/\/[^/]+/, 'https://graph.microsoft.com') });

  test('master categories: list of a new mailbox, create', async () => {
    const user = bed.addMailbox('cat.owner@contoso.example', 'Category Owner');
    const list = await send(user, httpFixture('mastercategories-list.http'));
    expect(list.status).toBe(200);
    expect(compare('mastercategories-list.json', list.body)).toEqual([]);
    const created = await send(user, httpFixture('mastercategories-create.http'));
    expect(created.status).toBe(201);
    expect(compare('mastercategories-create.json', created.body)).toEqual([]);
    expect((await send(user, httpFixture('mastercategories-create.http'))).status).toBe(409); // displayName is unique
  });

  test('message-get and message-get-text-body', async () => {
    const user = bed.addMailbox('alexw@contoso.onmicrosoft.com', 'Alex Wilber');
    const published = fixture('message-get.json') as { body: { content: string }; internetMessageId: string };
    const store = bed.exchange.store;
    const message = store.createItem(user, store.wellKnownFolder(user, 'inbox').id, {
      kind: 'message',
      internetMessageId: published.internetMessageId,
      subject: '9/9/2018: concert',
      from: { address: 'adelev@contoso.OnMicrosoft.com', name: 'Adele Vance' },
      to: [{ address: 'AlexW@contoso.OnMicrosoft.com', name: 'Alex Wilber' }],
      cc: [],
      sentAt: '2018-09-09T03:15:06Z',
      receivedAt: '2018-09-09T03:15:08Z',
      isDraft: false,
      isRead: true,
      bodyHtml: published.body.content,
      attachments: [],
      conversationId: 'AAQkADOUpag6yWs=',
    });
    const request = httpFixture('message-get.http');
    const get = await send(user, { ...request, url: request.url.replace('AAMkADhMGAAA=', message.id), headers: { Prefer: 'IdType="ImmutableId"' } });
    expect(get.status).toBe(200);
    expect(compare('message-get.json', get.body)).toEqual([]);

    const textRequest = httpFixture('message-get-text-body.http');
    const text = await send(user, { ...textRequest, url: textRequest.url.replace('AAMkAGI1AAAoZCfHAAA=/', `${message.id}`) });
    expect(text.status).toBe(200);
    expect(text.headers['preference-applied']).toContain('outlook.body-content-type="text"');
    expect(Object.keys(text.body as object).sort()).toEqual(Object.keys(fixture('message-get-text-body.json') as object).sort());
    // Different message content: only the text rendering of our own body differs.
    expect(compare('message-get-text-body.json', text.body).map((d) => d.split(':')[0])).toEqual(['subject', 'bodyPreview', 'body.content', 'uniqueBody.content']);
    expect((text.body as { body: { contentType: string; content: string } }).body).toEqual({ contentType: 'text', content: 'The group represents Nevada.' });
  });

  test('message delta: three pages of two, then the next round with a removal', async () => {
    const user = bed.addMailbox('danas@contoso.com', 'Dana Swope');
    const store = bed.exchange.store;
    const folder = store.createFolder(user, store.wellKnownFolder(user, 'msgfolderroot').id, 'Holiday', 'mail');
    const published = [1, 2, 3].flatMap((n) => (fixture(`message-delta-sync-${n}.json`) as { value: { subject: string; isRead: boolean; sender: { emailAddress: { name: string; address: string } } }[] }).value);
    const created = new Map<string, StoredItem>();
    // The store reports the newest change first: create in reverse to get the published order.
    for (const m of [...published].reverse()) {
      created.set(m.subject, store.createItem(user, folder.id, { kind: 'message', internetMessageId: `<${m.subject.length}@contoso.com>`, subject: m.subject, from: m.sender.emailAddress, to: [], cc: [], isDraft: false, isRead: m.isRead, bodyHtml: '', attachments: [] }));
    }
    const first = httpFixture('message-delta-sync-1.http');
    let response = await send(user, { ...first, url: first.url.replace('AQMkADNkNAAAgEMAAAA', folder.id) });
    const selected = ['@odata.type', '@odata.etag', 'subject', 'isRead', 'sender', 'id'];
    for (const n of [1, 2, 3]) {
      expect(response.status).toBe(200);
      expect(compare(`message-delta-sync-${n}.json`, response.body)).toEqual([]);
      for (const item of (response.body as { value: object[] }).value) expect(Object.keys(item).sort()).toEqual([...selected].sort());
      const link = (response.body as Record<string, string>)['@odata.nextLink'];
      if (n < 3) response = await send(user, follow(httpFixture(`message-delta-sync-${n + 1}.http`), link));
    }
    const deltaLink = (response.body as Record<string, string>)['@odata.deltaLink'];
    bed.exchange.control.user.edit(user, (created.get('Holiday hours update') as StoredItem).id, { isRead: true });
    store.deleteItem(user, (created.get('Microsoft Virtual Academy at Contoso') as StoredItem).id, 'hard');
    const next = await send(user, follow(httpFixture('message-delta-sync-next-round.http'), deltaLink));
    // The page prints isRead as the string "true" there (README); everything else matches.
    expect(compare('message-delta-sync-next-round.json', next.body)).toEqual(['value[1].isRead: true instead of "true"']);
  });

  test('calendarView delta: window, pages of two, next round with a removal and a new event', async () => {
    const user = bed.addMailbox('samanthab@contoso.onmicrosoft.com', 'Samantha Booth');
    const store = bed.exchange.store;
    const calendar = store.wellKnownFolder(user, 'calendar');
    const published = [1, 2, 3].flatMap((n) => (fixture(`event-delta-sync-${n}.json`) as { value: { subject: string; start: { dateTime: string }; end: { dateTime: string }; location?: { displayName: string } }[] }).value);
    const event = (subject: string, start: string, end: string, location?: string): StoredItem =>
      store.createItem(user, calendar.id, { kind: 'event', iCalUid: `UID-${subject}`, subject, start: `${start.slice(0, 19)}Z`, end: `${end.slice(0, 19)}Z`, timeZone: 'UTC', isAllDay: false, location, bodyHtml: '', organizer: { address: user, name: 'Samantha Booth' }, attendees: [], isOrganizer: true, isCancelled: false, type: 'singleInstance', sensitivity: 'normal', myResponse: 'organizer' });
    const ids = new Map<string, string>();
    for (const e of [...published].reverse()) ids.set(e.subject, event(e.subject, e.start.dateTime, e.end.dateTime, e.location?.displayName).id);
    event('Outside the window', '2017-01-15T10:00:00', '2017-01-15T11:00:00');

    let response = await send(user, httpFixture('event-delta-sync-1.http'));
    for (const n of [1, 2, 3]) {
      expect(response.status).toBe(200);
      expect(compare(`event-delta-sync-${n}.json`, response.body)).toEqual([]);
      const link = (response.body as Record<string, string>)['@odata.nextLink'];
      if (n < 3) response = await send(user, follow(httpFixture(`event-delta-sync-${n + 1}.http`), link));
    }
    const deltaLink = (response.body as Record<string, string>)['@odata.deltaLink'];
    event('Attend service', '2016-12-25T06:00:00', '2016-12-25T07:30:00', 'Chapel of Saint Ignatius');
    store.deleteItem(user, ids.get('Pick up car') as string, 'hard');
    const next = await send(user, follow(httpFixture('event-delta-sync-next-round.http'), deltaLink));
    // The store keeps a location's name only, not its postal address and coordinates.
    expect(compare('event-delta-sync-next-round.json', next.body)).toEqual(['value[1].location.address: missing', 'value[1].location.coordinates: missing']);
  });

  test('placeholder delta examples: same envelope and item properties', async () => {
    const user = bed.addMailbox('placeholder@contoso.example', 'Placeholder User');
    const store = bed.exchange.store;
    const inbox = store.wellKnownFolder(user, 'inbox');
    for (const n of [1, 2, 3]) bed.exchange.control.user.deliverMessage(user, { from: { address: `p${n}@x.example` }, subject: `p${n}` });
    const contacts = store.wellKnownFolder(user, 'contacts');
    for (const n of [1, 2, 3]) bed.exchange.control.user.createContact(user, { displayName: `Contact ${n}`, givenName: 'Contact', emailAddresses: [] });
    const now = Date.now();
    for (const n of [1, 2, 3]) bed.exchange.control.user.createEvent(user, { subject: `e${n}`, start: new Date(now + n * 3600_000).toISOString(), end: new Date(now + n * 3600_000 + 1800_000).toISOString(), timeZone: 'UTC', isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] });

    const keysOf = (body: unknown): string[] => Object.keys((body as { value: object[] }).value[0]);
    const envelope = (body: unknown): string => normalizeLink((body as Record<string, string>)['@odata.nextLink']);

    const messages = httpFixture('message-delta.http');
    const m = await send(user, { ...messages, url: messages.url.replace('{id}', inbox.id) });
    expect(envelope(m.body)).toBe(normalizeLink((fixture('message-delta.json') as Record<string, string>)['@odata.nextLink']));
    expect(keysOf(m.body)).toEqual(expect.arrayContaining(keysOf(fixture('message-delta.json'))));

    const events = httpFixture('event-delta.http');
    const e = await send(user, { ...events, url: events.url.replace('{start_datetime}', new Date(now - 86400_000).toISOString()).replace('{end_datetime}', new Date(now + 86400_000).toISOString()) });
    expect(envelope(e.body)).toBe(normalizeLink((fixture('event-delta.json') as Record<string, string>)['@odata.nextLink']));
    expect(keysOf(e.body)).toEqual(expect.arrayContaining(keysOf(fixture('event-delta.json'))));

    const contactRequest = httpFixture('contact-delta.http');
    const c = await send(user, { ...contactRequest, url: contactRequest.url.replace('{id}', contacts.id) });
    expect(envelope(c.body)).toBe(normalizeLink((fixture('contact-delta.json') as Record<string, string>)['@odata.nextLink']));
    // We honour $select=displayName; the published page shows more properties than were selected (README).
    expect(keysOf(c.body).sort()).toEqual(['@odata.etag', '@odata.type', 'displayName', 'id']);
  });

  test('To Do task delta', async () => {
    const user = bed.addMailbox('todo.user@contoso.example', 'Todo User');
    const list = bed.exchange.store.wellKnownFolder(user, 'tasks');
    bed.exchange.control.user.createTask(user, { subject: 'empty task3', status: 'notStarted', importance: 'normal' });
    // The published request replays a published $deltatoken; ours starts the round, which ends on the same single page.
    const request = httpFixture('todotask-delta.http');
    const response = await send(user, { ...request, url: request.url.replace('gDbc8U7HGwADDZocJgAAAA==', list.id).replace(/\?\$deltatoken=.*$/, '') });
    expect(response.status).toBe(200);
    expect(compare('todotask-delta.json', response.body)).toEqual([]);
    const stale = await send(user, request);
    expect(stale.status).toBe(404); // the published list id does not exist here
  });

  test('event creation with attendees, in Pacific time', async () => {
    bed.addMailbox('danas@contoso.onmicrosoft.com', 'Dana Swope');
    const sentBefore = bed.exchange.store.sentMeetingMessages.length;
    const created = await send('danas@contoso.onmicrosoft.com', httpFixture('event-create.http'));
    expect(created.status).toBe(201);
    // The published response is not the answer to this request (README): subject and times differ.
    expect(compare('event-create.json', created.body)).toEqual([
      `subject: "Let's go for lunch" instead of "Let's go brunch"`,
      'start.dateTime: "2017-04-15T12:00:00.0000000" instead of "2017-04-15T11:00:00.0000000"',
      'end.dateTime: "2017-04-15T14:00:00.0000000" instead of "2017-04-15T12:00:00.0000000"',
    ]);
    // Graph invites attendees of events it creates: the emulator records the invitation.
    expect(bed.exchange.store.sentMeetingMessages.length).toBe(sentBefore + 1);

    bed.addMailbox('adelev@contoso.onmicrosoft.com', 'Adele Vance');
    const two = await send('adelev@contoso.onmicrosoft.com', httpFixture('event-create-two-attendees.http'));
    expect(two.status).toBe(201);
    expect(compare('event-create-two-attendees.json', two.body)).toEqual([
      // Line breaks of the HTML body are the service's formatting.
      expect.stringMatching(/^body\.content: /),
      // The store keeps one location string; the per-location details of the request are not modelled.
      'locations[1].uniqueId: missing',
      'locations[1].uniqueIdType: "unknown" instead of "private"',
      'locations[1].address: missing',
      'locations[1].coordinates: missing',
      // The store keeps mailbox addresses lower-cased.
      'organizer.emailAddress.address: "adelev@contoso.onmicrosoft.com" instead of "AdeleV@contoso.onmicrosoft.com"',
    ]);
  });

  test('event update with categories; message update', async () => {
    const user = 'danas@contoso.onmicrosoft.com';
    const event = bed.exchange.control.user.createEvent(user, { subject: 'To update', start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:00:00Z', timeZone: 'UTC', isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] });
    const request = httpFixture('event-update-categories.http');
    const updated = await send(user, { ...request, url: request.url.replace('{id}', event.id) });
    expect(updated.status).toBe(200);
    expect((updated.body as { categories: string[] }).categories).toEqual(['Red category']);
    // Placeholder values in the published body: same properties, our values.
    expect(Object.keys(updated.body as object)).toEqual(expect.arrayContaining(Object.keys(fixture('event-update-categories.json') as object)));

    const message = bed.exchange.control.user.deliverMessage(user, { from: { address: 'x@y.example' }, subject: 'before' });
    const patch = httpFixture('message-update.http');
    const m = await send(user, { ...patch, url: patch.url.replace('{id}', message.id) });
    expect(m.status).toBe(200);
    expect(Object.keys(m.body as object)).toEqual(expect.arrayContaining(Object.keys(fixture('message-update.json') as object)));
    expect(m.body).toMatchObject({ subject: 'subject-value', bodyPreview: 'content-value', body: { contentType: 'html' } });
  });

  test('batch: envelope and per-request OData errors (the directory resources of the example are not emulated)', async () => {
    const user = bed.addMailbox('batch.user@contoso.example', 'Batch User');
    const response = await send(user, httpFixture('batch.http'));
    expect(response.status).toBe(200);
    const responses = (response.body as { responses: { id: string; status: number; headers: object; body: { error: { code: string; message: string; innerError: object } } }[] }).responses;
    expect(responses.map((r) => r.id)).toEqual(['1', '2', '3', '4', '5']);
    for (const r of responses) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys(r.body.error).sort()).toEqual(['code', 'innerError', 'message']);
      expect(Object.keys(r.body.error.innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    }
    const tooMany = await send(user, { ...httpFixture('batch.http'), body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/me/mailFolders/inbox' })) } });
    expect(tooMany.status).toBe(400);
    const ordered = await send(user, { ...httpFixture('batch.http'), body: fixture('batch-dependson-request-body.json') });
    expect((ordered.body as { responses: { id: string; status: number }[] }).responses.map((r) => [r.id, r.status])).toEqual([['1', 400], ['2', 424], ['4', 424], ['3', 424]]);
  });

  test('throttling response', async () => {
    const user = bed.addMailbox('throttled@contoso.example', 'Throttled');
    bed.exchange.control.addFault({ fault: 'throttle', protocol: 'graph', retryAfterSeconds: 2.128 });
    const response = await send(user, { method: 'GET', url: 'https://graph.microsoft.com/v1.0/me/mailFolders/inbox', headers: {} });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('2.128');
    expect(compare('throttling-429.json', response.body)).toEqual([]);
  });
});
