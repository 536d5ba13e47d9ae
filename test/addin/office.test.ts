/**
 * The Office wrapper (addin/office/) against office-addin-mock, the way Microsoft's unit-testing guide sets it up:
 * a seeded mock object assigned to the global `Office`.
 */
import { OfficeMockObject } from 'office-addin-mock';

// office-addin-mock only needs the OfficeApp enum of office-addin-manifest, whose main module pulls an ESM-only
// dependency chain that Jest's CommonJS runtime cannot load; serve the enum from its own self-contained file.
jest.mock('office-addin-manifest', () => jest.requireActual('office-addin-manifest/lib/officeApp'));
import { Email, convertAttachment } from '../../addin/office/email';
import { looksAllDay, resolveTimeZone, type Meeting, type MeetingLoad } from '../../addin/office/meeting';
import { onItemChanged, onThemeChanged, resetEventChannels } from '../../addin/office/events';
import { readOpenItem, readUserProfile, type OpenAppointment } from '../../addin/office/host';
import { compareVersions, isSetSupported, supports } from '../../addin/office/requirements';
import { luminance, readOfficeTheme, themeFromColours } from '../../addin/office/theme';

type Seed = Record<string, unknown>;
const globalWithOffice = globalThis as { Office?: unknown };

const handlers = new Map<string, Array<(args: unknown) => void>>();

