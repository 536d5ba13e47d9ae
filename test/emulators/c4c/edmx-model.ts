/**
 * Compact, typed model of the part of the c4codataapi EDMX that the emulator serves.
 *
 * The vendored $metadata is 2.37 MB with 1,793 entity sets; we parse it once per process (fast-xml-parser, ~200 ms)
 * and keep only the served entity sets and their types. Everything the emulator enforces (keys, property types,
 * sap:creatable/updatable/filterable, Nullable, navigations, entity-set capabilities) comes from here, so the
 * emulator cannot drift from the real schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export const EDMX_PATH = join(__dirname, 'c4codataapi.edmx');
export const NAMESPACE = 'c4codata';

export type EdmType =
  | 'Edm.String' | 'Edm.Boolean' | 'Edm.DateTime' | 'Edm.DateTimeOffset' | 'Edm.Time' | 'Edm.Guid'
  | 'Edm.Decimal' | 'Edm.Int16' | 'Edm.Int32' | 'Edm.Int64' | 'Edm.Byte' | 'Edm.Double' | 'Edm.Binary';

export interface PropertyModel {
  name: string;
  type: EdmType;
  nullable: boolean;
  creatable: boolean;
  updatable: boolean;
  filterable: boolean;
  maxLength?: number;
  /** Name of the read-only `...Text` property describing this code (sap:text). */
  textProperty?: string;
  /** Name of the value-help set (c4c:value-help). */
  valueHelp?: string;
  /** c4c:is-parent-internal-key: carries the parent's human ID. */
  isParentKey: boolean;
}

export interface NavigationModel {
  name: string;
  targetType: string;
  toMany: boolean;
}

export interface EntityTypeModel {
  name: string;
  keys: string[];
  properties: PropertyModel[];
  propertyByName: Map<string, PropertyModel>;
  navigations: NavigationModel[];
  navigationByName: Map<string, NavigationModel>;
  /** c4c:parent-entity-type, or the type this one hangs under as a to-many child (attachment folders). */
  parentType?: string;
  /** Properties named by another property's sap:text (read-only code descriptions). */
  textProperties: Set<string>;
}

export interface EntitySetModel {
  name: string;
  typeName: string;
  creatable: boolean;
  updatable: boolean;
  deletable: boolean;
}

export interface FunctionImportModel {
  name: string;
  httpMethod: string;
  returnType: string;
  entitySet?: string;
  parameters: string[];
}

export interface ServiceModel {
  /** Every entity-set name of the service (for the service document and 404 vs 501 answers). */
  allEntitySetNames: string[];
  /** Served sets only. */
  sets: Map<string, EntitySetModel>;
  types: Map<string, EntityTypeModel>;
  /** Served entity type -> its (first) served entity set. */
  setByType: Map<string, string>;
  functionImports: Map<string, FunctionImportModel>;
  /** Value-help sets (CodeList) referenced by served properties. */
  valueHelpSets: Set<string>;
}

/** Business-object roots served; every to-many child reachable from them is served as well. */
export const HEADER_TYPES = [
  'CorporateAccount', 'Contact', 'IndividualCustomer', 'Lead', 'Employee', 'EmployeeBasicData',
  'Appointment', 'Tasks', 'EMail', 'PhoneCall', 'Opportunity', 'ServiceRequest',
] as const;

/** Extra read-only sets needed by function imports. */
const EXTRA_TYPES = ['LoggedInUserInfo'];

const ARRAY_TAGS = new Set([
  'Schema', 'EntityType', 'ComplexType', 'Property', 'NavigationProperty', 'PropertyRef', 'Association', 'End',
  'AssociationSet', 'EntitySet', 'FunctionImport', 'Parameter',
]);

type RawAttrs = Record<string, string | undefined>;
/** fast-xml-parser's tree for an EntityType; ARRAY_TAGS guarantees the arrays. */
type RawEntityType = RawAttrs & {
  Name: string;
  Key?: { PropertyRef: RawAttrs[] };
  Property?: RawAttrs[];
  NavigationProperty?: RawAttrs[];
};

let cached: ServiceModel | undefined;
let cachedXml: string | undefined;

/** The raw $metadata document (served verbatim). */
export function metadataXml(): string {
  if (cachedXml === undefined) cachedXml = readFileSync(EDMX_PATH, 'utf8');
  return cachedXml;
}

/** Parsed model, built once per process. */
export function serviceModel(): ServiceModel {
  if (!cached) cached = buildModel(metadataXml());
  return cached;
}

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v === 'true';
}

function stripNs(t: string): string {
  return t.startsWith(`${NAMESPACE}.`) ? t.slice(NAMESPACE.length + 1) : t;
}

