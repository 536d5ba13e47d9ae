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
  /** Many keys at once (a session's batch): the E-Mails carrying them, by key; few requests (OR filters in chunks). */
  findEmails(groupwareItemIds: string[]): Promise<Map<string, C4cIds>>;
  /** Creates the E-Mail activity; after an unknown outcome it looks the key up before trying again (never twice). */
  createEmail(body: Record<string, unknown>, groupwareItemId: string): Promise<C4cIds>;
  findAppointment(groupwareItemId: string): Promise<C4cIds | undefined>;
  createAppointment(body: Record<string, unknown>, groupwareItemId: string): Promise<C4cIds>;
  createContact(input: CreateContactRequest): Promise<C4cRecord>;
  createLead(input: CreateLeadRequest): Promise<C4cRecord>;
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
