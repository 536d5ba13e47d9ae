/**
 * The user's own activation (S8) as a person sees it: the sandbox Outlook page hosting the real task pane bundle, its
 * simulated Office host opening a real popup for `displayDialogAsync`, against the real relay, msal-node and the Entra
 * and Exchange emulators. Both paths (Office 365 consent in the dialog; Exchange login), the extended login form after
 * a failed Autodiscover, and the re-authorize prompt after six sessions the mail server rejected.
 * Screenshots of the pane go to test-artifacts/browser/activation-*.png (light and dark).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { DEMO_GRAPH_APP, DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { DEMO_MAILBOX_PASSWORD } from '../emulators/exchange';
import { setAutodiscoverPublished } from '../emulators/exchange/autodiscover';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { waitFor } from '../sync/helpers';
import { ARTIFACTS_DIR, forgetOpenPages, launchChromium, openSandbox, screenshotOpenPages } from './helpers';

jest.setTimeout(400_000);

const [ANNA] = DEMO_USERS;
let env: SandboxRelay;
let browser: Browser;
let organizationId: string;
let annaId: string;
const contexts: BrowserContext[] = [];

async function paneShot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.getByTestId('taskpane-frame').screenshot({ path: path.join(ARTIFACTS_DIR, `activation-${name}.png`) });
}

async function toggleTheme(page: Page, pane: FrameLocator, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('theme-toggle').click();
  await pane.locator(`[data-testid="taskpane"][data-theme="${theme}"]`).waitFor();
}

/** Light screenshot, dark screenshot, back to light. */
async function bothThemes(page: Page, pane: FrameLocator, name: string): Promise<void> {
  await paneShot(page, `${name}-light`);
  await toggleTheme(page, pane, 'dark');
  await paneShot(page, `${name}-dark`);
  await toggleTheme(page, pane, 'light');
}

/**
 * The sandbox page in a browser that accepted the Entra emulator's throw-away certificate once (what a sandbox visitor
 * does at the certificate warning, see the admin guide): the sign-in window goes there.
 */
async function openStatusTab(): Promise<{ page: Page; pane: FrameLocator; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1100 } });
  contexts.push(context);
  // openSandbox only calls newPage(): a context does that (its own viewport wins over the options it ignores).
  const opened = await openSandbox(context as unknown as Browser, env.url);
  await opened.pane.getByTestId('tab-status').click();
  return opened;
}

async function credentialKind(): Promise<string | undefined> {
  const { rows } = await env.relay.services.db.query<{ kind: string }>('SELECT kind FROM mailbox_credentials WHERE user_id = $1', [annaId]);
  return rows[0]?.kind;
}

/** Anna never activated: no credential, no sync state. */
async function reset(): Promise<void> {
  await env.store.mailboxAccess.removeUserCredential(organizationId, annaId);
  await env.relay.services.sync.disable(organizationId, annaId, { kind: 'system', id: 'test' });
  env.sandbox.exchange.store.setPassword(ANNA.email, DEMO_MAILBOX_PASSWORD);
  setAutodiscoverPublished(env.sandbox.exchange.store, 'contoso.example', true);
}

/** Runs sessions now, one after another, until the mail server has rejected `times` in a row (or the mailbox is suspended). */
async function rejectSessions(organizationId: string, userId: string, times: number): Promise<void> {
  const sync = env.relay.services.sync;
  const idle = async (): Promise<boolean> => (await sync.status(organizationId, userId)).recentRuns[0]?.outcome !== 'running';
  for (let round = 0; round < times * 3; round += 1) {
    await waitFor(idle, 60_000, 'the running session to end');
    const status = await sync.status(organizationId, userId);
    if (status.status !== 'enabled' || (status.lastFailure?.class === 'credentials-rejected' && status.lastFailure.consecutive >= times)) return;
    // A session that changed nothing may leave no run row; its end moves lastSessionAt.
    const seen = status.lastSessionAt;
    const { result } = await sync.syncNow(organizationId, userId, { kind: 'system', id: 'test' });
    if (result === 'running') continue;
    try {
      await waitFor(async () => {
        const now = await sync.status(organizationId, userId);
        return now.lastSessionAt !== seen && now.recentRuns[0]?.outcome !== 'running';
      }, 90_000, `session ${round + 1}`);
    } catch (error) {
      const now = await sync.status(organizationId, userId);
      const { rows } = await env.relay.services.db.query('SELECT name, state::text, singleton_key, created_on, start_after, started_on FROM pgboss.job WHERE singleton_key = $1 ORDER BY created_on DESC LIMIT 5', [userId]).catch((e: unknown) => ({ rows: [String(e)] }));
      throw new Error(`${(error as Error).message} (syncNow: ${result}); status ${JSON.stringify({ ...now, recentRuns: now.recentRuns.slice(0, 3) })}; jobs ${JSON.stringify(rows)}`, { cause: error });
    }
  }
}

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  browser = await launchChromium();
  organizationId = (await env.store.organizations.getByTenant(DEMO_TENANT_ID))!.id;
  annaId = (await env.store.users.findByEntra(DEMO_TENANT_ID, ANNA.oid))!.id;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

