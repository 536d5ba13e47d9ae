/**
 * The contacts factory (E6): one AdapterFactory for the three contact kinds — contact ↔ ContactCollection in *SAP
 * Contacts*, account ↔ CorporateAccountCollection in *SAP Accounts*, individualCustomer ↔
 * IndividualCustomerCollection in *SAP Individual Customers*. See contacts-mailbox.ts and contacts-c4c.ts.
 */
import type { AdapterFactory } from './types';
import { createContactsC4cAdapter, type ContactKind } from './contacts-c4c';
import { createContactsMailboxAdapter } from './contacts-mailbox';

export const CONTACT_KINDS: readonly ContactKind[] = ['contact', 'account', 'individualCustomer'];

export const contactsAdapterFactory: AdapterFactory<ContactKind> = async (deps) => ({
  mailbox: createContactsMailboxAdapter(deps),
  c4c: createContactsC4cAdapter(deps),
});

export { C4C_CONTACT_SPECS, MirrorScopeError, NotDeletableError, OBSOLETE_STATUS, type ContactKind } from './contacts-c4c';
export { CONTACT_FOLDER_OF } from './contacts-mailbox';
