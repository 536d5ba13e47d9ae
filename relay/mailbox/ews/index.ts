/**
 * EWS mailbox access (Exchange on-premises; Exchange Online until EWS is shut down there).
 * `createEwsMailbox(address, access)` opens one mailbox with a service account (impersonation) or the user's own
 * credentials (direct logon). See mailbox.ts for the library pitfalls handled, transport.ts for throttling and
 * concurrency.
 */
import { z } from 'zod';
import type { Mailbox, MailboxAccess } from '../types';
import type { EwsAccess, EwsMailboxOptions } from './mailbox';

const ewsAccessSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ews-impersonation'),
    ewsUrl: z.string().url(),
    username: z.string().min(1),
    password: z.string().min(1),
    maxConcurrency: z.number().int().min(1).max(26).optional(),
  }),
  z.object({ kind: z.literal('ews-direct'), ewsUrl: z.string().url(), username: z.string().min(1), password: z.string().min(1) }),
]);

/** Opens a mailbox over EWS. Throws (zod) for a non-EWS or malformed access configuration. */
export function createEwsMailbox(address: string, access: MailboxAccess, options?: EwsMailboxOptions): Mailbox {
  const parsed: EwsAccess = ewsAccessSchema.parse(access);
  z.string().email().parse(address);
  // Loaded with the first EWS mailbox: ews-javascript-api alone takes about 50 MB of a process's memory, which a
  // relay whose organizations all use Graph (or that has no mailbox open yet) should not pay.
  const { EwsMailbox } = require('./mailbox') as typeof import('./mailbox');
  return new EwsMailbox(address, parsed, options);
}

export type { EwsAccess, EwsMailboxOptions } from './mailbox';
export { accountLimiter, DEFAULT_EWS_CONCURRENCY, EWS_MAX_CONCURRENCY } from './limiter';
