/** Demo tenant: employees from DEMO_USERS, customers findable by e-mail the way the sidebar searches. */
import { DEMO_C4C_PEOPLE, startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { DEMO_USERS } from '../emulators/demo-identities';
import { TestClient } from './helpers';

let emu: C4cEmulator;
let c: TestClient;

beforeAll(async () => {
  emu = await startC4cEmulator({ seedDemo: true });
  c = new TestClient(emu);
});
afterAll(async () => {
  await emu.close();
});

const LOOKUP: Record<string, [string, string]> = {
  employee: ['EmployeeBasicDataCollection', 'Email'],
  contact: ['ContactCollection', 'Email'],
  lead: ['LeadCollection', 'ContactEMail'],
  individualCustomer: ['IndividualCustomerCollection', 'Email'],
  account: ['CorporateAccountCollection', 'Email'],
};

describe('demo data', () => {
  it('creates every DEMO_USER as Employee + EmployeeBasicData with the shared EmployeeID and e-mail', async () => {
    for (const u of DEMO_USERS) {
      const r = await c.get(`EmployeeCollection?$filter=EmployeeID eq '${u.c4cEmployeeId}'`);
      expect(r.json.d.results).toHaveLength(1);
      expect(r.json.d.results[0].Email).toBe(u.email);
      const b = await c.get(`EmployeeBasicDataCollection?$filter=Email eq '${u.email}'`);
      expect(b.json.d.results[0]).toMatchObject({ EmployeeID: u.c4cEmployeeId, FormattedName: u.displayName });
    }
  });

  it('has 4-5 accounts in DE/US/GB/FR with addresses, 8-10 contacts on company domains, leads, individual customers, opportunities and tickets', async () => {
    const accounts = emu.control.list('CorporateAccountCollection');
    expect(accounts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(accounts.map((a) => a.CountryCode))).toEqual(new Set(['DE', 'US', 'GB', 'FR']));
    for (const a of accounts) expect(a).toMatchObject({ City: expect.any(String), Street: expect.any(String) });
    const contacts = emu.control.list('ContactCollection');
    expect(contacts.length).toBeGreaterThanOrEqual(8);
    for (const ct of contacts) {
      const acc = accounts.find((a) => a.AccountID === ct.AccountID)!;
      expect(String(ct.Email).split('@')[1]).toBe(String(acc.Email).split('@')[1]);
      expect(ct.ContactIsContactPersonFor).toHaveLength(1);
    }
    expect(emu.control.list('LeadCollection').length).toBeGreaterThanOrEqual(2);
    expect(emu.control.list('IndividualCustomerCollection')).toHaveLength(2);
    const opps = emu.control.list('OpportunityCollection');
    expect(opps.length).toBeGreaterThanOrEqual(2);
    for (const o of opps) expect(accounts.map((a) => a.AccountID)).toContain(o.ProspectPartyID);
    const tickets = emu.control.list('ServiceRequestCollection');
    expect(tickets).toHaveLength(2);
    const byAccount = await c.get(`OpportunityCollection?$filter=ProspectPartyID eq '${opps[0].ProspectPartyID}'`);
    expect(byAccount.json.d.results[0].ProspectPartyName).toBe(accounts.find((a) => a.AccountID === opps[0].ProspectPartyID)!.Name);
    expect((await c.get(`ServiceRequestCollection?$filter=BuyerPartyID eq '${tickets[0].BuyerPartyID}'`)).json.d.results).toHaveLength(1);
  });

  it('every person in DEMO_C4C_PEOPLE is found by the lookup the sidebar would run', async () => {
    expect(DEMO_C4C_PEOPLE.length).toBeGreaterThanOrEqual(20);
    for (const p of DEMO_C4C_PEOPLE) {
      const [set, prop] = LOOKUP[p.kind];
      const r = await c.get(`${set}?$filter=${prop} eq '${encodeURIComponent(p.email)}'`);
      expect(r.json.d.results.length).toBeGreaterThanOrEqual(1);
    }
  });
});
