/**
 * The mailbox side of contact mirroring (E6): the contacts of one product folder — *SAP Contacts*, *SAP Accounts* or
 * *SAP Individual Customers* (made by the setup step; ids in mailboxes.setup.folders) — through relay/mailbox (EWS or
 * Graph alike). I/O and mapping only; the planner decides.
 *
 * Reads: the folder's change feed (`getChanges(folderId, 'contact', cursor)`, paged to its end) from the cursor under
 * `mirror:<folder>`; the first session (or a rejected cursor) enumerates the whole folder and reports `totalInScope`.
 * An item whose ChangeKey equals its link's (the echo of our own write) is not read. An id the feed reports deleted (or
 * a linked id missing from a full enumeration) is looked up by id before it is reported: not found or in Deleted Items →
 * deleted, found in another folder → out-of-scope (a move to another folder is never a delete).
 * Writes: create with the C4C ObjectID in the product's extended property (one request); update and delete by id (contacts
 * have no attendees: nothing is ever sent). The cursor is written only by commitCursor().
 */
import { setupRecordOf } from '../../setup';
import { CursorRejectedError, MailboxError, PRODUCT_FOLDERS, type ContactInput, type MailContact } from '../../../mailbox/types';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import type { AdapterDeps } from './types';
import type { ContactKind } from './contacts-c4c';

export const CONTACT_FOLDER_OF: Record<ContactKind, 'contacts' | 'accounts' | 'individualCustomers'> = {
  contact: 'contacts',
  account: 'accounts',
  individualCustomer: 'individualCustomers',
};

