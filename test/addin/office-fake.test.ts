/**
 * The sandbox's simulated Outlook host (addin/sandbox/fakeOffice.ts) driven through the same Office wrapper the task
 * pane uses: selection changes fire ItemChanged, attachment ids are session-scoped like in Outlook on the web, the
 * theme toggle fires OfficeThemeChanged, requirement sets are compared numerically, and a meeting opened in the
 * organizer's form (AppointmentCompose) is read through getAsync / getItemIdAsync, an unsaved one asking to be saved.
 */
import { createFakeOffice } from '../../addin/sandbox/fakeOffice';
import { readOpenItem, readUserProfile } from '../../addin/office/host';
import { onItemChanged, onThemeChanged, resetEventChannels } from '../../addin/office/events';
import { readOfficeTheme } from '../../addin/office/theme';
import { isSetSupported, supports } from '../../addin/office/requirements';
import type { Email } from '../../addin/office/email';
import type { MeetingLoad } from '../../addin/office/meeting';
import { SandboxItemSchema, type SandboxItem } from '../../shared/api/sandbox';

const globalWithOffice = globalThis as { Office?: unknown };

const message: SandboxItem = SandboxItemSchema.parse({
  kind: 'message',
  itemId: 'AAMk-1',
  internetMessageId: '<quote@hoffmann.example>',
  conversationId: 'conv-1',
  subject: 'RE: Quote for 40 pumps',
  from: { address: 'julia@hoffmann.example', name: 'Julia Hoffmann' },
  to: [{ address: 'anna.berger@contoso.example', name: 'Anna Berger' }],
  cc: [],
  dateTimeCreated: '2026-11-20T09:15:00Z',
  bodyHtml: '<p>Hello <b>Anna</b></p>',
  attachments: [
    { id: 'a1', name: 'rfq.pdf', contentType: 'application/pdf', size: 9, contentBase64: 'JVBERi0xLjQ=' },
    { id: 'a2', name: 'fwd', contentType: 'message/rfc822', size: 11, contentBase64: Buffer.from('Subject: x\r\n\r\nbody').toString('base64') },
  ],
});

const meeting: SandboxItem = SandboxItemSchema.parse({
  kind: 'appointment',
  itemId: 'AAMk-3',
  subject: 'Pump line review',
  dateTimeCreated: '2026-11-18T10:00:00Z',
  bodyHtml: '',
  start: '2026-11-24T13:00:00Z',
  end: '2026-11-24T14:00:00Z',
  location: 'Teams',
  organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
  requiredAttendees: [{ address: 'julia@hoffmann.example', name: 'Julia Hoffmann' }],
  iCalUId: 'uid-pump-review',
  isAllDay: false,
});

afterEach(() => {
  delete globalWithOffice.Office;
  resetEventChannels();
});

