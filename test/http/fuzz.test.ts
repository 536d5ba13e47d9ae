/**
 * Property tests over every route the relay mounts (issue 12): arbitrary JSON bodies (and bodies that are not JSON),
 * query strings with NUL characters, lone surrogates and quotes, and arbitrary headers never produce a 5xx, and a
 * rejected request (4xx) writes nothing: the rows of every relay table and the records in the C4C emulator are counted
 * before and after each request. Bounded in time (about a minute on this machine).
 */
import fc from 'fast-check';
import { ACTIVATION_ROUTES } from '../../shared/api/activation';
import { ADMIN_ROUTES } from '../../shared/api/admin';
import { SIDEBAR_ROUTES } from '../../shared/api/sidebar';
import { SYNC_ROUTES } from '../../shared/api/sync';
import { DEMO_ADDIN_CLIENT_ID, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

jest.setTimeout(240_000);

const [ANNA] = DEMO_USERS;
let env: SandboxRelay;
let userToken: string;
let adminToken: string;
let orgId: string;
let tables: string[];
const BACKGROUND_LOGS = new Set(['access_check_results', 'audit_log']);

beforeAll(async () => {
  env = await startSandboxRelay({ SYNC_WORKERS: 'false' });
  userToken = await env.tokenFor(ANNA.oid);
  adminToken = await env.sandbox.entra.control.issueUserToken({ tenantId: DEMO_TENANT_ID, audience: DEMO_ADDIN_CLIENT_ID, oid: ANNA.oid, scp: 'access_as_user', overrides: { roles: ['Admin'] } as never });
  const org = await env.store.organizations.getByTenant(DEMO_TENANT_ID);
  orgId = org!.id;
  const result = await env.relay.services.db.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
  );
  // Not counted: logs that background work started by an earlier, accepted request appends to at its own pace (an
  // access check's results, the audit entries of its actions); every other table, and C4C, must stay unchanged.
  tables = result.rows.map((r) => r.table_name).filter((t) => !BACKGROUND_LOGS.has(t));
});
afterAll(async () => {
  await env?.close();
});

async function snapshot(): Promise<string> {
  const counts: string[] = [];
  for (const table of tables) {
    const result = await env.relay.services.db.query<{ n: string | number }>(`select count(*) as n from "${table}"`);
    counts.push(`${table}=${Number(result.rows[0].n)}`);
  }
  for (const set of ['EMailCollection', 'AppointmentCollection', 'ContactCollection', 'LeadCollection']) counts.push(`c4c.${set}=${env.sandbox.c4c.control.list(set).length}`);
  return counts.join(' ');
}

/** Background jobs an accepted admin request may have started (an access check, a CSV import) still going. */
async function jobsActive(): Promise<number> {
  const result = await env.relay.services.db.query<{ n: string | number }>(
    "select (select count(*) from access_check_runs where status in ('queued', 'running')) + (select count(*) from csv_imports where status = 'running') as n",
  );
  return Number(result.rows[0].n);
}

/** Waits until no background job runs and nothing changes for 300 ms (at most 20 s). */
async function settle(): Promise<void> {
  let last = await snapshot();
  for (let i = 0; i < 66; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await snapshot();
    if (now === last && (await jobsActive()) === 0) return;
    last = now;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Generators

const SPECIALS = ['\u0000', '\uD800', '\uDFFF', '\uD83D', '💥', "'", '"', '%', '\\', '*', '&', '#', '\r\n', ' ', '../', '\u202E', 'x'.repeat(800)];
const nastyString = fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...SPECIALS)), { maxLength: 6 }).map((parts) => parts.join(''));
const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor', 'internetMessageId', 'groupwareItemId', 'blocklist', 'settings')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function email(): Record<string, unknown> {
  return { internetMessageId: '<fuzz@x.example>', itemId: 'AAMk', subject: 's', sentAt: '2026-11-20T09:15:00.000Z', from: { address: 'katrin@nordwind.example' }, to: [], cc: [], bodyHtml: '', includeAttachments: false };
}
function meeting(): Record<string, unknown> {
  return { groupwareItemId: 'uid-fuzz', subject: 's', start: '2026-12-03T10:00:00.000Z', end: '2026-12-03T11:00:00.000Z', timeZone: 'Europe/Berlin', isAllDay: false, organizer: { address: ANNA.email }, attendees: [] };
}

