/**
 * Auto-resolving (E8), the use case: creates the people a session met who are unknown to C4C, as Leads or Contacts
 * (the organization's choice), and optionally an Account for their corporate mail domain when none matches.
 *
 * Exactly once per organization, across sessions and relay processes: every record goes through the exactly-once
 * ledger `auto_resolved_records` keyed by `person:<address>` / `account:<domain>` (the same claim → find → create →
 * commit protocol as saving an email). Two sessions meeting one unknown address at once claim one row; the second
 * waits for the first and links the record it created. A person's domain account is resolved before the person, under
 * that domain's own key, so colleagues from one new company get one Account.
 */
import type { OrganizationSyncSettings } from '../../shared/api/sync';
import type { C4cRecord } from '../../shared/api/sidebar';
import type { AddressMatches, C4cPort } from '../c4c/port';
import type { Ledger } from '../store/ledger';
import { exactlyOnce } from './exactly-once';
import { candidateFor, companyNameFromDomain, isFreeMailDomain, type NotCreatedReason, type Person, type ResolveScope } from './auto-resolve-rules';

export interface AutoResolveDeps {
  ledger: Ledger;
  /** Which of these addresses (lower case) belong to the organization's users. */
  organizationUsers(organizationId: string, addresses: string[]): Promise<Set<string>>;
  /** Records what was created, for the users' "complete these records" list. */
  describe(organizationId: string, key: string, details: { kind: 'lead' | 'contact' | 'account'; displayName: string }): Promise<void>;
  leaseMs?: number;
  waitMs?: number;
}

export interface AutoResolveRequest {
  organizationId: string;
  /** The user whose session met these people (recorded as the creator). */
  userId: string;
  people: Person[];
  /** What the initial search found per address (lower case); an address with no records is unknown. */
  matches: ReadonlyMap<string, AddressMatches>;
  settings: Pick<OrganizationSyncSettings, 'autoResolve' | 'autoResolveAccounts'>;
  scope: Omit<ResolveScope, 'userAddresses'>;
}

export interface AutoResolveResult {
  /** New matches for the addresses now resolved (to merge into the session's matches). */
  resolved: AddressMatches[];
  /** Records this call created (people and accounts). */
  created: number;
  skipped: { address: string; reason: NotCreatedReason | 'failed'; message?: string }[];
}

export interface AutoResolver {
  resolve(c4c: C4cPort, request: AutoResolveRequest): Promise<AutoResolveResult>;
}

const recordOf = (ids: { objectId: string; id: string }, kind: C4cRecord['kind'], name: string, email: string, c4c: C4cPort, account?: C4cRecord): C4cRecord => ({
  kind,
  objectId: ids.objectId,
  id: ids.id,
  name,
  email,
  c4cUrl: c4c.recordUrl(kind, ids.objectId, ids.id),
  ...(account ? { accountName: account.name, accountObjectId: account.objectId, accountId: account.id } : {}),
});

export function createAutoResolver(deps: AutoResolveDeps): AutoResolver {
  const once = exactlyOnce({ ledger: deps.ledger, what: 'record', leaseMs: deps.leaseMs ?? 60_000, waitMs: deps.waitMs ?? 20_000 });

  async function accountFor(c4c: C4cPort, request: AutoResolveRequest, domain: string, out: AutoResolveResult): Promise<C4cRecord | undefined> {
    if (!request.settings.autoResolveAccounts || isFreeMailDomain(domain)) return undefined;
    const key = `account:${domain}`;
    const name = companyNameFromDomain(domain);
    let found: C4cRecord | undefined;
    const result = await once.run({
      organizationId: request.organizationId,
      key,
      userId: request.userId,
      find: async () => {
        found = (await c4c.findAccountsByDomain(domain))[0];
        return found ? { objectId: found.objectId, id: found.id } : undefined;
      },
      create: async () => {
        const created = await c4c.createAccount({ name, domain }, { autoCreated: true });
        found = created;
        return { objectId: created.objectId, id: created.id };
      },
    });
    if (!result.existed) {
      out.created += 1;
      await deps.describe(request.organizationId, key, { kind: 'account', displayName: name });
    }
    return found ?? recordOf(result.ids, 'account', name, '', c4c);
  }

  return {
    async resolve(c4c, request) {
      const out: AutoResolveResult = { resolved: [], created: 0, skipped: [] };
      if (request.settings.autoResolve === 'off') return out;
      const kind = request.settings.autoResolve;
      const unknown = request.people.filter((p) => (request.matches.get(p.address.trim().toLowerCase())?.records.length ?? 0) === 0);
      if (unknown.length === 0) return out;
      const scope: ResolveScope = { ...request.scope, userAddresses: await deps.organizationUsers(request.organizationId, unknown.map((p) => p.address.trim().toLowerCase())) };
      const seen = new Set<string>();
      for (const person of unknown) {
        const candidate = candidateFor(person, request.matches.get(person.address.trim().toLowerCase()), scope);
        if (seen.has(candidate.address)) continue;
        seen.add(candidate.address);
        if (!candidate.create) {
          if (candidate.reason !== 'known' && candidate.reason !== 'not-an-address') out.skipped.push({ address: candidate.address, reason: candidate.reason });
          continue;
        }
        try {
          const account = await accountFor(c4c, request, candidate.domain, out);
          const key = `person:${candidate.address}`;
          const displayName = [candidate.firstName, candidate.lastName].filter(Boolean).join(' ');
          let record: C4cRecord | undefined;
          const person = { firstName: candidate.firstName, lastName: candidate.lastName, email: candidate.address };
          const result = await once.run({
            organizationId: request.organizationId,
            key,
            userId: request.userId,
            // Someone may have created the person in C4C since the session's search (or an earlier attempt did).
            find: async () => {
              const [match] = await c4c.search([candidate.address]);
              record = match?.records.find((r) => r.kind === kind) ?? match?.records.find((r) => r.kind !== 'employee' && r.kind !== 'account');
              return record ? { objectId: record.objectId, id: record.id } : undefined;
            },
            create: async () => {
              record =
                kind === 'contact'
                  ? await c4c.createContact({ ...person, ...(account ? { accountObjectId: account.objectId } : {}) }, { autoCreated: true })
                  : await c4c.createLead({ ...person, ...(account ? { company: account.name.slice(0, 80) } : {}) }, { autoCreated: true });
              return { objectId: record.objectId, id: record.id };
            },
          });
          if (!result.existed) {
            out.created += 1;
            await deps.describe(request.organizationId, key, { kind, displayName: displayName || candidate.address });
          }
          const resolvedRecord = record ?? recordOf(result.ids, kind, displayName, candidate.address, c4c, account);
          out.resolved.push({ address: candidate.address, records: [resolvedRecord, ...(account && kind === 'lead' ? [account] : [])] });
        } catch (error) {
          out.skipped.push({ address: candidate.address, reason: 'failed', message: error instanceof Error ? error.message : String(error) });
        }
      }
      return out;
    },
  };
}
