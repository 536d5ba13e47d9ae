/**
 * The one entry point to open a mailbox: picks the backend by access kind (product feature A3).
 * - `ews-impersonation` / `ews-direct` → EWS (ews-javascript-api), on-premises and EXO until EWS is switched off;
 * - `graph-app` / `graph-delegated` → Microsoft Graph (Graph SDK + msal-node).
 * Backend-specific settings (CAs of private PKIs, retry bounds, calendar window, msal extras) go in `options`.
 */
import { createEwsMailbox, type EwsMailboxOptions } from './ews';
import { openGraphMailbox, type GraphMailboxOptions } from './graph';
import type { Mailbox, MailboxAccess, MailboxFactory } from './types';

export interface OpenMailboxOptions {
  ews?: EwsMailboxOptions;
  graph?: GraphMailboxOptions;
}

export function openMailbox(address: string, access: MailboxAccess, options: OpenMailboxOptions = {}): Mailbox {
  switch (access.kind) {
    case 'ews-impersonation':
    case 'ews-direct':
      return createEwsMailbox(address, access, options.ews);
    case 'graph-app':
    case 'graph-delegated':
      return openGraphMailbox(address, access, options.graph);
  }
}

/** A factory bound to backend options (what the sync engine and the admin access check are given). */
export function createMailboxFactory(options: OpenMailboxOptions = {}): MailboxFactory {
  return { open: (address, access) => openMailbox(address, access, options) };
}

export * from './types';
