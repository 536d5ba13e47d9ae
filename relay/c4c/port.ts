/**
 * What the use cases (the sidebar service, the saving room, the sync engine) need from C4C, as one narrow interface.
 * The production adapter (`port-adapter.ts`) runs it on the OData client; keeping the use cases on this port keeps
 * their rules (exactly-once, linking) readable and testable.
 */
import type { C4cRecord, ContactKind, CreateContactRequest, CreateLeadRequest, RelatedItem, RelatedItemType } from '../../shared/api/sidebar';

export interface C4cIds {
  objectId: string;
  id: string;
}

/**
 * autoCreated: the engine created the record for an unknown person or company (E8); it is marked so users can find
 * and complete it (contacts and accounts "In Preparation", status code 1; leads named "… (auto-created)").
 */
export interface CreateOptions {
  autoCreated?: boolean;
}

/** The suffix that marks a lead the engine created (E8): users search for it in C4C to complete those leads. */
export const AUTO_CREATED_LEAD_SUFFIX = ' (auto-created)';

export interface AddressMatches {
  address: string;
  records: C4cRecord[];
}

export interface C4cPort {
  /** One round trip: every Contact, Lead, Individual Customer, Account and Employee matching the addresses. */
  search(addresses: string[]): Promise<AddressMatches[]>;
  /** The human party ID (AccountID, ContactID, CustomerID) of a record picked by ObjectID, if it exists. */
  partyIdOf(kind: 'account' | ContactKind, objectId: string): Promise<string | undefined>;
  findEmail(groupwareItemId: string): Promise<C4cIds | undefined>;
  /** `search` and `findEmail` in the same round trip (a save's look-up before it creates). */
  searchAndFindEmail(addresses: string[], groupwareItemId: string): Promise<{ matches: AddressMatches[]; existing?: C4cIds }>;
  /** Many keys at once (a session's batch): the E-Mails carrying them, by key; few requests (OR filters in chunks). */
  findEmails(groupwareItemIds: string[]): Promise<Map<string, C4cIds>>;
  /** Creates the E-Mail activity; after an unknown outcome it looks the key up before trying again (never twice). */
  createEmail(body: Record<string, unknown>, groupwareItemId: string): Promise<C4cIds>;
  findAppointment(groupwareItemId: string): Promise<C4cIds | undefined>;
  createAppointment(body: Record<string, unknown>, groupwareItemId: string): Promise<C4cIds>;
  createContact(input: CreateContactRequest, options?: CreateOptions): Promise<C4cRecord>;
  createLead(input: CreateLeadRequest, options?: CreateOptions): Promise<C4cRecord>;
  /** E8: the corporate accounts of a mail domain (e-mail address or web site in it), at most a few. */
  findAccountsByDomain(domain: string): Promise<C4cRecord[]>;
  /** E8: a corporate account named for a mail domain, marked as created automatically. */
  createAccount(input: { name: string; domain: string }, options?: CreateOptions): Promise<C4cRecord>;
  searchRelated(type: RelatedItemType, query: string): Promise<RelatedItem[]>;
  /** Link that opens a record in the C4C UI. */
  recordUrl(kind: C4cRecord['kind'] | 'email' | 'appointment', objectId: string, id: string): string;
  /** Base URL of the tenant's UI. */
  readonly uiBaseUrl: string;
}

/** A record the caller wants to create exists already (quick-create by e-mail address). `field` names the request field. */
export class DuplicateRecordError extends Error {
  constructor(readonly field: string) {
    super('A record with this e-mail address already exists in C4C.');
    this.name = 'DuplicateRecordError';
  }
}

/** The organization has no C4C connection. */
export class C4cNotConfiguredError extends Error {
  constructor() {
    super('Your organization has no SAP Cloud for Customer connection yet. Ask your administrator to set it up.');
    this.name = 'C4cNotConfiguredError';
  }
}
