/**
 * One OData request against the service root, independent of the transport so `$batch` parts run through the
 * same code as plain HTTP requests. Knows the resource-path grammar the clients use:
 *   ''                     service document            $metadata
 *   Set | Set('oid')       collection / entity         Set/$count, Set('oid')/Nav[/$count]
 *   FunctionImport?p='v'   Check*ByGroupwareID (POST), IdentityGetLoggedInUserInfo (GET)
 *   <value-help set>       CodeList rows of the §4 codes
 */
import { codeListRows } from './codes';
import { NAMESPACE, metadataXml, type EntityTypeModel, type ServiceModel } from './edmx-model';
import { ODataError, badRequest, methodNotAllowed, notFound, notImplemented } from './errors';
import type { NavigationResolver } from './navigation';
import { equalityValues, parseQueryOptions, selectRows, type QueryOptions } from './query';
import { entityUri, rowEtag, serializeEntity, type SerializeContext } from './serializer';
import type { TenantStore } from './store';
import { stringifyC4cJson, type Row } from './values';
import type { EntityWriter, UpdateMode } from './write';

export interface ODataRequest {
  method: string;
  /** Resource path relative to the service root, without query, e.g. "EMailCollection('…')/EMailNotes". */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** Absolute service root with trailing slash, e.g. http://127.0.0.1:1234/sap/c4c/odata/v1/c4codataapi/ */
  serviceUrl: string;
  user: string;
  inBatch: boolean;
}

export interface ODataResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ServiceOptions {
  pageSize: number;
  expandPageSize: number;
}

const BASE_HEADERS = { dataserviceversion: '2.0', 'cache-control': 'no-cache, no-store' };

export function jsonResponse(status: number, body: unknown, extra: Record<string, string> = {}): ODataResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...BASE_HEADERS, ...extra },
    body: stringifyC4cJson(body),
  };
}

export function noContent(): ODataResponse {
  return { status: 204, headers: { 'content-type': 'text/html', ...BASE_HEADERS }, body: '' };
}

export function errorResponse(e: ODataError): ODataResponse {
  return jsonResponse(e.status, { error: { code: e.code, message: { lang: 'en', value: e.message } } }, e.headers);
}

interface ResourcePath {
  name: string;
  key?: string;
  nav?: string;
  count: boolean;
}

function parseKey(text: string): string {
  const m = /^(?:ObjectID=)?'((?:[^']|'')*)'$/.exec(text.trim());
  if (!m) throw badRequest(`Invalid key predicate (${text}); use ('<ObjectID>')`);
  return m[1].replace(/''/g, "'");
}

export function parseResourcePath(path: string): ResourcePath {
  const segs = path.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  const m = /^([A-Za-z0-9_$]+)(?:\((.*)\))?$/.exec(segs[0] ?? '');
  if (!m) throw notFound(`Resource not found for segment '${segs[0]}'`);
  const out: ResourcePath = { name: m[1], key: m[2] !== undefined ? parseKey(m[2]) : undefined, count: false };
  let i = 1;
  if (segs[i] && segs[i] !== '$count') {
    if (out.key === undefined) throw notFound(`Resource not found for segment '${segs[i]}'`);
    out.nav = segs[i++];
  }
  if (segs[i] === '$count') { out.count = true; i++; }
  if (i < segs.length) throw notFound(`Resource not found for segment '${segs[i]}'`);
  return out;
}

/** Key under which the control API counts a request, e.g. "GET ContactCollection", "POST EMailCollection/EMailNotes". */
export function endpointKey(method: string, path: string): string {
  const clean = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '') return `${method} $service`;
  try {
    const r = parseResourcePath(clean);
    return `${method} ${r.name}${r.nav ? `/${r.nav}` : ''}${r.count ? '/$count' : ''}`;
  } catch {
    return `${method} ${clean.split(/[(/]/)[0]}`;
  }
}

function wantsJson(req: ODataRequest): boolean {
  const fmt = req.query.get('$format');
  if (fmt) {
    if (fmt.toLowerCase() === 'json') return true;
    throw new ODataError(406, '/IWFND/CM_MGW/003', `The emulator only serves JSON ($format=${fmt} requested)`);
  }
  return (req.headers.accept ?? '').toLowerCase().includes('application/json');
}

