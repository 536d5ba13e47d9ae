/**
 * Demo tenant for the sandbox: the Contoso Sandbox sales team (DEMO_USERS) as employees, and their customers —
 * corporate accounts in DE/US/UK/FR with contacts on the company domains, leads, individual customers,
 * opportunities and service requests. DEMO_C4C_PEOPLE lists every person / mailbox that exists in C4C so the
 * Exchange emulator's demo mail can use senders that the sidebar will find.
 */
import { DEMO_USERS } from '../demo-identities';
import type { C4cControl } from './control';

export type DemoPersonKind = 'employee' | 'contact' | 'lead' | 'individualCustomer' | 'account';

export interface DemoPerson {
  name: string;
  email: string;
  kind: DemoPersonKind;
  /** Company name for contacts, leads and accounts. */
  company?: string;
}

interface DemoAccount {
  key: string;
  Name: string;
  CountryCode: string;
  City: string;
  Street: string;
  HouseNumber: string;
  StreetPostalCode: string;
  Phone: string;
  domain: string;
  ownerEmployeeId: string;
}

const [ANNA, MARCO, PRIYA] = DEMO_USERS;

const ACCOUNTS: DemoAccount[] = [
  { key: 'nordwind', Name: 'Nordwind Maschinenbau GmbH', CountryCode: 'DE', City: 'München', Street: 'Leopoldstraße', HouseNumber: '112', StreetPostalCode: '80802', Phone: '+49 89 4521 300', domain: 'nordwind-maschinenbau.example', ownerEmployeeId: ANNA.c4cEmployeeId },
  { key: 'rheinfeld', Name: 'Rheinfeld Chemie AG', CountryCode: 'DE', City: 'Köln', Street: 'Rheinuferstraße', HouseNumber: '7', StreetPostalCode: '50668', Phone: '+49 221 880 1200', domain: 'rheinfeld-chemie.example', ownerEmployeeId: ANNA.c4cEmployeeId },
  { key: 'blueharbor', Name: 'Blue Harbor Logistics Inc.', CountryCode: 'US', City: 'Boston', Street: 'Atlantic Avenue', HouseNumber: '350', StreetPostalCode: '02110', Phone: '+1 617 555 0142', domain: 'blueharbor-logistics.example', ownerEmployeeId: MARCO.c4cEmployeeId },
  { key: 'thames', Name: 'Thames Precision Ltd', CountryCode: 'GB', City: 'London', Street: 'Southwark Street', HouseNumber: '41', StreetPostalCode: 'SE1 9HL', Phone: '+44 20 7946 0321', domain: 'thamesprecision.example', ownerEmployeeId: PRIYA.c4cEmployeeId },
  { key: 'lumiere', Name: 'Lumière Retail SA', CountryCode: 'FR', City: 'Lyon', Street: 'Rue de la République', HouseNumber: '58', StreetPostalCode: '69002', Phone: '+33 4 72 00 45 10', domain: 'lumiere-retail.example', ownerEmployeeId: MARCO.c4cEmployeeId },
];

interface DemoContact { account: string; FirstName: string; LastName: string; JobTitle: string; local: string; Phone: string }

const CONTACTS: DemoContact[] = [
  { account: 'nordwind', FirstName: 'Katrin', LastName: 'Hoffmann', JobTitle: 'Head of Procurement', local: 'katrin.hoffmann', Phone: '+49 89 4521 310' },
  { account: 'nordwind', FirstName: 'Jonas', LastName: 'Vogel', JobTitle: 'Plant Manager', local: 'jonas.vogel', Phone: '+49 89 4521 322' },
  { account: 'rheinfeld', FirstName: 'Sabine', LastName: 'Krüger', JobTitle: 'CFO', local: 's.krueger', Phone: '+49 221 880 1210' },
  { account: 'blueharbor', FirstName: 'Emily', LastName: 'Carter', JobTitle: 'VP Operations', local: 'emily.carter', Phone: '+1 617 555 0150' },
  { account: 'blueharbor', FirstName: 'Daniel', LastName: 'Brooks', JobTitle: 'IT Director', local: 'dbrooks', Phone: '+1 617 555 0163' },
  { account: 'thames', FirstName: 'Oliver', LastName: 'Bennett', JobTitle: 'Managing Director', local: 'oliver.bennett', Phone: '+44 20 7946 0330' },
  { account: 'thames', FirstName: 'Charlotte', LastName: 'Hughes', JobTitle: 'Purchasing Lead', local: 'charlotte.hughes', Phone: '+44 20 7946 0347' },
  { account: 'lumiere', FirstName: 'Camille', LastName: 'Dubois', JobTitle: 'Directrice des Achats', local: 'camille.dubois', Phone: '+33 4 72 00 45 21' },
  { account: 'lumiere', FirstName: 'Julien', LastName: 'Moreau', JobTitle: 'Store Systems Manager', local: 'j.moreau', Phone: '+33 4 72 00 45 33' },
];

