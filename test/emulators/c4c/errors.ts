/** OData V2 errors in the shape C4C (SAP Gateway) answers with. */

export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ODataErrorBody {
  error: { code: string; message: { lang: 'en'; value: string } };
}

export function errorBody(code: string, message: string): ODataErrorBody {
  return { error: { code, message: { lang: 'en', value: message } } };
}

/** Gateway-style message codes; clients only read `message.value`, the codes help debugging. */
export const badRequest = (msg: string): ODataError => new ODataError(400, 'SY/530', msg);
export const notFound = (msg: string): ODataError => new ODataError(404, '/IWFND/CM_MGW_RT/020', msg);
export const methodNotAllowed = (msg: string): ODataError => new ODataError(405, '/IWFND/CM_MGW_RT/021', msg);
export const preconditionFailed = (msg: string): ODataError => new ODataError(412, '/IWBEP/CM_MGW_RT/022', msg);
export const notImplemented = (msg: string): ODataError => new ODataError(501, '/IWFND/CM_MGW_RT/101', msg);

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 412: 'Precondition Failed',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Unknown';
}
