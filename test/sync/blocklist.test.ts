/**
 * Blocklists and internal mail (E9), the email decision table (E3) and the status categories, as pure rules; plus
 * fast-check properties over random messages, settings, lists and ledger states.
 */
import fc from 'fast-check';
import { SYNC_CATEGORIES, ORGANIZATION_SYNC_DEFAULTS } from '../../shared/api/sync';
import { blocklistMatcher, domainOf, isInternal, isWithinDomain, ownDomainsOf } from '../../relay/sync/blocklist';
import { decideEmail, type DecisionContext, type DecisionMessage, type KnownItem, type SyncedFolderKey } from '../../relay/sync/email/decide';
import { categoriesAfterFailure, categoriesAfterSave, sameCategories } from '../../relay/sync/email/categories';

const TRIGGER = SYNC_CATEGORIES.trigger.displayName;
const ME = 'anna.berger@contoso.example';
const BASELINE = new Date('2026-11-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

function message(overrides: Partial<DecisionMessage> = {}): DecisionMessage {
  return {
    changeKey: 'CK1',
    internetMessageId: '<m1@nordwind.example>',
    categories: [],
    from: { address: 'katrin@nordwind.example' },
    to: [{ address: ME }],
    cc: [],
    receivedAt: '2026-11-02T09:00:00Z',
    sentAt: '2026-11-02T08:59:00Z',
    isDraft: false,
    ...overrides,
  };
}

function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    folder: 'inbox',
    user: { autoSaveIncoming: false, autoSaveOutgoing: false, autoSaveThreads: false },
    organization: { initialWindowDays: 30, autoSaveInternal: false, maxItemAttempts: 5 },
    ownAddresses: [ME],
    isBlocked: blocklistMatcher({ organization: [], user: [] }, [ME]),
    ownDomains: ['contoso.example'],
    baselineAt: BASELINE,
    threadSaved: false,
    now: new Date('2026-11-03T00:00:00Z'),
    ...overrides,
  };
}

describe('blocklists', () => {
  test('an address entry blocks that address only; a domain entry its domain and every subdomain', () => {
    const blocked = blocklistMatcher({ organization: ['spam.example'], user: ['Boss@Partner.example', '@news.example'] });
    expect(blocked('boss@partner.example')).toBe(true);
    expect(blocked('BOSS@partner.example ')).toBe(true);
    expect(blocked('other@partner.example')).toBe(false);
    expect(blocked('x@spam.example')).toBe(true);
    expect(blocked('x@mail.eu.spam.example')).toBe(true);
    expect(blocked('x@notspam.example')).toBe(false);
    expect(blocked('x@spam.example.com')).toBe(false);
    expect(blocked('y@news.example')).toBe(true);
  });

  test('the mailbox’s own address is never blocked, even when its domain is', () => {
    const blocked = blocklistMatcher({ organization: ['contoso.example'], user: [] }, [ME]);
    expect(blocked(ME)).toBe(false);
    expect(blocked('marco@contoso.example')).toBe(true);
  });

  test('own domains: configured ones, else the domains of the users', () => {
    expect(ownDomainsOf(['Contoso.example'], ['a@other.example'])).toEqual(['contoso.example']);
    expect(ownDomainsOf([], ['a@contoso.example', 'b@contoso.example', 'c@fabrikam.example'])).toEqual(['contoso.example', 'fabrikam.example']);
    expect(domainOf('A@B.Example')).toBe('b.example');
    expect(isWithinDomain('eu.contoso.example', 'contoso.example')).toBe(true);
    expect(isInternal(['a@contoso.example', 'b@eu.contoso.example'], ['contoso.example'])).toBe(true);
    expect(isInternal(['a@contoso.example', 'b@nordwind.example'], ['contoso.example'])).toBe(false);
    expect(isInternal([], ['contoso.example'])).toBe(false);
  });
});

