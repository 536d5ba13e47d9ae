/**
 * Sidebar look-ups of related items the user can attach to a saved e-mail: opportunities and tickets (service
 * requests), by name or number. C4C allows `or` only on one property, so "name contains X or ID is X" is two GET
 * parts of one `$batch` (one round trip), merged with exact ID hits first. "Contains" uses C4C's `*` wildcard
 * inside `eq` (§6); `$search` would be simpler but is not allowed inside `$batch`.
 */
import { BatchBuilder } from './batch';
import type { C4cClient } from './client';
import type { Opportunity, ServiceRequest } from './entities';
import { and, buildQueryString, contains, eq, withQuery } from './query';

export interface RelatedSearchOptions {
  /** Maximum results (default 20). */
  top?: number;
  /** Only items of this account (Opportunity.ProspectPartyID / ServiceRequest.BuyerPartyID). */
  accountPartyId?: string;
}

export interface SearchSpec {
  entitySet: string;
  accountProperty: string;
  select: string[];
  orderby: string;
}

export const OPPORTUNITY_SEARCH: SearchSpec = {
  entitySet: 'OpportunityCollection',
  accountProperty: 'ProspectPartyID',
  select: ['ObjectID', 'ID', 'Name', 'ProspectPartyID', 'ProspectPartyName', 'PrimaryContactPartyID', 'LifeCycleStatusCode', 'SalesCyclePhaseCode', 'ExpectedRevenueAmount', 'ExpectedRevenueAmountCurrencyCode', 'LastChangeDateTime'],
  orderby: 'LastChangeDateTime desc',
};

export const TICKET_SEARCH: SearchSpec = {
  entitySet: 'ServiceRequestCollection',
  accountProperty: 'BuyerPartyID',
  select: ['ObjectID', 'ID', 'Name', 'BuyerPartyID', 'BuyerPartyName', 'ServiceRequestLifeCycleStatusCode', 'ServicePriorityCode', 'ProcessorPartyName', 'LastChangeDateTime'],
  orderby: 'LastChangeDateTime desc',
};

async function searchRelated<T extends { ObjectID: string }>(
  client: C4cClient,
  spec: SearchSpec,
  text: string,
  options: RelatedSearchOptions,
): Promise<T[]> {
  // Quotes are escaped by the query helpers; `*` is dropped by `contains`; control characters have no business here.
  const term = [...text].map((ch) => (ch.charCodeAt(0) < 0x20 ? ' ' : ch)).join('').trim().slice(0, 255);
  if (term.replace(/\*/g, '') === '') return [];
  const top = Math.min(Math.max(options.top ?? 20, 1), 100);
  const account = options.accountPartyId ? eq(spec.accountProperty, options.accountPartyId) : undefined;

  const batch = new BatchBuilder();
  const byId = /^\d{1,35}$/.test(term)
    ? batch.get(withQuery(spec.entitySet, buildQueryString({ filter: and(eq('ID', term), account), select: spec.select, top: 1 })))
    : undefined;
  const byName = batch.get(
    withQuery(spec.entitySet, buildQueryString({ filter: and(contains('Name', term), account), select: spec.select, orderby: [spec.orderby], top })),
  );
  const answer = await client.batch(batch);

  const out: T[] = [];
  const seen = new Set<string>();
  for (const index of [byId, byName]) {
    if (index === undefined) continue;
    for (const row of answer.collection<T>(index).results) {
      if (seen.has(row.ObjectID) || out.length >= top) continue;
      seen.add(row.ObjectID);
      out.push(row);
    }
  }
  return out;
}

/** Opportunities whose name contains `text`, or whose ID is `text`; at most `top`, exact ID first. */
export function searchOpportunities(client: C4cClient, text: string, options: RelatedSearchOptions = {}): Promise<Opportunity[]> {
  return searchRelated<Opportunity>(client, OPPORTUNITY_SEARCH, text, options);
}

/** Tickets (ServiceRequestCollection) whose name contains `text`, or whose ID is `text`. */
export function searchTickets(client: C4cClient, text: string, options: RelatedSearchOptions = {}): Promise<ServiceRequest[]> {
  return searchRelated<ServiceRequest>(client, TICKET_SEARCH, text, options);
}
