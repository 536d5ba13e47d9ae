/**
 * Saving an email to C4C exactly once per organization (S3, E3), for the sidebar's Save and the sync engine alike:
 * the E-Mail activity is built by `buildEmailActivity` (parties, direction from the saver's own addresses, owner
 * employee, main account / contact, related items) and created through the `email_saves` ledger.
 *
 * Links are either the caller's explicit choice (the sidebar; the email's people are searched once inside the claim,
 * in the same $batch that looks the key up in C4C, so a save costs two round trips: that batch and the create) or 'auto' (the engine): the initial search's suggestion computed from
 * matches the caller resolved in bulk with `resolveAddresses`, so a session costs one search per 100 addresses, not
 * one per email.
 */
import { MAX_SEARCH_ADDRESSES, type ContactKind } from '../../shared/api/sidebar';
import { RELATED_ITEM_TYPE_CODES } from '../c4c/activities/codes';
import { buildEmailActivity, normalizeAddress, type ResolvedParty } from '../c4c/activities/email';
import type { AddressMatches, C4cPort } from '../c4c/port';
import { exactlyOnce } from './exactly-once';
import {
  autoSuggestion,
  isSearchableAddress,
  mainContactLinks,
  matchesFor,
  ownerPartyId,
  partiesOf,
  partyIdFromMatches,
  uniqueAddresses,
} from './linking';
import { recordStatus, timingsOf, toOutcome } from './outcome';
import {
  LinkedRecordNotFoundError,
  type EmailSavingRoom,
  type SaveEmailInput,
  type SaveOutcome,
  type Saver,
  type SavingOptions,
} from './types';

export type EmailSavingOptions = SavingOptions;

/** The saver's own addresses: the login first (the owner is looked up by it), then aliases. */
export function ownAddressesOf(saver: Saver): string[] {
  return [...new Set([saver.email, ...(saver.ownAddresses ?? [])].map(normalizeAddress).filter((a) => a !== ''))];
}

/** The party ID of a record chosen by ObjectID: from the matches when they carry it, else read from C4C. */
export async function resolvePartyId(
  c4c: C4cPort,
  matches: readonly AddressMatches[],
  kind: 'account' | ContactKind,
  objectId: string,
  field: string,
): Promise<string> {
  const known = partyIdFromMatches(matches, kind, objectId);
  if (known !== undefined) return known;
  const partyId = await c4c.partyIdOf(kind, objectId);
  if (!partyId) throw new LinkedRecordNotFoundError(kind, field);
  return partyId;
}

