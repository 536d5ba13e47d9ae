/**
 * Reading C4C's JSON envelopes with the bodies published from real tenants (fixtures/c4c/samples): the
 * 2025 EMail export with an expanded EMailNotes array, `__deferred` navigations and `/Date(ms)/` values, the
 * 2017 ticket create answer with C4C's `{"d":{"results":{…}}}` single-entity wrapper, and the latona sandbox
 * records (reformatted, so only their field names are checked).
 */
import { C4cProtocolError } from '../../relay/c4c/errors';
import type { EMail, ServiceRequest } from '../../relay/c4c/entities';
import {
  etagOf,
  normalizeEntity,
  parseODataDate,
  toODataDate,
  unwrapCollection,
  unwrapEntity,
  unwrapFunctionResult,
} from '../../relay/c4c/odata-json';
import { parseBatchResponse, operationJson, splitMultipart } from '../../relay/c4c/batch';
import { sample, sampleJson } from './fixtures';

describe('/Date(ms)/ values', () => {
  it('parses milliseconds since the epoch, with or without an offset suffix', () => {
    expect(parseODataDate('/Date(1767056939905)/')?.toISOString()).toBe('2025-12-30T01:08:59.905Z');
    expect(parseODataDate('/Date(1490832000000+0000)/')?.toISOString()).toBe('2017-03-30T00:00:00.000Z');
    expect(parseODataDate('/Date(-1000)/')?.toISOString()).toBe('1969-12-31T23:59:59.000Z');
    expect(parseODataDate('2017-04-01T00:00:00Z')).toBeNull();
    expect(parseODataDate(null)).toBeNull();
    expect(parseODataDate('x/Date(1)/')).toBeNull();
  });

  it('writes the JSON literal', () => {
    expect(toODataDate('2025-12-30T01:08:59.905Z')).toBe('/Date(1767056939905)/');
    expect(toODataDate(new Date(0))).toBe('/Date(0)/');
    expect(() => toODataDate('not a date')).toThrow(RangeError);
  });
});

describe('real tenant export: EMailCollection with $expand=EMailNotes (2025)', () => {
  const file = sampleJson<{ emailNotes: unknown; references: unknown }>('tenant-email-export-email-notes.json');
  const page = unwrapCollection<EMail>(file.emailNotes);
  const email = page.results[0];

  it('unwraps the collection and converts every date to ISO', () => {
    expect(page.results).toHaveLength(1);
    expect(page.count).toBeUndefined();
    expect(page.next).toBeUndefined();
    expect(email.ObjectID).toBe('FA163EB2BF9C1FD0B9A383EA28395D78');
    expect(email.ID).toBe('280539');
    expect(email.DateTime).toBe(new Date(1767056939905).toISOString());
    expect(email.ETag).toBe(new Date(1767056940025).toISOString());
    expect(email.Direction).toBe('3');
    expect(email.DateTimetimeZoneCode).toBe('AUSACT');
    expect(email.MessageFromEmailURI).toBe('onlinewarranty@regentrv.com.au');
    expect(email.Account).toBeNull();
  });

  it('keeps __metadata (the ETag) and drops deferred navigations', () => {
    expect(etagOf(email)).toBe(`W/"datetimeoffset'2025-12-30T01%3A09%3A00.0253240Z'"`);
    expect(email.__metadata?.type).toBe('c4codata.EMail');
    expect('EMailToRecipients' in email).toBe(false);
    expect('EMailAttachments' in email).toBe(false);
  });

  it('keeps the expanded EMailNotes as an array of normalized entities', () => {
    expect(Array.isArray(email.EMailNotes)).toBe(true);
    const note = email.EMailNotes![0];
    expect(note.TypeCode).toBe('10002');
    expect(note.EMailID).toBe('280539');
    expect(note.Text).toContain('<p');
    expect(note.CreatedOn).toBe(new Date(1767056940025).toISOString());
    expect('EMail' in note).toBe(false); // its own deferred back-navigation
  });

  it('also reads the BTD reference collection of the same export', () => {
    const refs = unwrapCollection<{ TypeCode: string; ID: string; ItemUUID: string | null }>(file.references);
    expect(refs.results.length).toBe(6);
    expect(refs.results.map((r) => r.TypeCode)).toEqual(expect.arrayContaining(['542', '39']));
    expect(refs.results[0].ItemUUID).toBeNull();
  });

  it('reads the internal-memo export (empty result sets)', () => {
    const memo = sampleJson<{ activities: unknown[] }>('tenant-email-export-internal-memo.json');
    for (const body of memo.activities) expect(unwrapCollection(body).results).toEqual([]);
  });
});