describe('decideEmail: triggers', () => {
  test('the category saves, in any folder, whatever the auto-save switches', () => {
    for (const folder of ['inbox', 'sentitems', 'save', 'other'] as SyncedFolderKey[]) {
      expect(decideEmail(message({ categories: ['Red', TRIGGER.toUpperCase()] }), context({ folder }))).toEqual({ action: 'save', trigger: 'category', explicit: true });
    }
  });

  test('the save folder saves (moved or copied there)', () => {
    expect(decideEmail(message(), context({ folder: 'save' }))).toEqual({ action: 'save', trigger: 'folder', explicit: true });
  });

  test('sent from a draft that carried the category: it arrives in sent items with it', () => {
    const sent = message({ from: { address: ME }, to: [{ address: 'katrin@nordwind.example' }], categories: [TRIGGER] });
    expect(decideEmail(sent, context({ folder: 'sentitems' }))).toMatchObject({ action: 'save', trigger: 'category' });
    expect(decideEmail({ ...sent, isDraft: true }, context({ folder: 'sentitems' }))).toEqual({ action: 'ignore', reason: 'draft' });
  });

  test('auto-save incoming / outgoing only for mail after the baseline, in its own folder', () => {
    const user = { autoSaveIncoming: true, autoSaveOutgoing: true, autoSaveThreads: false };
    expect(decideEmail(message(), context({ user }))).toEqual({ action: 'save', trigger: 'incoming', explicit: false });
    expect(decideEmail(message({ receivedAt: '2026-10-30T00:00:00Z' }), context({ user }))).toEqual({ action: 'ignore', reason: 'no-trigger' });
    expect(decideEmail(message(), context({ user, folder: 'sentitems' }))).toEqual({ action: 'save', trigger: 'outgoing', explicit: false });
    expect(decideEmail(message(), context({ user, baselineAt: undefined }))).toEqual({ action: 'ignore', reason: 'no-trigger' });
    expect(decideEmail(message(), context())).toEqual({ action: 'ignore', reason: 'no-trigger' });
  });

  test('a new message of a saved thread, when autoSaveThreads', () => {
    const user = { autoSaveIncoming: false, autoSaveOutgoing: false, autoSaveThreads: true };
    expect(decideEmail(message(), context({ user, threadSaved: true }))).toEqual({ action: 'save', trigger: 'thread', explicit: false });
    expect(decideEmail(message(), context({ user, threadSaved: false }))).toEqual({ action: 'ignore', reason: 'no-trigger' });
    expect(decideEmail(message(), context({ threadSaved: true }))).toEqual({ action: 'ignore', reason: 'no-trigger' });
  });

  test('explicit triggers reach back initialWindowDays before the baseline, no further', () => {
    const old = message({ categories: [TRIGGER], receivedAt: new Date(BASELINE.getTime() - 29 * DAY).toISOString() });
    expect(decideEmail(old, context())).toMatchObject({ action: 'save' });
    const older = message({ categories: [TRIGGER], receivedAt: new Date(BASELINE.getTime() - 31 * DAY).toISOString() });
    expect(decideEmail(older, context())).toEqual({ action: 'skip', trigger: 'category', reason: 'outside-window' });
    expect(decideEmail(older, context({ organization: { initialWindowDays: 60, autoSaveInternal: false, maxItemAttempts: 5 } }))).toMatchObject({ action: 'save' });
  });
});

describe('decideEmail: blocklists and internal mail', () => {
  const user = { autoSaveIncoming: true, autoSaveOutgoing: true, autoSaveThreads: true };
  test('auto-save never saves mail with a blocked participant; explicit triggers still save', () => {
    const isBlocked = blocklistMatcher({ organization: [], user: ['nordwind.example'] }, [ME]);
    expect(decideEmail(message(), context({ user, isBlocked }))).toEqual({ action: 'skip', trigger: 'incoming', reason: 'blocked' });
    expect(decideEmail(message({ cc: [{ address: 'x@sub.nordwind.example' }], from: { address: 'ok@fabrikam.example' } }), context({ user, isBlocked }))).toMatchObject({ reason: 'blocked' });
    expect(decideEmail(message({ categories: [TRIGGER] }), context({ user, isBlocked }))).toMatchObject({ action: 'save', trigger: 'category' });
    expect(decideEmail(message(), context({ user, isBlocked, folder: 'save' }))).toMatchObject({ action: 'save', trigger: 'folder' });
  });

  test('internal mail is not auto-saved unless the organization allows it; explicit triggers save it', () => {
    const internal = message({ from: { address: 'marco@contoso.example' }, cc: [{ address: 'it@eu.contoso.example' }] });
    expect(decideEmail(internal, context({ user }))).toEqual({ action: 'skip', trigger: 'incoming', reason: 'internal' });
    expect(decideEmail(internal, context({ user, organization: { initialWindowDays: 30, autoSaveInternal: true, maxItemAttempts: 5 } }))).toMatchObject({ action: 'save' });
    expect(decideEmail({ ...internal, categories: [TRIGGER] }, context({ user }))).toMatchObject({ action: 'save' });
  });
});

