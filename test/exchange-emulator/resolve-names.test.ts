/**
 * EWS ResolveNames against the emulator, through ews-javascript-api's own `ResolveName` (request writer and response
 * parser of a real client), impersonating a demo mailbox with the demo service account; plus the published
 * ResolveNames request (test/fixtures/ews) answered in the published response's shape.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ews from 'ews-javascript-api';
import { XMLParser } from 'fast-xml-parser';
import { startExchangeEmulator, type ExchangeEmulator } from '../emulators/exchange';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';

const [ANNA, MARCO] = DEMO_USERS;
let emulator: ExchangeEmulator;
let service: ews.ExchangeService;

beforeAll(async () => {
  emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  // Two people sharing a first name, as in the docs' "resolve ambiguous names" article.
  for (const [address, name] of [
    ['sadie.daniels@contoso.example', 'Sadie Daniels'],
    ['s.brown@contoso.example', 'Sadie Brown'],
  ]) {
    emulator.store.addMailbox(address, name, 'unused');
  }
  emulator.control.user.createContact(ANNA.email, { displayName: 'Julia Hoffmann', givenName: 'Julia', surname: 'Hoffmann', companyName: 'Hoffmann GmbH', jobTitle: 'Buyer', emailAddresses: [{ address: 'julia@hoffmann.example' }] });
  service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
  service.Url = new ews.Uri(emulator.ewsUrl);
  service.Credentials = new ews.WebCredentials(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
  service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, ANNA.email);
  service.HttpHeaders.Add('X-AnchorMailbox', ANNA.email);
});

afterAll(async () => {
  await emulator?.close();
});

const resolve = (name: string, location = ews.ResolveNameSearchLocation.DirectoryOnly, full = true) => service.ResolveName(name, location, full);

function addresses(resolutions: ews.NameResolutionCollection): string[] {
  return resolutions.GetEnumerator().map((r) => r.Mailbox.Address);
}

test('a first name resolves to that user of the directory, with the full contact data', async () => {
  const resolutions = await resolve('Marco');
  expect(resolutions.Count).toBe(1);
  const [only] = resolutions.GetEnumerator();
  expect(only.Mailbox).toMatchObject({ Name: MARCO.displayName, Address: MARCO.email, RoutingType: 'SMTP', MailboxType: ews.MailboxType.Mailbox });
  expect(only.Contact.DisplayName).toBe(MARCO.displayName);
  expect(only.Contact.EmailAddresses._getItem(ews.EmailAddressKey.EmailAddress1).Address).toBe(`SMTP:${MARCO.email}`);
  expect(only.Contact.ContactSource).toBe(ews.ContactSource.ActiveDirectory);
});

test('ambiguous names return every candidate; surname and address prefixes match too', async () => {
  const sadie = await resolve('sadie');
  expect(addresses(sadie)).toEqual(['s.brown@contoso.example', 'sadie.daniels@contoso.example']);
  expect(sadie.IncludesAllResolutions).toBe(true);
  expect(addresses(await resolve('Daniels'))).toEqual(['sadie.daniels@contoso.example']);
  expect(addresses(await resolve('priya.nat'))).toEqual([DEMO_USERS[2].email]);
});

test('SMTP: and a whole address name exactly one user; nothing found is an empty result, not an error', async () => {
  expect(addresses(await resolve(`SMTP:${ANNA.email}`))).toEqual([ANNA.email]);
  expect(addresses(await resolve(MARCO.email.toUpperCase()))).toEqual([MARCO.email]);
  expect((await resolve('SMTP:anna')).Count).toBe(0);
  expect((await resolve('Zebulon')).Count).toBe(0);
});

test('without ReturnFullContactData only the mailbox comes back', async () => {
  const [only] = (await resolve('Marco', ews.ResolveNameSearchLocation.DirectoryOnly, false)).GetEnumerator();
  expect(only.Mailbox.Address).toBe(MARCO.email);
  expect(only.Contact).toBeFalsy();
});

test('the mailbox’s contacts: ContactsOnly finds the contact with its item id, DirectoryThenContacts both sources', async () => {
  const contacts = await resolve('julia', ews.ResolveNameSearchLocation.ContactsOnly);
  expect(contacts.Count).toBe(1);
  const [julia] = contacts.GetEnumerator();
  expect(julia.Mailbox).toMatchObject({ Name: 'Julia Hoffmann', Address: 'julia@hoffmann.example', MailboxType: ews.MailboxType.Contact });
  const stored = emulator.store.listItems(ANNA.email, emulator.store.wellKnownFolder(ANNA.email, 'contacts').id).find((i) => i.kind === 'contact');
  expect(julia.Mailbox.Id.UniqueId).toBe(stored?.id);
  expect(julia.Contact).toMatchObject({ DisplayName: 'Julia Hoffmann', GivenName: 'Julia', Surname: 'Hoffmann', CompanyName: 'Hoffmann GmbH', JobTitle: 'Buyer', ContactSource: ews.ContactSource.Store });
  expect((await resolve('julia', ews.ResolveNameSearchLocation.DirectoryOnly)).Count).toBe(0);
  expect((await resolve('Marco', ews.ResolveNameSearchLocation.ContactsOnly)).Count).toBe(0);
  emulator.store.addMailbox('julia.meyer@contoso.example', 'Julia Meyer', 'unused');
  expect(addresses(await resolve('Julia', ews.ResolveNameSearchLocation.DirectoryThenContacts))).toEqual(['julia.meyer@contoso.example', 'julia@hoffmann.example']);
  expect(addresses(await resolve('Julia', ews.ResolveNameSearchLocation.ContactsThenDirectory))).toEqual(['julia@hoffmann.example', 'julia.meyer@contoso.example']);
});

describe('the published ResolveNames exchange (resolvenames-operation.md)', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, preserveOrder: true });
  type Ordered = Record<string, unknown>[];
  /** Element names in document order below ResponseMessages, one `path` per element. */
  function outline(xml: string): string[] {
    const out: string[] = [];
    const walk = (nodes: Ordered, prefix: string, inside: boolean): void => {
      for (const node of nodes) {
        const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
        if (!name) continue;
        const here = inside ? `${prefix}/${name}` : prefix;
        if (inside) out.push(here);
        walk(node[name] as Ordered, here, inside || name === 'ResponseMessages');
      }
    };
    walk(parser.parse(xml) as Ordered, '', false);
    return out;
  }
  const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ews', name), 'utf8');

  async function send(body: string): Promise<string> {
    const auth = Buffer.from(`${DEMO_EWS_SERVICE_ACCOUNT.username}:${DEMO_EWS_SERVICE_ACCOUNT.password}`).toString('base64');
    const impersonation = `<soap:Header><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${ANNA.email}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>`;
    const response = await fetch(emulator.ewsUrl, { method: 'POST', headers: { authorization: `Basic ${auth}`, 'content-type': 'text/xml; charset=utf-8' }, body: body.replace('<soap:Body>', `${impersonation}<soap:Body>`) });
    expect(response.status).toBe(200);
    return response.text();
  }

  test('"User2" with full contact data: one Resolution, Mailbox and Contact elements in the published order', async () => {
    emulator.store.addMailbox('User2@example.com', 'User2', 'unused');
    const answer = await send(fixture('ResolveNames-request.xml'));
    expect(outline(answer)).toEqual(outline(fixture('ResolveNames-response.xml')));
    expect(answer).toContain('<m:ResolveNamesResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:ResolutionSet TotalItemsInView="1" IncludesLastItemInRange="true">');
    expect(answer).toContain('<t:Entry Key="EmailAddress1">SMTP:user2@example.com</t:Entry>');
  });

  test('no candidate: the published ErrorNameResolutionNoResults message', async () => {
    const answer = await send(fixture('ResolveNames-request.xml').replace('User2', 'Nobody Here'));
    expect(outline(answer)).toEqual(outline(fixture('ResolveNames-error-response.xml')));
    expect(answer).toContain('<m:ResolveNamesResponseMessage ResponseClass="Error"><m:MessageText>No results were found.</m:MessageText><m:ResponseCode>ErrorNameResolutionNoResults</m:ResponseCode>');
  });
});
