/**
 * Settings presets (A8) and the organization's sync settings, as the admin console and the relay's admin API see
 * them. A preset is a named, partial user sync profile; applying it to the organization (every user, and users added
 * later) or to chosen users either keeps each user's own changes or overrides them.
 */
import { z } from 'zod';
import { OrganizationSyncSettingsSchema, UserSyncSettingsSchema } from './sync';

export const PresetSettingsSchema = UserSyncSettingsSchema.partial();

export const PresetNameSchema = z
  .string()
  .trim()
  .min(1, 'A preset needs a name')
  .max(80, 'At most 80 characters')
  .refine((name) => !name.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name), 'Not a valid name');

export const PresetSchema = z.object({
  id: z.string(),
  name: z.string(),
  settings: PresetSettingsSchema,
  /** Every user without a preset of their own follows it (users added later too). */
  isOrganizationDefault: z.boolean(),
  /** Users assigned this preset themselves (the organization default's followers are not counted here). */
  assignedUsers: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Preset = z.infer<typeof PresetSchema>;

export const PresetListResponseSchema = z.object({ presets: z.array(PresetSchema) });
export type PresetListResponse = z.infer<typeof PresetListResponseSchema>;

export const PresetCreateRequestSchema = z.strictObject({
  name: PresetNameSchema,
  settings: PresetSettingsSchema.refine((s) => Object.keys(s).length > 0, 'A preset sets at least one setting'),
});
export type PresetCreateRequest = z.infer<typeof PresetCreateRequestSchema>;

export const PresetUpdateRequestSchema = z.strictObject({
  name: PresetNameSchema.optional(),
  settings: PresetSettingsSchema.refine((s) => Object.keys(s).length > 0, 'A preset sets at least one setting').optional(),
});
export type PresetUpdateRequest = z.infer<typeof PresetUpdateRequestSchema>;

export const PRESET_APPLY_MODES = ['keep', 'override'] as const;

export const PresetApplyRequestSchema = z.strictObject({
  target: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('organization') }),
    z.strictObject({ kind: z.literal('users'), userIds: z.array(z.guid()).min(1).max(10000) }),
  ]),
  /** keep: a setting the user changed stays as they set it. override: the preset's value replaces the user's own. */
  mode: z.enum(PRESET_APPLY_MODES),
});
export type PresetApplyRequest = z.infer<typeof PresetApplyRequestSchema>;

export const PresetApplyResponseSchema = z.object({
  /** Users now following the preset. */
  users: z.number().int().nonnegative(),
  /** Users whose own changes to the preset's settings were replaced (override only). */
  overridden: z.number().int().nonnegative(),
});
export type PresetApplyResponse = z.infer<typeof PresetApplyResponseSchema>;

export const PresetParamsSchema = z.object({ orgId: z.guid(), presetId: z.guid() });

/** GET / PUT of the organization's sync settings (PUT takes any subset; the answer is the whole object). */
export const OrganizationSyncSettingsResponseSchema = z.object({ settings: OrganizationSyncSettingsSchema });
export const OrganizationSyncSettingsUpdateSchema = OrganizationSyncSettingsSchema.partial().strict();
export type OrganizationSyncSettingsUpdate = z.infer<typeof OrganizationSyncSettingsUpdateSchema>;

/** A record the engine created for an unknown person or company (E8), for the "complete these" lists. */
export const AutoResolvedRecordSchema = z.object({
  kind: z.enum(['lead', 'contact', 'account']),
  objectId: z.string(),
  id: z.string(),
  /** The address (person) or domain (account) it was created for. */
  createdFor: z.string(),
  name: z.string().optional(),
  createdAt: z.string(),
  url: z.string().optional(),
});
export type AutoResolvedRecord = z.infer<typeof AutoResolvedRecordSchema>;
export const AutoResolvedListResponseSchema = z.object({ records: z.array(AutoResolvedRecordSchema) });
