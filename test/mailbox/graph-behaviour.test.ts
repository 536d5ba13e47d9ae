/**
 * Graph backend behaviours against the Entra + Exchange emulators with real msal-node and the real Graph SDK:
 * access classification, delegated refresh-token rotation, delta per resource (paging, created/updated/deleted,
 * calendar window, rejected cursors), throttling (429 with Retry-After, inside $batch, bounded), the per-mailbox
 * concurrency limit, $batch size, immutable ids, extended properties, categories, and "never notify attendees";
 * dropped connections (reads resent, creates never), 401 for app-only vs delegated access, 503 with Retry-After.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ServerError } from '@azure/msal-node';
import { openGraphMailbox, type GraphMailboxOptions } from '../../relay/mailbox/graph';
import { errorFromException, GraphMailboxError, needsReauthorization } from '../../relay/mailbox/graph/errors';
import { isReplayable } from '../../relay/mailbox/graph/middleware';
import { CursorRejectedError, MailboxError, type Mailbox, type MailboxAccess } from '../../relay/mailbox/types';
import { startGraphTestbed, TESTBED_TENANT, type GraphTestbed } from '../emulators/exchange/graph/testbed';
import { generateBulkItems } from '../emulators/exchange/demo-data';
import { generateLoopbackTls } from '../emulators/entra/tls';

let bed: GraphTestbed;
const ANNA = 'anna@contoso.example';
const MARCO = 'marco@contoso.example';
const opened: Mailbox[] = [];

function open(address: string, access: MailboxAccess, extra: GraphMailboxOptions = {}): Mailbox {
  if (access.kind !== 'graph-app' && access.kind !== 'graph-delegated') throw new Error('graph only');
  const mailbox = openGraphMailbox(address, access, bed.options(extra));
  opened.push(mailbox);
  return mailbox;
}

beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(ANNA, 'Anna Berger');
  bed.addMailbox(MARCO, 'Marco Rossi');
});

afterEach(() => {
  bed.exchange.control.clearFaults();
  bed.exchange.control.setLatency(0);
});

afterAll(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await bed?.close();
});

describe('access checks', () => {
  test('application access with all permissions is ok', async () => {
    expect(await open(ANNA, bed.appAccess()).checkAccess()).toMatchObject({ ok: true, problem: 'ok' });
  });

  test('a mailbox outside the RBAC for Applications scope is reported as such', async () => {
    bed.state.restrictApp(bed.app.clientId, [MARCO]);
    try {
      const check = await open(ANNA, bed.appAccess()).checkAccess();
      expect(check).toMatchObject({ ok: false, problem: 'impersonation-denied' });
      expect(check.message).toMatch(/RBAC for Applications/);
      expect(await open(MARCO, bed.appAccess()).checkAccess()).toMatchObject({ ok: true });
    } finally {
      bed.state.clearAppRestriction(bed.app.clientId);
    }
  });

  test('missing application permissions are consent problems naming the area', async () => {
    const clientId = randomUUID();
    bed.entra.control.registerApp({ tenantId: TESTBED_TENANT, clientId, clientSecret: 'limited-secret', roles: ['Mail.ReadWrite', 'Calendars.ReadWrite', 'Contacts.Read'] });
    const check = await open(ANNA, bed.appAccess({ clientId, clientSecret: 'limited-secret' })).checkAccess();
    expect(check.problem).toBe('consent-missing');
    expect(check.message).toMatch(/tasks/);
    expect(check.message).toMatch(/categories/);
  });

  test('unknown mailbox, mailbox without REST, wrong secret', async () => {
    expect((await open('nobody@contoso.example', bed.appAccess()).checkAccess()).problem).toBe('mailbox-not-found');
    bed.addMailbox('onprem@contoso.example');
    bed.state.restDisabled.add('onprem@contoso.example');
    expect((await open('onprem@contoso.example', bed.appAccess()).checkAccess()).problem).toBe('mailbox-not-found');
    const wrong = await open(ANNA, bed.appAccess({ clientSecret: 'wrong' })).checkAccess();
    expect(wrong.problem).toBe('invalid-credentials');
    expect(wrong.message).toMatch(/client secret/);
  });

  test('delegated access reaches only the consenting user, and the rotated refresh token is handed back', async () => {
    const rotated: string[] = [];
    const access = await bed.delegatedAccess(ANNA, async (token) => {
      rotated.push(token);
    });
    const own = open(ANNA, access);
    expect(await own.checkAccess()).toMatchObject({ ok: true });
    expect(rotated).toHaveLength(1);
    expect(rotated[0]).not.toBe(access.refreshToken);
    // The original refresh token was rotated away: a second consumer holding it must fail.
    const stale = await open(ANNA, { ...access }).checkAccess();
    expect(stale.problem).toBe('consent-missing');
    // The rotated one works.
    expect(await open(ANNA, { ...access, refreshToken: rotated[0] }).checkAccess()).toMatchObject({ ok: true });

    const other = await open(MARCO, await bed.delegatedAccess(ANNA)).checkAccess();
    expect(other).toMatchObject({ ok: false, problem: 'consent-missing' });
  });
});

describe('delta', () => {
  test('messages: created, updated, deleted across rounds and pages', async () => {
    const mailbox = open(ANNA, bed.appAccess(), { pageSize: 2 });
    const inbox = await mailbox.getWellKnownFolder('inbox');
    const user = bed.exchange.control.user;
    const delivered = [1, 2, 3].map((n) => user.deliverMessage(ANNA, { from: { address: `s${n}@x.example` }, subject: `m${n}` }));
    // Items created in the second a round starts count as new in the next round too (second-precision server clock).
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const created = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await mailbox.getChanges(inbox.id, 'message', cursor);
      pages += 1;
      page.created.forEach((r) => created.add(r.id));
      cursor = page.cursor;
      if (page.done) break;
    }
    expect(pages).toBeGreaterThan(1);
    for (const m of delivered) expect(created.has(m.id)).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1100)); // next second: creation times after the round start
    const fresh = user.deliverMessage(ANNA, { from: { address: 'new@x.example' }, subject: 'new' });
    user.categorize(ANNA, delivered[0].id, ['Red category']);
    user.delete(ANNA, delivered[1].id, { permanent: true });
    const next = await mailbox.getChanges(inbox.id, 'message', cursor);
    const all = next.done ? next : await mailbox.getChanges(inbox.id, 'message', next.cursor);
    const merged = { created: [...next.created, ...(all === next ? [] : all.created)], updated: [...next.updated, ...(all === next ? [] : all.updated)], deleted: [...next.deleted, ...(all === next ? [] : all.deleted)] };
    expect(merged.created.map((r) => r.id)).toEqual([fresh.id]);
    expect(merged.updated.map((r) => r.id)).toEqual([delivered[0].id]);
    expect(merged.deleted).toEqual([delivered[1].id]);
    const [read] = await mailbox.getMessages([delivered[0].id]);
    expect(read.categories).toEqual(['Red category']);
    expect(merged.updated[0].changeKey).toBe(read.changeKey);
  });

  test('a cursor the server forgot is rejected (410), so the caller restarts', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const inbox = await mailbox.getWellKnownFolder('inbox');
    let page = await mailbox.getChanges(inbox.id, 'message', undefined);
    while (!page.done) page = await mailbox.getChanges(inbox.id, 'message', page.cursor);
    bed.exchange.control.invalidateCursors(ANNA);
    await expect(mailbox.getChanges(inbox.id, 'message', page.cursor)).rejects.toBeInstanceOf(CursorRejectedError);
    bed.exchange.control.addFault({ fault: 'invalid-cursor', protocol: 'graph', path: '/messages/delta' });
    await expect(mailbox.getChanges(inbox.id, 'message', undefined)).rejects.toBeInstanceOf(CursorRejectedError);
    await expect(mailbox.getChanges(inbox.id, 'contact', page.cursor)).rejects.toBeInstanceOf(CursorRejectedError);
  });

  test('calendar: window, moves out of the window are updates, deletes are deletes; old windows are rejected', async () => {
    let now = new Date();
    const mailbox = open(MARCO, bed.appAccess(), { calendarWindow: { pastDays: 10, futureDays: 30, maxAgeDays: 7 }, now: () => now });
    const calendar = await mailbox.getWellKnownFolder('calendar');
    const user = bed.exchange.control.user;
    const at = (days: number): string => new Date(Date.now() + days * 86400_000).toISOString();
    const base = { timeZone: 'W. Europe Standard Time', isAllDay: false, attendees: [], sensitivity: 'normal' as const, categories: [] };
    const inside = user.createEvent(MARCO, { ...base, subject: 'inside', start: at(2), end: at(2.1) });
    const outside = user.createEvent(MARCO, { ...base, subject: 'outside', start: at(90), end: at(90.1) });
    const leaving = user.createEvent(MARCO, { ...base, subject: 'leaving', start: at(3), end: at(3.1) });
    let page = await mailbox.getChanges(calendar.id, 'event', undefined);
    while (!page.done) page = await mailbox.getChanges(calendar.id, 'event', page.cursor);
    const ids = new Set(page.created.map((r) => r.id));
    expect(ids.has(inside.id) && ids.has(leaving.id)).toBe(true);
    expect(ids.has(outside.id)).toBe(false);

    user.edit(MARCO, leaving.id, { start: at(100), end: at(100.1) });
    user.delete(MARCO, inside.id, { permanent: true });
    const next = await mailbox.getChanges(calendar.id, 'event', page.cursor);
    expect(next.deleted).toEqual([inside.id]);
    expect(next.updated.map((r) => r.id)).toEqual([leaving.id]);

    now = new Date(Date.now() + 8 * 86400_000);
    await expect(mailbox.getChanges(calendar.id, 'event', next.cursor)).rejects.toBeInstanceOf(CursorRejectedError);
  });
});

describe('throttling, concurrency, batching', () => {
  test('429 with Retry-After is waited out, also inside $batch; a too long Retry-After fails as throttled', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const inbox = await mailbox.getWellKnownFolder('inbox');
    const control = bed.exchange.control;
    control.addFault({ fault: 'throttle', protocol: 'graph', path: '/messages/delta', times: 2, retryAfterSeconds: 0.2 });
    const before = control.requests('GRAPH GET /users/{id}/mailFolders/{id}/messages/delta');
    const page = await mailbox.getChanges(inbox.id, 'message', undefined);
    expect(page.cursor).toBeTruthy();
    expect(control.requests('GRAPH GET /users/{id}/mailFolders/{id}/messages/delta') - before).toBe(3);

    const ids = [1, 2, 3, 4, 5].map((n) => control.user.deliverMessage(ANNA, { from: { address: 'b@x.example' }, subject: `batch ${n}` }).id);
    control.addFault({ fault: 'throttle', protocol: 'graph', method: 'GET', path: '/messages/', times: 3, retryAfterSeconds: 0.1 });
    const messages = await mailbox.getMessages(ids);
    expect(messages.map((m) => m.id).sort()).toEqual([...ids].sort());

    control.addFault({ fault: 'throttle', protocol: 'graph', path: '/mailFolders/inbox', times: 10, retryAfterSeconds: 600 });
    const error = await mailbox.getWellKnownFolder('inbox').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxError);
    expect((error as MailboxError).code).toBe('throttled');
    expect((error as MailboxError).transient).toBe(true);
  });

  test('at most 4 requests in flight per mailbox; batches of at most 20', async () => {
    const mailbox = open(MARCO, bed.appAccess());
    const mailbox2 = open(MARCO, bed.appAccess());
    const inbox = await mailbox.getWellKnownFolder('inbox');
    const ids = generateBulkItems(bed.exchange.store, MARCO, inbox.id, 90);
    bed.state.resetStats();
    bed.exchange.control.setLatency(15);
    await Promise.all([
      mailbox.getMessages(ids.slice(0, 45)),
      mailbox2.getMessages(ids.slice(45)),
      mailbox.listFolders(),
      mailbox2.listMasterCategories(),
      mailbox.getChanges(inbox.id, 'message', undefined),
      ...ids.slice(0, 6).map((id) => mailbox2.setCategories(id, 'message', ['Blue category'])),
    ]);
    expect(bed.state.concurrencyRejections).toBe(0);
    expect(bed.state.maxConcurrentPerMailbox.get(MARCO)).toBe(4);
    expect(bed.state.batchSizes.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...bed.state.batchSizes)).toBe(20);
  });
});

describe('items', () => {
  test('immutable ids survive a move; C4C ObjectID and categories round-trip', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const message = bed.exchange.control.user.deliverMessage(ANNA, { from: { address: 'c@x.example' }, subject: 'stamp me', attachments: [{ name: 'a.txt', contentType: 'text/plain', contentBase64: Buffer.from('hello').toString('base64') }] });
    const stamped = await mailbox.setC4cObjectId(message.id, 'message', '00163E0A1B2C1EDB');
    expect(stamped.id).toBe(message.id);
    bed.exchange.control.user.move(ANNA, message.id, 'deleteditems');
    const [read] = await mailbox.getMessages([message.id], { withAttachmentContent: true });
    expect(read.c4cObjectId).toBe('00163E0A1B2C1EDB');
    expect(read.attachments[0]).toMatchObject({ name: 'a.txt', contentBase64: Buffer.from('hello').toString('base64') });
    const [light] = await mailbox.getMessages([message.id]);
    expect(light.attachments[0].contentBase64).toBeUndefined();
  });

  test('events are written without attendees or meeting messages; meetings with attendees are not changed', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const calendar = await mailbox.getWellKnownFolder('calendar');
    const ref = await mailbox.createEvent(calendar.id, {
      subject: 'C4C visit',
      start: '2026-12-01T09:00:00.000Z',
      end: '2026-12-01T10:00:00.000Z',
      timeZone: 'W. Europe Standard Time',
      isAllDay: false,
      attendees: [{ address: MARCO, name: 'Marco', type: 'required', response: 'none' }],
      sensitivity: 'normal',
      categories: ['SAP'],
    });
    const [event] = await mailbox.getEvents([ref.id]);
    expect(event).toMatchObject({ subject: 'C4C visit', start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T10:00:00.000Z', timeZone: 'W. Europe Standard Time', categories: ['SAP'] });
    // The attendee round-trips through the private property; the server-side event has none to notify.
    expect(event.attendees).toEqual([{ address: MARCO, name: 'Marco', type: 'required', response: 'none' }]);
    expect(bed.exchange.store.item(ANNA, ref.id)).toMatchObject({ kind: 'event', attendees: [] });
    await mailbox.updateEvent(ref.id, { subject: 'C4C visit (moved)', start: '2026-12-01T11:00:00.000Z', end: '2026-12-01T12:00:00.000Z' });
    await mailbox.deleteEvent(ref.id);
    expect(bed.exchange.store.sentMeetingMessages.filter((m) => m.mailbox === ANNA)).toEqual([]);

    const meeting = bed.exchange.control.user.createEvent(ANNA, { subject: 'Meeting', start: '2026-12-02T09:00:00Z', end: '2026-12-02T10:00:00Z', timeZone: 'UTC', isAllDay: false, attendees: [{ address: 'ext@customer.example', type: 'required', response: 'none' }], sensitivity: 'normal', categories: [] });
    const sentBefore = bed.exchange.store.sentMeetingMessages.length;
    await expect(mailbox.updateEvent(meeting.id, { subject: 'changed' })).rejects.toMatchObject({ code: 'invalid-request' });
    await expect(mailbox.deleteEvent(meeting.id)).rejects.toMatchObject({ code: 'invalid-request' });
    const categorized = await mailbox.setCategories(meeting.id, 'event', ['SAP']);
    expect(categorized.changeKey).not.toBe(meeting.changeKey);
    expect(bed.exchange.store.sentMeetingMessages.length).toBe(sentBefore);
  });

  test('contacts and To Do tasks: create, delta, read, update, stamp, delete', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const folder = await mailbox.ensureFolder('SAP Contacts', 'contacts');
    expect(await mailbox.ensureFolder('SAP Contacts', 'contacts')).toEqual(folder);
    const contact = await mailbox.createContact(folder.id, { displayName: 'Julia Schneider', givenName: 'Julia', surname: 'Schneider', companyName: 'Nordwind', emailAddresses: [{ address: 'julia@nordwind.example', name: 'Julia Schneider' }], businessPhone: '+49 30 1', categories: [] });
    let page = await mailbox.getChanges(folder.id, 'contact', undefined);
    expect(page.created.map((r) => r.id)).toEqual([contact.id]);
    await mailbox.updateContact(contact.id, { jobTitle: 'Head of Procurement' });
    await mailbox.setC4cObjectId(contact.id, 'contact', 'C-1');
    const [readContact] = await mailbox.getContacts([contact.id]);
    expect(readContact).toMatchObject({ folderId: folder.id, jobTitle: 'Head of Procurement', c4cObjectId: 'C-1', businessPhone: '+49 30 1', emailAddresses: [{ address: 'julia@nordwind.example', name: 'Julia Schneider' }] });
    await mailbox.deleteContact(contact.id);
    page = await mailbox.getChanges(folder.id, 'contact', page.cursor);
    expect(page.deleted).toEqual([contact.id]);

    const tasks = await mailbox.getWellKnownFolder('tasks');
    const task = await mailbox.createTask(tasks.id, { subject: 'Call back', status: 'notStarted', importance: 'high', dueDate: '2026-12-03', categories: [] });
    let taskPage = await mailbox.getChanges(tasks.id, 'task', undefined);
    while (!taskPage.done) taskPage = await mailbox.getChanges(tasks.id, 'task', taskPage.cursor);
    expect(taskPage.created.map((r) => r.id)).toContain(task.id);
    await mailbox.updateTask(task.id, { status: 'completed', completedAt: '2026-12-02T10:00:00.000Z' });
    await mailbox.setC4cObjectId(task.id, 'task', 'T-1');
    const [readTask] = await mailbox.getTasks([task.id]);
    expect(readTask).toMatchObject({ id: task.id, subject: 'Call back', status: 'completed', importance: 'high', dueDate: '2026-12-03', completedAt: '2026-12-02T10:00:00.000Z', c4cObjectId: 'T-1' });
    await mailbox.deleteTask(task.id);
    expect(await mailbox.getTasks([task.id])).toEqual([]);
  });

  test('master categories: added once, user colours kept', async () => {
    const mailbox = open(MARCO, bed.appAccess());
    bed.exchange.store.addCategory(MARCO, { displayName: 'SAP Cloud for Customer', color: 'preset2' });
    await mailbox.ensureMasterCategories([
      { displayName: 'SAP Cloud for Customer', color: 'preset7' },
      { displayName: 'SAP Follow-up', color: 'preset9' },
    ]);
    await mailbox.ensureMasterCategories([{ displayName: 'SAP Follow-up', color: 'preset9' }]);
    const list = await mailbox.listMasterCategories();
    expect(list.filter((c) => c.displayName.startsWith('SAP'))).toEqual([
      { displayName: 'SAP Cloud for Customer', color: 'preset2' },
      { displayName: 'SAP Follow-up', color: 'preset9' },
    ]);
  });
});

/**
 * An HTTPS proxy in front of the Graph emulator for what its fault rules cannot express: a 503 that carries
 * Retry-After, and a response lost after the server executed the request. `decide` sees every request; returning
 * undefined forwards it unchanged.
 */
