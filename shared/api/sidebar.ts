/**
 * The contract between the Outlook sidebar (addin/) and the relay (relay/http): request and response bodies of every
 * route the task pane calls, as zod schemas with their inferred types. Both sides import this file: the relay
 * validates requests with it, the sidebar validates responses with it, so a drift shows up as a failed parse instead
 * of a silently wrong screen.
 *
 * Every non-2xx answer carries `ErrorBody` ({ error: { code, message, fields? } }); `fields` maps the name of an invalid
 * input (as named in the request schema, dotted for nested paths) to a message the UI shows next to that field.
 */
import { z } from 'zod';
import { freeText, GROUPWARE_ITEM_ID_MAX, identifier, MAILBOX_ITEM_ID_MAX, storable } from './fields';

// ---------------------------------------------------------------------------------------------------------------
// Limits (the relay enforces them; the sidebar checks them before sending so the user gets a clear message).

/** Addresses one initial search may resolve (sender + recipients of one email, organizer + attendees of a meeting). */
export const MAX_SEARCH_ADDRESSES = 100;
/** Largest HTML body saved with an email, in UTF-8 bytes. A longer body is refused rather than silently cut. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest total size of the attachments saved with one email, in decoded bytes. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Most attachments saved with one email. */
export const MAX_ATTACHMENTS = 50;
/** Upper bound of one save request's JSON size (base64 grows by 4/3; the rest is headroom for the other fields). */
export const MAX_SAVE_REQUEST_BYTES = MAX_BODY_BYTES * 6 + Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 512 * 1024;
/** Most attendees one meeting may carry (Outlook on the web allows 1,000 since Mailbox 1.16). */
export const MAX_ATTENDEES = 1000;
export const SUBJECT_MAX = 765;
export const NAME_MAX = 255;
export const ADDRESS_MAX = 320;

