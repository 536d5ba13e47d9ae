/**
 * The contract every `Mailbox` implementation satisfies (EWS impersonation / direct logon, Graph application /
 * delegated), run against the loopback Exchange emulator. Changes are made "as the user" through the emulator's
 * control API, so the tests see exactly what a real server would report.
 *
 * Usage (one call per implementation, inside a test file):
 *   runMailboxContract('ews-impersonation', async () => ({ mailbox, emulator, address, deniedMailbox, ... }));
 */
import { generateBulkItems } from '../emulators/exchange/demo-data';
import type { ExchangeEmulator } from '../emulators/exchange';
import { C4C_OBJECT_ID_PROPERTY, CursorRejectedError, MailboxError, PRODUCT_FOLDERS, type AccessProblem, type ChangePage, type EventInput, type ItemKind, type Mailbox } from '../../relay/mailbox/types';
import { extendedPropertyKey } from '../emulators/exchange/store';

export interface MailboxContractSetup {
  mailbox: Mailbox;
  emulator: ExchangeEmulator;
  /** The mailbox address `mailbox` opens (exists in emulator.store). */
  address: string;
  /** A second mailbox of the same access configuration (optional; used to check isolation). */
  otherMailbox?: Mailbox;
  /** A mailbox the configured access may not open (no impersonation grant, no consent, or a bad credential). */
  deniedMailbox: () => Mailbox;
  /** What checkAccess must report for deniedMailbox (default: any problem other than ok/unknown). */
  deniedProblem?: AccessProblem;
  /** A mailbox address that does not exist (optional). */
  missingMailbox?: () => Mailbox;
  missingProblem?: AccessProblem;
  teardown?: () => Promise<void>;
}

/** Windows ↔ IANA for the zones used here: implementations may answer with either form. */
const ZONE_ALIASES: Record<string, string> = {
  'America/Los_Angeles': 'Pacific Standard Time',
  'Asia/Tokyo': 'Tokyo Standard Time',
  'Europe/Berlin': 'W. Europe Standard Time',
  'Asia/Kolkata': 'India Standard Time',
  'Asia/Calcutta': 'India Standard Time',
  UTC: 'UTC',
  'Etc/UTC': 'UTC',
};
export function canonicalZone(zone: string): string {
  return ZONE_ALIASES[zone] ?? zone;
}

/** Follows a change feed until `done`, collecting every page. */
export async function drainChanges(mailbox: Mailbox, folderId: string, kind: ItemKind, cursor: string | undefined): Promise<{ pages: ChangePage[]; cursor: string }> {
  const pages: ChangePage[] = [];
  let current = cursor;
  for (let guard = 0; guard < 500; guard++) {
    const page = await mailbox.getChanges(folderId, kind, current);
    pages.push(page);
    current = page.cursor;
    if (page.done) return { pages, cursor: current };
  }
  throw new Error('Change feed did not finish within 500 pages');
}

function ids(pages: ChangePage[], key: 'created' | 'updated'): string[] {
  return pages.flatMap((p) => p[key].map((r) => r.id));
}

