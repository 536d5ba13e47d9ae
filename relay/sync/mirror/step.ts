/**
 * The mirror step of a session (E4, E5, E6, E10, E11) as a SessionStep named 'mirror'. Runs after 'setup' and
 * 'email'. Per session:
 *
 *   0. kill switches: the relay's global one (config / MIRROR_ENABLED=false) and the organization's
 *      (MirrorSettings.enabled); either off → nothing is read or written;
 *   1. the kinds the user's settings turn on: appointment always (categorized events; all events with
 *      `autoSaveCalendar`, which the calendar adapter reads), task with `syncTasks`, contact / account /
 *      individualCustomer with `syncContacts`;
 *   2. once: the user's C4C Employee by e-mail (EmployeeCollection), for owner / team scopes;
 *   3. per kind: read the links → build the adapter pair (the kind's AdapterFactory) → read both sides
 *      (readViews, with counterparts for re-linking) → pair unstamped new items by content (kinds whose C4C records
 *      carry no stamp) → planMirror → a tripped guard records a warning and stops the kind (nothing applied, cursors
 *      kept) → applyPlan (links written per item; independent items in a few lanes at once) → commit both cursors only
 *      when every action was applied → counts, conflicts logged per item, the kind's figures for the status screen.
 *
 * A kind that cannot run (no C4C employee for a per-user scope) or fails is reported as a run error and stopped; the
 * other kinds still run. A transient failure (throttled, unreachable) then fails the session, which the runner
 * classifies and backs off; what was applied stays linked.
 */
import type { Logger } from '../../log';
import type { C4cClient } from '../../c4c/client';
import { eq } from '../../c4c/query';
import type { MirrorSettings } from '../../../shared/api/mirror';
import type { RunCounts, UserSyncSettings } from '../../../shared/api/sync';
import type { MirrorKindStatusRepository } from '../../store/mirror-links';
import { classifyFailure } from '../classify';
import type { SessionContext, SessionStep } from '../types';
import { applyPlan, commitCursors, readViews, type ApplyOptions, type ApplyResult } from './apply';
import { calendarAdapters } from './adapters/calendar';
import { contactsAdapterFactory, CONTACT_KINDS, MirrorScopeError } from './adapters/contacts';
import { taskAdapters } from './adapters/tasks';
import type { AdapterDeps, AdapterFactory } from './adapters/types';
import type { AttendeeAutoResolve } from './auto-resolve-attendees';
import { canonicalJson, kindMapping } from './mapping';
import type { KindMapping } from './mapping/types';
import { planMirror } from './planner';
import { DEFAULT_MIRROR_GUARDS, type MeetingOwnerRepository, type MirrorAction, type MirrorGuards, type MirrorKind, type MirrorLink, type MirrorLinkRepository, type MirrorRules, type SideView } from './types';

/** The relay's global kill switch: MIRROR_ENABLED=false stops mirroring in every organization. */
export function mirrorGloballyEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MIRROR_ENABLED !== 'false';
}

export type MirrorFactories = { [K in MirrorKind]?: AdapterFactory<K> };

export const DEFAULT_FACTORIES: MirrorFactories = {
  appointment: calendarAdapters,
  task: taskAdapters,
  contact: contactsAdapterFactory,
  account: contactsAdapterFactory,
  individualCustomer: contactsAdapterFactory,
};

export interface MirrorStepOptions {
  links: MirrorLinkRepository;
  owners: MeetingOwnerRepository;
  figures: MirrorKindStatusRepository;
  /** The organization's C4C client (relay/c4c/port-cache.ts c4cClientCache). */
  c4cFor(organizationId: string): Promise<C4cClient>;
  /** The organization's mirror settings (organizations.settings.mirror with defaults). */
  mirrorSettingsFor(organizationId: string): Promise<MirrorSettings>;
  /** The organization's user mail domains (calendar: internal organizers). */
  organizationDomains?(organizationId: string): Promise<string[]>;
  /** E8: creates meeting attendees C4C does not know, when the organization auto-resolves (auto-resolve-attendees.ts). */
  autoResolve?: AttendeeAutoResolve;
  /** Default: calendar, tasks and contacts. */
  factories?: MirrorFactories;
  /** Default: mirrorGloballyEnabled(). */
  globalEnabled?: () => boolean;
  /** Independent items applied at once per kind. Default 8 (the EWS account limiter caps the mailbox side anyway). */
  concurrency?: number;
  guards?: Partial<MirrorGuards>;
  logger?: Logger;
}