/** Contacts read per getContacts call (EWS batches GetItem by 10 inside, 3 in flight). */
const READ_BATCH = 100;
/** A runaway feed never loops forever. */
const MAX_PAGES = 10_000;

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function createContactsMailboxAdapter<K extends ContactKind>(deps: AdapterDeps<K>): SideAdapter {
  const { kind, ctx, mapping } = deps;
  const folderKey = CONTACT_FOLDER_OF[kind];
  const cursorKey = `mirror:${folderKey}`;
  const fromMailbox = mapping.fromMailbox as (item: MailContact) => MappedFields;
  const toMailbox = mapping.toMailbox as (fields: MappedFields) => Partial<ContactInput>;
  let folderId: string | undefined;
  let pending: { folderId: string; cursor: string } | undefined;
  /** The read of this session enumerated the whole folder: every unlinked item is in the view already. */
  let readWasFull = false;

  async function folder(): Promise<string> {
    if (folderId) return folderId;
    const known = setupRecordOf(ctx.state.setup).folders?.[folderKey];
    folderId = known ?? (await ctx.mailbox.ensureFolder(PRODUCT_FOLDERS[folderKey].name, 'contacts')).id;
    return folderId;
  }

  const toItem = (c: MailContact): SideItem => {
    const fields = fromMailbox(c);
    return { id: c.id, stamp: c.changeKey, hash: mapping.hash('mailbox', fields), fields, ...(c.c4cObjectId ? { stampedWith: c.c4cObjectId } : {}), drives: true };
  };

  async function readContacts(ids: string[]): Promise<MailContact[]> {
    const out: MailContact[] = [];
    for (const batch of chunk(ids, READ_BATCH)) out.push(...(await ctx.mailbox.getContacts(batch)));
    return out;
  }

  /** Pages the feed from `cursor` to its end: the last state of each id, and the cursor to commit. */
  async function feed(id: string, start: string | undefined): Promise<{ refs: Map<string, string>; deleted: Set<string>; cursor: string; full: boolean }> {
    let cursor = start;
    let full = start === undefined;
    const refs = new Map<string, string>();
    const deleted = new Set<string>();
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      let page;
      try {
        page = await ctx.mailbox.getChanges(id, 'contact', cursor);
      } catch (error) {
        if (!(error instanceof CursorRejectedError) || cursor === undefined) throw error;
        // The server forgot the cursor: enumerate the folder again and reconcile against the links.
        cursor = undefined;
        full = true;
        refs.clear();
        deleted.clear();
        continue;
      }
      for (const ref of [...page.created, ...page.updated]) {
        refs.set(ref.id, ref.changeKey);
        deleted.delete(ref.id);
      }
      for (const gone of page.deleted) {
        refs.delete(gone);
        deleted.add(gone);
      }
      cursor = page.cursor;
      if (page.done) break;
    }
    return { refs, deleted, cursor: cursor ?? '', full };
  }

  return {
    side: 'mailbox',
    kind,

    async read(links: MirrorLink[]): Promise<SideView> {
      const id = await folder();
      const stored = await ctx.cursors.get(cursorKey);
      const start = stored?.folderId === id ? stored.cursor : undefined;
      const { refs, deleted, cursor, full } = await feed(id, start);
      readWasFull = full;
      pending = { folderId: id, cursor };
      const linked = new Map<string, MirrorLink>();
      for (const l of links) if (l.mailboxId !== undefined) linked.set(l.mailboxId, l);

      const toRead = [...refs].filter(([itemId, changeKey]) => linked.get(itemId)?.mailboxStamp !== changeKey).map(([itemId]) => itemId);
      const view: SideView = { side: 'mailbox', changed: [], gone: [] };
      for (const c of await readContacts(toRead)) if (c.folderId === id || c.folderId === '') view.changed.push(toItem(c));

      const suspects = [...deleted].filter((d) => linked.has(d));
      if (full) {
        view.totalInScope = refs.size;
        for (const l of linked.keys()) if (!refs.has(l) && !deleted.has(l)) suspects.push(l);
      }
      if (suspects.length > 0) {
        const found = new Map((await readContacts(suspects)).map((c) => [c.id, c]));
        // Deleting in Outlook (and EWS / Graph deletes) moves the item to Deleted Items: that is a delete.
        const trash = [...found.values()].some((c) => c.folderId !== id) ? (await ctx.mailbox.getWellKnownFolder('deleteditems')).id : undefined;
        for (const s of suspects) {
          const c = found.get(s);
          if (!c || c.folderId === trash) view.gone.push({ id: s, reason: 'deleted' });
          else if (c.folderId !== id) view.gone.push({ id: s, reason: 'out-of-scope' });
        }
      }
      return view;
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      // Items stamped with one of these C4C ObjectIDs, changed or not. A full read already put every unlinked item
      // of the folder in the view; otherwise the folder is enumerated (ids only) and the unknown ones are read.
      if (readWasFull || query.stampedWith.length === 0) return [];
      const id = await folder();
      const wanted = new Set(query.stampedWith);
      const { refs } = await feed(id, undefined);
      const out: SideItem[] = [];
      for (const c of await readContacts([...refs.keys()])) if (c.c4cObjectId && wanted.has(c.c4cObjectId)) out.push(toItem(c));
      return out;
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const id = await folder();
      const partial = toMailbox(fields);
      const displayName = partial.displayName || [partial.givenName, partial.surname].filter(Boolean).join(' ') || partial.companyName || '(no name)';
      const input: ContactInput = { ...partial, displayName, emailAddresses: partial.emailAddresses ?? [], categories: partial.categories ?? [] };
      // The C4C ObjectID travels in the create request itself (CreateItem / POST carry the extended property): one
      // write per new contact, and the ref answered is the stamped item's id and change key.
      const ref = await ctx.mailbox.createContact(id, input, stampWith ? { c4cObjectId: stampWith } : undefined);
      // What the mailbox now holds, in the mapped vocabulary (the server stores what was written).
      return toItem({ ...input, id: ref.id, changeKey: ref.changeKey, folderId: id, ...(stampWith ? { c4cObjectId: stampWith } : {}) });
    },

    async update(itemId: string, fields: MappedFields): Promise<SideItem> {
      const input = toMailbox(fields);
      if (Object.keys(input).length > 0) await ctx.mailbox.updateContact(itemId, input);
      const [read] = await ctx.mailbox.getContacts([itemId]);
      if (!read) throw new MailboxError('not-found', `The contact ${itemId} is gone from the mailbox`, false);
      return toItem(read);
    },

    async delete(itemId: string): Promise<void> {
      try {
        await ctx.mailbox.deleteContact(itemId);
      } catch (error) {
        // Already gone (the user deleted it meanwhile): the delete is done.
        if (!(error instanceof MailboxError && error.code === 'not-found')) throw error;
      }
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      await ctx.cursors.set(cursorKey, { folderId: pending.folderId, cursor: pending.cursor, baselineDone: true });
      pending = undefined;
    },
  };
}
