/**
 * A7 Monitoring in the admin console, in Chromium against the sandbox relay, with run data produced by real sessions
 * (sandbox Exchange and C4C emulators): the demo mailboxes sync, a mailbox the Exchange emulator does not know fails,
 * one of three categorized emails is refused by C4C (its item error is listed), one mailbox is paused. The screens:
 * every organization at a glance, the users by state with filter chips and search, the sessions chart (and its table),
 * the sync issues with Retry (attempts reset, session queued), and a user's run history. Screenshots in light and
 * dark go to test-artifacts/browser/monitoring-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { MailboxUserActions } from '../emulators/exchange';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { chooseOption, forgetOpenPages, launchChromium, screenshot as takeScreenshot, screenshotOpenPages } from './helpers';

jest.setTimeout(240_000);

const [ANNA, MARCO, PRIYA] = DEMO_USERS;
let env: SandboxRelay;
let browser: Browser;
const contexts: BrowserContext[] = [];
let orgId: string;
const ids: Record<string, string> = {};
let refusedSubject = '';

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const endedRuns = async (userId: string): Promise<number> => (await env.relay.services.sync.status(orgId, userId)).recentRuns.filter((r) => r.outcome !== 'running').length;

/** Queues a session (or joins the one queued) and waits until one more run of the mailbox has ended. */
async function runSession(userId: string): Promise<void> {
  const before = await endedRuns(userId);
  await until(async () => (await env.relay.services.sync.status(orgId, userId)).stage, (stage) => stage !== 'syncing', 60_000);
  await env.relay.services.sync.syncNow(orgId, userId, { kind: 'admin', id: 'test' }, 'admin');
  await until(() => endedRuns(userId), (n) => n > before, 90_000);
}

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  browser = await launchChromium();
  orgId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
  for (const user of [ANNA, MARCO, PRIYA]) ids[user.email] = (await env.store.users.findByEntra(DEMO_TENANT_ID, user.oid))!.id;
  // A user whose mailbox the Exchange emulator does not have: its sessions fail (mailbox not found).
  ids.ghost = (await env.store.users.create(orgId, { displayName: 'Gustav Ghost', email: 'gustav.ghost@contoso.example' })).id;
  await env.relay.services.sync.enable(orgId, [...Object.values(ids)], { kind: 'system', id: 'test' });

  // Real sessions: first sessions (setup) of every mailbox, then Marco saves 3 categorized emails, one refused by C4C.
  for (const userId of Object.values(ids)) await runSession(userId);
  const actions = new MailboxUserActions(env.sandbox.exchange.store);
  const stamp = Date.now();
  const subjects = ['Order confirmation 4711', 'Delivery dates for the pumps', 'Invoice question'].map((topic) => `${topic} (${stamp})`);
  for (const subject of subjects) {
    actions.deliverMessage(MARCO.email, { subject, from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' }, categories: [SYNC_CATEGORIES.trigger.displayName] });
  }
  // One attempt per failed email: scheduled sessions do not retry it on their own, so the admin's Retry is what does.
  const org = (await env.store.organizations.get(orgId))!;
  const sync = (org.settings.sync ?? {}) as Record<string, unknown>;
  await env.store.organizations.update(orgId, { settings: { ...org.settings, sync: { ...sync, maxItemAttempts: 1 } } });
  env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 400, message: 'Field MessageFromEmailURI is invalid', times: 1 });
  await runSession(ids[MARCO.email]);
  const failed = (await env.relay.services.sync.status(orgId, ids[MARCO.email])).itemErrors;
  expect(failed).toHaveLength(1);
  refusedSubject = failed[0].subject;
  // More sessions, so the chart has several per bucket.
  for (const userId of [ids[ANNA.email], ids.ghost, ids[MARCO.email], ids[PRIYA.email]]) await runSession(userId);
  await env.relay.services.sync.pause(orgId, ids[PRIYA.email], { kind: 'admin', id: 'test' });
}, 400_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await env?.close();
});