/** Error codes the relay uses in `error.code` that the sidebar reacts to specifically. Others are shown as-is. */
export const ERROR_CODES = {
  invalidRequest: 'invalid-request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not-found',
  /** Another request (the same user's double click, or a colleague) is saving this email right now: poll the status. */
  saveInProgress: 'save-in-progress',
  payloadTooLarge: 'payload-too-large',
  /** C4C refused or did not answer; retrying later is safe (saving is exactly-once). */
  c4cUnavailable: 'c4c-unavailable',
  /** The quick-create found an existing record with that e-mail address. */
  duplicate: 'duplicate',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** A strict e-mail address (the search key). */
export const EmailAddressSchema = z.email().max(254);

/**
 * An address as Outlook reports it on a message. Kept lenient (on-premises Exchange can report X.500 addresses for
 * internal senders); one odd recipient must not make a whole save fail.
 */
export const MailAddressSchema = z.object({
  address: storable(z.string().trim().min(1).max(ADDRESS_MAX)),
  name: freeText(NAME_MAX).optional(),
});
export type MailAddress = z.infer<typeof MailAddressSchema>;

/** An ISO 8601 instant with `Z` or an offset (what `Date.prototype.toISOString` produces). */
export const InstantSchema = z.iso.datetime({ offset: true });

export const RecordKindSchema = z.enum(['contact', 'lead', 'individualCustomer', 'account', 'employee']);
export type RecordKind = z.infer<typeof RecordKindSchema>;

/** Kinds that can be the main contact of an activity. */
export const ContactKindSchema = z.enum(['contact', 'lead', 'individualCustomer']);
export type ContactKind = z.infer<typeof ContactKindSchema>;

/** C4C ObjectID: 32 hex characters in real tenants; kept as an opaque non-empty string. */
const ObjectIdSchema = identifier(70);
/** The human-readable ID (ContactID, AccountID, LeadID, …). */
const BusinessIdSchema = identifier(70);

export const C4cRecordSchema = z.object({
  kind: RecordKindSchema,
  objectId: ObjectIdSchema,
  id: BusinessIdSchema,
  name: z.string(),
  email: z.string(),
  /** For contacts / leads: the account the person belongs to. */
  accountName: z.string().optional(),
  accountObjectId: ObjectIdSchema.optional(),
  /** For contacts / leads: the party ID (AccountID) of that account, so linking it needs no further C4C read. */
  accountId: BusinessIdSchema.optional(),
  /** Opens the record in the C4C UI. */
  c4cUrl: z.url(),
});
export type C4cRecord = z.infer<typeof C4cRecordSchema>;

// ---------------------------------------------------------------------------------------------------------------
// POST /api/sidebar/search — the initial search (c4c-odata.md §12–13)

export const SearchRequestSchema = z.object({
  addresses: z.array(EmailAddressSchema).min(1).max(MAX_SEARCH_ADDRESSES),
});
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

export const SaveSuggestionSchema = z.object({
  /** Preselected Account of the activity (SSI: the account of the first parsed contact, else the first account). */
  mainAccountObjectId: ObjectIdSchema.optional(),
  /** Preselected main Contact / Lead / Individual Customer (SSI: the first parsed one). */
  mainContactObjectId: ObjectIdSchema.optional(),
  mainContactKind: ContactKindSchema.optional(),
});
export type SaveSuggestion = z.infer<typeof SaveSuggestionSchema>;

export const AddressResultSchema = z.object({
  /** The address as requested (the relay may lower-case it). */
  address: z.string(),
  /** Every match, employees included (the sidebar hides them; they still count as "found"). */
  records: z.array(C4cRecordSchema),
  /** True when the address is on a user or organization blocklist: it is neither shown nor offered for creation. */
  blocked: z.boolean().optional(),
});
export type AddressResult = z.infer<typeof AddressResultSchema>;

export const SearchResponseSchema = z.object({
  results: z.array(AddressResultSchema),
  suggestion: SaveSuggestionSchema,
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// GET /api/sidebar/emails/status?internetMessageId=  (S4)

export const EmailStatusQuerySchema = z.object({ internetMessageId: identifier(GROUPWARE_ITEM_ID_MAX) });
export type EmailStatusQuery = z.infer<typeof EmailStatusQuerySchema>;

export const EmailStatusSchema = z.object({
  status: z.enum(['not-saved', 'saving', 'saved']),
  objectId: ObjectIdSchema.optional(),
  id: BusinessIdSchema.optional(),
  c4cUrl: z.url().optional(),
  savedAt: InstantSchema.optional(),
  /** Display name of the user who saved it (or "Synchronization" when the sync engine did). */
  savedBy: z.string().optional(),
});
export type EmailStatus = z.infer<typeof EmailStatusSchema>;

// ---------------------------------------------------------------------------------------------------------------
// POST /api/sidebar/emails — save now (S3), exactly once per (organization, internetMessageId)

/** Decoded size of a base64 string without decoding it. */
export function base64DecodedBytes(base64: string): number {
  const clean = base64.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

export const AttachmentSchema = z.object({
  name: freeText(NAME_MAX).min(1),
  contentType: identifier(NAME_MAX),
  contentBase64: z.base64(),
});
export type AttachmentToSave = z.infer<typeof AttachmentSchema>;

export const RelatedItemTypeSchema = z.enum(['opportunity', 'ticket']);
export type RelatedItemType = z.infer<typeof RelatedItemTypeSchema>;

export const RelatedItemRefSchema = z.object({
  type: RelatedItemTypeSchema,
  objectId: ObjectIdSchema,
  id: BusinessIdSchema,
});
export type RelatedItemRef = z.infer<typeof RelatedItemRefSchema>;

export const SaveEmailRequestSchema = z
  .object({
    /** The exactly-once key, written to C4C's GroupwareItemID (ML765). */
    internetMessageId: identifier(GROUPWARE_ITEM_ID_MAX),
    /** EWS item id of the message in the saving user's mailbox (for the "saved" category; not a dedup key). */
    itemId: identifier(MAILBOX_ITEM_ID_MAX),
    conversationId: freeText(MAILBOX_ITEM_ID_MAX).optional(),
    subject: freeText(SUBJECT_MAX),
    sentAt: InstantSchema,
    from: MailAddressSchema,
    to: z.array(MailAddressSchema).max(MAX_ATTENDEES),
    cc: z.array(MailAddressSchema).max(MAX_ATTENDEES),
    bodyHtml: freeText(MAX_BODY_BYTES).refine((html) => utf8Bytes(html) <= MAX_BODY_BYTES, {
      message: `The message body is larger than ${Math.round(MAX_BODY_BYTES / 1024)} KB`,
    }),
    attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS).optional(),
    includeAttachments: z.boolean(),
    mainAccountObjectId: ObjectIdSchema.optional(),
    mainContactObjectId: ObjectIdSchema.optional(),
    mainContactKind: ContactKindSchema.optional(),
    relatedItem: RelatedItemRefSchema.optional(),
    /** The address of the mailbox the email is in (Outlook's profile): with aliases it can differ from the login. */
    mailboxAddress: MailAddressSchema.shape.address.optional(),
  })
  .superRefine((request, ctx) => {
    const total = (request.attachments ?? []).reduce((sum, a) => sum + base64DecodedBytes(a.contentBase64), 0);
    if (total > MAX_ATTACHMENT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['attachments'],
        message: `Attachments total more than ${Math.round(MAX_ATTACHMENT_BYTES / (1024 * 1024))} MB`,
      });
    }
    if (request.mainContactObjectId !== undefined && request.mainContactKind === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mainContactKind'], message: 'Required when a main contact is given' });
    }
  });
export type SaveEmailRequest = z.infer<typeof SaveEmailRequestSchema>;

export const SaveEmailResponseSchema = z.object({
  status: z.literal('saved'),
  objectId: ObjectIdSchema,
  id: BusinessIdSchema,
  c4cUrl: z.url(),
  /** True when the email had been saved before (by anyone, sidebar or sync): nothing new was created. */
  alreadySaved: z.boolean(),
  /** When and by whom the record was saved: with `alreadySaved`, a colleague's save that won the race, say. */
  savedAt: InstantSchema.optional(),
  /** Display name of the user who saved it. */
  savedBy: z.string().optional(),
});
export type SaveEmailResponse = z.infer<typeof SaveEmailResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// POST /api/sidebar/contacts and /api/sidebar/leads — quick-create from the "not found" card (S2)

const PersonNameSchema = storable(z.string().trim().min(1, 'Required').max(40));

export const CreateContactRequestSchema = z.object({
  firstName: PersonNameSchema,
  lastName: PersonNameSchema,
  email: EmailAddressSchema,
  accountObjectId: ObjectIdSchema.optional(),
});
export type CreateContactRequest = z.infer<typeof CreateContactRequestSchema>;

export const CreateLeadRequestSchema = z.object({
  firstName: PersonNameSchema,
  lastName: PersonNameSchema,
  email: EmailAddressSchema,
  company: storable(z.string().trim().max(80)).optional(),
});
export type CreateLeadRequest = z.infer<typeof CreateLeadRequestSchema>;

/** Both create routes answer 201 with the new record (kind `contact` or `lead`). */
export const CreatedRecordSchema = C4cRecordSchema;

// ---------------------------------------------------------------------------------------------------------------
// GET /api/sidebar/related?type=opportunity|ticket&q=  — the related-item picker

export const RelatedQuerySchema = z.object({
  type: RelatedItemTypeSchema,
  q: freeText(100).default(''),
});
export type RelatedQuery = z.infer<typeof RelatedQuerySchema>;

export const RelatedItemSchema = RelatedItemRefSchema.extend({
  name: z.string(),
  accountName: z.string().optional(),
  status: z.string().optional(),
});
export type RelatedItem = z.infer<typeof RelatedItemSchema>;

export const RelatedResponseSchema = z.object({ items: z.array(RelatedItemSchema) });
export type RelatedResponse = z.infer<typeof RelatedResponseSchema>;

// ---------------------------------------------------------------------------------------------------------------
// POST /api/sidebar/appointments — create the meeting in C4C at once (S5), exactly once per groupwareItemId

export const AttendeeSchema = MailAddressSchema.extend({ type: z.enum(['required', 'optional', 'resource']) });
export type Attendee = z.infer<typeof AttendeeSchema>;

export const CreateAppointmentRequestSchema = z
  .object({
    /** iCalendar UID when the host exposes it, else the EWS item id: the exactly-once key. */
    groupwareItemId: identifier(GROUPWARE_ITEM_ID_MAX),
    /** 'itemId' when `groupwareItemId` is the mailbox item id: the relay then reads the UID from the mailbox if it can. */
    groupwareItemIdSource: z.enum(['iCalUId', 'itemId']).optional(),
    subject: freeText(SUBJECT_MAX),
    start: InstantSchema,
    end: InstantSchema,
    /** IANA zone the user sees the meeting in (e.g. Europe/Berlin). */
    timeZone: identifier(64),
    isAllDay: z.boolean(),
    location: freeText(NAME_MAX).optional(),
    organizer: MailAddressSchema,
    attendees: z.array(AttendeeSchema).max(MAX_ATTENDEES),
    mainAccountObjectId: ObjectIdSchema.optional(),
    mainContactObjectId: ObjectIdSchema.optional(),
    /** Kind of the main contact (a lead is linked as a reference); contact when absent. */
    mainContactKind: ContactKindSchema.optional(),
  })
  .refine((m) => Date.parse(m.end) >= Date.parse(m.start), { path: ['end'], message: 'Ends before it starts' });
export type CreateAppointmentRequest = z.infer<typeof CreateAppointmentRequestSchema>;

export const CreateAppointmentResponseSchema = z.object({
  objectId: ObjectIdSchema,
  id: BusinessIdSchema,
  c4cUrl: z.url(),
  /** True when the meeting existed in C4C before this call: nothing new was created. */
  alreadyCreated: z.boolean(),
});
export type CreateAppointmentResponse = z.infer<typeof CreateAppointmentResponseSchema>;

// GET /api/sidebar/appointments/status?groupwareItemId=
export const AppointmentStatusQuerySchema = z.object({ groupwareItemId: identifier(GROUPWARE_ITEM_ID_MAX), groupwareItemIdSource: z.enum(['iCalUId', 'itemId']).optional() });
export const AppointmentStatusSchema = z.object({
  status: z.enum(['not-created', 'creating', 'created']),
  objectId: ObjectIdSchema.optional(),
  id: BusinessIdSchema.optional(),
  c4cUrl: z.url().optional(),
  createdAt: InstantSchema.optional(),
  createdBy: z.string().optional(),
});
export type AppointmentStatus = z.infer<typeof AppointmentStatusSchema>;

// ---------------------------------------------------------------------------------------------------------------
// GET /api/me

export const MeSchema = z.object({
  displayName: z.string(),
  email: z.string(),
  organizationName: z.string(),
  role: z.enum(['user', 'admin']),
  /** Base URL of the organization's C4C UI (record links are built by the relay, this is for "Open C4C"). */
  c4cBaseUrl: z.url(),
});
export type Me = z.infer<typeof MeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Errors

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---------------------------------------------------------------------------------------------------------------
// Task-pane configuration: injected by the page as window.__RELAY_CONFIG__ or served by the relay at /config.json

export const RelayClientConfigSchema = z.object({
  /** Entra client id of the add-in / relay app registration. */
  clientId: z.string().min(1),
  /** Entra authority, e.g. https://login.microsoftonline.com/common (or the tenant). */
  authority: z.url(),
  /** Scopes of the relay API, e.g. ["api://<clientId>/access_as_user"]. At least one resource scope. */
  scopes: z.array(z.string().min(1)).min(1),
  /** Origin of the relay API (normally the page's own origin). */
  relayOrigin: z.url(),
});
export type RelayClientConfig = z.infer<typeof RelayClientConfigSchema>;

/** Paths of the routes above, relative to `relayOrigin`. */
export const SIDEBAR_ROUTES = {
  search: '/api/sidebar/search',
  emailStatus: '/api/sidebar/emails/status',
  saveEmail: '/api/sidebar/emails',
  createContact: '/api/sidebar/contacts',
  createLead: '/api/sidebar/leads',
  related: '/api/sidebar/related',
  createAppointment: '/api/sidebar/appointments',
  appointmentStatus: '/api/sidebar/appointments/status',
  me: '/api/me',
  config: '/config.json',
} as const;
