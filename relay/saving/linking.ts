/**
 * Who an email or meeting is linked to in C4C, as pure rules over the initial search's matches (c4c-odata.md §13):
 * which addresses are looked up, which record is preselected as main contact and main account, which record each
 * party is linked by, and how a chosen main contact becomes links. The sidebar's Save and the engine's auto-linking
 * (E7) use these same functions, so both link alike.
 */
import type { C4cRecord, ContactKind, SaveSuggestion } from '../../shared/api/sidebar';
import { normalizeAddress } from '../c4c/activities/email';
import { RELATED_ITEM_TYPE_CODES } from '../c4c/activities/codes';
import type { AddressMatches } from '../c4c/port';

const SIMPLE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isSearchableAddress(address: string): boolean {
  return SIMPLE_ADDRESS.test(normalizeAddress(address));
}

/** The order SSI reads people in: sender, To, Cc (organizer, attendees for meetings); each address once, lower case. */
export function uniqueAddresses(addresses: ReadonlyArray<{ address: string }>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { address } of addresses) {
    const key = normalizeAddress(address);
    if (!SIMPLE_ADDRESS.test(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}

const PERSON_PRIORITY: Record<C4cRecord['kind'], number> = { contact: 0, individualCustomer: 1, lead: 2, employee: 3, account: 4 };

/**
 * SSI's preselection: the first parsed Contact (else Individual Customer, else Lead) is the main contact; its account,
 * else the first account found, is the main account. Employees never are.
 */
export function suggestLinks(matches: readonly AddressMatches[]): SaveSuggestion {
  const suggestion: SaveSuggestion = {};
  const records = matches.flatMap((m) => m.records);
  for (const kind of ['contact', 'individualCustomer', 'lead'] as const) {
    const record = records.find((r) => r.kind === kind);
    if (record) {
      suggestion.mainContactObjectId = record.objectId;
      suggestion.mainContactKind = kind;
      if (record.accountObjectId) suggestion.mainAccountObjectId = record.accountObjectId;
      break;
    }
  }
  if (!suggestion.mainAccountObjectId) {
    const account = records.find((r) => r.kind === 'account');
    if (account) suggestion.mainAccountObjectId = account.objectId;
  }
  return suggestion;
}

/**
 * The suggestion the initial search shows: the saver's own addresses never suggest themselves (the user is not the
 * customer), and blocked addresses (E9) are neither suggested nor linked.
 */
export function autoSuggestion(
  matches: readonly AddressMatches[],
  ownAddresses: readonly string[],
  blocked?: (address: string) => boolean,
): SaveSuggestion {
  const own = new Set(ownAddresses.map(normalizeAddress));
  return suggestLinks(matches.filter((m) => !own.has(normalizeAddress(m.address)) && !(blocked?.(normalizeAddress(m.address)) ?? false)));
}

/**
 * The matches of one item's people, in the item's order (sender, To, Cc): the suggestion takes the first contact, so
 * matches resolved in bulk for many emails must be put back into this email's order. Blocked addresses are dropped.
 */
export function matchesFor(
  people: readonly string[],
  resolved: readonly AddressMatches[],
  blocked?: (address: string) => boolean,
): AddressMatches[] {
  const byAddress = new Map<string, AddressMatches>();
  for (const match of resolved) {
    const key = normalizeAddress(match.address);
    if (!byAddress.has(key)) byAddress.set(key, match);
  }
  const out: AddressMatches[] = [];
  for (const address of uniqueAddresses(people.map((a) => ({ address: a })))) {
    if (blocked?.(address) ?? false) continue;
    const match = byAddress.get(address);
    if (match) out.push(match);
  }
  return out;
}

/** The record C4C links a party by, for each address: a person before an account, a contact before an employee. */
export function partiesOf(matches: readonly AddressMatches[]): Map<string, C4cRecord> {
  const parties = new Map<string, C4cRecord>();
  for (const match of matches) {
    // A lead is not a business partner: it cannot be a party of an activity.
    const linkable = match.records.filter((r) => r.kind !== 'lead').sort((a, b) => PERSON_PRIORITY[a.kind] - PERSON_PRIORITY[b.kind]);
    if (linkable[0]) parties.set(normalizeAddress(match.address), linkable[0]);
  }
  return parties;
}

/**
 * The party ID of a record picked by ObjectID, when the matches already carry it (the record itself, or a person's
 * account), so linking needs no extra C4C read. Undefined when it has to be read from C4C.
 */
export function partyIdFromMatches(matches: readonly AddressMatches[], kind: 'account' | ContactKind, objectId: string): string | undefined {
  const records = matches.flatMap((m) => m.records);
  const own = records.find((r) => r.kind === kind && r.objectId === objectId);
  if (own) return own.id;
  if (kind !== 'account') return undefined;
  return records.find((r) => r.accountObjectId === objectId && r.accountId !== undefined)?.accountId;
}

/** The owner of the activity: the saver's own employee record, from the first own address that has one. */
export function ownerPartyId(parties: ReadonlyMap<string, C4cRecord>, ownAddresses: readonly string[]): string | undefined {
  for (const address of ownAddresses) {
    const record = parties.get(normalizeAddress(address));
    if (record?.kind === 'employee') return record.id;
  }
  return undefined;
}

/** The chosen main contact as links: a lead is not a business partner, so it is referenced, never the main contact. */
export function mainContactLinks(
  partyId: string | undefined,
  kind: ContactKind | undefined,
): { mainContactPartyId?: string; related: Array<{ typeCode: string; id: string }> } {
  if (partyId === undefined || kind === undefined) return { related: [] };
  return kind === 'lead' ? { related: [{ typeCode: RELATED_ITEM_TYPE_CODES.lead, id: partyId }] } : { mainContactPartyId: partyId, related: [] };
}
