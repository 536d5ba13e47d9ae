/**
 * Auto-resolving (E8), the pure rules: which people met in a saved email or a mirrored meeting may be created in C4C,
 * with which name, and whether their mail domain may become an Account.
 *
 * Never created: addresses C4C already knows (any Contact, Lead, Individual Customer, Account or Employee matched),
 * the organization's own domains and its users, group / role addresses (sales@, info@, noreply@ … from the maintained
 * `role-based-email-addresses` list), blocked addresses and domains (E9). Accounts are never created for free-mail
 * domains (the maintained `email-providers` list: gmail.com, web.de, …), so a private address still becomes a Lead or
 * Contact, but never "Gmail Inc.".
 */
import freeMailDomains from 'email-providers/all.json';
import roleAddresses from 'role-based-email-addresses';
import type { AddressMatches } from '../c4c/port';
import { domainOf, isWithinDomain, normalize } from '../sync/blocklist';

const FREE_MAIL = new Set<string>((freeMailDomains as string[]).map((d) => d.toLowerCase()));
const ROLE_LOCAL_PARTS = new Set<string>((roleAddresses as string[]).map((p) => p.toLowerCase()));
const SIMPLE_ADDRESS = /^[^\s@]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export interface Person {
  address: string;
  /** The display name the mail carried ("Jane Doe", "Doe, Jane"), if any. */
  name?: string;
}

export interface ResolveScope {
  /** The organization's own mail domains (subdomains included). */
  ownDomains: readonly string[];
  /** Addresses of the organization's users (lower case). */
  userAddresses: ReadonlySet<string>;
  isBlocked(address: string): boolean;
}

export type NotCreatedReason = 'known' | 'not-an-address' | 'own-domain' | 'organization-user' | 'group-address' | 'blocked';

export type Candidate = { create: true; address: string; firstName: string; lastName: string; domain: string } | { create: false; address: string; reason: NotCreatedReason };

export function isFreeMailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (FREE_MAIL.has(d)) return true;
  // Regional subdomains of a provider (mail.yahoo.co.uk style) count as the provider.
  const labels = d.split('.');
  for (let i = 1; i < labels.length - 1; i++) if (FREE_MAIL.has(labels.slice(i).join('.'))) return true;
  return false;
}

/** sales@, info@, no-reply@, team+x@ …: a function or a group of people, not one person. */
export function isGroupAddress(address: string): boolean {
  const local = normalize(address).split('@')[0] ?? '';
  const base = local.split('+')[0];
  return ROLE_LOCAL_PARTS.has(base) || ROLE_LOCAL_PARTS.has(base.replace(/[-_.]/g, '')) || /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster)$/.test(base);
}

const capitalize = (word: string): string => (word ? word.charAt(0).toLocaleUpperCase() + word.slice(1) : word);

/**
 * First and last name from the display name, else from the address's local part (jane.doe → Jane Doe). C4C requires
 * a last name, so a single word becomes the last name. "Doe, Jane" is read as last, first.
 */
export function splitName(name: string | undefined, address: string): { firstName: string; lastName: string } {
  const cleaned = (name ?? '').replace(/["'<>()]/g, ' ').replace(/\s+/g, ' ').trim();
  const usable = cleaned && !cleaned.includes('@') ? cleaned : '';
  if (usable.includes(',')) {
    const [last, first] = usable.split(',').map((part) => part.trim());
    if (last && first) return { firstName: first.slice(0, 40), lastName: last.slice(0, 40) };
  }
  const words = usable ? usable.split(' ') : (normalize(address).split('@')[0] ?? '').split(/[._-]+/).filter(Boolean).map(capitalize);
  if (words.length === 0) return { firstName: '', lastName: normalize(address).slice(0, 40) };
  if (words.length === 1) return { firstName: '', lastName: words[0].slice(0, 40) };
  return { firstName: words.slice(0, -1).join(' ').slice(0, 40), lastName: words[words.length - 1].slice(0, 40) };
}

/**
 * A company name for a mail domain: its registrable label, capitalised, dashes as spaces (mail.acme-corp.co.uk →
 * "Acme Corp"). A two-letter country code preceded by a short generic label (co.uk, com.au) counts as one suffix.
 */
export function companyNameFromDomain(domain: string): string {
  const labels = domain.toLowerCase().split('.').filter(Boolean);
  let suffixLength = 1;
  if (labels.length >= 3 && labels[labels.length - 1].length === 2 && labels[labels.length - 2].length <= 3) suffixLength = 2;
  const label = labels[labels.length - suffixLength - 1] ?? labels[0] ?? domain;
  return label.split('-').filter(Boolean).map(capitalize).join(' ');
}

/** Whether one person may be created, and as whom. */
export function candidateFor(person: Person, matches: AddressMatches | undefined, scope: ResolveScope): Candidate {
  const address = normalize(person.address);
  if (!SIMPLE_ADDRESS.test(address)) return { create: false, address, reason: 'not-an-address' };
  if (matches && matches.records.length > 0) return { create: false, address, reason: 'known' };
  const domain = domainOf(address);
  if (scope.userAddresses.has(address)) return { create: false, address, reason: 'organization-user' };
  if (scope.ownDomains.some((own) => isWithinDomain(domain, own))) return { create: false, address, reason: 'own-domain' };
  if (scope.isBlocked(address)) return { create: false, address, reason: 'blocked' };
  if (isGroupAddress(address)) return { create: false, address, reason: 'group-address' };
  return { create: true, address, domain, ...splitName(person.name, address) };
}
