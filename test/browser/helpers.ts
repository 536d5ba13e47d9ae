/** Headless Debian Chromium driven by playwright-core, and helpers for the sandbox Outlook page. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'browser');

/** The browser the tests drive: CHROMIUM_PATH, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function chromiumProblem(): string | undefined {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return undefined;
  } catch {
    const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${CHROMIUM_PATH}` : CHROMIUM_PATH;
    return `no Chromium executable at ${where}. Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable`;
  }
}

// Said once per test file, before any test is defined: without a browser every test would fail with the same launch
// stack trace. In CI that is still a failure (the whole file fails with this one message); elsewhere the file's tests
// are skipped, by swapping the `it` / `test` globals of this file's own Jest environment for their skipping forms
// (Jest also skips the hooks of a file whose tests are all skipped, so nothing is built or started).
const problem = chromiumProblem();
const underJest = typeof it === 'function'; // the bench imports these helpers too
if (problem && underJest && process.env.CI === 'true') throw new Error(`browser tests cannot run: ${problem}.`);
if (problem && underJest) {
  process.stderr.write(`\nbrowser tests skipped: ${problem}. (With CI=true this is a failure.)\n\n`);
  const globals = globalThis as unknown as { it: jest.It; test: jest.It };
  globals.it = it.skip;
  globals.test = test.skip;
}

export function launchChromium(): Promise<Browser> {
  if (problem) return Promise.reject(new Error(problem));
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });
}

/** Pages opened by a test, so a failing test leaves a screenshot of what the user would have seen. */
const openPages = new Set<Page>();
const consoleLogs = new WeakMap<Page, string[]>();
const pendingRequests = new WeakMap<Page, Set<string>>();

export async function screenshotOpenPages(testName: string): Promise<void> {
  let index = 0;
  for (const page of openPages) {
    if (page.isClosed()) continue;
    const name = `failed-${testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}-${index++}`;
    await screenshot(page, name).catch(() => undefined);
    const stalled = [...(pendingRequests.get(page) ?? [])].map((request) => `still waiting: ${request}`);
    const frames = await Promise.all(
      page.frames().map(async (frame) => {
        const html = await frame.evaluate(() => document.body?.innerHTML.slice(0, 1500) ?? '(no body)').catch((e: unknown) => `(unreadable: ${String(e)})`);
        return `frame ${frame.url()}: ${html}`;
      }),
    );
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `${name}.log`), [...(consoleLogs.get(page) ?? []), ...stalled, ...frames].join('\n'));
  }
}

export function forgetOpenPages(): void {
  openPages.clear();
}

export async function openSandbox(browser: Browser, relayUrl: string): Promise<{ page: Page; pane: FrameLocator; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  openPages.add(page);
  const logs: string[] = [];
  consoleLogs.set(page, logs);
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  // Requests still open when a test fails tell which server stalled.
  const pending = new Set<string>();
  const label = (request: { method(): string; url(): string }): string => `${request.method()} ${request.url()}`;
  page.on('request', (request) => pending.add(label(request)));
  page.on('requestfinished', (request) => pending.delete(label(request)));
  page.on('requestfailed', (request) => {
    pending.delete(label(request));
    logs.push(`request failed: ${label(request)}: ${request.failure()?.errorText ?? ''}`);
  });
  pendingRequests.set(page, pending);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${relayUrl}/sandbox.html`);
  await page.getByTestId('sandbox-item').first().waitFor();
  return { page, pane: page.frameLocator('[data-testid="taskpane-frame"]'), errors };
}

/** Selects the list item whose sender / subject text contains `text`. */
export async function selectItem(page: Page, text: string): Promise<void> {
  await page.getByTestId('sandbox-item').filter({ hasText: text }).first().click();
}

/**
 * Chooses `option` in a Fluent UI Dropdown and waits until the trigger shows it. On the loaded CI machine a pointer
 * click on an option was seen to leave the listbox open and nothing chosen (the popup is positioned by floating-ui
 * after it opens, and the click's coordinates were computed before); then the choice is made with the keyboard, as a
 * keyboard user would: the arrow keys move the active option (aria-activedescendant) and Enter takes it.
 */
export async function chooseOption(page: Page, trigger: Locator, option: string | RegExp): Promise<void> {
  // Charts draw listboxes of their own; the Dropdown's popup is the one with Fluent's class.
  const listbox = page.locator('.fui-Dropdown__listbox');
  const matches = (text: string): boolean => (typeof option === 'string' ? text.includes(option) : option.test(text));
  const shows = async (): Promise<boolean> => matches((await trigger.textContent()) ?? '');

  await trigger.click();
  await listbox.waitFor();
  await listbox.getByRole('option', { name: option }).click();
  const closed = await listbox.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false);
  if (closed && (await shows())) return;

  if (!closed) await page.keyboard.press('Escape');
  await listbox.waitFor({ state: 'hidden' });
  await trigger.focus();
  await page.keyboard.press('ArrowDown'); // opens the listbox on the selected option
  await listbox.waitFor();
  const count = await listbox.getByRole('option').count();
  for (let step = 0; step <= count; step++) {
    const activeId = await trigger.getAttribute('aria-activedescendant');
    const activeText = activeId ? ((await page.locator(`[id="${activeId}"]`).textContent()) ?? '') : '';
    if (matches(activeText)) {
      await page.keyboard.press('Enter');
      await listbox.waitFor({ state: 'hidden' });
      if (await shows()) return;
      break;
    }
    // From the last option, ArrowDown stays put: start again from the top.
    await page.keyboard.press(step === 0 ? 'Home' : 'ArrowDown');
  }
  throw new Error(`the dropdown shows "${(await trigger.textContent()) ?? ''}" after choosing ${String(option)} by pointer and by keyboard`);
}

export async function switchUser(page: Page, displayName: string): Promise<void> {
  await chooseOption(page, page.getByTestId('user-switcher'), new RegExp(displayName));
  await page.getByTestId('sandbox-item').first().waitFor();
}
