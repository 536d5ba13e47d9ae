/**
 * The admin console in an ordinary browser against the sandbox relay: Entra sign-in through msal-browser's redirect
 * flow (authorization code + PKCE) at the Entra emulator's account picker, then the whole admin journey: create an
 * organization, import a CSV (3 bad rows among 50, each named by line), configure EWS impersonation, check access
 * (one mailbox the Exchange emulator denies, with its reason), bulk-activate, and read the audit log. Screenshots in
 * light and dark go to test-artifacts/browser/admin-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_EWS_SERVICE_ACCOUNT, DEMO_USERS } from '../emulators/demo-identities';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { forgetOpenPages, launchChromium, screenshot as takeScreenshot, screenshotOpenPages } from './helpers';

jest.setTimeout(180_000);

const ADMIN = DEMO_USERS.find((u) => u.role === 'admin')!;
const MARCO = DEMO_USERS.find((u) => u.role === 'user')!;
let env: SandboxRelay;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await env?.close();
});

afterEach(async () => {
  await screenshotOpenPages(expect.getState().currentTestName ?? 'test');
  forgetOpenPages();
});

/**
 * A fresh browser profile. The Entra emulator serves HTTPS with a throw-away CA the browser does not know: accepting it
 * is what a sandbox visitor does once at the certificate warning.
 */
async function openConsole(colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme, viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.url}/admin`);
  return { page, errors };
}

/** Screenshots once Fluent's transitions (dialog fade-in, theme colours) have finished: what a person then sees. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  await takeScreenshot(page, name);
}

async function signIn(page: Page, name = ADMIN.displayName): Promise<void> {
  await page.getByTestId('sign-in').click();
  // The emulator's "Pick an account" page (another origin: the Entra emulator).
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await page.waitForURL(`${env.url}/admin**`);
  await page.getByTestId('signed-in-as').filter({ hasText: name }).waitFor();
}

it('signs the demo admin in with the redirect flow (code + PKCE) and shows the organizations', async () => {
  const { page, errors } = await openConsole();
  await page.getByTestId('sign-in-card').waitFor();
  await screenshot(page, 'admin-01-sign-in');

  await page.getByTestId('sign-in').click();
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  expect(new URL(page.url()).origin).toBe(env.sandbox.entra.origin);
  const authorize = new URL(page.url());
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${env.url}/admin`);
  await screenshot(page, 'admin-02-pick-account');
  await page.getByRole('button', { name: new RegExp(ADMIN.displayName) }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: ADMIN.displayName }).waitFor();
  await page.getByTestId('organizations-table').getByText('Contoso Sandbox').waitFor();
  expect(env.sandbox.entra.control.counters()['token:authorization_code']).toBeGreaterThanOrEqual(1);

  // A reload keeps the session (msal's cache) and deep links land on their screen.
  await page.reload();
  await page.getByTestId('signed-in-as').filter({ hasText: ADMIN.displayName }).waitFor();
  expect(errors).toEqual([]);
  await page.close();
});

it('tells a signed-in user without the Admin role why they cannot manage anything', async () => {
  const { page } = await openConsole();
  await signIn(page, MARCO.displayName);
  await page.getByTestId('not-admin').waitFor();
  await expect(page.getByTestId('not-admin').textContent()).resolves.toContain(MARCO.email);
  await page.close();
});

