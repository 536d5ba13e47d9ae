/** C4C OData V2 client (c4codataapi): public surface. See client.ts for the design notes. */
export { C4cClient } from './client';
export { createC4cClientFromConfig } from './from-config';
export type { C4cConnectionConfig } from './from-config';
export type {
  C4cClientOptions,
  C4cLogger,
  FunctionCallOptions,
  IdempotentCreateOptions,
  IdempotentCreateResult,
  PagingOptions,
  ReadOptions,
  UpdateOptions,
} from './client';
export { createAuthProvider } from './auth';
export type { BasicAuth, C4cAuth, C4cAuthProvider, ProviderAuth } from './auth';
export { BatchBuilder, ChangesetBuilder, parseBatchResponse, splitMultipart, boundaryOf, operationJson } from './batch';
export type { BatchItem, BatchMethod, BatchOperation, BatchOperationResponse, BatchResponseItem } from './batch';
export { BatchResult } from './batch-result';
export * from './errors';
export * from './entities';
export { normalizeEntity, parseODataDate, toODataDate, unwrapCollection, unwrapEntity, unwrapFunctionResult, etagOf } from './odata-json';
export type { C4cEntityBase, CollectionPage, ODataMetadata } from './odata-json';
export { and, anyOf, buildQueryString, contains, dateTimeOffsetLiteral, entityPath, eq, startsWith, stringLiteral, withQuery } from './query';
export type { ODataQuery } from './query';
export { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter } from './retry';
export type { RetryPolicy, RetryPolicyInput } from './retry';
export { initialSearch, normalizeEmail, suggest } from './initial-search';
export type { AddressMatches, ContactMatch, InitialSearchOptions, InitialSearchResult, PartyKind, SuggestedAccount, SuggestedContact } from './initial-search';
export { searchOpportunities, searchTickets } from './related-search';
export type { RelatedSearchOptions } from './related-search';
