/**
 * The task pane's rules, as plain functions: who gets which card, what the Save panel preselects, what the save and
 * appointment requests contain, quick-create validation (local and server fields), and the one-request-per-click guard.
 */
import { CreateAppointmentRequestSchema, SaveEmailRequestSchema, type C4cRecord, type SearchResponse } from '../../shared/api/sidebar';
import { buildPersonCards, companyFromAddress, splitName, visibleRecords, withCreatedRecord } from '../../addin/features/people';
import { buildAppointmentRequest, buildSaveRequest, deriveSaveDefaults } from '../../addin/features/saveDefaults';
import { serverFieldErrors, validateQuickCreate, type QuickCreateValues } from '../../addin/features/validation';
import { debounce, singleFlight } from '../../addin/features/singleFlight';
import { followPreselection, initialSaveState, savedStateFromResponse } from '../../addin/features/SavePanel';
import { withQuickCreated } from '../../addin/features/MessageView';
import { strings } from '../../addin/features/strings';
import { formatDateTime } from '../../addin/features/common';
import type { EmailSnapshot } from '../../addin/office/email';
import type { MeetingSnapshot } from '../../addin/office/meeting';

const url = (path: string): string => `https://my000.crm.ondemand.com/${path}`;
const julia: C4cRecord = { kind: 'contact', objectId: 'C1', id: '1000101', name: 'Julia Hoffmann', email: 'julia@hoffmann.example', accountName: 'Hoffmann GmbH', accountObjectId: 'A1', c4cUrl: url('c1') };
const hoffmann: C4cRecord = { kind: 'account', objectId: 'A1', id: '1000050', name: 'Hoffmann GmbH', email: 'info@hoffmann.example', c4cUrl: url('a1') };
const lisa: C4cRecord = { kind: 'lead', objectId: 'L1', id: '7001', name: 'Lisa Chen', email: 'lisa@globex.example', accountName: 'Globex', c4cUrl: url('l1') };
const marco: C4cRecord = { kind: 'employee', objectId: 'E2', id: '8000000012', name: 'Marco Rossi', email: 'marco@contoso.example', c4cUrl: url('e2') };
const globexAccount: C4cRecord = { kind: 'account', objectId: 'A2', id: '1000060', name: 'Globex Corp', email: 'lisa@globex.example', c4cUrl: url('a2') };

const search: SearchResponse = {
  results: [
    { address: 'julia@hoffmann.example', records: [hoffmann, julia] },
    { address: 'lisa@globex.example', records: [lisa, globexAccount] },
    { address: 'marco@contoso.example', records: [marco] },
    { address: 'nobody@nowhere.example', records: [] },
    { address: 'spam@blocked.example', records: [], blocked: true },
  ],
  suggestion: { mainAccountObjectId: 'A1', mainContactObjectId: 'C1', mainContactKind: 'contact' },
};

const people = [
  { address: 'Julia@Hoffmann.example', name: 'Julia Hoffmann' },
  { address: 'lisa@globex.example', name: 'Lisa Chen' },
  { address: 'marco@contoso.example', name: 'Marco Rossi' },
  { address: 'nobody@nowhere.example', name: 'nobody@nowhere.example' },
  { address: 'spam@blocked.example', name: 'Spam' },
  { address: 'julia@hoffmann.example', name: 'Julia (cc again)' },
];

describe('people cards (S2)', () => {
  it('shows contacts before accounts, hides employees, and gives every address one card', () => {
    const cards = buildPersonCards(people, search);
    expect(cards.map((c) => [c.address, c.status])).toEqual([
      ['Julia@Hoffmann.example', 'found'],
      ['lisa@globex.example', 'found'],
      ['marco@contoso.example', 'colleague'],
      ['nobody@nowhere.example', 'not-found'],
      ['spam@blocked.example', 'blocked'],
    ]);
    const first = cards[0];
    expect(first.status === 'found' && first.records.map((r) => r.kind)).toEqual(['contact', 'account']);
    expect(visibleRecords([marco, lisa])).toEqual([lisa]);
  });

  it('turns a not-found card into a record card after a quick-create', () => {
    const created: C4cRecord = { ...julia, objectId: 'C9', id: '1000999', name: 'No Body', email: 'nobody@nowhere.example' };
    const updated = withCreatedRecord(search, 'nobody@nowhere.example', created);
    const card = buildPersonCards(people, updated).find((c) => c.address === 'nobody@nowhere.example');
    expect(card).toMatchObject({ status: 'found', records: [created] });
    const added = withCreatedRecord(search, 'new@x.example', created);
    expect(added.results.at(-1)).toEqual({ address: 'new@x.example', records: [created] });
  });

  it('prefills names and company sensibly', () => {
    expect(splitName('Julia Hoffmann', 'x@y.z')).toEqual({ firstName: 'Julia', lastName: 'Hoffmann' });
    expect(splitName('Hoffmann, Julia', 'x@y.z')).toEqual({ firstName: 'Julia', lastName: 'Hoffmann' });
    expect(splitName('peter.neumann@x.example', 'peter.neumann@x.example')).toEqual({ firstName: 'Peter', lastName: 'Neumann' });
    expect(splitName('Cher', 'c@x')).toEqual({ firstName: '', lastName: 'Cher' });
    expect(companyFromAddress('a@hoffmann-maschinenbau.example')).toBe('Hoffmann Maschinenbau');
    expect(companyFromAddress('someone@gmail.com')).toBe('');
  });
});

