/** Create/read/update/delete semantics, envelopes, ETags, EDMX flag enforcement, navigation, deep insert, functions. */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { DATE_WIRE, ETAG, OBJECT_ID, TestClient } from './helpers';

let emu: C4cEmulator;
let c: TestClient;

beforeAll(async () => {
  emu = await startC4cEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  emu.control.reset();
  c = new TestClient(emu);
  await c.fetchToken();
});

async function createEmail(extra: Record<string, unknown> = {}): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await c.write('POST', 'EMailCollection', { Subject: 'Quote', Direction: '2', DateTime: '2025-03-01T10:00:00Z', ...extra });
  expect(r.status).toBe(201);
  return r.json.d.results;
}

describe('POST', () => {
  it('returns 201, absolute location, etag and d.results as an object with generated keys and IDs', async () => {
    const r = await c.write('POST', 'EMailCollection', { Subject: 'Quote', Direction: '2', DateTime: '2025-03-01T10:00:00Z', GroupwareItemID: 'AAMkAD=' });
    expect(r.status).toBe(201);
    const e = r.json.d.results;
    expect(Array.isArray(e)).toBe(false);
    expect(e.ObjectID).toMatch(OBJECT_ID);
    expect(e.UUID).toBe(`${e.ObjectID.slice(0, 8)}-${e.ObjectID.slice(8, 12)}-${e.ObjectID.slice(12, 16)}-${e.ObjectID.slice(16, 20)}-${e.ObjectID.slice(20)}`);
    expect(e.ID).toMatch(/^\d+$/);
    expect(r.headers.get('location')).toBe(`${emu.serviceRoot}EMailCollection('${e.ObjectID}')`);
    expect(r.headers.get('etag')).toMatch(ETAG);
    expect(e.__metadata).toEqual({ uri: r.headers.get('location'), type: 'c4codata.EMail', etag: r.headers.get('etag') });
    expect(e.DateTime).toBe(`/Date(${Date.parse('2025-03-01T10:00:00Z')})/`);
    expect(e.ETag).toMatch(DATE_WIRE);
    expect(e.DirectionText).toBe('Inbound');
    expect(e.Account).toBeNull(); // Edm.Guid empty -> null
    expect(e.AccountName).toBe(''); // strings empty -> ""
    expect(e.EMailNotes).toEqual({ __deferred: { uri: `${r.headers.get('location')}/EMailNotes` } });
    expect(r.text).toContain('"\\/Date('); // C4C escapes the slashes on the wire
  });

  it('numbers human IDs per range and leaves supplied creatable IDs alone', async () => {
    const a = await createEmail();
    const b = await createEmail();
    expect(Number(b.ID)).toBe(Number(a.ID) + 1);
    const acc = await c.write('POST', 'CorporateAccountCollection', { Name: 'ACME', RoleCode: 'CRM000' });
    expect(acc.json.d.results.AccountID).toMatch(/^10\d{5}$/);
    const own = await c.write('POST', 'CorporateAccountCollection', { Name: 'Own', RoleCode: 'CRM000', AccountID: '4711' });
    expect(own.json.d.results.AccountID).toBe('4711');
    const dup = await c.write('POST', 'CorporateAccountCollection', { Name: 'Dup', RoleCode: 'CRM000', AccountID: '4711' });
    expect(dup.status).toBe(400);
  });

  it('rejects non-creatable values (400) but silently drops ObjectID; rejects missing mandatory fields and unknown properties', async () => {
    const ro = await c.write('POST', 'EMailCollection', { Subject: 'x', ID: '123' });
    expect(ro.status).toBe(400);
    expect(ro.json.error.message.value).toMatch(/'ID'.*not creatable/);
    const ro2 = await c.write('POST', 'ContactCollection', { LastName: 'X', ExternalID: 'EXT-1' });
    expect(ro2.status).toBe(400);
    const oid = await c.write('POST', 'EMailCollection', { Subject: 'x', ObjectID: 'ABCDEF' });
    expect(oid.status).toBe(201);
    expect(oid.json.d.results.ObjectID).not.toBe('ABCDEF');
    const missing = await c.write('POST', 'ContactCollection', { FirstName: 'No last name' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message.value).toMatch(/Mandatory property 'LastName'/);
    const missingRole = await c.write('POST', 'CorporateAccountCollection', { Name: 'X' });
    expect(missingRole.status).toBe(400);
    const unknown = await c.write('POST', 'EMailCollection', { Subject: 'x', Body: 'nope' });
    expect(unknown.status).toBe(400);
    const tooLong = await c.write('POST', 'ContactCollection', { LastName: 'x'.repeat(41) });
    expect(tooLong.status).toBe(400);
    const badDate = await c.write('POST', 'EMailCollection', { DateTime: 'yesterday' });
    expect(badDate.status).toBe(400);
    expect(emu.control.list('EMailCollection')).toHaveLength(1);
  });

  it('uses a client-supplied UUID as the key and accepts /Date(ms)/ input', async () => {
    const uuid = '00163e04-b602-1ed2-b6e3-62fb24c3595e';
    const e = await createEmail({ UUID: uuid, DateTime: '/Date(1767056939905)/' });
    expect(e.ObjectID).toBe('00163E04B6021ED2B6E362FB24C3595E');
    expect(e.UUID).toBe(uuid.toUpperCase());
    expect(e.DateTime).toBe('/Date(1767056939905)/');
  });

  it('honours odata-no-response-payload and odata-no-codedescs', async () => {
    const r = await c.write('POST', 'EMailCollection', { Subject: 'x', Direction: '3' }, { 'odata-no-response-payload': 'true' });
    expect(r.status).toBe(201);
    expect(r.text).toBe('');
    const loc = r.headers.get('location')!;
    expect(loc).toMatch(/EMailCollection\('[0-9A-F]{32}'\)$/);
    const read = await c.get(loc, { 'odata-no-codedescs': 'true' });
    expect(read.json.d.results.Direction).toBe('3');
    expect(read.json.d.results).not.toHaveProperty('DirectionText');
    const withText = await c.get(loc);
    expect(withText.json.d.results.DirectionText).toBe('Outbound');
  });
});

describe('deep insert and navigation', () => {
  it('creates children from plain arrays and {results:[…]} and links parent IDs', async () => {
    const e = await createEmail({
      EMailNotes: [{ TypeCode: '10002', Text: '<p>Body</p>' }],
      EMailToRecipients: { results: [{ MessageToEmailID: 'a@x.example', MessageToName: 'A' }, { MessageToEmailID: 'b@x.example' }] },
      EMailCcRecipients: [{ MessageCCEMailID: 'c@x.example' }],
      EMailAttachments: [{ Name: 'a.txt', MimeType: 'text/plain', CategoryCode: '2', Binary: Buffer.from('hi').toString('base64') }],
      EMailBTDReference: [{ ID: '3100', TypeCode: '72', RoleCode: '1' }],
    });
    const stored = emu.control.get('EMailCollection', e.ObjectID)!;
    const notes = stored.EMailNotes as Record<string, unknown>[];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ ParentObjectID: e.ObjectID, EMailID: e.ID, TypeCodeText: 'Body Text' });
    expect(stored.EMailToRecipients).toHaveLength(2);
    expect((stored.EMailToRecipients as Record<string, unknown>[])[0]).toMatchObject({ EMailParentID: e.ID, MessageToEmailID: 'a@x.example' });
    expect((stored.EMailAttachments as Record<string, unknown>[])[0]).toMatchObject({ EMailID: e.ID, Name: 'a.txt' });
    expect((stored.EMailBTDReference as Record<string, unknown>[])[0]).toMatchObject({ EMailID: e.ID, ID: '3100' });

    const nav = await c.get(`EMailCollection('${e.ObjectID}')/EMailNotes`);
    expect(nav.status).toBe(200);
    expect(nav.json.d.results).toHaveLength(1);
    expect(nav.json.d.results[0].__metadata.type).toBe('c4codata.EMailNotes');
    const back = await c.get(`EMailNotesCollection('${notes[0].ObjectID}')/EMail`);
    expect(back.json.d.results.ObjectID).toBe(e.ObjectID); // to-one navigation: d.results object
    expect(back.headers.get('etag')).toMatch(ETAG);

    const expanded = await c.get(`EMailCollection?$filter=ID eq '${e.ID}'&$expand=EMailNotes,EMailToRecipients`);
    const row = expanded.json.d.results[0];
    expect(Array.isArray(row.EMailNotes)).toBe(true); // plain array, not {results}
    expect(row.EMailNotes[0].Text).toBe('<p>Body</p>');
    expect(row.EMailToRecipients).toHaveLength(2);
    expect(row.EMailCcRecipients.__deferred).toBeDefined();
  });

  it('rolls back the whole deep insert when a child is invalid', async () => {
    const r = await c.write('POST', 'AppointmentCollection', { Subject: 'x', AppointmentInvolvedParties: [{ PartyID: '1' }] });
    expect(r.status).toBe(400); // RoleCode is mandatory on involved parties
    expect(r.json.error.message.value).toMatch(/RoleCode/);
    // The single-request path does not use a transaction; the header is created before the children are validated.
    // C4C creates all-or-nothing, so the emulator must not leave the header behind either.
    expect(emu.control.list('AppointmentCollection')).toHaveLength(0);
  });

  it('creates children via navigation POST and via ParentObjectID on the child set', async () => {
    const appt = (await c.write('POST', 'AppointmentCollection', { Subject: 'Visit', StartDate: '2025-05-01T09:00:00Z', EndDate: '2025-05-01T10:00:00Z' })).json.d.results;
    const viaNav = await c.write('POST', `AppointmentCollection('${appt.ObjectID}')/AppointmentInvolvedParties`, { RoleCode: '36', PartyEmailURI: 'x@y.example', PartyName: 'X' });
    expect(viaNav.status).toBe(201);
    expect(viaNav.json.d.results).toMatchObject({ ParentObjectID: appt.ObjectID, ID: appt.ID, RoleCodeText: 'Attendee' });
    expect(viaNav.headers.get('location')).toContain('AppointmentInvolvedPartiesCollection(');
    const direct = await c.write('POST', 'AppointmentTextCollectionCollection', { ParentObjectID: appt.ObjectID, Text: 'Agenda', TypeCode: '10002' });
    expect(direct.status).toBe(201);
    expect(direct.json.d.results.AppointmentID).toBe(appt.ID);
    const orphan = await c.write('POST', 'AppointmentTextCollectionCollection', { ParentObjectID: 'F'.repeat(32), Text: 'x' });
    expect(orphan.status).toBe(400);
    const noParent = await c.write('POST', 'EMailNotesCollection', { Text: 'x' });
    expect(noParent.status).toBe(400);
  });

  it('resolves cross-object to-one links (Contact -> CorporateAccount) and the relationship rows', async () => {
    const [acc] = emu.control.seed('CorporateAccountCollection', [{ Name: 'ACME GmbH', RoleCode: 'CRM000' }]);
    const con = await c.write('POST', 'ContactCollection', { FirstName: 'Eva', LastName: 'Lang', AccountID: acc.AccountID, Email: 'eva@acme.example' });
    expect(con.json.d.results.Name).toBe('Eva Lang');
    expect(con.json.d.results.AccountFormattedName).toBe('ACME GmbH');
    const ca = await c.get(`ContactCollection('${con.json.d.results.ObjectID}')/CorporateAccount`);
    expect(ca.json.d.results.ObjectID).toBe(acc.ObjectID);
    const rel = await c.get(`ContactCollection('${con.json.d.results.ObjectID}')/ContactIsContactPersonFor`);
    expect(rel.json.d.results[0]).toMatchObject({ AccountID: acc.AccountID, Email: 'eva@acme.example' });
    const fromAccount = await c.get(`CorporateAccountCollection('${acc.ObjectID}')/CorporateAccountHasContactPerson`);
    expect(fromAccount.json.d.results[0].ContactID).toBe(con.json.d.results.ContactID);
  });
});

