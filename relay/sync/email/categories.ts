/**
 * The categories the engine leaves on a mailbox item (E3), pure: after a save the "saved" status category is added
 * and the error category removed; the trigger category is kept or swapped for "saved" as the organization chose
 * (`triggerCategoryAfterSave`); after a failure the error category is added and everything else stays. The user's own
 * categories are never touched. Comparisons ignore case, as Outlook does.
 */
import { SYNC_CATEGORIES, type OrganizationSyncSettings } from '../../../shared/api/sync';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const without = (list: readonly string[], name: string): string[] => list.filter((c) => !same(c, name));
const withCategory = (list: readonly string[], name: string): string[] => (list.some((c) => same(c, name)) ? [...list] : [...list, name]);

export function categoriesAfterSave(current: readonly string[], mode: OrganizationSyncSettings['triggerCategoryAfterSave']): string[] {
  let next = without(current, SYNC_CATEGORIES.error.displayName);
  if (mode === 'swap') next = without(next, SYNC_CATEGORIES.trigger.displayName);
  return withCategory(next, SYNC_CATEGORIES.saved.displayName);
}

export function categoriesAfterFailure(current: readonly string[]): string[] {
  return withCategory(current, SYNC_CATEGORIES.error.displayName);
}

/** True when both lists hold the same categories (order and case aside): no write needed. */
export function sameCategories(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x) => b.some((y) => same(x, y)));
}
