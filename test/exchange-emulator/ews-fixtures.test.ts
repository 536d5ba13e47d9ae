/**
 * The published EWS examples (fixtures/ews, from Microsoft's Exchange developer docs) checked two ways:
 * 1. Emulator fidelity: each published request is sent to the emulator (ids swapped for real ones, the docs' https
 *    envelope namespace put back to http) and the answer must have the published response's shape — operation
 *    response element, response message element, ResponseClass, ResponseCode, item element names, and the published
 *    child elements in the published order (ids, change keys and sync states normalized away).
 * 2. Client parsing: each published response is replayed by a tiny server to the relay's EWS mailbox, which goes
 *    through ews-javascript-api's own response parsing, and must produce the values shown in the response.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { startExchangeEmulator, DEMO_MAILBOX_PASSWORD, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { CursorRejectedError, type Mailbox } from '../../relay/mailbox/types';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'ews');
const anna = DEMO_USERS[0].email;

function fixture(name: string): string {
  // The "how to" articles print the SOAP envelope namespace as https (a docs artifact; README "Caveats").
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').replace(/https:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//g, 'http://schemas.xmlsoap.org/soap/envelope/');
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, preserveOrder: true, trimValues: true });
type Ordered = Record<string, unknown>[];

function childrenOf(node: Record<string, unknown>): Ordered {
  const name = Object.keys(node).find((k) => k !== ':@');
  const value = name ? node[name] : undefined;
  return Array.isArray(value) ? (value as Ordered) : [];
}
function nameOf(node: Record<string, unknown>): string {
  return Object.keys(node).find((k) => k !== ':@') ?? '';
}
function attrOf(node: Record<string, unknown>, attr: string): string | undefined {
  return (node[':@'] as Record<string, string> | undefined)?.[`@_${attr}`];
}
function find(nodes: Ordered, name: string): Record<string, unknown> | undefined {
  for (const node of nodes) {
    if (nameOf(node) === name) return node;
    const inner = find(childrenOf(node), name);
    if (inner) return inner;
  }
  return undefined;
}
function textOf(node: Record<string, unknown> | undefined): string | undefined {
  if (!node) return undefined;
  const t = childrenOf(node).find((c) => '#text' in c);
  return t ? String(t['#text']) : undefined;
}

interface Skeleton {
  operation: string;
  messages: { element: string; responseClass?: string; responseCode?: string; items: { element: string; children: string[] }[] }[];
}

/** The shape of a response, ids and values aside. */
function skeleton(xml: string): Skeleton {
  const doc = parser.parse(xml) as Ordered;
  const body = find(doc, 'Body');
  if (!body) throw new Error('No SOAP body');
  const response = childrenOf(body).find((n) => nameOf(n).endsWith('Response'));
  if (!response) throw new Error('No operation response');
  const messages = childrenOf(find(childrenOf(response), 'ResponseMessages') ?? {}).filter((n) => nameOf(n) !== '#text');
  return {
    operation: nameOf(response),
    messages: messages.map((m) => {
      const containers = childrenOf(m).filter((c) => ['Items', 'Folders', 'Changes', 'RootFolder'].includes(nameOf(c)));
      const items = containers.flatMap((c) => {
        const list = nameOf(c) === 'RootFolder' ? childrenOf(find(childrenOf(c), 'Folders') ?? {}) : childrenOf(c);
        return list.filter((entry) => nameOf(entry) !== '#text').map((entry) => {
          // Sync changes wrap the item (Create/Update) — describe the wrapped element.
          const inner = ['Create', 'Update'].includes(nameOf(entry)) ? childrenOf(entry)[0] : entry;
          return { element: `${nameOf(entry)}${inner !== entry ? `/${nameOf(inner)}` : ''}`, children: childrenOf(inner).map(nameOf).filter((n) => n !== '#text') };
        });
      });
      return { element: nameOf(m), responseClass: attrOf(m, 'ResponseClass'), responseCode: textOf(find(childrenOf(m), 'ResponseCode')), items };
    }),
  };
}

