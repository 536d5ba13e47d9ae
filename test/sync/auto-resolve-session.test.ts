/**
 * Auto-resolving (E8) in real sessions: the email step over the Exchange emulator (EWS impersonation and Graph), the
 * saving room and OData client over the C4C emulator, the auto_resolved_records ledger on PGlite.
 */
import crypto from 'node:crypto';
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { Mailbox } from '../../relay/mailbox/types';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { c4cPortCache } from '../../relay/c4c/port-cache';
import { createEmailSaving } from '../../relay/saving/email';
import { createAutoResolver } from '../../relay/saving/auto-resolve';
import { createAutoResolvedRepository } from '../../relay/store/auto-resolved';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../emulators/demo-identities';
import { addSyncUser, runSession, useSyncTestbed, type SyncUser } from './email-session-helpers';

const TRIGGER = SYNC_CATEGORIES.trigger.displayName;
const KATRIN = { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' };

const testbed = useSyncTestbed();
beforeAll(() => {
  const { world, db } = testbed;
  world.saving = createEmailSaving({ store: world.store, c4cFor: c4cPortCache(world.store.c4cConnections), autoResolver: createAutoResolver(createAutoResolvedRepository(db)) });
});

const modes = ['ews-impersonation', 'graph-app'] as const;
type Mode = (typeof modes)[number];

function openMailbox(mode: Mode, address: string): Mailbox {
  const { bed } = testbed;
  const mailbox =
    mode === 'ews-impersonation'
      ? createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password })
      : openGraphMailbox(address, bed.appAccess(), bed.options());
  testbed.opened.push(mailbox);
  return mailbox;
}

async function newUser(mode: Mode, settings: Partial<SyncUser['organizationSettings']>): Promise<SyncUser> {
  const address = `u${crypto.randomBytes(4).toString('hex')}@contoso.example`;
  testbed.bed.addMailbox(address, `User ${address.slice(1, 5)}`);
  testbed.bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
  const user = await addSyncUser(testbed.world, address, openMailbox(mode, address));
  Object.assign(user.organizationSettings, settings);
  await runSession(testbed.world, user); // first session: folders, categories, baseline
  return user;
}

/** A fresh external domain per test, so tests never see each other's records. */
const domain = () => `newco-${crypto.randomBytes(3).toString('hex')}.example`;
const deliverTagged = (u: SyncUser, from: { address: string; name?: string }, cc: { address: string; name?: string }[] = []) =>
  testbed.bed.exchange.control.user.deliverMessage(u.address, { from, subject: `Hello ${crypto.randomBytes(3).toString('hex')}`, to: [{ address: u.address }], cc, categories: [TRIGGER] });
const rows = (set: string, match: (row: Record<string, unknown>) => boolean) => testbed.c4c.control.list(set).filter(match);
const leadsFor = (address: string) => rows('LeadCollection', (r) => r.ContactEMail === address);
const contactsFor = (address: string) => rows('ContactCollection', (r) => r.Email === address);

