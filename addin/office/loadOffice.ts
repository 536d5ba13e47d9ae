/**
 * Gets Office.js into the task pane. In Outlook the page loads it from Microsoft's CDN (the only supported source,
 * office-addin.md §2.1). In the sandbox (`?sandbox=1`) the task pane runs in an iframe of the sandbox Outlook page,
 * which simulates the host: it hands this window its Office object and its NAA bridge, and no CDN is contacted.
 */
import { hasOffice, office } from './officeGlobal';

export const OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';

/** What the sandbox Outlook page exposes to its task-pane iframe as `window.__sandboxOutlook`. */
export interface SandboxOutlookHost {
  /** Installs `Office` and `nestedAppAuthBridge` on the task pane's window. */
  attach(target: Window): void;
}

declare global {
  interface Window {
    __sandboxOutlook?: SandboxOutlookHost;
  }
}

export function isSandboxLocation(search: string): boolean {
  return new URLSearchParams(search).get('sandbox') === '1';
}

function loadScript(doc: Document, src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = doc.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`Could not load ${src}`));
    doc.head.appendChild(script);
  });
}

export type OfficeSource = 'sandbox' | 'cdn' | 'preloaded';

/** Makes `Office` available and waits for `Office.onReady`; resolves with where it came from. */
export async function loadOffice(win: Window = window): Promise<OfficeSource> {
  let source: OfficeSource = 'preloaded';
  if (!hasOffice()) {
    if (isSandboxLocation(win.location.search)) {
      const host = win.parent !== win ? win.parent.__sandboxOutlook : undefined;
      if (host === undefined) throw new Error('The sandbox task pane must be opened from the sandbox Outlook page (/sandbox.html)');
      host.attach(win);
      source = 'sandbox';
    } else {
      await loadScript(win.document, OFFICE_JS_URL);
      source = 'cdn';
    }
  }
  await office().onReady();
  return source;
}