afterEach(async () => {
  await screenshotOpenPages(expect.getState().currentTestName ?? 'test');
  forgetOpenPages();
});

async function openConsole(path: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme: 'light', viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.url}/admin`);
  await page.getByTestId('sign-in').click();
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  await page.getByRole('button', { name: new RegExp(ANNA.displayName) }).click();
  await page.waitForURL(`${env.url}/admin**`);
  await page.getByTestId('signed-in-as').filter({ hasText: ANNA.displayName }).waitFor();
  await page.goto(`${env.url}${path}`);
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  await takeScreenshot(page, `monitoring-${name}`);
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const current = await page.locator('[data-theme]').first().getAttribute('data-theme');
  if (current !== theme) await page.getByTestId('theme-toggle').click();
  await page.locator(`[data-theme="${theme}"]`).first().waitFor();
}

it('every organization at a glance: mailboxes by state, sessions of the last 24 hours', async () => {
  const { page, errors } = await openConsole('/admin/monitoring');
  const row = page.getByTestId('monitoring-orgs').getByRole('row').filter({ hasText: 'Contoso Sandbox' });
  await row.waitFor();
  await expect(row.locator('[data-state="failing"]').textContent()).resolves.toMatch(/Failing 1/);
  await expect(row.locator('[data-state="paused"]').textContent()).resolves.toMatch(/Paused 1/);
  await expect(row.getByRole('img').getAttribute('aria-label')).resolves.toMatch(/1 failing/);
  await shot(page, '01-overview-light');
  await setTheme(page, 'dark');
  await shot(page, '02-overview-dark');
  expect(errors).toEqual([]);
  await page.close();
});

it('users by state: filter chips with counts, search, and the run history behind a name', async () => {
  const { page, errors } = await openConsole(`/admin/organizations/${orgId}/monitoring`);
  const rows = page.getByTestId('monitoring-user-row');
  await page.locator('[data-testid="monitoring-user-row"][data-state="failing"]').waitFor();
  await expect(page.locator('[data-testid="monitoring-user-row"][data-state="paused"]').textContent()).resolves.toContain(PRIYA.displayName);
  await shot(page, '03-users-light');

  await page.getByTestId('filter-failing').click();
  await until(() => rows.count(), (n) => n === 1, 10_000);
  await expect(rows.first().textContent()).resolves.toContain('Gustav Ghost');
  await expect(page.getByTestId('filter-failing').getAttribute('aria-pressed')).resolves.toBe('true');
  await page.getByTestId('filter-all').click();
  await page.getByTestId('monitoring-search').fill('marco');
  await until(() => rows.count(), (n) => n === 1, 10_000);
  await expect(rows.first().textContent()).resolves.toContain(MARCO.displayName);

  // Keyboard: the name is a link; Enter opens the run history.
  await rows.first().getByRole('link').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('runs-table').waitFor();
  expect(await page.getByTestId('run-row').count()).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('runs-table').textContent()).resolves.toMatch(/saved 2 · failed 1|failed 1/);
  await shot(page, '04-runs-light');
  await setTheme(page, 'dark');
  await shot(page, '05-runs-dark');
  expect(errors).toEqual([]);
  await page.close();
});

it('sessions over time: the chart drawn from the run history, its summary and its table', async () => {
  const { page, errors } = await openConsole(`/admin/organizations/${orgId}/monitoring?tab=sessions`);
  await page.setViewportSize({ width: 1400, height: 1150 });
  await chooseOption(page, page.getByTestId('sessions-range'), /Last 15 minutes/);
  const { rows } = await env.relay.services.db.query<{ n: string | number; failed: string | number; saved: string | number }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE outcome = 'failed') AS failed, coalesce(sum((counts->>'saved')::int), 0) AS saved
     FROM sync_runs WHERE organization_id = $1 AND started_at > now() - interval '15 minutes'`,
    [orgId],
  );
  const sessions = Number(rows[0].n);
  expect(sessions).toBeGreaterThanOrEqual(8);
  const summary = page.getByTestId('sessions-summary');
  await until(() => summary.textContent(), (text) => text !== null && text.startsWith(`${sessions} sessions, ${Number(rows[0].failed)} failed; ${Number(rows[0].saved)} emails saved`), 15_000);
  // The chart library drew bars for the sessions (one rect per non-empty stack segment).
  await page.getByTestId('chart-sessions').locator('svg rect').first().waitFor();
  expect(await page.getByTestId('chart-sessions').locator('svg rect').count()).toBeGreaterThan(0);
  await page.getByTestId('chart-items').locator('svg path').first().waitFor({ state: 'attached' });
  expect(await page.getByTestId('chart-items').locator('svg path').count()).toBeGreaterThan(3);
  await shot(page, '06-sessions-chart-light');
  await setTheme(page, 'dark');
  await shot(page, '07-sessions-chart-dark');

  await page.getByTestId('sessions-as-table').click();
  const tableRows = page.getByTestId('sessions-table-row');
  await tableRows.first().waitFor();
  const perBucket = await tableRows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-sessions'))));
  expect(perBucket.reduce((a, b) => a + b, 0)).toBe(sessions);
  await shot(page, '08-sessions-table-dark');
  expect(errors).toEqual([]);
  await page.close();
});

