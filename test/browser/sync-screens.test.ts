/**
 * My sync status (S7) and My sync settings (S6) as a person sees them: the sandbox Outlook page hosting the real task
 * pane bundle, against the real relay with its sync engine running sessions on the Exchange and C4C emulators. Also
 * the keyboard entry into the pane (issue 7.12): the first control reached by Tab shows its focus ring.
 * Screenshots of the pane alone go to test-artifacts/browser/sync-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { createSyncSettingsRepository } from '../../relay/store';
import { MailboxUserActions } from '../emulators/exchange';
import { DEMO_TENANT_ID, DEMO_USERS } from '../emulators/demo-identities';
import { ensureAddinBuilt } from '../helpers/addin-build';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';
import { ARTIFACTS_DIR, forgetOpenPages, launchChromium, openSandbox, screenshotOpenPages, selectItem } from './helpers';

jest.setTimeout(120_000);

const [ANNA] = DEMO_USERS;
let env: SandboxRelay;
let browser: Browser;
let organizationId: string;
let annaId: string;

/** Resolves with `probe`'s value once `accept` takes it; fails with the last value after `timeoutMs`. */
async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const stageOfAnna = async () => (await env.relay.services.sync.status(organizationId, annaId)).stage;
const annaBlocklist = async () => (await createSyncSettingsRepository(env.relay.services.db).getBlocklists(organizationId, annaId)).user;

/** The task pane alone, as wide as the sandbox shows it (or narrower, see `narrow`). */
async function paneShot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.getByTestId('taskpane-frame').screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });
}

/** A tall window, so a screenshot of the pane shows the whole screen rather than its first 900 px. */
async function open(): Promise<{ page: Page; pane: FrameLocator; errors: string[] }> {
  const opened = await openSandbox(browser, env.url);
  await opened.page.setViewportSize({ width: 1400, height: 1500 });
  await opened.pane.getByTestId('pane-tabs').waitFor();
  return opened;
}

async function setDark(page: Page, pane: FrameLocator): Promise<void> {
  await page.getByTestId('theme-toggle').click();
  await pane.locator('[data-testid="taskpane"][data-theme="dark"]').waitFor();
}

/** Outlook's task pane can be as narrow as 320-350 px; the sandbox shows it at 360. */
async function narrow(page: Page, width = 350): Promise<void> {
  await page.getByTestId('taskpane-frame').evaluate((frame, w) => {
    (frame as HTMLElement).style.width = `${w}px`;
  }, width);
}

/** Nothing in the pane sticks out sideways (text cut off or a horizontal scroll bar). */
async function expectNoHorizontalOverflow(pane: FrameLocator): Promise<void> {
  const overflow = await pane.locator('body').evaluate(() => {
    const width = document.documentElement.clientWidth;
    const offenders = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && getComputedStyle(el).position !== 'absolute')
      .map((el) => `${el.tagName.toLowerCase()}.${(el.getAttribute('data-testid') ?? el.className).toString().slice(0, 40)}`);
    return { scroll: document.documentElement.scrollWidth > width, offenders: offenders.slice(0, 5) };
  });
  expect(overflow).toEqual({ scroll: false, offenders: [] });
}

