/**
 * The "save to C4C exactly once" use case, shared by the sidebar's Save / Create buttons and the sync engine
 * (architecture: one room per use case, called by routes and jobs alike). Domain code: it throws the domain errors
 * below, never HTTP errors; `relay/http` maps them to status codes.
 */
import type { ContactKind } from '../../shared/api/sidebar';
import type { AddressMatches, C4cIds, C4cPort } from '../c4c/port';
import type { EmailToSave } from '../c4c/activities/email';
import type { MeetingToCreate } from '../c4c/activities/appointment';
import type { Store } from '../store';

/** Who saves: null for a save by the engine on nobody's explicit behalf is not allowed; the engine saves as the mailbox owner. */
export interface Saver {
  organizationId: string;
  userId: string;
  /** The user's primary address (direction and owner are decided from it). */
  email: string;
  /** Further own addresses (aliases, the mailbox address Outlook reports). */
  ownAddresses?: string[];
  /** The saver's name, when the caller has it: "saved by" then needs no look-up when the saver saved it. */
  displayName?: string;
}

/** How the saved email is linked (E7 / S3). */
export type EmailLinkChoice =
  | {
      kind: 'explicit';
      mainAccountObjectId?: string;
      mainContactObjectId?: string;
      mainContactKind?: 'contact' | 'lead' | 'individualCustomer';
      relatedItem?: { type: 'opportunity' | 'ticket' | 'lead'; id: string };
    }
  | {
      /** The initial search's suggestion (the sidebar's rules), from matches the caller already resolved in bulk. */
      kind: 'auto';
      matches: AddressMatches[];
      /** Addresses that must never be linked (blocklists, E9). */
      blocked?: (address: string) => boolean;
    };

export interface SaveEmailInput {
  email: EmailToSave;
  links: EmailLinkChoice;
  includeAttachments: boolean;
  /** Set when `findSaved` said moments ago that C4C has no E-Mail with this Message-ID (saves one look-up). */
  absentInC4c?: boolean;
}

export interface SaveOutcome {
  ids: C4cIds;
  /** True when the record existed before this call (saved earlier by anyone); nothing new was created. */
  existed: boolean;
  c4cUrl: string;
  /** When and by whom the record was saved (for "already saved" messages), when known. */
  savedAt?: string;
  savedBy?: string;
}

/** Another caller holds the claim on this email / meeting right now and did not finish within the wait. */
export class SaveInProgressError extends Error {
  constructor(readonly what: 'email' | 'appointment' | 'record') {
    super(`This ${what === 'email' ? 'email' : what === 'appointment' ? 'meeting' : 'record'} is being saved right now. Check again in a moment.`);
    this.name = 'SaveInProgressError';
  }
}


/** A record the caller chose to link (by ObjectID) does not exist in C4C. `field` names the request field. */
export class LinkedRecordNotFoundError extends Error {
  constructor(readonly recordKind: string, readonly field: string) {
    super(`The selected ${recordKind} no longer exists in C4C`);
    this.name = 'LinkedRecordNotFoundError';
  }
}

import type { AutoResolver, AutoResolveRequest, AutoResolveResult } from './auto-resolve';

/** Re-exported: the C4C port raises it; callers of the saving room catch it from here as before. */
export { C4cNotConfiguredError, DuplicateRecordError } from '../c4c/port';

export interface EmailSaving {
  /** Saves the email exactly once per organization (keyed by Internet Message-ID); see relay/store/ledger.ts. */
  saveEmail(saver: Saver, input: SaveEmailInput): Promise<SaveOutcome>;
  /** Resolves many addresses in as few C4C round trips as possible (for a whole session's emails at once). */
  resolveAddresses(organizationId: string, addresses: string[]): Promise<AddressMatches[]>;
  /** Which of these Message-IDs C4C already has as E-Mails (saved by anyone), in as few requests as possible. */
  findSaved(organizationId: string, internetMessageIds: string[]): Promise<Set<string>>;
  /** E8: creates the unknown people (and their companies) as the organization's settings say; exactly once each. */
  autoResolve(request: AutoResolveRequest): Promise<AutoResolveResult>;
}

export type C4cPortFor = (organizationId: string) => Promise<C4cPort>;

/** Whether an email / meeting is in C4C already: the ledger first, then C4C itself by GroupwareItemID. */
export type RecordStatus =
  | { state: 'none' | 'pending' }
  | { state: 'done'; ids: C4cIds; c4cUrl: string; savedAt?: string; savedBy?: string };

/** What `createEmailSaving` returns: the engine's `EmailSaving` plus the status the sidebar shows. */
export interface EmailSavingRoom extends EmailSaving {
  emailStatus(organizationId: string, internetMessageId: string): Promise<RecordStatus>;
}

export interface CreateAppointmentInput {
  /** `groupwareItemId` is the exactly-once key (the iCalendar UID wherever it is known). */
  meeting: MeetingToCreate;
  mainAccountObjectId?: string;
  mainContactObjectId?: string;
  /** A lead is linked as a reference, never as the main contact. Contact when absent. */
  mainContactKind?: ContactKind;
}

export interface AppointmentSaving {
  /** Creates the C4C Appointment exactly once per organization and groupware item id (relay/store/ledger.ts). */
  createAppointment(saver: Saver, input: CreateAppointmentInput): Promise<SaveOutcome>;
  appointmentStatus(organizationId: string, groupwareItemId: string): Promise<RecordStatus>;
}

export interface SavingOptions {
  store: Store;
  c4cFor: C4cPortFor;
  /** E8; without it nobody is auto-resolved. */
  autoResolver?: AutoResolver;
  /** How long a claim is honoured before it counts as abandoned by a crashed relay. */
  claimLeaseMs?: number;
  /** How long a second caller waits for a claim held by another before giving up with SaveInProgressError. */
  waitForClaimMs?: number;
}
