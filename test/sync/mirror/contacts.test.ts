/**
 * Contact mirroring (E6) end to end through the real clients: EWS impersonation and Graph application access against
 * the Exchange emulator, the OData client against the C4C emulator, the link table on PGlite, sessions of the setup
 * and mirror steps. Each test works in a mailbox (and with a C4C employee) of its own.
 */
import crypto from 'node:crypto';
import type { C4cClient } from '../../../relay/c4c/client';
import { createMirrorKindStatusRepository, createMirrorLinkRepository } from '../../../relay/store/mirror-links';
import { useSyncTestbed } from '../email-session-helpers';
import { c4cClientOf, folderContacts, folderIdOf, mirrorSession, modes, newMirrorUser, type MirrorUser } from './contacts-helpers';

const testbed = useSyncTestbed();
let client: C4cClient;
beforeAll(() => {
  client = c4cClientOf(testbed);
});
afterAll(() => client?.close());
afterEach(() => testbed.c4c.control.clearFaults());

const tag = () => crypto.randomBytes(3).toString('hex');
const contactsOf = (u: MirrorUser) => testbed.c4c.control.list('ContactCollection').filter((r) => r.ContactOwnerID === u.employeeId);
function seedContacts(u: MirrorUser, n: number, extra: Record<string, unknown> = {}) {
  const t = tag();
  return testbed.c4c.control.seed(
    'ContactCollection',
    Array.from({ length: n }, (_, i) => ({ FirstName: `First${i}`, LastName: `Last${t}${i}`, Email: `p${i}.${t}@fabrikam.example`, JobTitle: 'Buyer', StatusCode: '2', ContactOwnerID: u.employeeId, ...extra })),
  );
}
const linksOf = (u: MirrorUser, kind: 'contact' | 'account' | 'individualCustomer' = 'contact') => createMirrorLinkRepository(testbed.db).list(testbed.world.organizationId, u.userId, kind);

describe.each(modes)('contact mirroring (%s)', (mode) => {
  test('C4C → mailbox: owned records of all three kinds are created in their folders, stamped; a second session writes nothing', async () => {
    const u = await newMirrorUser(testbed, mode);
    const seeded = seedContacts(u, 3);
    seedContacts({ ...u, employeeId: '8000000099' }, 1); // someone else's
    const [account] = testbed.c4c.control.seed('CorporateAccountCollection', [{ Name: `Acme ${tag()}`, RoleCode: 'CRM000', LifeCycleStatusCode: '2', Email: `info.${tag()}@acme.example`, OwnerID: u.employeeId }]);
    const [customer] = testbed.c4c.control.seed('IndividualCustomerCollection', [{ FirstName: 'Ida', LastName: `Private${tag()}`, RoleCode: 'CRM000', LifeCycleStatusCode: '2', Email: `ida.${tag()}@mail.example`, OwnerID: u.employeeId }]);

    const first = await mirrorSession(testbed, client, u);
    expect(first.errors).toEqual([]);
    expect(first.counts.mirrorCreated).toBe(5);
    const contacts = await folderContacts(u, 'contacts');
    expect(contacts.map((c) => c.c4cObjectId).sort()).toEqual(seeded.map((r) => String(r.ObjectID)).sort());
    expect(contacts.find((c) => c.c4cObjectId === seeded[0].ObjectID)).toMatchObject({ givenName: 'First0', surname: seeded[0].LastName, jobTitle: 'Buyer', emailAddresses: [{ address: seeded[0].Email }] });
    expect((await folderContacts(u, 'accounts')).map((c) => c.c4cObjectId)).toEqual([account.ObjectID]);
    expect((await folderContacts(u, 'individualCustomers')).map((c) => c.c4cObjectId)).toEqual([customer.ObjectID]);
    expect(await linksOf(u)).toHaveLength(3);

    const second = await mirrorSession(testbed, client, u);
    expect(second.errors).toEqual([]);
    expect(second.counts).toEqual({});
    expect(await folderContacts(u, 'contacts')).toHaveLength(3);
  });

  test('mailbox → C4C: a contact made in SAP Contacts is created in C4C, owned by the user, and the mailbox item stamped', async () => {
    const u = await newMirrorUser(testbed, mode);
    await mirrorSession(testbed, client, u);
    const t = tag();
    const ref = await u.mailbox.createContact(await folderIdOf(u, 'contacts'), { givenName: 'Nina', surname: `Neu${t}`, displayName: `Nina Neu${t}`, emailAddresses: [{ address: `nina.${t}@fabrikam.example` }], jobTitle: 'CTO', categories: [] });
    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    expect(report.counts.mirrorCreated).toBe(1);
    const created = contactsOf(u);
    expect(created).toEqual([expect.objectContaining({ FirstName: 'Nina', LastName: `Neu${t}`, Email: `nina.${t}@fabrikam.example`, JobTitle: 'CTO' })]);
    const [item] = await u.mailbox.getContacts([ref.id]);
    expect(item.c4cObjectId).toBe(created[0].ObjectID);
    // The stamp write is ours: nothing flows back.
    expect((await mirrorSession(testbed, client, u)).counts).toEqual({});
    expect(contactsOf(u)).toHaveLength(1);
  });
});
