/**
 * Shared set-up of the contact mirroring tests: a fresh mailbox per test (EWS impersonation or Graph application
 * access against the Exchange emulator), a C4C Employee with the user's address, and sessions of the setup step plus
 * the mirror step (contacts factories only, so the calendar and task adapters stay out of these tests).
 */
import crypto from 'node:crypto';
import { C4cClient } from '../../../relay/c4c/client';
import { createEwsMailbox } from '../../../relay/mailbox/ews';
import { openGraphMailbox } from '../../../relay/mailbox/graph';
import type { Mailbox, MailContact } from '../../../relay/mailbox/types';
import { createMeetingOwnerRepository, createMirrorKindStatusRepository, createMirrorLinkRepository } from '../../../relay/store/mirror-links';
import { contactsAdapterFactory } from '../../../relay/sync/mirror/adapters/contacts';
import { createMirrorStep } from '../../../relay/sync/mirror/step';
import { createSetupStep } from '../../../relay/sync/setup';
import { MIRROR_DEFAULTS, type MirrorSettings } from '../../../shared/api/mirror';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../../emulators/demo-identities';
import { addSyncUser, runSession, type SessionReport, type SyncTestbed, type SyncUser } from '../email-session-helpers';

export const modes = ['ews-impersonation', 'graph-app'] as const;
export type Mode = (typeof modes)[number];

export interface MirrorUser extends SyncUser {
  employeeId: string;
  settings: MirrorSettings;
}

export function c4cClientOf(testbed: SyncTestbed): C4cClient {
  return new C4cClient({ serviceRoot: testbed.c4c.serviceRoot, auth: { kind: 'basic', username: 'sandbox', password: 'sandbox' } });
}

export async function newMirrorUser(testbed: SyncTestbed, mode: Mode, settings: Partial<MirrorSettings> = {}): Promise<MirrorUser> {
  const { bed, c4c } = testbed;
  const address = `m${crypto.randomBytes(4).toString('hex')}@contoso.example`;
  bed.addMailbox(address, `Mirror ${address.slice(1, 5)}`);
  bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
  const mailbox: Mailbox =
    mode === 'ews-impersonation'
      ? createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password })
      : openGraphMailbox(address, bed.appAccess(), bed.options());
  testbed.opened.push(mailbox);
  const employeeId = String(9_000_000_000 + crypto.randomInt(0, 99_999_999));
  c4c.control.seed('EmployeeCollection', [{ EmployeeID: employeeId, FirstName: 'Mirror', LastName: address.slice(0, 9), Email: address }]);
  const user = await addSyncUser(testbed.world, address, mailbox);
  user.userSettings = { ...user.userSettings, syncContacts: true };
  return { ...user, employeeId, settings: { ...MIRROR_DEFAULTS, directions: {}, ...settings } };
}

/** One session: setup (folders etc.) then mirroring of contacts, accounts and individual customers. */
export async function mirrorSession(testbed: SyncTestbed, client: C4cClient, u: MirrorUser, options: { concurrency?: number } = {}): Promise<SessionReport> {
  const { db } = testbed;
  const step = createMirrorStep({
    links: createMirrorLinkRepository(db),
    owners: createMeetingOwnerRepository(db),
    figures: createMirrorKindStatusRepository(db),
    c4cFor: async () => client,
    mirrorSettingsFor: async () => u.settings,
    factories: { contact: contactsAdapterFactory, account: contactsAdapterFactory, individualCustomer: contactsAdapterFactory },
    globalEnabled: () => true,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  return runSession(testbed.world, u, { steps: [createSetupStep(), step] });
}

export async function folderContacts(u: MirrorUser, folder: 'contacts' | 'accounts' | 'individualCustomers'): Promise<MailContact[]> {
  const row = await u.mailbox.listFolders();
  const name = { contacts: 'SAP Contacts', accounts: 'SAP Accounts', individualCustomers: 'SAP Individual Customers' }[folder];
  const f = row.find((x) => x.displayName === name);
  if (!f) return [];
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await u.mailbox.getChanges(f.id, 'contact', cursor);
    ids.push(...page.created.map((r) => r.id), ...page.updated.map((r) => r.id));
    cursor = page.cursor;
    if (page.done) break;
  }
  return u.mailbox.getContacts([...new Set(ids)]);
}

export async function folderIdOf(u: MirrorUser, folder: 'contacts' | 'accounts' | 'individualCustomers'): Promise<string> {
  const name = { contacts: 'SAP Contacts', accounts: 'SAP Accounts', individualCustomers: 'SAP Individual Customers' }[folder];
  const f = (await u.mailbox.listFolders()).find((x) => x.displayName === name);
  if (!f) throw new Error(`no folder ${name}`);
  return f.id;
}