/** A valid-looking body with one field replaced by something nasty: gets past the shape and into the field checks. */
const nearValid = fc.tuple(fc.constantFrom(email, meeting), nastyJson, fc.nat()).map(([make, value, pick]) => {
  const body = make();
  const keys = Object.keys(body);
  body[keys[pick % keys.length]] = typeof value === 'string' ? value : value;
  return body;
});

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string };
const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'none' }),
  nastyJson.map((value): Body => ({ kind: 'json', value })),
  nearValid.map((value): Body => ({ kind: 'json', value })),
  fc.tuple(fc.oneof(nastyString, fc.constantFrom('{', '{"a":', '[1,', 'null', '"\\ud800"', '{"__proto__":{"x":1}}')), fc.constantFrom('application/json', 'text/csv', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'))
    .map(([text, contentType]): Body => ({ kind: 'raw', text, contentType })),
);

/** Percent-encodes like a lax client: a lone surrogate becomes its CESU-8 bytes, NUL becomes %00. */
function laxEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch);
  }
  return out;
}
const queryArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('internetMessageId', 'groupwareItemId', 'groupwareItemIdSource', 'type', 'q', 'limit', 'cursor', 'confirm', 'wait', 'fileName', 'search', 'state'), nastyString), nastyString), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${laxEncode(k)}=${laxEncode(v)}`).join('&'));

type Auth = 'user' | 'admin' | 'none' | 'garbage' | 'basic';
const authArb = fc.constantFrom<Auth>('user', 'user', 'admin', 'admin', 'none', 'garbage', 'basic');
const headersArb = fc.dictionary(fc.constantFrom('x-correlation-id', 'accept', 'accept-encoding', 'x-forwarded-for', 'if-none-match', 'origin'), fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), { maxKeys: 3 });

function authHeader(auth: Auth): string | undefined {
  switch (auth) {
    case 'user':
      return `Bearer ${userToken}`;
    case 'admin':
      return `Bearer ${adminToken}`;
    case 'garbage':
      return 'Bearer eyJhbGciOiJub25lIn0.e30.';
    case 'basic':
      return 'Basic c2FuZGJveDpzYW5kYm94';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Routes: everything relay/routes.ts mounts that takes input.

interface Route {
  method: string;
  path: string;
}

const PARAM_VALUES = ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '%00', '%ED%A0%80', "x'y"];

function routes(): Route[] {
  const list: Route[] = [
    { method: 'GET', path: SIDEBAR_ROUTES.me },
    { method: 'POST', path: SIDEBAR_ROUTES.search },
    { method: 'GET', path: SIDEBAR_ROUTES.emailStatus },
    { method: 'POST', path: SIDEBAR_ROUTES.saveEmail },
    { method: 'POST', path: SIDEBAR_ROUTES.createContact },
    { method: 'POST', path: SIDEBAR_ROUTES.createLead },
    { method: 'GET', path: SIDEBAR_ROUTES.related },
    { method: 'POST', path: SIDEBAR_ROUTES.createAppointment },
    { method: 'GET', path: SIDEBAR_ROUTES.appointmentStatus },
    { method: 'GET', path: SYNC_ROUTES.settings },
    { method: 'PUT', path: SYNC_ROUTES.settings },
    { method: 'GET', path: SYNC_ROUTES.status },
    { method: 'POST', path: SYNC_ROUTES.pause },
    { method: 'POST', path: SYNC_ROUTES.resume },
    { method: 'POST', path: SYNC_ROUTES.now },
    { method: 'GET', path: ACTIVATION_ROUTES.status },
    { method: 'POST', path: ACTIVATION_ROUTES.office365Start },
    { method: 'POST', path: ACTIVATION_ROUTES.office365Finish },
    { method: 'POST', path: ACTIVATION_ROUTES.exchange },
    { method: 'GET', path: '/api/nothing-here' },
    { method: 'POST', path: '/sandbox/api/token' },
    { method: 'PUT', path: '/sandbox/api/items/x/categories' },
  ];
  for (const route of ADMIN_ROUTES) {
    // Event streams stay open: exercised by their own tests.
    if ('eventStream' in route && route.eventStream) continue;
    list.push({ method: route.method.toUpperCase(), path: route.path });
  }
  return list;
}

/** Fills `:orgId` with the demo organization (so requests get past the organization check) or something odd. */
function fillParams(path: string, pick: number): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => (name === 'orgId' && pick % 3 !== 0 ? orgId : PARAM_VALUES[(pick + name.length) % PARAM_VALUES.length]));
}

/** Runs per route (about 50 routes; ~1 minute in all on this machine). */
const MAX_RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 12);
/** The whole property run's time (FUZZ_BUDGET_MS, default 75 s). */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 75_000);

describe('no input produces a 5xx, and rejected input writes nothing', () => {
  const all = routes();
  it(`holds for every mounted route (${all.length} routes)`, async () => {
    const failures: string[] = [];
    const started = Date.now();
    let requests = 0;
    for (const route of all) {
      await fc.assert(
        fc.asyncProperty(bodyArb, queryArb, authArb, headersArb, fc.nat(), async (body, query, auth, extraHeaders, pick) => {
          const before = await snapshot();
          const headers: Record<string, string> = { ...extraHeaders };
          const authorization = authHeader(auth);
          if (authorization) headers.authorization = authorization;
          let payload: string | undefined;
          if (route.method !== 'GET' && body.kind === 'json') {
            payload = JSON.stringify(body.value) ?? 'null';
            headers['content-type'] = 'application/json';
          } else if (route.method !== 'GET' && body.kind === 'raw') {
            payload = body.text;
            headers['content-type'] = body.contentType;
          }
          const url = `${env.url}${fillParams(route.path, pick)}${query ? `?${query}` : ''}`;
          const response = await fetch(url, { method: route.method, headers, body: payload });
          const text = await response.text();
          requests += 1;
          if (response.status >= 500 && response.status !== 503) {
            failures.push(`${route.method} ${url} (${auth}) → ${response.status} ${text.slice(0, 200)} body=${String(payload).slice(0, 200)}`);
            return false;
          }
          if (response.status < 400) {
            // An accepted request may start background work (an access check, an import, a session): let it finish so
            // its writes are not blamed on the next, rejected, request.
            await settle();
            return true;
          }
          {
            const after = await snapshot();
            if (after !== before) {
              failures.push(`${route.method} ${url} (${auth}) → ${response.status} wrote: ${before} → ${after}`);
              return false;
            }
          }
          return true;
        }),
        // Each route gets an equal share of the time budget; on a busy machine fewer runs fit, never more time.
        { numRuns: MAX_RUNS_PER_ROUTE, endOnFailure: true, interruptAfterTimeLimit: Math.floor(BUDGET_MS / all.length), markInterruptAsFailure: false },
      ).catch((error: unknown) => {
        failures.push(String(error).slice(0, 600));
      });
    }
    expect(failures).toEqual([]);
    // Every route was really exercised (at least a few generated requests each), within the budget.
    expect(requests).toBeGreaterThanOrEqual(all.length * 3);
    expect(Date.now() - started).toBeLessThan(BUDGET_MS + 30_000);
  });
});
