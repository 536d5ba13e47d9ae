/** Domain errors of the admin use cases; only relay/http maps them to HTTP answers. */

/** No such organization / user / run, or one the caller may not manage (the two are never told apart). */
export class AdminNotFoundError extends Error {
  constructor(readonly what: 'organization' | 'user' | 'import' | 'run' | 'preset') {
    super(`No such ${what === 'run' ? 'access check' : what}.`);
    this.name = 'AdminNotFoundError';
  }
}

/** The caller may see the organization but not do this (an admin changing its tenant, an operator-only listing). */
export class AdminForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminForbiddenError';
  }
}

/** Invalid input the schema could not catch (cross-field rules); `fields` names each input. */
export class AdminValidationError extends Error {
  constructor(message: string, readonly fields: Record<string, string>) {
    super(message);
    this.name = 'AdminValidationError';
  }
}

/** A unique value is taken; `field` names the input. */
export class AdminConflictError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'AdminConflictError';
  }
}

export class ConfirmationRequiredError extends Error {
  constructor(readonly slug: string) {
    super(`To delete the organization, confirm with its slug "${slug}".`);
    this.name = 'ConfirmationRequiredError';
  }
}

/** First configuration of an access kind / connection without its secret. */
export class SecretRequiredError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'SecretRequiredError';
  }
}

export class NotConfiguredError extends Error {
  constructor(readonly what: 'mailbox-access' | 'c4c-connection', message: string) {
    super(message);
    this.name = 'NotConfiguredError';
  }
}

export class CheckInProgressError extends Error {
  constructor(readonly runId: string) {
    super('An access check of this organization is already running. Wait for it or cancel it.');
    this.name = 'CheckInProgressError';
  }
}

export class AlreadyFinishedError extends Error {
  constructor(status: string) {
    super(`The access check already ended (${status}).`);
    this.name = 'AlreadyFinishedError';
  }
}

export class SyncUnavailableError extends Error {
  constructor() {
    super('The sync engine is not running in this relay, so users cannot be activated yet.');
    this.name = 'SyncUnavailableError';
  }
}

export class AutodiscoverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutodiscoverError';
  }
}
