/**
 * The "initial search" (c4c-odata.md §12–§14, product S2 / E7): who are the senders and recipients of an e-mail
 * (or the organizer and attendees of a meeting) in C4C? All entity types are asked in ONE `$batch` round trip:
 * one GET part per type, each filtering with an `or` over the addresses on a single property (the only `or` C4C
 * allows). A second request is made only when a contact was found solely by a per-account work e-mail
 * (ContactIsContactPersonFor), to read that contact's record.
 *
 * Matching is case-insensitive on our side: whether C4C's `eq` is case-sensitive is not documented, so the filter
 * carries the address as given and in lower case, and rows are assigned to addresses after lower-casing both.
 *
 * The suggestion follows SAP's own add-in (§13): the first parsed Contact becomes the main contact, and the main
 * account is that contact's account; without a contact, the first Lead, then the first Account / Individual
 * Customer found. Employees are matched (so callers can tell colleagues apart) but never suggested.
 */
import { BatchBuilder } from './batch';
import type { C4cClient } from './client';
import type { Contact, ContactIsContactPersonFor, CorporateAccount, EmployeeBasicData, IndividualCustomer, Lead } from './entities';
import type { C4cError } from './errors';
import type { CollectionPage } from './odata-json';
import { anyOf, buildQueryString, type ODataQuery, stringLiteral, withQuery } from './query';

export type PartyKind = 'Contact' | 'ContactWorkEmail' | 'Lead' | 'IndividualCustomer' | 'CorporateAccount' | 'Employee';

export interface ContactMatch {
  contact: Contact;
  /** `Email` = the contact's own address; `WorkEmail` = the address of a contact-person relationship. */
  matchedBy: 'Email' | 'WorkEmail';
  /** For `WorkEmail`: the account of the relationship that carries the address. */
  accountId?: string;
  accountName?: string;
}

export interface AddressMatches {
  /** The address as first given. */
  address: string;
  /** Trimmed, lower case: the key matching is done on. */
  normalized: string;
  contacts: ContactMatch[];
  leads: Lead[];
  individualCustomers: IndividualCustomer[];
  corporateAccounts: CorporateAccount[];
  employees: EmployeeBasicData[];
  /** True when the address belongs to an employee (colleague); such addresses are not shown as customers. */
  isEmployee: boolean;
  /** True when any customer-side record (contact, lead, individual customer, account) matched. */
  found: boolean;
}

export type SuggestedAccount =
  | { kind: 'CorporateAccount'; partyId: string; objectId?: string; uuid?: string | null; name?: string; reason: string }
  | { kind: 'IndividualCustomer'; partyId: string; objectId: string; uuid?: string | null; name?: string; reason: string };

export type SuggestedContact =
  | { kind: 'Contact'; partyId: string; objectId: string; uuid?: string | null; name?: string; address: string; reason: string }
  | { kind: 'Lead'; id: string; objectId: string; name?: string; address: string; reason: string };

export interface InitialSearchResult {
  /** One entry per distinct valid address, in the order given. */
  addresses: AddressMatches[];
  /** Inputs that are not e-mail addresses (skipped). */
  ignored: string[];
  suggestion: { mainAccount?: SuggestedAccount; mainContact?: SuggestedContact };
  /** Entity types whose answer was cut by the row limit (more matches exist than were read). */
  truncated: PartyKind[];
  /** Entity types whose GET part failed; the others are still reported. */
  failures: Array<{ kind: PartyKind; error: C4cError }>;
  /**
   * HTTP requests this search made: 1, plus one when contacts found only by a work e-mail had to be read, plus
   * one per extra page when the server paged an answer below the row limit.
   */
  requests: number;
  /** The activity carrying `options.groupwareItem`'s key, when one was asked for and exists. */
  groupwareItem?: { objectId: string; id: string };
}

