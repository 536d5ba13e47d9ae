/**
 * E8 for mirrored meetings: what the calendar adapter calls (AdapterDeps.autoResolve) for attendees C4C does not know.
 * It runs the same auto-resolver as email saving (one ledger, so an address met in a mail and in a meeting gives one
 * record) with the session's own domains, users and blocklists, and answers the contacts it can link as parties.
 */
import type { C4cPortFor } from '../../c4c/port-cache';
import type { AutoResolver } from '../../saving/auto-resolve';
import { blocklistMatcher, ownDomainsOf } from '../blocklist';
import type { SessionContext } from '../types';

/** PartyTypeCode of a contact as an appointment party (c4c-odata.md §4). */
const CONTACT_PARTY_TYPE = '147';

export interface AttendeeAutoResolveDeps {
  resolver: AutoResolver;
  c4cFor: C4cPortFor;
  organizationDomains(organizationId: string): Promise<string[]>;
}

export type AttendeeAutoResolve = (ctx: SessionContext, people: { address: string; name?: string }[]) => Promise<Map<string, { partyId: string; typeCode: string }>>;

export function attendeeAutoResolver(deps: AttendeeAutoResolveDeps): AttendeeAutoResolve {
  return async (ctx, people) => {
    const parties = new Map<string, { partyId: string; typeCode: string }>();
    const settings = ctx.organizationSettings;
    if (settings.autoResolve === 'off' || people.length === 0) return parties;
    const organizationId = ctx.state.organizationId;
    const configured = settings.ownDomains;
    const ownDomains = ownDomainsOf(configured.length > 0 ? configured : await deps.organizationDomains(organizationId), []);
    const result = await deps.resolver.resolve(await deps.c4cFor(organizationId), {
      organizationId,
      userId: ctx.state.userId,
      people,
      // The adapter found none of them among Contacts and Employees; the resolver's own look-up finds the others.
      matches: new Map(),
      settings,
      scope: { ownDomains, isBlocked: blocklistMatcher(ctx.blocklists, [ctx.state.address]) },
    });
    if (result.created > 0) ctx.count('autoResolved', result.created);
    for (const skipped of result.skipped.filter((k) => k.reason === 'failed')) {
      ctx.itemError({ subject: skipped.address, class: 'auto-resolve', message: `${skipped.address} could not be created in C4C: ${skipped.message ?? 'unknown error'}` });
    }
    for (const match of result.resolved) {
      const contact = match.records.find((r) => r.kind === 'contact');
      if (contact) parties.set(match.address, { partyId: contact.id, typeCode: CONTACT_PARTY_TYPE });
    }
    return parties;
  };
}