/** True when `sub` appears in `full` in the same relative order (elements missing from `full` are reported). */
function orderedSubset(sub: string[], full: string[]): { missing: string[]; outOfOrder: boolean } {
  const missing = sub.filter((n) => !full.includes(n));
  const present = sub.filter((n) => full.includes(n)).map((n) => full.indexOf(n));
  return { missing, outOfOrder: present.some((v, i) => i > 0 && v < present[i - 1]) };
}

describe('published EWS requests answered by the emulator in the published shape', () => {
  let emulator: ExchangeEmulator;

  beforeAll(async () => {
    emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  });
  afterAll(() => emulator.close());

  async function send(requestXml: string, options: { impersonate?: string } = {}): Promise<{ status: number; body: string }> {
    let xml = requestXml;
    const user = options.impersonate ? DEMO_EWS_SERVICE_ACCOUNT.username : anna;
    const password = options.impersonate ? DEMO_EWS_SERVICE_ACCOUNT.password : DEMO_MAILBOX_PASSWORD;
    if (options.impersonate) xml = xml.replace(/(<t:(?:SmtpAddress|PrimarySmtpAddress)>)[^<]*(<)/, `$1${options.impersonate}$2`);
    const response = await fetch(emulator.ewsUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, ...(options.impersonate ? { 'x-anchormailbox': options.impersonate } : {}) },
      body: xml,
    });
    return { status: response.status, body: await response.text() };
  }

  /** Compares message/item shapes; `lenient` lists published children the emulator deliberately does not model. */
  function expectShape(actualXml: string, publishedXml: string, lenient: string[] = []): void {
    const actual = skeleton(actualXml);
    const published = skeleton(publishedXml);
    expect(actual.operation).toBe(published.operation);
    expect(actual.messages.map(({ element, responseClass, responseCode }) => ({ element, responseClass, responseCode }))).toEqual(
      published.messages.map(({ element, responseClass, responseCode }) => ({ element, responseClass, responseCode })),
    );
    for (const [i, message] of published.messages.entries()) {
      const mine = actual.messages[i];
      if (message.items.length === 0) continue;
      expect(mine.items.map((x) => x.element)).toEqual(expect.arrayContaining([...new Set(message.items.map((x) => x.element))]));
      for (const item of message.items.slice(0, 1)) {
        const counterpart = mine.items.find((x) => x.element === item.element)!;
        const { missing, outOfOrder } = orderedSubset(item.children, counterpart.children);
        expect(missing.filter((m) => !lenient.includes(m))).toEqual([]);
        expect(outOfOrder).toBe(false);
      }
    }
  }

  test('GetFolder (Default shape of the inbox)', async () => {
    const { status, body } = await send(fixture('GetFolder-request.xml'));
    expect(status).toBe(200);
    expectShape(body, fixture('GetFolder-response.xml'));
  });

  test('FindFolder (shallow, under the inbox)', async () => {
    emulator.store.createFolder(anna, emulator.store.wellKnownFolder(anna, 'inbox').id, 'TestFolder', 'mail');
    const { body } = await send(fixture('FindFolder-request.xml'));
    expectShape(body, fixture('FindFolder-response.xml'));
    expect(body).toContain('TotalItemsInView="1"');
  });

  test('CreateFolder (two folders) and the ErrorFolderExists answer on repeat', async () => {
    const first = await send(fixture('CreateFolder-request.xml'));
    expectShape(first.body, fixture('CreateFolder-response.xml'));
    const again = await send(fixture('CreateFolder-request.xml'));
    const published = fixture('CreateFolder-error-response.xml');
    expect(skeleton(again.body).messages[0]).toMatchObject({ responseClass: 'Error', responseCode: skeleton(published).messages[0].responseCode });
  });

  test('CreateItem task and contact, and the contact-in-a-non-contact-folder error', async () => {
    expectShape((await send(fixture('CreateItem-task-request.xml'))).body, fixture('CreateItem-task-response.xml'));
    expectShape((await send(fixture('CreateItem-contact-request.xml'))).body, fixture('CreateItem-contact-response.xml'));
    expectShape((await send(fixture('CreateItem-contact-invalid-request.xml'))).body, fixture('CreateItem-contact-error-response.xml'));
    const tasks = emulator.store.listItems(anna, emulator.store.wellKnownFolder(anna, 'tasks').id);
    expect(tasks.some((t) => t.kind === 'task' && t.subject === 'My task' && t.status === 'notStarted' && t.dueDate === '2006-10-26')).toBe(true);
  });

  test('CreateItem meeting with SendToAllAndSaveCopy records the invitation; impersonated SendToNone does not', async () => {
    const before = emulator.store.sentMeetingMessages.length;
    expectShape((await send(fixture('CreateItem-calendar-request.xml'))).body, fixture('CreateItem-calendar-response.xml'));
    expect(emulator.store.sentMeetingMessages.length).toBe(before + 1);
    const impersonated = await send(fixture('CreateItem-impersonation-request.xml'), { impersonate: DEMO_USERS[1].email });
    expectShape(impersonated.body, fixture('CreateItem-impersonation-response.xml'));
    expect(emulator.store.sentMeetingMessages.length).toBe(before + 1);
    const lesson = emulator.store.listItems(DEMO_USERS[1].email, emulator.store.wellKnownFolder(DEMO_USERS[1].email, 'calendar').id).find((i) => i.kind === 'event' && i.subject === 'Tennis lesson');
    expect(lesson).toMatchObject({ start: '2013-09-21T19:00:00Z', timeZone: 'Pacific Standard Time' });
    // The published request names no grant-holding account: the impersonation must be refused for anyone else.
    const denied = await send(fixture('CreateItem-impersonation-request.xml').replace('alfred@contoso.com', 'nobody@contoso.example'), {});
    expect(denied.status).toBe(500);
  });

  test('GetItem (message Default, task and contact AllProperties, calendar IdOnly+Subject)', async () => {
    const inbox = emulator.store.wellKnownFolder(anna, 'inbox');
    const message = emulator.store.listItems(anna, inbox.id).find((i) => i.kind === 'message')!;
    const withId = (file: string, id: string): string => fixture(file).replace(/(<t:ItemId Id=")[^"]*(")/, `$1${id}$2`).replace(/ ChangeKey="[^"]*"/, '');
    expectShape((await send(withId('GetItem-message-request.xml', message.id))).body, fixture('GetItem-message-response.xml'), ['MimeContent', 'ResponseObjects']);
    const task = emulator.store.listItems(anna, emulator.store.wellKnownFolder(anna, 'tasks').id)[0];
    expectShape((await send(withId('GetItem-task-request.xml', task.id))).body, fixture('GetItem-task-response.xml'));
    const contact = emulator.store.listItems(anna, emulator.store.wellKnownFolder(anna, 'contacts').id)[0];
    expectShape((await send(withId('GetItem-contact-request.xml', contact.id))).body, fixture('GetItem-contact-response.xml'), ['Initials']);
    const event = emulator.store.listItems(anna, emulator.store.wellKnownFolder(anna, 'calendar').id)[0];
    const calendar = (await send(withId('GetItem-calendar-request.xml', event.id))).body;
    expectShape(calendar, fixture('GetItem-calendar-idonly-response.xml'));
    // A missing item is a per-item error inside HTTP 200, with the empty Items container of the published errors.
    const missing = await send(withId('GetItem-message-request.xml', 'AAMkAnothere'));
    expect(missing.status).toBe(200);
    expect(skeleton(missing.body).messages).toEqual([{ element: 'GetItemResponseMessage', responseClass: 'Error', responseCode: 'ErrorItemNotFound', items: [] }]);
    expect(missing.body).toContain('<m:Items/>');
  });

  test('SyncFolderItems (initial, IdOnly, 10 per page) and SyncFolderHierarchy (initial)', async () => {
    const items = await send(fixture('SyncFolderItems-initial-request.xml'));
    expectShape(items.body, fixture('SyncFolderItems-initial-response.xml'));
    expect(items.body).toMatch(/<m:SyncState>H4sI/);
    const hierarchy = await send(fixture('SyncFolderHierarchy-initial-request.xml'));
    expect(hierarchy.body).toContain('<m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>');
    expectShape(hierarchy.body, fixture('SyncFolderHierarchy-initial-response.xml'), ['FolderClass', 'DisplayName', 'ParentFolderId', 'TotalCount', 'ChildFolderCount', 'UnreadCount']);
    const bad = fixture('SyncFolderItems-incremental-request.xml');
    expectShape((await send(bad)).body, fixture('SyncFolderItems-ErrorInvalidSyncStateData-response.xml'));
  });

  test('UpdateItem (indexed contact e-mail) and DeleteItem, then ErrorItemNotFound on repeat', async () => {
    const contact = emulator.store.listItems(anna, emulator.store.wellKnownFolder(anna, 'contacts').id)[0];
    const update = fixture('UpdateItem-contact-request.xml').replace(/<t:ItemId Id="[^"]*" ChangeKey="[^"]*" \/>/, `<t:ItemId Id="${contact.id}" ChangeKey="${contact.changeKey}" />`);
    expectShape((await send(update)).body, fixture('UpdateItem-contact-response.xml'));
    const after = emulator.store.item(anna, contact.id);
    expect(after.kind === 'contact' && after.emailAddresses[0].address).toBe('changedemail@example.com');
    const del = fixture('DeleteItem-request.xml').replace('AS4AUn==', contact.id);
    expectShape((await send(del)).body, fixture('DeleteItem-response.xml'));
    expectShape((await send(del)).body, fixture('DeleteItem-error-response.xml'));
  });

  test('the https envelope namespace printed in the docs is refused like a real server would', async () => {
    const raw = fs.readFileSync(path.join(FIXTURES, 'SyncFolderItems-initial-request.xml'), 'utf8');
    const { status, body } = await send(raw);
    expect(status).toBe(500);
    expect(body).toContain('ErrorSchemaValidation');
  });
});