const CONTACT_KIND_SET = new Set<MirrorKind>(CONTACT_KINDS);

/** The kinds the user's settings turn on, in session order. */
export function enabledKinds(user: Pick<UserSyncSettings, 'syncTasks' | 'syncContacts'>): MirrorKind[] {
  return ['appointment', ...(user.syncTasks ? (['task'] as const) : []), ...(user.syncContacts ? CONTACT_KINDS : [])];
}

/** The user's C4C Employee by e-mail (exact, then lower case), or undefined. */
export async function resolveEmployee(c4c: C4cClient, address: string): Promise<AdapterDeps<MirrorKind>['employee']> {
  for (const candidate of [...new Set([address, address.toLowerCase()])]) {
    const page = await c4c.query<string, { ObjectID: string; EmployeeID?: string; UUID?: string | null }>('EmployeeCollection', {
      filter: eq('Email', candidate),
      select: ['ObjectID', 'EmployeeID', 'UUID'],
      top: 1,
    });
    const found = page.results[0];
    if (found?.EmployeeID) return { objectId: found.ObjectID, employeeId: found.EmployeeID, ...(found.UUID ? { uuid: found.UUID } : {}) };
  }
  return undefined;
}

/**
 * Kinds whose C4C records carry no stamp (contacts): a new, unstamped mailbox item and a new C4C record with the same
 * values in every two-way field are one pair — what a crash between the two writes of a create leaves behind, or a
 * folder a user filled by hand with the same records. The mailbox item is given the record's id as its stamp so the
 * planner links the two (N1) instead of creating each on the other side. Only one-to-one matches are paired.
 */
export function pairByContent(views: { mailbox: SideView; c4c: SideView }, links: MirrorLink[], mapping: Pick<KindMapping<MirrorKind>, 'directions'>): { mailboxId: string; c4cId: string }[] {
  const twoWay = Object.entries(mapping.directions).filter(([, d]) => d === 'both').map(([f]) => f).sort();
  if (twoWay.length === 0) return [];
  const linkedM = new Set(links.flatMap((l) => (l.mailboxId ? [l.mailboxId] : [])));
  const linkedC = new Set(links.flatMap((l) => (l.c4cId ? [l.c4cId] : [])));
  const stampedTargets = new Set(views.mailbox.changed.flatMap((i) => (i.stampedWith ? [i.stampedWith] : [])));
  const keyOf = (fields: Record<string, unknown>): string => canonicalJson(Object.fromEntries(twoWay.map((f) => [f, (fields[f] ?? null) as never])));
  const group = <T>(items: T[], key: (t: T) => string): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const item of items) {
      const k = key(item);
      const list = out.get(k);
      if (list) list.push(item);
      else out.set(k, [item]);
    }
    return out;
  };
  const mailbox = group(views.mailbox.changed.filter((i) => !linkedM.has(i.id) && i.stampedWith === undefined), (i) => keyOf(i.fields));
  const c4c = group(views.c4c.changed.filter((i) => !linkedC.has(i.id) && !stampedTargets.has(i.id) && i.stampedWith === undefined), (i) => keyOf(i.fields));
  const paired: { mailboxId: string; c4cId: string }[] = [];
  for (const [key, items] of mailbox) {
    const match = c4c.get(key);
    if (items.length !== 1 || match?.length !== 1) continue;
    items[0].stampedWith = match[0].id;
    paired.push({ mailboxId: items[0].id, c4cId: match[0].id });
  }
  return paired;
}

/** The actions of one item stay together (the planner puts a link's two updates next to each other). */
function groupByItem(actions: MirrorAction[]): MirrorAction[][] {
  const groups: MirrorAction[][] = [];
  for (const a of actions) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (prev && prev.type === 'update' && a.type === 'update' && prev.link === a.link) last.push(a);
    else groups.push([a]);
  }
  return groups;
}