afterEach(async () => {
  await screenshotOpenPages(expect.getState().currentTestName ?? 'test');
  forgetOpenPages();
  for (const context of contexts.splice(0)) await context.close();
});

it('Office 365: signs in through the Office dialog (a real popup), stores the consent and says sync was enabled', async () => {
  await env.store.mailboxAccess.set(organizationId, {
    kind: 'graph-delegated',
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_GRAPH_APP.clientId,
    clientSecret: DEMO_GRAPH_APP.clientSecret,
    authorityHost: env.sandbox.entra.authorityHost,
    graphBaseUrl: env.sandbox.exchange.graphBaseUrl,
  });
  await reset();
  const { page, pane, errors } = await openStatusTab();
  const flow = pane.getByTestId('activation');
  await flow.waitFor();
  await expect(pane.getByRole('heading', { name: 'Activate synchronization' }).isVisible()).resolves.toBe(true);
  // The organization's type is chosen; the other one is offered but not available.
  await expect(pane.getByRole('radio', { name: /Office 365/ }).isChecked()).resolves.toBe(true);
  await expect(pane.getByRole('radio', { name: /Exchange/ }).isDisabled()).resolves.toBe(true);
  await bothThemes(page, pane, 'choose-type');

  await pane.getByTestId('activation-next').click();
  await pane.getByTestId('activation-office365').waitFor();
  const visited: string[] = [];
  page.context().on('request', (request) => {
    if (request.resourceType() === 'document' && /\/activation\/office365\/|\/oauth2\/v2\.0\/authorize/.test(request.url())) visited.push(request.url());
  });
  const popupOpened = page.context().waitForEvent('page');
  await pane.getByTestId('activation-signin').click();
  const popup = await popupOpened;
  await pane.getByTestId('activation-enabled').waitFor({ timeout: 30_000 });
  // The dialog starts on the relay's own origin (Office's rule), goes to Entra and comes back to the redirect page.
  const steps = visited.map((url) => `${new URL(url).origin}${new URL(url).pathname}`);
  expect(steps).toEqual([`${env.url}/activation/office365/dialog`, `${env.sandbox.entra.origin}/${DEMO_TENANT_ID}/oauth2/v2.0/authorize`, `${env.url}/activation/office365/done`]);
  await expect(pane.getByTestId('activation-enabled').textContent()).resolves.toContain('Synchronization was enabled');
  // The pane closed the dialog once its message arrived.
  await waitFor(() => popup.isClosed(), 5000, 'the dialog to close');
  await expect(credentialKind()).resolves.toBe('refresh-token');
  await expect(env.relay.services.sync.status(organizationId, annaId)).resolves.toMatchObject({ activated: true });
  await pane.getByTestId('sync-status').waitFor();
  await bothThemes(page, pane, 'office365-enabled');
  expect(errors).toEqual([]);
  await page.close();
});

it('Exchange: a wrong password is refused with the server\'s reason, the right one activates (EWS URL by Autodiscover)', async () => {
  await env.store.mailboxAccess.set(organizationId, { kind: 'ews-direct', ewsUrl: env.sandbox.exchange.ewsUrl });
  await reset();
  const { page, pane, errors } = await openStatusTab();
  await pane.getByTestId('activation').waitFor();
  await expect(pane.getByRole('radio', { name: /Exchange/ }).isChecked()).resolves.toBe(true);
  await pane.getByTestId('activation-next').click();
  const form = pane.getByTestId('activation-exchange');
  await form.waitFor();
  await expect(pane.getByTestId('activation-login').inputValue()).resolves.toBe(ANNA.email);

  await pane.getByTestId('activation-password').fill('wrong-password');
  await pane.getByTestId('activation-submit').click();
  const failed = pane.getByTestId('activation-failed');
  await failed.waitFor();
  await expect(failed.textContent()).resolves.toMatch(/rejected the login or password/);
  await expect(credentialKind()).resolves.toBeUndefined();
  await bothThemes(page, pane, 'exchange-wrong-password');

  await pane.getByTestId('activation-password').fill(DEMO_MAILBOX_PASSWORD);
  await pane.getByTestId('activation-submit').click();
  await pane.getByTestId('activation-enabled').waitFor({ timeout: 30_000 });
  await expect(form.isVisible()).resolves.toBe(false);
  await expect(credentialKind()).resolves.toBe('password');
  await pane.getByTestId('sync-badge').waitFor();
  await expect(pane.getByTestId('sync-badge').getAttribute('data-status')).resolves.toBe('enabled');
  await bothThemes(page, pane, 'exchange-enabled');
  expect(errors).toEqual([]);
  await page.close();
});

