/**
 * Two-way mirroring settings and status (E4–E6, E10, E11), shared by the relay, the admin console and the sidebar.
 * The organization's settings live in organizations.settings.mirror; what is missing or invalid takes the defaults.
 */
import { z } from 'zod';

export const MIRROR_KIND_NAMES = ['appointment', 'task', 'contact', 'account', 'individualCustomer'] as const;
export const DIRECTIONS = ['both', 'to-c4c', 'to-mailbox', 'none'] as const;
export const CONFLICT_RULES = ['mailbox-wins', 'c4c-wins', 'latest-wins'] as const;

export const MIRROR_DEFAULTS = {
  /** The organization's kill switch (the relay has a global one: MIRROR_ENABLED=false). */
  enabled: true,
  /** Documented default: the latest change wins (both sides are people editing; neither is the master). */
  conflictRule: 'latest-wins' as (typeof CONFLICT_RULES)[number],
  /** Calendar window: events from this many days back; the future is open (SSI's sliding window). */
  calendarDaysBack: 30,
  /** Deletions one session may apply per kind before it stops with a warning. */
  maxDeletionsPerSession: 50,
  /** Which C4C contacts / accounts / individual customers a user gets in the mailbox. */
  contactFilter: 'owned-or-team' as 'owned' | 'owned-or-team' | 'all',
  /** Records of one kind one user gets at most; the rest are counted and shown, never dropped silently. */
  contactLimit: 10000,
  /** C4C → mailbox only for contacts: mailbox edits are not uploaded and are reverted from C4C. */
  readOnlyContacts: false,
  /** Per kind, per field: direction overrides of the mapping table (validated against the table). */
  directions: {} as Partial<Record<(typeof MIRROR_KIND_NAMES)[number], Record<string, (typeof DIRECTIONS)[number]>>>,
};

export const MirrorSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  conflictRule: z.enum(CONFLICT_RULES),
  calendarDaysBack: z.number().int().min(0).max(365),
  maxDeletionsPerSession: z.number().int().min(0).max(100000),
  contactFilter: z.enum(['owned', 'owned-or-team', 'all']),
  contactLimit: z.number().int().min(1).max(100000),
  readOnlyContacts: z.boolean(),
  directions: z.partialRecord(z.enum(MIRROR_KIND_NAMES), z.record(z.string().max(64), z.enum(DIRECTIONS))),
});
export type MirrorSettings = z.infer<typeof MirrorSettingsSchema>;

/** The organization's stored mirror settings with defaults for what is missing or invalid. */
export function mirrorSettings(stored: unknown): MirrorSettings {
  const base: MirrorSettings = { ...MIRROR_DEFAULTS, directions: {} };
  if (typeof stored !== 'object' || stored === null) return base;
  const parsed = MirrorSettingsSchema.safeParse({ ...base, ...(stored as Record<string, unknown>) });
  return parsed.success ? parsed.data : base;
}

/** Per kind, what the status screen shows. */
export const MirrorKindStatusSchema = z.object({
  kind: z.enum(MIRROR_KIND_NAMES),
  linked: z.number().int().nonnegative(),
  detached: z.number().int().nonnegative(),
  conflicts: z.number().int().nonnegative(),
  beyondLimit: z.number().int().nonnegative(),
});
export type MirrorKindStatus = z.infer<typeof MirrorKindStatusSchema>;

/** One row of an effective mapping table (admin API, console, README). */
export const MirrorFieldRowSchema = z.object({
  field: z.string(),
  label: z.string(),
  mailboxProperty: z.string(),
  c4cProperty: z.string(),
  defaultDirection: z.enum(DIRECTIONS),
  /** The default with the organization's override applied. */
  direction: z.enum(DIRECTIONS),
  configurable: z.boolean(),
  transform: z.string().nullable(),
  exception: z.string().nullable(),
});
export type MirrorFieldRow = z.infer<typeof MirrorFieldRowSchema>;

export const MirrorTableSchema = z.object({
  kind: z.enum(MIRROR_KIND_NAMES),
  c4cEntitySet: z.string(),
  mailboxFolder: z.string(),
  fields: z.array(MirrorFieldRowSchema),
});
export type MirrorTable = z.infer<typeof MirrorTableSchema>;

/** GET / PUT /api/admin/organizations/:orgId/mirror-settings: the settings and the effective mapping tables. */
export const MirrorSettingsResponseSchema = z.object({
  settings: MirrorSettingsSchema,
  tables: z.array(MirrorTableSchema),
});
export type MirrorSettingsResponse = z.infer<typeof MirrorSettingsResponseSchema>;
