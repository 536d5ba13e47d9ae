/**
 * The contract between the sandbox Outlook page (addin/sandbox/, served at /sandbox.html) and the relay's sandbox-only
 * routes. These routes exist only when the relay runs in sandbox mode: they expose the Exchange emulator's demo
 * mailboxes as plain JSON, the demo users, and mint Entra-emulator tokens for the simulated NAA host.
 */
import { z } from 'zod';

export const SandboxAddressSchema = z.object({
  address: z.string().min(1),
  name: z.string().optional(),
});
export type SandboxAddress = z.infer<typeof SandboxAddressSchema>;

export const SandboxAttachmentSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  contentType: z.string(),
  /** Decoded size in bytes. */
  size: z.number().int().nonnegative(),
  contentBase64: z.string(),
  isInline: z.boolean().optional(),
});
export type SandboxAttachment = z.infer<typeof SandboxAttachmentSchema>;

const ItemBaseSchema = z.object({
  /** EWS item id in the selected user's mailbox. */
  itemId: z.string().min(1),
  internetMessageId: z.string().optional(),
  conversationId: z.string().optional(),
  subject: z.string(),
  from: SandboxAddressSchema.optional(),
  to: z.array(SandboxAddressSchema).default([]),
  cc: z.array(SandboxAddressSchema).default([]),
  /** ISO 8601 instant. */
  dateTimeCreated: z.string(),
  dateTimeModified: z.string().optional(),
  bodyHtml: z.string(),
  attachments: z.array(SandboxAttachmentSchema).default([]),
  /** Outlook categories of the item (the sync engine saves an email that carries "SAP Cloud for Customer"). */
  categories: z.array(z.string()).default([]),
});

export const SandboxMessageSchema = ItemBaseSchema.extend({
  kind: z.literal('message'),
  internetMessageId: z.string().min(1),
  from: SandboxAddressSchema,
});
export type SandboxMessage = z.infer<typeof SandboxMessageSchema>;

export const SandboxAppointmentSchema = ItemBaseSchema.extend({
  kind: z.literal('appointment'),
  start: z.string(),
  end: z.string(),
  location: z.string().default(''),
  organizer: SandboxAddressSchema,
  requiredAttendees: z.array(SandboxAddressSchema).default([]),
  optionalAttendees: z.array(SandboxAddressSchema).default([]),
  /** iCalendar UID (Graph `iCalUId`); absent to simulate hosts that do not expose it. */
  iCalUId: z.string().optional(),
  isAllDay: z.boolean().default(false),
  /** IANA zone the meeting was created in; the simulated host reports it as the user's time zone. */
  timeZone: z.string().optional(),
});
export type SandboxAppointment = z.infer<typeof SandboxAppointmentSchema>;

export const SandboxItemSchema = z.discriminatedUnion('kind', [SandboxMessageSchema, SandboxAppointmentSchema]);
export type SandboxItem = z.infer<typeof SandboxItemSchema>;

/** GET /sandbox/api/items?userOid=<oid> → the items of that user's demo mailbox, newest first. */
export const SandboxItemsResponseSchema = z.array(SandboxItemSchema);

export const SandboxUserSchema = z.object({
  oid: z.string().min(1),
  displayName: z.string(),
  email: z.string(),
});
export type SandboxUser = z.infer<typeof SandboxUserSchema>;

/** GET /sandbox/api/users → the demo users the sandbox can sign in as. */
export const SandboxUsersResponseSchema = z.array(SandboxUserSchema);

/** POST /sandbox/api/token: what the simulated NAA host asks for. */
export const SandboxTokenRequestSchema = z.object({
  userOid: z.string().min(1),
  scopes: z.array(z.string().min(1)).min(1),
});
export type SandboxTokenRequest = z.infer<typeof SandboxTokenRequestSchema>;

export const SandboxTokenResponseSchema = z.object({
  /** A v2 access token for the relay API signed by the Entra emulator. */
  accessToken: z.string().min(1),
  /** ISO 8601 instant the access token expires. */
  expiresOn: z.string(),
  /**
   * An ID token of the same user (msal-browser reads its claims for the account). When the relay leaves it out the
   * simulated host builds an unsigned one from `account`, which msal-browser only decodes, never verifies.
   */
  idToken: z.string().optional(),
  account: z.object({
    homeAccountId: z.string().optional(),
    /** Authority host, e.g. login.microsoftonline.com (the emulator's host in the sandbox). */
    environment: z.string().min(1),
    tenantId: z.string().min(1),
    /** preferred_username */
    username: z.string().min(1),
    /** oid */
    localAccountId: z.string().min(1),
    name: z.string().optional(),
  }),
});
export type SandboxTokenResponse = z.infer<typeof SandboxTokenResponseSchema>;

/** PUT /sandbox/api/items/:itemId/categories: "the user in Outlook" sets an item's categories. */
export const SandboxCategoriesRequestSchema = z.object({
  userOid: z.string().min(1),
  categories: z.array(z.string().trim().min(1).max(255)).max(25),
});
export type SandboxCategoriesRequest = z.infer<typeof SandboxCategoriesRequestSchema>;

export const SANDBOX_ROUTES = {
  items: '/sandbox/api/items',
  categories: (itemId: string) => `/sandbox/api/items/${encodeURIComponent(itemId)}/categories`,
  users: '/sandbox/api/users',
  token: '/sandbox/api/token',
} as const;
