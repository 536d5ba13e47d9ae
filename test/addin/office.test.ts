/**
 * The Office wrapper (addin/office/) against office-addin-mock, the way Microsoft's unit-testing guide sets it up:
 * a seeded mock object assigned to the global `Office`.
 */
import { OfficeMockObject } from 'office-addin-mock';

// office-addin-mock only needs the OfficeApp enum of office-addin-manifest, whose main module pulls an ESM-only
// dependency chain that Jest's CommonJS runtime cannot load; serve the enum from its own self-contained file.
jest.mock('office-addin-manifest', () => jest.requireActual('office-addin-manifest/lib/officeApp'));
import { Email, convertAttachment } from '../../addin/office/email';
import { Meeting, looksAllDay, resolveTimeZone } from '../../addin/office/meeting';
import { onItemChanged, onThemeChanged, resetEventChannels } from '../../addin/office/events';
import { readOpenItem, readUserProfile } from '../../addin/office/host';
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

describe('Meeting (Read mode appointment)', () => {
  it('uses the item id as groupware key when the host exposes no iCalUId, and lists attendees without the organizer', () => {
    install(appointmentSeed());
    const open = readOpenItem();
    if (open.kind !== 'appointment') throw new Error(`expected appointment, got ${open.kind}`);
    const m = open.meeting.snapshot;
    expect(m.groupwareItemId).toBe('AAMkAD-meeting-1');
    expect(m.groupwareItemIdSource).toBe('itemId');
    expect(m.start).toBe('2026-11-24T13:00:00.000Z');
    expect(m.location).toBe('Teams');
    expect(m.timeZone).toBe('Europe/Berlin');
    expect(m.isAllDay).toBe(false);
    expect(open.meeting.attendees()).toEqual([
      { address: 'julia.hoffmann@hoffmann-maschinenbau.example', name: 'Julia Hoffmann', type: 'required' },
      { address: 'ceo@hoffmann-maschinenbau.example', name: 'CEO', type: 'optional' },
    ]);
    expect(open.meeting.participantAddresses()).toEqual([
      'anna.berger@contoso.example',
      'julia.hoffmann@hoffmann-maschinenbau.example',
      'ceo@hoffmann-maschinenbau.example',
    ]);
  });

  it('prefers an iCalUId the host exposes', () => {
    install(appointmentSeed({ iCalUId: '040000008200E00074C5B7101A82E008' }));
    const meeting = (readOpenItem() as { meeting: Meeting }).meeting;
    expect(meeting.snapshot.groupwareItemId).toBe('040000008200E00074C5B7101A82E008');
    expect(meeting.snapshot.groupwareItemIdSource).toBe('iCalUId');
  });

  it('infers all-day meetings from midnight-to-midnight in the user zone', () => {
    expect(looksAllDay('2026-11-23T23:00:00Z', '2026-11-24T23:00:00Z', 'Europe/Berlin')).toBe(true);
    expect(looksAllDay('2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z', 'Europe/Berlin')).toBe(false);
    expect(looksAllDay('2026-11-24T00:00:00Z', '2026-11-24T12:00:00Z', 'UTC')).toBe(false);
    install(appointmentSeed({ start: new Date('2026-11-23T23:00:00Z'), end: new Date('2026-11-25T23:00:00Z') }));
    expect((readOpenItem() as { meeting: Meeting }).meeting.snapshot.isAllDay).toBe(true);
  });

  it('falls back to the browser zone when Outlook reports a Windows zone name', () => {
    expect(resolveTimeZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(resolveTimeZone('Not A Zone')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(resolveTimeZone('America/New_York')).toBe('America/New_York');
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
