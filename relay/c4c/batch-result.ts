/**
 * The answer of a `$batch`, lined up with the request: item `i` answers the GET or changeset added as item `i`.
 * Failed parts become the same typed errors a direct request would give; a failed changeset (all-or-nothing) is
 * answered by C4C with one error part in place of its operations.
 */
import type { BatchItem, BatchOperationResponse, BatchResponseItem } from './batch';
import { operationJson } from './batch';
import { C4cError, C4cProtocolError, errorFromResponse } from './errors';
import { type CollectionPage, unwrapCollection, unwrapEntity } from './odata-json';

export class BatchResult {
  constructor(
    readonly requestItems: readonly BatchItem[],
    readonly responseItems: readonly BatchResponseItem[],
  ) {}

  get size(): number {
    return this.requestItems.length;
  }

  #describe(index: number): { method: string; path: string } {
    const item = this.requestItems[index];
    if (!item) throw new RangeError(`no batch item ${index}`);
    const operation = item.kind === 'get' ? item.operation : item.operations[0];
    return { method: operation.method, path: `$batch/${operation.path.split('?')[0]}` };
  }

  #item(index: number): BatchResponseItem {
    const item = this.responseItems[index];
    if (!item) {
      throw new C4cProtocolError(`C4C's $batch answer has ${this.responseItems.length} parts for ${this.requestItems.length} requests`);
    }
    return item;
  }

  /** The typed error of item `index`, or undefined when it succeeded. */
  error(index: number): C4cError | undefined {
    const item = this.#item(index);
    const failed =
      item.kind === 'operation'
        ? item.response.status >= 300
          ? item.response
          : undefined
        : item.responses.find((response) => response.status >= 300);
    if (!failed) return undefined;
    const { method, path } = this.#describe(index);
    return errorFromResponse(failed.status, failed.body, { method, path });
  }

  /** Raw answer of a GET part (throws its typed error when it failed). */
  operation(index: number): BatchOperationResponse {
    const item = this.#item(index);
    const error = this.error(index);
    if (error) throw error;
    if (item.kind !== 'operation') throw new C4cProtocolError(`batch item ${index} is a changeset`);
    return item.response;
  }

  /** A GET part of a collection. */
  collection<T>(index: number): CollectionPage<T> {
    return unwrapCollection<T>(operationJson(this.operation(index)));
  }

  /** A GET part of a single entity. */
  entity<T>(index: number): T {
    return unwrapEntity<T>(operationJson(this.operation(index)));
  }

  /**
   * The answers of a changeset's operations in request order (throws the changeset's error when the
   * transaction failed: then none of its operations was applied).
   */
  changeset(index: number): BatchOperationResponse[] {
    const item = this.#item(index);
    const error = this.error(index);
    if (error) throw error;
    if (item.kind === 'changeset') return item.responses;
    // A single successful part where a changeset was sent: a server that does not nest one-operation changesets.
    return [item.response];
  }

  /** The entity created by operation `operationIndex` of changeset `index` (201 with a body). */
  created<T>(index: number, operationIndex = 0): T {
    const response = this.changeset(index)[operationIndex];
    if (!response) throw new C4cProtocolError(`changeset ${index} has no operation ${operationIndex}`);
    const entity = unwrapEntity<T>(operationJson(response));
    const etag = response.headers.etag;
    const withMeta = entity as { __metadata?: { etag?: string } };
    if (etag && !withMeta.__metadata?.etag) withMeta.__metadata = { ...withMeta.__metadata, etag };
    return entity;
  }
}
