/**
 * Mailbox contacts in the *SAP Contacts* folder ↔ C4C Contacts (E6; c4c-odata.md §3.2). C4C contacts are not deletable
 * and LastName is required (the adapter supplies the display name when a mailbox contact has no surname).
 */
import type { EmailAddress, MailContact } from '../../../mailbox/types';
import type { FieldValue } from '../types';
import { TRANSFORMS, email, mailboxText, str, text } from './transforms';
import type { FieldMapping, MappingTable } from './types';

/** The first e-mail address of a mailbox contact, normalised. */
export const firstEmail = (c: MailContact): string | null => email(c.emailAddresses[0]?.address);

/** Mailbox write of the one mapped address (see the exception on the e-mail field). */
export const emailAddresses = (v: FieldValue): EmailAddress[] => {
  const e = str(v);
  return e === null ? [] : [{ address: e }];
};

export const EMAIL_EXCEPTION =
  'The first e-mail address only; a write from C4C sets the contact\'s address list to that one address (EWS and Graph write the list as a whole).';

const fields: FieldMapping<'contact'>[] = [
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
    c4cProperty: 'Name (formatted, read-only)',
    defaultDirection: 'to-mailbox',
    configurable: false,
    transform: TRANSFORMS.text,
    exception: 'C4C formats the name itself (read-only); the mailbox shows C4C\'s formatted name.',
    fromMailbox: (c) => text(c.displayName),
    toMailbox: (v, out) => {
      const s = str(v);
      if (s !== null) out.displayName = s;
    },
    fromC4c: (r) => text(r.Name) ?? text([text(r.FirstName), text(r.LastName)].filter(Boolean).join(' ')),
    toC4c: () => {
      // Read-only in C4C (Name is computed from the name parts).
    },
  },
  {
    field: 'jobTitle',
    label: 'Job title',
    mailboxProperty: 'JobTitle / jobTitle',
    c4cProperty: 'JobTitle',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.text,
    fromMailbox: (c) => text(c.jobTitle),
    toMailbox: (v, out) => {
      out.jobTitle = mailboxText(v);
    },
    fromC4c: (r) => text(r.JobTitle),
    toC4c: (v, out) => {
      out.body.JobTitle = str(v) ?? '';
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
    label: 'Business phone',
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
    field: 'company',
    label: 'Company',
    mailboxProperty: 'CompanyName / companyName',
    c4cProperty: 'AccountFormattedName (main account, read-only)',
    defaultDirection: 'to-mailbox',
    configurable: false,
    transform: TRANSFORMS.text,
    exception: 'The name of the contact\'s main account in C4C, read-only there: shown in the mailbox, never written to C4C (the account relationship is changed in C4C).',
    fromMailbox: (c) => text(c.companyName),
    toMailbox: (v, out) => {
      out.companyName = mailboxText(v);
    },
    fromC4c: (r) => text(r.AccountFormattedName) ?? text(r.CorporateAccount?.Name),
    toC4c: () => {
      // Read-only: AccountFormattedName is derived from the main account.
    },
  },
];

export const CONTACT_TABLE: MappingTable<'contact'> = {
  kind: 'contact',
  c4cEntitySet: 'ContactCollection',
  mailboxFolder: 'contacts',
  fields,
};
