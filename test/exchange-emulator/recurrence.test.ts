/**
 * Recurring series in the Exchange emulator, below the relay: the expansion rules (patterns, ranges, time zones,
 * exceptions, deletions), Graph's calendarView / instances / calendarView delta (instances, never masters; removals
 * of deleted occurrences and series), EWS FindItem CalendarView (the published request) and occurrence item ids,
 * and "the user in Outlook" over the HTTP control routes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Recurrence } from '../../relay/mailbox/types';
import { startExchangeEmulator, DEMO_MAILBOX_PASSWORD, type ExchangeEmulator } from '../emulators/exchange';
import { ExchangeControl } from '../emulators/exchange/control';
import { GraphHandler, type Caller, type GraphRequest } from '../emulators/exchange/graph/routes';
import { GraphEmulatorState } from '../emulators/exchange/graph/state';
import { occurrenceId, parseOccurrenceId, seriesInstances } from '../emulators/exchange/recurrence';
import { ExchangeStore, type StoredEvent } from '../emulators/exchange/store';
import { DEMO_USERS } from '../emulators/demo-identities';

const ORGANIZER = 'olivia@contoso.example';
const ATTENDEE = 'arjun@contoso.example';

function newStore(): { store: ExchangeStore; control: ExchangeControl } {
  const store = new ExchangeStore();
  store.addMailbox(ORGANIZER, 'Olivia', 'pw');
  store.addMailbox(ATTENDEE, 'Arjun', 'pw');
  return { store, control: new ExchangeControl(store) };
}

function series(control: ExchangeControl, input: { start: string; end: string; timeZone: string; recurrence: Recurrence; subject?: string; attendees?: string[] }): StoredEvent {
  return control.user.createEvent(ORGANIZER, {
    subject: input.subject ?? 'Series',
    start: input.start,
    end: input.end,
    timeZone: input.timeZone,
    isAllDay: false,
    attendees: (input.attendees ?? []).map((address) => ({ address, type: 'required' as const, response: 'none' as const })),
    recurrence: input.recurrence,
    sensitivity: 'normal',
    categories: [],
  });
}

const starts = (events: StoredEvent[]): string[] => events.map((e) => e.start);
const ALL = { start: '2010-01-01T00:00:00Z', end: '2040-01-01T00:00:00Z' };

describe('expansion rules', () => {
  test('local time of day is kept across DST; the duration stays', () => {
    const { store, control } = newStore();
    // 09:30 Los Angeles, daily across the US switch to summer time (14 March 2027).
    const master = series(control, { start: '2027-03-12T17:30:00Z', end: '2027-03-12T18:15:00Z', timeZone: 'Pacific Standard Time', recurrence: { pattern: 'daily', interval: 1, startDate: '2027-03-12', numberOfOccurrences: 4 } });
    const instances = store.seriesInstances(ORGANIZER, master.id, ALL);
    expect(starts(instances)).toEqual(['2027-03-12T17:30:00.000Z', '2027-03-13T17:30:00.000Z', '2027-03-14T16:30:00.000Z', '2027-03-15T16:30:00.000Z']);
    expect(instances.every((i) => Date.parse(i.end) - Date.parse(i.start) === 45 * 60_000)).toBe(true);
  });

  test('weeks start on Sunday for every-n-weeks; relative patterns take the n-th or last matching day', () => {
    const { store, control } = newStore();
    // Every 3 weeks on Sunday and Saturday from Wednesday 6 January 2027: Sat 9 Jan is in the first week, Sun 10 Jan not.
    const weekly = series(control, { start: '2027-01-09T10:00:00Z', end: '2027-01-09T11:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'weekly', interval: 3, daysOfWeek: ['saturday', 'sunday'], startDate: '2027-01-06', numberOfOccurrences: 4 } });
    expect(starts(store.seriesInstances(ORGANIZER, weekly.id, ALL))).toEqual(['2027-01-09T10:00:00.000Z', '2027-01-24T10:00:00.000Z', '2027-01-30T10:00:00.000Z', '2027-02-14T10:00:00.000Z']);
    // The first weekday of the month (Mon–Fri), every 2 months.
    const weekday = series(control, { start: '2027-01-01T10:00:00Z', end: '2027-01-01T11:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'relativeMonthly', interval: 2, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'first', startDate: '2027-01-01', numberOfOccurrences: 3 } });
    expect(starts(store.seriesInstances(ORGANIZER, weekday.id, ALL))).toEqual(['2027-01-01T10:00:00.000Z', '2027-03-01T10:00:00.000Z', '2027-05-03T10:00:00.000Z']);
    // 29 February every year: the last day of February in other years.
    const leap = series(control, { start: '2028-02-29T10:00:00Z', end: '2028-02-29T11:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'absoluteYearly', interval: 1, month: 2, dayOfMonth: 29, startDate: '2028-02-29', numberOfOccurrences: 3 } });
    expect(starts(store.seriesInstances(ORGANIZER, leap.id, ALL))).toEqual(['2028-02-29T10:00:00.000Z', '2029-02-28T10:00:00.000Z', '2030-02-28T10:00:00.000Z']);
  });

  test('an endless series expands inside the window only; numbered ranges count deleted slots', () => {
    const { store, control } = newStore();
    const endless = series(control, { start: '2027-01-01T08:00:00Z', end: '2027-01-01T09:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'daily', interval: 1, startDate: '2027-01-01' } });
    expect(store.seriesInstances(ORGANIZER, endless.id, { start: '2035-06-01T00:00:00Z', end: '2035-06-03T00:00:00Z' })).toHaveLength(2);
    const counted = series(control, { start: '2027-01-01T08:00:00Z', end: '2027-01-01T09:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'daily', interval: 1, startDate: '2027-01-01', numberOfOccurrences: 3 } });
    control.user.deleteOccurrence(ORGANIZER, counted.id, 2);
    expect(starts(store.seriesInstances(ORGANIZER, counted.id, ALL))).toEqual(['2027-01-01T08:00:00.000Z', '2027-01-03T08:00:00.000Z']);
    expect(() => store.occurrenceStart(ORGANIZER, counted.id, 2)).toThrow(/previously deleted/);
    expect(() => store.occurrenceStart(ORGANIZER, counted.id, 4)).toThrow(/out of recurrence range/);
  });

  test('an exception counts where it is now; ids are stable; changing the pattern drops exceptions', () => {
    const { store, control } = newStore();
    const master = series(control, { start: '2027-01-04T08:00:00Z', end: '2027-01-04T09:00:00Z', timeZone: 'UTC', recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['monday'], startDate: '2027-01-04', numberOfOccurrences: 4 } });
    const third = occurrenceId(master.id, '2027-01-18T08:00:00.000Z');
    expect(parseOccurrenceId(third)).toEqual({ masterId: master.id, originalStart: '2027-01-18T08:00:00.000Z' });
    // Moved from week 3 into the window of week 1.
    const exception = control.user.editOccurrence(ORGANIZER, master.id, 3, { start: '2027-01-05T15:00:00Z', end: '2027-01-05T16:00:00Z' });
    expect(exception).toMatchObject({ id: third, type: 'exception', originalStart: '2027-01-18T08:00:00.000Z', seriesMasterId: master.id });
    const firstWeek = store.seriesInstances(ORGANIZER, master.id, { start: '2027-01-04T00:00:00Z', end: '2027-01-11T00:00:00Z' });
    expect(firstWeek.map((i) => [i.type, i.start])).toEqual([
      ['occurrence', '2027-01-04T08:00:00.000Z'],
      ['exception', '2027-01-05T15:00:00.000Z'],
    ]);
    expect(store.readItem(ORGANIZER, third)).toMatchObject({ type: 'exception', start: '2027-01-05T15:00:00.000Z' });
    // Only the master is stored; its change key moved with the exception.
    expect(store.item(ORGANIZER, master.id).changeKey).not.toBe(master.changeKey);
    control.user.edit(ORGANIZER, master.id, { recurrence: { ...master.recurrence!, numberOfOccurrences: 5 } });
    expect(store.seriesInstances(ORGANIZER, master.id, ALL).every((i) => i.type === 'occurrence')).toBe(true);
  });

  test('the organizer edits and cancels occurrences of a meeting; attendee copies follow, a message goes out each time', () => {
    const { store, control } = newStore();
    const master = series(control, { start: '2027-01-04T08:00:00Z', end: '2027-01-04T09:00:00Z', timeZone: 'UTC', attendees: [ATTENDEE], subject: 'Jour fixe', recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['monday'], startDate: '2027-01-04', numberOfOccurrences: 3 } });
    const copy = store.meetingCopies(master.iCalUid).find((c) => c.mailbox === ATTENDEE)!.event;
    const sent = store.sentMeetingMessages.length;
    control.user.editOccurrence(ORGANIZER, master.id, 1, { location: 'Room 4' });
    control.user.deleteOccurrence(ORGANIZER, master.id, 2); // organizer with attendees: a cancellation
    expect(store.sentMeetingMessages.slice(sent).map((m) => m.kind)).toEqual(['update', 'cancellation']);
    expect(store.seriesInstances(ORGANIZER, master.id, ALL)).toHaveLength(2);
    const theirs = store.seriesInstances(ATTENDEE, copy.id, ALL);
    expect(theirs.map((i) => [i.location, i.isCancelled, i.subject])).toEqual([
      ['Room 4', false, 'Jour fixe'],
      [undefined, true, 'Canceled: Jour fixe'],
      [undefined, false, 'Jour fixe'],
    ]);
    // The attendee removes the cancelled occurrence from their calendar.
    control.user.deleteOccurrence(ATTENDEE, copy.id, 2);
    expect(seriesInstances(store.item(ATTENDEE, copy.id) as StoredEvent, ALL)).toHaveLength(2);
    expect(() => control.user.cancelOccurrence(ATTENDEE, copy.id, 1)).toThrow(/Only the organizer/);
  });
});

describe('Graph: calendarView, instances and calendarView delta hold instances', () => {
  let store: ExchangeStore;
  let control: ExchangeControl;
  let handler: GraphHandler;
  const caller: Caller = { kind: 'app', appId: 'app', grants: new Set(['calendars.readwrite']) };

  beforeEach(() => {
    ({ store, control } = newStore());
    handler = new GraphHandler(store, control, new GraphEmulatorState());
  });

  async function graph(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL(pathAndQuery, 'https://graph.invalid');
    const request: GraphRequest = { method, path: url.pathname, query: url.searchParams, headers: { prefer: 'IdType="ImmutableId"' }, body, caller, base: 'https://graph.invalid/v1.0' };
    const reply = await handler.handle(request);
    return { status: reply.status, body: (reply.body ?? {}) as Record<string, unknown> };
  }
  const values = (body: Record<string, unknown>): Record<string, unknown>[] => body.value as Record<string, unknown>[];
  const u = `/users/${ORGANIZER}`;
  const week = (from: string, to: string): string => `startDateTime=${from}&endDateTime=${to}`;

  function weekly(): StoredEvent {
    return series(control, { start: '2027-01-04T08:00:00Z', end: '2027-01-04T09:00:00Z', timeZone: 'UTC', subject: 'Weekly', recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], startDate: '2027-01-04', numberOfOccurrences: 6 } });
  }

  test('calendarView and /instances: occurrences with their own ids, seriesMasterId and originalStart; no master', async () => {
    const master = weekly();
    const single = control.user.createEvent(ORGANIZER, { subject: 'Single', start: '2027-01-05T10:00:00Z', end: '2027-01-05T11:00:00Z', timeZone: 'UTC', isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] });
    const view = await graph('GET', `${u}/calendarView?${week('2027-01-04T00:00:00Z', '2027-01-11T00:00:00Z')}`);
    expect(view.status).toBe(200);
    expect(values(view.body).map((e) => [e.type, e.subject, (e.start as { dateTime: string }).dateTime])).toEqual([
      ['occurrence', 'Weekly', '2027-01-04T08:00:00.0000000'],
      ['singleInstance', 'Single', '2027-01-05T10:00:00.0000000'],
      ['occurrence', 'Weekly', '2027-01-06T08:00:00.0000000'],
    ]);
    const [first] = values(view.body);
    expect(first).toMatchObject({ seriesMasterId: master.id, originalStart: '2027-01-04T08:00:00Z', recurrence: null, iCalUId: master.iCalUid });
    expect(first.id).not.toBe(master.id);
    expect(values(view.body)[1].id).toBe(single.id);

    const instances = await graph('GET', `${u}/events/${master.id}/instances?${week('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z')}&$top=4`);
    expect(values(instances.body)).toHaveLength(4);
    expect(decodeURIComponent(String(instances.body['@odata.nextLink']))).toContain('$skip=4');
    expect((await graph('GET', `${u}/events/${first.id as string}`)).body).toMatchObject({ id: first.id, type: 'occurrence' });
    expect((await graph('GET', `${u}/events/${single.id}/instances?${week('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z')}`)).status).toBe(400);
    expect((await graph('GET', `${u}/events/${master.id}/instances`)).status).toBe(400);
  });

  test('PATCH and DELETE of an occurrence make an exception and remove one occurrence', async () => {
    const master = weekly();
    const second = occurrenceId(master.id, '2027-01-06T08:00:00.000Z');
    const patched = await graph('PATCH', `${u}/events/${second}`, { subject: 'Moved', start: { dateTime: '2027-01-07T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-07T10:00:00', timeZone: 'UTC' } });
    expect(patched.body).toMatchObject({ id: second, type: 'exception', subject: 'Moved', originalStart: '2027-01-06T08:00:00Z' });
    expect((await graph('DELETE', `${u}/events/${occurrenceId(master.id, '2027-01-04T08:00:00.000Z')}`)).status).toBe(204);
    const instances = await graph('GET', `${u}/events/${master.id}/instances?${week('2027-01-01T00:00:00Z', '2027-01-10T00:00:00Z')}`);
    expect(values(instances.body).map((e) => [e.type, e.subject])).toEqual([['exception', 'Moved']]);
    expect((await graph('GET', `${u}/events/${occurrenceId(master.id, '2027-01-04T08:00:00.000Z')}`)).status).toBe(404);
  });

  test('calendarView delta: instances in the first round; an edited occurrence, a deleted one and a deleted series in the next', async () => {
    const master = weekly();
    const window = week('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z');
    const first = await graph('GET', `${u}/calendarView/delta?${window}`);
    expect(values(first.body).map((e) => e.type)).toEqual(Array(6).fill('occurrence'));
    expect(values(first.body).map((e) => e.id)).not.toContain(master.id);
    const deltaLink = String(first.body['@odata.deltaLink']);

    control.user.editOccurrence(ORGANIZER, master.id, 2, { start: '2027-01-06T12:00:00Z', end: '2027-01-06T13:00:00Z' });
    control.user.deleteOccurrence(ORGANIZER, master.id, 3);
    const next = await graph('GET', deltaLink.replace('https://graph.invalid/v1.0', ''));
    const entries = values(next.body);
    expect(entries.filter((e) => e['@removed']).map((e) => e.id)).toEqual([occurrenceId(master.id, '2027-01-11T08:00:00.000Z')]);
    expect(entries.find((e) => e.type === 'exception')).toMatchObject({ id: occurrenceId(master.id, '2027-01-06T08:00:00.000Z'), originalStart: '2027-01-06T08:00:00Z', start: { dateTime: '2027-01-06T12:00:00.0000000' } });
    expect(entries.some((e) => e.id === master.id)).toBe(false);

    store.deleteItem(ORGANIZER, master.id, 'hard');
    const last = await graph('GET', String(next.body['@odata.deltaLink']).replace('https://graph.invalid/v1.0', ''));
    expect(values(last.body).every((e) => e['@removed'])).toBe(true);
    expect(values(last.body)).toHaveLength(5);
  });

  test('recurrence patterns are validated and echoed with index and month', async () => {
    const bad = await graph('POST', `${u}/events`, { subject: 'x', start: { dateTime: '2027-03-14T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-03-14T11:00:00', timeZone: 'UTC' }, recurrence: { pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 14 }, range: { type: 'noEnd', startDate: '2027-03-14' } } });
    expect(bad.status).toBe(400);
    const good = await graph('POST', `${u}/events`, { subject: 'x', start: { dateTime: '2027-10-12T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-10-12T11:00:00', timeZone: 'UTC' }, recurrence: { pattern: { type: 'relativeYearly', interval: 1, month: 10, daysOfWeek: ['tuesday'], index: 'second' }, range: { type: 'noEnd', startDate: '2027-10-01' } } });
    expect(good.status).toBe(201);
    expect(good.body.recurrence).toMatchObject({ pattern: { type: 'relativeYearly', month: 10, index: 'second', daysOfWeek: ['tuesday'] } });
  });
});

describe('EWS: FindItem CalendarView and occurrence ids', () => {
  let emulator: ExchangeEmulator;
  const anna = DEMO_USERS[0].email;

  beforeAll(async () => {
    emulator = await startExchangeEmulator({ seedDemo: true, mountGraph: false });
  });
  afterAll(() => emulator.close());

  function envelope(body: string): string {
    return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Header><t:RequestServerVersion Version="Exchange2013_SP1"/></soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
  }
  async function post(xml: string): Promise<string> {
    const response = await fetch(emulator.ewsUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${anna}:${DEMO_MAILBOX_PASSWORD}`).toString('base64')}` }, body: xml });
    return response.text();
  }
  const getItem = (ids: string): string => `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:OriginalStart"/><t:FieldURI FieldURI="calendar:CalendarItemType"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>${ids}</m:ItemIds></m:GetItem>`;

  function weeklyFor(address: string): StoredEvent {
    return emulator.control.user.createEvent(address, { subject: 'Tennis', start: '2013-08-21T19:30:00Z', end: '2013-08-21T20:30:00Z', timeZone: 'Pacific Standard Time', isAllDay: false, attendees: [], recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['wednesday'], startDate: '2013-08-21', numberOfOccurrences: 8 }, sensitivity: 'normal', categories: [] });
  }

  test('the published CalendarView request: five items, IncludesLastItemInRange false, the published item shape', async () => {
    const master = weeklyFor(anna);
    const calendar = emulator.store.wellKnownFolder(anna, 'calendar');
    const request = fs
      .readFileSync(path.resolve(__dirname, '..', 'fixtures', 'ews', 'FindItem-calendarview-request.xml'), 'utf8')
      .replace(/https:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//g, 'http://schemas.xmlsoap.org/soap/envelope/')
      .replace('<t:FolderId Id="AAMk" ChangeKey="AgAA" />', `<t:FolderId Id="${calendar.id}"/>`);
    const body = await post(request);
    expect(body).toContain('<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView="5" IncludesLastItemInRange="true">');
    const items = [...body.matchAll(/<t:CalendarItem>(.*?)<\/t:CalendarItem>/g)].map((m) => m[1]);
    // The window (21 Aug – 20 Sep 2013) holds five Wednesdays; no master.
    expect(items).toHaveLength(5);
    expect(items[0]).toMatch(/^<t:ItemId Id="AAMkO[^"]+" ChangeKey="[^"]+"\/><t:Subject>Tennis<\/t:Subject><t:Start>2013-08-21T19:30:00Z<\/t:Start><t:End>2013-08-21T20:30:00Z<\/t:End>$/);
    expect(body).not.toContain(master.id);
    const cut = await post(request.replace('MaxEntriesReturned="5"', 'MaxEntriesReturned="2"'));
    expect(cut).toContain('TotalItemsInView="5" IncludesLastItemInRange="false"');
    expect([...cut.matchAll(/<t:CalendarItem>/g)]).toHaveLength(2);
  });

  test('OccurrenceItemId, RecurringMasterItemId, and the EWS errors for a deleted or out-of-range occurrence', async () => {
    const master = weeklyFor(anna);
    const third = await post(envelope(getItem(`<t:OccurrenceItemId RecurringMasterId="${master.id}" InstanceIndex="3"/>`)));
    expect(third).toContain(`<t:ItemId Id="${occurrenceId(master.id, '2013-09-04T19:30:00.000Z')}"`);
    expect(third).toContain('<t:Start>2013-09-04T19:30:00Z</t:Start><t:OriginalStart>2013-09-04T19:30:00Z</t:OriginalStart>');
    expect(third).toContain('<t:CalendarItemType>Occurrence</t:CalendarItemType>');
    const back = await post(envelope(getItem(`<t:RecurringMasterItemId OccurrenceId="${occurrenceId(master.id, '2013-09-04T19:30:00.000Z')}"/>`)));
    expect(back).toContain(`<t:ItemId Id="${master.id}"`);
    expect(back).toContain('<t:CalendarItemType>RecurringMaster</t:CalendarItemType>');
    expect(await post(envelope(getItem(`<t:OccurrenceItemId RecurringMasterId="${master.id}" InstanceIndex="9"/>`)))).toContain('<m:ResponseCode>ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange</m:ResponseCode>');
    emulator.control.user.deleteOccurrence(anna, master.id, 3);
    expect(await post(envelope(getItem(`<t:OccurrenceItemId RecurringMasterId="${master.id}" InstanceIndex="3"/>`)))).toContain('<m:ResponseCode>ErrorCalendarOccurrenceIsDeletedFromRecurrence</m:ResponseCode>');
    const find = `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:CalendarView StartDate="2013-08-01T00:00:00Z" EndDate="2013-09-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`;
    expect(await post(envelope(find))).toContain('ResponseClass="Error"');
  });

  test('the control routes: edit, delete and cancel one occurrence, cancel a meeting', async () => {
    const marco = DEMO_USERS[1].email;
    const control = (path: string, method: string, body?: unknown) => fetch(`${emulator.origin}/__control${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const meeting = emulator.control.user.createEvent(marco, { subject: 'Sync', start: '2013-08-21T19:30:00Z', end: '2013-08-21T20:00:00Z', timeZone: 'UTC', isAllDay: false, attendees: [{ address: anna, type: 'required', response: 'none' }], recurrence: { pattern: 'daily', interval: 1, startDate: '2013-08-21', numberOfOccurrences: 4 }, sensitivity: 'normal', categories: [] });
    const edited = await control(`/mailboxes/${marco}/items/${meeting.id}/occurrences/1/edit`, 'POST', { subject: 'Sync (moved)', start: '2013-08-21T21:00:00Z', end: '2013-08-21T21:30:00Z' });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({ id: occurrenceId(meeting.id, '2013-08-21T19:30:00.000Z'), originalStart: '2013-08-21T19:30:00.000Z' });
    expect((await control(`/mailboxes/${marco}/items/${meeting.id}/occurrences/1/edit`, 'POST', { recurrence: null })).status).toBe(400);
    expect((await control(`/mailboxes/${marco}/items/${meeting.id}/occurrences/${encodeURIComponent('2013-08-22T19:30:00.000Z')}/cancel`, 'POST')).status).toBe(204);
    expect((await control(`/mailboxes/${marco}/items/${meeting.id}/occurrences/3`, 'DELETE')).status).toBe(204);
    expect((await control(`/mailboxes/${marco}/items/${meeting.id}/occurrences/9`, 'DELETE')).status).toBe(404);
    expect(emulator.store.seriesInstances(marco, meeting.id, ALL).map((i) => [i.type, i.subject])).toEqual([
      ['exception', 'Sync (moved)'],
      ['occurrence', 'Sync'],
    ]);
    const copy = emulator.store.meetingCopies(meeting.iCalUid).find((c) => c.mailbox === anna)!.event;
    expect(emulator.store.seriesInstances(anna, copy.id, ALL).map((i) => i.isCancelled)).toEqual([false, true, true, false]);
    expect((await control(`/mailboxes/${marco}/items/${meeting.id}/cancel-meeting`, 'POST')).status).toBe(204);
    expect(emulator.store.item(anna, copy.id)).toMatchObject({ isCancelled: true });
  });
});
