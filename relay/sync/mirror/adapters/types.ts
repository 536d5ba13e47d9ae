/**
 * How the mirror step (relay/sync/mirror/step.ts) builds a kind's two side adapters for one session. One factory per
 * kind family: calendar (appointment), tasks (task), contacts (contact, account, individualCustomer).
 */
import type { C4cClient } from '../../../c4c/client';
import type { MirrorSettings } from '../../../../shared/api/mirror';
import type { SessionContext } from '../../types';
import type { KindMapping } from '../mapping/types';
import type { MeetingOwnerRepository, MirrorKind, MirrorLink, SideAdapter } from '../types';

export interface AdapterDeps<K extends MirrorKind> {
  kind: K;
  /** The session: mailbox, user, settings, cursors (commit through adapter.commitCursor only), clock, counts. */
  ctx: SessionContext;
  c4c: C4cClient;
  mapping: KindMapping<K>;
  settings: MirrorSettings;
  /** Calendar only: who drives each meeting of the organization. */
  owners: MeetingOwnerRepository;
  /** The C4C party (Employee) of this mailbox's user, for owner / attendee scopes; undefined when not found. */
  employee?: { objectId: string; employeeId: string; uuid?: string };
  /** The links the step read for this kind (adapters use them to verify absences and to expand series). */
  links: MirrorLink[];
  /**
   * E8, when the organization auto-resolves: creates the attendees C4C does not know (Leads or Contacts, exactly once
   * per organization) and answers the party of each one that can be linked (contacts: PartyTypeCode 147).
   */
  autoResolve?(people: { address: string; name?: string }[]): Promise<Map<string, { partyId: string; typeCode: string }>>;
  /**
   * Calendar only, optional: the organization's e-mail domains (an organizer there is "inside the organization", so an
   * attendee's copy of their meeting never drives it). Without it, only the user's own domain counts as internal.
   */
  organizationDomains?: () => Promise<string[]>;
}

export interface AdapterPair {
  mailbox: SideAdapter;
  c4c: SideAdapter;
}

export type AdapterFactory<K extends MirrorKind> = (deps: AdapterDeps<K>) => Promise<AdapterPair>;
