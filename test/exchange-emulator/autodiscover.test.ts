/**
 * The Exchange emulator's Autodiscover: SOAP GetUserSettings through ews-javascript-api's AutodiscoverService (the
 * client's own request writer and response parser; its POX path is not implemented), the published POX and SOAP
 * requests (test/fixtures/autodiscover) answered in the published responses' shape, and the JSON v2 endpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ews from 'ews-javascript-api';
import { XMLParser } from 'fast-xml-parser';
import { DEMO_MAILBOX_PASSWORD, startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';

const [ANNA] = DEMO_USERS;
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'autodiscover');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SERVICE = basic(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);

let emulator: ExchangeEmulator;

beforeAll(async () => {
  emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  emulator.store.addMailbox('user@contoso.com', 'First Last', 'unused');
  emulator.store.addMailbox('username@domain.contoso.com', 'User Name', 'unused');
});

afterAll(async () => {
  await emulator?.close();
});

const post = (p: string, body: string, authorization = SERVICE) =>
  fetch(emulator.origin + p, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...(authorization ? { authorization } : {}) }, body });

/** Element names of a parsed tree, recursively, attributes and text left out: the "shape" of a document. */
function shape(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return '#';
  if (Array.isArray(node)) return node.map(shape);
  return Object.fromEntries(
    Object.entries(node as Record<string, unknown>)
      .filter(([k]) => !k.startsWith('@_') && k !== '#text')
      .map(([k, v]) => [k, shape(v)]),
  );
}

