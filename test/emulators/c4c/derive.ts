/**
 * Server-computed values C4C fills on every write: human IDs from number ranges, UUIDs, timestamps and ETag,
 * code descriptions, formatted names and names of referenced parties. Also the two BO side effects clients
 * rely on: an Employee has a matching EmployeeBasicData record, and a Contact created with an AccountID gets the
 * contact-person relationship on both sides (ContactIsContactPersonFor / CorporateAccountHasContactPerson).
 */
import { codeText } from './codes';
import type { EntityTypeModel, ServiceModel } from './edmx-model';
import type { TenantStore } from './store';
import { defaultValue, type Row, type StoredValue } from './values';

/** Which property holds the server-numbered human ID of a header, and its number range. */
export const HUMAN_ID: Record<string, { prop: string; range: string }> = {
  CorporateAccount: { prop: 'AccountID', range: 'party' },
  Contact: { prop: 'ContactID', range: 'party' },
  IndividualCustomer: { prop: 'CustomerID', range: 'party' },
  Employee: { prop: 'EmployeeID', range: 'employee' },
  EmployeeBasicData: { prop: 'EmployeeID', range: 'employee' },
  Lead: { prop: 'ID', range: 'lead' },
  Appointment: { prop: 'ID', range: 'activity' },
  Tasks: { prop: 'ID', range: 'activity' },
  EMail: { prop: 'ID', range: 'activity' },
  PhoneCall: { prop: 'ID', range: 'activity' },
  Opportunity: { prop: 'ID', range: 'opportunity' },
  ServiceRequest: { prop: 'ID', range: 'ticket' },
};

/** The type's own UUID property (dashed form of its ObjectID). */
export function ownUuidProp(type: EntityTypeModel): string | undefined {
  for (const name of ['UUID', `${type.name}UUID`]) {
    if (type.propertyByName.get(name)?.type === 'Edm.Guid') return name;
  }
  return undefined;
}