export function createEmailSaving(options: EmailSavingOptions): EmailSavingRoom {
  const { store } = options;
  const { leaseMs, waitMs } = timingsOf(options);
  const once = exactlyOnce({ ledger: store.emailSaves, what: 'email', leaseMs, waitMs });

  /** Whom an explicit save searches: the email's people and the saver's own addresses (the owner employee). */
  function searchedAddresses(saver: Saver, input: SaveEmailInput): string[] {
    const { email } = input;
    const people = [email.from, ...email.to, ...email.cc].map((p) => p.address);
    return uniqueAddresses([...people, ...ownAddressesOf(saver)].map((address) => ({ address })));
  }

  /** `searched`: the explicit save's search, when it was made together with the look-up of the key. */
  async function buildBody(c4c: C4cPort, saver: Saver, input: SaveEmailInput, searched?: AddressMatches[]): Promise<Record<string, unknown>> {
    const { email, links } = input;
    const own = ownAddressesOf(saver);
    const people = [email.from, ...email.to, ...email.cc].map((p) => p.address);

    let matches: AddressMatches[];
    let choice: { mainAccountObjectId?: string; mainContactObjectId?: string; mainContactKind?: ContactKind };
    const related: Array<{ typeCode: string; id: string }> = [];
    if (links.kind === 'explicit') {
      matches = searched ?? (await c4c.search(searchedAddresses(saver, input)));
      choice = links;
      if (links.relatedItem) related.push({ typeCode: RELATED_ITEM_TYPE_CODES[links.relatedItem.type], id: links.relatedItem.id });
    } else {
      // Own addresses stay in (the owner employee is found by them); autoSuggestion never suggests them.
      matches = matchesFor([...people, ...own], links.matches, links.blocked);
      choice = autoSuggestion(matches, own, links.blocked);
    }

    const parties = partiesOf(matches);
    const contact = choice.mainContactObjectId
      ? mainContactLinks(await resolvePartyId(c4c, matches, choice.mainContactKind ?? 'contact', choice.mainContactObjectId, 'mainContactObjectId'), choice.mainContactKind ?? 'contact')
      : mainContactLinks(undefined, undefined);
    const mainAccountPartyId = choice.mainAccountObjectId
      ? await resolvePartyId(c4c, matches, 'account', choice.mainAccountObjectId, 'mainAccountObjectId')
      : undefined;
    return buildEmailActivity(email, {
      // Direction: sent from the login or from an own alias (the mailbox address Outlook reports).
      ownAddresses: own,
      parties: new Map<string, ResolvedParty>([...parties].map(([address, record]) => [address, { partyId: record.id }])),
      links: {
        mainAccountPartyId,
        mainContactPartyId: contact.mainContactPartyId,
        ownerPartyId: ownerPartyId(parties, own),
        related: [...contact.related, ...related],
      },
      includeAttachments: input.includeAttachments,
    });
  }

  return {
    async saveEmail(saver: Saver, input: SaveEmailInput): Promise<SaveOutcome> {
      const c4c = await options.c4cFor(saver.organizationId);
      const key = input.email.internetMessageId;
      // An explicit save searches the email's people anyway: the look-up of the key rides in the same $batch.
      let searched: AddressMatches[] | undefined;
      const find =
        input.links.kind === 'explicit'
          ? async () => {
              const answer = await c4c.searchAndFindEmail(searchedAddresses(saver, input), key);
              searched = answer.matches;
              return answer.existing;
            }
          : () => c4c.findEmail(key);
      const result = await once.run({
        organizationId: saver.organizationId,
        key,
        userId: saver.userId,
        find,
        knownAbsent: input.absentInC4c === true,
        create: async () => c4c.createEmail(await buildBody(c4c, saver, input, searched), key),
      });
      return toOutcome(store, saver, c4c, 'email', result);
    },

    async resolveAddresses(organizationId: string, addresses: string[]): Promise<AddressMatches[]> {
      const c4c = await options.c4cFor(organizationId);
      const wanted = [...new Set(addresses.map(normalizeAddress).filter(isSearchableAddress))];
      const out: AddressMatches[] = [];
      // Each search is one $batch; chunks of what one search may carry keep every request's URLs within limits.
      for (let i = 0; i < wanted.length; i += MAX_SEARCH_ADDRESSES) {
        out.push(...(await c4c.search(wanted.slice(i, i + MAX_SEARCH_ADDRESSES))));
      }
      return out;
    },

    async findSaved(organizationId: string, internetMessageIds: string[]): Promise<Set<string>> {
      if (internetMessageIds.length === 0) return new Set();
      const c4c = await options.c4cFor(organizationId);
      return new Set((await c4c.findEmails(internetMessageIds)).keys());
    },

    async autoResolve(request) {
      if (!options.autoResolver || request.settings.autoResolve === 'off') return { resolved: [], created: 0, skipped: [] };
      return options.autoResolver.resolve(await options.c4cFor(request.organizationId), request);
    },

    async emailStatus(organizationId: string, internetMessageId: string) {
      const c4c = await options.c4cFor(organizationId);
      return recordStatus(store, once, organizationId, internetMessageId, 'email', c4c, () => c4c.findEmail(internetMessageId));
    },
  };
}