const tick = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('simulated Outlook host', () => {
  it('answers onReady like Outlook on the web and exposes the Read-mode message', async () => {
    const fake = createFakeOffice({ item: message, user: { displayName: 'Anna Berger', email: 'anna.berger@contoso.example' }, timeZone: 'Europe/Berlin' });
    globalWithOffice.Office = fake.office;
    await expect(fake.office.onReady()).resolves.toEqual({ host: 'Outlook', platform: 'OfficeOnline' });
    const open = readOpenItem();
    expect(open.kind).toBe('message');
    const email = (open as { email: Email }).email;
    expect(email.snapshot).toMatchObject({ internetMessageId: '<quote@hoffmann.example>', from: { address: 'julia@hoffmann.example', name: 'Julia Hoffmann' }, dateTimeCreated: '2026-11-20T09:15:00.000Z' });
    await expect(email.getBodyHtml()).resolves.toBe('<p>Hello <b>Anna</b></p>');
    const files = await email.getAttachmentContents(1000);
    expect(files.attachments).toEqual([
      { name: 'rfq.pdf', contentType: 'application/pdf', contentBase64: 'JVBERi0xLjQ=' },
      { name: 'fwd.eml', contentType: 'message/rfc822', contentBase64: Buffer.from('Subject: x\r\n\r\nbody').toString('base64') },
    ]);
    expect(readUserProfile()).toEqual({ displayName: 'Anna Berger', emailAddress: 'anna.berger@contoso.example', timeZone: 'Europe/Berlin' });
  });

  it('fires ItemChanged when the selection changes; the new item is readable and old attachment ids are invalid', async () => {
    const fake = createFakeOffice({ item: message });
    globalWithOffice.Office = fake.office;
    const before = (readOpenItem() as { email: Email }).email;
    const changes: string[] = [];
    await onItemChanged(() => changes.push(readOpenItem().key));
    expect(fake.handlerCount('olkItemSelectedChanged')).toBe(1);
    fake.setItem(meeting);
    await tick();
    expect(changes).toEqual(['AAMk-3']);
    const open = readOpenItem();
    if (open.kind !== 'appointment') throw new Error(`expected appointment, got ${open.kind}`);
    expect(open.form).toBe('read');
    const loaded = await open.loadMeeting();
    expect(loaded.status === 'ready' && loaded.meeting.snapshot).toMatchObject({ itemId: 'AAMk-3', groupwareItemId: 'uid-pump-review', groupwareItemIdSource: 'iCalUId', location: 'Teams', isAllDay: false });
    fake.setItem(message);
    await tick();
    // The Email read before the switch holds ids of the previous session: Outlook answers InvalidAttachmentId.
    const stale = await before.getAttachmentContents(1000);
    expect(stale.attachments).toEqual([]);
    expect(stale.skipped.map((s) => s.reason)).toEqual(['error', 'error']);
    fake.setItem(null);
    await tick();
    expect(changes).toEqual(['AAMk-3', 'AAMk-1', '']);
    expect(readOpenItem().kind).toBe('none');
  });

  it('switches the theme with OfficeThemeChanged', async () => {
    const fake = createFakeOffice({ item: message, theme: 'light' });
    globalWithOffice.Office = fake.office;
    expect(readOfficeTheme()).toBe('light');
    const seen: string[] = [];
    await onThemeChanged((t) => seen.push(t));
    fake.setTheme('dark');
    await tick();
    expect(seen).toEqual(['dark']);
    expect(readOfficeTheme()).toBe('dark');
  });

  it('reports requirement sets numerically and can play an older host', () => {
    globalWithOffice.Office = createFakeOffice({ mailboxVersion: '1.14' }).office;
    expect(isSetSupported('Mailbox', '1.8')).toBe(true);
    expect(isSetSupported('Mailbox', '1.15')).toBe(false);
    expect(isSetSupported('NestedAppAuth', '1.1')).toBe(true);
    globalWithOffice.Office = createFakeOffice({ mailboxVersion: '1.5', nestedAppAuth: false }).office;
    expect(supports('itemChanged')).toBe(true);
    expect(supports('attachmentContent')).toBe(false);
    expect(isSetSupported('NestedAppAuth', '1.1')).toBe(false);
  });

  it('gives the plain-text body and rejects unknown coercions like Office does', async () => {
    const fake = createFakeOffice({ item: message });
    const item = (fake.office.context.mailbox.item as Office.MessageRead);
    const text = await new Promise((resolve) => item.body.getAsync('text' as Office.CoercionType, (r) => resolve(r.value)));
    expect(text).toBe('Hello Anna');
    const failed = await new Promise<Office.AsyncResult<string>>((resolve) => item.body.getAsync('ooxml' as Office.CoercionType, resolve));
    expect(failed.status).toBe('failed');
  });
});

/** A meeting the user organizes, as the sandbox lists it; Outlook exposes no iCalUId in the organizer's form. */
const organized: SandboxItem = SandboxItemSchema.parse({
  kind: 'appointment',
  itemId: 'AAMk-7',
  subject: 'Quarterly pump review',
  dateTimeCreated: '2026-11-18T10:00:00Z',
  bodyHtml: '<p>Agenda</p>',
  start: '2026-12-02T09:00:00Z',
  end: '2026-12-02T10:00:00Z',
  location: 'Hoffmann HQ',
  organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
  requiredAttendees: [{ address: 'julia@hoffmann.example', name: 'Julia Hoffmann' }],
  optionalAttendees: [{ address: 'peter@hoffmann.example' }],
  isAllDay: false,
});

const anna = { displayName: 'Anna Berger', email: 'anna.berger@contoso.example' };

async function loadOpen(expectedForm: 'read' | 'compose'): Promise<MeetingLoad> {
  const open = readOpenItem();
  if (open.kind !== 'appointment') throw new Error(`expected appointment, got ${open.kind}`);
  expect(open.form).toBe(expectedForm);
  return open.loadMeeting();
}

