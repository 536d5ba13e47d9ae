/** Types of build-addin-if-stale.js (plain JavaScript so `npm start` can run it before any TypeScript loader). */
export interface BuildResult {
  built: boolean;
  reason?: string;
  ms?: number;
}
export function buildAddinIfStale(options?: { force?: boolean; stdio?: 'pipe' | 'inherit'; log?: (line: string) => void }): BuildResult;
export function staleReason(root?: string): string | undefined;
export const DIST: string;
