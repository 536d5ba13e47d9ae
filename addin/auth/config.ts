/**
 * The task pane's configuration (Entra client id, authority, relay scopes, relay origin): injected by the page as
 * `window.__RELAY_CONFIG__`, else served by the relay at /config.json. Validated, because a wrong scope only shows up
 * later as a confusing 401.
 */
import { RelayClientConfigSchema, SIDEBAR_ROUTES, type RelayClientConfig } from '../../shared/api/sidebar';

declare global {
  interface Window {
    __RELAY_CONFIG__?: unknown;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseRelayConfig(raw: unknown): RelayClientConfig {
  const parsed = RelayClientConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid add-in configuration: ${problems}`);
  }
  return parsed.data;
}

export async function loadRelayConfig(win: Pick<Window, '__RELAY_CONFIG__' | 'location'> = window, fetchImpl: typeof fetch = fetch): Promise<RelayClientConfig> {
  if (win.__RELAY_CONFIG__ !== undefined) return parseRelayConfig(win.__RELAY_CONFIG__);
  const url = new URL(SIDEBAR_ROUTES.config, win.location.href).toString();
  const response = await fetchImpl(url, { headers: { accept: 'application/json' }, credentials: 'omit' });
  if (!response.ok) throw new ConfigError(`Could not load ${url}: HTTP ${response.status}`);
  return parseRelayConfig(await response.json());
}
