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

  test('updates flow each way', async () => {
    const u = await newMirrorUser(testbed, mode);
    const [record] = seedContacts(u, 1);
    await mirrorSession(testbed, client, u);
    const [item] = await folderContacts(u, 'contacts');

    // C4C → mailbox
    const read = await client.read<string, { __metadata?: { etag?: string } }>('ContactCollection', String(record.ObjectID));
    await client.update<string>('ContactCollection', String(record.ObjectID), { JobTitle: 'Head of Purchasing' }, { etag: read.__metadata?.etag });
    const a = await mirrorSession(testbed, client, u);
    expect(a.errors).toEqual([]);
    expect(a.counts.mirrorUpdated).toBe(1);
    expect((await u.mailbox.getContacts([item.id]))[0].jobTitle).toBe('Head of Purchasing');

    // mailbox → C4C
    await u.mailbox.updateContact(item.id, { mobilePhone: '+49 170 5550101' });
    const b = await mirrorSession(testbed, client, u);
    expect(b.errors).toEqual([]);
    expect(b.counts.mirrorUpdated).toBe(1);
    expect(testbed.c4c.control.get('ContactCollection', String(record.ObjectID))).toMatchObject({ Mobile: '+49 170 5550101', JobTitle: 'Head of Purchasing' });
    expect((await mirrorSession(testbed, client, u)).counts).toEqual({});
  });

  test('deletes: obsolete in C4C deletes the mailbox copy; a mailbox delete leaves the C4C record and never brings it back', async () => {
    const u = await newMirrorUser(testbed, mode);
    const [keep, retire] = seedContacts(u, 2);
    await mirrorSession(testbed, client, u);
    const byObject = new Map((await folderContacts(u, 'contacts')).map((c) => [c.c4cObjectId, c]));

    // C4C cannot delete contacts: status 4 (Obsolete) is its delete.
    await client.update<string>('ContactCollection', String(retire.ObjectID), { StatusCode: '4' });
    const a = await mirrorSession(testbed, client, u);
    expect(a.errors).toEqual([]);
    expect(a.counts.mirrorDeleted).toBe(1);
    expect((await folderContacts(u, 'contacts')).map((c) => c.c4cObjectId)).toEqual([keep.ObjectID]);

    // The user deletes the other one in the mailbox: C4C keeps it (not deletable), the link becomes a tombstone.
    await u.mailbox.deleteContact(byObject.get(String(keep.ObjectID))!.id);
    const b = await mirrorSession(testbed, client, u);
    expect(b.errors).toEqual([]);
    expect(testbed.c4c.control.get('ContactCollection', String(keep.ObjectID))).toMatchObject({ StatusCode: '2' });
    expect(await linksOf(u)).toEqual([expect.objectContaining({ c4cId: keep.ObjectID, state: 'detached' })]);
    // Changed in C4C afterwards: still not copied back.
    await client.update<string>('ContactCollection', String(keep.ObjectID), { JobTitle: 'Changed later' });
    const c = await mirrorSession(testbed, client, u);
    expect(c.counts.mirrorCreated ?? 0).toBe(0);
    expect(await folderContacts(u, 'contacts')).toEqual([]);
  });

  test.each(['mailbox-wins', 'c4c-wins', 'latest-wins'] as const)('a conflict on one field is decided by the rule (%s) and logged', async (rule) => {
    const u = await newMirrorUser(testbed, mode, { conflictRule: rule });
    const [record] = seedContacts(u, 1);
    await mirrorSession(testbed, client, u);
    const [item] = await folderContacts(u, 'contacts');
    await u.mailbox.updateContact(item.id, { jobTitle: 'From the mailbox' });
    // C4C changes last (its EntityLastChangedOn is the later one; mailbox contacts carry no change time).
    await client.update<string>('ContactCollection', String(record.ObjectID), { JobTitle: 'From C4C' });
    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    expect(report.counts.mirrorConflicts).toBe(1);
    const expected = rule === 'mailbox-wins' ? 'From the mailbox' : 'From C4C';
    expect((await u.mailbox.getContacts([item.id]))[0].jobTitle).toBe(expected);
    expect(testbed.c4c.control.get('ContactCollection', String(record.ObjectID))?.JobTitle).toBe(expected);
    expect((await mirrorSession(testbed, client, u)).counts).toEqual({});
  });

  test('read-only contacts: nothing is uploaded, mailbox edits are reverted from C4C, new mailbox contacts stay local', async () => {
    const u = await newMirrorUser(testbed, mode, { readOnlyContacts: true });
    const [record] = seedContacts(u, 1);
    await mirrorSession(testbed, client, u);
    const [item] = await folderContacts(u, 'contacts');
    await u.mailbox.updateContact(item.id, { jobTitle: 'Edited in Outlook' });
    await u.mailbox.createContact(await folderIdOf(u, 'contacts'), { displayName: 'Local Only', surname: 'Only', emailAddresses: [{ address: `local.${tag()}@x.example` }], categories: [] });
    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    expect(testbed.c4c.control.get('ContactCollection', String(record.ObjectID))?.JobTitle).toBe('Buyer');
    expect((await u.mailbox.getContacts([item.id]))[0].jobTitle).toBe('Buyer');
    expect(contactsOf(u)).toHaveLength(1);
  });

  test('a lost link table (and cursors) is rebuilt by re-linking: no duplicate on either side', async () => {
    const u = await newMirrorUser(testbed, mode);
    seedContacts(u, 4);
    await mirrorSession(testbed, client, u);
    const ref = await u.mailbox.createContact(await folderIdOf(u, 'contacts'), { displayName: 'Made Here', surname: `Here${tag()}`, emailAddresses: [{ address: `here.${tag()}@x.example` }], categories: [] });
    await mirrorSession(testbed, client, u);
    expect(await linksOf(u)).toHaveLength(5);
    await testbed.db.query(`DELETE FROM mirror_links WHERE user_id = $1`, [u.userId]);
    await testbed.db.query(`DELETE FROM mailbox_cursors WHERE user_id = $1 AND (folder_key LIKE 'mirror:%' OR folder_key LIKE 'c4c:%')`, [u.userId]);

    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    expect(report.counts.mirrorCreated ?? 0).toBe(0);
    expect(report.counts.mirrorLinked).toBe(5);
    expect(await folderContacts(u, 'contacts')).toHaveLength(5);
    expect(contactsOf(u)).toHaveLength(5);
    expect(await linksOf(u)).toHaveLength(5);
    expect((await linksOf(u)).find((l) => l.mailboxId === ref.id)?.c4cId).toBeDefined();
  });

  test('empty-side guard: C4C suddenly lists none of the linked records → the kind stops, nothing is deleted', async () => {
    const u = await newMirrorUser(testbed, mode);
    seedContacts(u, 6);
    await mirrorSession(testbed, client, u);
    expect(await folderContacts(u, 'contacts')).toHaveLength(6);
    // The user's employee record now answers with another ID (a C4C misconfiguration), and the daily full listing
    // is due: the owned query returns nothing.
    const [employee] = testbed.c4c.control.list('EmployeeCollection').filter((e) => e.Email === u.address);
    await client.update<string>('EmployeeCollection', String(employee.ObjectID), { Email: `old.${u.address}` });
    testbed.c4c.control.seed('EmployeeCollection', [{ EmployeeID: String(9_100_000_000 + crypto.randomInt(0, 9_999_999)), FirstName: 'Wrong', LastName: 'Employee', Email: u.address }]);
    await testbed.db.query(`DELETE FROM mailbox_cursors WHERE user_id = $1 AND folder_key = 'c4c:contact'`, [u.userId]);

    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([expect.objectContaining({ class: 'mirror-empty-side' })]);
    expect(report.counts.mirrorDeleted ?? 0).toBe(0);
    expect(await folderContacts(u, 'contacts')).toHaveLength(6);
    expect(await linksOf(u)).toHaveLength(6);
    const figures = await createMirrorKindStatusRepository(testbed.db).list(testbed.world.organizationId, u.userId);
    expect(figures.find((f) => f.kind === 'contact')?.guard).toMatch(/^empty-side: c4c/);
  });

  test('limit: records beyond contactLimit are counted and shown, not mirrored; linked ones keep their place', async () => {
    const u = await newMirrorUser(testbed, mode, { contactLimit: 3 });
    seedContacts(u, 5);
    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    expect(report.counts.mirrorCreated).toBe(3);
    expect(report.counts.mirrorBeyondLimit).toBe(2);
    expect(await folderContacts(u, 'contacts')).toHaveLength(3);
    const figures = await createMirrorKindStatusRepository(testbed.db).list(testbed.world.organizationId, u.userId);
    expect(figures.find((f) => f.kind === 'contact')).toMatchObject({ beyondLimit: 2 });
    // Incremental sessions keep showing the figure of the last full listing.
    const again = await mirrorSession(testbed, client, u);
    expect(again.counts).toEqual({ mirrorBeyondLimit: 2 });
  });

  test('a crash between the two writes of a create leaves an unstamped copy: it is joined by content, not duplicated', async () => {
    const u = await newMirrorUser(testbed, mode);
    const [a, b] = seedContacts(u, 2);
    await mirrorSession(testbed, client, u); // folders
    await testbed.db.query(`DELETE FROM mirror_links WHERE user_id = $1`, [u.userId]);
    await testbed.db.query(`DELETE FROM mailbox_cursors WHERE user_id = $1 AND (folder_key LIKE 'mirror:%' OR folder_key LIKE 'c4c:%')`, [u.userId]);
    for (const c of await folderContacts(u, 'contacts')) await u.mailbox.deleteContact(c.id);
    // As the killed session left it: a's copy created but not stamped.
    await u.mailbox.createContact(await folderIdOf(u, 'contacts'), { givenName: String(a.FirstName), surname: String(a.LastName), displayName: `${a.FirstName} ${a.LastName}`, jobTitle: 'Buyer', emailAddresses: [{ address: String(a.Email) }], categories: [] });
    const report = await mirrorSession(testbed, client, u);
    expect(report.errors).toEqual([]);
    const items = await folderContacts(u, 'contacts');
    expect(items.map((i) => i.surname).sort()).toEqual([a.LastName, b.LastName].sort());
    // The joined copy is stamped now (a later lost link table finds it by stamp).
    expect(items.find((i) => i.surname === a.LastName)?.c4cObjectId).toBe(a.ObjectID);
    expect(contactsOf(u)).toHaveLength(2);
  });
});
