/**
 * The Exchange emulator keeps ONE store behind its EWS and Graph endpoints, as Exchange does: what one client writes,
 * the other reads and sees in its change feed. Both sides are the relay's real mailbox clients (ews-javascript-api
 * over EWS direct logon, the Graph client with app-only access).
 */
import { createEwsMailbox } from '../../relay/mailbox/ews';
import { openGraphMailbox } from '../../relay/mailbox/graph';
import type { ChangePage, ItemKind, Mailbox } from '../../relay/mailbox/types';
import { startGraphTestbed, type GraphTestbed } from '../emulators/exchange/graph/testbed';

const ADDRESS = 'cross@contoso.example';
let bed: GraphTestbed;
let viaEws: Mailbox;
let viaGraph: Mailbox;

beforeAll(async () => {
  bed = await startGraphTestbed();
  bed.addMailbox(ADDRESS, 'Cross Endpoint');
  viaEws = createEwsMailbox(ADDRESS, { kind: 'ews-direct', ewsUrl: bed.exchange.ewsUrl, username: ADDRESS, password: 'unused-password' }, { maxBackOffMs: 1000 });
  viaGraph = openGraphMailbox(ADDRESS, bed.appAccess(), bed.options());
}, 60_000);

afterAll(async () => {
  await viaEws?.close();
  await viaGraph?.close();
  await bed?.close();
});

/** Drains a change feed from `cursor`; returns the merged page and the cursor to continue from. */
async function drain(mailbox: Mailbox, folderId: string, kind: ItemKind, cursor: string | undefined): Promise<ChangePage> {
  const merged: ChangePage = { created: [], updated: [], deleted: [], cursor: cursor ?? '', done: false };
  let current = cursor;
  for (;;) {
    const page = await mailbox.getChanges(folderId, kind, current);
    merged.created.push(...page.created);
    merged.updated.push(...page.updated);
    merged.deleted.push(...page.deleted);
    current = page.cursor;
    if (page.done) return { ...merged, cursor: current, done: true };
  }
}

it('a contact written over EWS is seen by Graph, edited over Graph, and its deletion reported back over EWS', async () => {
  const ewsFolder = await viaEws.ensureFolder('SAP Contacts', 'contacts');
  // Ensuring the folder over Graph finds the one EWS created instead of making a second.
  const graphFolder = await viaGraph.ensureFolder('SAP Contacts', 'contacts');
  expect(graphFolder.displayName).toBe('SAP Contacts');
  expect((await viaEws.listFolders()).filter((f) => f.displayName === 'SAP Contacts')).toHaveLength(1);
  const graphStart = await drain(viaGraph, graphFolder.id, 'contact', undefined);
  const ewsStart = await drain(viaEws, ewsFolder.id, 'contact', undefined);

  const created = await viaEws.createContact(ewsFolder.id, { displayName: 'Julia Hoffmann', givenName: 'Julia', surname: 'Hoffmann', companyName: 'Hoffmann GmbH', emailAddresses: [{ address: 'julia@hoffmann.example' }], categories: [] });
  const seenByGraph = await drain(viaGraph, graphFolder.id, 'contact', graphStart.cursor);
  expect(seenByGraph.created).toHaveLength(1);
  const [onGraph] = await viaGraph.getContacts([seenByGraph.created[0].id]);
  expect(onGraph).toMatchObject({ displayName: 'Julia Hoffmann', companyName: 'Hoffmann GmbH', emailAddresses: [expect.objectContaining({ address: 'julia@hoffmann.example' })] });

  await viaGraph.updateContact(onGraph.id, { jobTitle: 'Head of Purchasing' });
  const seenByEws = await drain(viaEws, ewsFolder.id, 'contact', ewsStart.cursor);
  expect([...seenByEws.created, ...seenByEws.updated].map((r) => r.id)).toContain(created.id);
  const [onEws] = await viaEws.getContacts([created.id]);
  expect(onEws.jobTitle).toBe('Head of Purchasing');

  await viaEws.deleteContact(created.id);
  const afterDelete = await drain(viaGraph, graphFolder.id, 'contact', seenByGraph.cursor);
  expect(afterDelete.deleted).toEqual([onGraph.id]);
});

it('a category set over Graph on a delivered message reads back over EWS, and the reverse', async () => {
  const message = bed.exchange.control.user.deliverMessage(ADDRESS, { from: { address: 'katrin@nordwind.example', name: 'Katrin' }, subject: 'RFQ pumps', bodyHtml: '<p>Quote, please</p>' });
  const graphInbox = await viaGraph.getWellKnownFolder('inbox');
  const ewsInbox = await viaEws.getWellKnownFolder('inbox');
  const graphIds = (await drain(viaGraph, graphInbox.id, 'message', undefined)).created.map((r) => r.id);
  const ewsIds = (await drain(viaEws, ewsInbox.id, 'message', undefined)).created.map((r) => r.id);
  const onGraph = (await viaGraph.getMessages(graphIds)).find((m) => m.internetMessageId === message.internetMessageId);
  const onEws = (await viaEws.getMessages(ewsIds)).find((m) => m.internetMessageId === message.internetMessageId);
  expect(onGraph && onEws).toBeTruthy();

  await viaGraph.setCategories(onGraph!.id, 'message', ['SAP Cloud for Customer']);
  expect((await viaEws.getMessages([onEws!.id]))[0].categories).toEqual(['SAP Cloud for Customer']);
  await viaEws.setCategories(onEws!.id, 'message', ['SAP Cloud for Customer', 'Saved to SAP']);
  expect((await viaGraph.getMessages([onGraph!.id]))[0].categories.sort()).toEqual(['SAP Cloud for Customer', 'Saved to SAP']);
});
