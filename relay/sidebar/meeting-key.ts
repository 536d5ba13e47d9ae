/**
 * The exactly-once key of a meeting is its iCalendar UID: the same in the organizer's and every attendee's copy. In
 * Read mode Office.js exposes only the item id, which differs per mailbox, so two colleagues clicking "Create in
 * C4C" on their own copies would create two appointments. Where the organization's mailbox access is configured, the
 * relay reads the UID of the user's item from the mailbox itself; without access (or on any failure) it falls back to
 * the item id, which still gives exactly once per mailbox.
 */
import type { Logger } from '../log';
import type { Mailbox, MailboxAccess } from '../mailbox/types';
import { ewsIdToRestId } from '../../shared/item-ids';

export type ICalUidResolver = (user: { organizationId: string; userId: string; email: string }, itemId: string) => Promise<string | undefined>;

export interface ICalUidResolverDeps {
  accessFor(organizationId: string, userId: string): Promise<MailboxAccess | undefined>;
  open(address: string, access: MailboxAccess): Mailbox;
  logger: Pick<Logger, 'warn'>;
  /** Resolved ids kept in memory (ids are stable, the UID never changes). */
  cacheSize?: number;
}

export function createICalUidResolver(deps: ICalUidResolverDeps): ICalUidResolver {
  const cache = new Map<string, string>();
  const limit = deps.cacheSize ?? 5000;
  return async (user, itemId) => {
    const cacheKey = `${user.organizationId}|${user.userId}|${itemId}`;
    const known = cache.get(cacheKey);
    if (known !== undefined) return known;
    let access: MailboxAccess | undefined;
    try {
      access = await deps.accessFor(user.organizationId, user.userId);
    } catch (error) {
      deps.logger.warn({ err: error, organizationId: user.organizationId }, 'mailbox access unreadable; meeting keyed by item id');
      return undefined;
    }
    if (access === undefined) return undefined;
    const mailbox = deps.open(user.email, access);
    try {
      const id = access.kind === 'graph-app' || access.kind === 'graph-delegated' ? ewsIdToRestId(itemId) : itemId;
      const [event] = await mailbox.getEvents([id]);
      const uid = event?.iCalUid;
      if (!uid) return undefined;
      if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
      cache.set(cacheKey, uid);
      return uid;
    } catch (error) {
      deps.logger.warn({ err: error, organizationId: user.organizationId }, 'could not read the meeting from the mailbox; meeting keyed by item id');
      return undefined;
    } finally {
      await mailbox.close().catch(() => undefined);
    }
  };
}