describe('SOAP GetUserSettings through ews-javascript-api', () => {
  function autodiscover(): ews.AutodiscoverService {
    const service = new ews.AutodiscoverService(new ews.Uri(`${emulator.origin}/autodiscover/autodiscover.svc`), ews.ExchangeVersion.Exchange2013);
    service.Credentials = new ews.WebCredentials(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
    return service;
  }

  test('ExternalEwsUrl and InternalEwsUrl of a known mailbox are the emulator EWS URL', async () => {
    const response = await autodiscover().GetUserSettings(ANNA.email, [ews.UserSettingName.ExternalEwsUrl, ews.UserSettingName.InternalEwsUrl, ews.UserSettingName.UserDisplayName]);
    expect(response.ErrorCode).toBe(ews.AutodiscoverErrorCode.NoError);
    expect(response.Settings.get(ews.UserSettingName.ExternalEwsUrl)).toBe(emulator.ewsUrl);
    expect(response.Settings.get(ews.UserSettingName.InternalEwsUrl)).toBe(emulator.ewsUrl);
    expect(response.Settings.get(ews.UserSettingName.UserDisplayName)).toBe(ANNA.displayName);
    expect(emulator.control.counters.get('Autodiscover SOAP GetUserSettings')).toBeGreaterThan(0);
  });

  test('an unknown mailbox is the per-user error InvalidUser, with no settings', async () => {
    const response = await autodiscover().GetUserSettings('nobody@contoso.example', [ews.UserSettingName.ExternalEwsUrl]);
    expect(response.ErrorCode).toBe(ews.AutodiscoverErrorCode.InvalidUser);
    expect(response.ErrorMessage).toBe("Invalid user: 'nobody@contoso.example'");
    expect(response.Settings.get(ews.UserSettingName.ExternalEwsUrl)).toBeUndefined();
  });

  test('wrong credentials get 401 before any lookup', async () => {
    const response = await post('/autodiscover/autodiscover.svc', fixture('GetUserSettings-request.xml'), basic(DEMO_EWS_SERVICE_ACCOUNT.username, 'wrong'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  test('the published request is answered in the published response shape', async () => {
    const response = await post('/autodiscover/autodiscover.svc', fixture('GetUserSettings-request.xml'));
    expect(response.status).toBe(200);
    const got = parser.parse(await response.text());
    const published = parser.parse(fixture('GetUserSettings-response.xml'));
    const gotResponse = got.Envelope.Body.GetUserSettingsResponseMessage.Response;
    const publishedResponse = published.Envelope.Body.GetUserSettingsResponseMessage.Response;
    expect(Object.keys(shape(gotResponse) as object)).toEqual(Object.keys(shape(publishedResponse) as object));
    const user = gotResponse.UserResponses.UserResponse;
    expect(user.ErrorCode).toBe('NoError');
    expect(got.Envelope.Header.Action['#text']).toBe(published.Envelope.Header.Action['#text']);
    const names = (user.UserSettings.UserSetting as Array<{ Name: string; Value: string; '@_type': string }>).map((s) => [s.Name, s['@_type']]);
    // MailboxDN and ActiveDirectoryServer are not served: each comes back as a UserSettingError, as Exchange does.
    expect(names).toEqual([
      ['UserDisplayName', 'StringSetting'],
      ['UserDN', 'StringSetting'],
      ['UserDeploymentId', 'StringSetting'],
      ['InternalMailboxServer', 'StringSetting'],
      ['CasVersion', 'StringSetting'],
      ['EwsSupportedSchemas', 'StringSetting'],
    ]);
    const errors = [user.UserSettingErrors.UserSettingError].flat() as Array<{ ErrorCode: string; SettingName: string }>;
    expect(errors.map((e) => [e.ErrorCode, e.SettingName])).toEqual([
      ['InvalidSetting', 'MailboxDN'],
      ['InvalidSetting', 'ActiveDirectoryServer'],
    ]);
  });
});

describe('POX autodiscover.xml', () => {
  test('the published request gets the published response shape with EwsUrl in EXCH and EXPR', async () => {
    const response = await post('/autodiscover/autodiscover.xml', fixture('POX-request.xml'));
    expect(response.status).toBe(200);
    const raw = await response.text();
    const got = parser.parse(raw);
    const published = parser.parse(fixture('POX-response.xml'));
    expect(got.Autodiscover['@_xmlns']).toBe(published.Autodiscover['@_xmlns']);
    expect(got.Autodiscover.Response['@_xmlns']).toBe(published.Autodiscover.Response['@_xmlns']);
    expect(Object.keys(got.Autodiscover.Response)).toEqual(expect.arrayContaining(['User', 'Account']));
    expect(got.Autodiscover.Response.User.DisplayName).toBe('First Last');
    const account = got.Autodiscover.Response.Account;
    expect([account.AccountType, account.Action]).toEqual([published.Autodiscover.Response.Account.AccountType, 'settings']);
    const protocols = account.Protocol as Array<Record<string, string>>;
    expect(protocols.map((p) => p.Type)).toEqual(['EXCH', 'EXPR']);
    for (const protocol of protocols) {
      expect(protocol.EwsUrl).toBe(emulator.ewsUrl);
      expect(protocol.ASUrl).toBe(emulator.ewsUrl);
    }
  });

  test('an unknown address is the published error response with 500 "The email address can\'t be found."', async () => {
    const request = fixture('POX-request.xml').replace('user@contoso.com', 'nobody@contoso.com');
    const got = parser.parse(await (await post('/autodiscover/autodiscover.xml', request)).text());
    const published = parser.parse(fixture('POX-error-response.xml'));
    expect(shape(got)).toEqual(shape(published));
    expect(got.Autodiscover.Response.Error.ErrorCode).toBe('500');
    expect(got.Autodiscover.Response.Error.Message).toBe("The email address can't be found.");
    expect(got.Autodiscover.Response.Error['@_Time']).toMatch(/^\d\d:\d\d:\d\d\.\d+$/);
  });

  test('a request without the Outlook request schema is 600 Invalid Request; another response schema is 601', async () => {
    const wrongNs = fixture('POX-request.xml').replace('outlook/requestschema/2006', 'mobilesync/requestschema/2006');
    expect(parser.parse(await (await post('/autodiscover/autodiscover.xml', wrongNs)).text()).Autodiscover.Response.Error.ErrorCode).toBe('600');
    const wrongSchema = fixture('POX-request.xml').replace('outlook/responseschema/2006a', 'mobilesync/responseschema/2006');
    expect(parser.parse(await (await post('/autodiscover/autodiscover.xml', wrongSchema)).text()).Autodiscover.Response.Error.ErrorCode).toBe('601');
  });

  test('Basic auth as on EWS: none or wrong → 401; a mailbox user may ask too', async () => {
    expect((await post('/autodiscover/autodiscover.xml', fixture('POX-request.xml'), '')).status).toBe(401);
    expect((await post('/autodiscover/autodiscover.xml', fixture('POX-request.xml'), basic(DEMO_EWS_SERVICE_ACCOUNT.username, 'nope'))).status).toBe(401);
    const asUser = await post('/autodiscover/autodiscover.xml', fixture('POX-request.xml').replace('user@contoso.com', ANNA.email), basic(ANNA.email, DEMO_MAILBOX_PASSWORD));
    expect(asUser.status).toBe(200);
    expect(await asUser.text()).toContain(`<EwsUrl>${emulator.ewsUrl}</EwsUrl>`);
  });
});

describe('JSON v2 autodiscover.json', () => {
  const get = (address: string, protocol = 'EWS') => fetch(`${emulator.origin}/autodiscover/autodiscover.json/v1.0/${encodeURIComponent(address)}?Protocol=${protocol}`);

  test('a known mailbox, anonymously: {"Protocol":"EWS","Url":<EWS URL>}', async () => {
    const response = await get(ANNA.email);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ Protocol: 'EWS', Url: emulator.ewsUrl });
    expect(await (await get(ANNA.email, 'AutodiscoverV1')).json()).toEqual({ Protocol: 'AutodiscoverV1', Url: `${emulator.origin}/autodiscover/autodiscover.xml` });
  });

  test('an unknown mailbox is 404 with error JSON; an unknown protocol 400 InvalidProtocol', async () => {
    const unknown = await get('nobody@contoso.example');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ErrorCode: 'UserNotFound' });
    const bad = await get(ANNA.email, 'Carrier-Pigeon');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ErrorCode: 'InvalidProtocol' });
  });
});
