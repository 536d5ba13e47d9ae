/**
 * The emulator's answers have the shape of the published C4C payloads (copies of shared fixtures/c4c/samples in
 * ./fixtures, provenance and licences in ./fixtures/SOURCES.md).
 *  - tenant-email-export-*.json: raw 2025 tenant JSON (EMailCollection + expanded EMailNotes, BTD references);
 *  - latona-*.json: API-sandbox records (property names only; their dates were re-formatted by that tool).
 * Keys the samples have that we lack must be fields the 2021 EDMX does not know (later tenant releases / extension
 * fields), never EDMX properties we forgot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { serviceModel } from '../emulators/c4c/edmx-model';
import { DATE_WIRE, ETAG, OBJECT_ID, TestClient } from './helpers';

const SAMPLES = join(__dirname, 'fixtures');

let emu: C4cEmulator;
let c: TestClient;

beforeAll(async () => {
  emu = await startC4cEmulator({ seedDemo: true });
  c = new TestClient(emu);
});
afterAll(async () => {
  await emu.close();
});

// Sample files are untyped JSON.
function load(name: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
}

function recordKeys(name: string): string[] {
  const m = load(name).message;
  const rec = Array.isArray(m) ? m[0] : m;
  return Object.keys(rec);
}

/** Sample keys missing from `ours` must be unknown to the EDMX type (or to any of its navigations). */
function assertSameShape(sampleKeys: string[], ours: Record<string, unknown>, typeName: string): void {
  const type = serviceModel().types.get(typeName)!;
  const missing = sampleKeys.filter((k) => !(k in ours));
  const missingButInEdmx = missing.filter((k) => type.propertyByName.has(k) || type.navigationByName.has(k));
  expect(missingButInEdmx).toEqual([]);
  expect(missing.length / sampleKeys.length).toBeLessThan(0.2);
}