describe('PATCH / PUT / MERGE / DELETE and ETags', () => {
  it('PATCH returns 204 with an empty body and bumps ETag / EntityLastChangedOn', async () => {
    const e = await createEmail();
    const r = await c.write('PATCH', `EMailCollection('${e.ObjectID}')`, { Subject: 'Changed', ETag: '/Date(1)/', DirectionText: 'ignored' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const after = await c.get(`EMailCollection('${e.ObjectID}')`);
    expect(after.json.d.results.Subject).toBe('Changed');
    expect(after.json.d.results.ETag).not.toBe(e.ETag);
    expect(after.json.d.results.EntityLastChangedOn).not.toBe(e.EntityLastChangedOn);
    expect(after.headers.get('etag')).not.toBe(e.__metadata.etag);
  });

  it('412 on a stale If-Match, 204 on a matching one and with *', async () => {
    const e = await createEmail();
    const path = `EMailCollection('${e.ObjectID}')`;
    expect((await c.write('PATCH', path, { Subject: 'v2' }, { 'if-match': e.__metadata.etag })).status).toBe(204);
    const stale = await c.write('PATCH', path, { Subject: 'v3' }, { 'if-match': e.__metadata.etag });
    expect(stale.status).toBe(412);
    expect(stale.json.error.message.lang).toBe('en');
    const fresh = (await c.get(path)).headers.get('etag')!;
    expect((await c.write('PATCH', path, { Subject: 'v3' }, { 'if-match': fresh })).status).toBe(204);
    expect((await c.write('PATCH', path, { Subject: 'v4' }, { 'if-match': '*' })).status).toBe(204);
    const staleDelete = await c.write('DELETE', path, undefined, { 'if-match': fresh });
    expect(staleDelete.status).toBe(412);
  });

  it('rejects changed non-updatable values, accepts unchanged ones', async () => {
    const e = await createEmail({ EMailNotes: [{ TypeCode: '10002', Text: 'a' }] });
    const path = `EMailCollection('${e.ObjectID}')`;
    const changed = await c.write('PATCH', path, { ID: '999999' });
    expect(changed.status).toBe(400);
    expect(changed.json.error.message.value).toMatch(/not updatable/);
    expect((await c.write('PATCH', path, { ID: e.ID, ObjectID: e.ObjectID })).status).toBe(204);
    const note = (emu.control.get('EMailCollection', e.ObjectID)!.EMailNotes as Record<string, unknown>[])[0];
    const typeChange = await c.write('PATCH', `EMailNotesCollection('${note.ObjectID}')`, { TypeCode: '10011' });
    expect(typeChange.status).toBe(400); // TypeCode is creatable but not updatable
    expect((await c.write('PATCH', `EMailNotesCollection('${note.ObjectID}')`, { Text: 'b' })).status).toBe(204);
  });

  it('MERGE (and X-HTTP-Method tunnelling) patch; PUT replaces', async () => {
    const e = await createEmail({ MessageFromName: 'Keep me' });
    const path = `EMailCollection('${e.ObjectID}')`;
    expect((await c.write('MERGE', path, { Subject: 'm' })).status).toBe(204);
    expect((await c.write('POST', path, { Subject: 'tunnel' }, { 'x-http-method': 'MERGE' })).status).toBe(204);
    expect((await c.get(path)).json.d.results).toMatchObject({ Subject: 'tunnel', MessageFromName: 'Keep me' });
    expect((await c.write('PUT', path, { Subject: 'put' })).status).toBe(204);
    expect((await c.get(path)).json.d.results).toMatchObject({ Subject: 'put', MessageFromName: '' });
  });

  it('DELETE returns 204 and removes the children', async () => {
    const e = await createEmail({ EMailNotes: [{ Text: 'a' }] });
    const r = await c.write('DELETE', `EMailCollection('${e.ObjectID}')`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
    expect(emu.control.list('EMailNotesCollection')).toHaveLength(0);
    expect((await c.write('DELETE', `EMailCollection('${e.ObjectID}')`)).status).toBe(404);
  });
});

describe('function imports', () => {
  it('Check*ByGroupwareID: POST only, CSRF-protected, {"d":{"<Name>":bool}}', async () => {
    await createEmail({ GroupwareItemID: '<msg-1@contoso.example>' });
    emu.control.seed('AppointmentCollection', [{ Subject: 'x', GroupwareItemID: 'APPT-1' }]);
    emu.control.seed('PhoneCallCollection', [{ Subject: 'x', GroupwareItemID: 'CALL-1' }]);
    const yes = await c.write('POST', `CheckEmailByGroupwareID?GroupwareItemID='${encodeURIComponent('<msg-1@contoso.example>')}'`);
    expect(yes.status).toBe(200);
    expect(yes.json).toEqual({ d: { CheckEmailByGroupwareID: true } });
    const no = await c.write('POST', "CheckEmailByGroupwareID?GroupwareItemID='<MSG-1@contoso.example>'");
    expect(no.json).toEqual({ d: { CheckEmailByGroupwareID: false } }); // ids compare exactly
    expect((await c.write('POST', "CheckAppointmentByGroupwareID?GroupwareItemID='APPT-1'")).json.d.CheckAppointmentByGroupwareID).toBe(true);
    expect((await c.write('POST', "CheckPhoneCallByGroupwareID?GroupwareItemID='CALL-1'")).json.d.CheckPhoneCallByGroupwareID).toBe(true);
    expect((await c.write('POST', "CheckPhoneCallByGroupwareID?GroupwareItemID='APPT-1'")).json.d.CheckPhoneCallByGroupwareID).toBe(false);
    expect((await c.get("CheckEmailByGroupwareID?GroupwareItemID='x'")).status).toBe(405);
    expect((await c.write('POST', 'CheckEmailByGroupwareID')).status).toBe(400);
  });

  it('IdentityGetLoggedInUserInfo returns the employee behind the credentials or a technical user', async () => {
    const tech = await c.get('IdentityGetLoggedInUserInfo');
    expect(tech.json.d.results[0]).toMatchObject({ TechnicalUserIndicator: true, UserID: 'SANDBOX' });
    emu.control.seed('EmployeeCollection', [{ EmployeeID: '8000000099', FirstName: 'Sand', LastName: 'Box', UserID: 'SANDBOX', Email: 'sandbox@contoso.example' }]);
    const emp = await c.get('IdentityGetLoggedInUserInfo');
    expect(emp.json.d.results[0]).toMatchObject({ TechnicalUserIndicator: false, EmployeeID: '8000000099', Email: 'sandbox@contoso.example' });
  });
});

describe('value help and employees', () => {
  it('serves value-help code lists', async () => {
    const r = await c.get('EMailDirectionCollection');
    expect(r.json.d.results.map((x: { Code: string }) => x.Code)).toEqual(['2', '3']);
    expect(r.json.d.results[0].__metadata.type).toBe('c4codata.CodeList');
  });

  it('keeps EmployeeBasicData in step with Employee', async () => {
    const r = await c.write('POST', 'EmployeeCollection', { FirstName: 'New', LastName: 'Hire', Email: 'new.hire@contoso.example' });
    expect(r.status).toBe(201);
    expect(r.json.d.results.EmployeeID).toMatch(/^80000\d+$/);
    const ebd = await c.get("EmployeeBasicDataCollection?$filter=Email eq 'new.hire@contoso.example'");
    expect(ebd.json.d.results[0]).toMatchObject({ EmployeeID: r.json.d.results.EmployeeID, FormattedName: 'New Hire', EmployeeUUID: r.json.d.results.UUID });
    await c.write('PATCH', `EmployeeCollection('${r.json.d.results.ObjectID}')`, { Email: 'renamed@contoso.example' });
    const after = await c.get(`EmployeeBasicDataCollection?$filter=EmployeeID eq '${r.json.d.results.EmployeeID}'`);
    expect(after.json.d.results[0].Email).toBe('renamed@contoso.example');
  });
});