const LEADS = [
  { Name: 'Predictive maintenance pilot', Company: 'Kessler Automation GmbH', ContactFirstName: 'Lukas', ContactLastName: 'Kessler', ContactEMail: 'lukas.kessler@kessler-automation.example', owner: ANNA.c4cEmployeeId },
  { Name: 'Fleet telematics RFP', Company: 'Northline Freight LLC', ContactFirstName: 'Megan', ContactLastName: 'Price', ContactEMail: 'megan.price@northline-freight.example', owner: MARCO.c4cEmployeeId },
  { Name: 'Spare parts portal', Company: 'Thames Precision Ltd', ContactFirstName: 'Harry', ContactLastName: 'Walsh', ContactEMail: 'harry.walsh@thamesprecision.example', owner: PRIYA.c4cEmployeeId, account: 'thames' },
];

const INDIVIDUAL_CUSTOMERS = [
  { FirstName: 'Sophie', LastName: 'Martin', Email: 'sophie.martin@mailbox.example', CountryCode: 'FR', City: 'Paris' },
  { FirstName: 'Thomas', LastName: 'Wright', Email: 'tom.wright@homemail.example', CountryCode: 'GB', City: 'Manchester' },
];

function splitName(displayName: string): { FirstName: string; LastName: string } {
  const i = displayName.lastIndexOf(' ');
  return { FirstName: displayName.slice(0, i), LastName: displayName.slice(i + 1) };
}

/** Everyone with an e-mail address in the demo tenant. */
export const DEMO_C4C_PEOPLE: readonly DemoPerson[] = [
  ...DEMO_USERS.map((u) => ({ name: u.displayName, email: u.email, kind: 'employee' as const })),
  ...ACCOUNTS.map((a) => ({ name: a.Name, email: `info@${a.domain}`, kind: 'account' as const, company: a.Name })),
  ...CONTACTS.map((c) => {
    const acc = ACCOUNTS.find((a) => a.key === c.account)!;
    return { name: `${c.FirstName} ${c.LastName}`, email: `${c.local}@${acc.domain}`, kind: 'contact' as const, company: acc.Name };
  }),
  ...LEADS.map((l) => ({ name: `${l.ContactFirstName} ${l.ContactLastName}`, email: l.ContactEMail, kind: 'lead' as const, company: l.Company })),
  ...INDIVIDUAL_CUSTOMERS.map((c) => ({ name: `${c.FirstName} ${c.LastName}`, email: c.Email, kind: 'individualCustomer' as const })),
];

