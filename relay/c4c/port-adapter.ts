/** The use cases' C4C port (port.ts) implemented on the OData client. */
import type { C4cRecord, CreateContactRequest, CreateLeadRequest, RelatedItem } from '../../shared/api/sidebar';
import { C4cClient, initialSearch, searchOpportunities, searchTickets, stringLiteral, type Contact, type CorporateAccount, type IndividualCustomer, type InitialSearchResult, type Lead } from './index';
import { AUTO_CREATED_LEAD_SUFFIX, DuplicateRecordError, type AddressMatches, type C4cIds, type C4cPort, type CreateOptions } from './port';

/** Contact StatusCode / account LifeCycleStatusCode 1 = In Preparation: how C4C shows a record still to be completed. */
const IN_PREPARATION = '1';
/** CorporateAccount RoleCode of a customer (c4c-odata.md §4). */
const CUSTOMER_ROLE = 'CRM000';

/** Keys per GroupwareItemID look-up query (Message-IDs are up to ~100 characters; the URL stays under 8 KB). */
const FIND_CHUNK = 25;

/** C4C ObjectIDs are the node UUID without dashes, upper case (c4c-odata.md §2). */
export function objectIdFromUuid(uuid: string | null | undefined): string | undefined {
  return uuid ? uuid.replace(/-/g, '').toUpperCase() : undefined;
}

/**
 * Thing types of C4C's generic deep link (`OnExtInspect`) [U: the link format is what SAP documents for mashups;
 * the thing-type names of some objects vary by release].
 */
const THING_TYPES: Record<string, string> = {
  account: 'COD_ACCOUNT_TT',
  contact: 'COD_CONTACT_TT',
  individualCustomer: 'COD_INDIVIDUAL_CUSTOMER_TT',
  lead: 'COD_LEAD_TT',
  employee: 'COD_EMPLOYEE_TT',
  email: 'COD_EMAIL_TT',
  appointment: 'COD_APPOINTMENT_TT',
};

export function c4cRecordUrl(uiBaseUrl: string, kind: string, objectId: string, id: string): string {
  const params = new URLSearchParams({
    bo_ns: 'http://sap.com/thingTypes',
    bo: 'COD_GENERIC',
    node: 'Root',
    operation: 'OnExtInspect',
    'param.InternalID': id,
    'param.Type': THING_TYPES[kind] ?? 'COD_GENERIC',
    'param.ObjectID': objectId,
    'sapbyd-agent': 'TAB',
  });
  return `${uiBaseUrl}/sap/public/byd/runtime?${params.toString()}`;
}

const fullName = (first: string | undefined, last: string | undefined) => [first, last].filter(Boolean).join(' ');