function buildModel(xml: string): ServiceModel {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name, _jpath, _leaf, isAttribute) => !isAttribute && ARRAY_TAGS.has(name),
  });
  // The parsed document is an untyped tree; we narrow it field by field below.
  const doc = parser.parse(xml) as Record<string, Record<string, { Schema: Record<string, unknown>[] }>>;
  const schema = doc['edmx:Edmx']['edmx:DataServices'].Schema[0] as {
    EntityType: RawEntityType[];
    Association: { Name: string; End: RawAttrs[] }[];
    EntityContainer: { EntitySet: RawAttrs[]; FunctionImport: (RawAttrs & { Parameter?: RawAttrs[] })[] };
  };

  const rawTypes = new Map(schema.EntityType.map((t) => [t.Name, t]));
  const assoc = new Map(schema.Association.map((a) => [a.Name, a]));
  const rawSets = schema.EntityContainer.EntitySet;
  const setsByType = new Map<string, RawAttrs[]>();
  for (const s of rawSets) {
    const tn = stripNs(s.EntityType ?? '');
    const arr = setsByType.get(tn) ?? [];
    arr.push(s);
    setsByType.set(tn, arr);
  }

  const types = new Map<string, EntityTypeModel>();
  const toType = (name: string, parentType?: string): EntityTypeModel => {
    const raw = rawTypes.get(name);
    if (!raw) throw new Error(`EDMX has no entity type ${name}`);
    const properties: PropertyModel[] = (raw.Property ?? []).map((p) => ({
      name: p.Name ?? '',
      type: (p.Type ?? 'Edm.String') as EdmType,
      nullable: bool(p.Nullable, true),
      creatable: bool(p['sap:creatable'], true),
      updatable: bool(p['sap:updatable'], true),
      filterable: bool(p['sap:filterable'], true),
      maxLength: p.MaxLength && /^\d+$/.test(p.MaxLength) ? Number(p.MaxLength) : undefined,
      textProperty: p['sap:text'],
      valueHelp: p['c4c:value-help'],
      isParentKey: p['c4c:is-parent-internal-key'] === 'true',
    }));
    // EDMX lists ObjectID twice on some attachment types; keep the first occurrence.
    const seen = new Set<string>();
    const uniqueProps = properties.filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
    const navigations: NavigationModel[] = (raw.NavigationProperty ?? []).map((n) => {
      const a = assoc.get(stripNs(n.Relationship ?? ''));
      const end = a?.End.find((e) => e.Role === n.ToRole);
      return { name: n.Name ?? '', targetType: stripNs(end?.Type ?? ''), toMany: end?.Multiplicity === '*' };
    });
    return {
      name,
      keys: (raw.Key?.PropertyRef ?? []).map((r) => r.Name ?? ''),
      properties: uniqueProps,
      propertyByName: new Map(uniqueProps.map((p) => [p.name, p])),
      navigations,
      navigationByName: new Map(navigations.map((n) => [n.name, n])),
      parentType: raw['c4c:parent-entity-type'] ?? parentType,
      textProperties: new Set(uniqueProps.map((p) => p.textProperty).filter((t): t is string => !!t)),
    };
  };

  // Walk from the headers down every to-many navigation whose target hangs under the current type.
  const queue: { name: string; parent?: string }[] = [...HEADER_TYPES, ...EXTRA_TYPES].map((name) => ({ name }));
  const headerSet = new Set<string>([...HEADER_TYPES, ...EXTRA_TYPES]);
  while (queue.length) {
    const { name, parent } = queue.shift()!;
    if (types.has(name)) continue;
    const t = toType(name, parent);
    types.set(name, t);
    for (const n of t.navigations) {
      if (!n.toMany || headerSet.has(n.targetType) || types.has(n.targetType)) continue;
      const target = rawTypes.get(n.targetType);
      const hasParentId = (target?.Property ?? []).some((p) => p.Name === 'ParentObjectID');
      const declaredParent = target?.['c4c:parent-entity-type'];
      if (hasParentId && (!declaredParent || declaredParent === name)) queue.push({ name: n.targetType, parent: name });
    }
  }

  const sets = new Map<string, EntitySetModel>();
  const setByType = new Map<string, string>();
  for (const [tn] of types) {
    for (const s of setsByType.get(tn) ?? []) {
      const m: EntitySetModel = {
        name: s.Name ?? '',
        typeName: tn,
        creatable: bool(s['sap:creatable'], true),
        updatable: bool(s['sap:updatable'], true),
        deletable: bool(s['sap:deletable'], true),
      };
      sets.set(m.name, m);
      if (!setByType.has(tn)) setByType.set(tn, m.name);
    }
  }

  const valueHelpSets = new Set<string>();
  for (const t of types.values()) for (const p of t.properties) if (p.valueHelp) valueHelpSets.add(p.valueHelp);

  const functionImports = new Map<string, FunctionImportModel>();
  for (const f of schema.EntityContainer.FunctionImport ?? []) {
    functionImports.set(f.Name ?? '', {
      name: f.Name ?? '',
      httpMethod: (f['m:HttpMethod'] ?? 'GET').toUpperCase(),
      returnType: f.ReturnType ?? '',
      entitySet: f.EntitySet,
      parameters: (f.Parameter ?? []).map((p) => p.Name ?? ''),
    });
  }

  return {
    allEntitySetNames: rawSets.map((s) => s.Name ?? ''),
    sets,
    types,
    setByType,
    functionImports,
    valueHelpSets,
  };
}

/** Convenience lookups that throw on programmer error. */
export function typeOfSet(model: ServiceModel, setName: string): EntityTypeModel {
  const s = model.sets.get(setName);
  if (!s) throw new Error(`entity set ${setName} is not served`);
  return model.types.get(s.typeName)!;
}