type ProxyAction = { reply: { status: number; headers?: Record<string, string>; body?: unknown } } | { loseResponse: true } | undefined;

interface FaultProxy {
  graphBaseUrl: string;
  caPem: string;
  seen: { method: string; path: string }[];
  close(): Promise<void>;
}

async function startFaultProxy(decide: (method: string, path: string) => ProxyAction): Promise<FaultProxy> {
  const tls = await generateLoopbackTls();
  const target = new URL(bed.exchange.graphBaseUrl);
  const seen: { method: string; path: string }[] = [];
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      seen.push({ method, path });
      const action = decide(method, path);
      if (action && 'reply' in action) {
        res.writeHead(action.reply.status, { 'Content-Type': 'application/json', ...action.reply.headers });
        res.end(action.reply.body === undefined ? undefined : JSON.stringify(action.reply.body));
        return;
      }
      const upstream = https.request(
        // The Host header stays the proxy's, so links the emulator builds (nextLink, deltaLink) lead back through it.
        { host: target.hostname, port: target.port, path, method, headers: req.headers, ca: bed.exchange.caPem },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            if (action && 'loseResponse' in action) {
              // The server did the work; the client never hears about it.
              req.socket.destroy();
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    graphBaseUrl: `https://127.0.0.1:${port}`,
    // The client talks to the proxy only (msal reaches the Entra emulator with its own trust settings).
    caPem: tls.caPem,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('dropped connections, 401, 503 with Retry-After', () => {
  const FOLDER_GET = 'GRAPH GET /users/{id}/mailFolders/{id}';

  test('a dropped connection on a read is resent (also a $batch of GETs), a bounded number of times', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const control = bed.exchange.control;
    const inbox = await mailbox.getWellKnownFolder('inbox');

    let before = control.requests(FOLDER_GET);
    control.addFault({ fault: 'drop', protocol: 'graph', method: 'GET', path: '/mailFolders/inbox', times: 1 });
    expect(await mailbox.getWellKnownFolder('inbox')).toMatchObject({ id: inbox.id });
    expect(control.requests(FOLDER_GET) - before).toBe(2);

    const ids = [1, 2, 3].map((n) => control.user.deliverMessage(ANNA, { from: { address: 'd@x.example' }, subject: `drop ${n}` }).id);
    const batchesBefore = control.requests('GRAPH POST /$batch');
    // A sub-request's drop takes the whole $batch connection down; the batch holds only GETs, so it is resent.
    control.addFault({ fault: 'drop', protocol: 'graph', method: 'GET', path: '/messages/', times: 1 });
    const messages = await mailbox.getMessages(ids);
    expect(messages.map((m) => m.id).sort()).toEqual([...ids].sort());
    expect(control.requests('GRAPH POST /$batch') - batchesBefore).toBe(2);

    before = control.requests(FOLDER_GET);
    control.addFault({ fault: 'drop', protocol: 'graph', method: 'GET', path: '/mailFolders/inbox', times: 100 });
    const error = await mailbox.getWellKnownFolder('inbox').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphMailboxError);
    expect(error).toMatchObject({ code: 'network', transient: true, problem: 'server-unreachable', details: { attempts: 3 } });
    expect(control.requests(FOLDER_GET) - before).toBe(3); // 1 + 2 resends, then the transient error
  });

  test('a create whose connection dropped is reported as network error and never sent twice', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    const control = bed.exchange.control;
    const calendar = await mailbox.getWellKnownFolder('calendar');
    const key = 'GRAPH POST /users/{id}/calendars/{id}/events';
    const before = control.requests(key);
    control.addFault({ fault: 'drop', protocol: 'graph', method: 'POST', path: '/events', times: 1 });
    const input = { subject: `dropped create ${randomUUID()}`, start: '2026-12-03T09:00:00.000Z', end: '2026-12-03T10:00:00.000Z', timeZone: 'UTC', isAllDay: false, attendees: [], sensitivity: 'normal' as const, categories: [] };
    const error = await mailbox.createEvent(calendar.id, input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network', transient: true });
    expect((error as Error).message).toMatch(/not sent again/);
    expect(control.requests(key) - before).toBe(1);
    expect(bed.exchange.store.listItems(ANNA, calendar.id).filter((i) => i.kind === 'event' && i.subject === input.subject)).toHaveLength(0);
  });

  test('a create executed by the server whose answer was lost exists exactly once', async () => {
    const proxy = await startFaultProxy((method, path) => (method === 'POST' && /\/contactFolders\/[^/]+\/contacts/.test(path) ? { loseResponse: true } : undefined));
    try {
      const mailbox = open(ANNA, { ...bed.appAccess(), graphBaseUrl: proxy.graphBaseUrl }, { caPem: proxy.caPem });
      const folder = await mailbox.getWellKnownFolder('contacts');
      const displayName = `Lost Answer ${randomUUID()}`;
      const error = await mailbox.createContact(folder.id, { displayName, emailAddresses: [{ address: 'lost@customer.example' }], categories: [] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'network', transient: true });
      expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
      const stored = bed.exchange.store.listItems(ANNA, folder.id).filter((i) => i.kind === 'contact' && i.displayName === displayName);
      expect(stored).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  test('503 with Retry-After is retried after the hint; 503 without one with the default back-off; a hint over the cap is throttled', async () => {
    let unavailable = 1;
    let hint = '1';
    const proxy = await startFaultProxy((method, path) => {
      if (method !== 'GET' || !path.includes('/mailFolders/inbox') || unavailable <= 0) return undefined;
      unavailable -= 1;
      return { reply: { status: 503, headers: { 'Retry-After': hint }, body: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } } } };
    });
    try {
      const mailbox = open(ANNA, { ...bed.appAccess(), graphBaseUrl: proxy.graphBaseUrl }, { caPem: proxy.caPem });
      await mailbox.getWellKnownFolder('calendar'); // token and connection in place, so only the retry is timed
      const inboxGets = (): number => proxy.seen.filter((r) => r.path.includes('/mailFolders/inbox')).length;
      let started = performance.now();
      const folder = await mailbox.getWellKnownFolder('inbox');
      expect(folder.wellKnownName).toBe('inbox');
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
      expect(inboxGets()).toBe(2);

      unavailable = 100;
      hint = '600';
      started = performance.now();
      const error = await mailbox.getWellKnownFolder('inbox').catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(error).toMatchObject({ code: 'throttled', transient: true, details: { status: 503, retryAfterSeconds: 600 } });
      expect(inboxGets()).toBe(3);
    } finally {
      await proxy.close();
    }
    // The emulator's own 503 has no Retry-After: resent after the default back-off.
    const mailbox = open(ANNA, bed.appAccess());
    const before = bed.exchange.control.requests(FOLDER_GET);
    bed.exchange.control.addFault({ fault: 'server-error', protocol: 'graph', method: 'GET', path: '/mailFolders/inbox', times: 1 });
    expect((await mailbox.getWellKnownFolder('inbox')).wellKnownName).toBe('inbox');
    expect(bed.exchange.control.requests(FOLDER_GET) - before).toBe(2);
  });

  test('401 with application access: the app registration (secret, consent) is named, no user re-authorization', async () => {
    const mailbox = open(ANNA, bed.appAccess());
    bed.exchange.control.addFault({ fault: 'unauthorized', protocol: 'graph', path: '/mailFolders/inbox', times: 1 });
    const error = await mailbox.getWellKnownFolder('inbox').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxError);
    expect(error).toMatchObject({ code: 'invalid-credentials', transient: false, problem: 'invalid-credentials' });
    expect((error as Error).message).toMatch(/client secret/);
    expect((error as Error).message).toMatch(/admin consent/);
    expect((error as Error).message).not.toMatch(/sign in again/);
    expect(needsReauthorization(error)).toBe(false);
  });

  test('401 with delegated access: the user has to sign in again (typed, so the caller can suspend the mailbox)', async () => {
    const mailbox = open(ANNA, await bed.delegatedAccess(ANNA));
    bed.exchange.control.addFault({ fault: 'unauthorized', protocol: 'graph', path: '/mailFolders/inbox', times: 1 });
    const error = await mailbox.getWellKnownFolder('inbox').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxError);
    expect(error).toMatchObject({ code: 'invalid-credentials', transient: false, problem: 'consent-missing' });
    expect((error as Error).message).toMatch(/sign in again/);
    expect((error as Error).message).toMatch(/re-authorize/);
    expect((error as Error).message).toContain(ANNA);
    expect((error as Error).message).not.toMatch(/client secret/);
    expect(needsReauthorization(error)).toBe(true);

    // Every probe of the access check answered 401: reported as the user's authorization, not the app's.
    bed.exchange.control.addFault({ fault: 'unauthorized', protocol: 'graph', times: 5 });
    const check = await mailbox.checkAccess();
    expect(check).toMatchObject({ ok: false, problem: 'consent-missing' });
    expect(check.message).toMatch(/sign in again/);
  });

  test('a revoked grant (AADSTS50173) or an expired refresh token (AADSTS700082) asks the user, not the admin', async () => {
    const access = await bed.delegatedAccess(MARCO);
    bed.entra.control.revokeUserRefreshTokens(TESTBED_TENANT, bed.oidOf(MARCO));
    const error = await open(MARCO, access).listMasterCategories().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxError);
    expect(error).toMatchObject({ transient: false, problem: 'consent-missing' });
    expect((error as Error).message).toMatch(/AADSTS50173/);
    expect((error as Error).message).toMatch(/sign in again/);
    expect(needsReauthorization(error)).toBe(true);

    const expired = new ServerError('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.');
    const delegated = errorFromException(expired, 'token request', { address: MARCO, appOnly: false });
    expect(delegated).toMatchObject({ code: 'access-denied', transient: false, problem: 'consent-missing' });
    expect(delegated.message).toMatch(/sign in again/);
    expect(needsReauthorization(delegated)).toBe(true);
    // The same answer to an app-only request is the app's configuration.
    const app = errorFromException(expired, 'token request', { address: MARCO, appOnly: true });
    expect(app.message).toMatch(/client secret/);
    expect(needsReauthorization(app)).toBe(false);
    // A wrong client secret in delegated mode is still the admin's to fix.
    const secret = errorFromException(new ServerError('invalid_client', 'AADSTS7000215: Invalid client secret provided.'), 'token request', { address: MARCO, appOnly: false });
    expect(secret).toMatchObject({ code: 'invalid-credentials', problem: 'invalid-credentials' });
    expect(needsReauthorization(secret)).toBe(false);
  });

  test('only idempotent requests are replayable after a drop', () => {
    const batch = (methods: string[]): string => JSON.stringify({ requests: methods.map((method, i) => ({ id: String(i), method, url: '/users/a/messages/x' })) });
    expect(isReplayable('https://g/v1.0/users/a/messages/x', 'GET', undefined)).toBe(true);
    expect(isReplayable('https://g/v1.0/$batch', 'POST', batch(['GET', 'get']))).toBe(true);
    expect(isReplayable('https://g/v1.0/$batch', 'POST', batch(['GET', 'PATCH']))).toBe(false);
    expect(isReplayable('https://g/v1.0/$batch', 'POST', 'not json')).toBe(false);
    expect(isReplayable('https://g/v1.0/users/a/events', 'POST', '{}')).toBe(false);
    expect(isReplayable('https://g/v1.0/users/a/events/x', 'PATCH', '{}')).toBe(false);
    expect(isReplayable('https://g/v1.0/users/a/events/x', 'DELETE', undefined)).toBe(false);
  });
});
