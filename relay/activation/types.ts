/**
 * The user's own activation (S8): what its use cases are given, and their domain errors (relay/http maps them).
 * Every use case acts for the signed-in caller only: organization and user come from the validated token.
 */
import type { AutodiscoverOptions } from '../admin/autodiscover';
import type { Logger } from '../log';
import type { MsalOverrides } from '../mailbox/graph/auth';
import type { MailboxFactory } from '../mailbox/types';
import type { SecretBox } from '../secrets/secret-box';
import type { Queryable, Store } from '../store';
import type { SyncControl } from '../sync/types';

export interface ActivationCaller {
  organizationId: string;
  userId: string;
}

export interface ActivationDeps {
  db: Queryable;
  store: Store;
  secrets: SecretBox;
  sync: SyncControl;
  logger: Logger;
  /** Opens mailboxes to test credentials before they are stored (trusting the emulators' CA in the sandbox). */
  mailboxes: MailboxFactory;
  /** The relay's public origin: the Office dialog's pages and the OAuth redirect URI live there. */
  publicOrigin(): string;
  /** msal-node extras for the organization's authority (the Entra emulator's knownAuthorities / CA in the sandbox). */
  msal?: MsalOverrides;
  /** Autodiscover origins and timeout (default: `https://<domain>`, `https://autodiscover.<domain>`). */
  autodiscover?: Pick<AutodiscoverOptions, 'candidates' | 'timeoutMs'>;
  /** Accept http:// EWS URLs (the sandbox's emulator); otherwise a user's password only goes to https://. */
  allowHttpEwsUrl?: boolean;
  /** How long a consent may take from start to finish (default 10 minutes). */
  consentTtlMs?: number;
  now?: () => number;
}

/** The organization's access is not per user: the admin activates mailboxes (impersonation / application access). */
export class ActivationNotPerUserError extends Error {
  constructor() {
    super('Your organization connects mailboxes centrally; there is nothing to activate here. Ask your administrator if sync is not enabled.');
    this.name = 'ActivationNotPerUserError';
  }
}

export class MailboxTypeMismatchError extends Error {
  constructor(readonly expected: 'office365' | 'exchange') {
    super(expected === 'office365' ? 'Your organization connects mailboxes through Office 365: sign in with Microsoft instead.' : 'Your organization connects mailboxes through Exchange: sign in with your mailbox login and password instead.');
    this.name = 'MailboxTypeMismatchError';
  }
}

/** Autodiscover found no EWS URL: the user enters it (the extended login form). */
export class AutodiscoverFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutodiscoverFailedError';
  }
}

/** The mail server refused the login or password; nothing was stored. */
export class CredentialsRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsRejectedError';
  }
}

/** The mailbox could not be opened for another reason (unreachable server, no mailbox, missing rights). */
export class MailboxTestFailedError extends Error {
  constructor(message: string, readonly field: 'ewsUrl' | 'password' | 'login' | undefined = undefined) {
    super(message);
    this.name = 'MailboxTestFailedError';
  }
}

export class ConsentStateError extends Error {
  constructor(reason: string) {
    super(`This sign-in can't be completed (${reason}). Start the activation again.`);
    this.name = 'ConsentStateError';
  }
}

export class ConsentFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsentFailedError';
  }
}

export class ConsentWrongAccountError extends Error {
  constructor(expected: string, got: string) {
    super(`You signed in as ${got}, but this sidebar belongs to ${expected}. Sign in with ${expected}.`);
    this.name = 'ConsentWrongAccountError';
  }
}
