/**
 * Blocklists and "internal mail" (E9), pure.
 *
 * An entry is an address (`someone@example.com`) or a domain (`example.com`, stored without `@`), and a domain covers
 * its subdomains (Twenty's rule: `domain === entry || domain.endsWith('.' + entry)`). The organization's list and the
 * user's list apply together. The mailbox's own addresses are never treated as blocked: blocking your own domain must
 * not stop your outgoing mail from being recognised as yours.
 */
import { blocklistEntryKind } from '../../shared/api/sync';
import type { Blocklists } from './types';

export function normalize(address: string): string {
  return address.trim().toLowerCase();
}

/** The domain part of an address, lower case ('' when there is none). */
export function domainOf(address: string): string {
  const a = normalize(address);
  const at = a.lastIndexOf('@');
  return at < 0 ? '' : a.slice(at + 1);
}

/** True when `domain` is `parent` or one of its subdomains. */
export function isWithinDomain(domain: string, parent: string): boolean {
  const d = domain.toLowerCase();
  const p = parent.toLowerCase().replace(/^@/, '');
  return p !== '' && (d === p || d.endsWith(`.${p}`));
}

export type AddressPredicate = (address: string) => boolean;

/** A predicate over both lists; `ownAddresses` are never blocked. */
export function blocklistMatcher(lists: Blocklists, ownAddresses: readonly string[] = []): AddressPredicate {
  const addresses = new Set<string>();
  const domains: string[] = [];
  for (const raw of [...lists.organization, ...lists.user]) {
    const entry = normalize(raw).replace(/^@/, '');
    if (!entry) continue;
    if (blocklistEntryKind(entry) === 'address') addresses.add(entry);
    else domains.push(entry);
  }
  const own = new Set(ownAddresses.map(normalize));
  return (address: string): boolean => {
    const a = normalize(address);
    if (own.has(a)) return false;
    if (addresses.has(a)) return true;
    const domain = domainOf(a);
    return domain !== '' && domains.some((d) => isWithinDomain(domain, d));
  };
}

/**
 * The organization's own mail domains: the configured ones, or (when none are configured) the domains of its users'
 * addresses. Lower case, without duplicates.
 */
export function ownDomainsOf(configured: readonly string[], userAddresses: readonly string[]): string[] {
  const source = configured.length > 0 ? configured.map((d) => d.toLowerCase().replace(/^@/, '')) : userAddresses.map(domainOf);
  return [...new Set(source.filter(Boolean))];
}

/** Internal mail: every participant's address is in one of the organization's own domains (subdomains included). */
export function isInternal(participants: readonly string[], ownDomains: readonly string[]): boolean {
  if (participants.length === 0 || ownDomains.length === 0) return false;
  return participants.every((p) => {
    const domain = domainOf(p);
    return domain !== '' && ownDomains.some((d) => isWithinDomain(domain, d));
  });
}