describe('shape of published samples', () => {
  it('EMail with $expand=EMailNotes matches the 2025 tenant export', async () => {
    const sample = load('tenant-email-export-email-notes.json').emailNotes;
    const sampleMail = sample.d.results[0];
    const r = await c.write('POST', 'EMailCollection', {
      Subject: 'Shape', Status: '3', Category: '0004', Direction: '3', TransmissionStatusCode: '2', DocumentType: '0004',
      DataOriginTypeCode: '1', DateTime: '2025-12-30T01:08:59Z', EMailNotes: [{ TypeCode: '10002', Text: '<p>x</p>' }],
    });
    const ours = (await c.get(`EMailCollection?$filter=ID eq '${r.json.d.results.ID}'&$expand=EMailNotes&$format=json`)).json;
    // envelope: {"d":{"results":[…]}} with an expanded to-many as a plain array
    expect(Object.keys(ours)).toEqual(Object.keys(sample));
    expect(Object.keys(ours.d)).toEqual(Object.keys(sample.d));
    const mail = ours.d.results[0];
    assertSameShape(Object.keys(sampleMail), mail, 'EMail');
    expect(Object.keys(mail.__metadata)).toEqual(Object.keys(sampleMail.__metadata));
    expect(mail.__metadata.type).toBe(sampleMail.__metadata.type);
    expect(mail.__metadata.etag).toMatch(ETAG);
    expect(sampleMail.__metadata.etag).toMatch(ETAG);
    expect(mail.ObjectID).toMatch(OBJECT_ID);
    expect(sampleMail.ObjectID).toMatch(OBJECT_ID);
    for (const k of ['DateTime', 'EntityLastChangedOn', 'ETag', 'LastChangeDateTime']) {
      expect(sampleMail[k]).toMatch(DATE_WIRE);
      expect(mail[k]).toMatch(DATE_WIRE);
    }
    // same codes -> same descriptions
    for (const k of ['StatusText', 'CategoryText', 'DirectionText', 'TransmissionStatusCodeText', 'DocumentTypeText', 'DataOriginTypeCodeText']) {
      expect(mail[k]).toBe(sampleMail[k]);
    }
    // null for empty Guids, "" for empty strings, as in the tenant data
    expect(sampleMail.Account).toBeNull();
    expect(mail.Account).toBeNull();
    expect(sampleMail.MainAccountPartyID).toBe('');
    expect(mail.MainAccountPartyID).toBe('');
    for (const nav of ['EMailAttachments', 'EMailBTDReference', 'EMailToRecipients']) {
      expect(Object.keys(mail[nav])).toEqual(['__deferred']);
      expect(mail[nav].__deferred.uri).toBe(`${mail.__metadata.uri}/${nav}`);
      expect(sampleMail[nav].__deferred.uri).toBe(`${sampleMail.__metadata.uri}/${nav}`);
    }
    expect(Array.isArray(sampleMail.EMailNotes)).toBe(true);
    expect(Array.isArray(mail.EMailNotes)).toBe(true);
    const note = mail.EMailNotes[0];
    const sampleNote = sampleMail.EMailNotes[0];
    expect(Object.keys(note).sort()).toEqual(Object.keys(sampleNote).sort());
    expect(note.TypeCodeText).toBe(sampleNote.TypeCodeText);
    expect(note.EMailID).toBe(mail.ID);
    expect(sampleNote.EMailID).toBe(sampleMail.ID);
    expect(note.AuthorUUID).toBeNull();
  });

  it.each([
    ['latona-activity-appointment-collection-01-sample.json', 'AppointmentCollection', 'Appointment', { Subject: 'x' }],
    ['latona-activity-email-collection-01-sample.json', 'EMailCollection', 'EMail', { Subject: 'x' }],
    ['latona-activity-task-collection-01-sample.json', 'TasksCollection', 'Tasks', { Subject: 'x' }],
    ['latona-business-partner-contact-collection-01-sample.json', 'ContactCollection', 'Contact', { LastName: 'x' }],
    ['latona-business-partner-corporate-account-01-sample.json', 'CorporateAccountCollection', 'CorporateAccount', { Name: 'x', RoleCode: 'CRM000' }],
    ['latona-business-partner-individual-customer-collection-01-sample.json', 'IndividualCustomerCollection', 'IndividualCustomer', { LastName: 'x', RoleCode: 'CRM000' }],
    ['latona-business-partner-employee-collection-01-sample.json', 'EmployeeCollection', 'Employee', { FirstName: 'x', LastName: 'y' }],
  ])('%s has the same properties as %s', async (file, set, type, body) => {
    const r = await c.write('POST', set, body);
    expect(r.status).toBe(201);
    assertSameShape(recordKeys(file), r.json.d.results, type);
  });

  it.each([
    ['latona-activity-appointment-collection-02-appointment-involved-parties-sample.json', 'AppointmentCollection', 'AppointmentInvolvedParties', { RoleCode: '36', PartyEmailURI: 'x@y.example' }],
    ['latona-activity-email-collection-02-email-recipients-sample.json', 'EMailCollection', 'EMailToRecipients', { MessageToEmailID: 'x@y.example' }],
    ['latona-business-partner-contact-collection-02-contact-is-contact-person-for-sample.json', 'ContactCollection', 'ContactIsContactPersonFor', { AccountID: '1' }],
  ])('%s has the same properties as child %s/%s', async (file, set, nav, child) => {
    const header = set === 'ContactCollection' ? { LastName: 'x' } : { Subject: 'x' };
    const h = (await c.write('POST', set, header)).json.d.results;
    const r = await c.write('POST', `${set}('${h.ObjectID}')/${nav}`, child);
    expect(r.status).toBe(201);
    assertSameShape(recordKeys(file), r.json.d.results, nav);
  });

  it('GET by key and to-one navigation are wrapped in d.results like the tenant (and latona to_corporate_account)', async () => {
    const contact = (await c.get("ContactCollection?$filter=Email eq 'katrin.hoffmann@nordwind-maschinenbau.example'")).json.d.results[0];
    const byKey = await c.get(`ContactCollection('${contact.ObjectID}')`);
    expect(Object.keys(byKey.json)).toEqual(['d']);
    expect(Object.keys(byKey.json.d)).toEqual(['results']);
    expect(byKey.json.d.results.ObjectID).toBe(contact.ObjectID);
    const acc = await c.get(`ContactCollection('${contact.ObjectID}')/CorporateAccount`);
    assertSameShape(recordKeys('latona-business-partner-contact-collection-03-corporate-account-sample.json'), acc.json.d.results, 'CorporateAccount');
  });
});