describe('deriveSaveDefaults (S3 preselection)', () => {
  it('offers every account and contact found and preselects the relay suggestion', () => {
    const d = deriveSaveDefaults(search);
    expect(d.accounts.map((a) => a.objectId)).toEqual(['A1', 'A2']);
    expect(d.contacts.map((c) => [c.objectId, c.kind])).toEqual([
      ['C1', 'contact'],
      ['L1', 'lead'],
    ]);
    expect(d.accountObjectId).toBe('A1');
    expect(d.contactObjectId).toBe('C1');
  });

  it("falls back to the first contact and that contact's account when the suggestion is empty or unknown", () => {
    const d = deriveSaveDefaults({ results: search.results.slice(1), suggestion: { mainContactObjectId: 'GONE', mainContactKind: 'contact' } });
    expect(d.contactObjectId).toBe('L1');
    // Lisa's lead has no account id; the first account found is used.
    expect(d.accountObjectId).toBe('A2');
    const onlyContact = deriveSaveDefaults({ results: [{ address: 'j', records: [julia] }], suggestion: {} });
    expect(onlyContact.accounts).toEqual([{ objectId: 'A1', name: 'Hoffmann GmbH' }]);
    expect(onlyContact.accountObjectId).toBe('A1');
  });

  it('preselects nothing when nothing was found, and ignores blocked addresses', () => {
    const d = deriveSaveDefaults({ results: [{ address: 'x', records: [julia], blocked: true }], suggestion: {} });
    expect(d).toEqual({ accounts: [], contacts: [], accountObjectId: undefined, contactObjectId: undefined });
  });
});

const snapshot: EmailSnapshot = {
  itemId: 'AAMk1',
  internetMessageId: '<m1@hoffmann.example>',
  conversationId: 'conv',
  subject: 'Quote',
  from: { address: 'julia@hoffmann.example', name: 'Julia Hoffmann' },
  to: [{ address: 'anna@contoso.example', name: 'Anna' }],
  cc: [],
  dateTimeCreated: '2026-11-20T09:15:00.000Z',
  attachments: [],
};

describe('request building', () => {
  it('builds a save request that satisfies the shared contract, with the chosen links', () => {
    const d = deriveSaveDefaults(search);
    const request = buildSaveRequest(
      snapshot,
      '<p>hi</p>',
      [{ name: 'a.pdf', contentType: 'application/pdf', contentBase64: 'JVBERi0=' }],
      { accountObjectId: 'A2', contactObjectId: 'L1', includeAttachments: true, relatedItem: { type: 'opportunity', objectId: 'O1', id: '77' } },
      d.contacts,
    );
    expect(SaveEmailRequestSchema.safeParse(request).success).toBe(true);
    expect(request).toMatchObject({
      internetMessageId: '<m1@hoffmann.example>',
      sentAt: '2026-11-20T09:15:00.000Z',
      mainAccountObjectId: 'A2',
      mainContactObjectId: 'L1',
      mainContactKind: 'lead',
      includeAttachments: true,
      relatedItem: { type: 'opportunity', objectId: 'O1', id: '77' },
    });
    expect(request.attachments).toHaveLength(1);
  });

  it('sends no attachments when the user did not include them', () => {
    const request = buildSaveRequest(snapshot, '', [{ name: 'a', contentType: 'x/y', contentBase64: '' }], { includeAttachments: false }, []);
    expect(request.attachments).toBeUndefined();
    expect(request.mainContactKind).toBeUndefined();
  });

  it('builds an appointment request from the meeting, without the organizer among attendees', () => {
    const meeting: MeetingSnapshot = {
      itemId: 'AAMk3',
      subject: 'Review',
      organizer: { address: 'anna@contoso.example', name: 'Anna' },
      requiredAttendees: [],
      optionalAttendees: [],
      start: '2026-11-24T13:00:00.000Z',
      end: '2026-11-24T14:00:00.000Z',
      location: 'Teams',
      groupwareItemId: 'uid-1',
      groupwareItemIdSource: 'iCalUId',
      isAllDay: false,
      timeZone: 'Europe/Berlin',
    };
    const request = buildAppointmentRequest(meeting, [{ address: 'julia@hoffmann.example', name: 'Julia', type: 'required' }], { accountObjectId: 'A1', contactObjectId: 'C1' });
    expect(CreateAppointmentRequestSchema.safeParse(request).success).toBe(true);
    expect(request).toMatchObject({ groupwareItemId: 'uid-1', timeZone: 'Europe/Berlin', location: 'Teams', mainAccountObjectId: 'A1', attendees: [{ address: 'julia@hoffmann.example', type: 'required' }] });
  });
});