/** 50 data rows: 47 good, and lines 8 (no address), 20 (not an address) and 33 (address of line 5 again) bad. */
function journeyCsv(): string {
  const lines = ['Full name;C4C login;C4C user ID;Mailbox login;Mailbox email address'];
  for (let i = 1; i <= 50; i++) {
    const line = i + 1;
    const n = String(i).padStart(2, '0');
    let email = `sales.rep${n}@contoso.example`;
    if (line === 8) email = '';
    if (line === 20) email = 'not-an-address';
    if (line === 33) email = 'sales.rep04@contoso.example';
    lines.push(`"Rep ${n}, Sales";REP${n};;CONTOSO\\rep${n};${email}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

it('runs the admin journey: organization, CSV import, EWS impersonation, access check, activation, audit', async () => {
  const { page, errors } = await openConsole();
  await signIn(page);

  // Create an organization.
  await page.getByTestId('create-organization').click();
  await page.getByTestId('org-name').fill('Fabrikam Sales');
  await page.getByTestId('org-slug').fill('fabrikam-sales');
  await screenshot(page, 'admin-03-create-organization');
  await page.getByTestId('org-save').click();
  await page.getByTestId('users-empty').waitFor();
  await page.getByTestId('nav-import').click();

  // Import 50 rows, 3 of them bad.
  const csv = journeyCsv();
  await page.getByTestId('csv-input').setInputFiles({ name: 'fabrikam-users.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`, 'utf8') });
  await page.getByTestId('selected-file').waitFor();
  await page.getByTestId('import-start').click();
  const report = page.getByTestId('import-report');
  await report.waitFor();
  const bad = report.getByTestId('import-error');
  await expect(bad.count()).resolves.toBe(3);
  await expect(bad.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-line'))))).resolves.toEqual([8, 20, 33]);
  await expect(bad.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-problem')))).resolves.toEqual(['missing-column', 'invalid-address', 'duplicate-in-file']);
  await expect(report.textContent()).resolves.toContain('47 created');
  await screenshot(page, 'admin-04-import-report');

  // The users are there, paged by the server.
  await page.getByTestId('nav-users').click();
  await page.getByTestId('users-total').filter({ hasText: 'of 47' }).waitFor();
  await page.getByTestId('users-search').fill('rep04');
  await page.getByTestId('users-total').filter({ hasText: 'Showing 1 of 1' }).waitFor();
  await screenshot(page, 'admin-05-users');

  // EWS impersonation with the sandbox's service account, which may impersonate every mailbox but one.
  const denied = 'sales.rep13@contoso.example';
  provisionMailboxes(csv, denied);
  await page.getByTestId('nav-mailbox-access').click();
  await page.getByRole('radio', { name: 'Exchange impersonation (EWS)' }).check();
  await page.getByTestId('ews-url').fill(env.sandbox.exchange.ewsUrl);
  await page.getByTestId('service-account').fill(DEMO_EWS_SERVICE_ACCOUNT.username);
  await page.getByTestId('service-password').fill(DEMO_EWS_SERVICE_ACCOUNT.password);
  await page.getByTestId('mailbox-save').click();
  await page.getByTestId('password-set').waitFor();
  await expect(page.getByTestId('mailbox-access-form').textContent()).resolves.not.toContain(DEMO_EWS_SERVICE_ACCOUNT.password);
  await screenshot(page, 'admin-06-mailbox-access');

  // Check access: progress streamed, one user denied with the reason.
  await page.getByTestId('nav-check-access').click();
  await page.getByTestId('check-start').click();
  await page.locator('[data-testid="check-run"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
  await expect(page.getByTestId('check-counts').textContent()).resolves.toBe('46 passed, 1 failed');
  const deniedRow = page.locator(`[data-testid="check-result"][data-email="${denied}"]`);
  await expect(deniedRow.getAttribute('data-ok')).resolves.toBe('false');
  await expect(deniedRow.getAttribute('data-problem')).resolves.toBe('impersonation-denied');
  await expect(deniedRow.textContent()).resolves.toMatch(/impersonat/i);
  await page.getByTestId('filter-failed').click();
  // The list filters after the click: wait for the filtered list, not merely for a row of the unfiltered one.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="check-result"]').length === 1);
  await expect(page.getByTestId('check-result').count()).resolves.toBe(1);
  await screenshot(page, 'admin-07-check-access');

  // Bulk activation: everyone who passed; the denied user is listed with why.
  await page.getByTestId('nav-activate').click();
  await page.getByTestId('activate-passed').click();
  const result = page.getByTestId('activation-result');
  await result.waitFor();
  await expect(result.getByTestId('activated-row').count()).resolves.toBe(46);
  const notActivated = result.getByTestId('not-activated-row');
  await expect(notActivated.count()).resolves.toBe(1);
  await expect(notActivated.getAttribute('data-email')).resolves.toBe(denied);
  await screenshot(page, 'admin-08-activated');

  // The audit log names each step.
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-entry').first().waitFor();
  const actions = await page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action') ?? ''));
  expect(actions).toEqual(expect.arrayContaining(['organization.created', 'users.imported', 'mailbox-access.updated', 'access-check.started', 'users.activated']));
  await expect(page.getByTestId('audit-table').textContent()).resolves.not.toContain(DEMO_EWS_SERVICE_ACCOUNT.password);
  await screenshot(page, 'admin-09-audit');

  // Filter by action prefix on the server.
  await page.getByTestId('audit-action').fill('mailbox-access.');
  await page.getByTestId('audit-apply').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-entry"]')].every((r) => r.getAttribute('data-action')?.startsWith('mailbox-access.')));

  // Dark theme: the toggle, then the same screens again.
  await page.getByTestId('theme-toggle').click();
  await page.locator('[data-theme="dark"]').first().waitFor();
  await screenshot(page, 'admin-10-audit-dark');
  await page.getByTestId('nav-check-access').click();
  await page.locator('[data-testid="check-run"][data-status="succeeded"]').waitFor();
  await screenshot(page, 'admin-11-check-access-dark');
  await page.getByTestId('nav-import').click();
  await screenshot(page, 'admin-12-import-dark');
  expect(errors).toEqual([]);
  await page.close();
});

it('follows the system dark preference and deletes an organization after naming what goes', async () => {
  const { page } = await openConsole('dark');
  await signIn(page);
  await page.locator('[data-theme="dark"]').first().waitFor();
  await page.getByTestId('create-organization').click();
  await page.getByTestId('org-name').fill('Short-lived');
  await page.getByTestId('org-save').click();
  await page.getByTestId('users-empty').waitFor();
  await screenshot(page, 'admin-13-users-empty-dark');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('delete-organization').click();
  const dialog = page.getByTestId('delete-dialog');
  await dialog.getByTestId('delete-preview').waitFor();
  await expect(dialog.getByTestId('delete-preview').textContent()).resolves.toMatch(/0 users.*secrets.*sync state/s);
  await expect(dialog.getByTestId('delete-submit').isDisabled()).resolves.toBe(true);
  await dialog.getByTestId('delete-confirm').fill('short-lived');
  await screenshot(page, 'admin-14-delete-dark');
  await dialog.getByTestId('delete-submit').click();
  await page.getByTestId('organizations-table').waitFor();
  // The table may show the list from before the delete for a moment: wait for the reload, then assert.
  const deletedRow = page.locator('[data-testid="organization-row"][data-slug="short-lived"]');
  await deletedRow.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await expect(deletedRow.count()).resolves.toBe(0);
  await page.close();
});

it('shows the relay\'s field errors next to their fields and the C4C test verdict word for word', async () => {
  const { page, errors } = await openConsole();
  await signIn(page);
  await page.getByTestId('organizations-table').getByRole('link', { name: 'Contoso Sandbox' }).click();
  await page.getByTestId('users-table').waitFor();

  // A mailbox address another user already has: the relay's 409 names the field.
  await page.getByTestId('add-user').click();
  await page.getByTestId('user-name').fill('Anna Again');
  await page.getByTestId('user-email').fill(ADMIN.email);
  await page.getByTestId('user-save').click();
  const form = page.getByTestId('user-form');
  await form.getByTestId('error-banner').waitFor();
  await expect(form.getByRole('textbox', { name: /Mailbox address/ }).getAttribute('aria-invalid')).resolves.toBe('true');
  await screenshot(page, 'admin-15-user-conflict');
  await form.getByRole('button', { name: 'Cancel' }).click();

  // The stored connection works; a wrong password gets the exact verdict.
  await page.getByTestId('nav-c4c').click();
  await page.getByTestId('c4c-password-set').waitFor();
  await page.getByTestId('c4c-test').click();
  await page.locator('[data-testid="c4c-verdict"][data-ok="true"]').waitFor();
  await page.getByTestId('c4c-password-set').getByRole('button', { name: 'Replace' }).click();
  await page.getByTestId('c4c-password').fill('wrong-password');
  await page.getByTestId('c4c-test').click();
  const verdict = page.locator('[data-testid="c4c-verdict"][data-ok="false"]');
  await verdict.waitFor();
  await expect(verdict.getAttribute('data-problem')).resolves.toBe('unauthorized');
  await screenshot(page, 'admin-16-c4c-unauthorized');
  expect(errors).toEqual([]);
  await page.close();
});

/**
 * The imported users' mailboxes on the Exchange emulator; the service account may impersonate every one but `denied`
 * (Exchange then answers ErrorImpersonateUserDenied).
 */
function provisionMailboxes(csv: string, denied: string): void {
  const { store } = env.sandbox.exchange;
  for (const match of csv.matchAll(/(sales\.rep\d\d@contoso\.example)/g)) {
    const address = match[1];
    store.addMailbox(address, address, 'unused-password');
    if (address !== denied) store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
  }
}