it('Exchange: when Autodiscover finds nothing, the extended login form asks for the EWS URL', async () => {
  await env.store.mailboxAccess.set(organizationId, { kind: 'ews-direct', ewsUrl: env.sandbox.exchange.ewsUrl });
  await reset();
  setAutodiscoverPublished(env.sandbox.exchange.store, 'contoso.example', false);
  const { page, pane, errors } = await openStatusTab();
  await pane.getByTestId('activation-next').click();
  await pane.getByTestId('activation-password').fill(DEMO_MAILBOX_PASSWORD);
  await expect(pane.getByTestId('activation-ews-url').count()).resolves.toBe(0);
  await pane.getByTestId('activation-submit').click();
  await pane.locator('[data-testid="activation-exchange"][data-extended="true"]').waitFor();
  await pane.getByTestId('activation-extended').waitFor();
  // The EWS URL field gets the focus, so a keyboard user continues there.
  await waitFor(() => pane.getByTestId('activation-ews-url').evaluate((el) => el === document.activeElement), 5000, 'focus on the EWS URL');
  await expect(credentialKind()).resolves.toBeUndefined();
  await bothThemes(page, pane, 'extended-form');

  await pane.getByTestId('activation-ews-url').fill(env.sandbox.exchange.ewsUrl);
  await pane.getByTestId('activation-submit').click();
  await pane.getByTestId('activation-enabled').waitFor({ timeout: 30_000 });
  await expect(credentialKind()).resolves.toBe('password');
  expect(errors).toEqual([]);
  await page.close();
});

it('after six sessions the mail server rejected, asks to authorize again with its reason, and the same flow resumes sync', async () => {
  // Anna activated with her Exchange password, and then changed it in Exchange.
  const sync = env.relay.services.sync;
  await env.store.mailboxAccess.set(organizationId, { kind: 'ews-direct', ewsUrl: env.sandbox.exchange.ewsUrl });
  await reset();
  await env.store.mailboxAccess.setUserCredential(organizationId, annaId, 'password', DEMO_MAILBOX_PASSWORD);
  await sync.enable(organizationId, [annaId], { kind: 'user', id: annaId });
  env.sandbox.exchange.store.setPassword(ANNA.email, 'changed-in-exchange');
  await rejectSessions(organizationId, annaId, 6);
  const failed = await sync.status(organizationId, annaId);
  expect(failed).toMatchObject({ status: 'suspended', lastFailure: { class: 'credentials-rejected', consecutive: 6 } });

  const { page, pane, errors } = await openStatusTab();
  const prompt = pane.getByTestId('activation-reauthorize');
  await prompt.waitFor();
  await expect(prompt.getAttribute('data-consecutive')).resolves.toBe('6');
  await expect(prompt.textContent()).resolves.toContain('rejected the last 6 sync sessions');
  await expect(pane.getByTestId('activation-reauthorize-reason').textContent()).resolves.toBe(failed.lastFailure!.message);
  // The status is still shown below the prompt.
  await expect(pane.getByTestId('sync-badge').getAttribute('data-status')).resolves.toBe('suspended');
  await bothThemes(page, pane, 'reauthorize');

  await pane.getByTestId('activation-reauthorize-button').click();
  await pane.getByTestId('activation').waitFor();
  await pane.getByTestId('activation-next').click();
  await pane.getByTestId('activation-password').fill('changed-in-exchange');
  await pane.getByTestId('activation-submit').click();
  const enabled = pane.getByTestId('activation-enabled');
  await enabled.waitFor({ timeout: 30_000 });
  await expect(enabled.getAttribute('data-outcome')).resolves.toBe('resumed');
  await expect(pane.getByTestId('activation-reauthorize').count()).resolves.toBe(0);
  await waitFor(async () => (await sync.status(organizationId, annaId)).recentRuns[0]?.outcome === 'succeeded', 30_000, 'the resumed session');
  await bothThemes(page, pane, 'reauthorized');
  expect(errors).toEqual([]);
  await page.close();
});