describe('single-entity envelopes', () => {
  it('reads C4C\'s {"d":{"results":{…}}} from the published ticket create answer (2017)', () => {
    const [changeset] = parseBatchResponse(sample('devguide-serviceticket-create-batch-response.txt'), 'multipart/mixed; boundary=ejjeeffe0');
    expect(changeset.kind).toBe('changeset');
    if (changeset.kind !== 'changeset') return;
    const ticket = unwrapEntity<ServiceRequest & { CompletionDueDate: string; RequestedStart: string }>(operationJson(changeset.responses[0]));
    expect(ticket.ObjectID).toBe('00163E1379D01ED785B015D2038B098A');
    expect(ticket.ID).toBe('5197');
    expect(ticket.CompletionDueDate).toBe(new Date(1491004800000).toISOString());
    // ISO text values are left alone.
    expect(ticket.RequestedStart).toBe('2017-04-01T00:00:00Z');
  });

  it('reads the standard V2 {"d":{…}} shape too', () => {
    const entity = unwrapEntity<{ ObjectID: string; ChangedOn: string }>({ d: { ObjectID: 'A', ChangedOn: '/Date(0)/' } });
    expect(entity).toEqual({ ObjectID: 'A', ChangedOn: '1970-01-01T00:00:00.000Z' });
  });

  it('accepts expanded to-many navigations as {results:[…]} and to-one as an object', () => {
    const entity = normalizeEntity<{ Items: Array<{ At: string }>; Account: { Since: string } }>({
      ObjectID: 'X',
      Items: { results: [{ At: '/Date(0)/' }] },
      Account: { __metadata: { type: 'c4codata.CorporateAccount' }, Since: '/Date(1000)/' },
    });
    expect(entity.Items).toEqual([{ At: '1970-01-01T00:00:00.000Z' }]);
    expect(entity.Account.Since).toBe('1970-01-01T00:00:01.000Z');
  });

  it('rejects bodies without the d envelope', () => {
    expect(() => unwrapEntity({ error: {} })).toThrow(C4cProtocolError);
    expect(() => unwrapCollection({ d: { results: {} } })).toThrow(C4cProtocolError);
  });
});

describe('collection paging fields', () => {
  it('reads __count (a string in C4C) and __next', () => {
    const page = unwrapCollection({
      d: { results: [{ ObjectID: '1' }], __count: '39080', __next: 'https://x/sap/c4c/odata/v1/c4codataapi/LeadCollection?$skiptoken=1001' },
    });
    expect(page.count).toBe(39080);
    expect(page.next).toContain('$skiptoken=1001');
  });

  it('matches the published $inlinecount excerpt: __count is a string next to results', () => {
    const text = sample('devguide-inlinecount-response-excerpt.json');
    expect(text).toMatch(/"__count": "39080"/);
  });
});

describe('function import results', () => {
  it('reads the V2 primitive wrapper and C4C-style variants', () => {
    expect(unwrapFunctionResult({ d: { CheckEmailByGroupwareID: true } }, 'CheckEmailByGroupwareID')).toBe(true);
    expect(unwrapFunctionResult({ d: { results: { CheckEmailByGroupwareID: false } } }, 'CheckEmailByGroupwareID')).toBe(false);
    expect(unwrapFunctionResult({ d: { results: [{ ObjectID: 'A', At: '/Date(0)/' }] } }, 'X')).toEqual([
      { ObjectID: 'A', At: '1970-01-01T00:00:00.000Z' },
    ]);
  });
});