it('sync issues: which email, which error, since when; Retry resets the item and queues a session', async () => {
  const { page, errors } = await openConsole(`/admin/organizations/${orgId}/monitoring?tab=issues`);
  const marco = page.getByTestId('issue-card').filter({ hasText: MARCO.displayName });
  await marco.waitFor();
  await expect(marco.getByTestId('issue-item').textContent()).resolves.toContain(refusedSubject);
  await expect(marco.getByTestId('issue-item').textContent()).resolves.toContain('MessageFromEmailURI');
  await expect(marco.getByTestId('issue-item').textContent()).resolves.toContain('Retries used up');
  const ghost = page.getByTestId('issue-card').filter({ hasText: 'Gustav Ghost' });
  await expect(ghost.textContent()).resolves.toMatch(/Sessions failing \(\d+ in a row\)/);
  await shot(page, '09-issues-light');

  const before = await env.relay.services.db.query<{ attempts: number }>(`SELECT attempts FROM email_sync_items WHERE user_id = $1 AND status = 'failed'`, [ids[MARCO.email]]);
  expect(before.rows[0].attempts).toBeGreaterThanOrEqual(1);
  await until(async () => (await env.relay.services.sync.status(orgId, ids[MARCO.email])).stage, (stage) => stage !== 'syncing', 60_000);
  const runsBefore = await endedRuns(ids[MARCO.email]);
  await marco.getByTestId('issue-item-retry').click();
  await marco.getByTestId('issue-retry-result').waitFor();
  await expect(marco.getByTestId('issue-retry-result').textContent()).resolves.toMatch(/1 item\(s\) will be retried; session (queued|already-queued|running)/);
  await shot(page, '10-issues-retried-light');
  // The retry session runs and saves the email this time (the C4C fault was for one request only).
  await until(() => endedRuns(ids[MARCO.email]), (n) => n > runsBefore, 90_000);
  const after = await env.relay.services.db.query<{ status: string }>(`SELECT status FROM email_sync_items WHERE user_id = $1 AND subject = $2`, [ids[MARCO.email], refusedSubject]);
  expect(after.rows[0].status).toBe('saved');
  await setTheme(page, 'dark');
  await page.reload();
  await page.getByTestId('issue-card').filter({ hasText: 'Gustav Ghost' }).waitFor();
  await shot(page, '11-issues-after-retry-dark');
  expect(errors).toEqual([]);
  await page.close();
});
