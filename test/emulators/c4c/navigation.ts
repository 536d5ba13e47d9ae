/**
 * Resolves navigation properties. The EDMX has no referential constraints, so the join rules are:
 *  - to-many into a child type: child.ParentObjectID = header.ObjectID;
 *  - to-one (or the odd to-many) to an ancestor type: walk ParentObjectID upwards;
 *  - cross-object to-one links (Contact -> CorporateAccount, ... -> EmployeeBasicData): a small table of
 *    "my property = target property" joins on the human IDs, which is how C4C relates business objects.
 * Navigations to types the emulator does not serve resolve to nothing (empty array / null).
 */
import type { EntityTypeModel, NavigationModel, ServiceModel } from './edmx-model';
import type { TenantStore } from './store';
import type { Row } from './values';

const CROSS_LINKS: Record<string, { from: string; to: string }> = {
  'Contact.CorporateAccount': { from: 'AccountID', to: 'AccountID' },
  'ContactIsContactPersonFor.CorporateAccount': { from: 'AccountID', to: 'AccountID' },
  'CorporateAccountHasContactPerson.Contact': { from: 'ContactID', to: 'ContactID' },
  'Contact.ContactOwnerEmployeeBasicData': { from: 'ContactOwnerID', to: 'EmployeeID' },
  'CorporateAccount.OwnerEmployeeBasicData': { from: 'OwnerID', to: 'EmployeeID' },
  'IndividualCustomer.OwnerEmployeeBasicData': { from: 'OwnerID', to: 'EmployeeID' },
  'CorporateAccountTeam.EmployeeBasicData': { from: 'EmployeeID', to: 'EmployeeID' },
  'IndividualCustomerTeam.EmployeeBasicData': { from: 'EmployeeID', to: 'EmployeeID' },
};

export interface Resolved { setName?: string; type?: EntityTypeModel; rows: Row[] }

export class NavigationResolver {
  constructor(private readonly model: ServiceModel, private readonly store: TenantStore) {}

  /** The parent row of a child row (undefined for headers). */
  parentOf(type: EntityTypeModel, row: Row): { type: EntityTypeModel; setName: string; row: Row } | undefined {
    if (!type.parentType) return undefined;
    const setName = this.model.setByType.get(type.parentType);
    const pType = this.model.types.get(type.parentType);
    const pid = row.ParentObjectID;
    if (!setName || !pType || typeof pid !== 'string') return undefined;
    const pRow = this.store.get(setName, pid);
    return pRow ? { type: pType, setName, row: pRow } : undefined;
  }

  /** Children of a row through a to-many child navigation. */
  children(nav: NavigationModel, row: Row): Row[] {
    const setName = this.model.setByType.get(nav.targetType);
    if (!setName) return [];
    const oid = row.ObjectID;
    return this.store.rows(setName).filter((r) => r.ParentObjectID === oid);
  }

  isChildNavigation(type: EntityTypeModel, nav: NavigationModel): boolean {
    const target = this.model.types.get(nav.targetType);
    return nav.toMany && !!target && target.parentType === type.name;
  }

  resolve(type: EntityTypeModel, row: Row, nav: NavigationModel): Resolved {
    const setName = this.model.setByType.get(nav.targetType);
    const targetType = this.model.types.get(nav.targetType);
    if (!setName || !targetType) return { rows: [] };
    if (this.isChildNavigation(type, nav)) return { setName, type: targetType, rows: this.children(nav, row) };
    // Ancestor link (e.g. EMailNotes/EMail, OpportunityItemParty/Opportunity).
    let cur: { type: EntityTypeModel; row: Row } | undefined = { type, row };
    while (cur) {
      const p = this.parentOf(cur.type, cur.row);
      if (p && p.type.name === nav.targetType) return { setName, type: targetType, rows: [p.row] };
      cur = p;
    }
    const link = CROSS_LINKS[`${type.name}.${nav.name}`];
    if (link) {
      const v = row[link.from];
      if (v !== null && v !== undefined && v !== '') {
        const hits = this.store.rows(setName).filter((r) => r[link.to] === v);
        return { setName, type: targetType, rows: nav.toMany ? hits : hits.slice(0, 1) };
      }
    }
    return { setName, type: targetType, rows: [] };
  }
}