export function createC4cPort(client: C4cClient): C4cPort {
  const uiBaseUrl = new URL(client.serviceRoot).origin;
  const url = (kind: string, objectId: string, id: string) => c4cRecordUrl(uiBaseUrl, kind, objectId, id);

  const contactRecord = (contact: Contact, email: string): C4cRecord => ({
    kind: 'contact',
    objectId: contact.ObjectID,
    id: contact.ContactID,
    name: contact.Name || fullName(contact.FirstName, contact.LastName),
    email: contact.Email || email,
    accountName: contact.AccountFormattedName || undefined,
    accountObjectId: objectIdFromUuid(contact.AccountUUID),
    accountId: contact.AccountID || undefined,
    c4cUrl: url('contact', contact.ObjectID, contact.ContactID),
  });
  const leadRecord = (lead: Lead, email: string): C4cRecord => ({
    kind: 'lead',
    objectId: lead.ObjectID,
    id: lead.ID,
    name: fullName(lead.ContactFirstName, lead.ContactLastName) || lead.ContactName || lead.Name,
    email: lead.ContactEMail || email,
    accountName: lead.Company || lead.AccountPartyName || undefined,
    accountObjectId: objectIdFromUuid(lead.AccountPartyUUID),
    accountId: lead.AccountPartyID || undefined,
    c4cUrl: url('lead', lead.ObjectID, lead.ID),
  });
  const customerRecord = (customer: IndividualCustomer, email: string): C4cRecord => ({
    kind: 'individualCustomer',
    objectId: customer.ObjectID,
    id: customer.CustomerID,
    name: customer.FormattedName || fullName(customer.FirstName, customer.LastName),
    email: customer.Email || email,
    c4cUrl: url('individualCustomer', customer.ObjectID, customer.CustomerID),
  });
  const accountRecord = (account: CorporateAccount, email: string): C4cRecord => ({
    kind: 'account',
    objectId: account.ObjectID,
    id: account.AccountID,
    name: account.Name || account.BusinessPartnerFormattedName || account.AccountID,
    email: account.Email || email,
    c4cUrl: url('account', account.ObjectID, account.AccountID),
  });

  async function findBy(entitySet: 'EMailCollection' | 'AppointmentCollection', key: string): Promise<C4cIds | undefined> {
    const page = await client.query(entitySet, { filter: `GroupwareItemID eq ${stringLiteral(key)}`, select: ['ObjectID', 'ID'], top: 1 });
    const row = page.results[0] as { ObjectID: string; ID: string } | undefined;
    return row ? { objectId: row.ObjectID, id: row.ID } : undefined;
  }

  /** A create that, after an unknown outcome, looks its GroupwareItemID up before trying again (never twice). */
  async function createOnce(entitySet: 'EMailCollection' | 'AppointmentCollection', body: Record<string, unknown>, key: string): Promise<C4cIds> {
    const { entity } = await client.createIdempotent(entitySet, body as never, {
      findExisting: async () => {
        const found = await findBy(entitySet, key);
        return found ? ({ ObjectID: found.objectId, ID: found.id } as never) : undefined;
      },
    });
    const created = entity as unknown as { ObjectID: string; ID: string };
    return { objectId: created.ObjectID, id: created.ID };
  }

  async function rejectDuplicate(entitySet: 'ContactCollection' | 'LeadCollection', property: string, email: string): Promise<void> {
    const existing = await client.query(entitySet, { filter: `${property} eq ${stringLiteral(email)}`, select: ['ObjectID'], top: 1 });
    if (existing.results.length > 0) {
      throw new DuplicateRecordError('email');
    }
  }

  /** The search's answer as the port reports it; all five entity types failing is C4C failing. */
  function matchesOf(result: InitialSearchResult): AddressMatches[] {
    if (result.failures.length > 0 && result.failures.length === 5) throw result.failures[0].error;
    return result.addresses.map((match) => {
      const records: C4cRecord[] = [
        ...match.contacts.map((m) => ({ ...contactRecord(m.contact, match.address), ...(m.accountName ? { accountName: m.accountName } : {}) })),
        ...match.individualCustomers.map((c) => customerRecord(c, match.address)),
        ...match.leads.map((l) => leadRecord(l, match.address)),
        ...match.corporateAccounts.map((a) => accountRecord(a, match.address)),
        ...match.employees.map((e) => ({
          kind: 'employee' as const,
          objectId: e.ObjectID,
          id: e.EmployeeID,
          name: e.FormattedName || e.EmployeeID,
          email: match.address,
          c4cUrl: url('employee', e.ObjectID, e.EmployeeID),
        })),
      ];
      return { address: match.normalized, records };
    });
  }

  return {
    uiBaseUrl,
    recordUrl: url,

    search: async (addresses) => matchesOf(await initialSearch(client, addresses)),

    async searchAndFindEmail(addresses, groupwareItemId) {
      const result = await initialSearch(client, addresses, { groupwareItem: { entitySet: 'EMailCollection', key: groupwareItemId } });
      return { matches: matchesOf(result), existing: result.groupwareItem };
    },


    async partyIdOf(kind, objectId) {
      try {
        if (kind === 'account') return (await client.read('CorporateAccountCollection', objectId, { select: ['AccountID'] })).AccountID;
        if (kind === 'contact') return (await client.read('ContactCollection', objectId, { select: ['ContactID'] })).ContactID;
        if (kind === 'individualCustomer') return (await client.read('IndividualCustomerCollection', objectId, { select: ['CustomerID'] })).CustomerID;
        return (await client.read('LeadCollection', objectId, { select: ['ID'] })).ID;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }
    },

    findEmail: (key) => findBy('EMailCollection', key),
    async findEmails(keys) {
      const found = new Map<string, C4cIds>();
      const unique = [...new Set(keys)];
      // An OR over one property is what C4C accepts in a $filter; chunks keep each URL well under 8 KB.
      for (let i = 0; i < unique.length; i += FIND_CHUNK) {
        const chunk = unique.slice(i, i + FIND_CHUNK);
        const filter = chunk.map((key) => `GroupwareItemID eq ${stringLiteral(key)}`).join(' or ');
        const page = await client.query('EMailCollection', { filter, select: ['ObjectID', 'ID', 'GroupwareItemID'], top: chunk.length * 2 });
        for (const row of page.results as Array<{ ObjectID: string; ID: string; GroupwareItemID?: string }>) {
          if (row.GroupwareItemID && !found.has(row.GroupwareItemID)) found.set(row.GroupwareItemID, { objectId: row.ObjectID, id: row.ID });
        }
      }
      return found;
    },
    createEmail: (body, key) => createOnce('EMailCollection', body, key),
    findAppointment: (key) => findBy('AppointmentCollection', key),
    createAppointment: (body, key) => createOnce('AppointmentCollection', body, key),

    async createContact(input: CreateContactRequest, options: CreateOptions = {}): Promise<C4cRecord> {
      await rejectDuplicate('ContactCollection', 'Email', input.email);
      const body: Record<string, unknown> = { FirstName: input.firstName, LastName: input.lastName, Email: input.email };
      if (options.autoCreated) body.StatusCode = IN_PREPARATION;
      if (input.accountObjectId) {
        const account = await client.read('CorporateAccountCollection', input.accountObjectId, { select: ['AccountID'] });
        body.AccountID = account.AccountID;
      }
      const contact = await client.create('ContactCollection', body as never);
      return contactRecord(contact as Contact, input.email);
    },

    async createLead(input: CreateLeadRequest, options: CreateOptions = {}): Promise<C4cRecord> {
      await rejectDuplicate('LeadCollection', 'ContactEMail', input.email);
      const name = input.company ? `${input.company}: ${input.firstName} ${input.lastName}` : `${input.firstName} ${input.lastName}`;
      const suffix = options.autoCreated ? AUTO_CREATED_LEAD_SUFFIX : '';
      const body: Record<string, unknown> = {
        Name: name.slice(0, 255 - suffix.length) + suffix,
        ContactFirstName: input.firstName,
        ContactLastName: input.lastName,
        ContactEMail: input.email,
      };
      if (input.company) body.Company = input.company;
      const lead = await client.create('LeadCollection', body as never);
      return leadRecord(lead as Lead, input.email);
    },

    async findAccountsByDomain(domain: string): Promise<C4cRecord[]> {
      const d = domain.toLowerCase();
      // C4C's $filter cannot `or` conditions on different properties (c4c-odata.md §6): one query per property.
      const filters = [
        `endswith(Email,${stringLiteral(`@${d}`)})`,
        [`WebSite eq ${stringLiteral(d)}`, `WebSite eq ${stringLiteral(`www.${d}`)}`, `endswith(WebSite,${stringLiteral(`//${d}`)})`, `endswith(WebSite,${stringLiteral(`.${d}`)})`].join(' or '),
      ];
      const pages = await Promise.all(filters.map((filter) => client.query('CorporateAccountCollection', { filter, select: ['ObjectID', 'AccountID', 'Name', 'BusinessPartnerFormattedName', 'Email'], top: 5 })));
      const accounts = new Map<string, CorporateAccount>();
      for (const page of pages) for (const account of page.results as CorporateAccount[]) accounts.set(account.ObjectID, account);
      return [...accounts.values()].map((account) => accountRecord(account, account.Email ?? ''));
    },

    async createAccount(input, options: CreateOptions = {}): Promise<C4cRecord> {
      const body: Record<string, unknown> = { Name: input.name.slice(0, 40), WebSite: input.domain.toLowerCase(), RoleCode: CUSTOMER_ROLE };
      if (options.autoCreated) body.LifeCycleStatusCode = IN_PREPARATION;
      const account = await client.create('CorporateAccountCollection', body as never);
      return accountRecord(account as CorporateAccount, '');
    },

    async searchRelated(type, query): Promise<RelatedItem[]> {
      if (type === 'opportunity') {
        return (await searchOpportunities(client, query)).map((o) => ({ type, objectId: o.ObjectID, id: o.ID, name: o.Name, accountName: o.ProspectPartyName || undefined, status: o.LifeCycleStatusCode || undefined }));
      }
      return (await searchTickets(client, query)).map((t) => ({ type, objectId: t.ObjectID, id: t.ID, name: t.Name ?? t.ID, accountName: t.BuyerPartyName || undefined, status: t.ServiceRequestLifeCycleStatusCode || undefined }));
    },
  };
}
