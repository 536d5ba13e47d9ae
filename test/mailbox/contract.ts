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
import {
  C4C_OBJECT_ID_PROPERTY,
  CursorRejectedError,
  MailboxError,
  PRODUCT_FOLDERS,
  type AccessProblem,
  type CalendarEvent,
  type ChangePage,
  type EventInput,
  type FolderChangePage,
  type ItemKind,
  type ItemRef,
  type Mailbox,
  type Recurrence,
} from '../../relay/mailbox/types';
import { extendedPropertyKey } from '../emulators/exchange/store';
import { EwsMailbox } from '../../relay/mailbox/ews/mailbox';

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

/** Follows the folder-hierarchy feed until `done`, collecting every page. */
export async function drainFolderChanges(mailbox: Mailbox, cursor: string | undefined): Promise<{ pages: FolderChangePage[]; cursor: string }> {
  const pages: FolderChangePage[] = [];
  let current = cursor;
  for (let guard = 0; guard < 100; guard++) {
    const page = await mailbox.getFolderChanges(current);
    pages.push(page);
    current = page.cursor;
    if (page.done) return { pages, cursor: current };
  }
  throw new Error('Folder change feed did not finish within 100 pages');
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

      test('a round of 600 edits spans several pages; resuming from a page cursor loses and doubles nothing', async () => {
        const { store, control } = ctx.emulator;
        const edited = store.listItems(address, folderId).slice(0, 600).map((i) => i.id);
        for (const id of edited) control.user.categorize(address, id, ['Blue category']);
        const first = await ctx.mailbox.getChanges(folderId, 'message', cursor);
        expect(first.done).toBe(false);
        // A crash after the first page: the next session continues from the cursor persisted with it.
        const rest = await drainChanges(ctx.mailbox, folderId, 'message', first.cursor);
        const pages = [first, ...rest.pages];
        expect(pages.length).toBeGreaterThanOrEqual(2);
        const reported = [...ids(pages, 'created'), ...ids(pages, 'updated')];
        expect(reported).toHaveLength(600);
        expect(new Set(reported)).toEqual(new Set(edited));
        expect(pages.flatMap((p) => p.deleted)).toEqual([]);
        cursor = rest.cursor;
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

    describe('folder hierarchy changes (SyncFolderHierarchy / mailFolders delta)', () => {
      let cursor: string;
      let projectsId: string;
      let archiveId: string;
      const created = (pages: FolderChangePage[]) => pages.flatMap((p) => p.created);
      const updated = (pages: FolderChangePage[]) => pages.flatMap((p) => p.updated);
      const deleted = (pages: FolderChangePage[]) => pages.flatMap((p) => p.deleted);

      test('the first call lists every mail folder of the hierarchy, child folders and the user’s own included', async () => {
        const { control, store } = ctx.emulator;
        projectsId = control.user.createFolder(address, `Projects ${label}`).id;
        archiveId = control.user.createFolder(address, `Archive ${label}`, { parent: 'inbox' }).id;
        const root = store.wellKnownFolder(address, 'msgfolderroot');
        const inbox = store.wellKnownFolder(address, 'inbox');

        const { pages, cursor: next } = await drainFolderChanges(ctx.mailbox, undefined);
        expect(updated(pages)).toEqual([]);
        expect(deleted(pages)).toEqual([]);
        const reported = created(pages);
        expect(reported.map((f) => f.id)).toHaveLength(new Set(reported.map((f) => f.id)).size);
        // Exactly the server's mail folders below the root (the root itself is not a change).
        const expected = store.listFolders(address).filter((f) => f.kind === 'mail' && f.wellKnownName !== 'msgfolderroot');
        expect(new Set(reported.map((f) => f.id))).toEqual(new Set(expected.map((f) => f.id)));
        expect(reported.every((f) => f.kind === 'mail')).toBe(true);
        expect(reported.find((f) => f.id === projectsId)).toEqual({ id: projectsId, displayName: `Projects ${label}`, kind: 'mail', parentId: root.id });
        expect(reported.find((f) => f.id === archiveId)).toEqual({ id: archiveId, displayName: `Archive ${label}`, kind: 'mail', parentId: inbox.id });
        expect(reported.find((f) => f.id === inbox.id)).toMatchObject({ wellKnownName: 'inbox', parentId: root.id });
        cursor = next;
      });

      test('a round without changes reports nothing', async () => {
        const { pages, cursor: next } = await drainFolderChanges(ctx.mailbox, cursor);
        expect(pages.flatMap((p) => [...p.created, ...p.updated, ...p.deleted])).toEqual([]);
        cursor = next;
      });

      test('exactly the folders the user created, renamed and deleted since the cursor', async () => {
        const { control, store } = ctx.emulator;
        const leads = control.user.createFolder(address, `Leads ${label}`);
        control.user.renameFolder(address, projectsId, `Projects 2027 ${label}`);
        control.user.deleteFolder(address, archiveId);
        // Not a mail folder: not part of the feed on either back end.
        control.user.createFolder(address, `Suppliers ${label}`, { parent: 'contacts', kind: 'contacts' });

        const { pages, cursor: next } = await drainFolderChanges(ctx.mailbox, cursor);
        const root = store.wellKnownFolder(address, 'msgfolderroot');
        expect(created(pages)).toEqual([{ id: leads.id, displayName: `Leads ${label}`, kind: 'mail', parentId: root.id }]);
        expect(updated(pages)).toEqual([{ id: projectsId, displayName: `Projects 2027 ${label}`, kind: 'mail', parentId: root.id }]);
        expect(deleted(pages)).toEqual([archiveId]);
        cursor = next;
      });

      test('a rejected cursor raises CursorRejectedError; a restart lists the hierarchy again', async () => {
        ctx.emulator.control.invalidateCursors(address);
        await expect(ctx.mailbox.getFolderChanges(cursor)).rejects.toBeInstanceOf(CursorRejectedError);
        await expect(ctx.mailbox.getFolderChanges('not-a-cursor')).rejects.toBeInstanceOf(CursorRejectedError);
        const { pages, cursor: next } = await drainFolderChanges(ctx.mailbox, undefined);
        expect(created(pages).map((f) => f.id)).toContain(projectsId);
        expect(created(pages).map((f) => f.id)).not.toContain(archiveId);
        // An injected invalid-cursor fault is reported the same way.
        ctx.emulator.control.addFault({ fault: 'invalid-cursor', mailbox: address, times: 1 });
        await expect(ctx.mailbox.getFolderChanges(next)).rejects.toBeInstanceOf(CursorRejectedError);
      });

      test('601 new folders span several pages (EWS 512, Graph page size); resuming from a page cursor loses and doubles nothing', async () => {
        const { control } = ctx.emulator;
        const { cursor: start } = await drainFolderChanges(ctx.mailbox, undefined);
        const parent = control.user.createFolder(address, `Customers ${label}`);
        const made = [parent.id, ...Array.from({ length: 600 }, (_, i) => control.user.createFolder(address, `Customer ${i}`, { parent: parent.id }).id)];
        const first = await ctx.mailbox.getFolderChanges(start);
        expect(first.done).toBe(false);
        // A crash after the first page: the next session continues from the cursor persisted with it.
        const rest = await drainFolderChanges(ctx.mailbox, first.cursor);
        const pages = [first, ...rest.pages];
        const reported = created(pages).map((f) => f.id);
        expect(reported).toHaveLength(made.length);
        expect(new Set(reported)).toEqual(new Set(made));
        expect(updated(pages)).toEqual([]);
        expect(deleted(pages)).toEqual([]);
        // Deleting the parent deletes its subtree: every folder of it is reported gone (and the mailbox is tidy again).
        control.user.deleteFolder(address, parent.id);
        const gone = await drainFolderChanges(ctx.mailbox, rest.cursor);
        expect(deleted(gone.pages)).toHaveLength(made.length);
        expect(new Set(deleted(gone.pages))).toEqual(new Set(made));
        expect([...created(gone.pages), ...updated(gone.pages)]).toEqual([]);
      });
    });

    test('contacts and tasks: the change feed reports exactly what the user created, edited and deleted', async () => {
      const { control, store } = ctx.emulator;
      const contacts = await ctx.mailbox.ensureFolder('SAP Contacts', 'contacts');
      const tasks = await ctx.mailbox.getWellKnownFolder('tasks');
      const contactStart = await drainChanges(ctx.mailbox, contacts.id, 'contact', undefined);
      const taskStart = await drainChanges(ctx.mailbox, tasks.id, 'task', undefined);

      const keep = control.user.createContact(address, { displayName: 'Lena Vogt', emailAddresses: [{ address: 'lena@vogt.example' }] }, contacts.id);
      const edit = control.user.createContact(address, { displayName: 'Tom Berg', emailAddresses: [{ address: 'tom@berg.example' }] }, contacts.id);
      const task = control.user.createTask(address, { subject: 'Send quote', status: 'notStarted', importance: 'normal' }, tasks.id);
      const afterCreate = await drainChanges(ctx.mailbox, contacts.id, 'contact', contactStart.cursor);
      expect(ids(afterCreate.pages, 'created').sort()).toEqual([keep.id, edit.id].sort());
      // Task ids are the back end's own (Graph To Do ids name their list too): compare what they read back.
      const tasksCreated = await drainChanges(ctx.mailbox, tasks.id, 'task', taskStart.cursor);
      const createdTaskIds = ids(tasksCreated.pages, 'created');
      expect(createdTaskIds).toHaveLength(1);
      expect((await ctx.mailbox.getTasks(createdTaskIds)).map((t) => t.subject)).toEqual(['Send quote']);

      control.user.edit(address, edit.id, { displayName: 'Tom Berg (Purchasing)' });
      control.user.delete(address, keep.id, { permanent: true });
      control.user.edit(address, task.id, { subject: 'Send revised quote' });
      const afterEdit = await drainChanges(ctx.mailbox, contacts.id, 'contact', afterCreate.cursor);
      // Graph's delta cannot tell an edit from a create in the same second (callers upsert by id): count changes.
      const changed = (pages: ChangePage[]): string[] => [...ids(pages, 'created'), ...ids(pages, 'updated')];
      expect(changed(afterEdit.pages)).toEqual([edit.id]);
      expect(afterEdit.pages.flatMap((p) => p.deleted)).toEqual([keep.id]);
      const tasksEdited = await drainChanges(ctx.mailbox, tasks.id, 'task', tasksCreated.cursor);
      expect(changed(tasksEdited.pages)).toEqual(createdTaskIds);
      const [editedTask] = await ctx.mailbox.getTasks(createdTaskIds);
      expect(editedTask.subject).toBe('Send revised quote');
      expect(editedTask.changeKey).toBe(tasksEdited.pages.flatMap((p) => [...p.created, ...p.updated])[0].changeKey);
      expect(store.item(address, task.id).kind).toBe('task');
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

      test('creates with c4cObjectId carry the stamp from the one create request; the ref is the stamped item', async () => {
        const requests = (): number => ctx.emulator.control.totalRequests('EWS ') + ctx.emulator.control.totalRequests('GRAPH ');
        const objectId = '00163E8A-ABCD-1EE9-B2C3-6F3D1B2A7C11';
        const folder = await ctx.mailbox.ensureFolder(PRODUCT_FOLDERS.contacts.name, 'contacts');
        const tasksId = (await ctx.mailbox.getWellKnownFolder('tasks')).id;
        const calendarId = (await ctx.mailbox.getWellKnownFolder('calendar')).id;

        let before = requests();
        const contactRef = await ctx.mailbox.createContact(folder.id, { displayName: 'Karl Weber', emailAddresses: [{ address: 'karl@weber.example' }], categories: [] }, { c4cObjectId: objectId });
        expect(requests() - before).toBe(1);
        const [contact] = await ctx.mailbox.getContacts([contactRef.id]);
        expect(contact).toMatchObject({ id: contactRef.id, changeKey: contactRef.changeKey, displayName: 'Karl Weber', c4cObjectId: objectId });

        before = requests();
        const taskRef = await ctx.mailbox.createTask(tasksId, { subject: 'Send the offer', status: 'notStarted', importance: 'normal', categories: [] }, { c4cObjectId: objectId });
        expect(requests() - before).toBe(1);
        const [task] = await ctx.mailbox.getTasks([taskRef.id]);
        expect(task).toMatchObject({ id: taskRef.id, changeKey: taskRef.changeKey, subject: 'Send the offer', c4cObjectId: objectId });

        before = requests();
        const eventRef = await ctx.mailbox.createEvent(
          calendarId,
          { subject: 'Quarterly review', start: '2026-11-10T09:00:00.000Z', end: '2026-11-10T10:00:00.000Z', timeZone: 'UTC', isAllDay: false, attendees: [], sensitivity: 'normal', categories: [] },
          { c4cObjectId: objectId },
        );
        expect(requests() - before).toBe(1);
        const [event] = await ctx.mailbox.getEvents([eventRef.id]);
        expect(event).toMatchObject({ id: eventRef.id, changeKey: eventRef.changeKey, subject: 'Quarterly review', c4cObjectId: objectId });

        // Without options a create stays unstamped, as before.
        const plainRef = await ctx.mailbox.createContact(folder.id, { displayName: 'Ina Roth', emailAddresses: [], categories: [] });
        const [plain] = await ctx.mailbox.getContacts([plainRef.id]);
        expect(plain.c4cObjectId).toBeUndefined();

        await ctx.mailbox.deleteContact(contactRef.id);
        await ctx.mailbox.deleteContact(plainRef.id);
        await ctx.mailbox.deleteTask(taskRef.id);
        await ctx.mailbox.deleteEvent(eventRef.id);
      });
    });

    describe('recurring series: patterns, occurrences, exceptions, cancellations', () => {
      let calendarId: string;
      const base = { timeZone: 'Europe/Berlin', isAllDay: false, attendees: [], sensitivity: 'normal' as const, categories: [] };
      /** A whole-series window wide enough for every pattern below. */
      const years = { start: '2027-01-01T00:00:00.000Z', end: '2030-01-01T00:00:00.000Z' };
      const starts = (events: CalendarEvent[]): string[] => events.map((e) => e.start);

      beforeAll(async () => {
        calendarId = (await ctx.mailbox.getWellKnownFolder('calendar')).id;
      });

      /**
       * Each pattern at 10:00 Berlin time, with the dates Outlook gives it (CET = UTC+1 until 28 March 2027, CEST =
       * UTC+2 until 31 October). The expected starts prove the pattern reached the server intact, not just echoed.
       */
      const PATTERNS: { name: string; start: string; recurrence: Recurrence; expected: string[] }[] = [
        {
          name: 'daily, every other day, 5 times',
          start: '2027-01-04T09:00:00.000Z',
          recurrence: { pattern: 'daily', interval: 2, startDate: '2027-01-04', numberOfOccurrences: 5 },
          expected: ['2027-01-04', '2027-01-06', '2027-01-08', '2027-01-10', '2027-01-12'].map((d) => `${d}T09:00:00.000Z`),
        },
        {
          name: 'weekly, every other week on Monday and Thursday, until an end date',
          start: '2027-01-04T09:00:00.000Z',
          recurrence: { pattern: 'weekly', interval: 2, daysOfWeek: ['monday', 'thursday'], startDate: '2027-01-04', endDate: '2027-02-28' },
          expected: ['2027-01-04', '2027-01-07', '2027-01-18', '2027-01-21', '2027-02-01', '2027-02-04', '2027-02-15', '2027-02-18'].map((d) => `${d}T09:00:00.000Z`),
        },
        {
          name: 'absolute monthly on the 31st (the last day in shorter months)',
          start: '2027-01-31T09:00:00.000Z',
          recurrence: { pattern: 'absoluteMonthly', interval: 1, dayOfMonth: 31, startDate: '2027-01-31', numberOfOccurrences: 4 },
          expected: ['2027-01-31T09:00:00.000Z', '2027-02-28T09:00:00.000Z', '2027-03-31T08:00:00.000Z', '2027-04-30T08:00:00.000Z'],
        },
        {
          name: 'relative monthly on the last Friday',
          start: '2027-01-29T09:00:00.000Z',
          recurrence: { pattern: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last', startDate: '2027-01-29', numberOfOccurrences: 3 },
          expected: ['2027-01-29', '2027-02-26', '2027-03-26'].map((d) => `${d}T09:00:00.000Z`),
        },
        {
          name: 'absolute yearly on 14 March',
          start: '2027-03-14T09:00:00.000Z',
          recurrence: { pattern: 'absoluteYearly', interval: 1, month: 3, dayOfMonth: 14, startDate: '2027-03-14', endDate: '2029-12-31' },
          expected: ['2027-03-14', '2028-03-14', '2029-03-14'].map((d) => `${d}T09:00:00.000Z`),
        },
        {
          name: 'relative yearly on the second Tuesday of October',
          start: '2027-10-12T08:00:00.000Z',
          recurrence: { pattern: 'relativeYearly', interval: 1, month: 10, daysOfWeek: ['tuesday'], index: 'second', startDate: '2027-10-01', numberOfOccurrences: 2 },
          expected: ['2027-10-12T08:00:00.000Z', '2028-10-10T08:00:00.000Z'],
        },
      ];

      for (const p of PATTERNS) {
        test(`pattern round-trips and expands: ${p.name}`, async () => {
          const end = new Date(Date.parse(p.start) + 3600_000).toISOString();
          const ref = await ctx.mailbox.createEvent(calendarId, { ...base, subject: `Series ${p.recurrence.pattern}`, start: p.start, end, recurrence: p.recurrence });
          try {
            const [master] = await ctx.mailbox.getEvents([ref.id]);
            expect(master).toMatchObject({ id: ref.id, type: 'seriesMaster' });
            expect(master.recurrence).toEqual(p.recurrence);
            // The server holds the same pattern (not a default index / month).
            expect(ctx.emulator.store.item(address, ref.id)).toMatchObject({ recurrence: p.recurrence });
            const occurrences = await ctx.mailbox.getOccurrences(ref.id, years);
            expect(starts(occurrences)).toEqual(p.expected);
            expect(occurrences.every((o) => o.type === 'occurrence' && o.seriesMasterId === ref.id && o.iCalUid === master.iCalUid && o.id !== ref.id)).toBe(true);
          } finally {
            await ctx.mailbox.deleteEvent(ref.id);
          }
        });
      }

      test('a pattern the back end cannot hold is refused, not silently changed', async () => {
        // Graph writes any day set; EWS names one day or weekday / weekend day / every day only.
        const odd: Recurrence = { pattern: 'relativeMonthly', interval: 1, daysOfWeek: ['monday', 'wednesday'], index: 'first', startDate: '2027-02-01', numberOfOccurrences: 2 };
        const created = await ctx.mailbox.createEvent(calendarId, { ...base, subject: 'Odd days', start: '2027-02-01T09:00:00.000Z', end: '2027-02-01T10:00:00.000Z', recurrence: odd }).catch((e: unknown) => e);
        if (created instanceof Error) {
          expect(created).toMatchObject({ code: 'invalid-request' });
          return;
        }
        const ref = created as ItemRef;
        const [master] = await ctx.mailbox.getEvents([ref.id]);
        expect(master.recurrence).toEqual(odd);
        // The first Monday or Wednesday of the month: 1 February, 1 March 2027 (both Mondays).
        expect(starts(await ctx.mailbox.getOccurrences(ref.id, years))).toEqual(['2027-02-01T09:00:00.000Z', '2027-03-01T09:00:00.000Z']);
        await ctx.mailbox.deleteEvent(ref.id);
      });

      /** Tuesdays and Thursdays 10:00 Berlin from 3 Nov 2026, ten times (the last on 3 Dec). */
      async function weeklySeries(subject: string): Promise<string> {
        const ref = await ctx.mailbox.createEvent(calendarId, {
          ...base,
          subject,
          start: '2026-11-03T09:00:00.000Z',
          end: '2026-11-03T09:30:00.000Z',
          recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['tuesday', 'thursday'], startDate: '2026-11-03', numberOfOccurrences: 10 },
        });
        return ref.id;
      }
      const november = { start: '2026-11-09T00:00:00.000Z', end: '2026-11-20T00:00:00.000Z' };

      test('a weekly series lists its occurrences in a window, each with its own id, readable by id', async () => {
        const masterId = await weeklySeries('Weekly occurrences');
        const [master] = await ctx.mailbox.getEvents([masterId]);
        const occurrences = await ctx.mailbox.getOccurrences(masterId, november);
        expect(starts(occurrences)).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-12T09:00:00.000Z', '2026-11-17T09:00:00.000Z', '2026-11-19T09:00:00.000Z']);
        for (const o of occurrences) {
          expect(o).toMatchObject({ type: 'occurrence', seriesMasterId: masterId, originalStart: o.start, iCalUid: master.iCalUid, subject: 'Weekly occurrences', isCancelled: false });
          expect(Date.parse(o.end) - Date.parse(o.start)).toBe(30 * 60_000);
          expect(o.recurrence).toBeUndefined();
        }
        expect(new Set([masterId, ...occurrences.map((o) => o.id)]).size).toBe(5);
        // The window's end is exclusive and an occurrence ending at its start is outside.
        expect(starts(await ctx.mailbox.getOccurrences(masterId, { start: '2026-11-10T09:30:00.000Z', end: '2026-11-12T09:00:00.000Z' }))).toEqual([]);
        // Read by id (what a change feed hands out): the same instance, pointing at its master.
        const byId = await ctx.mailbox.getEvents(occurrences.map((o) => o.id));
        expect(byId.map(({ id, start, type, seriesMasterId, originalStart }) => ({ id, start, type, seriesMasterId, originalStart }))).toEqual(
          occurrences.map(({ id, start, type, seriesMasterId, originalStart }) => ({ id, start, type, seriesMasterId, originalStart })),
        );
        await ctx.mailbox.deleteEvent(masterId);
      });

      test('getOccurrences refuses what is not a series: a single event, a missing id, a reversed window', async () => {
        const single = await ctx.mailbox.createEvent(calendarId, { ...base, subject: 'Single', start: '2026-11-10T09:00:00.000Z', end: '2026-11-10T10:00:00.000Z' });
        await expect(ctx.mailbox.getOccurrences(single.id, november)).rejects.toMatchObject({ code: 'invalid-request' });
        await ctx.mailbox.deleteEvent(single.id);
        await expect(ctx.mailbox.getOccurrences('AAMkAdoesnotexist0000000000000000000000000000000', november)).rejects.toMatchObject({ code: 'not-found' });
        const masterId = await weeklySeries('Reversed window');
        await expect(ctx.mailbox.getOccurrences(masterId, { start: november.end, end: november.start })).rejects.toBeInstanceOf(MailboxError);
        await ctx.mailbox.deleteEvent(masterId);
      });

      test('an occurrence the user changed comes back as an exception with its new time; the others stay', async () => {
        const masterId = await weeklySeries('Weekly with an exception');
        const [before] = (await ctx.mailbox.getOccurrences(masterId, november)).filter((o) => o.start === '2026-11-12T09:00:00.000Z');
        // Occurrence 4 = Thursday 12 November: moved to Friday 13:00 Berlin and renamed, in Outlook.
        ctx.emulator.control.user.editOccurrence(address, masterId, 4, { start: '2026-11-13T12:00:00.000Z', end: '2026-11-13T13:00:00.000Z', subject: 'Moved to Friday' });
        const after = await ctx.mailbox.getOccurrences(masterId, november);
        expect(starts(after)).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-13T12:00:00.000Z', '2026-11-17T09:00:00.000Z', '2026-11-19T09:00:00.000Z']);
        const exception = after[1];
        expect(exception).toMatchObject({ id: before.id, type: 'exception', seriesMasterId: masterId, originalStart: '2026-11-12T09:00:00.000Z', start: '2026-11-13T12:00:00.000Z', end: '2026-11-13T13:00:00.000Z', subject: 'Moved to Friday' });
        expect(after.filter((o) => o !== exception).every((o) => o.type === 'occurrence' && o.subject === 'Weekly with an exception')).toBe(true);
        const [byId] = await ctx.mailbox.getEvents([exception.id]);
        expect(byId).toMatchObject({ type: 'exception', seriesMasterId: masterId, start: '2026-11-13T12:00:00.000Z', originalStart: '2026-11-12T09:00:00.000Z' });
        // Moved out of the window: it leaves the window it was in and shows in the one it went to.
        ctx.emulator.control.user.editOccurrence(address, masterId, exception.id, { start: '2026-11-24T12:00:00.000Z', end: '2026-11-24T13:00:00.000Z' });
        expect((await ctx.mailbox.getOccurrences(masterId, november)).map((o) => o.id)).not.toContain(exception.id);
        const later = await ctx.mailbox.getOccurrences(masterId, { start: '2026-11-24T00:00:00.000Z', end: '2026-11-25T00:00:00.000Z' });
        expect(later.map(({ type, start, subject }) => ({ type, start, subject }))).toEqual([
          { type: 'occurrence', start: '2026-11-24T09:00:00.000Z', subject: 'Weekly with an exception' },
          { type: 'exception', start: '2026-11-24T12:00:00.000Z', subject: 'Moved to Friday' },
        ]);
        expect(later[1].id).toBe(exception.id);
        await ctx.mailbox.deleteEvent(masterId);
      });

      test('a deleted occurrence is gone, by the user or by the relay; the series stays', async () => {
        const masterId = await weeklySeries('Weekly with gaps');
        const occurrences = await ctx.mailbox.getOccurrences(masterId, november);
        ctx.emulator.control.user.deleteOccurrence(address, masterId, occurrences[0].id);
        const afterUser = await ctx.mailbox.getOccurrences(masterId, november);
        expect(afterUser.map((o) => o.id)).toEqual(occurrences.slice(1).map((o) => o.id));
        expect(await ctx.mailbox.getEvents([occurrences[0].id])).toEqual([]);
        await ctx.mailbox.deleteEvent(occurrences[2].id);
        expect((await ctx.mailbox.getOccurrences(masterId, november)).map((o) => o.id)).toEqual([occurrences[1].id, occurrences[3].id]);
        const [master] = await ctx.mailbox.getEvents([masterId]);
        expect(master).toMatchObject({ type: 'seriesMaster', recurrence: { numberOfOccurrences: 10 } });
        await ctx.mailbox.deleteEvent(masterId);
      });

      test('the relay can move one occurrence: it becomes an exception, the series is untouched', async () => {
        const masterId = await weeklySeries('Weekly moved by the relay');
        const [, second] = await ctx.mailbox.getOccurrences(masterId, november);
        const ref = await ctx.mailbox.updateEvent(second.id, { start: '2026-11-12T14:00:00.000Z', end: '2026-11-12T14:30:00.000Z', subject: 'Moved by C4C' });
        expect(ref.id).toBe(second.id);
        const after = await ctx.mailbox.getOccurrences(masterId, november);
        expect(after[1]).toMatchObject({ id: second.id, type: 'exception', start: '2026-11-12T14:00:00.000Z', originalStart: second.start, subject: 'Moved by C4C' });
        expect(canonicalZone(after[1].timeZone)).toBe(canonicalZone('Europe/Berlin'));
        const [master] = await ctx.mailbox.getEvents([masterId]);
        expect(master).toMatchObject({ start: '2026-11-03T09:00:00.000Z', subject: 'Weekly moved by the relay', type: 'seriesMaster' });
        await ctx.mailbox.deleteEvent(masterId);
      });

      test('the change feed leads to a changed occurrence (EWS: via its master, Graph: the instance itself)', async () => {
        // Within the Graph calendar window (now − 30 days … now + 365 days).
        const day = Math.floor(Date.now() / 86_400_000) + 14;
        const at = (d: number, h: number): string => new Date((day + d) * 86_400_000 + h * 3600_000).toISOString();
        const date = at(0, 0).slice(0, 10);
        const ref = await ctx.mailbox.createEvent(calendarId, { ...base, timeZone: 'UTC', subject: 'Daily stand-up', start: at(0, 8), end: at(0, 8.25), recurrence: { pattern: 'daily', interval: 1, startDate: date, numberOfOccurrences: 5 } });
        const week = { start: at(0, 0), end: at(6, 0) };
        const before = await ctx.mailbox.getOccurrences(ref.id, week);
        expect(before).toHaveLength(5);
        const { cursor } = await drainChanges(ctx.mailbox, calendarId, 'event', undefined);
        ctx.emulator.control.user.editOccurrence(address, ref.id, 2, { start: at(1, 15), end: at(1, 15.25) });
        ctx.emulator.control.user.deleteOccurrence(address, ref.id, 3);
        const { pages } = await drainChanges(ctx.mailbox, calendarId, 'event', cursor);
        const changed = await ctx.mailbox.getEvents([...ids(pages, 'created'), ...ids(pages, 'updated')]);
        const ofSeries = changed.filter((e) => e.id === ref.id || e.seriesMasterId === ref.id);
        // The documented difference (Mailbox.getChanges): EWS reports the master, Graph the instances.
        const viaMaster = ctx.mailbox instanceof EwsMailbox;
        if (viaMaster) expect(ofSeries.map((e) => e.id)).toEqual([ref.id]);
        else {
          // Graph: instances only, never the master; the deleted occurrence is reported deleted.
          expect(ofSeries.length).toBeGreaterThan(0);
          expect(ofSeries.every((e) => e.type === 'occurrence' || e.type === 'exception')).toBe(true);
          expect(pages.flatMap((p) => p.deleted)).toContain(before[2].id);
        }
        const reachable = viaMaster ? await ctx.mailbox.getOccurrences(ref.id, week) : ofSeries;
        expect(reachable.find((e) => e.originalStart === at(1, 8))).toMatchObject({ id: before[1].id, type: 'exception', start: at(1, 15), seriesMasterId: ref.id });
        expect(reachable.map((e) => e.id)).not.toContain(before[2].id);
        await ctx.mailbox.deleteEvent(ref.id);
      });

      describe('meetings organized by others', () => {
        let organizer: string | undefined;
        beforeAll(() => {
          organizer = ctx.emulator.store.listMailboxes().find((m) => m.address !== address.toLowerCase())?.address;
        });
        const copyOf = (iCalUid: string): string => {
          const copy = ctx.emulator.store.meetingCopies(iCalUid).find((c) => c.mailbox === address.toLowerCase());
          if (!copy) throw new Error('no attendee copy');
          return copy.event.id;
        };
        const meeting = (subject: string, recurrence?: Recurrence): EventInput & { recurrence?: Recurrence } => ({
          ...base,
          subject,
          start: '2026-12-01T13:00:00.000Z',
          end: '2026-12-01T14:00:00.000Z',
          attendees: [{ address, name: 'Me', type: 'required', response: 'none' }],
          ...(recurrence ? { recurrence } : {}),
        });

        test('a cancelled meeting reads isCancelled in the attendee’s calendar', async () => {
          if (!organizer) return;
          const created = ctx.emulator.control.user.createEvent(organizer, meeting('Workshop, later cancelled'));
          const mine = copyOf(created.iCalUid);
          expect((await ctx.mailbox.getEvents([mine]))[0]).toMatchObject({ isCancelled: false, isOrganizer: false, organizer: { address: organizer } });
          ctx.emulator.control.user.cancelMeeting(organizer, created.id);
          const [after] = await ctx.mailbox.getEvents([mine]);
          expect(after).toMatchObject({ isCancelled: true, iCalUid: created.iCalUid, subject: 'Canceled: Workshop, later cancelled' });
        });

        test('one cancelled occurrence of a recurring meeting reads isCancelled; the others do not', async () => {
          if (!organizer) return;
          const created = ctx.emulator.control.user.createEvent(organizer, meeting('Weekly customer sync', { pattern: 'weekly', interval: 1, daysOfWeek: ['tuesday'], startDate: '2026-12-01', numberOfOccurrences: 4 }));
          const mine = copyOf(created.iCalUid);
          const december = { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' };
          expect((await ctx.mailbox.getOccurrences(mine, december)).map((o) => o.isCancelled)).toEqual([false, false, false, false]);
          ctx.emulator.control.user.cancelOccurrence(organizer, created.id, 2);
          const after = await ctx.mailbox.getOccurrences(mine, december);
          expect(after.map((o) => [o.start, o.isCancelled])).toEqual([
            ['2026-12-01T13:00:00.000Z', false],
            ['2026-12-08T13:00:00.000Z', true],
            ['2026-12-15T13:00:00.000Z', false],
            ['2026-12-22T13:00:00.000Z', false],
          ]);
          expect(after[1]).toMatchObject({ type: 'exception', seriesMasterId: mine, subject: 'Canceled: Weekly customer sync', organizer: { address: organizer } });
          // The organizer's own series no longer has it.
          expect(ctx.emulator.store.seriesInstances(organizer, created.id, december)).toHaveLength(3);
        });
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

    describe('findMessages: categorized / recent mail of a folder without reading every message', () => {
      let folderId: string;
      const day = 24 * 3600 * 1000;
      const tag = 'SAP Cloud for Customer';
      const delivered: { id: string; daysAgo: number; categories: string[] }[] = [];

      beforeAll(async () => {
        const folder = ctx.emulator.control.user.createFolder(address, `Find ${Date.now()}`);
        folderId = folder.id;
        const now = Date.now();
        const plan: [number, string[]][] = [
          [1, [tag]],
          [2, ['Red category']],
          [3, ['sap cloud for customer', 'Red category']], // another spelling: Exchange compares case-insensitively
          [10, []],
          [40, [tag]], // outside a 30-day window
          [5, [`${tag} & more`]], // a different category that merely starts the same
        ];
        for (const [daysAgo, categories] of plan) {
          const m = ctx.emulator.control.user.deliverMessage(address, { from: { address: 'julia.schneider@nordwind-logistik.example' }, subject: `Find ${daysAgo}d`, receivedAt: new Date(now - daysAgo * day).toISOString(), categories }, folderId);
          delivered.push({ id: m.id, daysAgo, categories });
        }
        // Not a message: a folder search for messages never reports it.
        ctx.emulator.control.user.createTask(address, { subject: 'not a message', status: 'notStarted', importance: 'normal' }, 'tasks');
      });

      test('by category and received-after, newest first, with current change keys', async () => {
        const since = new Date(Date.now() - 30 * day).toISOString();
        const page = await ctx.mailbox.findMessages(folderId, { categories: [tag], receivedAfter: since });
        const expected = delivered.filter((d) => d.daysAgo <= 30 && d.categories.some((c) => c.toLowerCase() === tag.toLowerCase())).sort((a, b) => a.daysAgo - b.daysAgo);
        expect(page.items.map((i) => i.id)).toEqual(expected.map((d) => d.id));
        expect(page.more).toBe(false);
        for (const item of page.items) expect(item.changeKey).toBe(ctx.emulator.store.item(address, item.id).changeKey);
      });

      test('by category alone, by date alone, and with no condition', async () => {
        expect((await ctx.mailbox.findMessages(folderId, { categories: [tag] })).items).toHaveLength(3);
        expect((await ctx.mailbox.findMessages(folderId, { categories: ['Red category', `${tag} & more`] })).items).toHaveLength(3);
        const recent = await ctx.mailbox.findMessages(folderId, { receivedAfter: new Date(Date.now() - 4 * day).toISOString() });
        expect(recent.items.map((i) => i.id)).toEqual(delivered.filter((d) => d.daysAgo <= 4).sort((a, b) => a.daysAgo - b.daysAgo).map((d) => d.id));
        expect((await ctx.mailbox.findMessages(folderId)).items).toHaveLength(delivered.length);
        expect((await ctx.mailbox.findMessages(folderId, { categories: ["O'Brien's"] })).items).toEqual([]);
      });

      test('pages by offset until more is false, each item once', async () => {
        const seen: string[] = [];
        let offset = 0;
        for (let guard = 0; guard < 10; guard++) {
          const page = await ctx.mailbox.findMessages(folderId, { pageSize: 2, offset });
          seen.push(...page.items.map((i) => i.id));
          offset = page.nextOffset;
          if (!page.more) break;
        }
        expect(seen).toHaveLength(delivered.length);
        expect(new Set(seen).size).toBe(delivered.length);
      });

      test('a category moved onto a message later is found; the inbox can be searched like any folder', async () => {
        const inbox = await ctx.mailbox.getWellKnownFolder('inbox');
        const m = ctx.emulator.control.user.deliverMessage(address, { from: { address: 'julia.schneider@nordwind-logistik.example' }, subject: 'Categorize me later' });
        const before = await ctx.mailbox.findMessages(inbox.id, { categories: [tag], receivedAfter: new Date(Date.now() - day).toISOString() });
        expect(before.items.map((i) => i.id)).not.toContain(m.id);
        ctx.emulator.control.user.categorize(address, m.id, [tag]);
        const after = await ctx.mailbox.findMessages(inbox.id, { categories: [tag], receivedAfter: new Date(Date.now() - day).toISOString() });
        expect(after.items.map((i) => i.id)).toContain(m.id);
      });
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
