/**
 * The sidebar's use cases: who is who (initial search), save an email exactly once, create a meeting exactly once,
 * quick-create contacts and leads, related-item search, and the saved / created status.
 *
 * Exactly-once (S3, S5): a ledger row keyed by (organization, Internet Message-ID | groupware item id) is claimed in
 * the database before anything is created in C4C, and the C4C record carries the same key in GroupwareItemID. So:
 * - a double click or a colleague saving at the same time finds the live claim and waits for its outcome;
 * - a retry after a failure re-claims and first asks C4C whether the earlier attempt created the record;
 * - a relay crash between the C4C create and the ledger commit leaves a claim whose lease runs out; the next
 *   attempt re-claims, finds the record by GroupwareItemID and records it instead of creating a second one.
 */
import type {
  AppointmentStatus,
  C4cRecord,
  ContactKind,
  CreateAppointmentRequest,
  CreateAppointmentResponse,
  EmailStatus,
  SaveEmailRequest,
  SaveEmailResponse,
  SaveSuggestion,
  SearchResponse,
} from '../../shared/api/sidebar';
import { HttpError } from '../http/errors';
import type { Ledger, LedgerEntry, Store } from '../store';
import { buildAppointment, type AppointmentParty } from './appointment-activity';
import { RELATED_ITEM_TYPE_CODES } from './c4c-codes';
import type { ICalUidResolver } from './meeting-key';
import { buildEmailActivity, normalizeAddress, type ResolvedParty } from './email-activity';
import type { AddressMatches, C4cIds, SidebarC4c } from './ports';

export interface SidebarUser {
  organizationId: string;
  userId: string;
  email: string;
  displayName: string;
}

export interface SidebarServiceOptions {
  store: Store;
  /** The C4C port of the user's organization. */
  c4cFor(organizationId: string): Promise<SidebarC4c>;
  /** How long a claim is honoured before it counts as abandoned by a crashed relay. */
  claimLeaseMs?: number;
  /** How long a second request waits for a claim held by another request before answering "in progress". */
  waitForClaimMs?: number;
  /** Reads a meeting's iCalendar UID from the user's mailbox when the add-in could only send the item id. */
  resolveICalUid?: ICalUidResolver;
}