describe.each(modes)('auto-resolving (%s)', (mode) => {
  test('off (the default): an unknown sender is not created', async () => {
    const u = await newUser(mode, {});
    const sender = `jane.roe@${domain()}`;
    deliverTagged(u, { address: sender, name: 'Jane Roe' });
    const report = await runSession(testbed.world, u);
    expect(report.counts.saved).toBe(1);
    expect(leadsFor(sender)).toHaveLength(0);
    expect(contactsFor(sender)).toHaveLength(0);
  });

  test('as Leads: the unknown sender becomes one Lead marked auto-created, and the email is linked to it', async () => {
    const u = await newUser(mode, { autoResolve: 'lead' });
    const sender = `jane.roe@${domain()}`;
    deliverTagged(u, { address: sender, name: 'Jane Roe' });
    const report = await runSession(testbed.world, u);
    expect(report.counts).toMatchObject({ saved: 1, autoResolved: 1 });
    const [lead] = leadsFor(sender);
    expect(leadsFor(sender)).toHaveLength(1);
    expect(lead).toMatchObject({ ContactFirstName: 'Jane', ContactLastName: 'Roe', Name: 'Jane Roe (auto-created)' });
    const [email] = rows('EMailCollection', (r) => String(r.Subject).startsWith('Hello') && (r.MessageFromEmailURI === sender || JSON.stringify(r).includes(sender)));
    expect(JSON.stringify(email)).toContain(String(lead.ID));
    // The user can find what was created for them to complete.
    const list = await createAutoResolvedRepository(testbed.db).listForUser(testbed.world.organizationId, u.userId);
    expect(list).toEqual([expect.objectContaining({ kind: 'lead', key: `person:${sender}`, objectId: lead.ObjectID, displayName: 'Jane Roe' })]);
  });

  test('as Contacts with Accounts: one Account per corporate domain (In Preparation), contacts linked to it; free mail gets no Account', async () => {
    const u = await newUser(mode, { autoResolve: 'contact', autoResolveAccounts: true });
    const d = domain();
    const jane = `jane.roe@${d}`;
    const max = `max.weber@${d}`;
    const gmail = `ole.private.${crypto.randomBytes(3).toString('hex')}@gmail.com`;
    deliverTagged(u, { address: jane, name: 'Jane Roe' }, [{ address: max, name: 'Max Weber' }, { address: gmail, name: 'Ole Private' }]);
    const report = await runSession(testbed.world, u);
    expect(report.errors).toEqual([]);
    expect(report.counts.autoResolved).toBe(4); // one account, three contacts
    const accounts = rows('CorporateAccountCollection', (r) => r.WebSite === d);
    expect(accounts).toEqual([expect.objectContaining({ LifeCycleStatusCode: '1', Name: expect.stringMatching(/^Newco /) })]);
    for (const address of [jane, max]) expect(contactsFor(address)).toEqual([expect.objectContaining({ StatusCode: '1', AccountID: accounts[0].AccountID })]);
    expect(contactsFor(gmail)).toEqual([expect.objectContaining({ StatusCode: '1' })]);
    expect(contactsFor(gmail)[0].AccountID ?? '').toBe('');
    expect(rows('CorporateAccountCollection', (r) => r.WebSite === 'gmail.com')).toHaveLength(0);
  });

  test('never: known people, own domain, the organization’s users, group addresses, blocked addresses', async () => {
    const u = await newUser(mode, { autoResolve: 'lead' });
    const d = domain();
    const colleague = `colleague.${crypto.randomBytes(2).toString('hex')}@contoso.example`;
    const contractor = `contractor.${crypto.randomBytes(2).toString('hex')}@agency-${d}`;
    await testbed.world.store.users.create(testbed.world.organizationId, { displayName: 'Contractor', email: contractor });
    u.blocklists = { organization: [`blocked-${d}`], user: [] };
    const cc = [colleague, contractor, `sales@${d}`, `someone@blocked-${d}`, KATRIN.address].map((address) => ({ address }));
    deliverTagged(u, { address: `jane.roe@${d}`, name: 'Jane Roe' }, cc);
    const before = testbed.c4c.control.list('LeadCollection').length;
    const report = await runSession(testbed.world, u);
    expect(report.counts.autoResolved).toBe(1);
    expect(testbed.c4c.control.list('LeadCollection').length - before).toBe(1);
    expect(leadsFor(`jane.roe@${d}`)).toHaveLength(1);
  });

  test('two sessions meeting one unknown address at once create one record', async () => {
    const [a, b] = await Promise.all([newUser(mode, { autoResolve: 'contact', autoResolveAccounts: true }), newUser(mode, { autoResolve: 'contact', autoResolveAccounts: true })]);
    const d = domain();
    const sender = `pat.lee@${d}`;
    deliverTagged(a, { address: sender, name: 'Pat Lee' });
    deliverTagged(b, { address: sender, name: 'Pat Lee' });
    const reports = await Promise.all([runSession(testbed.world, a), runSession(testbed.world, b)]);
    expect(reports.map((r) => r.counts.saved)).toEqual([1, 1]);
    expect(contactsFor(sender)).toHaveLength(1);
    expect(rows('CorporateAccountCollection', (r) => r.WebSite === d)).toHaveLength(1);
    expect((reports[0].counts.autoResolved ?? 0) + (reports[1].counts.autoResolved ?? 0)).toBe(2);
  });
});
