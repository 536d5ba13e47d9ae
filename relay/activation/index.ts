/** The user's own activation (S8): use cases over the store, the mailbox layer and the sync control. */
export { activationStatus, reauthorizationOf } from './status';
export { activateExchange } from './exchange';
export { startOffice365Consent, office365AuthorizeUrl, finishOffice365Consent, redirectUriOf } from './office365';
export { redirectPageHtml, redirectPageScript } from './dialog-page';
export { msalOverridesTrusting } from './msal-network';
export * from './types';
