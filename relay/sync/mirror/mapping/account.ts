/**
 * Mailbox contacts in the *SAP Accounts* folder ↔ C4C corporate accounts (E6; c4c-odata.md §3.1). An account is a
 * company: its name is the mailbox contact's display name and company name. Accounts are not deletable in C4C.
 */
import type { CorporateAccount } from '../../../c4c/entities';
import type { MailContact } from '../../../mailbox/types';
import type { FieldValue } from '../types';
import { emailAddresses, EMAIL_EXCEPTION, firstEmail } from './contact';
import { TRANSFORMS, countryCode, countryName, email, mailboxText, str, text } from './transforms';
import type { FieldMapping, MappingTable } from './types';

/** Properties of the default address the entity type does not declare (the server sends them; §3.1). */
const extra = (r: CorporateAccount, prop: string): unknown => (r as unknown as Record<string, unknown>)[prop];

export interface MappedAddress {
  [key: string]: FieldValue;
  street: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
}

const isEmptyAddress = (a: MappedAddress): boolean => a.street === null && a.city === null && a.postalCode === null && a.country === null;

export function mailboxAddress(c: MailContact): MappedAddress | null {
  const b = c.businessAddress;
  if (!b) return null;
  const a: MappedAddress = { street: text(b.street), city: text(b.city), postalCode: text(b.postalCode), country: countryCode(b.countryOrRegion) };
  return isEmptyAddress(a) ? null : a;
}

function asAddress(v: FieldValue): MappedAddress | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  return { street: text(v.street), city: text(v.city), postalCode: text(v.postalCode), country: countryCode(v.country) };
}

const fields: FieldMapping<'account'>[] = [
  {
    field: 'name',
    label: 'Name',
    mailboxProperty: 'DisplayName + CompanyName / displayName + companyName',
    c4cProperty: 'Name',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.companyName) ?? text(c.displayName),
    toMailbox: (v, out) => {
      const name = mailboxText(v);
      out.displayName = name;
      out.companyName = name;
    },
    fromC4c: (r) => text(r.Name),
    toC4c: (v, out) => {
      const s = str(v);
      if (s !== null) out.body.Name = s.slice(0, 40);
    },
  },
  {
    field: 'email',
    label: 'E-mail',
    mailboxProperty: 'EmailAddress1 / emailAddresses[0]',
    c4cProperty: 'Email',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.email,
    exception: EMAIL_EXCEPTION,
    fromMailbox: firstEmail,
    toMailbox: (v, out) => {
      out.emailAddresses = emailAddresses(v);
    },
    fromC4c: (r) => email(r.Email),
    toC4c: (v, out) => {
      out.body.Email = str(v) ?? '';
    },
  },
  {
    field: 'phone',
    label: 'Phone',
    mailboxProperty: 'BusinessPhone / businessPhones[0]',
    c4cProperty: 'Phone',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.businessPhone),
    toMailbox: (v, out) => {
      out.businessPhone = mailboxText(v);
    },
    fromC4c: (r) => text(r.Phone),
    toC4c: (v, out) => {
      out.body.Phone = (str(v) ?? '').slice(0, 40);
    },
  },
  {
    field: 'mobile',
    label: 'Mobile phone',
    mailboxProperty: 'MobilePhone / mobilePhone',
    c4cProperty: 'Mobile',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.mobilePhone),
    toMailbox: (v, out) => {
      out.mobilePhone = mailboxText(v);
    },
    fromC4c: (r) => text(r.Mobile),
    toC4c: (v, out) => {
      out.body.Mobile = (str(v) ?? '').slice(0, 40);
    },
  },
  {
    field: 'website',
    label: 'Website',
    mailboxProperty: '(none: the mailbox contact model has no web page)',
    c4cProperty: 'WebSite',
    defaultDirection: 'none',
    configurable: false,
    exception: 'The relay\'s mailbox contact has no web page property on either back end yet, so the website stays in C4C.',
    fromMailbox: () => null,
    toMailbox: () => {
      // No mailbox property (see the exception).
    },
    fromC4c: (r) => text(r.WebSite),
    toC4c: () => {
      // Direction none: never written.
    },
  },
  {
    field: 'address',
    label: 'Address',
    mailboxProperty: 'PhysicalAddresses[Business] / businessAddress',
    c4cProperty: 'Street, City, StreetPostalCode, CountryCode (default address)',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.address,
    exception: 'The country is compared as its ISO code (the mailbox shows the English name); state, house number and PO box are not mirrored.',
    fromMailbox: mailboxAddress,
    toMailbox: (v, out) => {
      const a = asAddress(v);
      out.businessAddress = a === null ? {} : {
        ...(a.street !== null ? { street: a.street } : {}),
        ...(a.city !== null ? { city: a.city } : {}),
        ...(a.postalCode !== null ? { postalCode: a.postalCode } : {}),
        ...(a.country !== null ? { countryOrRegion: countryName(a.country) ?? a.country } : {}),
      };
    },
    fromC4c: (r) => {
      const a: MappedAddress = { street: text(r.Street), city: text(r.City), postalCode: text(extra(r, 'StreetPostalCode')), country: countryCode(r.CountryCode) };
      return isEmptyAddress(a) ? null : a;
    },
    toC4c: (v, out) => {
      const a = asAddress(v) ?? { street: null, city: null, postalCode: null, country: null };
      out.body.Street = a.street ?? '';
      out.body.City = a.city ?? '';
      out.body.StreetPostalCode = a.postalCode ?? '';
      out.body.CountryCode = a.country !== null && /^[A-Z]{2}$/.test(a.country) ? a.country : '';
    },
  },
];

export const ACCOUNT_TABLE: MappingTable<'account'> = {
  kind: 'account',
  c4cEntitySet: 'CorporateAccountCollection',
  mailboxFolder: 'accounts',
  fields,
};
