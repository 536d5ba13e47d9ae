/**
 * Entity -> C4C JSON: `__metadata` {uri (absolute), type c4codata.<Type>, etag}, properties in EDMX order with
 * `/Date(ms)/` dates, then navigations as `{"__deferred":{"uri":…}}` or, when expanded, plain arrays (to-many)
 * / objects (to-one), as in the tenant export in fixtures/c4c/samples.
 */
import { NAMESPACE, type EntityTypeModel, type ServiceModel } from './edmx-model';
import type { NavigationResolver } from './navigation';
import { allSelected, type ExpandTree, type SelectTree } from './query';
import { etagFor, formatOutput, type Row } from './values';

export interface SerializeContext {
  model: ServiceModel;
  resolver: NavigationResolver;
  /** Absolute service root with trailing slash. */
  serviceUrl: string;
  /** `odata-no-codedescs: true`: leave out the `...Text` code descriptions. */
  noCodeDescs: boolean;
}

export function entityUri(serviceUrl: string, setName: string, objectId: string): string {
  return `${serviceUrl}${setName}('${objectId}')`;
}

export function rowEtag(row: Row): string | undefined {
  return typeof row.ETag === 'number' ? etagFor(row.ETag) : undefined;
}

export function serializeEntity(
  ctx: SerializeContext,
  setName: string,
  type: EntityTypeModel,
  row: Row,
  select: SelectTree = allSelected(),
  expand: ExpandTree = new Map(),
): Record<string, unknown> {
  const uri = entityUri(ctx.serviceUrl, setName, String(row.ObjectID));
  const meta: Record<string, string> = { uri, type: `${NAMESPACE}.${type.name}` };
  const etag = rowEtag(row);
  if (etag) meta.etag = etag;
  const out: Record<string, unknown> = { __metadata: meta };
  for (const p of type.properties) {
    if (ctx.noCodeDescs && type.textProperties.has(p.name)) continue;
    if (!select.all && !select.props.has(p.name)) continue;
    out[p.name] = formatOutput(p, row[p.name]);
  }
  for (const nav of type.navigations) {
    const sub = expand.get(nav.name);
    const navSelect = select.navs.get(nav.name);
    if (sub) {
      const r = ctx.resolver.resolve(type, row, nav);
      const childSelect = navSelect ?? allSelected();
      const ser = (x: Row): Record<string, unknown> => serializeEntity(ctx, r.setName!, r.type!, x, childSelect, sub);
      out[nav.name] = nav.toMany ? r.rows.map(ser) : r.rows[0] ? ser(r.rows[0]) : null;
    } else if (select.all || navSelect) {
      out[nav.name] = { __deferred: { uri: `${uri}/${nav.name}` } };
    }
  }
  return out;
}