export interface InitialSearchOptions {
  /** Rows read per address and entity type before the answer counts as truncated. Default 20. */
  perAddressLimit?: number;
  /** Search employees (EmployeeBasicDataCollection). Default true. */
  includeEmployees?: boolean;
  /** Search per-account work e-mails (ContactIsContactPersonForCollection). Default true. */
  includeWorkEmails?: boolean;
  /**
   * Also look up the activity carrying this GroupwareItemID, as one more part of the same $batch: a save's
   * exactly-once check then costs no round trip of its own. A failure of that part fails the search (the caller
   * cannot go on without knowing).
   */
  groupwareItem?: { entitySet: 'EMailCollection' | 'AppointmentCollection'; key: string };
}

/** Addresses per GET part: keeps each part's URL well under gateway limits (10 addresses ≈ 1 KB of filter). */
const ADDRESSES_PER_PART = 40;

const ADDRESS = /^[^\s@]+@[^\s@]+$/;

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

export interface PartSpec {
  kind: PartyKind;
  entitySet: string;
  property: string;
  select: string[];
  orderby: string;
}

export const INITIAL_SEARCH_PARTS: readonly PartSpec[] = [
  {
    kind: 'Contact',
    entitySet: 'ContactCollection',
    property: 'Email',
    select: ['ObjectID', 'ContactID', 'ContactUUID', 'Name', 'FirstName', 'LastName', 'Email', 'AccountID', 'AccountUUID', 'AccountFormattedName', 'StatusCode', 'JobTitle', 'Phone', 'Mobile'],
    orderby: 'ContactID',
  },
  {
    kind: 'ContactWorkEmail',
    entitySet: 'ContactIsContactPersonForCollection',
    property: 'Email',
    select: ['ObjectID', 'ParentObjectID', 'ContactID', 'AccountID', 'AccountFormattedName', 'Email', 'ReverseMainIndicator', 'JobTitle'],
    orderby: 'ContactID',
  },
  {
    kind: 'Lead',
    entitySet: 'LeadCollection',
    property: 'ContactEMail',
    select: ['ObjectID', 'ID', 'Name', 'ContactEMail', 'ContactFirstName', 'ContactLastName', 'Company', 'AccountPartyID', 'AccountPartyUUID', 'AccountPartyName', 'ContactID', 'LifeCycleStatusCode', 'QualificationLevelCode'],
    orderby: 'ID',
  },
  {
    kind: 'IndividualCustomer',
    entitySet: 'IndividualCustomerCollection',
    property: 'Email',
    select: ['ObjectID', 'CustomerID', 'UUID', 'FirstName', 'LastName', 'FormattedName', 'Email', 'LifeCycleStatusCode', 'Phone', 'Mobile'],
    orderby: 'CustomerID',
  },
  {
    kind: 'CorporateAccount',
    entitySet: 'CorporateAccountCollection',
    property: 'Email',
    select: ['ObjectID', 'AccountID', 'UUID', 'Name', 'BusinessPartnerFormattedName', 'Email', 'LifeCycleStatusCode', 'City', 'CountryCode', 'Phone', 'WebSite'],
    orderby: 'AccountID',
  },
  {
    kind: 'Employee',
    entitySet: 'EmployeeBasicDataCollection',
    property: 'Email',
    select: ['ObjectID', 'EmployeeID', 'EmployeeUUID', 'UserID', 'BusinessPartnerID', 'FormattedName', 'FirstName', 'LastName', 'Email', 'CurrentInternalEmployeeIndicator'],
    orderby: 'EmployeeID',
  },
];

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Filter values for a set of addresses: as given and lower-cased (C4C's case rules are undocumented). */
function filterValues(addresses: readonly AddressMatches[]): string[] {
  return [...new Set(addresses.flatMap((entry) => [entry.address.trim(), entry.normalized]))];
}

export async function initialSearch(
  client: C4cClient,
  emails: readonly string[],
  options: InitialSearchOptions = {},
): Promise<InitialSearchResult> {
  const perAddressLimit = options.perAddressLimit ?? 20;
  const entries = new Map<string, AddressMatches>();
  const ignored: string[] = [];
  for (const raw of emails) {
    const address = raw.trim();
    if (!ADDRESS.test(address)) {
      ignored.push(raw);
      continue;
    }
    const normalized = normalizeEmail(address);
    if (entries.has(normalized)) continue;
    entries.set(normalized, {
      address,
      normalized,
      contacts: [],
      leads: [],
      individualCustomers: [],
      corporateAccounts: [],
      employees: [],
      isEmployee: false,
      found: false,
    });
  }
  const result: InitialSearchResult = {
    addresses: [...entries.values()],
    ignored,
    suggestion: {},
    truncated: [],
    failures: [],
    requests: 0,
  };
  if (entries.size === 0 && !options.groupwareItem) return result;

  const specs = INITIAL_SEARCH_PARTS.filter(
    (spec) => (spec.kind !== 'Employee' || options.includeEmployees !== false) && (spec.kind !== 'ContactWorkEmail' || options.includeWorkEmails !== false),
  );
  const batch = new BatchBuilder();
  const parts: Array<{ spec: PartSpec; index: number; top: number }> = [];
  for (const spec of specs) {
    for (const group of chunk(result.addresses, ADDRESSES_PER_PART)) {
      const top = Math.min(1000, perAddressLimit * group.length);
      const query: ODataQuery = {
        filter: anyOf(spec.property, filterValues(group)),
        select: spec.select,
        orderby: [spec.orderby],
        top,
        inlineCount: true,
      };
      parts.push({ spec, index: batch.get(withQuery(spec.entitySet, buildQueryString(query))), top });
    }
  }

  const item = options.groupwareItem;
  const itemPart = item
    ? batch.get(withQuery(item.entitySet, buildQueryString({ filter: `GroupwareItemID eq ${stringLiteral(item.key)}`, select: ['ObjectID', 'ID'], top: 1 })))
    : undefined;

  const answer = await client.batch(batch);
  result.requests = 1;
  if (itemPart !== undefined) {
    const error = answer.error(itemPart);
    if (error) throw error;
    const row = answer.collection<{ ObjectID: string; ID: string }>(itemPart).results[0];
    if (row) result.groupwareItem = { objectId: row.ObjectID, id: row.ID };
  }

  const rowsByKind = new Map<PartyKind, unknown[]>();
  for (const part of parts) {
    const error = answer.error(part.index);
    if (error) {
      if (!result.failures.some((failure) => failure.kind === part.spec.kind)) result.failures.push({ kind: part.spec.kind, error });
      continue;
    }
    const first: CollectionPage<unknown> = answer.collection<unknown>(part.index);
    const rows = [...first.results];
    // Server-side paging cut the answer below our own $top: read the rest (never happens with C4C's 1000-row
    // pages and our $top ≤ 1000, but a tenant or proxy may page smaller).
    let next = first.next;
    try {
      while (next && rows.length < part.top) {
        result.requests += 1;
        const page: CollectionPage<unknown> = await client.nextPage<unknown>(next);
        rows.push(...page.results);
        next = page.next;
      }
    } catch (error) {
      if (!result.failures.some((failure) => failure.kind === part.spec.kind)) result.failures.push({ kind: part.spec.kind, error: error as C4cError });
    }
    // More matches than our cap: an absurd count for one address (a shared mailbox, a data-quality problem).
    if ((first.count !== undefined && first.count > rows.length) || (next && rows.length >= part.top)) {
      if (!result.truncated.includes(part.spec.kind)) result.truncated.push(part.spec.kind);
    }
    rowsByKind.set(part.spec.kind, [...(rowsByKind.get(part.spec.kind) ?? []), ...rows]);
  }

  const assign = <T>(kind: PartyKind, property: string, add: (entry: AddressMatches, row: T) => void): void => {
    for (const row of (rowsByKind.get(kind) ?? []) as T[]) {
      const value = (row as Record<string, unknown>)[property];
      if (typeof value !== 'string') continue;
      const entry = entries.get(normalizeEmail(value));
      if (entry) add(entry, row);
    }
  };

  const cap = <T>(list: T[], item: T): void => {
    if (list.length < perAddressLimit) list.push(item);
  };
  assign<Contact>('Contact', 'Email', (entry, contact) => cap(entry.contacts, { contact, matchedBy: 'Email' }));
  assign<Lead>('Lead', 'ContactEMail', (entry, lead) => cap(entry.leads, lead));
  assign<IndividualCustomer>('IndividualCustomer', 'Email', (entry, customer) => cap(entry.individualCustomers, customer));
  assign<CorporateAccount>('CorporateAccount', 'Email', (entry, account) => cap(entry.corporateAccounts, account));
  assign<EmployeeBasicData>('Employee', 'Email', (entry, employee) => cap(entry.employees, employee));

  await addWorkEmailContacts(client, entries, (rowsByKind.get('ContactWorkEmail') ?? []) as ContactIsContactPersonFor[], result, perAddressLimit);

  for (const entry of result.addresses) {
    entry.isEmployee = entry.employees.length > 0;
    entry.found = entry.contacts.length + entry.leads.length + entry.individualCustomers.length + entry.corporateAccounts.length > 0;
  }
  result.suggestion = suggest(result.addresses);
  return result;
}

/**
 * Contacts found by a relationship's work e-mail: reuse the contact record when the same search already read it,
 * otherwise read the missing contacts in one more request.
 */
async function addWorkEmailContacts(
  client: C4cClient,
  entries: Map<string, AddressMatches>,
  relationships: ContactIsContactPersonFor[],
  result: InitialSearchResult,
  perAddressLimit: number,
): Promise<void> {
  const relevant = relationships.filter((row) => typeof row.Email === 'string' && entries.has(normalizeEmail(row.Email)) && row.ContactID);
  if (relevant.length === 0) return;
  const known = new Map<string, Contact>();
  for (const entry of entries.values()) for (const match of entry.contacts) known.set(match.contact.ContactID, match.contact);
  const missing = [...new Set(relevant.map((row) => row.ContactID as string).filter((id) => !known.has(id)))];
  if (missing.length > 0) {
    try {
      for (const ids of chunk(missing, ADDRESSES_PER_PART)) {
        result.requests += 1;
        const page = await client.query('ContactCollection', {
          filter: anyOf('ContactID', ids),
          select: INITIAL_SEARCH_PARTS[0].select,
          top: ids.length,
        });
        for (const contact of page.results) known.set(contact.ContactID, contact);
      }
    } catch (error) {
      result.failures.push({ kind: 'ContactWorkEmail', error: error as C4cError });
    }
  }
  for (const row of relevant) {
    const entry = entries.get(normalizeEmail(row.Email as string));
    const contact = known.get(row.ContactID as string);
    if (!entry || !contact) continue;
    if (entry.contacts.some((match) => match.contact.ContactID === contact.ContactID)) continue;
    if (entry.contacts.length >= perAddressLimit) continue;
    entry.contacts.push({ contact, matchedBy: 'WorkEmail', accountId: row.AccountID || undefined, accountName: row.AccountFormattedName || undefined });
  }
}

/** SAP add-in rules (§13): first parsed contact, its account; else first lead; else first account found. */
export function suggest(addresses: readonly AddressMatches[]): InitialSearchResult['suggestion'] {
  const customers = addresses.filter((entry) => !entry.isEmployee);
  const suggestion: InitialSearchResult['suggestion'] = {};

  const contactEntry = customers.find((entry) => entry.contacts.length > 0);
  if (contactEntry) {
    // Prefer a contact whose own address matched over one matched through a relationship.
    const match = contactEntry.contacts.find((m) => m.matchedBy === 'Email') ?? contactEntry.contacts[0];
    const contact = match.contact;
    suggestion.mainContact = {
      kind: 'Contact',
      partyId: contact.ContactID,
      objectId: contact.ObjectID,
      uuid: contact.ContactUUID ?? null,
      name: contact.Name || [contact.FirstName, contact.LastName].filter(Boolean).join(' ') || undefined,
      address: contactEntry.address,
      reason: `first address with a contact (${contactEntry.address})`,
    };
    const accountId = match.matchedBy === 'WorkEmail' ? match.accountId : contact.AccountID;
    const accountName = match.matchedBy === 'WorkEmail' ? match.accountName : contact.AccountFormattedName;
    if (accountId) {
      const known = findAccount(addresses, accountId);
      suggestion.mainAccount = {
        kind: 'CorporateAccount',
        partyId: accountId,
        objectId: known?.ObjectID,
        uuid: known?.UUID ?? (match.matchedBy === 'Email' ? contact.AccountUUID : undefined) ?? null,
        name: known?.Name ?? (accountName || undefined),
        reason: `account of the main contact ${contact.ContactID}`,
      };
    }
  } else {
    const leadEntry = customers.find((entry) => entry.leads.length > 0);
    if (leadEntry) {
      const lead = leadEntry.leads[0];
      suggestion.mainContact = {
        kind: 'Lead',
        id: lead.ID,
        objectId: lead.ObjectID,
        name: lead.Name || undefined,
        address: leadEntry.address,
        reason: `no contact found; first address with a lead (${leadEntry.address})`,
      };
      if (lead.AccountPartyID) {
        const known = findAccount(addresses, lead.AccountPartyID);
        suggestion.mainAccount = {
          kind: 'CorporateAccount',
          partyId: lead.AccountPartyID,
          objectId: known?.ObjectID,
          uuid: known?.UUID ?? lead.AccountPartyUUID ?? null,
          name: known?.Name ?? (lead.AccountPartyName || undefined),
          reason: `account of the main lead ${lead.ID}`,
        };
      }
    }
  }

  if (!suggestion.mainAccount) {
    const accountEntry = customers.find((entry) => entry.corporateAccounts.length > 0);
    const customerEntry = customers.find((entry) => entry.individualCustomers.length > 0);
    // Input order decides between an account and an individual customer, as it does for contacts.
    const firstAccountIndex = accountEntry ? customers.indexOf(accountEntry) : Number.POSITIVE_INFINITY;
    const firstCustomerIndex = customerEntry ? customers.indexOf(customerEntry) : Number.POSITIVE_INFINITY;
    if (accountEntry && firstAccountIndex <= firstCustomerIndex) {
      const account = accountEntry.corporateAccounts[0];
      suggestion.mainAccount = {
        kind: 'CorporateAccount',
        partyId: account.AccountID,
        objectId: account.ObjectID,
        uuid: account.UUID ?? null,
        name: account.Name || account.BusinessPartnerFormattedName || undefined,
        reason: `first address with an account (${accountEntry.address})`,
      };
    } else if (customerEntry) {
      const customer = customerEntry.individualCustomers[0];
      suggestion.mainAccount = {
        kind: 'IndividualCustomer',
        partyId: customer.CustomerID,
        objectId: customer.ObjectID,
        uuid: customer.UUID ?? null,
        name: customer.FormattedName || [customer.FirstName, customer.LastName].filter(Boolean).join(' ') || undefined,
        reason: `first address with an individual customer (${customerEntry.address})`,
      };
    }
  }
  return suggestion;
}

function findAccount(addresses: readonly AddressMatches[], accountId: string): CorporateAccount | undefined {
  for (const entry of addresses) {
    const account = entry.corporateAccounts.find((candidate) => candidate.AccountID === accountId);
    if (account) return account;
  }
  return undefined;
}
