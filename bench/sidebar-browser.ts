/** Time from opening the sandbox Outlook page to the first C4C record card in the task pane, in headless Chromium. */
import { launchChromium } from '../test/browser/helpers';

export async function measureFirstRecords(relayUrl: string, runs: number): Promise<string> {
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let run = 0; run < runs + 1; run++) {
      // A fresh context per run: no HTTP cache, no token cache, like a newly opened Outlook window.
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${relayUrl}/sandbox.html`);
      await page.frameLocator('[data-testid="taskpane-frame"]').getByTestId('record').first().waitFor({ timeout: 30_000 });
      const elapsed = performance.now() - started;
      if (run > 0) times.push(elapsed); // the first run warms up Chromium itself
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `page load → first record cards: median ${median.toFixed(0)} ms over ${times.length} cold loads (min ${sorted[0].toFixed(0)}, max ${sorted[sorted.length - 1].toFixed(0)})`;
}