describe('already saved (S4)', () => {
  it('opens in the saved state when the relay says the email was saved before', () => {
    expect(initialSaveState({ status: 'saved', id: '42', c4cUrl: url('e42'), savedBy: 'Marco' })).toEqual({ phase: 'saved', id: '42', c4cUrl: url('e42'), already: true, savedBy: 'Marco', savedAt: undefined });
    expect(initialSaveState({ status: 'saving' })).toEqual({ phase: 'waiting' });
    expect(initialSaveState({ status: 'not-saved' })).toEqual({ phase: 'idle' });
  });
});

describe('a colleague saved it a second ago (race lost)', () => {
  it('says who saved it and when, from the save response, instead of "earlier"', () => {
    const state = savedStateFromResponse({ status: 'saved', objectId: 'O42', id: '42', c4cUrl: url('e42'), alreadySaved: true, savedBy: 'Marco Rossi', savedAt: '2026-11-20T09:15:02.000Z' });
    expect(state).toEqual({ phase: 'saved', id: '42', c4cUrl: url('e42'), already: true, savedBy: 'Marco Rossi', savedAt: '2026-11-20T09:15:02.000Z' });
    const sentence = strings.alreadySavedBy(state.savedBy, state.savedAt ? formatDateTime(state.savedAt, 'Europe/Berlin') : undefined);
    expect(sentence).toContain('by Marco Rossi');
    expect(sentence).toContain(formatDateTime('2026-11-20T09:15:02.000Z', 'Europe/Berlin'));
    expect(sentence).not.toContain('earlier');
  });

  it('keeps an answer without a saver (found only in C4C) working', () => {
    const state = savedStateFromResponse({ status: 'saved', objectId: 'O1', id: '1', c4cUrl: url('e1'), alreadySaved: true });
    expect(state.savedBy).toBeUndefined();
    expect(strings.alreadySavedBy(state.savedBy, undefined)).toBe('earlier');
    expect(savedStateFromResponse({ status: 'saved', objectId: 'O2', id: '2', c4cUrl: url('e2'), alreadySaved: false }).already).toBe(false);
  });
});