/**
 * applyPlan over `lanes` disjoint shares of the items at once (each lane in plan order; items are independent: one
 * link each). The results are merged; cursors may commit only when every lane applied everything.
 */
export async function applyInLanes(actions: MirrorAction[], options: ApplyOptions, lanes: number): Promise<ApplyResult> {
  const groups = groupByItem(actions);
  const count = Math.max(1, Math.min(lanes, groups.length));
  const shares: MirrorAction[][] = Array.from({ length: count }, () => []);
  groups.forEach((g, i) => shares[i % count].push(...g));
  const results = await Promise.all(shares.map((share) => applyPlan(share, options)));
  const merged = results[0] ?? (await applyPlan([], options));
  for (const r of results.slice(1)) {
    for (const k of Object.keys(merged.counts) as (keyof ApplyResult['counts'])[]) merged.counts[k] += r.counts[k];
    merged.failed += r.failed;
    merged.errors.push(...r.errors);
    merged.conflicts.push(...r.conflicts);
    merged.log.push(...r.log);
    merged.stopped ||= r.stopped;
    merged.cursorsMayCommit &&= r.cursorsMayCommit;
  }
  return merged;
}

const COUNT_OF: Partial<Record<MirrorAction['type'], keyof RunCounts>> = { create: 'mirrorCreated', update: 'mirrorUpdated', delete: 'mirrorDeleted', link: 'mirrorLinked' };

