/**
 * The contract of the sync engine's user-facing state (S6 "My sync settings", S7 "My sync status") and of the
 * organization's sync settings, shared by the relay (which validates with it) and the sidebar / admin console (which
 * parse responses with it).
 *
 * Routes (all need a signed-in, provisioned user; a user reaches only their own mailbox):
 *   GET  /api/me/sync/settings            → UserSyncSettingsResponse
 *   PUT  /api/me/sync/settings            UserSyncSettingsUpdate → UserSyncSettingsResponse
 *   GET  /api/me/sync/status              → SyncStatus
 *   POST /api/me/sync/pause | /resume     → SyncStatus
 *   POST /api/me/sync/now                 → SyncNowResponse (202)
 */
import { z } from 'zod';
import { MirrorKindStatusSchema } from './mirror';
import { storable } from './fields';

/** An address or a domain is at most 320 characters (RFC 5321: 64 + @ + 255); anything longer is refused, not stored. */
const ADDRESS_MAX = 320;

// ---------------------------------------------------------------------------------------------------------------
// The user's sync profile (S6)

export const USER_SYNC_SETTINGS_DEFAULTS = {
  autoSaveIncoming: false,
  autoSaveOutgoing: false,
  autoSaveCalendar: false,
  autoSaveThreads: false,
  syncTasks: false,
  syncContacts: false,
} as const;

export const UserSyncSettingsSchema = z.strictObject({
  /** Save every email that arrives in the inbox (after activation). */
  autoSaveIncoming: z.boolean(),
  /** Save every email the user sends. */
  autoSaveOutgoing: z.boolean(),
  /** Mirror calendar events without the category (used by the mirroring issue). */
  autoSaveCalendar: z.boolean(),
  /** Save new messages of a conversation that has a saved email. */
  autoSaveThreads: z.boolean(),
  syncTasks: z.boolean(),
  syncContacts: z.boolean(),
});
export type UserSyncSettings = z.infer<typeof UserSyncSettingsSchema>;

/** Most entries one blocklist (a user's or an organization's) may hold. */
export const MAX_BLOCKLIST_ENTRIES = 1000;

const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;
const ADDRESS = /^[^\s@]{1,64}@(?=.{1,253}$)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/;

/**
 * One blocklist entry: an address (`someone@example.com`) or a domain (`example.com` or `@example.com`), which also
 * covers its subdomains. Normalised to lower case; a domain is stored without its `@`.
 */
export const BlocklistEntrySchema = storable(z.string().max(ADDRESS_MAX))
  .trim()
  .toLowerCase()
  .transform((value) => (value.startsWith('@') ? value.slice(1) : value))
  .refine((value) => ADDRESS.test(value) || DOMAIN.test(value), { message: 'Not an email address or a domain (e.g. name@example.com or example.com)' });

export function blocklistEntryKind(entry: string): 'address' | 'domain' {
  return entry.includes('@') ? 'address' : 'domain';
}

export const UserSyncSettingsUpdateSchema = z.strictObject({
  settings: UserSyncSettingsSchema.partial().optional(),
  /** The whole personal blocklist (replaces the stored one). */
  blocklist: z.array(BlocklistEntrySchema).max(MAX_BLOCKLIST_ENTRIES).optional(),
});
export type UserSyncSettingsUpdate = z.input<typeof UserSyncSettingsUpdateSchema>;

export const UserSyncSettingsResponseSchema = z.object({
  settings: UserSyncSettingsSchema,
  blocklist: z.array(z.string()),
  /** The organization's own blocklist entries, shown read-only. */
  organizationBlocklist: z.array(z.string()),
  /** Changes apply from the next session; this is when it is due (absent when sync is not enabled). */
  effectiveFrom: z.string().optional(),
  /** The settings preset the user follows (A8) and which of the settings shown come from it (not changed by the user). */
  preset: z.object({ id: z.string(), name: z.string(), fields: z.array(z.string()) }).optional(),
  updatedAt: z.string().optional(),
});
export type UserSyncSettingsResponse = z.infer<typeof UserSyncSettingsResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The mailbox's sync state (S7, and the admin API)

