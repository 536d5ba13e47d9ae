/**
 * E10: the mapping tables. Each kind's converters round-trip (mailbox → mapped → C4C write → C4C record → mapped, and
 * back into the mailbox), values are normalised so the side hashes are stable, the documented exceptions hold
 * (notes one-way by default, cancellation to C4C only, company read-only, time-zone codes), and the organization's
 * overrides are applied and validated. A fast-check property runs generated values through both directions.
 */
import fc from 'fast-check';
import type { AppointmentInvolvedParties, Contact, CorporateAccount, IndividualCustomer } from '../../../relay/c4c/entities';
import type { CalendarEvent, ContactInput, EventInput, MailContact, MailTask, TaskInput } from '../../../relay/mailbox/types';
import { MAPPING_TABLES, MappingOverrideError, canonicalJson, checkOverrides, kindMapping, mirrorHash } from '../../../relay/sync/mirror/mapping';
import { htmlToPlainText, ianaForSapCode, sapZoneCode } from '../../../relay/sync/mirror/mapping/transforms';
import type { C4cAppointmentRecord, C4cTaskRecord, C4cWrite } from '../../../relay/sync/mirror/mapping/types';
import type { MappedFields, MirrorKind } from '../../../relay/sync/mirror/types';
import { MIRROR_KINDS } from '../../../relay/sync/mirror/types';

const NO_OVERRIDES = { directions: {} };

/** What C4C answers after a write (normalizeEntity turns /Date(ms)/ into ISO instants). */
function asRead(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const m = typeof v === 'string' ? /^\/Date\((-?\d+)\)\/$/.exec(v) : null;
    out[k] = m ? new Date(Number(m[1])).toISOString() : v;
  }
  return out;
}

function appointmentRecord(write: C4cWrite): C4cAppointmentRecord {
  return {
    header: { ID: '1', ObjectID: 'OBJ1', ...asRead(write.body) } as C4cAppointmentRecord['header'],
    involvedParties: (write.involvedParties ?? []).map((p): AppointmentInvolvedParties => ({ ...p, ObjectID: `P-${p.PartyEmailURI}` })),
    ...(write.notes !== undefined ? { notes: write.notes } : {}),
  };
}

function mailboxEvent(input: Partial<EventInput>, base: CalendarEvent): CalendarEvent {
  return { ...base, ...input } as CalendarEvent;
}

const EVENT: CalendarEvent = {
  id: 'AAMk-1',
  changeKey: 'ck1',
  iCalUid: 'uid-1',
  subject: '  Quarterly review ',
  start: '2026-12-03T09:00:00.123Z',
  end: '2026-12-03T10:00:00Z',
  timeZone: 'Romance Standard Time',
  isAllDay: false,
  location: 'Room 4.01',
  bodyHtml: '<html><body><p>Agenda:&nbsp;numbers</p><ul><li>Q4 &amp; plan</li></ul><p></p><p></p><p>Bye</p></body></html>',
  organizer: { address: 'Anna.Organizer@Contoso.example', name: 'Anna' },
  attendees: [
    { address: 'zoe@fabrikam.example', name: 'Zoe', type: 'optional', response: 'accepted' },
    { address: 'BEN@fabrikam.example', name: 'Ben', type: 'required', response: 'none' },
    { address: 'room-4@contoso.example', name: 'Room 4', type: 'resource', response: 'accepted' },
    { address: 'anna.organizer@contoso.example', name: 'Anna', type: 'required', response: 'organizer' },
  ],
  isOrganizer: true,
  isCancelled: false,
  type: 'singleInstance',
  sensitivity: 'private',
  categories: ['SAP Cloud for Customer'],
};