export function runMailboxContract(label: string, setup: () => Promise<MailboxContractSetup>): void {
  describe(`Mailbox contract: ${label}`, () => {
    let ctx: MailboxContractSetup;
    let address: string;

    beforeAll(async () => {
      ctx = await setup();
      address = ctx.address;
    });

    afterAll(async () => {
      ctx.emulator.control.clearFaults();
      await ctx.mailbox.close();
      await ctx.otherMailbox?.close();
      await ctx.teardown?.();
    });

    afterEach(() => {
      ctx.emulator.control.clearFaults();
      ctx.emulator.control.setLatency(0);
    });

    test('checkAccess reports ok for a mailbox the access may open', async () => {
      const check = await ctx.mailbox.checkAccess();
      expect(check).toMatchObject({ ok: true, problem: 'ok' });
      expect(check.message).toContain(address);
    });

    test('checkAccess reports a refused mailbox with the right problem and a readable message', async () => {
      const denied = ctx.deniedMailbox();
      try {
        const check = await denied.checkAccess();
        expect(check.ok).toBe(false);
        if (ctx.deniedProblem) expect(check.problem).toBe(ctx.deniedProblem);
        else expect(['ok', 'unknown']).not.toContain(check.problem);
        expect(check.message.length).toBeGreaterThan(40);
        expect(check.message).not.toMatch(/undefined|\[object/);
      } finally {
        await denied.close();
      }
      if (ctx.missingMailbox) {
        const missing = ctx.missingMailbox();
        try {
          const check = await missing.checkAccess();
          expect(check.ok).toBe(false);
          expect(check.problem).toBe(ctx.missingProblem ?? 'mailbox-not-found');
        } finally {
          await missing.close();
        }
      }
    });

    test('product folders are created once under the matching root (idempotent)', async () => {
      const folders = Object.values(PRODUCT_FOLDERS);
      const first = await Promise.all(folders.map((f) => ctx.mailbox.ensureFolder(f.name, f.kind)));
      const second = await Promise.all(folders.map((f) => ctx.mailbox.ensureFolder(f.name, f.kind)));
      expect(second.map((f) => f.id)).toEqual(first.map((f) => f.id));
      const contactsRoot = await ctx.mailbox.getWellKnownFolder('contacts');
      const root = await ctx.mailbox.getWellKnownFolder('msgfolderroot');
      const listed = await ctx.mailbox.listFolders();
      for (const [i, f] of folders.entries()) {
        const matches = listed.filter((l) => l.displayName === f.name);
        expect(matches).toHaveLength(1);
        expect(matches[0]).toMatchObject({ id: first[i].id, kind: f.kind, parentId: f.kind === 'contacts' ? contactsRoot.id : root.id });
        // The server agrees.
        expect(ctx.emulator.store.folder(address, first[i].id)).toMatchObject({ displayName: f.name, kind: f.kind });
      }
      expect(listed.find((f) => f.wellKnownName === 'inbox')).toBeDefined();
    });

    test('master categories: missing ones are added, existing ones (and the user’s colour) kept, idempotent', async () => {
      ctx.emulator.store.replaceCategories(address, [
        { displayName: 'Red category', color: 'preset9' }, // the user recoloured it
        { displayName: 'Private', color: 'preset2' },
      ]);
      const wanted = [
        { displayName: 'SAP C4C', color: 'preset3' as const },
        { displayName: 'Red category', color: 'preset0' as const },
        { displayName: 'SAP C4C: Tracked & Synced', color: 'preset7' as const },
      ];
      await ctx.mailbox.ensureMasterCategories(wanted);
      const after = await ctx.mailbox.listMasterCategories();
      expect(after).toEqual(
        expect.arrayContaining([
          { displayName: 'Red category', color: 'preset9' },
          { displayName: 'Private', color: 'preset2' },
          { displayName: 'SAP C4C', color: 'preset3' },
          { displayName: 'SAP C4C: Tracked & Synced', color: 'preset7' },
        ]),
      );
      expect(after).toHaveLength(4);
      await ctx.mailbox.ensureMasterCategories(wanted);
      expect(await ctx.mailbox.listMasterCategories()).toEqual(after);
      expect(ctx.emulator.store.listCategories(address).map((c) => c.displayName).sort()).toEqual(after.map((c) => c.displayName).sort());
    });

    describe('incremental changes', () => {
      let folderId: string;
      let cursor: string;
      const bulk = 1100;

      beforeAll(() => {
        const inbox = ctx.emulator.store.wellKnownFolder(address, 'inbox');
        folderId = ctx.emulator.store.createFolder(address, inbox.id, `Bulk ${label}`, 'mail').id;
        generateBulkItems(ctx.emulator.store, address, folderId, bulk);
      });

      test(`initial sync reports all ${bulk} items exactly once, over several pages`, async () => {
        const { pages, cursor: next } = await drainChanges(ctx.mailbox, folderId, 'message', undefined);
        const created = ids(pages, 'created');
        expect(pages.length).toBeGreaterThanOrEqual(3);
        expect(new Set(created).size).toBe(bulk);
        expect(created).toHaveLength(bulk);
        expect(new Set(created)).toEqual(new Set(ctx.emulator.store.listItems(address, folderId).map((i) => i.id)));
        // Change keys match the server's.
        const first = pages[0].created[0];
        expect(first.changeKey).toBe(ctx.emulator.store.item(address, first.id).changeKey);
        cursor = next;
      });

      test('a round without changes reports nothing', async () => {
        const { pages, cursor: next } = await drainChanges(ctx.mailbox, folderId, 'message', cursor);
        expect(pages.flatMap((p) => [...p.created, ...p.updated, ...p.deleted])).toEqual([]);
        cursor = next;
      });

      test('exactly the creates, updates and deletes made by the user since the cursor', async () => {
        const { store, control } = ctx.emulator;
        const existing = store.listItems(address, folderId).map((i) => i.id);
        const created = [1, 2, 3].map((n) => control.user.deliverMessage(address, { from: { address: `new${n}@customer.example` }, subject: `New ${n}` }, folderId).id);
        const updated = [existing[10], existing[500]];
        control.user.categorize(address, updated[0], ['Red category']);
        control.user.edit(address, updated[1], { subject: 'Edited by the user' });
        const deleted = [existing[20], existing[700]];
        control.user.delete(address, deleted[0], { permanent: true });
        control.user.delete(address, deleted[1]); // to Deleted Items = gone from this folder
        const movedOut = existing[900];
        control.user.move(address, movedOut, 'inbox');

        const { pages, cursor: next } = await drainChanges(ctx.mailbox, folderId, 'message', cursor);
        expect(ids(pages, 'created').sort()).toEqual([...created].sort());
        expect(ids(pages, 'updated').sort()).toEqual([...updated].sort());
        expect(pages.flatMap((p) => p.deleted).sort()).toEqual([...deleted, movedOut].sort());
        const updatedRef = pages.flatMap((p) => p.updated).find((r) => r.id === updated[0]);
        expect(updatedRef?.changeKey).toBe(store.item(address, updated[0]).changeKey);
        cursor = next;
      });

      test('a rejected cursor raises CursorRejectedError; a full resync then matches the server exactly', async () => {
        ctx.emulator.control.invalidateCursors(address);
        await expect(ctx.mailbox.getChanges(folderId, 'message', cursor)).rejects.toBeInstanceOf(CursorRejectedError);
        // The caller's reconcile: restart without a cursor, no item lost or doubled.
        const { pages, cursor: next } = await drainChanges(ctx.mailbox, folderId, 'message', undefined);
        const all = ids(pages, 'created');
        expect(all).toHaveLength(new Set(all).size);
        expect(new Set(all)).toEqual(new Set(ctx.emulator.store.listItems(address, folderId).map((i) => i.id)));
        cursor = next;
        // An injected invalid-cursor fault is reported the same way.
        ctx.emulator.control.addFault({ fault: 'invalid-cursor', mailbox: address, times: 1 });
        await expect(ctx.mailbox.getChanges(folderId, 'message', cursor)).rejects.toBeInstanceOf(CursorRejectedError);
      });
    });

    describe('writes round-trip', () => {
      let calendarId: string;
      const sentBefore = (): number => ctx.emulator.store.sentMeetingMessages.length;
      /** Deleted = no longer in its folder on the server (hard-deleted or moved to Deleted Items). */
      const goneFrom = (folderId: string, id: string): boolean => !ctx.emulator.store.listItems(address, folderId).some((i) => i.id === id);

      beforeAll(async () => {
        calendarId = (await ctx.mailbox.getWellKnownFolder('calendar')).id;
      });

      test('an event with attendees in other time zones reads back equal, and no invitation is sent', async () => {
        const originalTz = process.env.TZ;
        // The relay host's own zone must not matter.
        process.env.TZ = 'Asia/Kolkata';
        try {
          const before = sentBefore();
          const input: EventInput = {
            subject: 'Pricing review: Sakura & Bluepeak <Q3>',
            start: '2026-03-29T16:00:00.000Z', // 09:00 in Los Angeles (PDT), 01:00 next day in Tokyo, 18:00 in Berlin (after the EU DST switch)
            end: '2026-03-29T17:30:00.000Z',
            timeZone: 'America/Los_Angeles',
            isAllDay: false,
            location: 'Teams & phone',
            bodyHtml: '<p>Agenda: <b>prices</b> &amp; volumes</p>',
            attendees: [
              { address: 'kenji.watanabe@sakura-precision.example', name: 'Kenji Watanabe', type: 'required', response: 'none' },
              { address: 'emily.carter@bluepeak-outdoor.example', name: 'Emily Carter', type: 'optional', response: 'none' },
            ],
            sensitivity: 'normal',
            categories: ['SAP C4C'],
          };
          const ref = await ctx.mailbox.createEvent(calendarId, input);
          const stored = ctx.emulator.store.item(address, ref.id);
          expect(stored).toMatchObject({ kind: 'event', start: expect.stringMatching(/^2026-03-29T16:00:00/), end: expect.stringMatching(/^2026-03-29T17:30:00/) });
          const [event] = await ctx.mailbox.getEvents([ref.id]);
          expect(event.id).toBe(ref.id);
          expect(event.changeKey).toBe(ref.changeKey);
          expect(Date.parse(event.start)).toBe(Date.parse(input.start));
          expect(Date.parse(event.end)).toBe(Date.parse(input.end));
          expect(canonicalZone(event.timeZone)).toBe(canonicalZone(input.timeZone));
          expect(event).toMatchObject({ subject: input.subject, location: input.location, isAllDay: false, isOrganizer: true, isCancelled: false, sensitivity: 'normal', categories: ['SAP C4C'], type: 'singleInstance' });
          expect(event.bodyHtml).toContain('<b>prices</b>');
          expect(event.attendees.map(({ address: a, name, type }) => ({ address: a, name, type }))).toEqual(input.attendees.map(({ address: a, name, type }) => ({ address: a, name, type })));
          expect(event.iCalUid).toMatch(/\S{10,}/);

          // Move it one hour later in Tokyo time; still no notification.
          const moved = await ctx.mailbox.updateEvent(ref.id, { start: '2026-03-29T17:00:00.000Z', end: '2026-03-29T18:30:00.000Z', timeZone: 'Asia/Tokyo' });
          expect(moved.changeKey).not.toBe(ref.changeKey);
          const [after] = await ctx.mailbox.getEvents([ref.id]);
          expect(Date.parse(after.start)).toBe(Date.parse('2026-03-29T17:00:00.000Z'));
          expect(canonicalZone(after.timeZone)).toBe('Tokyo Standard Time');
          expect(after.subject).toBe(input.subject);
          expect(after.changeKey).toBe(moved.changeKey);

          await ctx.mailbox.deleteEvent(ref.id);
          expect(goneFrom(calendarId, ref.id)).toBe(true);
          await ctx.mailbox.deleteEvent(ref.id); // idempotent
          expect(sentBefore()).toBe(before);
        } finally {
          if (originalTz === undefined) delete process.env.TZ;
          else process.env.TZ = originalTz;
        }
      });

      test('a weekly series reads back with its recurrence', async () => {
        const ref = await ctx.mailbox.createEvent(calendarId, {
          subject: 'Weekly pipeline call',
          start: '2026-11-03T09:00:00.000Z',
          end: '2026-11-03T09:30:00.000Z',
          timeZone: 'Europe/Berlin',
          isAllDay: false,
          attendees: [],
          recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['tuesday', 'thursday'], startDate: '2026-11-03', numberOfOccurrences: 10 },
          sensitivity: 'private',
          categories: [],
        });
        const [event] = await ctx.mailbox.getEvents([ref.id]);
        expect(event.type).toBe('seriesMaster');
        expect(event.sensitivity).toBe('private');
        expect(event.recurrence).toEqual({ pattern: 'weekly', interval: 1, daysOfWeek: ['tuesday', 'thursday'], startDate: '2026-11-03', numberOfOccurrences: 10 });
        await ctx.mailbox.deleteEvent(ref.id);
      });

      test('moving an event (start and end only) keeps its time zone', async () => {
        const ref = await ctx.mailbox.createEvent(calendarId, {
          subject: 'Moved review',
          start: '2026-11-10T09:00:00.000Z',
          end: '2026-11-10T10:00:00.000Z',
          timeZone: 'Europe/Berlin',
          isAllDay: false,
          attendees: [],
          sensitivity: 'normal',
          categories: [],
        });
        const [before] = await ctx.mailbox.getEvents([ref.id]);
        await ctx.mailbox.updateEvent(ref.id, { start: '2026-11-11T13:00:00.000Z', end: '2026-11-11T14:00:00.000Z' });
        const [after] = await ctx.mailbox.getEvents([ref.id]);
        expect(after).toMatchObject({ start: '2026-11-11T13:00:00.000Z', end: '2026-11-11T14:00:00.000Z', timeZone: before.timeZone });
        await ctx.mailbox.deleteEvent(ref.id);
      });

      test('meetings organized by others: attendee responses are read', async () => {
        const organizer = ctx.emulator.store.listMailboxes().find((m) => m.address !== address.toLowerCase());
        if (!organizer) return;
        const meeting = ctx.emulator.control.user.createEvent(organizer.address, {
          subject: 'Customer workshop',
          start: '2026-12-01T13:00:00Z',
          end: '2026-12-01T15:00:00Z',
          timeZone: 'W. Europe Standard Time',
          isAllDay: false,
          attendees: [{ address, name: 'Me', type: 'required', response: 'none' }],
          sensitivity: 'normal',
          categories: [],
        });
        const copy = ctx.emulator.store.meetingCopies(meeting.iCalUid).find((c) => c.mailbox === address.toLowerCase());
        expect(copy).toBeDefined();
        ctx.emulator.control.user.respondToMeeting(address, copy!.event.id, 'tentative');
        const [mine] = await ctx.mailbox.getEvents([copy!.event.id]);
        expect(mine).toMatchObject({ isOrganizer: false, iCalUid: meeting.iCalUid, organizer: { address: organizer.address } });
        expect(mine.attendees.find((a) => a.address === address)?.response).toBe('tentative');
      });

      test('tasks: create, read, complete, delete', async () => {
        const tasksId = (await ctx.mailbox.getWellKnownFolder('tasks')).id;
        const ref = await ctx.mailbox.createTask(tasksId, { subject: 'Call back Julia <Nordwind>', bodyText: 'About the renewal & the discount', status: 'notStarted', importance: 'high', startDate: '2026-11-02', dueDate: '2026-11-06', categories: ['SAP C4C'] });
        const [task] = await ctx.mailbox.getTasks([ref.id]);
        expect(task).toMatchObject({ id: ref.id, changeKey: ref.changeKey, subject: 'Call back Julia <Nordwind>', status: 'notStarted', importance: 'high', startDate: '2026-11-02', dueDate: '2026-11-06', categories: ['SAP C4C'] });
        expect(task.bodyText).toContain('About the renewal & the discount');
        const done = await ctx.mailbox.updateTask(ref.id, { status: 'completed', completedAt: '2026-11-05T10:00:00.000Z' });
        const [after] = await ctx.mailbox.getTasks([ref.id]);
        expect(after).toMatchObject({ status: 'completed', changeKey: done.changeKey, subject: task.subject, dueDate: '2026-11-06' });
        expect(Date.parse(after.completedAt ?? '')).toBe(Date.parse('2026-11-05T10:00:00.000Z'));
        await ctx.mailbox.deleteTask(ref.id);
        expect(goneFrom(tasksId, ref.id)).toBe(true);
      });

      test('contacts: create in the product folder, read, update, delete', async () => {
        const folder = await ctx.mailbox.ensureFolder(PRODUCT_FOLDERS.contacts.name, 'contacts');
        const ref = await ctx.mailbox.createContact(folder.id, {
          givenName: 'Sophie',
          surname: 'Martin',
          displayName: 'Sophie Martin',
          companyName: 'Atelier Lumière & Fils',
          jobTitle: 'Directrice commerciale',
          emailAddresses: [{ address: 'sophie.martin@atelier-lumiere.example', name: 'Sophie Martin' }],
          businessPhone: '+33 1 23 45 67 89',
          mobilePhone: '+33 6 12 34 56 78',
          businessAddress: { street: '12 rue de la Paix', city: 'Paris', postalCode: '75002', countryOrRegion: 'France' },
          categories: ['SAP C4C'],
        });
        const [contact] = await ctx.mailbox.getContacts([ref.id]);
        expect(contact).toMatchObject({
          id: ref.id,
          folderId: folder.id,
          givenName: 'Sophie',
          surname: 'Martin',
          displayName: 'Sophie Martin',
          companyName: 'Atelier Lumière & Fils',
          jobTitle: 'Directrice commerciale',
          businessPhone: '+33 1 23 45 67 89',
          mobilePhone: '+33 6 12 34 56 78',
          businessAddress: { street: '12 rue de la Paix', city: 'Paris', postalCode: '75002', countryOrRegion: 'France' },
          categories: ['SAP C4C'],
        });
        expect(contact.emailAddresses.map((e) => e.address)).toEqual(['sophie.martin@atelier-lumiere.example']);
        const updated = await ctx.mailbox.updateContact(ref.id, { jobTitle: 'Directrice générale' });
        const [after] = await ctx.mailbox.getContacts([ref.id]);
        expect(after).toMatchObject({ jobTitle: 'Directrice générale', companyName: 'Atelier Lumière & Fils', changeKey: updated.changeKey });
        await ctx.mailbox.deleteContact(ref.id);
        expect(goneFrom(folder.id, ref.id)).toBe(true);
      });
    });

    test('messages: categories and the C4C ObjectID stamp are written, read back and reported as updates', async () => {
      const { store, control } = ctx.emulator;
      const inboxId = (await ctx.mailbox.getWellKnownFolder('inbox')).id;
      const { cursor } = await drainChanges(ctx.mailbox, inboxId, 'message', undefined);
      const delivered = control.user.deliverMessage(address, {
        from: { address: 'julia.schneider@nordwind-logistik.example', name: 'Julia Schneider' },
        subject: 'Order 4711 & delivery dates',
        bodyHtml: '<p>Hello,<br>see the <i>attached</i> plan.</p>',
        cc: [{ address: 'lukas.hoffmann@nordwind-logistik.example', name: 'Lukas Hoffmann' }],
        attachments: [{ name: 'plan.pdf', contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.4 plan').toString('base64') }],
      });
      const categorized = await ctx.mailbox.setCategories(delivered.id, 'message', ['SAP C4C', 'Red category']);
      const stamped = await ctx.mailbox.setC4cObjectId(delivered.id, 'message', '00163E8A-ABCD-1EE9-B2C3-6F3D1B2A7C10');
      expect(stamped.changeKey).not.toBe(categorized.changeKey);
      const stored = store.item(address, delivered.id);
      expect(stored.categories).toEqual(['SAP C4C', 'Red category']);
      expect(stored.extendedProperties[extendedPropertyKey(C4C_OBJECT_ID_PROPERTY.propertySetId, C4C_OBJECT_ID_PROPERTY.name)]?.value).toBe('00163E8A-ABCD-1EE9-B2C3-6F3D1B2A7C10');

      const [message] = await ctx.mailbox.getMessages([delivered.id], { withAttachmentContent: true });
      expect(message).toMatchObject({
        id: delivered.id,
        changeKey: stamped.changeKey,
        folderId: inboxId,
        internetMessageId: delivered.internetMessageId,
        subject: 'Order 4711 & delivery dates',
        from: { address: 'julia.schneider@nordwind-logistik.example', name: 'Julia Schneider' },
        cc: [{ address: 'lukas.hoffmann@nordwind-logistik.example', name: 'Lukas Hoffmann' }],
        isDraft: false,
        categories: ['SAP C4C', 'Red category'],
        c4cObjectId: '00163E8A-ABCD-1EE9-B2C3-6F3D1B2A7C10',
      });
      expect(message.bodyHtml).toContain('<i>attached</i>');
      // Servers report times with second precision.
      expect(Math.floor(Date.parse(message.receivedAt ?? '') / 1000)).toBe(Math.floor(Date.parse(delivered.receivedAt!) / 1000));
      expect(message.attachments).toEqual([expect.objectContaining({ name: 'plan.pdf', contentType: 'application/pdf', isInline: false, contentBase64: Buffer.from('%PDF-1.4 plan').toString('base64') })]);
      const { pages } = await drainChanges(ctx.mailbox, inboxId, 'message', cursor);
      expect(ids(pages, 'created')).toEqual([delivered.id]);
      expect(pages.flatMap((p) => p.created)[0].changeKey).toBe(stamped.changeKey);
      expect(await ctx.mailbox.getMessages(['AAMkAdoesnotexist0000000000000000000000000000000'])).toEqual([]);
    });

    test('throttling is survived: throttled calls are retried after the server’s back-off', async () => {
      const { control } = ctx.emulator;
      const before = control.totalRequests();
      control.addFault({ fault: 'throttle', mailbox: address, times: 2, backOffMs: 30, retryAfterSeconds: 0 });
      const folder = await ctx.mailbox.getWellKnownFolder('deleteditems').catch((e: unknown) => e);
      // getWellKnownFolder may be answered from a cache; use a call that always reaches the server as well.
      const categories = await ctx.mailbox.listMasterCategories();
      expect(folder).not.toBeInstanceOf(Error);
      expect(categories.length).toBeGreaterThan(0);
      expect(control.listFaults()).toHaveLength(0);
      expect(control.totalRequests() - before).toBeGreaterThanOrEqual(3);
    });

    test('persistent throttling ends in a transient MailboxError (no endless retry)', async () => {
      ctx.emulator.control.addFault({ fault: 'throttle', mailbox: address, times: 1000, backOffMs: 5, retryAfterSeconds: 0 });
      const error = await ctx.mailbox.listMasterCategories().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxError);
      expect(error).toMatchObject({ code: 'throttled', transient: true });
    });
  });
}
