/**
 * Demo mailboxes of the sandbox (one per DEMO_USERS entry) and a bulk generator for benches.
 *
 * Senders are the C4C demo tenant's people (DEMO_C4C_PEOPLE: contacts, leads, individual customers — the sidebar finds
 * them) plus a few senders that exist nowhere in C4C (a first-time prospect, a newsletter).
 */
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_MAIL_DOMAIN, DEMO_USERS } from '../demo-identities';
import { DEMO_C4C_PEOPLE } from '../c4c/demo-data';
import type { FolderKind } from '../../../relay/mailbox/types';
import { ExchangeStore, itemKindOfFolder, newChangeKey, newItemId, type StoredItem } from './store';
import { MailboxUserActions } from './user-actions';

/** Password of every demo mailbox user (direct EWS logon in the sandbox). */
export const DEMO_MAILBOX_PASSWORD = 'sandbox-mailbox-secret';

export interface DemoPerson {
  name: string;
  address: string;
  company: string;
  /** True when the person exists in the C4C demo tenant. */
  inC4c: boolean;
}

export const DEMO_CUSTOMER_PEOPLE: readonly DemoPerson[] = [
  ...DEMO_C4C_PEOPLE.filter((p) => p.kind === 'contact' || p.kind === 'lead' || p.kind === 'individualCustomer').map((p) => ({ name: p.name, address: p.email, company: p.company ?? '', inC4c: true })),
  // Not in C4C: a prospect writing for the first time and a newsletter.
  { name: 'Daniel Okafor', address: 'daniel.okafor@greenfield-agri.example', company: 'Greenfield Agri Ltd', inC4c: false },
  { name: 'Trade Fair Newsletter', address: 'news@messe-events.example', company: 'Messe Events', inC4c: false },
];

function person(address: string): DemoPerson {
  const found = DEMO_CUSTOMER_PEOPLE.find((p) => p.address === address);
  if (!found) throw new Error(`Demo person ${address} is not in the C4C demo data`);
  return found;
}

