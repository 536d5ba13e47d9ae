/**
 * Exchange Autodiscover on the emulator's origin, in the three shapes clients use:
 * - POX `POST /autodiscover/autodiscover.xml` (Outlook provider: request schema …/outlook/requestschema/2006, answer
 *   …/outlook/responseschema/2006a), Basic auth like EWS. Known mailbox → `Account` with EXCH and EXPR protocols
 *   naming the EWS URL (`EwsUrl`, plus `ASUrl` as in the published example); unknown → `<Error>` 500 "The email
 *   address can't be found."; malformed → 600 Invalid Request; another response schema → 601.
 * - SOAP `POST /autodiscover/autodiscover.svc` GetUserSettings (what ews-javascript-api's AutodiscoverService sends;
 *   its POX path is "Not implemented"): per user ExternalEwsUrl / InternalEwsUrl and a few identity settings;
 *   InvalidUser for unknown mailboxes, InvalidSetting per unsupported setting name.
 * - JSON v2 `GET /autodiscover/autodiscover.json/v1.0/{address}?Protocol=EWS` (anonymous, as on Exchange Online):
 *   `{"Protocol":"EWS","Url":…}`; an unknown mailbox gets 404 with error JSON (Exchange Online answers every address
 *   to hide which exist; a 404 lets tests exercise a client's failure path), a bad protocol 400 InvalidProtocol.
 * URLs are built from the request's own Host, so each listener (HTTP / HTTPS) names itself.
 * A domain can be marked as publishing no Autodiscover (`setAutodiscoverPublished`, or `POST
 * /__control/autodiscover {domain, published}`): its addresses then get a bare HTTP 404 on every shape, as from a host
 * without the Autodiscover virtual directory, which is how a client meets a domain whose Autodiscover is not set up.
 * Shapes: test/fixtures/autodiscover (Microsoft's published examples).
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { ExchangeControl } from './control';
import type { ExchangeStore, MailboxRecord } from './store';
import { EWS_PATH } from './ews';
import { all, child, childText, el, parseXml, SchemaError, text, tx, type XNode } from './ews/xml';

export const AUTODISCOVER_POX_PATH = '/autodiscover/autodiscover.xml';
export const AUTODISCOVER_SOAP_PATH = '/autodiscover/autodiscover.svc';
export const AUTODISCOVER_JSON_PATH = '/autodiscover/autodiscover.json/v1.0';

const POX_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
const POX_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const AUTODISCOVER_SOAP_NS = 'http://schemas.microsoft.com/exchange/2010/Autodiscover';
const WSA_NS = 'http://www.w3.org/2005/08/addressing';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
/** Exchange 2019 CU-level build; ServerVersion in POX is the same build packed as hex (major 15 → 0x73C…). */
const CAS_VERSION = '15.02.1544.004';
const POX_SERVER_VERSION = '73C28608';
const SUPPORTED_SCHEMAS = 'Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2015, Exchange2016';
const JSON_PROTOCOLS = ['Ews', 'AutodiscoverV1', 'ActiveSync', 'Rest'] as const;