describe('appointment table', () => {
  const m = kindMapping('appointment', NO_OVERRIDES);

  it('normalises the mailbox event (trim, lower-case addresses, seconds, SAP zone code, plain-text notes)', () => {
    expect(m.fromMailbox(EVENT)).toEqual({
      subject: 'Quarterly review',
      start: '2026-12-03T09:00:00Z',
      end: '2026-12-03T10:00:00Z',
      timeZone: 'CET',
      isAllDay: false,
      location: 'Room 4.01',
      attendees: [
        { email: 'anna.organizer@contoso.example', name: 'Anna', role: 'organizer' },
        { email: 'ben@fabrikam.example', name: 'Ben', role: 'attendee' },
        { email: 'zoe@fabrikam.example', name: 'Zoe', role: 'attendee' },
      ],
      notes: 'Agenda: numbers\nQ4 & plan\n\nBye',
      sensitivity: 'private',
      cancelled: false,
    });
  });

  it('writes C4C the header, the attendees (35 organizer / 36 attendee) and the notes, and reads the same fields back', () => {
    const fields = m.fromMailbox(EVENT);
    const write = m.toC4c(fields);
    expect(write.body).toEqual({
      Subject: 'Quarterly review',
      StartDate: `/Date(${Date.parse('2026-12-03T09:00:00Z')})/`,
      EndDate: `/Date(${Date.parse('2026-12-03T10:00:00Z')})/`,
      StartDatetimeZoneCode: 'CET',
      EnddatetimeZoneCode: 'CET',
      FullDayIndicator: false,
      Location: 'Room 4.01',
      InformationSensitivityCode: '3',
      LifeCycleStatusCode: '1',
    });
    expect(write.involvedParties).toEqual([
      { PartyEmailURI: 'anna.organizer@contoso.example', PartyName: 'Anna', RoleCode: '35' },
      { PartyEmailURI: 'ben@fabrikam.example', PartyName: 'Ben', RoleCode: '36' },
      { PartyEmailURI: 'zoe@fabrikam.example', PartyName: 'Zoe', RoleCode: '36' },
    ]);
    expect(write.notes).toBe('Agenda: numbers\nQ4 & plan\n\nBye');
    const back = m.fromC4c(appointmentRecord(write));
    expect(back).toEqual(fields);
    expect(m.hash('mailbox', back)).toBe(m.hash('mailbox', fields));
    expect(m.hash('c4c', back)).toBe(m.hash('c4c', fields));
  });

  it('ignores C4C parties that are not organizer or attendee, and falls back to the header organizer', () => {
    const rec: C4cAppointmentRecord = {
      header: { ObjectID: 'O7', ID: '7', Subject: 'X', StartDate: '2026-01-01T10:00:00Z', EndDate: '2026-01-01T11:00:00Z', OrganizerEmailURI: 'Boss@Contoso.example', OrganizerPartyName: 'Boss' },
      involvedParties: [
        { ObjectID: 'p', RoleCode: '34', PartyID: '1001' },
        { ObjectID: 'p', RoleCode: '39', PartyEmailURI: 'owner@contoso.example' },
        { ObjectID: 'p', RoleCode: '36', EMail: 'Read.Only@Fabrikam.example', Name: 'Read Only' },
        { ObjectID: 'p', RoleCode: '36', PartyEmailURI: '' },
      ],
    };
    expect(m.fromC4c(rec).attendees).toEqual([
      { email: 'boss@contoso.example', name: 'Boss', role: 'organizer' },
      { email: 'read.only@fabrikam.example', name: 'Read Only', role: 'attendee' },
    ]);
  });

  it('into the mailbox: attendees without the organizer, zone as IANA, notes not written by default, cancellation never', () => {
    const fields = m.fromMailbox(EVENT);
    const input = m.toMailbox({ ...fields, notes: 'edited in C4C', cancelled: true });
    expect(input).not.toHaveProperty('bodyHtml');
    expect(input).not.toHaveProperty('isCancelled');
    expect(input.timeZone).toBe('Europe/Berlin');
    expect(input.attendees).toEqual([
      { address: 'ben@fabrikam.example', name: 'Ben', type: 'required', response: 'none' },
      { address: 'zoe@fabrikam.example', name: 'Zoe', type: 'required', response: 'none' },
    ]);
    // Back in the mailbox, the event maps to the same fields that flow from C4C.
    const after = m.fromMailbox(mailboxEvent(input, EVENT));
    for (const f of ['subject', 'start', 'end', 'timeZone', 'isAllDay', 'location', 'attendees', 'sensitivity']) expect(after[f]).toEqual(fields[f]);
  });

  it('a C4C cancellation does not change the mailbox hash; a mailbox cancellation writes status 4', () => {
    const fields = m.fromMailbox(EVENT);
    expect(m.hash('c4c', { ...fields, cancelled: true })).toBe(m.hash('c4c', fields));
    expect(m.hash('mailbox', { ...fields, cancelled: true })).not.toBe(m.hash('mailbox', fields));
    expect(m.toC4c({ cancelled: true }).body).toEqual({ LifeCycleStatusCode: '4' });
    expect(m.fromC4c(appointmentRecord({ body: { LifeCycleStatusCode: '4' } })).cancelled).toBe(true);
    expect(m.fromC4c(appointmentRecord({ body: { LifeCycleStatusCode: '3' } })).cancelled).toBe(false);
  });

  it('notes both ways when the organization says so, as escaped plain text in the body', () => {
    const both = kindMapping('appointment', { directions: { appointment: { notes: 'both' } } });
    const input = both.toMailbox({ notes: 'a < b & c\nline 2' });
    expect(input.bodyHtml).toBe('<html><body><p>a &lt; b &amp; c<br>line 2</p></body></html>');
    expect(htmlToPlainText(input.bodyHtml)).toBe('a < b & c\nline 2');
  });

  it('sensitivity codes 1–4 both ways; unknown codes read as normal', () => {
    for (const [s, code] of [['normal', '1'], ['personal', '2'], ['private', '3'], ['confidential', '4']] as const) {
      expect(m.toC4c({ sensitivity: s }).body.InformationSensitivityCode).toBe(code);
      expect(m.fromC4c(appointmentRecord({ body: { InformationSensitivityCode: code } })).sensitivity).toBe(s);
    }
    expect(m.fromC4c(appointmentRecord({ body: { InformationSensitivityCode: '9' } })).sensitivity).toBe('normal');
  });
});

