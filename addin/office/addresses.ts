/** Plain address DTOs from Office's EmailAddressDetails (mock objects and host proxies must not leak into JSON). */

export interface PersonAddress {
  address: string;
  name: string;
}

interface AddressLike {
  emailAddress?: string | null;
  displayName?: string | null;
}

export function toAddress(details: AddressLike | null | undefined): PersonAddress | null {
  const address = details?.emailAddress?.trim();
  if (address === undefined || address === '') return null;
  const name = details?.displayName?.trim();
  return { address, name: name === undefined || name === '' ? address : name };
}

export function toAddresses(list: readonly AddressLike[] | null | undefined): PersonAddress[] {
  const out: PersonAddress[] = [];
  for (const entry of list ?? []) {
    const address = toAddress(entry);
    if (address !== null) out.push(address);
  }
  return out;
}

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** Unique (case-insensitive) addresses in first-seen order, skipping the ones `exclude` names. */
export function uniqueAddresses(groups: ReadonlyArray<readonly PersonAddress[]>, exclude: readonly string[] = []): string[] {
  const seen = new Set(exclude.map(normalizeAddress));
  const out: string[] = [];
  for (const group of groups) {
    for (const person of group) {
      const key = normalizeAddress(person.address);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(key);
    }
  }
  return out;
}

/** Reads a Date-like host value (Dates from another realm fail `instanceof Date`, so coerce instead). */
export function toIsoDate(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const date = new Date(value as string | number | Date);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
