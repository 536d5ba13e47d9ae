/**
 * The console's few client-side routes on the History API (the relay serves the page for every /admin/… path, so a
 * reload or a bookmark lands on the same screen).
 */
import { useEffect, useState } from 'react';

export const SECTIONS = ['users', 'import', 'mailbox-access', 'c4c', 'check-access', 'activate', 'monitoring', 'audit', 'settings', 'sync-settings', 'presets', 'mirror'] as const;
export type Section = (typeof SECTIONS)[number];

export type Route =
  | { name: 'organizations' }
  /** `userId`: the monitoring section's run history of one user (/admin/organizations/:orgId/monitoring/:userId). */
  | { name: 'organization'; orgId: string; section: Section; userId?: string }
  /** Every organization's sync state at a glance (/admin/monitoring). */
  | { name: 'monitoring' }
  | { name: 'not-found' };

const BASE = '/admin';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'organizations')) return { name: 'organizations' };
  if (parts.length === 1 && parts[0] === 'monitoring') return { name: 'monitoring' };
  if (parts[0] === 'organizations' && parts.length === 4 && parts[2] === 'monitoring') return { name: 'organization', orgId: parts[1], section: 'monitoring', userId: parts[3] };
  if (parts[0] === 'organizations' && parts.length <= 3) {
    const section = (parts[2] ?? 'users') as Section;
    if (SECTIONS.includes(section)) return { name: 'organization', orgId: parts[1], section };
  }
  return { name: 'not-found' };
}

export function routePath(route: Route): string {
  if (route.name === 'organization') {
    const base = `${BASE}/organizations/${encodeURIComponent(route.orgId)}/${route.section}`;
    return route.userId !== undefined ? `${base}/${encodeURIComponent(route.userId)}` : base;
  }
  if (route.name === 'monitoring') return `${BASE}/monitoring`;
  return BASE;
}

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
