/**
 * The CSV import through the route, on both database back ends: the row report, re-import changes nothing,
 * addresses of other organizations, the batched C4C employee check against the C4C emulator, and a fast-check fuzz
 * run: whatever the file, never a 500, and the stored users are exactly the rows the report calls good.
 */
import fc from 'fast-check';
import request from 'supertest';
import { CsvImportSchema } from '../../shared/api/admin';
import { createStore } from '../../relay/store';
import { createSecretBox } from '../../relay/secrets';
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { describeEachBackend } from '../helpers/backends';
import { testAdmin, TEST_TENANT, type TestAdmin } from './helpers';

jest.setTimeout(180_000);

describeEachBackend('CSV user import', (backend) => {
  let admin: TestAdmin;
  let c4c: C4cEmulator;
  let orgSeq = 0;

  beforeAll(async () => {
    admin = testAdmin(backend.db());
    c4c = await startC4cEmulator({ seedDemo: true });
  });
  afterAll(async () => {
    await c4c?.close();
  });

  async function newOrg(): Promise<string> {
    orgSeq += 1;
    const org = await admin.deps.store.organizations.create({ name: `Org ${orgSeq}`, slug: `org-${backend.kind}-${orgSeq}-${Date.now() % 100000}` });
    await admin.deps.admin.setAdminTenant(org.id, TEST_TENANT);
    return org.id;
  }

  const upload = (orgId: string, body: string | Buffer, contentType = 'text/csv') =>
    request(admin.app).post(`/api/admin/organizations/${orgId}/users/import?wait=true&fileName=users.csv`).set('Content-Type', contentType).send(body);

  it('imports the good rows, reports the bad ones by line, and changes nothing on a second upload', async () => {
    const orgId = await newOrg();
    const csv = [
      'Full name;C4C login;C4C user ID;Mailbox login;Mailbox email address',
      'Anna Berger;ANNA.BERGER;;CONTOSO\\anna;anna.berger@contoso.example',
      '"Rossi; Marco";;;;marco.rossi@contoso.example',
      'Broken;;;;broken@',
      'Anna Again;;;;ANNA.BERGER@contoso.example',
    ].join('\n');
    const first = await upload(orgId, `\uFEFF${csv}`);
    expect(first.status).toBe(200);
    const report = CsvImportSchema.parse(first.body.import);
    expect(report).toMatchObject({ status: 'succeeded', delimiter: ';', totalRows: 4, created: 2, updated: 0, unchanged: 0, rejected: 2, fileName: 'users.csv' });
    expect(report.errors.map((e) => [e.line, e.problem])).toEqual([[4, 'invalid-address'], [5, 'duplicate-in-file']]);
    const users = await admin.deps.store.users.listByOrg(orgId);
    expect(users.map((u) => [u.displayName, u.email, u.mailboxLogin])).toEqual([
      ['Anna Berger', 'anna.berger@contoso.example', 'CONTOSO\\anna'],
      ['Rossi; Marco', 'marco.rossi@contoso.example', null],
    ]);
    const again = CsvImportSchema.parse((await upload(orgId, csv)).body.import);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 2 });
    expect((await admin.deps.store.users.listByOrg(orgId)).map((u) => u.updatedAt.getTime())).toEqual(users.map((u) => u.updatedAt.getTime()));
    // The report stays readable later, and the audit log names the import (no file content).
    const read = await request(admin.app).get(`/api/admin/organizations/${orgId}/users/imports/${report.id}`);
    expect(read.body).toEqual(report);
    const auditEntries = await admin.deps.store.audit.list(orgId);
    expect(auditEntries.filter((e) => e.action === 'users.imported')).toHaveLength(2);
  });

  it('updates changed rows, rejects addresses of another organization, and answers a file it cannot read with a failed report', async () => {
    const orgA = await newOrg();
    const orgB = await newOrg();
    await admin.deps.store.users.create(orgB, { displayName: 'Taken', email: 'taken@contoso.example' });
    await upload(orgA, 'full name,email\nPat One,pat@contoso.example\n');
    const second = CsvImportSchema.parse((await upload(orgA, 'full name,email\nPat Renamed,pat@contoso.example\nT,taken@contoso.example\n')).body.import);
    expect(second).toMatchObject({ created: 0, updated: 1, rejected: 1 });
    expect(second.errors).toEqual([expect.objectContaining({ line: 3, problem: 'in-other-organization' })]);
    expect((await admin.deps.store.users.findByEmail(orgA, 'pat@contoso.example'))?.displayName).toBe('Pat Renamed');

    const broken = await upload(orgA, 'full name,email\n"unterminated,x@contoso.example\n');
    expect(broken.status).toBe(200);
    expect(broken.body.import).toMatchObject({ status: 'failed', created: 0, failure: expect.stringContaining('never closed') });
    expect(await admin.deps.store.users.listByOrg(orgA)).toHaveLength(1);

    const json = await request(admin.app).post(`/api/admin/organizations/${orgA}/users/import`).send({ csv: 'x' });
    expect(json.status).toBe(415);
  });

  it('checks C4C user IDs against EmployeeCollection in one $batch request and reports mismatches', async () => {
    const orgId = await newOrg();
    const store = createStore(backend.db(), createSecretBox(Buffer.alloc(32, 7)));
    await store.c4cConnections.upsert(orgId, { serviceRoot: c4c.serviceRoot, username: 'sandbox', password: 'sandbox' });
    c4c.control.resetCounters();
    const rows = ['full name,c4c login,c4c user id,mailbox email address', 'Anna Berger,ANNA.BERGER,8000000011,anna@contoso.example', 'Wrong Login,SOMEONE.ELSE,8000000012,marco@contoso.example', 'Nobody,,9999999999,nobody@contoso.example'];
    for (let i = 0; i < 60; i++) rows.push(`Filler ${i},,8000000013,filler${i}@contoso.example`);
    const report = CsvImportSchema.parse((await upload(orgId, rows.join('\n'))).body.import);
    expect(report.c4cCheck).toEqual({ status: 'checked', message: null });
    expect(report.errors.map((e) => [e.line, e.problem])).toEqual([[3, 'c4c-user-not-found'], [4, 'c4c-user-not-found']]);
    expect(report.errors[0].message).toContain('MARCO.ROSSI');
    expect(report.created).toBe(61);
    const counters = c4c.control.counters();
    expect(counters['POST $batch']).toBe(1);
    expect(Object.keys(counters).filter((k) => k.startsWith('GET EmployeeCollection'))).toEqual([]);
  });

  it('fuzz: never a 500, never a partial import, the report accounts for every row', async () => {
    const validEmail = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()).map(([n, upper]) => (upper ? `USER${n}@DOMAIN` : `user${n}@domain`));
    const invalidEmail = fc.constantFrom('', '  ', 'not-an-address', 'a@', '@contoso.example', 'a b@contoso.example', 'x@@y.example');
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '"', '\n', '\r', 'ü', '名', "'", '\t'), maxLength: 24 });
    const row = fc.record({ name: text, email: fc.oneof(validEmail, invalidEmail), login: text });
    const fileArb = fc.record({
      rows: fc.array(row, { maxLength: 25 }),
      delimiter: fc.constantFrom(',', ';'),
      eol: fc.constantFrom('\n', '\r\n'),
      bom: fc.boolean(),
      quoteAll: fc.boolean(),
      garbage: fc.option(fc.uint8Array({ maxLength: 60 }), { freq: 6 }),
    });

    await fc.assert(
      fc.asyncProperty(fileArb, async (file) => {
        const orgId = await newOrg();
        // Addresses unique to this run: another run's users would be "in another organization".
        const domain = `run${orgSeq}.example`;
        for (const r of file.rows) r.email = r.email.replace(/@domain$/i, `@${domain}`);
        const quote = (v: string): string => (file.quoteAll || /[",;\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);
        let csv = ['Full Name', 'Mailbox Login', 'Mailbox Email Address'].join(file.delimiter) + file.eol;
        const expected = new Map<string, string>();
        const lines: Array<{ line: number; good: boolean }> = [];
        for (const r of file.rows) {
          const normalized = (v: string): string => v.replace(/\r\n?/g, '\n').trim();
          const line = (csv.replace(/\r\n?/g, '\n').match(/\n/g)?.length ?? 0) + 1;
          csv += [r.name, r.login, r.email].map(quote).join(file.delimiter) + file.eol;
          const name = normalized(r.name);
          const email = normalized(r.email);
          if (name === '' && email === '' && normalized(r.login) === '') continue; // a blank record is an empty line
          const good = name !== '' && new RegExp(`^user\\d+@${domain.replace('.', '\\.')}$`, 'i').test(email) && !expected.has(email.toLowerCase());
          if (good) expected.set(email.toLowerCase(), name);
          lines.push({ line, good });
        }
        const body = file.garbage ? Buffer.concat([Buffer.from(csv), Buffer.from(file.garbage)]) : Buffer.from(file.bom ? `\uFEFF${csv}` : csv);
        const res = await upload(orgId, body);
        expect(res.status).toBe(200);
        const report = CsvImportSchema.parse(res.body.import);
        const stored = await admin.deps.store.users.listByOrg(orgId);
        if (report.status === 'failed') {
          expect(stored).toEqual([]);
          return;
        }
        expect(report.created + report.updated + report.unchanged + report.rejected).toBe(report.totalRows);
        // Every stored user is a row the report did not reject, and every rejected line is not stored.
        const rejectedLines = new Set(report.errors.map((e) => e.line));
        expect(stored.length).toBe(report.created);
        if (!file.garbage) {
          expect(new Map(stored.map((u) => [u.email.toLowerCase(), u.displayName]))).toEqual(expected);
          expect([...rejectedLines].sort((a, b) => a - b)).toEqual(lines.filter((l) => !l.good).map((l) => l.line));
        }
        const again = CsvImportSchema.parse((await upload(orgId, body)).body.import);
        expect([again.created, again.updated]).toEqual([0, 0]);
      }),
      { numRuns: 40 },
    );
  });
});