/** Creates the demo mailboxes, the service account with impersonation rights on all of them, and their content. */
export function seedDemoMailboxes(store: ExchangeStore): void {
  const user = new MailboxUserActions(store);
  store.addServiceAccount(DEMO_EWS_SERVICE_ACCOUNT.username, DEMO_EWS_SERVICE_ACCOUNT.password);
  for (const demo of DEMO_USERS) {
    store.addMailbox(demo.email, demo.displayName, DEMO_MAILBOX_PASSWORD);
    store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, demo.email);
  }
  const day = 24 * 3600 * 1000;
  const base = Date.UTC(2026, 10, 2, 8, 0, 0); // a fixed Monday, so demo data is reproducible
  DEMO_USERS.forEach((demo, userIndex) => {
    // Inbox: one mail per customer person, oldest first; some with attachments or a category.
    DEMO_CUSTOMER_PEOPLE.forEach((sender, i) => {
      user.deliverMessage(demo.email, {
        from: { address: sender.address, name: sender.name },
        subject: sender.inC4c ? `${sender.company || sender.name}: follow-up on our ${['quote', 'demo', 'renewal', 'order'][i % 4]}` : i % 2 ? 'Your invitation to the Spring Trade Fair' : 'Introduction – partnership opportunity',
        bodyHtml: `<html><body><p>Hello ${demo.displayName.split(' ')[0]},</p><p>${sender.inC4c ? 'as discussed, here are the details.' : 'we have not met yet, but…'}</p><p>Best regards,<br>${sender.name}${sender.company ? `<br>${sender.company}` : ''}</p></body></html>`,
        receivedAt: new Date(base - (DEMO_CUSTOMER_PEOPLE.length - i) * 3600 * 1000 - userIndex * 60_000).toISOString(),
        categories: i === 0 ? ['Red category'] : [],
        attachments: i % 3 === 0 ? [{ name: `${(sender.company || sender.name).split(' ')[0]}-details.pdf`, contentType: 'application/pdf', contentBase64: Buffer.from(`%PDF-1.4 demo for ${sender.name}\n`).toString('base64') }] : [],
      });
    });
    // Tasks and contacts.
    user.createTask(demo.email, { subject: `Prepare quote for ${DEMO_CUSTOMER_PEOPLE[userIndex].company || DEMO_CUSTOMER_PEOPLE[userIndex].name}`, status: 'inProgress', importance: 'high', startDate: '2026-11-02', dueDate: '2026-11-06', bodyText: 'Pricing sheet from last year is in the shared folder.' });
    user.createTask(demo.email, { subject: 'Send trade fair follow-ups', status: 'notStarted', importance: 'normal', dueDate: '2026-11-13' });
    for (const p of DEMO_CUSTOMER_PEOPLE.filter((x) => x.inC4c).slice(userIndex * 2, userIndex * 2 + 3)) {
      const [givenName, ...rest] = p.name.split(' ');
      user.createContact(demo.email, { givenName, surname: rest.join(' '), displayName: p.name, companyName: p.company || undefined, emailAddresses: [{ address: p.address, name: p.name }] });
    }
  });
  // One email sent to two colleagues: the same Internet Message-ID in both mailboxes, so both can save it (once).
  {
    const [anna, marco] = DEMO_USERS;
    const katrin = person('katrin.hoffmann@nordwind-maschinenbau.example');
    const shared = {
      internetMessageId: '<shared-rfq-2026-11@nordwind-maschinenbau.example>',
      from: { address: katrin.address, name: katrin.name },
      to: [{ address: anna.email, name: anna.displayName }],
      cc: [{ address: marco.email, name: marco.displayName }],
      subject: 'RFQ: 40 circulation pumps for the Munich plant',
      bodyHtml: `<html><body><p>Hello Anna, hello Marco,</p><p>please quote 40 circulation pumps, delivery in Q1.</p><p>Best regards,<br>${katrin.name}<br>${katrin.company}</p></body></html>`,
      receivedAt: new Date(base + 3600 * 1000).toISOString(),
    };
    user.deliverMessage(anna.email, shared);
    user.deliverMessage(marco.email, shared);
  }
  // Meetings between the demo users and customers in other time zones (organizer copies + attendee copies).
  const [anna, marco, priya] = DEMO_USERS;
  const charlotte = person('charlotte.hughes@thamesprecision.example');
  const emily = person('emily.carter@blueharbor-logistics.example');
  const camille = person('camille.dubois@lumiere-retail.example');
  user.createEvent(anna.email, {
    subject: 'Quarterly review with Thames Precision',
    start: new Date(base + 2 * day).toISOString(), // 09:00 Berlin = 08:00 London
    end: new Date(base + 2 * day + 3600 * 1000).toISOString(),
    timeZone: 'W. Europe Standard Time',
    isAllDay: false,
    location: 'Teams',
    bodyHtml: '<p>Agenda: volumes, pricing, roadmap.</p>',
    attendees: [
      { address: charlotte.address, name: charlotte.name, type: 'required', response: 'none' },
      { address: marco.email, name: marco.displayName, type: 'optional', response: 'none' },
    ],
    sensitivity: 'normal',
    categories: [],
  });
  const rollout = user.createEvent(priya.email, {
    subject: 'Blue Harbor rollout planning (weekly)',
    start: new Date(base + 1 * day + 6 * 3600 * 1000).toISOString(), // 14:00 UTC = 09:00 Boston
    end: new Date(base + 1 * day + 7 * 3600 * 1000).toISOString(),
    timeZone: 'Eastern Standard Time',
    isAllDay: false,
    attendees: [
      { address: emily.address, name: emily.name, type: 'required', response: 'none' },
      { address: anna.email, name: anna.displayName, type: 'required', response: 'none' },
    ],
    recurrence: { pattern: 'weekly', interval: 1, daysOfWeek: ['tuesday'], startDate: '2026-11-03', numberOfOccurrences: 8 },
    sensitivity: 'normal',
    categories: [],
  });
  const annaCopy = store.meetingCopies(rollout.iCalUid).find((c) => c.mailbox === anna.email.toLowerCase());
  if (annaCopy) user.respondToMeeting(anna.email, annaCopy.event.id, 'accepted');
  user.createEvent(marco.email, {
    subject: 'Lunch with Lumière Retail',
    start: new Date(base + 3 * day + 3.5 * 3600 * 1000).toISOString(),
    end: new Date(base + 3 * day + 5 * 3600 * 1000).toISOString(),
    timeZone: 'Romance Standard Time',
    isAllDay: false,
    location: 'Lyon, Rue de la République',
    attendees: [{ address: camille.address, name: camille.name, type: 'required', response: 'none' }],
    sensitivity: 'private',
    categories: [],
  });
}

/**
 * Bench/test filler: `count` items of the folder's kind, inserted directly (one change-log entry each).
 * Returns the ids, newest first.
 */
export function generateBulkItems(store: ExchangeStore, address: string, folderId: string, count: number, options: { kind?: FolderKind } = {}): string[] {
  const folder = store.folder(address, folderId);
  const kind = itemKindOfFolder(options.kind ?? folder.kind);
  const ids: string[] = [];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i * 60_000).toISOString();
    const n = i + 1;
    let item: Parameters<ExchangeStore['createItem']>[2];
    if (kind === 'message') {
      item = { kind, internetMessageId: `<bulk-${n}-${newChangeKey()}@${DEMO_MAIL_DOMAIN}>`, subject: `Bulk message ${n}`, from: { address: `sender${n % 50}@bulk.example`, name: `Sender ${n % 50}` }, to: [{ address }], cc: [], sentAt: at, receivedAt: at, isDraft: false, isRead: true, bodyHtml: `<p>Message ${n}</p>`, attachments: [] };
    } else if (kind === 'event') {
      item = { kind, iCalUid: `BULK${newItemId()}`, subject: `Bulk event ${n}`, start: at, end: new Date(Date.parse(at) + 1800_000).toISOString(), timeZone: 'UTC', isAllDay: false, attendees: [], isOrganizer: true, isCancelled: false, type: 'singleInstance', sensitivity: 'normal', myResponse: 'organizer' };
    } else if (kind === 'task') {
      item = { kind, subject: `Bulk task ${n}`, status: 'notStarted', importance: 'normal' };
    } else {
      item = { kind, displayName: `Bulk Contact ${n}`, givenName: 'Bulk', surname: `Contact ${n}`, emailAddresses: [{ address: `bulk${n}@bulk.example` }] };
    }
    ids.push(store.createItem(address, folderId, item, { at }).id);
  }
  return ids.reverse();
}

export type { StoredItem };
