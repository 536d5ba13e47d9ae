/** Folder ids in requests and folder elements in responses. */
import type { FolderKind } from '../../../../relay/mailbox/types';
import { folderClassOf, type ExchangeStore, type StoredFolder, StoreError } from '../store';
import { all, attr, child, childNames, childText, el, SchemaError, tx, type XNode } from './xml';

export interface FolderShape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  fields: Set<string>;
}

export function readFolderShape(node: XNode | undefined): FolderShape {
  const base = childText(node, 'BaseShape') ?? 'Default';
  if (base !== 'IdOnly' && base !== 'Default' && base !== 'AllProperties') throw new SchemaError(`Invalid BaseShape ${base}`);
  const fields = new Set(all(child(node, 'AdditionalProperties'), 'FieldURI').map((f) => attr(f, 'FieldURI') ?? ''));
  return { base, fields };
}

const ELEMENT: Record<FolderKind, string> = { mail: 'Folder', calendar: 'CalendarFolder', contacts: 'ContactsFolder', tasks: 'TasksFolder' };
export const KIND_OF_FOLDER_ELEMENT: Record<string, FolderKind | undefined> = { Folder: undefined, CalendarFolder: 'calendar', ContactsFolder: 'contacts', TasksFolder: 'tasks', SearchFolder: undefined };

/**
 * Resolves every folder id element (`t:FolderId` / `t:DistinguishedFolderId`) under `container`, in order.
 * A DistinguishedFolderId naming another mailbox is only allowed when it is the mailbox being accessed.
 */
export function folderIdRefs(container: XNode | undefined): { kind: 'id' | 'distinguished'; value: string; mailbox?: string }[] {
  const refs: { kind: 'id' | 'distinguished'; value: string; mailbox?: string }[] = [];
  for (const name of childNames(container)) {
    for (const node of all(container, name)) {
      if (name === 'FolderId') refs.push({ kind: 'id', value: attr(node, 'Id') ?? '' });
      else if (name === 'DistinguishedFolderId') refs.push({ kind: 'distinguished', value: attr(node, 'Id') ?? '', mailbox: childText(child(node, 'Mailbox'), 'EmailAddress') });
    }
  }
  return refs;
}

export function resolveFolderRef(store: ExchangeStore, mailbox: string, ref: { kind: 'id' | 'distinguished'; value: string; mailbox?: string }): StoredFolder {
  if (ref.mailbox && ref.mailbox.toLowerCase() !== mailbox.toLowerCase()) {
    throw new StoreError('ErrorInvalidRequest', 'Access to another mailbox through DistinguishedFolderId/Mailbox is not supported by this server; use impersonation.');
  }
  if (ref.kind === 'distinguished') {
    // The emulator has no non-IPM subtree: "root" is answered with the top of the information store.
    if (ref.value === 'root') return store.wellKnownFolder(mailbox, 'msgfolderroot');
    const known = ['msgfolderroot', 'inbox', 'sentitems', 'drafts', 'deleteditems', 'calendar', 'contacts', 'tasks'];
    if (!known.includes(ref.value)) throw new StoreError('ErrorFolderNotFound', `The distinguished folder ${ref.value} does not exist in this emulator.`);
    return store.wellKnownFolder(mailbox, ref.value as 'inbox');
  }
  if (!ref.value) throw new StoreError('ErrorInvalidIdMalformed', 'Id is malformed.');
  return store.folder(mailbox, ref.value);
}

export function folderXml(store: ExchangeStore, mailbox: string, folder: StoredFolder, shape: FolderShape): string {
  const want = (uri: string, inDefault: boolean): boolean => shape.fields.has(uri) || shape.base === 'AllProperties' || (shape.base === 'Default' && inDefault);
  const items = store.listItems(mailbox, folder.id);
  const children = store.childFolders(mailbox, folder.id);
  let body = el('t:FolderId', null, { Id: folder.id, ChangeKey: folder.changeKey });
  if (want('folder:ParentFolderId', false) && folder.parentId) body += el('t:ParentFolderId', null, { Id: folder.parentId, ChangeKey: store.folder(mailbox, folder.parentId).changeKey });
  if (want('folder:FolderClass', false)) body += tx('t:FolderClass', folderClassOf(folder.kind));
  if (want('folder:DisplayName', true)) body += tx('t:DisplayName', folder.displayName);
  if (want('folder:TotalCount', folder.kind !== 'calendar')) body += tx('t:TotalCount', items.length);
  if (want('folder:ChildFolderCount', true)) body += tx('t:ChildFolderCount', children.length);
  if (folder.kind === 'mail' && want('folder:UnreadCount', true)) body += tx('t:UnreadCount', items.filter((i) => i.kind === 'message' && !i.isRead).length);
  return el(`t:${ELEMENT[folder.kind]}`, body);
}

export function folderIdOnlyXml(folder: StoredFolder): string {
  return el(`t:${ELEMENT[folder.kind]}`, el('t:FolderId', null, { Id: folder.id, ChangeKey: folder.changeKey }));
}
