/**
 * The exactly-once skeleton of every C4C create keyed by a groupware id (emails by Internet Message-ID, meetings by
 * iCalendar UID): claim → find → create → commit, over one of the ledgers of relay/store/ledger.ts.
 *
 * - A double click, a colleague or a sync session saving at the same time finds the live claim and waits for its
 *   outcome (then answers "existed", with who saved it and when).
 * - A retry after a failure re-claims and first asks C4C whether the earlier attempt created the record.
 * - A crash between the C4C create and the ledger commit leaves a claim whose lease runs out; the next attempt
 *   re-claims, finds the record by GroupwareItemID and records it instead of creating a second one.
 */
import type { Ledger, LedgerEntry } from '../store';
import type { C4cIds } from '../c4c/port';
import { SaveInProgressError } from './types';

export interface ExactlyOnceConfig {
  ledger: Ledger;
  what: 'email' | 'appointment' | 'record';
  /** Longer than the slowest create, so a slow create is never taken over; after a crash the claim lapses after this. */
  leaseMs: number;
  /** How long a second caller waits for someone else's claim before SaveInProgressError. */
  waitMs: number;
  /** Between two looks at someone else's claim. */
  pollMs?: number;
}

export interface OnceRequest {
  organizationId: string;
  key: string;
  /** Recorded as the saver; null for a save on nobody's behalf. */
  userId: string | null;
  /** The record in C4C carrying the key, if an earlier attempt (or anyone else) created it. */
  find(): Promise<C4cIds | undefined>;
  /**
   * The caller looked the key up in C4C moments ago (in bulk) and it was not there. A first claim then skips its own
   * look-up; a re-claim (after a failure or a crashed claimant) always looks, since that attempt may have created it.
   */
  knownAbsent?: boolean;
  create(): Promise<C4cIds>;
}

export interface OnceResult {
  ids: C4cIds;
  /** True when the record existed before this call; nothing was created. */
  existed: boolean;
  /** When the record was recorded as saved, when known. */
  savedAt?: Date;
  /** Who saved it, when known (a record found only in C4C has no known saver). */
  savedByUserId?: string;
}

/** The ledger's answer about a key, before C4C is asked. */
export type LedgerState = { state: 'none' | 'pending' } | { state: 'saved'; ids: C4cIds; savedAt: Date; savedByUserId?: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function savedResult(entry: LedgerEntry): OnceResult {
  return {
    ids: { objectId: entry.c4cObjectId ?? '', id: entry.c4cId ?? '' },
    existed: true,
    savedAt: entry.updatedAt,
    savedByUserId: entry.savedByUserId ?? undefined,
  };
}

export function exactlyOnce(config: ExactlyOnceConfig) {
  const { ledger, leaseMs, waitMs } = config;
  const pollMs = config.pollMs ?? 150;

  /** Waits while someone else holds the claim; the entry once it is no longer pending, or undefined at the deadline. */
  async function waitForOutcome(organizationId: string, key: string): Promise<LedgerEntry | undefined> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await sleep(pollMs);
      const entry = await ledger.get(organizationId, key);
      if (entry && entry.status !== 'pending') return entry;
    }
    return undefined;
  }

  return {
    async run(request: OnceRequest): Promise<OnceResult> {
      const { organizationId, key, userId } = request;
      let claim = await ledger.claim(organizationId, key, userId, leaseMs);
      if (claim.outcome === 'in-progress') {
        const settled = await waitForOutcome(organizationId, key);
        if (!settled) throw new SaveInProgressError(config.what);
        claim = settled.status === 'saved' ? { outcome: 'saved', row: settled } : await ledger.claim(organizationId, key, userId, leaseMs);
        if (claim.outcome === 'in-progress') throw new SaveInProgressError(config.what);
      }
      if (claim.outcome === 'saved') return savedResult(claim.row);

      const token = claim.claimToken;
      try {
        const firstClaim = claim.entry.attempts === 1;
        const existing = request.knownAbsent && firstClaim ? undefined : await request.find();
        if (existing) {
          await ledger.complete(organizationId, key, token, existing);
          return { ids: existing, existed: true };
        }
        const created = await request.create();
        // The record exists in C4C now, with the key in GroupwareItemID: even if the ledger commit fails (database
        // blip, lapsed claim), the caller gets the record and any later attempt finds it instead of creating another.
        const committed = await ledger.complete(organizationId, key, token, created).catch(() => undefined);
        return { ids: created, existed: false, savedAt: committed?.updatedAt ?? new Date(), savedByUserId: userId ?? undefined };
      } catch (error) {
        // Release the claim so the caller can retry at once; the retry looks the key up in C4C before creating.
        await ledger.fail(organizationId, key, token, error instanceof Error ? error.message : String(error)).catch(() => undefined);
        throw error;
      }
    },

    async ledgerState(organizationId: string, key: string): Promise<LedgerState> {
      const entry = await ledger.get(organizationId, key);
      if (entry?.status === 'saved' && entry.c4cObjectId) {
        return { state: 'saved', ids: { objectId: entry.c4cObjectId, id: entry.c4cId ?? '' }, savedAt: entry.updatedAt, savedByUserId: entry.savedByUserId ?? undefined };
      }
      return { state: entry?.status === 'pending' ? 'pending' : 'none' };
    },
  };
}

export type ExactlyOnce = ReturnType<typeof exactlyOnce>;
