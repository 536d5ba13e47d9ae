/**
 * Task pane entry: get Office.js (CDN in Outlook, the simulated host in the sandbox), read the configuration, set up
 * NAA and the relay client, and render. A failure before rendering is shown as plain text, as nothing else can be.
 */
import { createRoot } from 'react-dom/client';
import { loadOffice } from './office/loadOffice';
import { supportsNestedAppAuth } from './office/requirements';
import { createOutlookHost } from './office/host';
import { loadRelayConfig } from './auth/config';
import { createNaaTokenProvider } from './auth/naa';
import { RelayClient } from './api/client';
import { App } from './features/App';
import { strings } from './features/strings';

async function main(): Promise<void> {
  const container = document.getElementById('root');
  if (container === null) throw new Error('#root missing');
  try {
    await loadOffice(window);
    // Without Nested App Authentication msal-browser would fall back to popups the host blocks: say so plainly.
    if (!supportsNestedAppAuth()) throw new Error(strings.naaUnsupported);
    const config = await loadRelayConfig(window);
    const tokens = createNaaTokenProvider(config);
    const client = new RelayClient({ baseUrl: config.relayOrigin, getAccessToken: (o) => tokens.getAccessToken(o) });
    // Errors outside the item boundary would otherwise unmount the pane silently.
    createRoot(container, { onUncaughtError: (error) => console.error('task pane failed', error) }).render(<App host={createOutlookHost()} client={client} />);
  } catch (error) {
    container.setAttribute('data-testid', 'startup-error');
    container.textContent = `${strings.errorTitle}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

void main();