describe('decideEmail: what email_sync_items says', () => {
  test('saved: never again; own write: ignored; failed: retried until the attempts are used up', () => {
    const m = message({ categories: [TRIGGER] });
    expect(decideEmail(m, context({ known: { status: 'saved', changeKey: 'other', attempts: 1 } }))).toEqual({ action: 'ignore', reason: 'already-saved' });
    expect(decideEmail(m, context({ known: { status: 'skipped', changeKey: 'CK1', attempts: 0 } }))).toEqual({ action: 'ignore', reason: 'own-write' });
    expect(decideEmail(m, context({ known: { status: 'failed', changeKey: 'old', attempts: 2 } }))).toEqual({ action: 'retry', trigger: 'category', explicit: true, attempts: 2 });
    expect(decideEmail(m, context({ known: { status: 'failed', changeKey: 'old', attempts: 5 } }))).toEqual({ action: 'ignore', reason: 'attempts-exhausted' });
    expect(decideEmail(m, context({ known: { status: 'skipped', changeKey: 'old', attempts: 0 } }))).toMatchObject({ action: 'save' });
  });

  test('taking the category off a saved email changes nothing (never a delete)', () => {
    expect(decideEmail(message({ categories: [] }), context({ known: { status: 'saved', changeKey: 'x', attempts: 1 } }))).toEqual({ action: 'ignore', reason: 'already-saved' });
  });
});

describe('status categories', () => {
  const saved = SYNC_CATEGORIES.saved.displayName;
  const error = SYNC_CATEGORIES.error.displayName;
  test('keep: trigger stays, saved added, error cleared; swap: trigger replaced by saved', () => {
    expect(categoriesAfterSave(['Red', TRIGGER, error], 'keep')).toEqual(['Red', TRIGGER, saved]);
    expect(categoriesAfterSave(['Red', TRIGGER.toLowerCase(), error], 'swap')).toEqual(['Red', saved]);
    expect(categoriesAfterSave([saved], 'keep')).toEqual([saved]);
    expect(categoriesAfterFailure([TRIGGER])).toEqual([TRIGGER, error]);
    expect(categoriesAfterFailure([TRIGGER, error])).toEqual([TRIGGER, error]);
    expect(sameCategories(['A', 'b'], ['B', 'a'])).toBe(true);
  });
});