beforeAll(async () => {
  ensureAddinBuilt();
  env = await startSandboxRelay();
  const org = await env.store.organizations.getByTenant(DEMO_TENANT_ID);
  organizationId = org!.id;
  annaId = (await env.store.users.findByEntra(DEMO_TENANT_ID, ANNA.oid))!.id;
  // The sandbox's start-up enables the demo mailboxes; the same idempotent call keeps this file independent of it.
  await env.relay.services.sync.enable(organizationId, [annaId], { kind: 'system', id: 'test' });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

afterEach(async () => {
  await screenshotOpenPages(expect.getState().currentTestName ?? 'test');
  forgetOpenPages();
  env.sandbox.exchange.control.setLatency(0);
  env.sandbox.c4c.control.clearFaults();
});

describe('keyboard entry (issue 7.12)', () => {
  it('the first control reached by tabbing into the pane shows its focus ring, like the second', async () => {
    const { page, pane } = await open();
    await selectItem(page, 'Jonas Vogel');
    await pane.getByTestId('record').first().waitFor();
    // Start from the last control before the pane in the host page (as Outlook's own UI would be) and Tab on.
    await page.getByTestId('sandbox-item').last().focus();
    const frame = page.getByTestId('taskpane-frame');
    for (let presses = 0; presses < 40; presses += 1) {
      await page.keyboard.press('Tab');
      if (await frame.evaluate((el) => document.activeElement === el)) break;
    }
    expect(await frame.evaluate((el) => document.activeElement === el)).toBe(true);

    const focused = () =>
      pane.locator('body').evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { testId: el.getAttribute('data-testid'), focusVisible: el.hasAttribute('data-fui-focus-visible'), boxShadow: style.boxShadow, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
    const first = await focused();
    await paneShot(page, 'sync-focus-first-tab');
    // The pane's first stop is its navigation; Fluent draws the ring as a 2 px box-shadow on it.
    expect(first.testId).toBe('tab-records');
    expect(first.focusVisible).toBe(true);
    expect(first.boxShadow).toMatch(/0px 0px 0px 2px/);

    await page.keyboard.press('Tab');
    const second = await focused();
    expect(second.testId).not.toBe('tab-records');
    expect(second.focusVisible).toBe(true);

    // Entering backwards (Shift+Tab from Outlook's UI after the pane) lands on the pane's last control, which no
    // Fluent focus group precedes: the ring must show there too. A button after the frame plays Outlook's UI.
    await page.reload();
    await selectItem(page, 'Jonas Vogel');
    await pane.getByTestId('save-button').waitFor();
    await frame.evaluate((el) => {
      const after = document.createElement('button');
      after.textContent = 'Outlook control after the pane';
      after.setAttribute('data-testid', 'host-after-pane');
      el.after(after);
    });
    await page.getByTestId('host-after-pane').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await frame.evaluate((el) => document.activeElement === el)).toBe(true);
    const last = await focused();
    await paneShot(page, 'sync-focus-shift-tab');
    expect(last.testId).toBe('save-button');
    expect(last.focusVisible).toBe(true);
    expect(last.outline).toMatch(/^solid|^none/);

    // A mouse click is not keyboard navigation: no ring.
    await pane.getByTestId('tab-records').click();
    const clicked = await focused();
    expect(clicked.focusVisible).toBe(false);
    expect(clicked.boxShadow).not.toMatch(/0px 0px 0px 2px/);
    await page.close();
  });
});

describe('My sync settings', () => {
  it('a switch is saved at once, says from when it applies, and is still on after a reload (light and dark)', async () => {
    const repo = createSyncSettingsRepository(env.relay.services.db);
    await repo.updateUserSettings(organizationId, annaId, { autoSaveIncoming: false });
    await repo.replaceBlocklist(organizationId, null, ['payroll.contoso.example']);
    const { page, pane, errors } = await open();
    await pane.getByTestId('tab-settings').click();
    const settings = pane.getByTestId('sync-settings');
    await settings.waitFor();
    const incoming = pane.getByTestId('setting-autoSaveIncoming');
    expect(await incoming.isChecked()).toBe(false);
    await expect(pane.getByTestId('settings-effective').textContent()).resolves.toMatch(/next sync session/);
    await expect(pane.getByTestId('org-blocklist-entry').allTextContents()).resolves.toEqual(['payroll.contoso.example']);
    await paneShot(page, 'sync-settings-light');

    await incoming.click();
    await pane.locator('[data-testid="settings-effective"][data-saved="true"]').waitFor();
    await expect(pane.getByTestId('settings-effective').textContent()).resolves.toMatch(/^Saved\. Applies from the next sync session( \(at .+\))?\.$/);
    expect((await repo.getUserSettings(organizationId, annaId)).settings.autoSaveIncoming).toBe(true);

    await page.reload();
    await pane.getByTestId('tab-settings').click();
    await pane.getByTestId('sync-settings').waitFor();
    expect(await pane.getByTestId('setting-autoSaveIncoming').isChecked()).toBe(true);

    await setDark(page, pane);
    await paneShot(page, 'sync-settings-dark');
    await narrow(page);
    await expectNoHorizontalOverflow(pane);
    await paneShot(page, 'sync-settings-dark-350');
    expect(errors).toEqual([]);
    await repo.replaceBlocklist(organizationId, null, []);
    await page.close();
  });

  it('an invalid blocklist entry shows its message; a valid one is normalised, kept over a reload, and can be removed', async () => {
    const { page, pane } = await open();
    await pane.getByTestId('tab-settings').click();
    await pane.getByTestId('sync-settings').waitFor();
    const input = pane.getByTestId('blocklist-input');
    await input.fill('not an address');
    await pane.getByTestId('blocklist-add').click();
    const field = pane.getByTestId('blocklist-field');
    await expect(field.textContent()).resolves.toContain('Not an email address or a domain');
    await expect(input.getAttribute('aria-invalid')).resolves.toBe('true');
    await paneShot(page, 'sync-settings-blocklist-invalid');
    await narrow(page);
    await expectNoHorizontalOverflow(pane);
    await paneShot(page, 'sync-settings-blocklist-invalid-350');

    await input.fill('@Rival.Example');
    await input.press('Enter');
    await pane.locator('[data-testid="blocklist-entry"][data-entry="rival.example"]').waitFor();
    await expect(input.inputValue()).resolves.toBe('');
    expect(await until(annaBlocklist, (list) => list.length === 1)).toEqual(['rival.example']);

    // The same entry again is refused before it reaches the relay.
    await input.fill('rival.example');
    await pane.getByTestId('blocklist-add').click();
    await expect(field.textContent()).resolves.toContain('Already in your blocklist');

    await page.reload();
    await pane.getByTestId('tab-settings').click();
    const entry = pane.locator('[data-testid="blocklist-entry"][data-entry="rival.example"]');
    await entry.waitFor();
    await entry.getByRole('button', { name: 'Remove rival.example from my blocklist' }).click();
    await pane.getByTestId('blocklist-empty').waitFor();
    expect(await until(annaBlocklist, (list) => list.length === 0)).toEqual([]);
    await page.close();
  });
});

describe('My sync status', () => {
  /** Three emails arrive in Anna's inbox and she gives them the trigger category, as she would in Outlook. */
  function deliverCategorized(): string[] {
    const actions = new MailboxUserActions(env.sandbox.exchange.store);
    const stamp = Date.now();
    return ['Order confirmation 4711', 'Delivery dates for the pumps', 'Invoice question'].map((topic) => {
      const subject = `${topic} (${stamp})`;
      actions.deliverMessage(ANNA.email, {
        subject,
        from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' },
        categories: [SYNC_CATEGORIES.trigger.displayName],
      });
      return subject;
    });
  }

  it('Pause shows the paused badge and what it means, Resume brings it back', async () => {
    const { page, pane, errors } = await open();
    await pane.getByTestId('tab-status').click();
    const badge = pane.getByTestId('sync-badge');
    await badge.waitFor();
    await expect(badge.getAttribute('data-status')).resolves.toBe('enabled');
    await pane.getByTestId('sync-pause').click();
    await pane.locator('[data-testid="sync-badge"][data-status="paused"]').waitFor();
    await pane.getByTestId('sync-paused').waitFor();
    await expect(pane.getByTestId('next-session').textContent()).resolves.toBe('Not scheduled');
    expect(await pane.getByTestId('sync-now').isDisabled()).toBe(true);
    expect((await env.relay.services.sync.status(organizationId, annaId)).status).toBe('paused');
    await paneShot(page, 'sync-status-paused-light');
    await setDark(page, pane);
    await paneShot(page, 'sync-status-paused-dark');

    await pane.getByTestId('sync-resume').click();
    await pane.locator('[data-testid="sync-badge"][data-status="enabled"]').waitFor();
    expect((await env.relay.services.sync.status(organizationId, annaId)).status).toBe('enabled');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Sync now shows the running session, then the new run with what it did (light and dark, 350 px)', async () => {
    const { page, pane, errors } = await open();
    await pane.getByTestId('tab-status').click();
    await pane.getByTestId('sync-badge').waitFor();
    // Nothing running before the press (a session after the previous test's Resume may still be finishing).
    await until(stageOfAnna, (stage) => stage !== 'syncing', 30_000);
    const runsBefore = new Set((await env.relay.services.sync.status(organizationId, annaId)).recentRuns.map((run) => run.id));
    const subjects = deliverCategorized();
    // C4C refuses one of the three creates: the run shows a failure and the email's subject is listed.
    env.sandbox.c4c.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'status', status: 400, message: 'Field MessageFromEmailURI is invalid', times: 1 });
    // Slow enough that the session is seen running.
    env.sandbox.exchange.control.setLatency(400);

    await pane.getByTestId('sync-now').click();
    const progress = pane.getByTestId('sync-progress');
    await progress.waitFor();
    await pane.locator('[data-testid="sync-progress"][data-running="true"]').waitFor({ timeout: 30_000 });
    await paneShot(page, 'sync-status-running-light');

    const newRun = pane.locator('[data-testid="sync-run"][data-outcome="succeeded"]').first();
    await until(() => newRun.getAttribute('data-run-id', { timeout: 1000 }).catch(() => null), (id) => id !== null && !runsBefore.has(id), 60_000);
    await progress.waitFor({ state: 'detached' });
    await expect(newRun.getByTestId('sync-run-counts').textContent()).resolves.toMatch(/^2 saved, 1 failed/);
    const itemError = pane.getByTestId('item-error');
    await expect(itemError.count()).resolves.toBe(1);
    expect(subjects).toContain(await itemError.locator('span').first().textContent());
    await paneShot(page, 'sync-status-after-run-light');

    await setDark(page, pane);
    await paneShot(page, 'sync-status-after-run-dark');
    await narrow(page);
    await expectNoHorizontalOverflow(pane);
    await paneShot(page, 'sync-status-after-run-dark-350');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('polls only while a session runs', async () => {
    const { page, pane } = await open();
    await until(stageOfAnna, (stage) => stage !== 'syncing', 30_000);
    let polls = 0;
    page.on('request', (request) => {
      if (request.url().includes('/api/me/sync/status')) polls += 1;
    });
    await pane.getByTestId('tab-status').click();
    await pane.getByTestId('sync-badge').waitFor();
    await page.waitForTimeout(5000);
    // The first load only: an idle mailbox is not polled.
    expect(polls).toBe(1);
    await page.close();
  });
});

describe('sandbox: categorize an email and watch it reach C4C (issue 7.9)', () => {
  it('the sandbox page gives an email the trigger category; Sync now saves it and the item carries "saved"', async () => {
    const { page, pane, errors } = await open();
    await until(stageOfAnna, (stage) => stage !== 'syncing', 30_000);
    const subject = `Categorized on the sandbox page ${Date.now()}`;
    const delivered = env.sandbox.exchange.control.user.deliverMessage(ANNA.email, { from: { address: 'katrin.hoffmann@nordwind-maschinenbau.example', name: 'Katrin Hoffmann' }, to: [{ address: ANNA.email }], subject, bodyHtml: '<p>Please save me.</p>' });
    await page.reload();
    await page.getByTestId('sandbox-item').filter({ hasText: subject }).click();
    await page.getByTestId('toggle-trigger-category').click();
    await page.getByTestId('categories').getByText(SYNC_CATEGORIES.trigger.displayName, { exact: true }).waitFor();
    expect(env.sandbox.exchange.store.item(ANNA.email, delivered.id).categories).toEqual([SYNC_CATEGORIES.trigger.displayName]);

    await pane.getByTestId('tab-status').click();
    await pane.getByTestId('sync-now').click();
    const saved = () => Promise.resolve(env.sandbox.c4c.control.list('EMailCollection').filter((r) => r.Subject === subject).length);
    await until(saved, (n) => n === 1, 60_000);
    await until(() => Promise.resolve(env.sandbox.exchange.store.item(ANNA.email, delivered.id).categories ?? []), (c) => c.includes(SYNC_CATEGORIES.saved.displayName), 30_000);
    await page.reload();
    await page.getByTestId('sandbox-item').filter({ hasText: subject }).click();
    await page.getByTestId('categories').getByText(SYNC_CATEGORIES.saved.displayName, { exact: true }).waitFor();
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'sync-sandbox-categorized-saved.png') });
    expect(await saved()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