/** Seeds the demo tenant through the control API; returns how many header records each set received. */
export function seedDemoData(control: C4cControl): Record<string, number> {
  const employees = control.seed('EmployeeCollection', DEMO_USERS.map((u) => ({
    EmployeeID: u.c4cEmployeeId,
    ...splitName(u.displayName),
    Email: u.email,
    UserID: u.email.split('@')[0].toUpperCase(),
    TimeZoneCode: 'CET',
    CountryCode: 'DE',
    LanguageCode: 'EN',
    OfficePhoneNumber: '+49 30 5550 1000',
  })));

  const accounts = control.seed('CorporateAccountCollection', ACCOUNTS.map((a) => ({
    Name: a.Name, RoleCode: 'CRM000', LifeCycleStatusCode: '2', CountryCode: a.CountryCode, City: a.City,
    Street: a.Street, HouseNumber: a.HouseNumber, StreetPostalCode: a.StreetPostalCode, Phone: a.Phone,
    Email: `info@${a.domain}`, WebSite: `https://www.${a.domain}`, OwnerID: a.ownerEmployeeId,
  })));
  const accountId = new Map(ACCOUNTS.map((a, i) => [a.key, String(accounts[i].AccountID)]));

  const contacts = control.seed('ContactCollection', CONTACTS.map((c) => {
    const acc = ACCOUNTS.find((a) => a.key === c.account)!;
    return {
      FirstName: c.FirstName, LastName: c.LastName, JobTitle: c.JobTitle, StatusCode: '2',
      Email: `${c.local}@${acc.domain}`, Phone: c.Phone, AccountID: accountId.get(c.account),
      BusinessAddressCountryCode: acc.CountryCode, BusinessAddressCity: acc.City, ContactOwnerID: acc.ownerEmployeeId,
    };
  }));
  const contactByAccount = new Map<string, string>();
  contacts.forEach((c, i) => { if (!contactByAccount.has(CONTACTS[i].account)) contactByAccount.set(CONTACTS[i].account, String(c.ContactID)); });

  const leads = control.seed('LeadCollection', LEADS.map((l) => ({
    Name: l.Name, Company: l.Company, ContactFirstName: l.ContactFirstName, ContactLastName: l.ContactLastName,
    ContactEMail: l.ContactEMail, OwnerPartyID: l.owner, QualificationLevelCode: '2', OriginTypeCode: '003',
    ...(l.account ? { AccountPartyID: accountId.get(l.account) } : {}),
  })));

  const individualCustomers = control.seed('IndividualCustomerCollection', INDIVIDUAL_CUSTOMERS.map((c) => ({
    ...c, RoleCode: 'CRM000', LifeCycleStatusCode: '2', OwnerID: MARCO.c4cEmployeeId,
  })));

  const opportunities = control.seed('OpportunityCollection', [
    { Name: 'Nordwind – Line 4 retrofit', ProspectPartyID: accountId.get('nordwind'), PrimaryContactPartyID: contactByAccount.get('nordwind'), MainEmployeeResponsiblePartyID: ANNA.c4cEmployeeId, LifeCycleStatusCode: '2', ProbabilityPercent: '40', ExpectedRevenueAmount: '185000', ExpectedRevenueAmountCurrencyCode: 'EUR', ExpectedProcessingEndDate: '2026-09-30T00:00:00' },
    { Name: 'Blue Harbor – Warehouse scanners', ProspectPartyID: accountId.get('blueharbor'), PrimaryContactPartyID: contactByAccount.get('blueharbor'), MainEmployeeResponsiblePartyID: MARCO.c4cEmployeeId, LifeCycleStatusCode: '1', ProbabilityPercent: '25', ExpectedRevenueAmount: '92000', ExpectedRevenueAmountCurrencyCode: 'USD', ExpectedProcessingEndDate: '2026-07-15T00:00:00' },
    { Name: 'Lumière – Store analytics rollout', ProspectPartyID: accountId.get('lumiere'), PrimaryContactPartyID: contactByAccount.get('lumiere'), MainEmployeeResponsiblePartyID: MARCO.c4cEmployeeId, LifeCycleStatusCode: '2', ProbabilityPercent: '60', ExpectedRevenueAmount: '240000', ExpectedRevenueAmountCurrencyCode: 'EUR', ExpectedProcessingEndDate: '2026-11-30T00:00:00' },
  ]);

  const serviceRequests = control.seed('ServiceRequestCollection', [
    { Name: 'Spindle vibration on machine 7', BuyerPartyID: accountId.get('thames'), BuyerMainContactPartyID: contactByAccount.get('thames'), ProcessorPartyID: PRIYA.c4cEmployeeId, ServicePriorityCode: '2', DataOriginTypeCode: '1' },
    { Name: 'Replacement controller for conveyor B', BuyerPartyID: accountId.get('rheinfeld'), BuyerMainContactPartyID: contactByAccount.get('rheinfeld'), ProcessorPartyID: ANNA.c4cEmployeeId, ServicePriorityCode: '3', DataOriginTypeCode: '1' },
  ]);

  return {
    EmployeeCollection: employees.length,
    CorporateAccountCollection: accounts.length,
    ContactCollection: contacts.length,
    LeadCollection: leads.length,
    IndividualCustomerCollection: individualCustomers.length,
    OpportunityCollection: opportunities.length,
    ServiceRequestCollection: serviceRequests.length,
  };
}
