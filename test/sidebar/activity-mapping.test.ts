import { buildAppointment, sapTimeZoneCode } from '../../relay/c4c/activities/appointment';
import { buildEmailActivity, type EmailToSave } from '../../relay/c4c/activities/email';

const email: EmailToSave = {
  internetMessageId: '<CAF=abc@mail.example.com>',
  subject: 'Quote for 40 pumps',
  sentAt: '2026-11-20T09:15:00Z',
  from: { address: 'Julia.Hoffmann@Hoffmann-Maschinenbau.example', name: 'Julia Hoffmann' },
  to: [
    { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
    { address: 'ANNA.BERGER@contoso.example', name: 'Anna (dup)' },
  ],
  cc: [{ address: 'unknown@nowhere.example' }],
  bodyHtml: '<p>Hello</p>',
  attachments: [{ name: 'quote.pdf', contentType: 'application/pdf', contentBase64: 'JVBERi0=' }],
};

const parties = new Map([
  ['julia.hoffmann@hoffmann-maschinenbau.example', { partyId: '1000101' }],
  ['anna.berger@contoso.example', { partyId: '8000000011' }],
]);

describe('buildEmailActivity', () => {
  it('maps an inbound email with parties, body note, attachments and related items', () => {
    const body = buildEmailActivity(email, {
      ownAddresses: ['anna.berger@contoso.example'],
      parties,
      links: { mainAccountPartyId: '1000050', mainContactPartyId: '1000101', ownerPartyId: '8000000011', related: [{ typeCode: '72', id: '42' }] },
      includeAttachments: true,
    });
    expect(body).toMatchObject({
      Subject: 'Quote for 40 pumps',
      DateTime: `/Date(${Date.parse('2026-11-20T09:15:00Z')})/`,
      Direction: '2',
      TransmissionStatusCode: '3',
      GroupwareItemID: '<CAF=abc@mail.example.com>',
      MessageFromPartyID: '1000101',
      MainAccountPartyID: '1000050',
      MainContactPartyID: '1000101',
      OwnerPartyID: '8000000011',
      EMailNotes: [{ TypeCode: '10002', Text: '<p>Hello</p>' }],
      EMailBTDReference: [{ ID: '42', TypeCode: '72', RoleCode: '1' }],
    });
    expect(body.EMailToRecipients).toEqual([{ MessageToEmailID: 'anna.berger@contoso.example', MessageToName: 'Anna Berger', PartyID: '8000000011' }]);
    expect(body.EMailCcRecipients).toEqual([{ MessageCCEMailID: 'unknown@nowhere.example', MessageCCName: 'unknown@nowhere.example' }]);
    expect(body.EMailAttachments).toEqual([{ Name: 'quote.pdf', MimeType: 'application/pdf', CategoryCode: '2', TypeCode: '10001', Binary: 'JVBERi0=' }]);
  });

  it('marks mail from the user as outbound and leaves attachments out when not chosen', () => {
    const body = buildEmailActivity({ ...email, from: { address: 'Anna.Berger@contoso.example' } }, {
      ownAddresses: ['anna.berger@contoso.example'],
      parties,
      links: { related: [] },
      includeAttachments: false,
    });
    expect(body.Direction).toBe('3');
    expect(body.TransmissionStatusCode).toBe('2');
    expect(body.EMailAttachments).toBeUndefined();
    expect(body.EMailBTDReference).toBeUndefined();
  });

  it('clips the subject to the C4C length', () => {
    const body = buildEmailActivity({ ...email, subject: 'x'.repeat(1000) }, { ownAddresses: [], parties, links: { related: [] }, includeAttachments: false });
    expect((body.Subject as string).length).toBe(765);
  });
});

describe('buildAppointment', () => {
  const meeting = {
    groupwareItemId: '040000008200E00074C5B7101A82E008',
    subject: 'Pump demo',
    start: '2026-12-01T14:00:00Z',
    end: '2026-12-01T15:00:00Z',
    timeZone: 'America/New_York',
    isAllDay: false,
    location: 'Teams',
    organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
    attendees: [
      { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann', type: 'required' as const },
      { address: 'new.person@prospect.example', type: 'optional' as const },
      { address: 'room-1@contoso.example', type: 'resource' as const },
    ],
  };
  const appointmentParties = new Map([
    ['anna.berger@contoso.example', { partyId: '8000000011', kind: 'employee' as const }],
    ['julia.hoffmann@hoffmann-maschinenbau.example', { partyId: '1000101', kind: 'contact' as const }],
  ]);

  it('creates organizer, attendee and account parties with role and type codes', () => {
    const body = buildAppointment(meeting, { parties: appointmentParties, mainAccountPartyId: '1000050', mainContactPartyId: '1000101' });
    expect(body).toMatchObject({
      StartDate: `/Date(${Date.parse(meeting.start)})/`,
      EndDate: `/Date(${Date.parse(meeting.end)})/`,
      StartDatetimeZoneCode: 'EST',
      EnddatetimeZoneCode: 'EST',
      FullDayIndicator: false,
      GroupwareItemID: meeting.groupwareItemId,
      OrganizerPartyID: '8000000011',
      MainAccountPartyID: '1000050',
    });
    expect(body.AppointmentInvolvedParties).toEqual([
      { RoleCode: '35', PartyEmailURI: 'anna.berger@contoso.example', PartyName: 'Anna Berger', PartyID: '8000000011', PartyTypeCode: '167' },
      { RoleCode: '36', PartyEmailURI: 'julia.hoffmann@hoffmann-maschinenbau.example', PartyName: 'Julia Hoffmann', PartyID: '1000101', PartyTypeCode: '147' },
      { RoleCode: '36', PartyEmailURI: 'new.person@prospect.example', PartyName: 'new.person@prospect.example' },
      { RoleCode: '34', PartyID: '1000050', PartyTypeCode: '159', MainIndicator: true },
    ]);
  });

  it('rejects a meeting that ends before it starts and maps unknown zones to UTC', () => {
    expect(() => buildAppointment({ ...meeting, end: '2026-12-01T13:00:00Z' }, { parties: appointmentParties })).toThrow(RangeError);
    expect(sapTimeZoneCode('Mars/Olympus')).toBe('UTC');
  });
});
