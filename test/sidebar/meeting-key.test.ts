/** The meeting key resolver: REST ids for Graph, caching, and falling back to the item id on any failure. */
import { createICalUidResolver } from '../../relay/sidebar/meeting-key';
import { ewsIdToRestId } from '../../shared/item-ids';
import type { CalendarEvent, Mailbox, MailboxAccess } from '../../relay/mailbox/types';

const user = { organizationId: 'org-1', userId: 'user-1', email: 'anna@contoso.example' };
const graph: MailboxAccess = { kind: 'graph-app', tenantId: 't', clientId: 'c', clientSecret: 's', authorityHost: 'https://login.example', graphBaseUrl: 'https://graph.example' };
const ews: MailboxAccess = { kind: 'ews-impersonation', ewsUrl: 'https://mail.example/EWS/Exchange.asmx', username: 'svc', password: 'pw' };

function fakeMailbox(events: Record<string, string>, asked: string[], fail = false): Mailbox {
  return {
    getEvents: async (ids: string[]) => {
      asked.push(...ids);
      if (fail) throw new Error('mailbox unreachable');
      return ids.filter((id) => events[id] !== undefined).map((id) => ({ id, iCalUid: events[id] }) as CalendarEvent);
    },
    close: async () => undefined,
  } as unknown as Mailbox; // Why: only the two methods the resolver uses are faked.
}

describe('meeting key resolver', () => {
  it('converts Office.js (EWS) ids to the REST form for Graph only', async () => {
    expect(ewsIdToRestId('AAMk+abc/def==')).toBe('AAMk_abc-def==');
    const asked: string[] = [];
    const viaGraph = createICalUidResolver({ accessFor: async () => graph, open: () => fakeMailbox({ 'AAMk_abc-def==': 'uid-1' }, asked), logger: { warn: () => undefined } });
    await expect(viaGraph(user, 'AAMk+abc/def==')).resolves.toBe('uid-1');
    const viaEws = createICalUidResolver({ accessFor: async () => ews, open: () => fakeMailbox({ 'AAMk+abc/def==': 'uid-2' }, asked), logger: { warn: () => undefined } });
    await expect(viaEws(user, 'AAMk+abc/def==')).resolves.toBe('uid-2');
  });

  it('caches a resolved UID, and answers undefined without access, for unknown ids and on failures', async () => {
    const asked: string[] = [];
    const warnings: string[] = [];
    const resolver = createICalUidResolver({ accessFor: async () => ews, open: () => fakeMailbox({ A: 'uid-A' }, asked), logger: { warn: (_details: unknown, message: string) => warnings.push(message) } as never });
    await resolver(user, 'A');
    await expect(resolver(user, 'A')).resolves.toBe('uid-A');
    expect(asked).toEqual(['A']);
    await expect(resolver(user, 'B')).resolves.toBeUndefined();
    const none = createICalUidResolver({ accessFor: async () => undefined, open: () => fakeMailbox({}, asked), logger: { warn: () => undefined } });
    await expect(none(user, 'A')).resolves.toBeUndefined();
    const failing = createICalUidResolver({ accessFor: async () => ews, open: () => fakeMailbox({}, asked, true), logger: { warn: (_details: unknown, message: string) => warnings.push(message) } as never });
    await expect(failing(user, 'A')).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