function requireJson(req: ODataRequest): void {
  if (!wantsJson(req)) {
    throw new ODataError(406, '/IWFND/CM_MGW/003',
      'C4C answers this request in Atom XML; the emulator serves JSON only: send Accept: application/json or $format=json');
  }
}

function parseBody(req: ODataRequest): unknown {
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  if (!ct.includes('json')) throw new ODataError(415, '/IWFND/CM_MGW/004', 'Send request bodies as Content-Type: application/json');
  try {
    return JSON.parse(req.body);
  } catch {
    throw badRequest('Malformed JSON in request body');
  }
}

function functionParam(req: ODataRequest, name: string): string {
  const raw = req.query.get(name);
  if (raw === null) throw badRequest(`Function import parameter '${name}' is missing`);
  const m = /^'((?:[^']|'')*)'$/.exec(raw);
  return m ? m[1].replace(/''/g, "'") : raw;
}

export class ODataService {
  private readonly valueHelpOwner = new Map<string, { type: string; prop: string }>();

  constructor(
    private readonly model: ServiceModel,
    private readonly store: TenantStore,
    private readonly resolver: NavigationResolver,
    private readonly writer: EntityWriter,
    private readonly opts: ServiceOptions,
  ) {
    for (const t of model.types.values()) {
      for (const p of t.properties) {
        if (p.valueHelp && !this.valueHelpOwner.has(p.valueHelp)) this.valueHelpOwner.set(p.valueHelp, { type: t.name, prop: p.name });
      }
    }
  }

  /** Runs one request as a transaction: a failing write (e.g. an invalid deep-insert child) leaves no trace. */
  handle(req: ODataRequest): ODataResponse {
    this.store.begin();
    try {
      const res = this.dispatch(req);
      if (res.status >= 400) this.store.rollback();
      else this.store.commit();
      return res;
    } catch (e) {
      this.store.rollback();
      if (e instanceof ODataError) return errorResponse(e);
      const msg = e instanceof Error ? e.message : String(e);
      return errorResponse(new ODataError(500, 'SY/500', `Internal error: ${msg}`));
    }
  }

  private ctx(req: ODataRequest): SerializeContext {
    return {
      model: this.model,
      resolver: this.resolver,
      serviceUrl: req.serviceUrl,
      noCodeDescs: (req.headers['odata-no-codedescs'] ?? '').toLowerCase() === 'true',
    };
  }