describe('time-zone codes', () => {
  it.each([
    ['W. Europe Standard Time', 'CET'],
    ['Europe/Paris', 'CET'],
    ['Romance Standard Time', 'CET'],
    ['GMT Standard Time', 'GMTUK'],
    ['India Standard Time', 'INDIA'],
    ['Asia/Calcutta', 'INDIA'],
    ['Eastern Standard Time', 'EST'],
    ['US Mountain Standard Time', 'MSTNO'],
    ['AUS Eastern Standard Time', 'AUSNSW'],
    ['Cen. Australia Standard Time', 'AUSSA'],
    ['W. Australia Standard Time', 'AUSWA'],
    ['Nepal Standard Time', 'UTC'],
    ['Mars Standard Time', 'UTC'],
    ['', 'UTC'],
  ])('%s → %s', (zone, code) => {
    expect(sapZoneCode(zone)).toBe(code);
  });

  it('codes map to one IANA zone each, unknown codes to UTC; mailbox and C4C agree on the code', () => {
    expect(ianaForSapCode('CET')).toBe('Europe/Berlin');
    expect(ianaForSapCode('ausact')).toBe('Australia/Canberra');
    expect(ianaForSapCode('ZZZ')).toBe('UTC');
    const m = kindMapping('appointment', NO_OVERRIDES);
    for (const code of ['UTC', 'GMTUK', 'CET', 'EET', 'EST', 'CST', 'MST', 'MSTNO', 'PST', 'BRZLEA', 'INDIA', 'JAPAN', 'UTC+8', 'AUSNSW', 'AUSACT', 'AUSVIC', 'AUSQLD', 'AUSSA', 'AUSNT', 'AUSWA', 'AUSTAS']) {
      const input = m.toMailbox({ timeZone: code });
      expect(m.fromMailbox({ ...EVENT, timeZone: input.timeZone! }).timeZone).toBe(code);
      expect(m.fromC4c(appointmentRecord({ body: { StartDatetimeZoneCode: code.toLowerCase() } })).timeZone).toBe(code);
    }
    expect(m.fromC4c(appointmentRecord({ body: {} })).timeZone).toBe('UTC');
  });
});

const TASK: MailTask = {
  id: 't1',
  changeKey: 'c',
  subject: ' Send offer ',
  bodyText: 'Line 1  \r\nLine 2\r\n\r\n\r\n',
  status: 'waitingOnOthers',
  importance: 'high',
  startDate: '2026-12-01',
  dueDate: '2026-12-05',
  completedAt: undefined,
  categories: [],
};

