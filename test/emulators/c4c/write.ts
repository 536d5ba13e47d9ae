/**
 * Create / update / delete with C4C's annotation semantics (docs/c4c-odata.md §2, §7, §15.6):
 *  - POST: unknown properties -> 400; non-creatable values -> 400, except Nullable="false" ones (ObjectID) which
 *    are dropped silently, and null/"" which count as "not sent"; mandatory (Nullable="false" + creatable) -> 400
 *    when missing; deep insert through to-many child navigations (plain arrays or {"results":[…]});
 *  - PATCH/MERGE/PUT: ETag and `...Text` descriptions ignored; non-updatable values -> 400 only when they differ;
 *  - If-Match mismatch -> 412; entity sets with sap:creatable/updatable/deletable="false" -> 405;
 *  - every write bumps ETag / EntityLastChangedOn; deleting a header deletes its children.
 * "Seed" mode (control API) relaxes the creatable / mandatory checks so tests can plant any state.
 */
import { Deriver, HUMAN_ID, dashed, ownUuidProp, stamp } from './derive';
import type { EntityTypeModel, NavigationModel, ServiceModel } from './edmx-model';
import { badRequest, methodNotAllowed, notFound, preconditionFailed } from './errors';
import type { NavigationResolver } from './navigation';
import type { TenantStore } from './store';
import { defaultValue, etagFor, parseInput, type Row, type StoredValue } from './values';

export interface ParentRef { setName: string; type: EntityTypeModel; row: Row }

export interface CreateContext {
  user: string;
  parent?: ParentRef;
  /** Control-API seeding: any known property may be set, mandatory checks are skipped. */
  seed?: boolean;
  /** Internal inserts made by side effects must not trigger further side effects. */
  noSideEffects?: boolean;
}

export type UpdateMode = 'PATCH' | 'MERGE' | 'PUT';

const OBJECT_ID = /^[0-9A-F]{32}$/;

