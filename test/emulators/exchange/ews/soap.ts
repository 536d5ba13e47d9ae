/** SOAP envelopes, response messages and faults shaped like Exchange 2016/2019 answers. */
import { el, escapeXml, NS, tx } from './xml';

/** Exchange Server 2019 CU14. */
export const SERVER_VERSION = { MajorVersion: 15, MinorVersion: 2, MajorBuildNumber: 1544, MinorBuildNumber: 4, Version: 'V2017_07_11' };

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';

export function envelope(operation: string, responseMessages: string): string {
  const header = el('s:Header', el('h:ServerVersionInfo', null, { ...SERVER_VERSION, 'xmlns:h': NS.t, xmlns: NS.t, 'xmlns:xsd': XSD, 'xmlns:xsi': XSI }));
  const body = el('s:Body', el(`m:${operation}Response`, el('m:ResponseMessages', responseMessages), { 'xmlns:m': NS.m, 'xmlns:t': NS.t }), { 'xmlns:xsi': XSI, 'xmlns:xsd': XSD });
  return `<?xml version="1.0" encoding="utf-8"?>${el('s:Envelope', header + body, { 'xmlns:s': NS.soap })}`;
}

export function success(operation: string, content = ''): string {
  return el(`m:${operation}ResponseMessage`, tx('m:ResponseCode', 'NoError') + content, { ResponseClass: 'Success' });
}

/** Operation-level error (HTTP 200, ResponseClass="Error"); `content` carries the op's empty containers. */
export function errorMessage(operation: string, code: string, message: string, content = ''): string {
  return el(`m:${operation}ResponseMessage`, tx('m:MessageText', message) + tx('m:ResponseCode', code) + tx('m:DescriptiveLinkKey', 0) + content, { ResponseClass: 'Error' });
}

/** Request-level failure: HTTP 500 SOAP fault (ErrorServerBusy, ErrorImpersonateUserDenied, schema errors, …). */
export function fault(code: string, message: string, messageXml?: Record<string, string | number>): string {
  const values = messageXml ? el('t:MessageXml', Object.entries(messageXml).map(([name, value]) => tx('t:Value', value, { Name: name })).join(''), { 'xmlns:t': NS.t }) : '';
  const detail = el('detail', tx('e:ResponseCode', code, { 'xmlns:e': NS.e }) + tx('e:Message', message, { 'xmlns:e': NS.e }) + values);
  return `<?xml version="1.0" encoding="utf-8"?>${el(
    's:Envelope',
    el('s:Body', el('s:Fault', el('faultcode', `a:${escapeXml(code)}`, { 'xmlns:a': NS.t }) + tx('faultstring', message, { 'xml:lang': 'en-US' }) + detail)),
    { 'xmlns:s': NS.soap },
  )}`;
}

/** Thrown by operations for request-level failures. */
export class EwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 500,
    readonly messageXml?: Record<string, string | number>,
  ) {
    super(message);
    this.name = 'EwsFault';
  }
}
