/**
 * Mailbox contacts in the *SAP Individual Customers* folder ↔ C4C individual customers (B2C person accounts; E6;
 * c4c-odata.md §3.3). Not deletable in C4C; LastName is required.
 */
import { emailAddresses, EMAIL_EXCEPTION, firstEmail } from './contact';
import { TRANSFORMS, email, mailboxText, str, text } from './transforms';
import type { FieldMapping, MappingTable } from './types';

const fields: FieldMapping<'individualCustomer'>[] = [
  {
    field: 'givenName',
    label: 'First name',
    mailboxProperty: 'GivenName / givenName',
    c4cProperty: 'FirstName',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.givenName),
    toMailbox: (v, out) => {
      out.givenName = mailboxText(v);
    },
    fromC4c: (r) => text(r.FirstName),
    toC4c: (v, out) => {
      out.body.FirstName = (str(v) ?? '').slice(0, 40);
    },
  },
  {
    field: 'surname',
    label: 'Last name',
    mailboxProperty: 'Surname / surname',
    c4cProperty: 'LastName',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.surname),
    toMailbox: (v, out) => {
      out.surname = mailboxText(v);
    },
    fromC4c: (r) => text(r.LastName),
    toC4c: (v, out) => {
      const s = str(v);
      if (s !== null) out.body.LastName = s.slice(0, 40);
    },
  },
  {
    field: 'displayName',
    label: 'Display name',
    mailboxProperty: 'DisplayName / displayName',
    c4cProperty: 'FormattedName (read-only)',
    defaultDirection: 'to-mailbox',
    configurable: false,
    transform: TRANSFORMS.text,
    exception: 'C4C formats the name itself (read-only); the mailbox shows C4C\'s formatted name.',
    fromMailbox: (c) => text(c.displayName),
    toMailbox: (v, out) => {
      const s = str(v);
      if (s !== null) out.displayName = s;
    },
    fromC4c: (r) => text(r.FormattedName) ?? text([text(r.FirstName), text(r.LastName)].filter(Boolean).join(' ')),
    toC4c: () => {
      // Read-only in C4C.
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
];

export const INDIVIDUAL_CUSTOMER_TABLE: MappingTable<'individualCustomer'> = {
  kind: 'individualCustomer',
  c4cEntitySet: 'IndividualCustomerCollection',
  mailboxFolder: 'individualCustomers',
  fields,
};