export const MAILBOX_STATUSES = ['enabled', 'paused', 'suspended'] as const;
export const MAILBOX_STAGES = ['pending', 'setting-up', 'syncing', 'idle'] as const;
export const FAILURE_CLASSES = ['credentials-rejected', 'mailbox-not-found', 'c4c-unreachable', 'throttled', 'unknown'] as const;
export const RUN_TRIGGERS = ['schedule', 'manual', 'admin', 'resume', 'push'] as const;
export const RUN_OUTCOMES = ['running', 'succeeded', 'failed', 'abandoned'] as const;

export type MailboxStatus = (typeof MAILBOX_STATUSES)[number];
export type MailboxStage = (typeof MAILBOX_STAGES)[number];
export type FailureClass = (typeof FAILURE_CLASSES)[number];
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Counts per action of one session (absent keys are 0). */
export const RunCountsSchema = z.object({
  saved: z.number().int().nonnegative().optional(),
  alreadySaved: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  skipped: z.number().int().nonnegative().optional(),
  blocked: z.number().int().nonnegative().optional(),
  examined: z.number().int().nonnegative().optional(),
  foldersCreated: z.number().int().nonnegative().optional(),
  categoriesCreated: z.number().int().nonnegative().optional(),
  /** E8: people and companies created in C4C because they were unknown. */
  autoResolved: z.number().int().nonnegative().optional(),
  /** Two-way mirroring (all kinds together; the per-kind split is in the mirror status): items written to a side. */
  mirrorCreated: z.number().int().nonnegative().optional(),
  mirrorUpdated: z.number().int().nonnegative().optional(),
  mirrorDeleted: z.number().int().nonnegative().optional(),
  /** Pairs linked without writing (rebuilt links, meeting copies). */
  mirrorLinked: z.number().int().nonnegative().optional(),
  /** Field conflicts the organization's rule decided. */
  mirrorConflicts: z.number().int().nonnegative().optional(),
  /** Records in scope beyond a limit (counted and shown, not mirrored). */
  mirrorBeyondLimit: z.number().int().nonnegative().optional(),
});
export type RunCounts = z.infer<typeof RunCountsSchema>;

export const RunErrorSchema = z.object({ message: z.string(), subject: z.string().optional(), class: z.string().optional() });
export type RunError = z.infer<typeof RunErrorSchema>;

export const SyncRunSchema = z.object({
  id: z.string(),
  trigger: z.enum(RUN_TRIGGERS),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z.enum(RUN_OUTCOMES),
  failureClass: z.enum(FAILURE_CLASSES).optional(),
  counts: RunCountsSchema,
  errors: z.array(RunErrorSchema),
});
export type SyncRun = z.infer<typeof SyncRunSchema>;

export const ItemErrorSchema = z.object({
  subject: z.string(),
  internetMessageId: z.string(),
  error: z.string(),
  attempts: z.number().int(),
  /** Retried at the next session while true; false once the bounded retries are used up. */
  willRetry: z.boolean(),
  since: z.string(),
});
export type ItemError = z.infer<typeof ItemErrorSchema>;

export const SessionProgressSchema = z.object({
  step: z.string(),
  done: z.number().int().nonnegative().optional(),
  total: z.number().int().nonnegative().optional(),
});
export type SessionProgress = z.infer<typeof SessionProgressSchema>;