describe('after a quick-create, the Save panel links the new record', () => {
  const created: C4cRecord = { kind: 'contact', objectId: 'C9', id: '1000999', name: 'No Body', email: 'nobody@nowhere.example', c4cUrl: url('c9') };

  it('selects the new contact at once when nothing was selected ("None")', () => {
    const before: SearchResponse = { results: [{ address: 'nobody@nowhere.example', records: [] }], suggestion: {} };
    const beforeDefaults = deriveSaveDefaults(before);
    expect(beforeDefaults.contactObjectId).toBeUndefined();
    const afterDefaults = deriveSaveDefaults(withQuickCreated(before, 'nobody@nowhere.example', created));
    expect(afterDefaults.contacts.map((c) => c.objectId)).toEqual(['C9']);
    expect(followPreselection({ accountId: '', contactId: '' }, beforeDefaults, afterDefaults)).toEqual({ accountId: '', contactId: 'C9' });
  });

  it('makes the new contact the main contact even when another was preselected, with its account', () => {
    const beforeDefaults = deriveSaveDefaults(search);
    const withAccount: C4cRecord = { ...created, accountObjectId: 'A2', accountName: 'Globex Corp' };
    const after = withQuickCreated(search, 'nobody@nowhere.example', withAccount);
    expect(after.suggestion).toEqual({ mainContactObjectId: 'C9', mainContactKind: 'contact', mainAccountObjectId: 'A2' });
    const afterDefaults = deriveSaveDefaults(after);
    expect(followPreselection({ accountId: 'A1', contactId: 'C1' }, beforeDefaults, afterDefaults)).toEqual({ accountId: 'A2', contactId: 'C9' });
    // Without an account of its own the account the user had stays.
    const noAccount = deriveSaveDefaults(withQuickCreated(search, 'nobody@nowhere.example', created));
    expect(followPreselection({ accountId: 'A2', contactId: 'L1' }, beforeDefaults, noAccount)).toEqual({ accountId: 'A2', contactId: 'C9' });
  });

  it("leaves the user's own choice alone when the preselection did not change", () => {
    const d = deriveSaveDefaults(search);
    expect(followPreselection({ accountId: 'A2', contactId: 'L1' }, d, deriveSaveDefaults(search))).toEqual({ accountId: 'A2', contactId: 'L1' });
    const lead: C4cRecord = { ...lisa, objectId: 'L9' };
    expect(withQuickCreated(search, 'nobody@nowhere.example', lead).suggestion).toMatchObject({ mainContactObjectId: 'L9', mainContactKind: 'lead' });
  });
});

describe('quick-create validation', () => {
  const values: QuickCreateValues = { firstName: 'Peter', lastName: 'Neumann', email: 'peter@new.example', company: '', accountObjectId: '' };

  it('accepts a complete form and names each bad field in the user language', () => {
    expect(validateQuickCreate('contact', values)).toEqual({});
    expect(validateQuickCreate('lead', values)).toEqual({});
    expect(validateQuickCreate('contact', { ...values, firstName: ' ', email: 'not-an-address' })).toEqual({ firstName: strings.required, email: strings.invalidEmail });
    expect(validateQuickCreate('lead', { ...values, lastName: 'x'.repeat(41), company: 'y'.repeat(81) })).toEqual({ lastName: strings.tooLong(40), company: strings.tooLong(80) });
  });

  it('maps relay `fields` onto form fields and keeps the rest for the message bar', () => {
    expect(serverFieldErrors({ email: 'Already used by contact 1000101', 'something.else': 'Odd' })).toEqual({
      errors: { email: 'Already used by contact 1000101' },
      other: ['Odd'],
    });
    expect(serverFieldErrors(undefined)).toEqual({ errors: {}, other: [] });
  });
});

describe('one request per click', () => {
  it('shares the running call between a double click, and allows a retry after it settled', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const save = singleFlight(() => {
      calls += 1;
      return new Promise<number>((resolve) => {
        release = () => resolve(calls);
      });
    });
    const first = save();
    const second = save();
    expect(second).toBe(first);
    release();
    await expect(first).resolves.toBe(1);
    const retry = save();
    release();
    await expect(retry).resolves.toBe(2);
    expect(calls).toBe(2);
  });

  it('runs again after a failure (retry after an error)', async () => {
    let calls = 0;
    const save = singleFlight(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return 'ok';
    });
    await expect(save()).rejects.toThrow('boom');
    await expect(save()).resolves.toBe('ok');
  });

  it('debounces the related-item search', () => {
    jest.useFakeTimers();
    try {
      const seen: string[] = [];
      const search = debounce((q: string) => seen.push(q), 300);
      search('p');
      search('pu');
      search('pum');
      jest.advanceTimersByTime(299);
      expect(seen).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(seen).toEqual(['pum']);
      search('x');
      search.cancel();
      jest.advanceTimersByTime(1000);
      expect(seen).toEqual(['pum']);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('dates in the user zone', () => {
  it('formats with Windows zone ids as Outlook desktop reports them, and never throws on an unknown zone', () => {
    const instant = '2026-11-04T08:00:00Z';
    expect(formatDateTime(instant, 'W. Europe Standard Time')).toBe(formatDateTime(instant, 'Europe/Berlin'));
    expect(formatDateTime(instant, 'W. Europe Standard Time')).not.toBe(formatDateTime(instant, 'Pacific Standard Time'));
    expect(() => formatDateTime(instant, 'Mars Standard Time')).not.toThrow();
  });
});