  private dispatch(req: ODataRequest): ODataResponse {
    let method = req.method.toUpperCase();
    const tunnel = req.headers['x-http-method'];
    if (method === 'POST' && tunnel) method = tunnel.toUpperCase();
    const path = req.path.replace(/^\/+/, '');
    if (path === '' || path === '/') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('The service document is read-only');
      return jsonResponse(200, { d: { EntitySets: this.model.allEntitySetNames } });
    }
    if (path === '$metadata') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('$metadata is read-only');
      return { status: 200, headers: { 'content-type': 'application/xml', ...BASE_HEADERS }, body: metadataXml() };
    }
    const rp = parseResourcePath(path);
    const fi = this.model.functionImports.get(rp.name);
    if (fi) return this.functionImport(req, method, fi.name, fi.httpMethod, fi.entitySet);
    const set = this.model.sets.get(rp.name);
    if (!set) {
      const vh = this.valueHelpOwner.get(rp.name);
      if (vh) return this.valueHelp(req, method, rp.name, vh);
      if (this.model.allEntitySetNames.includes(rp.name)) throw notImplemented(`Entity set '${rp.name}' is not emulated`);
      throw notFound(`Resource not found for segment '${rp.name}'`);
    }
    const type = this.model.types.get(set.typeName)!;
    if (rp.key === undefined) return this.collectionRequest(req, method, rp, set.name, type);
    const row = this.store.get(set.name, rp.key);
    if (!row) {
      throw notFound(`Resource not found for segment '${set.name}('${rp.key}')'`);
    }
    if (rp.nav) return this.navigationRequest(req, method, rp, set.name, type, row);
    if (rp.count) throw badRequest('$count is not allowed on a single entity');
    switch (method) {
      case 'GET':
      case 'HEAD': {
        requireJson(req);
        const q = parseQueryOptions(this.model, type, req.query, { inBatch: req.inBatch });
        const body = serializeEntity(this.ctx(req), set.name, type, row, q.select, q.expand);
        const etag = rowEtag(row);
        return jsonResponse(200, { d: { results: body } }, etag ? { etag } : {});
      }
      case 'PATCH':
      case 'MERGE':
      case 'PUT':
        this.writer.update(set.name, rp.key, parseBody(req), method as UpdateMode, req.headers['if-match'], req.user);
        return noContent();
      case 'DELETE':
        this.writer.remove(set.name, rp.key, req.headers['if-match']);
        return noContent();
      default:
        throw methodNotAllowed(`Method ${method} is not allowed on an entity`);
    }
  }

  private collectionRequest(req: ODataRequest, method: string, rp: ResourcePath, setName: string, type: EntityTypeModel): ODataResponse {
    if (method === 'GET' || method === 'HEAD') {
      if (!rp.count) requireJson(req);
      // A look-up by GroupwareItemID reads the index, as the tenant's database would, not every row of the set.
      const rows = (q: QueryOptions): Row[] => {
        const keys = equalityValues(q.filter, 'GroupwareItemID');
        return keys ? this.store.rowsWhere(setName, 'GroupwareItemID', keys) : this.store.rows(setName);
      };
      return this.readCollection(req, setName, type, rows, rp.count, setName);
    }
    if (method === 'POST') {
      if (rp.count) throw methodNotAllowed('POST is not allowed on $count');
      const row = this.writer.create(setName, parseBody(req), { user: req.user });
      return this.created(req, setName, type, row);
    }
    throw methodNotAllowed(`Method ${method} is not allowed on an entity set`);
  }

  private navigationRequest(req: ODataRequest, method: string, rp: ResourcePath, setName: string, type: EntityTypeModel, row: Row): ODataResponse {
    const nav = type.navigationByName.get(rp.nav!);
    if (!nav) throw notFound(`Resource not found for segment '${rp.nav}'`);
    const resolved = this.resolver.resolve(type, row, nav);
    if (method === 'POST') {
      if (!this.resolver.isChildNavigation(type, nav) || !resolved.setName) {
        throw methodNotAllowed(`Creating entities through navigation '${nav.name}' is not supported`);
      }
      const created = this.writer.create(resolved.setName, parseBody(req), {
        user: req.user,
        parent: { setName, type, row },
      });
      return this.created(req, resolved.setName, resolved.type!, created);
    }
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`Method ${method} is not allowed on a navigation property`);
    if (!resolved.setName || !resolved.type) {
      if (!rp.count) requireJson(req);
      if (nav.toMany || rp.count) return rp.count ? this.countResponse(0) : jsonResponse(200, { d: { results: [] } });
      throw notFound(`Resource not found for segment '${nav.name}'`);
    }
    if (nav.toMany || rp.count) {
      if (!rp.count) requireJson(req);
      return this.readCollection(req, resolved.setName, resolved.type, resolved.rows, rp.count, `${rp.name}('${rp.key}')/${nav.name}`);
    }
    requireJson(req);
    const target = resolved.rows[0];
    if (!target) throw notFound(`Resource not found for segment '${nav.name}'`);
    const q = parseQueryOptions(this.model, resolved.type, req.query, { inBatch: req.inBatch });
    const etag = rowEtag(target);
    return jsonResponse(200, { d: { results: serializeEntity(this.ctx(req), resolved.setName, resolved.type, target, q.select, q.expand) } }, etag ? { etag } : {});
  }

  private countResponse(n: number): ODataResponse {
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...BASE_HEADERS }, body: String(n) };
  }

  /** Filter, sort, page (1000, or 100 with $expand) and serialize; `__next` is absolute and carries $skiptoken. */
  private readCollection(req: ODataRequest, setName: string, type: EntityTypeModel, rows: Row[] | ((q: QueryOptions) => Row[]), count: boolean, pathForNext: string): ODataResponse {
    const q: QueryOptions = parseQueryOptions(this.model, type, req.query, { inBatch: req.inBatch });
    const matched = selectRows(typeof rows === 'function' ? rows(q) : rows, type, q);
    const windowEnd = q.top !== undefined ? Math.min(matched.length, q.skip + q.top) : matched.length;
    if (count) return this.countResponse(Math.max(0, windowEnd - q.skip));
    const pageSize = q.expand.size > 0 ? this.opts.expandPageSize : this.opts.pageSize;
    const delivered = q.skiptoken !== undefined ? Math.max(0, q.skiptoken - 1) : 0;
    const start = q.skip + delivered;
    const end = Math.min(windowEnd, start + pageSize);
    const ctx = this.ctx(req);
    const results = matched.slice(start, Math.max(start, end)).map((r) => serializeEntity(ctx, setName, type, r, q.select, q.expand));
    const d: Record<string, unknown> = {};
    if (q.inlinecount) d.__count = String(matched.length);
    d.results = results;
    if (end < windowEnd) {
      const params: string[] = [];
      for (const [k, v] of req.query) if (k !== '$skiptoken') params.push(`${k}=${encodeURIComponent(v)}`);
      params.push(`$skiptoken=${end - q.skip + 1}`);
      d.__next = `${req.serviceUrl}${pathForNext}?${params.join('&')}`;
    }
    return jsonResponse(200, { d });
  }

  private created(req: ODataRequest, setName: string, type: EntityTypeModel, row: Row): ODataResponse {
    const location = entityUri(req.serviceUrl, setName, String(row.ObjectID));
    const etag = rowEtag(row);
    const headers: Record<string, string> = { location, ...(etag ? { etag } : {}) };
    if ((req.headers['odata-no-response-payload'] ?? '').toLowerCase() === 'true') {
      return { status: 201, headers: { ...BASE_HEADERS, ...headers, 'content-length': '0' }, body: '' };
    }
    return jsonResponse(201, { d: { results: serializeEntity(this.ctx(req), setName, type, row) } }, headers);
  }

  private functionImport(req: ODataRequest, method: string, name: string, httpMethod: string, entitySet: string | undefined): ODataResponse {
    if (method !== httpMethod) throw methodNotAllowed(`Function import '${name}' must be called with ${httpMethod}`);
    if (/^Check\w+ByGroupwareID$/.test(name) && entitySet && this.model.sets.has(entitySet)) {
      const id = functionParam(req, 'GroupwareItemID');
      const exists = id !== '' && this.store.rowsWhere(entitySet, 'GroupwareItemID', [id]).some((r) => r.GroupwareItemID === id);
      return jsonResponse(200, { d: { [name]: exists } });
    }
    if (name === 'IdentityGetLoggedInUserInfo') {
      requireJson(req);
      return jsonResponse(200, { d: { results: [this.loggedInUser(req)] } });
    }
    throw notImplemented(`Function import '${name}' is not emulated`);
  }

  /** The identity behind the Basic credentials: an employee whose UserID or e-mail equals the user name, else a technical user. */
  private loggedInUser(req: ODataRequest): Record<string, unknown> {
    const u = req.user.toLowerCase();
    const emp = this.store.rows('EmployeeCollection').find((e) => String(e.UserID).toLowerCase() === u || String(e.Email).toLowerCase() === u);
    const oid = emp ? String(emp.ObjectID) : Buffer.from(req.user).toString('hex').toUpperCase().padEnd(32, '0').slice(0, 32);
    return {
      __metadata: { uri: `${req.serviceUrl}LoggedInUserInfoCollection('${oid}')`, type: `${NAMESPACE}.LoggedInUserInfo` },
      ObjectID: oid,
      UserID: emp ? String(emp.UserID || req.user.toUpperCase()) : req.user.toUpperCase(),
      UserName: emp ? `${emp.FirstName} ${emp.LastName}` : req.user,
      EmployeeID: emp ? emp.EmployeeID : '',
      BusinessPartnerID: emp ? emp.BusinessPartnerID : '',
      EmployeeUUID: emp ? emp.UUID : null,
      Email: emp ? emp.Email : '',
      TimeZoneCode: emp ? emp.TimeZoneCode || 'UTC' : 'UTC',
      LogonLanguageCode: 'EN',
      TechnicalUserIndicator: !emp,
      KeyUserIndicator: false,
      InactiveIndicator: false,
    };
  }

  private valueHelp(req: ODataRequest, method: string, setName: string, owner: { type: string; prop: string }): ODataResponse {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(`Value-help set '${setName}' is read-only`);
    requireJson(req);
    const results = codeListRows(owner.type, owner.prop).map((r) => ({
      __metadata: { uri: `${req.serviceUrl}${setName}('${encodeURIComponent(r.Code)}')`, type: `${NAMESPACE}.CodeList` },
      Code: r.Code,
      Description: r.Description,
    }));
    return jsonResponse(200, { d: { results } });
  }
}
