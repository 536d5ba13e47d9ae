/**
 * Pure rules for the people section: which card each participant gets (records shown, colleague, not found,
 * blocked). Employees are matched but not shown (S2); an address with only employee matches is a colleague, not
 * "not found", so nobody is offered to create a contact for their own colleague.
 */
import type { AddressResult, C4cRecord, SearchResponse } from '../../shared/api/sidebar';
import type { PersonAddress } from '../office/addresses';

export type PersonCardModel =
  | { status: 'found'; address: string; name: string; records: C4cRecord[] }
  | { status: 'colleague'; address: string; name: string }
  | { status: 'not-found'; address: string; name: string }
  | { status: 'blocked'; address: string; name: string };

/** Display order within one person: contacts and leads first, then individual customers, then accounts. */
const KIND_ORDER: Record<C4cRecord['kind'], number> = { contact: 0, lead: 1, individualCustomer: 2, account: 3, employee: 4 };

export function visibleRecords(records: readonly C4cRecord[]): C4cRecord[] {
  return records.filter((r) => r.kind !== 'employee').sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}

export function buildPersonCards(people: readonly PersonAddress[], search: SearchResponse): PersonCardModel[] {
  const byAddress = new Map<string, AddressResult>();
  for (const result of search.results) byAddress.set(result.address.toLowerCase(), result);
  const seen = new Set<string>();
  const cards: PersonCardModel[] = [];
  for (const person of people) {
    const key = person.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const result = byAddress.get(key);
    const base = { address: person.address, name: person.name };
    if (result?.blocked === true) cards.push({ status: 'blocked', ...base });
    else if (result === undefined || result.records.length === 0) cards.push({ status: 'not-found', ...base });
    else {
      const records = visibleRecords(result.records);
      cards.push(records.length === 0 ? { status: 'colleague', ...base } : { status: 'found', ...base, records });
    }
  }
  return cards;
}

/** Adds a record created from a "not found" card to the search result, so the card turns into a record card. */
export function withCreatedRecord(search: SearchResponse, address: string, record: C4cRecord): SearchResponse {
  const key = address.toLowerCase();
  const exists = search.results.some((r) => r.address.toLowerCase() === key);
  const results = exists
    ? search.results.map((r) => (r.address.toLowerCase() === key ? { ...r, records: [...r.records, record] } : r))
    : [...search.results, { address, records: [record] }];
  return { ...search, results };
}

/** First and last name guessed from a display name ("Hoffmann, Julia" or "Julia Hoffmann") or the address. */
export function splitName(displayName: string, address: string): { firstName: string; lastName: string } {
  const name = displayName.trim() === '' || displayName === address ? address.split('@')[0].replace(/[._-]+/g, ' ') : displayName.trim();
  const capitalised = name.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
  if (capitalised.includes(',')) {
    const [last, first] = capitalised.split(',', 2).map((p) => p.trim());
    return { firstName: first ?? '', lastName: last ?? '' };
  }
  const parts = capitalised.split(/\s+/).filter((p) => p !== '');
  if (parts.length <= 1) return { firstName: '', lastName: parts[0] ?? '' };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] };
}

/** A company name guessed from the address's domain (never for free-mail domains). */
const FREE_MAIL = new Set(['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'yahoo.com', 'icloud.com', 'gmx.de', 'gmx.net', 'web.de', 'aol.com', 'proton.me', 'protonmail.com']);

export function companyFromAddress(address: string): string {
  const domain = address.split('@')[1]?.toLowerCase() ?? '';
  if (domain === '' || FREE_MAIL.has(domain)) return '';
  const label = domain.split('.').slice(0, -1).pop() ?? '';
  return label.replace(/[-_]+/g, ' ').replace(/\b\p{L}/gu, (c) => c.toUpperCase());
}