function install(item: Seed | null, options: { mailboxVersion?: string; theme?: Seed } = {}): OfficeMockObject {
  handlers.clear();
  resetEventChannels();
  const mailboxVersion = options.mailboxVersion ?? '1.14';
  const seed: Seed = {
    host: 'outlook',
    // office-addin-mock provides no enums: seed them with office.js's values.
    CoercionType: { Html: 'html', Text: 'text' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    context: {
      officeTheme: options.theme ?? { bodyBackgroundColor: '#ffffff' },
      requirements: {
        isSetSupported: (name: string, version: string) => name === 'Mailbox' && compareVersions(version, mailboxVersion) <= 0,
      },
      mailbox: {
        // office-addin-mock cannot seed null; it is assigned below.
        ...(item === null ? {} : { item }),
        userProfile: { displayName: 'Anna Berger', emailAddress: 'anna.berger@contoso.example', timeZone: 'Europe/Berlin' },
        addHandlerAsync: (type: string, handler: (args: unknown) => void, callback?: (r: unknown) => void) => {
          handlers.set(type, [...(handlers.get(type) ?? []), handler]);
          callback?.({ status: 'succeeded', value: undefined });
        },
      },
    },
  };
  const mock = new OfficeMockObject(seed);
  if (item === null) (mock as unknown as { context: { mailbox: { item: unknown } } }).context.mailbox.item = null;
  globalWithOffice.Office = mock;
  return mock;
}

afterEach(() => {
  delete globalWithOffice.Office;
});

const attachmentContents: Record<string, { format: string; content: string }> = {
  'att-1': { format: 'base64', content: 'JVBERi0xLjQ=' },
  'att-2': { format: 'eml', content: 'Subject: Hi\r\n\r\nHällo' },
  'att-4': { format: 'url', content: 'https://contoso.sharepoint.example/file' },
};

function messageSeed(overrides: Seed = {}): Seed {
  return {
    itemId: 'AAMkAD-message-1',
    itemType: 'message',
    internetMessageId: '<CAF=abc@mail.example.com>',
    conversationId: 'conv-1',
    subject: 'Quote for 40 pumps',
    from: { emailAddress: 'Julia.Hoffmann@Hoffmann-Maschinenbau.example', displayName: 'Julia Hoffmann' },
    to: [
      { emailAddress: 'anna.berger@contoso.example', displayName: 'Anna Berger' },
      { emailAddress: 'JULIA.hoffmann@hoffmann-maschinenbau.example', displayName: 'Julia (again)' },
    ],
    cc: [{ emailAddress: 'peter.klein@hoffmann-maschinenbau.example', displayName: '' }],
    dateTimeCreated: new Date('2026-11-20T09:15:00Z'),
    dateTimeModified: new Date('2026-11-20T09:16:00Z'),
    attachments: [
      { id: 'att-1', name: 'quote.pdf', contentType: 'application/pdf', size: 9, isInline: false, attachmentType: 'file' },
      { id: 'att-2', name: 'forwarded', contentType: 'message/rfc822', size: 20, isInline: false, attachmentType: 'item' },
      { id: 'att-3', name: 'logo.png', contentType: 'image/png', size: 100, isInline: true, attachmentType: 'file' },
      { id: 'att-4', name: 'big-deck.pptx', contentType: 'application/vnd.ms-powerpoint', size: 30, isInline: false, attachmentType: 'cloud' },
    ],
    body: {
      getAsync: (coercion: string, callback: (r: unknown) => void) =>
        callback({ status: 'succeeded', value: coercion === 'html' ? '<p>Hello <b>Anna</b></p>' : 'Hello Anna' }),
    },
    getAttachmentContentAsync: (id: string, callback: (r: unknown) => void) => {
      const content = attachmentContents[id];
      if (content === undefined) callback({ status: 'failed', error: { name: 'InvalidAttachmentId', message: 'bad id' } });
      else callback({ status: 'succeeded', value: content });
    },
    ...overrides,
  };
}

describe('requirement sets', () => {
  it('compares versions numerically per part (1.14 is newer than 1.8)', () => {
    expect(compareVersions('1.14', '1.8')).toBe(1);
    expect(compareVersions('1.8', '1.14')).toBe(-1);
    expect(compareVersions('1.5', '1.5.0')).toBe(0);
  });

  it('asks the host through context.requirements.isSetSupported', () => {
    install(null, { mailboxVersion: '1.5' });
    expect(supports('itemChanged')).toBe(true);
    expect(supports('attachmentContent')).toBe(false);
    expect(isSetSupported('NestedAppAuth', '1.1')).toBe(false);
  });
});

describe('Email (Read mode message)', () => {
  it('reads the item into plain data (no mock internals leak into JSON)', () => {
    install(messageSeed());
    const open = readOpenItem();
    expect(open.kind).toBe('message');
    if (open.kind !== 'message') throw new Error('unreachable');
    const snapshot = JSON.parse(JSON.stringify(open.email.snapshot));
    expect(snapshot).toEqual({
      itemId: 'AAMkAD-message-1',
      internetMessageId: '<CAF=abc@mail.example.com>',
      conversationId: 'conv-1',
      subject: 'Quote for 40 pumps',
      from: { address: 'Julia.Hoffmann@Hoffmann-Maschinenbau.example', name: 'Julia Hoffmann' },
      to: [
        { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
        { address: 'JULIA.hoffmann@hoffmann-maschinenbau.example', name: 'Julia (again)' },
      ],
      cc: [{ address: 'peter.klein@hoffmann-maschinenbau.example', name: 'peter.klein@hoffmann-maschinenbau.example' }],
      dateTimeCreated: '2026-11-20T09:15:00.000Z',
      dateTimeModified: '2026-11-20T09:16:00.000Z',
      attachments: expect.any(Array),
    });
    expect(open.key).toBe('AAMkAD-message-1');
  });

  it('lists participants once each, sender first, without the mailbox owner', () => {
    install(messageSeed());
    const { email } = readOpenItem() as { email: Email };
    expect(email.participantAddresses(['Anna.Berger@contoso.example'])).toEqual([
      'julia.hoffmann@hoffmann-maschinenbau.example',
      'peter.klein@hoffmann-maschinenbau.example',
    ]);
  });

  it('gets the body as HTML through body.getAsync(CoercionType.Html)', async () => {
    install(messageSeed());
    const open = readOpenItem() as { email: Email };
    await expect(open.email.getBodyHtml()).resolves.toBe('<p>Hello <b>Anna</b></p>');
  });

  it('rejects with the host error when getAsync fails', async () => {
    install(
      messageSeed({
        body: { getAsync: (_c: string, cb: (r: unknown) => void) => cb({ status: 'failed', error: { name: 'GenericResponseError', message: 'boom' } }) },
      }),
    );
    const open = readOpenItem() as { email: Email };
    await expect(open.email.getBodyHtml()).rejects.toMatchObject({ name: 'GenericResponseError', message: 'boom' });
  });

  it('reads attachment contents with Mailbox 1.8: files as-is, items as .eml, cloud links and inline images skipped', async () => {
    install(messageSeed());
    const { email } = readOpenItem() as { email: Email };
    expect(email.canReadAttachmentContent()).toBe(true);
    expect(email.savableAttachments().map((a) => a.name)).toEqual(['quote.pdf', 'forwarded', 'big-deck.pptx']);
    const result = await email.getAttachmentContents(1_000);
    expect(result.attachments).toEqual([
      { name: 'quote.pdf', contentType: 'application/pdf', contentBase64: 'JVBERi0xLjQ=' },
      { name: 'forwarded.eml', contentType: 'message/rfc822', contentBase64: Buffer.from('Subject: Hi\r\n\r\nHällo').toString('base64') },
    ]);
    expect(result.skipped).toEqual([{ name: 'big-deck.pptx', reason: 'cloud' }]);
  });

  it('stops at the size limit and reports what it left out', async () => {
    install(messageSeed());
    const { email } = readOpenItem() as { email: Email };
    const result = await email.getAttachmentContents(10);
    expect(result.attachments.map((a) => a.name)).toEqual(['quote.pdf']);
    expect(result.skipped).toEqual([
      { name: 'forwarded', reason: 'too-large' },
      { name: 'big-deck.pptx', reason: 'cloud' },
    ]);
  });

  it('does not call getAttachmentContentAsync below Mailbox 1.8', async () => {
    const getContent = jest.fn();
    install(messageSeed({ getAttachmentContentAsync: getContent }), { mailboxVersion: '1.7' });
    const { email } = readOpenItem() as { email: Email };
    expect(email.canReadAttachmentContent()).toBe(false);
    const result = await email.getAttachmentContents(1_000);
    expect(getContent).not.toHaveBeenCalled();
    expect(result.attachments).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual(['unsupported', 'unsupported', 'unsupported']);
  });

  it('converts iCalendar attachments and refuses URL ones', () => {
    const info = { id: 'x', name: 'invite', contentType: 'text/calendar', size: 1, isInline: false, attachmentType: 'item' };
    expect(convertAttachment(info, { format: 'iCalendar', content: 'BEGIN:VCALENDAR' })).toEqual({
      name: 'invite.ics',
      contentType: 'text/calendar',
      contentBase64: Buffer.from('BEGIN:VCALENDAR').toString('base64'),
    });
    expect(convertAttachment(info, { format: 'url', content: 'https://x' })).toBeNull();
  });
});

function appointmentSeed(overrides: Seed = {}): Seed {
  return {
    itemId: 'AAMkAD-meeting-1',
    itemType: 'appointment',
    subject: 'Pump line review',
    organizer: { emailAddress: 'anna.berger@contoso.example', displayName: 'Anna Berger' },
    requiredAttendees: [
      { emailAddress: 'anna.berger@contoso.example', displayName: 'Anna Berger' },
      { emailAddress: 'julia.hoffmann@hoffmann-maschinenbau.example', displayName: 'Julia Hoffmann' },
    ],
    optionalAttendees: [{ emailAddress: 'Julia.Hoffmann@hoffmann-maschinenbau.example', displayName: 'dup' }, { emailAddress: 'ceo@hoffmann-maschinenbau.example', displayName: 'CEO' }],
    start: new Date('2026-11-24T13:00:00Z'),
    end: new Date('2026-11-24T14:00:00Z'),
    location: 'Teams',
    dateTimeCreated: new Date('2026-11-20T09:15:00Z'),
    ...overrides,
  };
}

function openAppointment(): OpenAppointment {
  const open = readOpenItem();
  if (open.kind !== 'appointment') throw new Error(`expected appointment, got ${open.kind}`);
  return open;
}

async function loadReady(): Promise<Meeting> {
  const loaded = await openAppointment().loadMeeting();
  if (loaded.status !== 'ready') throw new Error(`expected a ready meeting, got ${loaded.status}`);
  return loaded.meeting;
}

describe('Meeting (Read mode appointment)', () => {
  it('uses the item id as groupware key when the host exposes no iCalUId, and lists attendees without the organizer', async () => {
    install(appointmentSeed());
    const open = openAppointment();
    expect(open.form).toBe('read');
    expect(open.key).toBe('AAMkAD-meeting-1');
    const meeting = await loadReady();
    expect(JSON.parse(JSON.stringify(meeting.snapshot))).toEqual({
      itemId: 'AAMkAD-meeting-1',
      subject: 'Pump line review',
      organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
      requiredAttendees: [
        { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
        { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann' },
      ],
      optionalAttendees: [
        { address: 'Julia.Hoffmann@hoffmann-maschinenbau.example', name: 'dup' },
        { address: 'ceo@hoffmann-maschinenbau.example', name: 'CEO' },
      ],
      start: '2026-11-24T13:00:00.000Z',
      end: '2026-11-24T14:00:00.000Z',
      location: 'Teams',
      groupwareItemId: 'AAMkAD-meeting-1',
      groupwareItemIdSource: 'itemId',
      isAllDay: false,
      timeZone: 'Europe/Berlin',
    });
    expect(meeting.attendees()).toEqual([
      { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann', type: 'required' },
      { address: 'ceo@hoffmann-maschinenbau.example', name: 'CEO', type: 'optional' },
    ]);
    expect(meeting.participantAddresses()).toEqual([
      'anna.berger@contoso.example',
      'julia.hoffmann@hoffmann-maschinenbau.example',
      'ceo@hoffmann-maschinenbau.example',
    ]);
  });

  it('reads Read mode once: loading again gives the same meeting', async () => {
    install(appointmentSeed());
    const open = openAppointment();
    const first = await open.loadMeeting();
    await expect(open.loadMeeting()).resolves.toBe(first);
  });

  it('prefers an iCalUId the host exposes', async () => {
    install(appointmentSeed({ iCalUId: '040000008200E00074C5B7101A82E008' }));
    const meeting = await loadReady();
    expect(meeting.snapshot.groupwareItemId).toBe('040000008200E00074C5B7101A82E008');
    expect(meeting.snapshot.groupwareItemIdSource).toBe('iCalUId');
  });

  it('infers all-day meetings from midnight-to-midnight in the user zone', async () => {
    expect(looksAllDay('2026-11-23T23:00:00Z', '2026-11-24T23:00:00Z', 'Europe/Berlin')).toBe(true);
    expect(looksAllDay('2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z', 'Europe/Berlin')).toBe(false);
    expect(looksAllDay('2026-11-24T00:00:00Z', '2026-11-24T12:00:00Z', 'UTC')).toBe(false);
    install(appointmentSeed({ start: new Date('2026-11-23T23:00:00Z'), end: new Date('2026-11-25T23:00:00Z') }));
    expect((await loadReady()).snapshot.isAllDay).toBe(true);
  });

  it('falls back to the browser zone when Outlook reports a Windows zone name', () => {
    expect(resolveTimeZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(resolveTimeZone('Not A Zone')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(resolveTimeZone('America/New_York')).toBe('America/New_York');
  });
});

type Callback = (result: unknown) => void;
/** An Office getAsync that answers like the host: options are optional, the callback comes last. */
const answers = (value: unknown) => ({ getAsync: jest.fn((...args: unknown[]) => (args[args.length - 1] as Callback)({ status: 'succeeded', value })) });
const fails = (name: string, message = 'failed') => ({
  getAsync: jest.fn((...args: unknown[]) => (args[args.length - 1] as Callback)({ status: 'failed', error: { name, message, code: 9000 } })),
});
const idAnswer = (outcome: { id: string } | { error: string }) =>
  jest.fn((...args: unknown[]) => {
    const callback = args[args.length - 1] as Callback;
    if ('id' in outcome) callback({ status: 'succeeded', value: outcome.id });
    else callback({ status: 'failed', error: { name: outcome.error, message: 'no id', code: 9000 } });
  });

/** The organizer's form (AppointmentCompose): getAsync objects, getItemIdAsync, no itemId property. */
function composeSeed(overrides: Seed = {}): Seed {
  return {
    itemType: 'appointment',
    subject: answers('Pump line review (draft)'),
    start: answers(new Date('2026-11-24T13:00:00Z')),
    end: answers(new Date('2026-11-24T14:30:00Z')),
    location: answers('Room 4.12'),
    requiredAttendees: answers([
      { emailAddress: 'julia.hoffmann@hoffmann-maschinenbau.example', displayName: 'Julia Hoffmann' },
      { emailAddress: 'anna.berger@contoso.example', displayName: 'Anna Berger' },
    ]),
    optionalAttendees: answers([{ emailAddress: 'ceo@hoffmann-maschinenbau.example', displayName: 'CEO' }]),
    organizer: answers({ emailAddress: 'anna.berger@contoso.example', displayName: 'Anna Berger (organizer)' }),
    getItemIdAsync: idAnswer({ id: 'AAMkAD-meeting-compose' }),
    ...overrides,
  };
}

async function loadCompose(): Promise<MeetingLoad> {
  const open = openAppointment();
  expect(open.form).toBe('compose');
  return open.loadMeeting();
}

describe("Meeting in the organizer's form (AppointmentCompose)", () => {
  it('reads subject, times, location, attendees, organizer and id through getAsync / getItemIdAsync', async () => {
    install(composeSeed());
    const open = openAppointment();
    expect(open.form).toBe('compose');
    expect(open.key).toMatch(/^compose:/);
    const meeting = await loadReady();
    // Plain data: no mock internals in what is sent to the relay.
    expect(JSON.parse(JSON.stringify(meeting.snapshot))).toEqual({
      itemId: 'AAMkAD-meeting-compose',
      subject: 'Pump line review (draft)',
      organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger (organizer)' },
      requiredAttendees: [
        { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann' },
        { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
      ],
      optionalAttendees: [{ address: 'ceo@hoffmann-maschinenbau.example', name: 'CEO' }],
      start: '2026-11-24T13:00:00.000Z',
      end: '2026-11-24T14:30:00.000Z',
      location: 'Room 4.12',
      groupwareItemId: 'AAMkAD-meeting-compose',
      groupwareItemIdSource: 'itemId',
      isAllDay: false,
      timeZone: 'Europe/Berlin',
    });
    expect(meeting.attendees()).toEqual([
      { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann', type: 'required' },
      { address: 'ceo@hoffmann-maschinenbau.example', name: 'CEO', type: 'optional' },
    ]);
    expect(meeting.participantAddresses(['anna.berger@contoso.example'])).toEqual(['julia.hoffmann@hoffmann-maschinenbau.example', 'ceo@hoffmann-maschinenbau.example']);
  });

  it('re-reads the form on every load (the user may have edited or saved it)', async () => {
    const seed = composeSeed();
    install(seed);
    const open = openAppointment();
    await open.loadMeeting();
    await open.loadMeeting();
    expect((seed.subject as { getAsync: jest.Mock }).getAsync).toHaveBeenCalledTimes(2);
    expect(seed.getItemIdAsync as jest.Mock).toHaveBeenCalledTimes(2);
  });

  it('takes the organizer from the user profile when organizer.getAsync is unavailable (below Mailbox 1.7) or fails', async () => {
    const organizer = answers({ emailAddress: 'someone@else.example', displayName: 'Not asked' });
    install(composeSeed({ organizer }), { mailboxVersion: '1.6' });
    const below = await loadCompose();
    expect(organizer.getAsync).not.toHaveBeenCalled();
    expect(below.status === 'needs-save' && below.details.organizer).toEqual({ address: 'anna.berger@contoso.example', name: 'Anna Berger' });

    install(composeSeed({ organizer: fails('GenericResponseError') }));
    expect((await loadReady()).snapshot.organizer).toEqual({ address: 'anna.berger@contoso.example', name: 'Anna Berger' });
  });

  it('uses isAllDayEvent.getAsync where the host has it, else infers the flag from the times', async () => {
    install(composeSeed({ isAllDayEvent: answers(true) }));
    expect((await loadReady()).snapshot.isAllDay).toBe(true);
    install(composeSeed({ start: answers(new Date('2026-11-23T23:00:00Z')), end: answers(new Date('2026-11-24T23:00:00Z')) }));
    expect((await loadReady()).snapshot.isAllDay).toBe(true);
  });

  it('asks for a save when the meeting is new and unsaved (ItemNotSaved), and keeps the details to show', async () => {
    install(composeSeed({ getItemIdAsync: idAnswer({ error: 'ItemNotSaved' }) }));
    const loaded = await loadCompose();
    expect(loaded.status).toBe('needs-save');
    if (loaded.status !== 'needs-save') throw new Error('unreachable');
    expect(loaded.reason).toBe('not-saved');
    expect(loaded.details).toMatchObject({ subject: 'Pump line review (draft)', location: 'Room 4.12', start: '2026-11-24T13:00:00.000Z' });
    expect(loaded.details).not.toHaveProperty('groupwareItemId');
  });

  it('treats an empty id as unsaved too', async () => {
    install(composeSeed({ getItemIdAsync: idAnswer({ id: '' }) }));
    await expect(loadCompose()).resolves.toMatchObject({ status: 'needs-save', reason: 'not-saved' });
  });

  it('does not call getItemIdAsync below Mailbox 1.8 and says the id is unavailable', async () => {
    const getItemIdAsync = idAnswer({ id: 'would-be-id' });
    install(composeSeed({ getItemIdAsync }), { mailboxVersion: '1.7' });
    await expect(loadCompose()).resolves.toMatchObject({ status: 'needs-save', reason: 'id-unavailable' });
    expect(getItemIdAsync).not.toHaveBeenCalled();
  });

  it('never saves the meeting to get an id (saving can send updates to attendees)', async () => {
    const saveAsync = jest.fn();
    install(composeSeed({ getItemIdAsync: idAnswer({ error: 'ItemNotSaved' }), saveAsync }));
    await loadCompose();
    expect(saveAsync).not.toHaveBeenCalled();
  });

  it('rejects with the host error when a field cannot be read, or getItemIdAsync fails otherwise', async () => {
    install(composeSeed({ subject: fails('GenericResponseError', 'boom') }));
    await expect(loadCompose()).rejects.toMatchObject({ name: 'GenericResponseError', message: 'boom' });
    install(composeSeed({ getItemIdAsync: idAnswer({ error: 'InternalServerError' }) }));
    await expect(loadCompose()).rejects.toMatchObject({ name: 'InternalServerError' });
  });

  it('keeps the key for the same form, and changes it on ItemChanged so the pane re-reads', async () => {
    const mock = install(composeSeed());
    const first = readOpenItem().key;
    expect(readOpenItem().key).toBe(first);
    await onItemChanged(jest.fn());
    handlers.get('olkItemSelectedChanged')![0]({ type: 'olkItemSelectedChanged' });
    const afterEvent = readOpenItem().key;
    expect(afterEvent).not.toBe(first);
    (mock as unknown as { context: { mailbox: { item: unknown } } }).context.mailbox.item = composeSeed();
    expect(readOpenItem().key).not.toBe(afterEvent);
  });

  it('leaves a message being written alone (not an appointment)', () => {
    install({ itemType: 'message', subject: answers('Draft'), to: answers([]) });
    expect(readOpenItem()).toEqual({ kind: 'none', key: '' });
  });
});

describe('open item and profile', () => {
  it('reports "none" when nothing is selected (mailbox.item null in a pinned pane)', () => {
    install(null);
    expect(readOpenItem()).toEqual({ kind: 'none', key: '' });
    expect(readUserProfile()).toEqual({ displayName: 'Anna Berger', emailAddress: 'anna.berger@contoso.example', timeZone: 'Europe/Berlin' });
  });

  it('sees a new item after the host reassigns mailbox.item', () => {
    const mock = install(messageSeed());
    (mock as unknown as { context: { mailbox: { item: unknown } } }).context.mailbox.item = messageSeed({ itemId: 'AAMkAD-message-2' });
    expect(readOpenItem().key).toBe('AAMkAD-message-2');
  });
});

describe('events', () => {
  it('registers one ItemChanged host handler and fans out to every subscriber', async () => {
    install(messageSeed());
    const a = jest.fn();
    const b = jest.fn();
    const stopA = await onItemChanged(a);
    await onItemChanged(b);
    expect(handlers.get('olkItemSelectedChanged')).toHaveLength(1);
    handlers.get('olkItemSelectedChanged')![0]({ type: 'olkItemSelectedChanged' });
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    stopA();
    handlers.get('olkItemSelectedChanged')![0]({ type: 'olkItemSelectedChanged' });
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
  });

  it('does not register ItemChanged below Mailbox 1.5', async () => {
    install(messageSeed(), { mailboxVersion: '1.4' });
    await onItemChanged(jest.fn());
    expect(handlers.size).toBe(0);
  });

  it('turns OfficeThemeChanged into light / dark', async () => {
    install(messageSeed());
    const seen: string[] = [];
    await onThemeChanged((t) => seen.push(t));
    handlers.get('officeThemeChanged')![0]({ type: 'officeThemeChanged', officeTheme: { bodyBackgroundColor: '#262626' } });
    handlers.get('officeThemeChanged')![0]({ type: 'officeThemeChanged', officeTheme: { bodyBackgroundColor: '#FFFFFF' } });
    expect(seen).toEqual(['dark', 'light']);
  });
});

describe('theme', () => {
  it('decides by the body background luminance (Outlook has no isDarkTheme)', () => {
    expect(luminance('#000')).toBe(0);
    expect(luminance('#ffffff')).toBeCloseTo(1);
    expect(themeFromColours({ bodyBackgroundColor: '#1f1f1f' })).toBe('dark');
    expect(themeFromColours({ bodyBackgroundColor: '#f3f2f1' })).toBe('light');
    expect(themeFromColours({ isDarkTheme: true })).toBe('dark');
    expect(themeFromColours(undefined)).toBe('light');
    install(null, { theme: { bodyBackgroundColor: '#262626' } });
    expect(readOfficeTheme()).toBe('dark');
  });
});