export function createMirrorStep(options: MirrorStepOptions): SessionStep {
  const factories = options.factories ?? DEFAULT_FACTORIES;
  const globalEnabled = options.globalEnabled ?? (() => mirrorGloballyEnabled());
  const lanes = Math.max(1, options.concurrency ?? 8);

  async function mirrorKind<K extends MirrorKind>(ctx: SessionContext, kind: K, factory: AdapterFactory<K>, shared: Omit<AdapterDeps<K>, 'kind' | 'mapping' | 'links'>): Promise<void> {
    const { organizationId: org, userId: user } = ctx.state;
    const log = options.logger?.child({ organizationId: org, userId: user, kind });
    ctx.progress({ step: `mirror: ${kind}` });
    const links = await options.links.list(org, user, kind);
    const mapping = kindMapping(kind, shared.settings);
    const pair = await factory({ ...shared, kind, mapping, links });
    let views: { mailbox: SideView; c4c: SideView };
    try {
      views = await readViews(pair.mailbox, pair.c4c, links);
    } catch (error) {
      if (!(error instanceof MirrorScopeError)) throw error;
      ctx.itemError({ class: 'mirror-scope', message: error.message });
      await options.figures.record(org, user, { kind, conflicts: 0, beyondLimit: 0, guard: 'scope: no C4C employee' });
      return;
    }
    const contactKind = CONTACT_KIND_SET.has(kind);
    const pairedByContent = contactKind ? pairByContent(views, links, mapping) : [];
    const beyondLimit = (views.mailbox.beyondLimit ?? 0) + (views.c4c.beyondLimit ?? 0);
    if (beyondLimit > 0) ctx.count('mirrorBeyondLimit', beyondLimit);
    const rules: MirrorRules = {
      conflictRule: shared.settings.conflictRule,
      directions: mapping.directions,
      ...(contactKind && shared.settings.readOnlyContacts ? { readOnlyMailbox: true } : {}),
      // C4C contacts, accounts and individual customers are not deletable (sap:deletable="false").
      c4cDeletable: !contactKind,
    };
    const guards: MirrorGuards = { ...DEFAULT_MIRROR_GUARDS, maxDeletionsPerSession: shared.settings.maxDeletionsPerSession, ...options.guards };
    const plan = planMirror({ kind, links, mailbox: views.mailbox, c4c: views.c4c, rules, guards });
    if (!plan.ok) {
      // Nothing applied, cursors kept: the same changes come back next session, once the cause is gone.
      ctx.itemError({ class: `mirror-${plan.guard}`, message: `${kind}: ${plan.message}` });
      log?.warn({ guard: plan.guard, side: plan.side, wouldApply: plan.actions.length }, 'mirror guard tripped; nothing applied for this kind');
      await options.figures.record(org, user, { kind, conflicts: 0, beyondLimit, guard: `${plan.guard}: ${plan.side}` });
      return;
    }
    const controller = new AbortController();
    const watch = setInterval(() => {
      if (ctx.shouldStop()) controller.abort();
    }, 100);
    watch.unref();
    let result: ApplyResult;
    try {
      result = await applyInLanes(plan.actions, { organizationId: org, userId: user, kind, mailbox: pair.mailbox, c4c: pair.c4c, links: options.links, rules, signal: controller.signal, now: () => ctx.now() }, lanes);
    } finally {
      clearInterval(watch);
    }
    for (const [type, key] of Object.entries(COUNT_OF) as [MirrorAction['type'], keyof RunCounts][]) if (result.counts[type] > 0) ctx.count(key, result.counts[type]);
    if (result.conflicts.length > 0) ctx.count('mirrorConflicts', result.conflicts.length);
    for (const line of result.log) {
      // E11: every conflict decision, per item.
      if (line.conflicts?.length) log?.info({ action: line.action, mailboxId: line.mailboxId, c4cId: line.c4cId, conflicts: line.conflicts }, 'mirror conflict decided');
    }
    for (const error of result.errors) ctx.itemError({ class: 'mirror-item', message: `${kind} ${error.action}${error.target ? ` in ${error.target === 'c4c' ? 'C4C' : 'the mailbox'}` : ''}: ${error.message}` });
    // A pair joined by content carries no stamp yet: stamp the mailbox item now, so a lost link table finds it.
    if (pairedByContent.length > 0) {
      const current = new Map((await options.links.list(org, user, kind)).flatMap((l) => (l.mailboxId ? [[l.mailboxId, l] as const] : [])));
      for (const p of pairedByContent) {
        const link = current.get(p.mailboxId);
        if (link?.c4cId !== p.c4cId || link.state !== 'linked') continue;
        const ref = await ctx.mailbox.setC4cObjectId(p.mailboxId, 'contact', p.c4cId);
        await options.links.put(org, user, { ...link, mailboxStamp: ref.changeKey, updatedAt: ctx.now().toISOString() });
      }
    }
    await commitCursors(result, pair);
    await options.figures.record(org, user, { kind, conflicts: result.conflicts.length, beyondLimit });
    log?.debug({ counts: result.counts, failed: result.failed }, 'mirror kind done');
  }

  return {
    name: 'mirror',
    async run(ctx: SessionContext): Promise<void> {
      if (!globalEnabled()) return;
      const org = ctx.state.organizationId;
      const settings = await options.mirrorSettingsFor(org);
      if (!settings.enabled) return;
      const kinds = enabledKinds(ctx.userSettings).filter((k) => factories[k] !== undefined);
      if (kinds.length === 0) return;
      const c4c = await options.c4cFor(org);
      const employee = await resolveEmployee(c4c, ctx.state.address);
      const organizationDomains = options.organizationDomains;
      let transient: unknown;
      for (const kind of kinds) {
        if (ctx.shouldStop()) return;
        const autoResolve = options.autoResolve;
        const shared = {
          ctx,
          c4c,
          settings,
          owners: options.owners,
          ...(employee ? { employee } : {}),
          ...(organizationDomains ? { organizationDomains: () => organizationDomains(org) } : {}),
          ...(autoResolve && ctx.organizationSettings.autoResolve !== 'off' ? { autoResolve: (people: { address: string; name?: string }[]) => autoResolve(ctx, people) } : {}),
        };
        try {
          await mirrorKind(ctx, kind, factories[kind] as AdapterFactory<typeof kind>, shared);
        } catch (error) {
          // One kind failing stops that kind only (what it applied stays linked); the others still run. A transient
          // failure (throttling, C4C or the mailbox server unreachable) then fails the session, so it backs off.
          const failure = classifyFailure(error);
          ctx.itemError({ class: `mirror-${failure.class}`, message: `${kind}: ${failure.message}` });
          options.logger?.warn({ organizationId: org, userId: ctx.state.userId, kind, failureClass: failure.class, message: failure.message }, 'mirroring a kind failed');
          if (failure.transient) transient ??= error;
        }
      }
      if (transient !== undefined) throw transient;
    },
  };
}
