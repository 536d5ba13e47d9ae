/**
 * The admin console's organization sync settings (auto-resolving E8 among them) and settings presets (A8) in an
 * ordinary browser against the sandbox relay: the demo admin signs in (Entra emulator, code + PKCE), turns
 * auto-resolving on, creates a preset that sets only the settings ticked, applies it to one chosen user with "keep
 * users' own changes", and that user's sidebar then says which setting comes from the preset (and that the one they
 * had changed themselves is still theirs). Screenshots in light and dark go to test-artifacts/browser/presets-*.png.
 */
import path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { UserSyncSettingsResponseSchema } from '../../shared/api/sync';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { ARTIFACTS_DIR, chooseOption, forgetOpenPages, launchChromium, openSandbox, screenshot as takeScreenshot, screenshotOpenPages, switchUser } from './helpers';

jest.setTimeout(180_000);

const ADMIN = DEMO_USERS.find((u) => u.role === 'admin')!;
const MARCO = DEMO_USERS.find((u) => u.displayName === 'Marco Rossi')!;
const PRESET = 'Inside sales';
let env: SandboxRelay;
let browser: Browser;
let organizationId: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  organizationId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
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

async function openConsole(colorScheme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme, viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${env.url}/admin`);
  return { page, errors };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  await takeScreenshot(page, name);
}

async function signIn(page: Page): Promise<void> {
  await page.getByTestId('sign-in').click();
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  await page.getByRole('button', { name: new RegExp(ADMIN.displayName) }).click();
  await page.waitForURL(`${env.url}/admin**`);
  await page.getByTestId('signed-in-as').filter({ hasText: ADMIN.displayName }).waitFor();
}

/** What the sidebar's settings API answers `oid` (GET /api/me/sync/settings with their sidebar token). */
async function sidebarSettings(oid: string) {
  const token = await env.tokenFor(oid);
  const response = await fetch(`${env.url}/api/me/sync/settings`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return UserSyncSettingsResponseSchema.parse(await response.json());
}

async function changeOwnSettings(oid: string, settings: Record<string, boolean>): Promise<void> {
  const token = await env.tokenFor(oid);
  const response = await fetch(`${env.url}/api/me/sync/settings`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ settings }) });
  expect(response.status).toBe(200);
}

const storedSync = async () => (await env.store.organizations.get(organizationId))!.settings.sync as Record<string, unknown>;

it('sets auto-resolving, creates a preset, applies it to one user keeping their own changes, and the sidebar says so', async () => {
  // Marco turned auto-save of the emails he sends off himself, before any preset.
  await changeOwnSettings(MARCO.oid, { autoSaveOutgoing: false });

  const { page, errors } = await openConsole('light');
  await signIn(page);
  await page.getByTestId('organizations-table').getByRole('link', { name: 'Contoso Sandbox' }).click();
  await page.getByTestId('users-table').waitFor();

  // Sync settings: Accounts can only be chosen together with people.
  await page.getByTestId('nav-sync-settings').click();
  const form = page.getByTestId('sync-settings-form');
  await form.waitFor();
  const accounts = page.getByRole('checkbox', { name: /also create Accounts/i });
  await expect(page.getByRole('radio', { name: /Off/ }).isChecked()).resolves.toBe(true);
  await expect(accounts.isDisabled()).resolves.toBe(true);
  await page.getByRole('radio', { name: 'Create them as Contacts' }).check();
  await expect(accounts.isDisabled()).resolves.toBe(false);
  await accounts.check();

  // A wrong domain gets its message next to the field, naming the line; nothing is stored.
  await page.getByTestId('own-domains').fill('contoso.example\nnot a domain!');
  await page.getByTestId('sync-settings-save').click();
  await page.getByRole('textbox', { name: /own mail domains/ }).and(page.locator('[aria-invalid="true"]')).waitFor();
  await expect(form.textContent()).resolves.toContain('Line 2: Not a domain');
  expect((await storedSync())?.autoResolve ?? 'off').toBe('off');
  await screenshot(page, 'presets-01-sync-settings-error');

  await page.getByTestId('own-domains').fill('contoso.example');
  await page.getByTestId('initial-window').fill('14');
  await page.getByTestId('sync-settings-save').click();
  await page.getByTestId('sync-settings-saved').waitFor();
  expect(await storedSync()).toMatchObject({ autoResolve: 'contact', autoResolveAccounts: true, ownDomains: ['contoso.example'], initialWindowDays: 14 });
  await screenshot(page, 'presets-02-sync-settings-saved');

  // Back to Off: the Accounts choice is cleared and disabled again, and the relay stores both.
  await page.getByRole('radio', { name: /Off/ }).check();
  await expect(accounts.isChecked()).resolves.toBe(false);
  await expect(accounts.isDisabled()).resolves.toBe(true);
  await page.getByRole('radio', { name: 'Create them as Leads' }).check();
  await accounts.check();
  await page.getByTestId('sync-settings-save').click();
  await page.getByTestId('sync-settings-saved').waitFor();
  expect((await storedSync()).autoResolve).toBe('lead');
  expect((await storedSync()).autoResolveAccounts).toBe(true);
  // Reloaded from the relay, the form shows what is stored.
  await page.reload();
  await page.getByTestId('sync-settings-form').waitFor();
  await expect(page.getByRole('radio', { name: 'Create them as Leads' }).isChecked()).resolves.toBe(true);
  await expect(page.getByRole('checkbox', { name: /also create Accounts/i }).isChecked()).resolves.toBe(true);

  // Presets: none yet; a preset must set at least one setting.
  await page.getByTestId('nav-presets').click();
  await page.getByTestId('presets-empty').waitFor();
  await page.getByTestId('new-preset').click();
  const dialog = page.getByTestId('preset-form');
  await dialog.getByTestId('preset-name').fill(PRESET);
  await dialog.getByTestId('preset-save').click();
  await dialog.getByText('Choose at least one setting for this preset to set.').waitFor();
  // Only the ticked settings are set; an unticked one's switch is disabled.
  const outgoingSwitch = dialog.getByRole('switch', { name: 'Save emails users send' });
  await expect(outgoingSwitch.isDisabled()).resolves.toBe(true);
  await dialog.getByRole('checkbox', { name: 'Set Save incoming emails by this preset' }).check();
  await dialog.getByRole('switch', { name: 'Save incoming emails' }).check();
  await dialog.getByRole('checkbox', { name: 'Set Save emails users send by this preset' }).check();
  await outgoingSwitch.check();
  await screenshot(page, 'presets-03-preset-dialog');
  await dialog.getByTestId('preset-save').click();
  const row = page.locator(`[data-testid="preset-row"][data-name="${PRESET}"]`);
  await row.waitFor();
  await expect(row.getByTestId('preset-summary').textContent()).resolves.toBe('Save incoming emails: OnSave emails users send: On');
  await expect(row.getByTestId('preset-users').textContent()).resolves.toBe('0 users');

  // Apply to Marco, picked through the user search, keeping users' own changes.
  await row.getByTestId('preset-apply').click();
  const apply = page.getByTestId('apply-form');
  await expect(apply.getByTestId('apply-submit').isDisabled()).resolves.toBe(true);
  await apply.getByTestId('apply-users-search').fill('marco');
  const marco = apply.locator(`[data-testid="apply-user"][data-email="${MARCO.email}"]`);
  // The search runs on the relay once typing pauses: only Marco is left.
  await apply.getByText('1 of 1 shown').waitFor();
  await expect(apply.getByTestId('apply-user').count()).resolves.toBe(1);
  await marco.waitFor();
  await marco.check();
  await apply.getByTestId('apply-users-chosen').getByText(MARCO.displayName).waitFor();
  await expect(apply.getByRole('radio', { name: 'Keep users’ own changes' }).isChecked()).resolves.toBe(true);
  await screenshot(page, 'presets-04-apply-dialog');
  await apply.getByTestId('apply-submit').click();
  const result = apply.getByTestId('apply-result');
  await result.waitFor();
  await expect(result.getAttribute('data-users')).resolves.toBe('1');
  await expect(result.getAttribute('data-overridden')).resolves.toBe('0');
  await screenshot(page, 'presets-05-applied');
  await apply.getByTestId('apply-close').click();
  await row.getByTestId('preset-users').filter({ hasText: /^1 user$/ }).waitFor();

  // The sidebar's settings API: the preset's incoming setting, Marco's own outgoing one.
  const marcoSettings = await sidebarSettings(MARCO.oid);
  expect(marcoSettings.preset).toMatchObject({ name: PRESET, fields: ['autoSaveIncoming'] });
  expect(marcoSettings.settings).toMatchObject({ autoSaveIncoming: true, autoSaveOutgoing: false });
  // Anna was not chosen: no preset for her.
  expect((await sidebarSettings(ADMIN.oid)).preset).toBeUndefined();

  // Dark: the same screens.
  await page.getByTestId('theme-toggle').click();
  await page.locator('[data-theme="dark"]').first().waitFor();
  await screenshot(page, 'presets-06-list-dark');
  await row.getByTestId('preset-apply').click();
  await page.getByTestId('apply-form').getByTestId('apply-user').first().waitFor();
  await screenshot(page, 'presets-07-apply-dark');
  await page.getByTestId('apply-form').getByTestId('apply-close').click();
  await page.getByTestId('nav-sync-settings').click();
  await page.getByTestId('sync-settings-form').waitFor();
  await screenshot(page, 'presets-08-sync-settings-dark');
  expect(errors).toEqual([]);
  await page.close();

  // Marco's sidebar says which setting comes from the preset.
  const sandbox = await openSandbox(browser, env.url);
  await switchUser(sandbox.page, MARCO.displayName);
  const pane: FrameLocator = sandbox.pane;
  await pane.getByTestId('pane-tabs').waitFor();
  await pane.getByTestId('tab-settings').click();
  await pane.getByTestId('sync-settings').waitFor();
  await expect(pane.getByTestId('preset-autoSaveIncoming').textContent()).resolves.toBe(`From preset “${PRESET}”`);
  await expect(pane.getByTestId('preset-autoSaveOutgoing').count()).resolves.toBe(0);
  await sandbox.page.getByTestId('taskpane-frame').screenshot({ path: path.join(ARTIFACTS_DIR, 'presets-09-sidebar-marco.png') });
  expect(sandbox.errors).toEqual([]);
});

it('applies a preset to the organization (the default badge), then deletes it after confirming', async () => {
  const { page } = await openConsole('dark');
  await signIn(page);
  await page.goto(`${env.url}/admin/organizations/${organizationId}/presets`);
  const row = page.locator(`[data-testid="preset-row"][data-name="${PRESET}"]`);
  await row.waitFor();
  // Applied to the whole organization it becomes the default, shown as such.
  await row.getByTestId('preset-apply').click();
  await page.getByTestId('apply-target-organization').check();
  await page.getByTestId('apply-submit').click();
  await page.getByTestId('apply-result').waitFor();
  await page.getByTestId('apply-close').click();
  await row.getByTestId('preset-org-default').waitFor();
  expect((await sidebarSettings(ADMIN.oid)).preset?.name).toBe(PRESET);
  await row.getByTestId('preset-menu').click();
  await page.getByTestId('preset-delete').click();
  await page.getByRole('alertdialog').getByText(/It is the organization default\./).waitFor();
  await screenshot(page, 'presets-10-delete-dark');
  await page.getByTestId('preset-delete-confirm').click();
  await page.getByTestId('presets-empty').waitFor();
  const marco = await sidebarSettings(MARCO.oid);
  expect(marco.preset).toBeUndefined();
  // What the preset set goes back to the standard value; what Marco set himself stays.
  expect(marco.settings).toMatchObject({ autoSaveIncoming: false, autoSaveOutgoing: false });
  await page.close();
});

it('mirroring settings: a direction per configurable field and the kill switch are stored; fixed fields say so', async () => {
  const { page, errors } = await openConsole('light');
  await signIn(page);
  await page.goto(`${env.url}/admin/organizations/${organizationId}/mirror`);
  const form = page.getByTestId('mirror-settings-form');
  await form.waitFor();
  const meetings = page.getByTestId('mapping-appointment');
  await meetings.waitFor();
  // The first configurable meeting field: choose "Mailbox → C4C" for it.
  const row = meetings.locator('[data-testid="mapping-row"]').filter({ has: page.getByTestId('mapping-direction') }).first();
  const field = await row.getAttribute('data-field');
  expect(field).toBeTruthy();
  await chooseOption(page, row.getByTestId('mapping-direction'), 'Mailbox → C4C');
  await row.getByTestId('mapping-direction').filter({ hasText: 'Mailbox → C4C' }).waitFor();
  await row.getByText('Default: Both ways').waitFor();
  await page.getByTestId('mirror-enabled').uncheck();
  await page.getByTestId('mirror-calendarDaysBack').fill('60');
  await screenshot(page, 'presets-11-mirror-light');
  await page.getByTestId('mirror-settings-save').click();
  await page.getByTestId('mirror-settings-saved').waitFor();
  const stored = (await env.store.organizations.get(organizationId))!.settings.mirror as { enabled: boolean; calendarDaysBack: number; directions: Record<string, Record<string, string>> };
  expect(stored.enabled).toBe(false);
  expect(stored.calendarDaysBack).toBe(60);
  expect(stored.directions.appointment?.[field!]).toBe('to-c4c');
  // A field that is not configurable shows its direction as fixed, with no choice.
  const fixed = page.locator('[data-testid="mapping-row"]').filter({ hasText: 'Fixed' }).first();
  await expect(fixed.getByTestId('mapping-direction').count()).resolves.toBe(0);

  await page.reload();
  await page.getByTestId('mapping-appointment').waitFor();
  await expect(page.getByTestId('mirror-enabled').isChecked()).resolves.toBe(false);
  await page.getByTestId('theme-toggle').click();
  await page.locator('[data-theme="dark"]').first().waitFor();
  await screenshot(page, 'presets-12-mirror-dark');
  await page.getByTestId('mapping-appointment').scrollIntoViewIfNeeded();
  await screenshot(page, 'presets-13-mapping-dark');
  expect(errors).toEqual([]);
  await page.close();
});