describe('properties', () => {
  const domain = fc.constantFrom('contoso.example', 'eu.contoso.example', 'nordwind.example', 'sub.nordwind.example', 'fabrikam.example', 'spam.example');
  const address = fc.tuple(fc.constantFrom('a', 'b', 'katrin', 'it'), domain).map(([l, d]) => `${l}@${d}`);
  const arbMessage = fc.record({
    changeKey: fc.constantFrom('CK1', 'CK2'),
    internetMessageId: fc.constantFrom('<m1@x>', '<m2@x>', ''),
    categories: fc.subarray(['Red', TRIGGER, SYNC_CATEGORIES.saved.displayName, SYNC_CATEGORIES.error.displayName]),
    from: fc.option(address.map((a) => ({ address: a })), { nil: undefined }),
    to: fc.array(address.map((a) => ({ address: a })), { maxLength: 3 }),
    cc: fc.array(address.map((a) => ({ address: a })), { maxLength: 2 }),
    receivedAt: fc.integer({ min: -60, max: 5 }).map((d) => new Date(BASELINE.getTime() + d * DAY).toISOString()),
    sentAt: fc.constant(undefined),
    isDraft: fc.boolean(),
  });
  const arbKnown: fc.Arbitrary<KnownItem | undefined> = fc.option(
    fc.record({ status: fc.constantFrom('saved' as const, 'failed' as const, 'skipped' as const), changeKey: fc.constantFrom('CK1', 'CK9', null), attempts: fc.integer({ min: 0, max: 7 }) }),
    { nil: undefined },
  );
  const arbContext = fc.record({
    folder: fc.constantFrom<SyncedFolderKey>('inbox', 'sentitems', 'save', 'other'),
    user: fc.record({ autoSaveIncoming: fc.boolean(), autoSaveOutgoing: fc.boolean(), autoSaveThreads: fc.boolean() }),
    organization: fc.record({ initialWindowDays: fc.integer({ min: 0, max: 90 }), autoSaveInternal: fc.boolean(), maxItemAttempts: fc.integer({ min: 1, max: 6 }) }),
    blocked: fc.subarray(['nordwind.example', 'spam.example', 'katrin@fabrikam.example', 'contoso.example']),
    known: arbKnown,
    threadSaved: fc.boolean(),
  });
  type ArbContext = typeof arbContext extends fc.Arbitrary<infer T> ? T : never;
  const build = (c: ArbContext): DecisionContext =>
    context({ folder: c.folder, user: c.user, organization: c.organization, known: c.known, threadSaved: c.threadSaved, isBlocked: blocklistMatcher({ organization: c.blocked, user: [] }, [ME]) });

  test('an email saved before is never saved again, and nothing is ever deleted', () => {
    fc.assert(
      fc.property(arbMessage, arbContext, (m, c) => {
        const d = decideEmail(m, build(c));
        expect(['save', 'retry', 'skip', 'ignore']).toContain(d.action);
        if (c.known?.status === 'saved') expect(d).toEqual({ action: 'ignore', reason: 'already-saved' });
      }),
    );
  });

  test('automatic saving never saves mail with a blocked participant, nor internal mail unless allowed', () => {
    fc.assert(
      fc.property(arbMessage, arbContext, (m, c) => {
        const ctx = build(c);
        const d = decideEmail(m, ctx);
        if ((d.action === 'save' || d.action === 'retry') && !d.explicit) {
          const people = [m.from, ...m.to, ...m.cc].filter(Boolean).map((a) => a!.address);
          expect(people.filter((p) => p !== ME).some((p) => ctx.isBlocked(p))).toBe(false);
          if (!c.organization.autoSaveInternal) expect(isInternal(people, ctx.ownDomains)).toBe(false);
          expect(Math.floor(Date.parse(m.receivedAt!) / 1000)).toBeGreaterThanOrEqual(Math.floor(BASELINE.getTime() / 1000));
        }
      }),
    );
  });

  test('without a trigger nothing is saved; with the category or the save folder something always happens unless known', () => {
    fc.assert(
      fc.property(arbMessage, arbContext, (m, c) => {
        const d = decideEmail(m, build(c));
        const hasCategory = m.categories.includes(TRIGGER);
        if (!hasCategory && c.folder !== 'save' && !c.user.autoSaveIncoming && !c.user.autoSaveOutgoing && !c.user.autoSaveThreads) {
          expect(d.action === 'save' || d.action === 'retry').toBe(false);
        }
        if ((hasCategory || c.folder === 'save') && !m.isDraft && c.known === undefined) expect(d.action === 'save' || d.action === 'skip').toBe(true);
      }),
    );
  });

  test('removing the category from a saved email only ever leads to ignore', () => {
    fc.assert(
      fc.property(arbMessage, arbContext, (m, c) => {
        const after = decideEmail({ ...m, categories: m.categories.filter((x) => x !== TRIGGER), changeKey: 'CK-new' }, build({ ...c, known: { status: 'saved', changeKey: m.changeKey, attempts: 1 } }));
        expect(after.action).toBe('ignore');
      }),
    );
  });

  test('a failed email is retried at most maxItemAttempts times', () => {
    fc.assert(
      fc.property(arbMessage, arbContext, fc.integer({ min: 0, max: 10 }), (m, c, attempts) => {
        const d = decideEmail(m, build({ ...c, known: { status: 'failed', changeKey: 'other', attempts } }));
        if (attempts >= c.organization.maxItemAttempts) expect(d.action).toBe('ignore');
        if (d.action === 'save') throw new Error('a failed email is retried, not saved fresh');
      }),
    );
  });

  test('the organization defaults are what the decision table assumes', () => {
    expect(ORGANIZATION_SYNC_DEFAULTS).toMatchObject({ initialWindowDays: 30, autoSaveInternal: false, maxItemAttempts: 5, triggerCategoryAfterSave: 'keep' });
  });
});