describe('published EWS responses parsed by the relay’s EWS client (ews-javascript-api)', () => {
  let server: http.Server;
  let url: string;
  let replies: Record<string, { file: string; status?: number }> = {};
  let mailbox: Mailbox;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const op = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(body)?.[1] ?? '';
        const reply = replies[op];
        res.statusCode = reply ? (reply.status ?? 200) : 500;
        res.setHeader('content-type', 'text/xml; charset=utf-8');
        res.end(reply ? fixture(reply.file) : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
    mailbox = createEwsMailbox(anna, { kind: 'ews-impersonation', ewsUrl: url, username: 'svc@contoso.example', password: 'x' }, { maxBackOffMs: 50 });
  });
  afterAll(async () => {
    await mailbox.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('GetFolder-response → the inbox', async () => {
    replies = { GetFolder: { file: 'GetFolder-response.xml' } };
    expect(await mailbox.getWellKnownFolder('inbox')).toMatchObject({ id: 'AQApA=', displayName: 'Inbox', wellKnownName: 'inbox' });
  });

  test('SyncFolderItems-initial-response → five creates, done, the SyncState as cursor', async () => {
    replies = { SyncFolderItems: { file: 'SyncFolderItems-initial-response.xml' } };
    const page = await mailbox.getChanges('AQApA=', 'message', undefined);
    expect(page).toMatchObject({ cursor: 'H4sIAAA==', done: true, updated: [], deleted: [] });
    expect(page.created.map((c) => c.changeKey)).toEqual(['CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVdC', 'CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVdB', 'CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVdA', 'CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVc5', 'CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVc4']);
  });

  test('SyncFolderItems-response → a meeting request is a created message of the inbox', async () => {
    replies = { SyncFolderItems: { file: 'SyncFolderItems-response.xml' } };
    const page = await mailbox.getChanges('AQApA=', 'message', 'state');
    expect(page.created).toEqual([{ id: 'AQApAHRwA==', changeKey: 'CwAAABYA' }]);
    expect(await mailbox.getChanges('AQApA=', 'event', 'state')).toMatchObject({ created: [] });
  });

  test('SyncFolderItems-ErrorInvalidSyncStateData-response → CursorRejectedError', async () => {
    replies = { SyncFolderItems: { file: 'SyncFolderItems-ErrorInvalidSyncStateData-response.xml' } };
    await expect(mailbox.getChanges('AQApA=', 'message', 'stale')).rejects.toBeInstanceOf(CursorRejectedError);
  });

  test('Fault-ErrorServerBusy-response → throttled, with the server’s back-off in the message', async () => {
    replies = { GetUserConfiguration: { file: 'Fault-ErrorServerBusy-response.xml', status: 500 } };
    await expect(mailbox.listMasterCategories()).rejects.toMatchObject({ code: 'throttled', transient: true, message: expect.stringContaining('297749') });
  });

  test('GetItem-task-response → the task', async () => {
    replies = { GetItem: { file: 'GetItem-task-response.xml' } };
    const [task] = await mailbox.getTasks(['AAAtAEA=']);
    expect(task).toMatchObject({ id: 'AAAtAEA=', changeKey: 'EwAAAB', subject: 'Buy new shoes', status: 'notStarted', importance: 'normal' });
  });

  test('GetItem-contact-response → the contact', async () => {
    replies = { GetItem: { file: 'GetItem-contact-response.xml' } };
    const [contact] = await mailbox.getContacts(['AAAtAEA=']);
    expect(contact).toMatchObject({ displayName: 'Tanja Plate', givenName: 'Tanja', surname: 'Plate', companyName: 'Northwind Traders', jobTitle: 'Project Manager', businessPhone: '5625550199' });
    expect(contact.emailAddresses.map((e) => e.address)).toEqual(['tplate@example.com', 'tplate@example.com']);
    expect(contact.businessAddress).toMatchObject({ street: '12345 67th Ave', city: 'Whittier', state: 'CA' });
  });

  test('GetItem-calendar-allproperties-response → the appointment in UTC', async () => {
    replies = { GetItem: { file: 'GetItem-calendar-allproperties-response.xml' } };
    const [event] = await mailbox.getEvents(['ASUAdT']);
    expect(event).toMatchObject({ start: '2006-06-16T00:30:00.000Z', end: '2006-06-16T01:00:00.000Z', isOrganizer: true, isCancelled: false, type: 'singleInstance', organizer: { address: 'someone@example.com', name: 'Bob' } });
  });

  test('GetItem-message-error-response → a per-item ErrorInvalidPropertyRequest is a permanent invalid-request error', async () => {
    replies = { GetItem: { file: 'GetItem-message-error-response.xml' } };
    await expect(mailbox.getMessages(['x'])).rejects.toMatchObject({ code: 'invalid-request', transient: false, message: expect.stringContaining('Property is not valid for this object type') });
  });

  test('CreateItem-task-response → the new item reference', async () => {
    replies = { CreateItem: { file: 'CreateItem-task-response.xml' } };
    expect(await mailbox.createTask('AQApA=', { subject: 'x', status: 'notStarted', importance: 'normal', categories: [] })).toEqual({ id: 'AAAtAE=', changeKey: 'EwAAABYA' });
  });
});