export function dashed(objectId: string): string {
  const h = objectId;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const CREATED_PROPS = /^(CreationOn|CreatedOn|CreationDate|CreationDateTime)$/;
const CHANGED_PROPS = /^(ChangedOn|LastChangeDate|LastChangeDateTime|UpdatedOn|LastUpdatedOn|EntityLastChangedOn|ETag)$/;
const CREATED_BY = /^(CreatedBy)$/;
const CHANGED_BY = /^(ChangedBy|LastChangedBy|LastUpdatedBy)$/;

/** Sets system timestamps; client-writable ones (LastChangeDateTime on activities) are kept when supplied. */
export function stamp(type: EntityTypeModel, row: Row, ms: number, user: string, created: boolean, supplied: Set<string>): void {
  for (const p of type.properties) {
    if (supplied.has(p.name) && (p.creatable || p.updatable)) continue;
    if (created && CREATED_PROPS.test(p.name) && (p.type === 'Edm.DateTimeOffset' || p.type === 'Edm.DateTime')) row[p.name] = ms;
    if (CHANGED_PROPS.test(p.name) && (p.type === 'Edm.DateTimeOffset' || p.type === 'Edm.DateTime')) row[p.name] = ms;
    if (created && CREATED_BY.test(p.name) && p.type === 'Edm.String') row[p.name] = user;
    if (CHANGED_BY.test(p.name) && p.type === 'Edm.String') row[p.name] = user;
  }
}

interface PartyHit { name: string; uuid: StoredValue; email: StoredValue }

export class Deriver {
  constructor(private readonly model: ServiceModel, private readonly store: TenantStore) {}

  /** Finds an account / contact / individual customer / employee by its human party ID. */
  findParty(id: StoredValue): PartyHit | undefined {
    if (typeof id !== 'string' || id === '') return undefined;
    const probes: [string, string, string][] = [
      ['CorporateAccountCollection', 'AccountID', 'UUID'],
      ['ContactCollection', 'ContactID', 'ContactUUID'],
      ['IndividualCustomerCollection', 'CustomerID', 'UUID'],
      ['EmployeeCollection', 'EmployeeID', 'UUID'],
    ];
    for (const [set, idProp, uuidProp] of probes) {
      const r = this.store.rows(set).find((x) => x[idProp] === id);
      if (r) {
        const name = String(r.Name || r.FormattedName || r.BusinessPartnerFormattedName || `${r.FirstName ?? ''} ${r.LastName ?? ''}`.trim());
        return { name, uuid: r[uuidProp] ?? null, email: r.Email ?? '' };
      }
    }
    return undefined;
  }

  /** Recomputes read-only derived values of a row after its writable values changed. */
  derive(type: EntityTypeModel, row: Row): void {
    const has = (p: string): boolean => type.propertyByName.has(p);
    const setIf = (p: string, v: StoredValue): void => { if (has(p)) row[p] = v; };
    for (const p of type.properties) {
      if (p.textProperty && has(p.textProperty)) row[p.textProperty] = codeText(type.name, p.name, row[p.name]);
    }
    const fullName = `${row.FirstName ?? ''} ${row.LastName ?? ''}`.replace(/\s+/g, ' ').trim();
    switch (type.name) {
      case 'Contact': {
        setIf('Name', fullName);
        const acc = this.store.rows('CorporateAccountCollection').find((a) => a.AccountID === row.AccountID && row.AccountID !== '');
        setIf('AccountFormattedName', acc ? String(acc.Name) : '');
        if (acc && !row.AccountUUID) setIf('AccountUUID', acc.UUID ?? null);
        break;
      }
      case 'CorporateAccount':
        setIf('BusinessPartnerFormattedName', [row.Name, row.AdditionalName].filter(Boolean).join(' '));
        break;
      case 'IndividualCustomer':
      case 'EmployeeBasicData':
        setIf('FormattedName', fullName);
        break;
      case 'Employee':
        setIf('BusinessPartnerFormattedName', fullName);
        break;
      case 'ContactIsContactPersonFor': {
        const acc = this.store.rows('CorporateAccountCollection').find((a) => a.AccountID === row.AccountID);
        setIf('AccountFormattedName', acc ? String(acc.Name) : '');
        break;
      }
      case 'CorporateAccountHasContactPerson': {
        const c = this.store.rows('ContactCollection').find((x) => x.ContactID === row.ContactID);
        setIf('ContactFormattedName', c ? String(c.Name) : '');
        break;
      }
      default:
        break;
    }
    // Names of referenced parties on activities / opportunities (read-only "...Name" companions).
    const pairs: [string, string, string?][] = [
      ['MainAccountPartyID', 'AccountName', 'Account'],
      ['MainContactPartyID', 'PrimaryContactName', 'PrimaryContact'],
      ['OwnerPartyID', 'OwnerName', 'OwnerUUID'],
      ['MessageFromPartyID', 'MessageFromPartyName', 'MessageFromPartyUUID'],
      ['OrganizerPartyID', 'OrganizerName', 'OrganizerUUID'],
      ['ProspectPartyID', 'ProspectPartyName'],
      ['PrimaryContactPartyID', 'PrimaryContactPartyName'],
      ['MainEmployeeResponsiblePartyID', 'MainEmployeeResponsiblePartyName'],
      ['BuyerPartyID', 'BuyerPartyName', 'BuyerPartyUUID'],
      ['BuyerMainContactPartyID', 'BuyerMainContactPartyName', 'BuyerMainContactPartyUUID'],
      ['ProcessorPartyID', 'ProcessorPartyName', 'ProcessorPartyUUID'],
    ];
    for (const [idProp, nameProp, uuidProp] of pairs) {
      if (!has(idProp) || !has(nameProp)) continue;
      const nameModel = type.propertyByName.get(nameProp)!;
      if (nameModel.creatable || nameModel.updatable) continue;
      const hit = this.findParty(row[idProp]);
      row[nameProp] = hit?.name ?? '';
      if (hit && uuidProp && has(uuidProp) && type.propertyByName.get(uuidProp)!.type === 'Edm.Guid' && !row[uuidProp]) {
        row[uuidProp] = hit.uuid;
      }
    }
    // Involved-party rows: read-only Name / EMail come from the resolved party.
    if (has('PartyID') && type.parentType) {
      const hit = this.findParty(row.PartyID);
      for (const [prop, v] of [['Name', hit?.name], ['EMail', hit?.email], ['PartyName', hit?.name]] as const) {
        const pm = type.propertyByName.get(prop);
        if (pm && !pm.creatable && !pm.updatable) row[prop] = v ?? '';
      }
      const pu = type.propertyByName.get('PartyUUID');
      if (hit && pu && !row.PartyUUID) row.PartyUUID = hit.uuid;
    }
  }

  /** A fresh row holding every property's empty value. */
  blank(type: EntityTypeModel): Row {
    const row: Row = {};
    for (const p of type.properties) row[p.name] = defaultValue(p);
    return row;
  }
}