export const SyncStatusSchema = z.object({
  /** False when the mailbox was never activated; the other fields are then absent. */
  activated: z.boolean(),
  status: z.enum(MAILBOX_STATUSES).optional(),
  stage: z.enum(MAILBOX_STAGES).optional(),
  /** Set while a session runs. */
  progress: SessionProgressSchema.optional(),
  lastFailure: z
    .object({
      class: z.enum(FAILURE_CLASSES),
      message: z.string(),
      consecutive: z.number().int(),
      /** What the user (or admin) should do, in words. */
      advice: z.string(),
    })
    .optional(),
  suspendedReason: z.string().optional(),
  lastSessionAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  nextSessionAt: z.string().optional(),
  intervalMinutes: z.number().int().positive().optional(),
  recentRuns: z.array(SyncRunSchema),
  itemErrors: z.array(ItemErrorSchema),
  /** Two-way mirroring per kind (links by state, conflicts and records beyond the limit in the last session). */
  mirror: z.array(MirrorKindStatusSchema).optional(),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;

export const SyncNowResponseSchema = z.object({
  /** queued: a session will start within seconds; already-queued / running: one is waiting or running already. */
  result: z.enum(['queued', 'already-queued', 'running']),
  status: SyncStatusSchema,
});
export type SyncNowResponse = z.infer<typeof SyncNowResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The organization's sync settings (stored in organizations.settings.sync; edited by the admin console)

export const AUTO_RESOLVE_MODES = ['off', 'lead', 'contact'] as const;

export const ORGANIZATION_SYNC_DEFAULTS = {
  intervalMinutes: 30,
  /** Consecutive failures of one class before the mailbox is suspended, per class (transient classes never suspend). */
  suspendAfter: { 'credentials-rejected': 6, 'mailbox-not-found': 6, unknown: 12 },
  /** Sessions an email that failed to save is retried in before it keeps its error category. */
  maxItemAttempts: 5,
  /** How far back the first session looks for categorized emails and emails in the save folder, in days. */
  initialWindowDays: 30,
  /** Auto-save also mail whose participants are all in the organization's own domains. */
  autoSaveInternal: false,
  /** The organization's own mail domains (internal mail); empty = the domains of its users' addresses. */
  ownDomains: [] as string[],
  /** What happens to the trigger category after a save: keep it (and add "saved"), or swap it for "saved". */
  triggerCategoryAfterSave: 'keep' as 'keep' | 'swap',
  /** E8: people unknown to C4C met in saved emails and mirrored meetings are created as Leads or Contacts, or not. */
  autoResolve: 'off' as (typeof AUTO_RESOLVE_MODES)[number],
  /** E8: also create an Account from a corporate email domain no Account matches (never for free-mail domains). */
  autoResolveAccounts: false,
};

export const OrganizationSyncSettingsSchema = z.strictObject({
  intervalMinutes: z.number().int().min(1).max(24 * 60),
  suspendAfter: z.strictObject({
    'credentials-rejected': z.number().int().min(1).max(1000),
    'mailbox-not-found': z.number().int().min(1).max(1000),
    unknown: z.number().int().min(1).max(1000),
  }),
  maxItemAttempts: z.number().int().min(1).max(100),
  initialWindowDays: z.number().int().min(0).max(365),
  autoSaveInternal: z.boolean(),
  ownDomains: z.array(z.string().trim().toLowerCase().regex(DOMAIN, 'Not a domain')).max(100),
  triggerCategoryAfterSave: z.enum(['keep', 'swap']),
  autoResolve: z.enum(AUTO_RESOLVE_MODES),
  autoResolveAccounts: z.boolean(),
});
export type OrganizationSyncSettings = z.infer<typeof OrganizationSyncSettingsSchema>;

/** The organization's settings object (organizations.settings.sync), with defaults for what is missing or invalid. */
export function organizationSyncSettings(stored: unknown): OrganizationSyncSettings {
  const base = { ...ORGANIZATION_SYNC_DEFAULTS, suspendAfter: { ...ORGANIZATION_SYNC_DEFAULTS.suspendAfter } };
  if (typeof stored !== 'object' || stored === null) return base;
  const merged = { ...base, ...(stored as Record<string, unknown>) };
  const suspendAfter = (stored as { suspendAfter?: unknown }).suspendAfter;
  if (typeof suspendAfter === 'object' && suspendAfter !== null) merged.suspendAfter = { ...base.suspendAfter, ...suspendAfter };
  const parsed = OrganizationSyncSettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : base;
}

// ---------------------------------------------------------------------------------------------------------------
// The categories and folders the engine owns (E2)

export const SYNC_CATEGORIES = {
  /** The trigger: an email with it is saved; a meeting / task with it is mirrored. */
  trigger: { displayName: 'SAP Cloud for Customer', color: 'preset7' },
  saved: { displayName: 'SAP: Saved', color: 'preset4' },
  error: { displayName: 'SAP: Sync error', color: 'preset0' },
} as const;

/** Paths of the routes listed at the top (the relay mounts them under `prefix`). */
export const SYNC_ROUTES = {
  prefix: '/api/me/sync',
  settings: '/api/me/sync/settings',
  status: '/api/me/sync/status',
  pause: '/api/me/sync/pause',
  resume: '/api/me/sync/resume',
  now: '/api/me/sync/now',
  /** E8: records created automatically in the caller's sessions (to complete in C4C). */
  autoCreated: '/api/me/sync/auto-created',
} as const;
