/**
 * Typed failures of the C4C OData client. Every error carries what a caller needs to decide (status, C4C's error
 * code and message text, whether the outcome of a write is unknown) and nothing secret: messages are built from
 * the method and the path relative to the service root, never from headers, and the raw axios error (whose config
 * holds the Authorization header) is never attached as `cause`.
 */

export interface C4cErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number;
  /** `error.code` of C4C's OData error body. */
  code?: string;
  /** `error.message.value` of C4C's OData error body. */
  c4cMessage?: string;
  method?: string;
  /** Path relative to the service root, without the query string (which may hold e-mail addresses). */
  path?: string;
  /** How many HTTP attempts were made before giving up. */
  attempts?: number;
}

export class C4cError extends Error {
  readonly status?: number;
  readonly code?: string;
  readonly c4cMessage?: string;
  readonly method?: string;
  readonly path?: string;
  attempts?: number;
  /**
   * True when an earlier attempt of the same operation had an unknown outcome (timeout, dropped connection,
   * 5xx): a 412 or 404 may then be the consequence of our own earlier attempt having been applied.
   */
  afterUncertainAttempt = false;

  constructor(message: string, details: C4cErrorDetails = {}) {
    super(message);
    this.name = 'C4cError';
    this.status = details.status;
    this.code = details.code;
    this.c4cMessage = details.c4cMessage;
    this.method = details.method;
    this.path = details.path;
    this.attempts = details.attempts;
  }

  /** Plain data for logs and API answers (no stack, no request data). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      c4cMessage: this.c4cMessage,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
      afterUncertainAttempt: this.afterUncertainAttempt || undefined,
    };
  }
}

/** 400: C4C rejected the request (validation, non-filterable property, bad $filter, non-creatable field). */
export class C4cBadRequestError extends C4cError {
  override readonly name = 'C4cBadRequestError';
}

/** 401: wrong or expired credentials. Never retried. */
export class C4cAuthError extends C4cError {
  override readonly name = 'C4cAuthError';
}

/** 403 other than a CSRF challenge: the user lacks authorization for the object or action. */
export class C4cForbiddenError extends C4cError {
  override readonly name = 'C4cForbiddenError';
}

/** 403 `x-csrf-token: Required` that persisted after re-fetching the token once. */
export class C4cCsrfError extends C4cError {
  override readonly name = 'C4cCsrfError';
}

/** 404: unknown entity key or set. */
export class C4cNotFoundError extends C4cError {
  override readonly name = 'C4cNotFoundError';
}

/** 412: the If-Match ETag is stale; someone changed the record since it was read. Re-read and merge. */
export class C4cPreconditionFailedError extends C4cError {
  override readonly name = 'C4cPreconditionFailedError';
}

/** 429 (or 503 with Retry-After) after the retry budget was used up, or a Retry-After longer than we wait. */
export class C4cThrottledError extends C4cError {
  override readonly name = 'C4cThrottledError';
  constructor(message: string, details: C4cErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
  readonly retryAfterMs?: number;
}

/** 5xx. `outcomeUnknown` is true for writes: the server may or may not have applied them. */
export class C4cServerError extends C4cError {
  override readonly name = 'C4cServerError';
  constructor(message: string, details: C4cErrorDetails & { outcomeUnknown?: boolean; retryAfterMs?: number } = {}) {
    super(message, details);
    this.outcomeUnknown = details.outcomeUnknown ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
  readonly outcomeUnknown: boolean;
  readonly retryAfterMs?: number;
}

/** No HTTP answer: connection refused / reset / dropped, DNS failure or timeout. */
export class C4cNetworkError extends C4cError {
  override readonly name = 'C4cNetworkError';
  constructor(
    message: string,
    details: C4cErrorDetails & { timedOut?: boolean; networkCode?: string; outcomeUnknown?: boolean } = {},
  ) {
    super(message, details);
    this.timedOut = details.timedOut ?? false;
    this.networkCode = details.networkCode;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }
  readonly timedOut: boolean;
  /** Node's error code, e.g. ECONNRESET, ECONNREFUSED, ECONNABORTED. */
  readonly networkCode?: string;
  readonly outcomeUnknown: boolean;
}

/** The server answered something the client cannot read (not JSON, broken multipart, unexpected shape). */
export class C4cProtocolError extends C4cError {
  override readonly name = 'C4cProtocolError';
}

/** Extract C4C's `{"error":{"code","message":{"value"}}}` from a response body of any shape. */
export function parseODataErrorBody(body: unknown): { code?: string; message?: string } {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    const trimmed = body.trim();
    if (!trimmed.startsWith('{')) return xmlError(trimmed);
    try {
      parsed = JSON.parse(trimmed) as unknown;
    } catch {
      return {};
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  let text: string | undefined;
  if (typeof message === 'string') text = message;
  else if (typeof message === 'object' && message !== null && typeof (message as { value?: unknown }).value === 'string') {
    text = (message as { value: string }).value;
  }
  return { code: typeof code === 'string' ? code : undefined, message: text };
}

/** Some SAP gateways answer errors in XML even to JSON requests. */
function xmlError(text: string): { code?: string; message?: string } {
  if (!text.startsWith('<')) return {};
  const code = /<code>([^<]*)<\/code>/.exec(text)?.[1];
  const message = /<message[^>]*>([^<]*)<\/message>/.exec(text)?.[1];
  return { code, message };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Map an HTTP error answer to the typed error. */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { method: string; path: string; outcomeUnknown?: boolean; retryAfterMs?: number; csrfRequired?: boolean },
): C4cError {
  const { code, message: c4cMessage } = parseODataErrorBody(body);
  const details: C4cErrorDetails = { status, code, c4cMessage, method: context.method, path: context.path };
  const head = `C4C ${status} ${STATUS_TEXT[status] ?? ''}`.trim() + ` on ${context.method} ${context.path}`;
  const message = c4cMessage ? `${head}: ${c4cMessage}` : head;
  if (status === 400) return new C4cBadRequestError(message, details);
  if (status === 401) return new C4cAuthError(message, details);
  if (status === 403 && context.csrfRequired) return new C4cCsrfError(message, details);
  if (status === 403) return new C4cForbiddenError(message, details);
  if (status === 404) return new C4cNotFoundError(message, details);
  if (status === 412) return new C4cPreconditionFailedError(message, details);
  if (status === 429) return new C4cThrottledError(message, { ...details, retryAfterMs: context.retryAfterMs });
  if (status >= 500) {
    return new C4cServerError(message, { ...details, outcomeUnknown: context.outcomeUnknown, retryAfterMs: context.retryAfterMs });
  }
  return new C4cError(message, details);
}
