/**
 * Admin console entry: read the relay's configuration (/admin/config.json), finish or start the Entra sign-in
 * (msal-browser redirect flow), and render. A failure before rendering is shown as plain text, as nothing else can be.
 */
import { createRoot } from 'react-dom/client';
import { RelayClientConfigSchema } from '../shared/api/sidebar';
import { AdminClient } from './admin/api';
import { startAdminAuth } from './admin/auth';
import { AdminApp } from './admin/AdminApp';
import { strings } from './admin/strings';

async function loadConfig(): Promise<ReturnType<typeof RelayClientConfigSchema.parse>> {
  const url = new URL('/admin/config.json', window.location.href).toString();
  const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit' });
  if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}`);
  const parsed = RelayClientConfigSchema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`Invalid admin console configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

async function main(): Promise<void> {
  const container = document.getElementById('root');
  if (container === null) throw new Error('#root missing');
  try {
    const config = await loadConfig();
    const auth = await startAdminAuth(config, window.location.origin);
    const client = new AdminClient({ baseUrl: config.relayOrigin, getAccessToken: (o) => auth.getAccessToken(o) });
    createRoot(container, { onUncaughtError: (error) => console.error('admin console failed', error) }).render(<AdminApp auth={auth} client={client} />);
  } catch (error) {
    container.setAttribute('data-testid', 'startup-error');
    container.setAttribute('role', 'alert');
    container.textContent = `${strings.startupError}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

void main();