const SIMPLE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The order SSI reads people in: sender, To, Cc (organizer, attendees for meetings); each address once. */
export function uniqueAddresses(addresses: Array<{ address: string }>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { address } of addresses) {
    const key = normalizeAddress(address);
    if (!SIMPLE_ADDRESS.test(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}

const PERSON_PRIORITY: Record<C4cRecord['kind'], number> = { contact: 0, individualCustomer: 1, lead: 2, employee: 3, account: 4 };

/**
 * SSI's preselection (c4c-odata.md §13): the first parsed Contact (else Individual Customer, else Lead) is the main
 * contact; its account, else the first account found, is the main account. Employees never are.
 */
export function suggestLinks(matches: AddressMatches[]): SaveSuggestion {
  const suggestion: SaveSuggestion = {};
  for (const kind of ['contact', 'individualCustomer', 'lead'] as const) {
    const record = matches.flatMap((m) => m.records).find((r) => r.kind === kind);
    if (record) {
      suggestion.mainContactObjectId = record.objectId;
      suggestion.mainContactKind = kind;
      if (record.accountObjectId) suggestion.mainAccountObjectId = record.accountObjectId;
      break;
    }
  }
  if (!suggestion.mainAccountObjectId) {
    const account = matches.flatMap((m) => m.records).find((r) => r.kind === 'account');
    if (account) suggestion.mainAccountObjectId = account.objectId;
  }
  return suggestion;
}

/** The record C4C links a party by, for each address: a person before an account, a contact before an employee. */
function partiesOf(matches: AddressMatches[]): Map<string, C4cRecord> {
  const parties = new Map<string, C4cRecord>();
  for (const match of matches) {
    const linkable = match.records.filter((r) => r.kind !== 'lead').sort((a, b) => PERSON_PRIORITY[a.kind] - PERSON_PRIORITY[b.kind]);
    if (linkable[0]) parties.set(normalizeAddress(match.address), linkable[0]);
  }
  return parties;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSidebarService(options: SidebarServiceOptions) {
  const { store } = options;
  // Longer than the worst C4C create (4 attempts of 30 s plus Retry-After waits and the look-ups around them), so a
  // slow create is never taken over by a second claimant; after a crash the claim lapses after this long.
  const leaseMs = options.claimLeaseMs ?? 300_000;
  const waitMs = options.waitForClaimMs ?? 20_000;

  /** The meeting's exactly-once key: its iCalendar UID, read from the mailbox when only the item id was sent. */
  async function meetingKey(user: SidebarUser, groupwareItemId: string, source: 'iCalUId' | 'itemId' | undefined): Promise<string> {
    if (source !== 'itemId' || options.resolveICalUid === undefined) return groupwareItemId;
    const uid = await options.resolveICalUid(user, groupwareItemId);
    if (uid === undefined || uid === groupwareItemId) return groupwareItemId;
    // Created earlier under the item id (the mailbox could not be read then, e.g. an item not yet on the server):
    // keep that key, or the same meeting would be created a second time under its UID.
    const earlier = await store.appointmentCreates.get(user.organizationId, groupwareItemId);
    return earlier !== undefined && earlier.status !== 'failed' ? groupwareItemId : uid;
  }

  async function displayNameOf(organizationId: string, userId: string | null): Promise<string | undefined> {
    if (!userId) return undefined;
    return (await store.users.get(organizationId, userId))?.displayName;
  }

  /** Waits while another request holds the claim; returns the entry once it is no longer pending. */
  async function waitForOutcome(ledger: Ledger, organizationId: string, key: string): Promise<LedgerEntry | undefined> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await sleep(150);
      const entry = await ledger.get(organizationId, key);
      if (entry && entry.status !== 'pending') return entry;
    }
    return undefined;
  }

  /**
   * The exactly-once skeleton shared by emails and meetings: claim, look for an earlier record, create, commit.
   * Returns the C4C ids and whether they existed before this call.
   */
  async function once(
    ledger: Ledger,
    user: SidebarUser,
    key: string,
    find: () => Promise<C4cIds | undefined>,
    create: () => Promise<C4cIds>,
  ): Promise<{ ids: C4cIds; existed: boolean }> {
    let claim = await ledger.claim(user.organizationId, key, user.userId, leaseMs);
    if (claim.outcome === 'in-progress') {
      const settled = await waitForOutcome(ledger, user.organizationId, key);
      if (!settled) throw new HttpError(409, 'save-in-progress', 'This item is being saved right now. Check again in a moment.');
      claim = settled.status === 'saved' ? { outcome: 'saved', row: settled } : await ledger.claim(user.organizationId, key, user.userId, leaseMs);
      if (claim.outcome === 'in-progress') throw new HttpError(409, 'save-in-progress', 'This item is being saved right now. Check again in a moment.');
    }
    if (claim.outcome === 'saved') {
      return { ids: { objectId: claim.row.c4cObjectId ?? '', id: claim.row.c4cId ?? '' }, existed: true };
    }
    const token = claim.claimToken;
    try {
      const existing = await find();
      if (existing) {
        await ledger.complete(user.organizationId, key, token, existing);
        return { ids: existing, existed: true };
      }
      const created = await create();
      // The record exists in C4C now, with the key in GroupwareItemID: even if the ledger commit fails (database
      // blip, lapsed claim), the user gets the record and any later attempt finds it instead of creating another.
      await ledger.complete(user.organizationId, key, token, created).catch(() => undefined);
      return { ids: created, existed: false };
    } catch (error) {
      // Release the claim so the user can retry at once; the retry looks the key up in C4C before creating.
      await ledger.fail(user.organizationId, key, token, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw error;
    }
  }

  type KnownRecord =
    | { state: 'none' | 'pending' }
    | { state: 'done'; objectId: string; id?: string; c4cUrl: string; at?: string; by?: string };

  /**
   * Whether the item is already in C4C: the ledger first, then C4C itself by GroupwareItemID (saved outside this relay's
   * ledger, e.g. by the sync engine of another deployment).
   */
  async function recordStatus(ledger: Ledger, user: SidebarUser, key: string, kind: 'email' | 'appointment', c4c: SidebarC4c, find: () => Promise<C4cIds | undefined>): Promise<KnownRecord> {
    const entry = await ledger.get(user.organizationId, key);
    if (entry?.status === 'saved' && entry.c4cObjectId) {
      return {
        state: 'done',
        objectId: entry.c4cObjectId,
        id: entry.c4cId ?? undefined,
        c4cUrl: c4c.recordUrl(kind, entry.c4cObjectId, entry.c4cId ?? ''),
        at: entry.updatedAt.toISOString(),
        by: await displayNameOf(user.organizationId, entry.savedByUserId),
      };
    }
    if (entry?.status === 'pending') return { state: 'pending' };
    const found = await find();
    return found ? { state: 'done', objectId: found.objectId, id: found.id, c4cUrl: c4c.recordUrl(kind, found.objectId, found.id) } : { state: 'none' };
  }

  async function resolveParty(c4c: SidebarC4c, parties: Map<string, C4cRecord>, kind: 'account' | 'contact' | 'lead' | 'individualCustomer', objectId: string, field: string): Promise<string> {
    for (const record of parties.values()) if (record.objectId === objectId) return record.id;
    const partyId = await c4c.partyIdOf(kind, objectId);
    if (!partyId) throw new HttpError(400, 'invalid-request', `The selected ${kind} no longer exists in C4C`, { [field]: 'Not found in C4C' });
    return partyId;
  }

  /** The chosen main contact as links: a lead is not a business partner, so it is referenced, never the main contact. */
  async function mainContactLinks(
    c4c: SidebarC4c,
    parties: Map<string, C4cRecord>,
    objectId: string | undefined,
    kind: ContactKind | undefined,
  ): Promise<{ mainContactPartyId?: string; related: Array<{ typeCode: string; id: string }> }> {
    if (!objectId || !kind) return { related: [] };
    const partyId = await resolveParty(c4c, parties, kind, objectId, 'mainContactObjectId');
    return kind === 'lead' ? { related: [{ typeCode: RELATED_ITEM_TYPE_CODES.lead, id: partyId }] } : { mainContactPartyId: partyId, related: [] };
  }

  return {
    async search(user: SidebarUser, addresses: string[]): Promise<SearchResponse> {
      const c4c = await options.c4cFor(user.organizationId);
      const wanted = uniqueAddresses(addresses.map((address) => ({ address })));
      const matches = wanted.length > 0 ? await c4c.search(wanted) : [];
      return { results: matches.map((m) => ({ address: m.address, records: m.records })), suggestion: suggestLinks(matches.filter((m) => normalizeAddress(m.address) !== normalizeAddress(user.email))) };
    },

    async emailStatus(user: SidebarUser, internetMessageId: string): Promise<EmailStatus> {
      const c4c = await options.c4cFor(user.organizationId);
      const known = await recordStatus(store.emailSaves, user, internetMessageId, 'email', c4c, () => c4c.findEmail(internetMessageId));
      if (known.state !== 'done') return { status: known.state === 'pending' ? 'saving' : 'not-saved' };
      return { status: 'saved', objectId: known.objectId, id: known.id, c4cUrl: known.c4cUrl, savedAt: known.at, savedBy: known.by };
    },

    async saveEmail(user: SidebarUser, request: SaveEmailRequest): Promise<SaveEmailResponse> {
      const c4c = await options.c4cFor(user.organizationId);
      const key = request.internetMessageId;
      const { ids, existed } = await once(
        store.emailSaves,
        user,
        key,
        () => c4c.findEmail(key),
        async () => {
          const people = uniqueAddresses([request.from, ...request.to, ...request.cc, { address: user.email }]);
          const parties = partiesOf(await c4c.search(people));
          const { mainContactPartyId, related } = await mainContactLinks(c4c, parties, request.mainContactObjectId, request.mainContactKind);
          const mainAccountPartyId = request.mainAccountObjectId
            ? await resolveParty(c4c, parties, 'account', request.mainAccountObjectId, 'mainAccountObjectId')
            : undefined;
          if (request.relatedItem) related.push({ typeCode: RELATED_ITEM_TYPE_CODES[request.relatedItem.type], id: request.relatedItem.id });
          const owner = parties.get(normalizeAddress(user.email));
          const body = buildEmailActivity(
            { ...request, attachments: request.attachments ?? [] },
            {
              // Direction: sent from the user's login or from the mailbox address Outlook reports (an alias).
              ownAddresses: request.mailboxAddress === undefined ? [user.email] : [user.email, request.mailboxAddress],
              parties: new Map<string, ResolvedParty>([...parties].map(([address, record]) => [address, { partyId: record.id }])),
              links: { mainAccountPartyId, mainContactPartyId, ownerPartyId: owner?.kind === 'employee' ? owner.id : undefined, related },
              includeAttachments: request.includeAttachments,
            },
          );
          return c4c.createEmail(body, key);
        },
      );
      return { status: 'saved', objectId: ids.objectId, id: ids.id, c4cUrl: c4c.recordUrl('email', ids.objectId, ids.id), alreadySaved: existed };
    },

    async appointmentStatus(user: SidebarUser, itemKey: string, source?: 'iCalUId' | 'itemId'): Promise<AppointmentStatus> {
      const c4c = await options.c4cFor(user.organizationId);
      const groupwareItemId = await meetingKey(user, itemKey, source);
      const known = await recordStatus(store.appointmentCreates, user, groupwareItemId, 'appointment', c4c, () => c4c.findAppointment(groupwareItemId));
      if (known.state !== 'done') return { status: known.state === 'pending' ? 'creating' : 'not-created' };
      return { status: 'created', objectId: known.objectId, id: known.id, c4cUrl: known.c4cUrl, createdAt: known.at, createdBy: known.by };
    },

    async createAppointment(user: SidebarUser, request: CreateAppointmentRequest): Promise<CreateAppointmentResponse> {
      const c4c = await options.c4cFor(user.organizationId);
      const key = await meetingKey(user, request.groupwareItemId, request.groupwareItemIdSource);
      const { ids, existed } = await once(
        store.appointmentCreates,
        user,
        key,
        () => c4c.findAppointment(key),
        async () => {
          const people = uniqueAddresses([request.organizer, ...request.attendees, { address: user.email }]);
          const parties = partiesOf(await c4c.search(people));
          const appointmentParties = new Map<string, AppointmentParty>();
          for (const [address, record] of parties) {
            if (record.kind !== 'lead') appointmentParties.set(address, { partyId: record.id, kind: record.kind });
          }
          const mainAccountPartyId = request.mainAccountObjectId ? await resolveParty(c4c, parties, 'account', request.mainAccountObjectId, 'mainAccountObjectId') : undefined;
          const { mainContactPartyId, related } = await mainContactLinks(c4c, parties, request.mainContactObjectId, request.mainContactKind ?? 'contact');
          const owner = parties.get(normalizeAddress(user.email));
          const body = buildAppointment({ ...request, groupwareItemId: key }, {
            parties: appointmentParties,
            mainAccountPartyId,
            mainContactPartyId,
            related,
            ownerPartyId: owner?.kind === 'employee' ? owner.id : undefined,
          });
          return c4c.createAppointment(body, key);
        },
      );
      return { objectId: ids.objectId, id: ids.id, c4cUrl: c4c.recordUrl('appointment', ids.objectId, ids.id), alreadyCreated: existed };
    },
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