describe("simulated organizer's form (AppointmentCompose)", () => {
  it('offers getAsync properties and getItemIdAsync instead of plain values', () => {
    const fake = createFakeOffice({ item: organized, appointmentForm: 'compose', user: anna });
    const item = fake.office.context.mailbox.item as unknown as Record<string, unknown>;
    expect(item.itemId).toBeUndefined();
    for (const field of ['subject', 'start', 'end', 'location', 'requiredAttendees', 'optionalAttendees', 'organizer']) {
      expect(typeof (item[field] as { getAsync?: unknown }).getAsync).toBe('function');
    }
    expect(typeof item.getItemIdAsync).toBe('function');
  });

  it('reads a saved meeting with subject, times, location, attendees, organizer and its id', async () => {
    globalWithOffice.Office = createFakeOffice({ item: organized, appointmentForm: 'compose', user: anna, timeZone: 'Europe/Berlin' }).office;
    const loaded = await loadOpen('compose');
    if (loaded.status !== 'ready') throw new Error(`expected ready, got ${loaded.status}`);
    expect(loaded.meeting.snapshot).toEqual({
      itemId: 'AAMk-7',
      subject: 'Quarterly pump review',
      organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
      requiredAttendees: [{ address: 'julia@hoffmann.example', name: 'Julia Hoffmann' }],
      optionalAttendees: [{ address: 'peter@hoffmann.example', name: 'peter@hoffmann.example' }],
      start: '2026-12-02T09:00:00.000Z',
      end: '2026-12-02T10:00:00.000Z',
      location: 'Hoffmann HQ',
      groupwareItemId: 'AAMk-7',
      groupwareItemIdSource: 'itemId',
      isAllDay: false,
      timeZone: 'Europe/Berlin',
    });
    expect(loaded.meeting.attendees().map((a) => [a.address, a.type])).toEqual([
      ['julia@hoffmann.example', 'required'],
      ['peter@hoffmann.example', 'optional'],
    ]);
  });

  it('asks to save a new meeting, shows what the form holds now, and is ready once the user saved it', async () => {
    const fake = createFakeOffice({ item: organized, appointmentForm: 'compose', unsaved: true, user: anna });
    globalWithOffice.Office = fake.office;
    const first = await loadOpen('compose');
    expect(first).toMatchObject({ status: 'needs-save', reason: 'not-saved', details: { subject: 'Quarterly pump review', location: 'Hoffmann HQ' } });
    // The user edits the form, then saves it in Outlook; "Check again" reads again.
    fake.composeState()!.subject = 'Quarterly pump review (moved)';
    fake.saveItem();
    const second = await loadOpen('compose');
    expect(second.status === 'ready' && second.meeting.snapshot).toMatchObject({ itemId: 'AAMk-7', groupwareItemId: 'AAMk-7', subject: 'Quarterly pump review (moved)' });
  });

  it('on a host without Mailbox 1.8 says the id is unavailable; without 1.7 the organizer is the signed-in user', async () => {
    globalWithOffice.Office = createFakeOffice({ item: organized, appointmentForm: 'compose', mailboxVersion: '1.7', user: anna }).office;
    expect(await loadOpen('compose')).toMatchObject({ status: 'needs-save', reason: 'id-unavailable', details: { organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' } } });
    const user = { displayName: 'Marco Rossi', email: 'marco@contoso.example' };
    globalWithOffice.Office = createFakeOffice({ item: organized, appointmentForm: 'compose', mailboxVersion: '1.6', user }).office;
    const loaded = await loadOpen('compose');
    expect(loaded.status === 'needs-save' && loaded.details.organizer).toEqual({ address: 'marco@contoso.example', name: 'Marco Rossi' });
  });

  it('gives the pane a new key on ItemChanged, so a form is read again; the same form without an event keeps its key', async () => {
    const fake = createFakeOffice({ item: organized, appointmentForm: 'compose', unsaved: true, user: anna });
    globalWithOffice.Office = fake.office;
    const keys: string[] = [];
    await onItemChanged(() => keys.push(readOpenItem().key));
    const before = readOpenItem().key;
    expect(readOpenItem().key).toBe(before);
    fake.fireItemChanged();
    await tick();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(before);
    // Switching between the forms of the same meeting: Read mode is keyed by the id as before.
    fake.setItem(organized);
    await tick();
    expect(keys[1]).toBe('AAMk-7');
    await expect(loadOpen('read')).resolves.toMatchObject({ status: 'ready', meeting: { snapshot: { itemId: 'AAMk-7', subject: 'Quarterly pump review' } } });
    fake.setItem(organized, { appointmentForm: 'compose' });
    await tick();
    expect(keys[2]).toMatch(/^compose:/);
    await expect(loadOpen('compose')).resolves.toMatchObject({ status: 'ready' });
  });
});
