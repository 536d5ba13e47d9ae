/**
 * The organization's directory as the Exchange emulator's endpoints see it: every mailbox user with the object id
 * Entra ID knows them by. Graph addresses a user as `/users/{id | userPrincipalName}` (exchange-and-graph.md §10.1);
 * EWS ResolveNames searches the same people (./ews/resolve-names.ts).
 *
 * The user principal name is the mailbox's primary SMTP address here (as in most tenants). Object ids: the demo users'
 * Entra oids (demo-identities.ts, so the sandbox tells one story), an id assigned with `assignObjectId` (a test that
 * registered the user in the Entra emulator under its own oid), or else a stable id derived from the address — the
 * same on every start, so a test can create the Entra user with `directoryObjectId(store, address)`.
 */
import { createHash } from 'node:crypto';
import { DEMO_USERS } from '../demo-identities';
import type { ExchangeStore, MailboxRecord } from './store';

const assigned = new WeakMap<ExchangeStore, Map<string, string>>();

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

function derivedObjectId(address: string): string {
  const hex = createHash('sha256').update(`exchange-emulator-user:${address}`).digest('hex');
  // Shaped as a random (version 4, RFC 4122 variant) GUID, like Entra's object ids.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Records the Entra object id of a mailbox's user (call before the first request that uses the id). */
export function assignObjectId(store: ExchangeStore, address: string, objectId: string): void {
  if (!GUID.test(objectId)) throw new Error(`not an object id: ${objectId}`);
  let ids = assigned.get(store);
  if (!ids) assigned.set(store, (ids = new Map()));
  ids.set(address.toLowerCase(), objectId.replace(/[{}]/g, '').toLowerCase());
}

export function directoryObjectId(store: ExchangeStore, address: string): string {
  const key = address.toLowerCase();
  return assigned.get(store)?.get(key) ?? DEMO_USERS.find((u) => u.email.toLowerCase() === key)?.oid ?? derivedObjectId(key);
}

/** The mailbox address of `/users/{segment}`: an object id or a user principal name; undefined when nobody has it. */
export function resolveUser(store: ExchangeStore, segment: string): string | undefined {
  const value = segment.trim().toLowerCase();
  if (GUID.test(value)) {
    const id = value.replace(/[{}]/g, '');
    return store.listMailboxes().find((m) => directoryObjectId(store, m.address) === id)?.address;
  }
  return store.hasMailbox(value) ? value : undefined;
}

export interface DirectoryEntry {
  objectId: string;
  displayName: string;
  address: string;
}

export function directoryEntry(store: ExchangeStore, mailbox: MailboxRecord): DirectoryEntry {
  return { objectId: directoryObjectId(store, mailbox.address), displayName: mailbox.displayName, address: mailbox.address };
}

/**
 * Ambiguous name resolution (the directory half of ResolveNames): `SMTP:<address>` or a whole address matches that
 * address only; any other text matches users whose display name, any word of it, address or alias (the address's
 * local part) starts with it, ignoring case. Sorted by display name.
 */
export function searchDirectory(store: ExchangeStore, text: string): DirectoryEntry[] {
  const query = text.trim().toLowerCase();
  if (!query) return [];
  const smtp = /^smtp:(.+)$/.exec(query)?.[1]?.trim();
  const exact = smtp ?? (query.includes('@') && store.hasMailbox(query) ? query : undefined);
  const matches = store.listMailboxes().filter((m) => {
    if (exact !== undefined) return m.address === exact;
    const name = m.displayName.toLowerCase();
    const words = name.split(/[\s,.'-]+/).filter(Boolean);
    return name.startsWith(query) || words.some((w) => w.startsWith(query)) || m.address.startsWith(query);
  });
  return matches.map((m) => directoryEntry(store, m)).sort((a, b) => a.displayName.localeCompare(b.displayName) || a.address.localeCompare(b.address));
}
