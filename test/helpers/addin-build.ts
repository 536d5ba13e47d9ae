/**
 * Browser tests need the add-in bundle in dist/addin: built with webpack only when it is missing or older than its
 * sources, by the same rule as `npm start` (scripts/build-addin-if-stale.js), so a second run does not pay for it.
 */
import { buildAddinIfStale, DIST } from '../../scripts/build-addin-if-stale';

export function ensureAddinBuilt(): string {
  buildAddinIfStale();
  return DIST;
}