describe('task table', () => {
  const m = kindMapping('task', NO_OVERRIDES);
  const record = (write: C4cWrite): C4cTaskRecord => ({ header: { ObjectID: 'OT1', ID: 'T1', ...asRead(write.body) } as C4cTaskRecord['header'], ...(write.notes !== undefined ? { notes: write.notes } : {}) });

  it('round-trips through C4C with dates at 00:00 UTC, status and priority codes', () => {
    const fields = m.fromMailbox(TASK);
    expect(fields).toEqual({ subject: 'Send offer', startDate: '2026-12-01', dueDate: '2026-12-05', status: 'inProgress', importance: 'high', completedAt: null, notes: 'Line 1\nLine 2' });
    const write = m.toC4c(fields);
    expect(write.body).toMatchObject({ Status: '2', PriorityCode: '2', DueDatetimeZoneCode: 'UTC', DueDateTime: `/Date(${Date.parse('2026-12-05T00:00:00Z')})/`, CompletionPercent: '0', CompletionDateTime: null });
    expect(m.fromC4c(record(write))).toEqual(fields);
  });

  it('reads a C4C due instant as the date in its zone code', () => {
    // 23:30Z on 4 December is already 5 December in Tokyo.
    const f = m.fromC4c({ header: { ObjectID: 'O2', ID: 'T2', DueDateTime: '2026-12-04T23:30:00Z', DueDatetimeZoneCode: 'JAPAN', Status: '4', PriorityCode: '7', CompletionDateTime: '2026-12-04T10:00:00.500Z' } });
    expect(f).toMatchObject({ dueDate: '2026-12-05', status: 'deferred', importance: 'low', completedAt: '2026-12-04T10:00:00Z' });
    expect(m.toMailbox(f)).toMatchObject({ dueDate: '2026-12-05', status: 'deferred', importance: 'low', completedAt: '2026-12-04T10:00:00Z' });
    expect(m.toC4c({ completedAt: '2026-12-04T10:00:00Z' }).body).toMatchObject({ CompletionPercent: '100' });
  });

  it('immediate priority reads as high; an unknown status as not started', () => {
    expect(m.fromC4c({ header: { ObjectID: 'Ox', ID: 'x', PriorityCode: '1', Status: '8' } })).toMatchObject({ importance: 'high', status: 'notStarted' });
  });

  it('into the mailbox the task input has every two-way field', () => {
    const input: Partial<TaskInput> = m.toMailbox(m.fromMailbox(TASK));
    expect(input).toEqual({ subject: 'Send offer', startDate: '2026-12-01', dueDate: '2026-12-05', status: 'inProgress', importance: 'high', completedAt: undefined, bodyText: 'Line 1\nLine 2' });
  });
});

const CONTACT: MailContact = {
  id: 'c1',
  changeKey: 'c',
  folderId: 'f',
  givenName: 'Karl',
  surname: ' Kunde ',
  displayName: 'Karl Kunde',
  companyName: 'Old Name GmbH',
  jobTitle: 'Buyer',
  emailAddresses: [{ address: 'Karl.Kunde@Kunde.example' }, { address: 'private@mail.example' }],
  businessPhone: '+49 30 1234',
  mobilePhone: '',
  categories: [],
};