function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${xml}`);
}

/** Stable per mailbox, GUID-shaped (the DeploymentId / LegacyDN only need to look real and not change). */
function stableId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function legacyDn(mailbox: MailboxRecord): string {
  return `/o=Emulator/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${mailbox.address.split('@')[0]}`;
}

/** The namespace declared on the root element named `local` (prefixed or not), read from the raw text. */
function rootNamespace(body: string, local: string): string | undefined {
  const match = new RegExp(`^\\s*(?:<\\?xml[^>]*\\?>\\s*)?<(?:([A-Za-z_][\\w.-]*):)?${local}\\b([^>]*)>`).exec(body);
  if (!match) return undefined;
  const prefix = match[1];
  return new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(match[2])?.[1];
}

// ---- POX ----

function poxError(code: number, message: string): string {
  const now = new Date();
  const time = `${now.toISOString().slice(11, 23)}0000`;
  return el(
    'Autodiscover',
    el('Response', el('Error', tx('ErrorCode', code) + tx('Message', message) + '<DebugData />', { Time: time, Id: String(Math.floor(Math.random() * 4_294_967_295)) }), { xmlns: POX_RESPONSE_NS }),
    { xmlns: POX_RESPONSE_NS },
  );
}

function poxSettings(mailbox: MailboxRecord, origin: string): string {
  const host = new URL(origin).hostname;
  const ewsUrl = origin + EWS_PATH;
  const urls = tx('ASUrl', ewsUrl) + tx('EwsUrl', ewsUrl) + tx('OOFUrl', ewsUrl) + tx('OABUrl', `${origin}/OAB/${stableId(`oab:${host}`)}/`);
  const user = tx('DisplayName', mailbox.displayName) + tx('LegacyDN', legacyDn(mailbox)) + tx('AutoDiscoverSMTPAddress', mailbox.address) + tx('DeploymentId', stableId(`deployment:${host}`));
  const exch = tx('Type', 'EXCH') + tx('Server', `${stableId(`mbx:${mailbox.address}`)}@${mailbox.address.split('@')[1]}`) + tx('ServerVersion', POX_SERVER_VERSION) + urls;
  const expr = tx('Type', 'EXPR') + tx('Server', host) + tx('SSL', origin.startsWith('https:') ? 'On' : 'Off') + tx('AuthPackage', 'Basic') + urls;
  const account = tx('AccountType', 'email') + tx('Action', 'settings') + tx('MicrosoftOnline', 'False') + el('Protocol', exch) + el('Protocol', expr);
  return el('Autodiscover', el('Response', el('User', user) + el('Account', account), { xmlns: OUTLOOK_RESPONSE_NS }), { xmlns: POX_RESPONSE_NS });
}

function handlePox(store: ExchangeStore, control: ExchangeControl, req: Request, res: Response): void {
  control.count('Autodiscover POX');
  const raw = typeof req.body === 'string' ? req.body : '';
  let request: XNode | undefined;
  try {
    if (rootNamespace(raw, 'Autodiscover') !== POX_REQUEST_NS) throw new SchemaError('not an Outlook provider request');
    request = child(child(parseXml(raw), 'Autodiscover'), 'Request');
  } catch {
    sendXml(res, 200, poxError(600, 'Invalid Request'));
    return;
  }
  const address = childText(request, 'EMailAddress')?.trim().toLowerCase();
  const schema = childText(request, 'AcceptableResponseSchema')?.trim();
  if (!address) {
    sendXml(res, 200, poxError(600, 'Invalid Request'));
    return;
  }
  if (schema !== OUTLOOK_RESPONSE_NS) {
    sendXml(res, 200, poxError(601, 'Provider is not available'));
    return;
  }
  if (!store.hasMailbox(address)) {
    sendXml(res, 200, poxError(500, "The email address can't be found."));
    return;
  }
  sendXml(res, 200, poxSettings(store.mailbox(address), originOf(req)));
}

// ---- SOAP GetUserSettings ----

type SettingValue = (mailbox: MailboxRecord, origin: string) => string;

const USER_SETTINGS: Record<string, SettingValue> = {
  UserDisplayName: (m) => m.displayName,
  UserDN: (m) => legacyDn(m),
  UserDeploymentId: (_m, origin) => stableId(`deployment:${new URL(origin).hostname}`),
  AutoDiscoverSMTPAddress: (m) => m.address,
  CasVersion: () => CAS_VERSION,
  EwsSupportedSchemas: () => SUPPORTED_SCHEMAS,
  InternalEwsUrl: (_m, origin) => origin + EWS_PATH,
  ExternalEwsUrl: (_m, origin) => origin + EWS_PATH,
  InternalMailboxServer: (_m, origin) => new URL(origin).hostname,
  ExternalMailboxServer: (_m, origin) => new URL(origin).hostname,
};

function soapEnvelope(action: string, body: string): string {
  const header =
    tx('a:Action', `${AUTODISCOVER_SOAP_NS}/Autodiscover/${action}`, { 's:mustUnderstand': 1 }) +
    el(
      'h:ServerVersionInfo',
      tx('h:MajorVersion', 15) + tx('h:MinorVersion', 2) + tx('h:MajorBuildNumber', 1544) + tx('h:MinorBuildNumber', 4) + tx('h:Version', 'Exchange2015'),
      { 'xmlns:h': AUTODISCOVER_SOAP_NS, 'xmlns:i': XSI_NS },
    );
  return el('s:Envelope', el('s:Header', header) + el('s:Body', body), { 'xmlns:s': SOAP_NS, 'xmlns:a': WSA_NS });
}

function soapFault(code: string, message: string): string {
  return el('s:Envelope', el('s:Body', el('s:Fault', tx('faultcode', `s:${code}`) + tx('faultstring', message, { 'xml:lang': 'en-US' }))), { 'xmlns:s': SOAP_NS });
}

function userResponse(store: ExchangeStore, address: string, requested: string[], origin: string): string {
  if (!store.hasMailbox(address)) {
    return el('UserResponse', tx('ErrorCode', 'InvalidUser') + tx('ErrorMessage', `Invalid user: '${address}'`) + '<RedirectTarget i:nil="true" /><UserSettingErrors /><UserSettings />');
  }
  const mailbox = store.mailbox(address);
  const errors: string[] = [];
  const settings: string[] = [];
  for (const name of requested) {
    const value = USER_SETTINGS[name];
    if (value) settings.push(el('UserSetting', tx('Name', name) + tx('Value', value(mailbox, origin)), { 'i:type': 'StringSetting' }));
    else errors.push(el('UserSettingError', tx('ErrorCode', 'InvalidSetting') + tx('ErrorMessage', `The requested setting ${name} is not available for this user.`) + tx('SettingName', name)));
  }
  return el(
    'UserResponse',
    tx('ErrorCode', 'NoError') + tx('ErrorMessage', 'No error.') + '<RedirectTarget i:nil="true" />' + el('UserSettingErrors', errors.join('')) + el('UserSettings', settings.join('')),
  );
}

function handleSoap(store: ExchangeStore, control: ExchangeControl, req: Request, res: Response): void {
  const raw = typeof req.body === 'string' ? req.body : '';
  let body: XNode | undefined;
  try {
    if (rootNamespace(raw, 'Envelope') !== SOAP_NS) throw new SchemaError('not a SOAP 1.1 envelope');
    body = child(child(parseXml(raw), 'Envelope'), 'Body');
  } catch (error) {
    control.count('Autodiscover SOAP Invalid');
    sendXml(res, 500, soapFault('Client', `The request is not a valid SOAP message (${(error as Error).message}).`));
    return;
  }
  const message = child(body, 'GetUserSettingsRequestMessage');
  if (message === undefined) {
    control.count('Autodiscover SOAP Unsupported');
    sendXml(res, 500, soapFault('Client', 'The emulator answers GetUserSettingsRequestMessage only.'));
    return;
  }
  control.count('Autodiscover SOAP GetUserSettings');
  const request = child(message, 'Request');
  const users = all(child(request, 'Users'), 'User').map((u) => childText(u, 'Mailbox')?.trim().toLowerCase() ?? '');
  const requested = all(child(request, 'RequestedSettings'), 'Setting').map((s) => (text(s) ?? '').trim());
  let inner: string;
  if (users.length === 0 || users.some((u) => !u) || requested.length === 0) {
    inner = tx('ErrorCode', 'InvalidRequest') + tx('ErrorMessage', 'The request must name at least one user mailbox and one setting.') + '<UserResponses />';
  } else {
    const origin = originOf(req);
    inner = tx('ErrorCode', 'NoError') + '<ErrorMessage />' + el('UserResponses', users.map((u) => userResponse(store, u, requested, origin)).join(''));
  }
  const response = el('GetUserSettingsResponseMessage', el('Response', inner, { 'xmlns:i': XSI_NS }), { xmlns: AUTODISCOVER_SOAP_NS });
  sendXml(res, 200, soapEnvelope('GetUserSettingsResponse', response));
}

// ---- JSON v2 ----

function handleJson(store: ExchangeStore, control: ExchangeControl, req: Request, res: Response): void {
  control.count('Autodiscover JSON');
  const address = decodeURIComponent(String(req.params.address ?? '')).trim().toLowerCase();
  const protocolParam = typeof req.query.Protocol === 'string' ? req.query.Protocol : typeof req.query.protocol === 'string' ? req.query.protocol : '';
  const protocol = JSON_PROTOCOLS.find((p) => p.toLowerCase() === protocolParam.toLowerCase());
  if (!protocol) {
    res.status(400).json({ ErrorCode: 'InvalidProtocol', ErrorMessage: `The given protocol value '${protocolParam}' is invalid. Supported values are '${JSON_PROTOCOLS.join(',')}'.` });
    return;
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(address) || !store.hasMailbox(address)) {
    res.status(404).json({ ErrorCode: 'UserNotFound', ErrorMessage: `The user ${address} was not found.` });
    return;
  }
  const origin = originOf(req);
  const url = { Ews: origin + EWS_PATH, AutodiscoverV1: origin + AUTODISCOVER_POX_PATH, ActiveSync: `${origin}/Microsoft-Server-ActiveSync`, Rest: `${origin}/api` }[protocol];
  // Exchange answers the protocol name as asked for EWS ("EWS"), in its own spelling otherwise.
  res.status(200).json({ Protocol: protocol === 'Ews' ? protocolParam : protocol, Url: url });
}

// ---- Domains without Autodiscover ----

const unpublished = new WeakMap<ExchangeStore, Set<string>>();

/** Marks a mail domain as publishing (default) or not publishing Autodiscover on this emulator. */
export function setAutodiscoverPublished(store: ExchangeStore, domain: string, published: boolean): void {
  const domains = unpublished.get(store) ?? new Set<string>();
  unpublished.set(store, domains);
  if (published) domains.delete(domain.trim().toLowerCase());
  else domains.add(domain.trim().toLowerCase());
}

function isUnpublished(store: ExchangeStore, address: string | undefined): boolean {
  const domain = address?.split('@')[1]?.trim().toLowerCase();
  return domain !== undefined && (unpublished.get(store)?.has(domain) ?? false);
}

/** The address a POX request names, read before authentication (only to decide whether this domain answers at all). */
function poxAddress(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  return /<EMailAddress>\s*([^<\s]+)\s*<\/EMailAddress>/i.exec(body)?.[1];
}

function notPublished(control: ExchangeControl, res: Response): void {
  control.count('Autodiscover not published');
  res.status(404).type('text/html').send('<html><body><h1>404 - File or directory not found.</h1></body></html>');
}

export function createAutodiscoverRouter(store: ExchangeStore, control: ExchangeControl): Router {
  const router = express.Router();
  router.post('/__control/autodiscover', express.json(), (req, res) => {
    const body = (req.body ?? {}) as { domain?: unknown; published?: unknown };
    if (typeof body.domain !== 'string' || !/^[^@\s]+\.[^@\s]+$/.test(body.domain) || typeof body.published !== 'boolean') {
      res.status(400).json({ error: 'give { domain: string, published: boolean }' });
      return;
    }
    setAutodiscoverPublished(store, body.domain, body.published);
    res.status(204).end();
  });
  const xmlBody = express.text({ type: () => true, limit: '1mb' });
  const requireBasic = (req: Request, res: Response): boolean => {
    const credentials = basicCredentials(req.get('authorization'));
    if (credentials && store.authenticate(credentials.username, credentials.password)) return true;
    control.count('Autodiscover 401');
    res.status(401).set('WWW-Authenticate', 'Basic realm="emulator.exchange.local"').end();
    return false;
  };
  router.post(AUTODISCOVER_POX_PATH, xmlBody, (req, res) => {
    if (isUnpublished(store, poxAddress(req.body))) return notPublished(control, res);
    if (requireBasic(req, res)) handlePox(store, control, req, res);
  });
  router.post(AUTODISCOVER_SOAP_PATH, xmlBody, (req, res) => {
    if (isUnpublished(store, poxAddress(String(req.body ?? '').replace(/<(\/?)(?:\w+:)?Mailbox>/g, '<$1EMailAddress>')))) return notPublished(control, res);
    if (requireBasic(req, res)) handleSoap(store, control, req, res);
  });
  router.get(`${AUTODISCOVER_JSON_PATH}/:address`, (req, res) => {
    if (isUnpublished(store, decodeURIComponent(String(req.params.address ?? '')))) return notPublished(control, res);
    handleJson(store, control, req, res);
  });
  return router;
}
