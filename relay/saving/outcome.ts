/** What emails and meetings share after the exactly-once run: the outcome as callers see it, and the status look-up. */
import type { Store } from '../store';
import type { C4cIds, C4cPort } from '../c4c/port';
import type { ExactlyOnce, OnceResult } from './exactly-once';
import type { RecordStatus, SaveOutcome, Saver, SavingOptions } from './types';

// Longer than the worst C4C create (4 attempts of 30 s plus Retry-After waits and the look-ups around them), so a slow
// create is never taken over by a second claimant; after a crash the claim lapses after this long.
export const DEFAULT_CLAIM_LEASE_MS = 300_000;
export const DEFAULT_WAIT_FOR_CLAIM_MS = 20_000;

export function timingsOf(options: SavingOptions): { leaseMs: number; waitMs: number } {
  return { leaseMs: options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS, waitMs: options.waitForClaimMs ?? DEFAULT_WAIT_FOR_CLAIM_MS };
}

export async function displayNameOf(store: Store, organizationId: string, userId: string | undefined): Promise<string | undefined> {
  if (!userId) return undefined;
  return (await store.users.get(organizationId, userId))?.displayName;
}

export async function toOutcome(store: Store, saver: Saver, c4c: C4cPort, kind: 'email' | 'appointment', result: OnceResult): Promise<SaveOutcome> {
  const outcome: SaveOutcome = { ids: result.ids, existed: result.existed, c4cUrl: c4c.recordUrl(kind, result.ids.objectId, result.ids.id) };
  if (result.savedAt) outcome.savedAt = result.savedAt.toISOString();
  const savedBy =
    result.savedByUserId === saver.userId && saver.displayName !== undefined
      ? saver.displayName
      : await displayNameOf(store, saver.organizationId, result.savedByUserId);
  if (savedBy !== undefined) outcome.savedBy = savedBy;
  return outcome;
}

/**
 * The ledger first, then C4C itself by GroupwareItemID (a record saved outside this relay's ledger, e.g. by another
 * deployment's sync).
 */
export async function recordStatus(
  store: Store,
  once: ExactlyOnce,
  organizationId: string,
  key: string,
  kind: 'email' | 'appointment',
  c4c: C4cPort,
  find: () => Promise<C4cIds | undefined>,
): Promise<RecordStatus> {
  const known = await once.ledgerState(organizationId, key);
  if (known.state === 'saved') {
    return {
      state: 'done',
      ids: known.ids,
      c4cUrl: c4c.recordUrl(kind, known.ids.objectId, known.ids.id),
      savedAt: known.savedAt.toISOString(),
      savedBy: await displayNameOf(store, organizationId, known.savedByUserId),
    };
  }
  if (known.state === 'pending') return known;
  const found = await find();
  return found ? { state: 'done', ids: found, c4cUrl: c4c.recordUrl(kind, found.objectId, found.id) } : { state: 'none' };
}