describe('latona sandbox records use the field names our types declare', () => {
  const records = (name: string): Array<Record<string, unknown>> => {
    const message = sampleJson<{ message: unknown }>(name).message;
    return (Array.isArray(message) ? message : [message]) as Array<Record<string, unknown>>;
  };

  it.each([
    ['latona-activity-email-collection-01-sample.json', ['ObjectID', 'ID', 'Subject', 'DateTime', 'DateTimetimeZoneCode', 'Direction', 'TransmissionStatusCode', 'MessageFromEmailURI', 'GroupwareItemID', 'MainAccountPartyID', 'Account', 'DataOriginTypeCode']],
    ['latona-activity-email-collection-02-email-recipients-sample.json', ['ObjectID', 'ParentObjectID', 'EMailID', 'MessageToEmailID', 'PartyID', 'PartyUUID']],
    ['latona-activity-appointment-collection-01-sample.json', ['ObjectID', 'StartDate', 'EndDate', 'StartDatetimeZoneCode', 'EnddatetimeZoneCode', 'GroupwareItemID', 'LifeCycleStatusCode']],
    ['latona-activity-appointment-collection-02-appointment-involved-parties-sample.json', ['ParentObjectID', 'PartyID', 'RoleCode', 'PartyTypeCode', 'MainIndicator']],
    ['latona-activity-task-collection-01-sample.json', ['ObjectID', 'Status', 'DueDateTime', 'DueDatetimeZoneCode', 'PriorityCode', 'MainAccountPartyID']],
    ['latona-business-partner-contact-collection-01-sample.json', ['ObjectID', 'ContactID', 'FirstName', 'LastName', 'Email', 'AccountID']],
    ['latona-business-partner-contact-collection-02-contact-is-contact-person-for-sample.json', ['ContactID', 'AccountID', 'Email']],
    ['latona-business-partner-corporate-account-01-sample.json', ['ObjectID', 'AccountID', 'Name', 'Email']],
    ['latona-business-partner-individual-customer-collection-01-sample.json', ['ObjectID', 'CustomerID', 'LastName', 'Email']],
    ['latona-business-partner-employee-collection-01-sample.json', ['ObjectID', 'EmployeeID', 'UserID', 'Email', 'BusinessPartnerID']],
    ['latona-business-partner-business-user-collection-03-employee-basic-data-sample.json', ['EmployeeID', 'Email', 'FormattedName']],
  ])('%s', (name, fields) => {
    const rows = records(name);
    expect(rows.length).toBeGreaterThan(0);
    const missing = fields.filter((field) => !(field in rows[0]));
    expect(missing).toEqual([]);
  });

  it('normalizeEntity passes unknown (extension) properties through', () => {
    const [email] = records('latona-activity-email-collection-01-sample.json');
    const normalized = normalizeEntity<Record<string, unknown>>(email);
    expect(normalized.SentimentTypeCodeText).toBe(email.SentimentTypeCodeText);
    expect(Object.keys(normalized)).toEqual(Object.keys(email));
  });
});

describe('published payloads through the client parsers', () => {
  it.each([
    'latona-activity-email-collection-01-sample.json',
    'latona-activity-appointment-collection-01-sample.json',
    'latona-activity-task-collection-01-sample.json',
    'latona-business-partner-contact-collection-01-sample.json',
  ])('%s: a collection page of these rows unwraps, with every /Date(…)/ as an ISO instant', (name) => {
    const message = sampleJson<{ message: unknown }>(name).message;
    const rows = (Array.isArray(message) ? message : [message]) as Array<Record<string, unknown>>;
    const page = unwrapCollection<Record<string, unknown>>({ d: { results: rows } });
    expect(page.results).toHaveLength(rows.length);
    const dated = Object.entries(rows[0]).filter(([, value]) => typeof value === 'string' && value.startsWith('/Date('));
    for (const [key, value] of dated) {
      expect(page.results[0][key]).toBe(parseODataDate(value)?.toISOString());
      expect(page.results[0][key]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
  });

  it('splits the published mass-query $batch body into its one GET part', () => {
    const body = sample('devguide-massquery-batch-body.txt');
    const boundary = /^--(batch_[\w-]+)/m.exec(body)?.[1];
    expect(boundary).toBeDefined();
    const parts = splitMultipart(body, boundary!);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/GET CustomerCollection\?\$top=5000&\$inlinecount=allpages/);
  });
});