describe('contact, account and individual customer tables', () => {
  it('contact: company is read-only from the main account; display name from C4C; first address only', () => {
    const m = kindMapping('contact', NO_OVERRIDES);
    const fields = m.fromMailbox(CONTACT);
    expect(fields).toEqual({ givenName: 'Karl', surname: 'Kunde', displayName: 'Karl Kunde', jobTitle: 'Buyer', email: 'karl.kunde@kunde.example', phone: '+49 30 1234', mobile: null, company: 'Old Name GmbH' });
    const write = m.toC4c(fields);
    expect(write.body).toEqual({ FirstName: 'Karl', LastName: 'Kunde', JobTitle: 'Buyer', Email: 'karl.kunde@kunde.example', Phone: '+49 30 1234', Mobile: '' });
    const c4c: Contact = { ObjectID: 'OC', ContactID: '1001', ...(write.body as Partial<Contact>), LastName: 'Kunde', Name: 'Karl Kunde', AccountFormattedName: 'Kunde AG' };
    const back = m.fromC4c(c4c);
    expect(back).toEqual({ ...fields, company: 'Kunde AG' });
    // The company changed in C4C only: it flows to the mailbox, and the mailbox hash ignores it.
    expect(m.hash('c4c', back)).not.toBe(m.hash('c4c', fields));
    expect(m.hash('mailbox', back)).toBe(m.hash('mailbox', fields));
    const input: Partial<ContactInput> = m.toMailbox(back);
    expect(input).toMatchObject({ companyName: 'Kunde AG', displayName: 'Karl Kunde', emailAddresses: [{ address: 'karl.kunde@kunde.example' }], mobilePhone: '' });
  });

  it('account: name is display and company name; address with ISO country', () => {
    const m = kindMapping('account', NO_OVERRIDES);
    const mailbox: MailContact = { ...CONTACT, givenName: undefined, surname: undefined, displayName: 'Kunde AG', companyName: 'Kunde AG', businessAddress: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', countryOrRegion: 'Germany' } };
    const fields = m.fromMailbox(mailbox);
    expect(fields).toMatchObject({ name: 'Kunde AG', address: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' } });
    expect(fields).not.toHaveProperty('website');
    const write = m.toC4c(fields);
    expect(write.body).toMatchObject({ Name: 'Kunde AG', Street: 'Hauptstr. 1', City: 'Berlin', StreetPostalCode: '10115', CountryCode: 'DE' });
    const c4c = { AccountID: '2001', ...(write.body as Partial<CorporateAccount>), Name: 'Kunde AG', WebSite: 'https://kunde.example' } as CorporateAccount;
    expect(m.fromC4c(c4c)).toEqual(fields);
    expect(m.toMailbox(fields)).toMatchObject({ displayName: 'Kunde AG', companyName: 'Kunde AG', businessAddress: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', countryOrRegion: 'Germany' } });
  });

  it('individual customer: names, email, phones; formatted name to the mailbox', () => {
    const m = kindMapping('individualCustomer', NO_OVERRIDES);
    const c4c: IndividualCustomer = { ObjectID: 'OI', CustomerID: '3001', FirstName: 'Ida', LastName: 'Privat', FormattedName: 'Ida Privat', Email: 'IDA@privat.example', Phone: '', Mobile: '+49 170 1' };
    const fields = m.fromC4c(c4c);
    expect(fields).toEqual({ givenName: 'Ida', surname: 'Privat', displayName: 'Ida Privat', email: 'ida@privat.example', phone: null, mobile: '+49 170 1' });
    const input = m.toMailbox(fields);
    const mailbox: MailContact = { id: 'i', changeKey: 'c', folderId: 'f', categories: [], displayName: '', emailAddresses: [], ...input } as MailContact;
    expect(m.fromMailbox(mailbox)).toEqual(fields);
  });
});

describe('hash', () => {
  it('is order-independent, treats missing as null and ignores fields outside the list', () => {
    const a = { b: 1, a: { y: [1, 2], x: 'z' } };
    const b = { a: { x: 'z', y: [1, 2] }, b: 1, extra: true };
    expect(mirrorHash(a, ['a', 'b'])).toBe(mirrorHash(b, ['b', 'a']));
    expect(mirrorHash({ a: null }, ['a', 'c'])).toBe(mirrorHash({}, ['c', 'a']));
    expect(mirrorHash({ a: [1, 2] }, ['a'])).not.toBe(mirrorHash({ a: [2, 1] }, ['a']));
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(mirrorHash({ a: 1 }, ['a'])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a side hash covers only the fields that flow from that side', () => {
    const m = kindMapping('appointment', NO_OVERRIDES);
    const fields = m.fromMailbox(EVENT);
    expect(m.hash('c4c', { ...fields, notes: 'other' })).toBe(m.hash('c4c', fields));
    expect(m.hash('mailbox', { ...fields, notes: 'other' })).not.toBe(m.hash('mailbox', fields));
    expect(m.hash('mailbox', { ...fields, subject: 'other' })).not.toBe(m.hash('mailbox', fields));
  });

  it('ChangeKey churn and formatting-only differences do not change the mapped fields', () => {
    const m = kindMapping('appointment', NO_OVERRIDES);
    const again = m.fromMailbox({ ...EVENT, changeKey: 'ck2', subject: 'Quarterly review', start: '2026-12-03T09:00:00Z', organizer: { address: 'anna.organizer@contoso.example', name: 'Anna' }, attendees: [...EVENT.attendees].reverse() });
    expect(m.hash('mailbox', again)).toBe(m.hash('mailbox', m.fromMailbox(EVENT)));
  });
});

describe('overrides', () => {
  it('applies configurable overrides; none drops the field everywhere', () => {
    const m = kindMapping('contact', { directions: { contact: { mobile: 'none', phone: 'to-mailbox' } } });
    expect(m.directions).toMatchObject({ mobile: 'none', phone: 'to-mailbox', email: 'both' });
    const fields = m.fromMailbox(CONTACT);
    expect(fields).not.toHaveProperty('mobile');
    expect(m.toC4c({ phone: '1', mobile: '2', email: 'a@b.example' }).body).toEqual({ Email: 'a@b.example' });
    expect(m.toMailbox({ phone: '1', mobile: '2' })).toEqual({ businessPhone: '1' });
  });

  it('an unknown or fixed field is an error naming it', () => {
    expect(() => kindMapping('task', { directions: { task: { colour: 'both' } } })).toThrow(/task has no mapped field "colour"/);
    expect(() => kindMapping('appointment', { directions: { appointment: { cancelled: 'both' } } })).toThrow(/"cancelled" .* is fixed to "to-c4c"/);
    try {
      checkOverrides(MAPPING_TABLES.contact, { company: 'to-c4c' });
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(MappingOverrideError);
      expect((err as MappingOverrideError).path).toBe('directions.contact.company');
      expect((err as MappingOverrideError).problem).toBe('not-configurable');
    }
  });

  it('every table: field names unique, fixed fields documented or identity, every field has a transform or an exception', () => {
    for (const kind of MIRROR_KINDS) {
      const table = MAPPING_TABLES[kind] as unknown as { fields: { field: string; transform?: unknown; exception?: string; defaultDirection: string }[] };
      const names = table.fields.map((f) => f.field);
      expect(new Set(names).size).toBe(names.length);
      for (const f of table.fields) {
        expect(f.transform !== undefined || f.exception !== undefined).toBe(true);
        if (f.defaultDirection !== 'both') expect([kind, f.field, typeof f.exception]).toEqual([kind, f.field, 'string']);
      }
    }
  });
});

describe('property: generated values round-trip through both sides', () => {
  const textArb = fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 30 }).map((s) => s.trim()).filter((s) => s !== '' && !s.includes('\n')));
  const emailArb = fc.emailAddress().map((e) => e.toLowerCase());
  const instantArb = fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }).map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'));

  it('appointments: mapped → C4C → mapped and mapped → mailbox → mapped keep every two-way field', () => {
    const m = kindMapping('appointment', NO_OVERRIDES);
    fc.assert(
      fc.property(
        fc.record({
          subject: textArb,
          start: instantArb,
          end: instantArb,
          timeZone: fc.constantFrom('UTC', 'CET', 'EST', 'INDIA', 'AUSACT', 'UTC+8'),
          isAllDay: fc.boolean(),
          location: textArb,
          organizer: emailArb,
          attendees: fc.uniqueArray(fc.record({ email: emailArb, name: textArb }), { maxLength: 5, selector: (a) => a.email }),
          sensitivity: fc.constantFrom('normal', 'personal', 'private', 'confidential'),
        }),
        (g) => {
          const attendees = [{ email: g.organizer, name: null, role: 'organizer' as const }, ...g.attendees.filter((a) => a.email !== g.organizer).map((a) => ({ ...a, role: 'attendee' as const }))];
          const sorted = [attendees[0], ...attendees.slice(1).sort((a, b) => a.email.localeCompare(b.email))];
          const fields: MappedFields = { subject: g.subject, start: g.start, end: g.end, timeZone: g.timeZone, isAllDay: g.isAllDay, location: g.location, attendees: sorted, sensitivity: g.sensitivity };
          const viaC4c = m.fromC4c(appointmentRecord(m.toC4c(fields)));
          for (const k of Object.keys(fields)) expect(viaC4c[k]).toEqual(fields[k]);
          const input = m.toMailbox(fields);
          const event = mailboxEvent(input, { ...EVENT, organizer: { address: g.organizer } });
          const viaMailbox = m.fromMailbox(event);
          for (const k of Object.keys(fields)) {
            if (k === 'subject' || k === 'location') expect(viaMailbox[k]).toEqual(fields[k] ?? null);
            else expect(viaMailbox[k]).toEqual(fields[k]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('contacts of each kind: C4C → mapped → C4C → mapped is stable', () => {
    for (const kind of ['contact', 'individualCustomer'] as const satisfies readonly MirrorKind[]) {
      const m = kindMapping(kind, NO_OVERRIDES);
      fc.assert(
        fc.property(fc.record({ FirstName: fc.string({ maxLength: 20 }), LastName: fc.string({ minLength: 1, maxLength: 20 }), Email: fc.oneof(fc.constant(''), fc.emailAddress()), Phone: fc.string({ maxLength: 20 }), Mobile: fc.string({ maxLength: 20 }) }), (r) => {
          const first = m.fromC4c({ ContactID: '1', CustomerID: '1', ...r } as never);
          const again = m.fromC4c({ ContactID: '1', CustomerID: '1', ...r, ...m.toC4c(first).body } as never);
          expect(again).toEqual(first);
          expect(m.hash('c4c', again)).toBe(m.hash('c4c', first));
        }),
        { numRuns: 200 },
      );
    }
  });
});
