/**
 * Mirror sessions of the calendar and task adapters through the real clients: EWS impersonation or Graph application
 * access against the Exchange emulator, the OData client against the C4C emulator, the link and meeting-owner tables
 * and the cursors on PGlite. A session is what the mirror step does (relay/sync/mirror/apply.ts "Session order"):
 * readViews → planMirror → applyPlan → commitCursors, driven here per user and kind.
 */
import crypto from 'node:crypto';
import { C4cClient } from '../../../relay/c4c/client';
import { createEwsMailbox } from '../../../relay/mailbox/ews';
import { openGraphMailbox } from '../../../relay/mailbox/graph';
import type { EventInput, Mailbox } from '../../../relay/mailbox/types';
import { applyPlan, commitCursors, readViews, type ApplyResult } from '../../../relay/sync/mirror/apply';
import { kindMapping } from '../../../relay/sync/mirror/mapping';
import { planMirror } from '../../../relay/sync/mirror/planner';
import { calendarAdapters } from '../../../relay/sync/mirror/adapters/calendar';
import { taskAdapters } from '../../../relay/sync/mirror/adapters/tasks';
import { DEFAULT_MIRROR_GUARDS, type ConflictRule, type MirrorLink, type PlanResult, type SideView } from '../../../relay/sync/mirror/types';
import { createMeetingOwnerRepository, createMirrorLinkRepository } from '../../../relay/store/mirror-links';
import type { SessionContext } from '../../../relay/sync/types';
import type { AttendeeAutoResolve } from '../../../relay/sync/mirror/auto-resolve-attendees';
import { MIRROR_DEFAULTS, type MirrorSettings } from '../../../shared/api/mirror';
import { SYNC_CATEGORIES, type RunCounts, type RunError } from '../../../shared/api/sync';
import { DEMO_EWS_SERVICE_ACCOUNT } from '../../emulators/demo-identities';
import { addSyncUser, useSyncTestbed, type SyncTestbed, type SyncUser } from '../email-session-helpers';

export const TRIGGER = SYNC_CATEGORIES.trigger.displayName;
export const DAY = 86_400_000;
export const modes = ['ews-impersonation', 'graph-app'] as const;
export type Mode = (typeof modes)[number];

export interface MirrorUser extends SyncUser {
  mode: Mode;
  employee: { objectId: string; employeeId: string; uuid?: string };
}

export interface MirrorSessionResult {
  plan: PlanResult;
  views: { mailbox: SideView; c4c: SideView };
  result?: ApplyResult;
  links: MirrorLink[];
}

export interface MirrorBed {
  tb: SyncTestbed;
  c4cClient(): C4cClient;
  /** A new mailbox (and user, and C4C employee with the same e-mail) of the organization. */
  newUser(mode: Mode, local?: string): Promise<MirrorUser>;
  session(user: MirrorUser, kind: 'appointment' | 'task', options?: { conflictRule?: ConflictRule; now?: Date; settings?: Partial<MirrorSettings>; autoResolve?: AttendeeAutoResolve }): Promise<MirrorSessionResult>;
  links(user: MirrorUser, kind: 'appointment' | 'task'): Promise<MirrorLink[]>;
  /** Meeting messages the Exchange server sent (sync must never cause one). */
  meetingMessages(): number;
}

