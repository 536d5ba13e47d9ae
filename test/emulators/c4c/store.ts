/**
 * In-memory tenant data: one ordered map per entity set, number ranges for human IDs, a monotonic clock
 * (so two writes in the same millisecond still get different ETags) and an undo log so a failing
 * $batch changeset rolls back as a unit.
 */
import { randomUUID } from 'node:crypto';
import type { Row } from './values';

interface UndoEntry { set: string; objectId: string; before: Row | undefined }

/** Human-ID number ranges; starting values resemble real tenants (party IDs 1000xxx, employees 80000000xx). */
const RANGE_START: Record<string, number> = {
  party: 1000100,
  employee: 8000000100,
  activity: 280600,
  lead: 5100,
  opportunity: 3100,
  ticket: 29500,
};

/**
 * Properties looked up by equality often enough to index, as the real tenant's database does: the relay asks for an
 * activity by GroupwareItemID before every create. An index changes no answer, only the time it takes.
 */
const INDEXED = ['GroupwareItemID'] as const;
export type IndexedProperty = (typeof INDEXED)[number];

export class TenantStore {
  private data = new Map<string, Map<string, Row>>();
  /** set → property → lower-cased value → ObjectIDs. */
  private index = new Map<string, Map<IndexedProperty, Map<string, Set<string>>>>();
  private counters = new Map<string, number>();
  private lastMs = 0;
  private undo: UndoEntry[] | undefined;
  private savepoints: { at: number; counters: Map<string, number> }[] = [];

  /** New ObjectID: 32 upper-case hex digits of a random UUID. */
  newObjectId(): string {
    return randomUUID().replace(/-/g, '').toUpperCase();
  }

  /** Strictly increasing wall-clock milliseconds. */
  now(): number {
    const ms = Math.max(Date.now(), this.lastMs + 1);
    this.lastMs = ms;
    return ms;
  }

  nextNumber(range: string): string {
    const n = this.counters.get(range) ?? RANGE_START[range] ?? 1;
    this.counters.set(range, n + 1);
    return String(n);
  }

  /** Keeps number ranges ahead of IDs supplied by seeds, so generated IDs never collide with seeded ones. */
  noteNumber(range: string, id: string): void {
    if (!/^\d+$/.test(id)) return;
    const n = Number(id);
    const cur = this.counters.get(range) ?? RANGE_START[range] ?? 1;
    if (n >= cur) this.counters.set(range, n + 1);
  }

  rows(set: string): Row[] {
    return [...(this.data.get(set)?.values() ?? [])];
  }

  /**
   * The rows whose `prop` equals one of `values` (compared case-insensitively: a superset the caller's filter then
   * narrows), in the order `rows` gives them.
   */
  rowsWhere(set: string, prop: IndexedProperty, values: string[]): Row[] {
    const byValue = this.index.get(set)?.get(prop);
    const m = this.data.get(set);
    if (!byValue || !m) return [];
    const ids = new Set<string>();
    for (const value of values) for (const id of byValue.get(value.toLowerCase()) ?? []) ids.add(id);
    if (ids.size <= 1) return [...ids].map((id) => m.get(id) as Row);
    return [...m.entries()].filter(([id]) => ids.has(id)).map(([, row]) => row);
  }

  get(set: string, objectId: string): Row | undefined {
    return this.data.get(set)?.get(objectId);
  }

  put(set: string, objectId: string, row: Row): void {
    this.remember(set, objectId);
    this.write(set, objectId, row);
  }

  remove(set: string, objectId: string): void {
    this.remember(set, objectId);
    this.write(set, objectId, undefined);
  }

  /** Every change of a row goes through here, so the indexes follow the rows (rollbacks included). */
  private write(set: string, objectId: string, row: Row | undefined): void {
    let m = this.data.get(set);
    if (!m) this.data.set(set, (m = new Map()));
    const before = m.get(objectId);
    let indexes = this.index.get(set);
    if (!indexes) this.index.set(set, (indexes = new Map()));
    for (const prop of INDEXED) {
      const old = typeof before?.[prop] === 'string' ? (before[prop] as string).toLowerCase() : undefined;
      const now = typeof row?.[prop] === 'string' ? (row[prop] as string).toLowerCase() : undefined;
      if (old === now && before !== undefined && row !== undefined) continue;
      let byValue = indexes.get(prop);
      if (!byValue) indexes.set(prop, (byValue = new Map()));
      if (old !== undefined) {
        const ids = byValue.get(old);
        ids?.delete(objectId);
        if (ids?.size === 0) byValue.delete(old);
      }
      if (now !== undefined) {
        let ids = byValue.get(now);
        if (!ids) byValue.set(now, (ids = new Set()));
        ids.add(objectId);
      }
    }
    if (row) m.set(objectId, row);
    else m.delete(objectId);
  }

  reset(): void {
    this.index.clear();
    this.data.clear();
    this.counters.clear();
    this.undo = undefined;
    this.savepoints = [];
  }

  /**
   * Starts a (possibly nested) transaction: a changeset wraps the single-request transactions of its operations,
   * so each level keeps a savepoint into one shared undo log.
   */
  begin(): void {
    if (!this.undo) this.undo = [];
    this.savepoints.push({ at: this.undo.length, counters: new Map(this.counters) });
  }

  commit(): void {
    this.savepoints.pop();
    if (this.savepoints.length === 0) this.undo = undefined;
  }

  rollback(): void {
    const sp = this.savepoints.pop();
    const log = this.undo ?? [];
    const at = sp?.at ?? 0;
    for (let i = log.length - 1; i >= at; i--) {
      const { set, objectId, before } = log[i];
      this.write(set, objectId, before);
    }
    log.length = at;
    if (sp) this.counters = sp.counters;
    if (this.savepoints.length === 0) this.undo = undefined;
  }

  private remember(set: string, objectId: string): void {
    if (!this.undo) return;
    const before = this.data.get(set)?.get(objectId);
    // Rows are replaced, never mutated in place, so keeping the reference is a faithful snapshot.
    this.undo.push({ set, objectId, before });
  }
}