function normEtag(e: string): string {
  return decodeURIComponent(e.trim().replace(/^W\//, ''));
}

function sameValue(a: StoredValue | undefined, b: StoredValue | undefined): boolean {
  const x = a === null || a === undefined ? '' : a;
  const y = b === null || b === undefined ? '' : b;
  return x === y;
}

export class EntityWriter {
  private readonly deriver: Deriver;

  constructor(
    private readonly model: ServiceModel,
    private readonly store: TenantStore,
    private readonly resolver: NavigationResolver,
  ) {
    this.deriver = new Deriver(model, store);
  }

  checkIfMatch(row: Row, ifMatch: string | undefined): void {
    if (!ifMatch || ifMatch.trim() === '*') return;
    const current = typeof row.ETag === 'number' ? etagFor(row.ETag) : '';
    const ok = ifMatch.split(',').some((e) => normEtag(e) === normEtag(current));
    if (!ok) throw preconditionFailed('The entity has been changed by another user (ETag mismatch); read it again');
  }

  create(setName: string, body: unknown, ctx: CreateContext): Row {
    const set = this.model.sets.get(setName);
    if (!set) throw notFound(`Resource not found for segment '${setName}'`);
    if (!ctx.seed && !set.creatable) throw methodNotAllowed(`Entity set '${setName}' does not allow creation`);
    const type = this.model.types.get(set.typeName)!;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object');

    const row = this.deriver.blank(type);
    const supplied = new Set<string>();
    const deep: { nav: NavigationModel; items: unknown[] }[] = [];
    let explicitObjectId: string | undefined;

    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === '__metadata') continue;
      const nav = type.navigationByName.get(k);
      if (nav) {
        if (v === null || v === undefined) continue;
        if (!this.resolver.isChildNavigation(type, nav)) throw badRequest(`Deep insert is not supported for navigation property '${k}'`);
        const items = Array.isArray(v) ? v : Array.isArray((v as { results?: unknown }).results) ? (v as { results: unknown[] }).results : undefined;
        if (!items) throw badRequest(`Navigation property '${k}' expects an array of entities`);
        deep.push({ nav, items });
        continue;
      }
      const p = type.propertyByName.get(k);
      if (!p) throw badRequest(`Property '${k}' is invalid for entity type '${type.name}'`);
      if (ctx.seed && k === 'ObjectID' && typeof v === 'string' && OBJECT_ID.test(v)) { explicitObjectId = v; continue; }
      if (!ctx.seed && !p.creatable) {
        if (!p.nullable || v === null || v === '') continue; // ObjectID-like keys and empty values are ignored
        throw badRequest(`Property '${k}' of entity type '${type.name}' is not creatable`);
      }
      row[k] = parseInput(p, v);
      supplied.add(k);
    }

    const parent = this.linkParent(type, row, ctx.parent, supplied);

    if (!ctx.seed) {
      for (const p of type.properties) {
        if (p.nullable || !p.creatable || type.keys.includes(p.name)) continue;
        const v = row[p.name];
        if (v === null || v === '') throw badRequest(`Mandatory property '${p.name}' of entity type '${type.name}' is missing`);
      }
    }

    // ObjectID: a client-supplied UUID becomes the key (C4C derives the node ID from it), else a random one.
    const uuidProp = ownUuidProp(type);
    let oid = explicitObjectId;
    if (!oid && uuidProp && typeof row[uuidProp] === 'string') oid = String(row[uuidProp]).replace(/-/g, '');
    oid ??= this.store.newObjectId();
    if (this.store.get(setName, oid)) throw badRequest(`An entity with ObjectID '${oid}' already exists in '${setName}'`);
    row.ObjectID = oid;
    if (uuidProp && !row[uuidProp]) row[uuidProp] = dashed(oid);

    this.assignHumanId(setName, type, row);
    stamp(type, row, this.store.now(), ctx.user, true, supplied);
    this.deriver.derive(type, row);
    this.store.put(setName, oid, row);

    const me: ParentRef = { setName, type, row };
    for (const { nav, items } of deep) {
      const childSet = this.model.setByType.get(nav.targetType)!;
      for (const item of items) this.create(childSet, item, { ...ctx, parent: me });
    }
    if (!ctx.noSideEffects) this.afterWrite(type, row, ctx.user, true, parent);
    return this.store.get(setName, oid)!;
  }

  update(setName: string, objectId: string, body: unknown, mode: UpdateMode, ifMatch: string | undefined, user: string): Row {
    const set = this.model.sets.get(setName);
    if (!set) throw notFound(`Resource not found for segment '${setName}'`);
    if (!set.updatable) throw methodNotAllowed(`Entity set '${setName}' does not allow updates`);
    const type = this.model.types.get(set.typeName)!;
    const row = this.store.get(setName, objectId);
    if (!row) throw notFound(`Resource not found for segment '${setName}('${objectId}')'`);
    this.checkIfMatch(row, ifMatch);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object');

    const next: Row = { ...row };
    const supplied = new Set<string>();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === '__metadata') continue;
      if (type.navigationByName.has(k)) {
        // Echoed __deferred links are harmless; anything else would be a deep update, which C4C does not do.
        if (typeof v === 'object' && v !== null && '__deferred' in v) continue;
        throw badRequest(`Navigation property '${k}' cannot be changed with ${mode}`);
      }
      const p = type.propertyByName.get(k);
      if (!p) throw badRequest(`Property '${k}' is invalid for entity type '${type.name}'`);
      if (k === 'ETag' || type.textProperties.has(k)) continue;
      const val = parseInput(p, v);
      if (!p.updatable) {
        if (!sameValue(val, row[k])) throw badRequest(`Property '${k}' of entity type '${type.name}' is not updatable`);
        continue;
      }
      next[k] = val;
      supplied.add(k);
    }
    if (mode === 'PUT') {
      for (const p of type.properties) {
        if (!p.updatable || supplied.has(p.name) || p.name === 'ETag' || type.textProperties.has(p.name)) continue;
        next[p.name] = defaultValue(p);
      }
    }
    for (const p of type.properties) {
      if (!p.nullable && p.updatable && (next[p.name] === null || next[p.name] === '')) {
        throw badRequest(`Mandatory property '${p.name}' of entity type '${type.name}' must not be empty`);
      }
    }
    stamp(type, next, this.store.now(), user, false, supplied);
    this.deriver.derive(type, next);
    this.store.put(setName, objectId, next);
    this.afterWrite(type, next, user, false, undefined);
    return next;
  }

  remove(setName: string, objectId: string, ifMatch: string | undefined): void {
    const set = this.model.sets.get(setName);
    if (!set) throw notFound(`Resource not found for segment '${setName}'`);
    if (!set.deletable) throw methodNotAllowed(`Entity set '${setName}' does not allow deletion`);
    const row = this.store.get(setName, objectId);
    if (!row) throw notFound(`Resource not found for segment '${setName}('${objectId}')'`);
    this.checkIfMatch(row, ifMatch);
    this.cascadeDelete(setName, row);
  }

  private cascadeDelete(setName: string, row: Row): void {
    const type = this.model.types.get(this.model.sets.get(setName)!.typeName)!;
    for (const nav of type.navigations) {
      if (!this.resolver.isChildNavigation(type, nav)) continue;
      const childSet = this.model.setByType.get(nav.targetType)!;
      for (const c of this.resolver.children(nav, row)) this.cascadeDelete(childSet, c);
    }
    this.store.remove(setName, String(row.ObjectID));
  }

  /** Links a child row to its parent (navigation POST, deep insert, or ParentObjectID) and copies parent keys. */
  private linkParent(type: EntityTypeModel, row: Row, given: ParentRef | undefined, supplied: Set<string>): ParentRef | undefined {
    if (!type.parentType) return undefined;
    let parent = given;
    if (!parent) {
      const setName = this.model.setByType.get(type.parentType);
      const pid = row.ParentObjectID;
      if (typeof pid !== 'string' || pid === '') throw badRequest(`Property 'ParentObjectID' is mandatory for '${type.name}'`);
      const prow = setName ? this.store.get(setName, pid) : undefined;
      if (!setName || !prow) throw badRequest(`Parent ${type.parentType} with ObjectID '${pid}' does not exist`);
      parent = { setName, type: this.model.types.get(type.parentType)!, row: prow };
    }
    row.ParentObjectID = parent.row.ObjectID;
    const parentHuman = HUMAN_ID[parent.type.name]?.prop ?? 'ID';
    const candidates = new Set<string>([`${parent.type.name}ID`, `${parent.type.name.replace(/s$/, '')}ID`]);
    if (parentHuman !== 'ID') candidates.add(parentHuman);
    for (const p of type.properties) {
      const flagged = p.isParentKey;
      if (!flagged && (!candidates.has(p.name) || supplied.has(p.name))) continue;
      const v = parent.type.propertyByName.has(p.name) ? parent.row[p.name] : parent.row[parentHuman] ?? parent.row.ID;
      if (v !== undefined) row[p.name] = v;
    }
    return parent;
  }

  private assignHumanId(setName: string, type: EntityTypeModel, row: Row): void {
    const hid = HUMAN_ID[type.name];
    if (hid && type.propertyByName.has(hid.prop)) {
      const cur = row[hid.prop];
      if (cur === null || cur === '') {
        row[hid.prop] = this.store.nextNumber(hid.range);
      } else {
        if (this.store.rows(setName).some((r) => r[hid.prop] === cur)) {
          throw badRequest(`${type.name} with ${hid.prop} '${String(cur)}' already exists`);
        }
        this.store.noteNumber(hid.range, String(cur));
      }
    }
    if (type.name === 'Employee' && !row.BusinessPartnerID) row.BusinessPartnerID = this.store.nextNumber('party');
  }

  /** BO side effects (see derive.ts header). */
  private afterWrite(type: EntityTypeModel, row: Row, user: string, created: boolean, parent: ParentRef | undefined): void {
    if (type.name === 'Employee') this.mirrorEmployee(row, user);
    if (!created) return;
    if (type.name === 'Contact' && row.AccountID) {
      const acc = this.store.rows('CorporateAccountCollection').find((a) => a.AccountID === row.AccountID);
      const rels = this.store.rows('ContactIsContactPersonForCollection').filter((r) => r.ParentObjectID === row.ObjectID);
      if (acc && !rels.some((r) => r.AccountID === row.AccountID)) {
        this.create('ContactIsContactPersonForCollection', {
          ParentObjectID: row.ObjectID, AccountID: row.AccountID, ContactID: row.ContactID, Email: row.Email,
          Phone: row.Phone, Mobile: row.Mobile, JobTitle: row.JobTitle, ReverseMainIndicator: true,
        }, { user, seed: true });
      }
    }
    if (type.name === 'ContactIsContactPersonFor' && parent) {
      const acc = this.store.rows('CorporateAccountCollection').find((a) => a.AccountID === row.AccountID);
      const exists = acc && this.store.rows('CorporateAccountHasContactPersonCollection')
        .some((r) => r.ParentObjectID === acc.ObjectID && r.ContactID === row.ContactID);
      if (acc && !exists) {
        this.create('CorporateAccountHasContactPersonCollection', {
          ParentObjectID: acc.ObjectID, AccountID: row.AccountID, ContactID: row.ContactID, Email: row.Email,
          Phone: row.Phone, Mobile: row.Mobile, JobTitle: row.JobTitle, MainIndicator: row.ReverseMainIndicator === true,
        }, { user, seed: true, noSideEffects: true });
      }
    }
    if (type.name === 'CorporateAccountHasContactPerson' && parent) {
      const contact = this.store.rows('ContactCollection').find((c) => c.ContactID === row.ContactID);
      const exists = contact && this.store.rows('ContactIsContactPersonForCollection')
        .some((r) => r.ParentObjectID === contact.ObjectID && r.AccountID === row.AccountID);
      if (contact && !exists) {
        this.create('ContactIsContactPersonForCollection', {
          ParentObjectID: contact.ObjectID, AccountID: row.AccountID, ContactID: row.ContactID, Email: row.Email,
          Phone: row.Phone, Mobile: row.Mobile, JobTitle: row.JobTitle, ReverseMainIndicator: row.MainIndicator === true,
        }, { user, seed: true, noSideEffects: true });
      }
    }
  }

  /** Employee -> EmployeeBasicData (the read-only projection C4C keeps for every employee). */
  private mirrorEmployee(emp: Row, user: string): void {
    const set = 'EmployeeBasicDataCollection';
    const type = this.model.types.get('EmployeeBasicData')!;
    const existing = this.store.rows(set).find((r) => r.EmployeeID === emp.EmployeeID);
    const row: Row = existing ? { ...existing } : this.deriver.blank(type);
    const copy: [string, StoredValue | undefined][] = [
      ['EmployeeID', emp.EmployeeID], ['EmployeeUUID', emp.UUID], ['UserID', emp.UserID],
      ['BusinessPartnerID', emp.BusinessPartnerID], ['FirstName', emp.FirstName], ['MiddleName', emp.MiddleName],
      ['LastName', emp.LastName], ['NickName', emp.NickName], ['Email', emp.Email], ['Phone', emp.OfficePhoneNumber],
      ['Mobile', emp.MobilePhoneNumber], ['TimeZoneCode', emp.TimeZoneCode], ['CountryCode', emp.CountryCode],
      ['City', emp.City], ['LanguageCode', emp.LanguageCode], ['CurrentInternalEmployeeIndicator', true],
    ];
    for (const [k, v] of copy) if (type.propertyByName.has(k) && v !== undefined) row[k] = v;
    if (!existing) row.ObjectID = this.store.newObjectId();
    stamp(type, row, this.store.now(), user, !existing, new Set());
    this.deriver.derive(type, row);
    this.store.put(set, String(row.ObjectID), row);
  }
}
