/**
 * The EWS side of the Exchange emulator on its own: authentication and impersonation faults, SyncFolderItems paging
 * rules, the store's change log (net changes, cursor invalidation), and the HTTP control routes.
 */
import { startExchangeEmulator, DEMO_MAILBOX_PASSWORD, generateBulkItems, type ExchangeEmulator } from '../emulators/exchange';
import { ExchangeStore, StoreError } from '../emulators/exchange/store';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';

const anna = DEMO_USERS[0].email;
let emulator: ExchangeEmulator;

beforeAll(async () => {
  emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
});
afterAll(() => emulator.close());
afterEach(() => emulator.control.clearFaults());

function envelope(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}
function impersonation(address: string): string {
  return `<t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${address}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;
}
async function post(xml: string, auth: [string, string] | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(emulator.ewsUrl, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', ...(auth ? { authorization: `Basic ${Buffer.from(auth.join(':')).toString('base64')}` } : {}), ...headers },
    body: xml,
  });
  return { status: response.status, body: await response.text() };
}
const svc: [string, string] = [DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password];
const getRoot = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder>';
function syncItems(folder: string, max: number, state?: string): string {
  return `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${folder}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>${max}</m:MaxChangesReturned><m:SyncScope>NormalItems</m:SyncScope></m:SyncFolderItems>`;
}

describe('authentication and impersonation', () => {
  test('no or wrong credentials → 401 with a Basic challenge', async () => {
    expect((await post(envelope(getRoot), undefined)).status).toBe(401);
    const wrong = await post(envelope(getRoot), [anna, 'nope']);
    expect(wrong.status).toBe(401);
  });

  test('impersonating without the role → SOAP fault ErrorImpersonateUserDenied (HTTP 500)', async () => {
    const { status, body } = await post(envelope(getRoot, impersonation(DEMO_USERS[1].email)), [anna, DEMO_MAILBOX_PASSWORD], { 'x-anchormailbox': DEMO_USERS[1].email });
    expect(status).toBe(500);
    expect(body).toContain('<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorImpersonateUserDenied</faultcode>');
    expect(body).toContain('<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorImpersonateUserDenied</e:ResponseCode>');
  });

  test('unknown mailbox → ErrorNonExistentMailbox; a call without X-AnchorMailbox is counted', async () => {
    const missing = await post(envelope(getRoot, impersonation('ghost@contoso.example')), svc);
    expect(missing.status).toBe(500);
    expect(missing.body).toContain('ErrorNonExistentMailbox');
    const before = emulator.control.missingAnchorMailbox;
    const ok = await post(envelope(getRoot, impersonation(anna)), svc);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<h:ServerVersionInfo MajorVersion="15"');
    expect(emulator.control.missingAnchorMailbox).toBe(before + 1);
  });

  test('ErrorServerBusy fault carries BackOffMilliseconds', async () => {
    emulator.control.addFault({ fault: 'throttle', method: 'GetFolder', backOffMs: 1234 });
    const { status, body } = await post(envelope(getRoot, impersonation(anna)), svc, { 'x-anchormailbox': anna });
    expect(status).toBe(500);
    expect(body).toContain('a:ErrorServerBusy');
    expect(body).toContain('<t:Value Name="BackOffMilliseconds">1234</t:Value>');
  });
});

describe('SyncFolderItems paging', () => {
  let folderId: string;
  beforeAll(() => {
    folderId = emulator.store.createFolder(anna, emulator.store.wellKnownFolder(anna, 'inbox').id, 'Paging', 'mail').id;
    generateBulkItems(emulator.store, anna, folderId, 600);
  });

  test('MaxChangesReturned above 512 is a schema error', async () => {
    const { status, body } = await post(envelope(syncItems(folderId, 513), impersonation(anna)), svc, { 'x-anchormailbox': anna });
    expect(status).toBe(500);
    expect(body).toContain('ErrorSchemaValidation');
  });

  test('512 then 88, newest first, IncludesLastItemInRange only on the last page; a stale state is rejected', async () => {
    const first = await post(envelope(syncItems(folderId, 512), impersonation(anna)), svc, { 'x-anchormailbox': anna });
    const ids = [...first.body.matchAll(/<t:ItemId Id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(512);
    expect(first.body).toContain('<m:IncludesLastItemInRange>false</m:IncludesLastItemInRange>');
    const newest = emulator.store.listItems(anna, folderId)[0];
    expect(ids[0]).toBe(newest.id);
    const state = /<m:SyncState>([^<]+)</.exec(first.body)![1];
    const second = await post(envelope(syncItems(folderId, 512, state), impersonation(anna)), svc, { 'x-anchormailbox': anna });
    expect([...second.body.matchAll(/<t:ItemId Id="/g)]).toHaveLength(88);
    expect(second.body).toContain('<m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>');
    emulator.control.invalidateCursors(anna);
    const stale = await post(envelope(syncItems(folderId, 512, state), impersonation(anna)), svc, { 'x-anchormailbox': anna });
    expect(stale.status).toBe(200);
    expect(stale.body).toContain('<m:ResponseCode>ErrorInvalidSyncStateData</m:ResponseCode>');
    expect(stale.body).toContain('ResponseClass="Error"');
  });
});

describe('store change log', () => {
  test('net changes: created-then-deleted vanishes, created-then-updated is a create, moves are delete + create', () => {
    const store = new ExchangeStore();
    store.addMailbox('a@x.example', 'A', 'pw');
    const inbox = store.wellKnownFolder('a@x.example', 'inbox').id;
    const other = store.createFolder('a@x.example', inbox, 'Other', 'mail').id;
    const page0 = store.readChangePage('a@x.example', inbox, undefined, 100);
    const mk = (subject: string) => store.createItem('a@x.example', inbox, { kind: 'task', subject, status: 'notStarted', importance: 'normal' }).id;
    const [keep, gone, edited, moved] = ['keep', 'gone', 'edited', 'moved'].map(mk);
    const page1 = store.readChangePage('a@x.example', inbox, page0.cursor, 100);
    expect(page1.changes.map((c) => c.itemId).sort()).toEqual([keep, gone, edited, moved].sort());
    const fresh = mk('fresh');
    const vanished = mk('vanished');
    store.deleteItem('a@x.example', vanished);
    store.updateItem('a@x.example', fresh, (i) => void (i.categories = ['x']));
    store.updateItem('a@x.example', edited, (i) => void (i.categories = ['y']));
    store.deleteItem('a@x.example', gone);
    store.moveItem('a@x.example', moved, other);
    const page2 = store.readChangePage('a@x.example', inbox, page1.cursor, 100);
    const summary = Object.fromEntries(page2.changes.map((c) => [c.itemId, c.type]));
    expect(summary).toEqual({ [fresh]: 'create', [edited]: 'update', [gone]: 'delete', [moved]: 'delete' });
    expect(store.readChangePage('a@x.example', other, undefined, 100).changes.map((c) => c.itemId)).toEqual([moved]);
    expect(keep).toBeDefined();
    expect(() => store.readChangePage('a@x.example', other, page2.cursor, 10)).toThrow(StoreError);
    expect(() => store.readChangePage('a@x.example', inbox, 'garbage', 10)).toThrow(/corrupt/);
  });

  test('change keys change on every update; a stale key conflicts when asked to', () => {
    const store = new ExchangeStore();
    store.addMailbox('a@x.example', 'A', 'pw');
    const tasks = store.wellKnownFolder('a@x.example', 'tasks').id;
    const item = store.createItem('a@x.example', tasks, { kind: 'task', subject: 't', status: 'notStarted', importance: 'normal' });
    const updated = store.updateItem('a@x.example', item.id, () => undefined);
    expect(updated.changeKey).not.toBe(item.changeKey);
    expect(() => store.updateItem('a@x.example', item.id, () => undefined, { expectedChangeKey: item.changeKey })).toThrow(/change key/);
  });
});

describe('HTTP control routes', () => {
  const control = (path: string, init?: RequestInit) => fetch(`${emulator.origin}/__control${path}`, { ...init, headers: { 'content-type': 'application/json' } });

  test('faults, latency, counters, grants, deliveries and cursor invalidation over HTTP', async () => {
    expect((await control('/faults', { method: 'POST', body: JSON.stringify({ fault: 'throttle', protocol: 'ews', times: 2 }) })).status).toBe(201);
    expect(emulator.control.listFaults()).toHaveLength(1);
    expect((await control('/faults', { method: 'POST', body: JSON.stringify({ fault: 'explode' }) })).status).toBe(400);
    await control('/faults', { method: 'DELETE' });
    expect(emulator.control.listFaults()).toHaveLength(0);
    await control('/latency', { method: 'POST', body: JSON.stringify({ ms: 5 }) });
    expect(emulator.control.latencyMs).toBe(5);
    await control('/latency', { method: 'POST', body: JSON.stringify({ ms: 0 }) });
    const counters = (await (await control('/counters')).json()) as { counters: Record<string, number> };
    expect(counters.counters['EWS GetFolder']).toBeGreaterThan(0);
    await control('/grants', { method: 'DELETE', body: JSON.stringify({ serviceAccount: DEMO_EWS_SERVICE_ACCOUNT.username, mailbox: DEMO_USERS[2].email }) });
    expect(emulator.store.canImpersonate(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_USERS[2].email)).toBe(false);
    await control('/grants', { method: 'POST', body: JSON.stringify({ serviceAccount: DEMO_EWS_SERVICE_ACCOUNT.username, mailbox: DEMO_USERS[2].email }) });
    expect(emulator.store.canImpersonate(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_USERS[2].email)).toBe(true);
    const delivered = (await (await control(`/mailboxes/${anna}/deliver`, { method: 'POST', body: JSON.stringify({ from: { address: 'x@customer.example' }, subject: 'Via HTTP' }) })).json()) as { id: string };
    expect(emulator.store.item(anna, delivered.id)).toMatchObject({ subject: 'Via HTTP' });
    const generation = emulator.store.mailbox(anna).generation;
    expect((await control(`/mailboxes/${anna}/invalidate-cursors`, { method: 'POST' })).status).toBe(204);
    expect(emulator.store.mailbox(anna).generation).toBe(generation + 1);
    expect((await control('/mailboxes/ghost@x.example/invalidate-cursors', { method: 'POST' })).status).toBe(404);
  });
});
