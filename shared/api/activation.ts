/**
 * The contract of the user's own activation (S8): where the organization's mailbox access is per user (EWS direct
 * logon or Office 365 delegated consent, chosen by the admin), the signed-in user connects their mailbox from the
 * sidebar and the relay enables sync for it. Shared by the relay (validates with it) and the sidebar (parses with it).
 *
 * Routes (signed-in, provisioned user; always the caller's own mailbox):
 *   GET  /api/me/activation                     → ActivationStatus
 *   POST /api/me/activation/office365/start     → Office365StartResponse (the dialog's start URL)
 *   POST /api/me/activation/office365/finish    Office365FinishRequest → ActivationResult
 *   POST /api/me/activation/exchange            ExchangeActivationRequest → ActivationResult
 * Pages (no bearer token: a browser navigation inside the Office dialog):
 *   GET  /activation/office365/dialog?state=…   302 to the Entra authorize endpoint (authorization code + PKCE)
 *   GET  /activation/office365/done             the redirect URI: hands code / error to the task pane (messageParent)
 *
 * Errors (relay error body { error: { code, message, fields? } }):
 *   409 activation-not-per-user     the organization's access is not per user (nothing for the user to do)
 *   409 mailbox-type-mismatch       the chosen mailbox type is not the one the organization uses
 *   422 autodiscover-failed         no EWS URL found for the address: show the extended login form
 *   422 credentials-rejected        the mail server refused the login / password (nothing stored)
 *   422 mailbox-test-failed         the mailbox could not be opened with the credentials (nothing stored)
 *   400 consent-state-invalid       the consent's state is unknown, expired, used, or another user's
 *   422 consent-failed              Entra refused the code (e.g. wrong PKCE verifier) or the user declined
 *   422 consent-wrong-account       the consent was given with another account than the signed-in user's
 */
import { z } from 'zod';
import { FAILURE_CLASSES } from './sync';

export const MAILBOX_TYPES = ['office365', 'exchange'] as const;
export type MailboxType = (typeof MAILBOX_TYPES)[number];

/** Sessions rejected by the mail server this many times in a row make the sidebar ask to authorize again (S8). */
export const REAUTHORIZE_AFTER_REJECTIONS = 6;

export const ACTIVATION_ERROR_CODES = {
  notPerUser: 'activation-not-per-user',
  typeMismatch: 'mailbox-type-mismatch',
  autodiscoverFailed: 'autodiscover-failed',
  credentialsRejected: 'credentials-rejected',
  mailboxTestFailed: 'mailbox-test-failed',
  stateInvalid: 'consent-state-invalid',
  consentFailed: 'consent-failed',
  wrongAccount: 'consent-wrong-account',
} as const;

export const ActivationStatusSchema = z.object({
  /** The organization's mailbox access is per user (the user connects the mailbox here). */
  perUser: z.boolean(),
  /** The mailbox type the organization's access serves; null when not per user or not configured. */
  mailboxType: z.enum(MAILBOX_TYPES).nullable(),
  /** The user's mailbox address (the one the consent / login must be for). */
  address: z.string(),
  /** The user's own credential (password or consent) is stored. */
  hasCredential: z.boolean(),
  /** Sync is activated for the mailbox (enabled, paused or suspended). */
  syncActivated: z.boolean(),
  /** Show the activation flow: per-user access, and no credential or sync not activated. */
  needsActivation: z.boolean(),
  /** The mail server rejected the session repeatedly: ask the user to authorize again, saying why. */
  reauthorize: z
    .object({
      failureClass: z.enum(FAILURE_CLASSES),
      /** The server's own words. */
      reason: z.string(),
      consecutive: z.number().int(),
      suspended: z.boolean(),
    })
    .optional(),
});
export type ActivationStatus = z.infer<typeof ActivationStatusSchema>;

export const Office365StartResponseSchema = z.object({
  /** Open this in the Office dialog (same origin as the task pane); it continues to Microsoft's sign-in. */
  dialogUrl: z.string(),
  expiresAt: z.string(),
});
export type Office365StartResponse = z.infer<typeof Office365StartResponseSchema>;

export const Office365FinishRequestSchema = z.strictObject({
  code: z.string().min(1).max(8192),
  state: z.string().min(1).max(4096),
});
export type Office365FinishRequest = z.infer<typeof Office365FinishRequestSchema>;

export const ExchangeActivationRequestSchema = z.strictObject({
  /** The mailbox login (UPN, address or DOMAIN\user); default: the login the admin recorded, else the address. */
  login: z.string().trim().min(1).max(320).optional(),
  password: z.string().min(1).max(1024),
  /** The extended login form's EWS URL; without it the relay runs Autodiscover for the address. */
  ewsUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
});
export type ExchangeActivationRequest = z.infer<typeof ExchangeActivationRequestSchema>;

export const ActivationResultSchema = z.object({
  /** enabled: newly activated; resumed: was suspended / paused and runs again; already-enabled: credential renewed. */
  outcome: z.enum(['enabled', 'already-enabled', 'resumed']),
  /** Exchange: the EWS URL the credentials were tested at. */
  ewsUrl: z.string().optional(),
  status: ActivationStatusSchema,
});
export type ActivationResult = z.infer<typeof ActivationResultSchema>;

/** What the redirect page sends the task pane through the dialog (Office messageParent, or postMessage to the opener). */
export const ConsentDialogMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('office365-consent'), code: z.string().min(1), state: z.string().min(1) }),
  z.object({ type: z.literal('office365-consent-error'), error: z.string(), description: z.string().optional(), state: z.string().optional() }),
]);
export type ConsentDialogMessage = z.infer<typeof ConsentDialogMessageSchema>;

/** Where the redirect page sends its message when the dialog is a plain popup (no Office dialog API). */
export const DIALOG_CHANNEL = 'c4c-activation-dialog';
export const DIALOG_POST_MESSAGE_KEY = 'c4cActivationDialog';

export const ACTIVATION_ROUTES = {
  prefix: '/api/me/activation',
  status: '/api/me/activation',
  office365Start: '/api/me/activation/office365/start',
  office365Finish: '/api/me/activation/office365/finish',
  exchange: '/api/me/activation/exchange',
  /** Pages of the Office dialog (outside /api: browser navigations without a bearer token). */
  pagesPrefix: '/activation/office365',
  dialog: '/activation/office365/dialog',
  redirect: '/activation/office365/done',
  redirectScript: '/activation/office365/done.js',
} as const;