export function useMirrorBed(): MirrorBed {
  const tb = useSyncTestbed();
  let client: C4cClient | undefined;
  afterAll(() => client?.close());
  const c4cClient = (): C4cClient => (client ??= new C4cClient({ serviceRoot: tb.c4c.serviceRoot, auth: { kind: 'basic', username: 'sandbox', password: 'sandbox' }, sleep: async () => undefined }));
  const openMailbox = (mode: Mode, address: string): Mailbox => {
    const mailbox =
      mode === 'ews-impersonation'
        ? createEwsMailbox(address, { kind: 'ews-impersonation', ewsUrl: tb.bed.exchange.ewsUrl, username: DEMO_EWS_SERVICE_ACCOUNT.username, password: DEMO_EWS_SERVICE_ACCOUNT.password })
        : openGraphMailbox(address, tb.bed.appAccess(), tb.bed.options());
    tb.opened.push(mailbox);
    return mailbox;
  };
  return {
    tb,
    c4cClient,
    async newUser(mode, local) {
      const address = `${local ?? 'u'}${crypto.randomBytes(4).toString('hex')}@contoso.example`;
      tb.bed.addMailbox(address, `User ${address.slice(0, 6)}`);
      tb.bed.exchange.store.grantImpersonation(DEMO_EWS_SERVICE_ACCOUNT.username, address);
      const user = await addSyncUser(tb.world, address, openMailbox(mode, address));
      const [employee] = tb.c4c.control.seed('EmployeeCollection', [{ FirstName: 'User', LastName: address.slice(0, 9), Email: address }]) as { ObjectID: string; EmployeeID: string; UUID?: string }[];
      return { ...user, mode, employee: { objectId: employee.ObjectID, employeeId: employee.EmployeeID, uuid: employee.UUID } };
    },
    async session(user, kind, options = {}) {
      const db = tb.db;
      const org = tb.world.organizationId;
      const linkRepo = createMirrorLinkRepository(db);
      const owners = createMeetingOwnerRepository(db);
      const settings: MirrorSettings = { ...MIRROR_DEFAULTS, directions: {}, ...options.settings };
      if (options.conflictRule) settings.conflictRule = options.conflictRule;
      const counts: RunCounts = {};
      const errors: RunError[] = [];
      const now = options.now;
      const ctx: SessionContext = {
        mailbox: user.mailbox,
        state: { userId: user.userId, organizationId: org, address: user.address, displayName: user.displayName, setup: {} },
        organizationSettings: user.organizationSettings,
        userSettings: user.userSettings,
        blocklists: user.blocklists,
        cursors: tb.world.mailboxes.cursors(org, user.userId),
        recordSetup: async () => undefined,
        progress: () => undefined,
        count: (key, by = 1) => {
          counts[key] = (counts[key] ?? 0) + by;
        },
        itemError: (error) => errors.push(error),
        shouldStop: () => false,
        now: () => now ?? new Date(),
      };
      const links = await linkRepo.list(org, user.userId, kind);
      const c4c = c4cClient();
      const autoResolve = options.autoResolve;
      const common = { ctx, c4c, settings, owners, employee: user.employee, links, ...(autoResolve ? { autoResolve: (people: { address: string; name?: string }[]) => autoResolve(ctx, people) } : {}) };
      const pair = kind === 'appointment' ? await calendarAdapters({ ...common, kind, mapping: kindMapping('appointment', settings) }) : await taskAdapters({ ...common, kind, mapping: kindMapping('task', settings) });
      const mapping = kindMapping(kind, settings);
      const views = await readViews(pair.mailbox, pair.c4c, links);
      const rules = { conflictRule: settings.conflictRule, directions: mapping.directions, c4cDeletable: true };
      const plan = planMirror({ kind, links, mailbox: views.mailbox, c4c: views.c4c, rules, guards: DEFAULT_MIRROR_GUARDS });
      if (!plan.ok) return { plan, views, links };
      const result = await applyPlan(plan.actions, { organizationId: org, userId: user.userId, kind, mailbox: pair.mailbox, c4c: pair.c4c, links: linkRepo, rules });
      if (result.errors.length > 0 && process.env.MIRROR_TEST_LOG) console.log(result.errors);
      await commitCursors(result, pair);
      return { plan, views, result, links: await linkRepo.list(org, user.userId, kind) };
    },
    links: (user, kind) => createMirrorLinkRepository(tb.db).list(tb.world.organizationId, user.userId, kind),
    meetingMessages: () => tb.bed.exchange.store.sentMeetingMessages.length,
  };
}

/** An event as Outlook would create it: UTC times, no attendees unless given, the trigger category. */
export function eventInput(subject: string, start: Date, hours = 1, extra: Partial<EventInput> = {}): EventInput {
  return {
    subject,
    start: start.toISOString(),
    end: new Date(start.getTime() + hours * 3600_000).toISOString(),
    timeZone: 'UTC',
    isAllDay: false,
    attendees: [],
    sensitivity: 'normal',
    categories: [TRIGGER],
    ...extra,
  };
}

/** Whole hours from now (tests never depend on slot boundaries: only on "days ahead / behind"). */
export function hoursFromNow(hours: number): Date {
  const d = new Date(Date.now() + hours * 3600_000);
  d.setUTCMinutes(0, 0, 0);
  return d;
}
