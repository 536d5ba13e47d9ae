/**
 * The EWS SOAP endpoint (`POST /EWS/Exchange.asmx`) of the Exchange emulator.
 *
 * Per request: Basic authentication (service accounts and mailbox users) → SOAP parse → `EWS <Operation>` counter →
 * mailbox resolution (ExchangeImpersonation header, checked against the impersonation grants; X-AnchorMailbox
 * presence recorded) → injected latency → fault rules → operation.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { ExchangeControl, FaultRule } from '../control';
import { type ExchangeStore, StoreError } from '../store';
import { OPERATIONS, type OperationContext } from './operations';
import { envelope, EwsFault, errorMessage, fault } from './soap';
import { ewsNotificationsOf } from './notifications';

/** Subscription operations: sent with the subscription group's X-AnchorMailbox (notifications.ts). */
const NOTIFICATION_OPERATIONS = new Set(['Subscribe', 'GetEvents', 'GetStreamingEvents', 'Unsubscribe']);
import { attr, child, childNames, childText, NS, parseXml, SchemaError, type XNode } from './xml';

export const EWS_PATH = '/EWS/Exchange.asmx';

interface Credentials {
  username: string;
  password: string;
}

function basicCredentials(header: string | undefined): Credentials | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The envelope must use the SOAP 1.1 namespace (the https variant in some docs is not accepted by Exchange). */
function checkEnvelopeNamespace(body: string): void {
  const match = /^\s*(?:<\?xml[^>]*\?>\s*)?<(?:([A-Za-z_][\w.-]*):)?Envelope\b([^>]*)>/.exec(body);
  if (!match) throw new SchemaError('The request is not a SOAP envelope.');
  const prefix = match[1];
  const nsAttr = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(match[2]);
  if (nsAttr?.[1] !== NS.soap) throw new SchemaError(`The SOAP envelope namespace must be ${NS.soap}.`);
}

function sendXml(res: Response, status: number, xml: string): void {
  res.status(status).type('text/xml; charset=utf-8').send(xml);
}

function unauthorized(res: Response): void {
  res.status(401).set('WWW-Authenticate', 'Basic realm="emulator.exchange.local"').end();
}

/** Answers an injected fault; returns true when the response was handled. */
function answerFault(rule: FaultRule, operation: string, res: Response): boolean {
  switch (rule.fault) {
    case 'throttle':
      sendXml(res, 500, fault('ErrorServerBusy', 'The server cannot service this request right now. Try again later.', { BackOffMilliseconds: rule.backOffMs ?? 50 }));
      return true;
    case 'unauthorized':
      unauthorized(res);
      return true;
    case 'drop':
      res.socket?.destroy();
      return true;
    case 'server-error':
      sendXml(res, 500, fault('ErrorInternalServerError', 'An internal server error occurred. The operation failed.'));
      return true;
    case 'ews-disabled':
      res.status(403).type('text/plain').send('Forbidden: EWS is disabled for this organization or user.');
      return true;
    case 'invalid-cursor':
      if (operation !== 'SyncFolderItems' && operation !== 'SyncFolderHierarchy') return false;
      {
        // SyncFolderHierarchy names its flag IncludesLastFolderInRange (SyncFolderItems: IncludesLastItemInRange).
        const last = operation === 'SyncFolderHierarchy' ? 'IncludesLastFolderInRange' : 'IncludesLastItemInRange';
        sendXml(res, 200, envelope(operation, errorMessage(operation, 'ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.', `<m:SyncState/><m:${last}>true</m:${last}>`)));
      }
      return true;
  }
}

function impersonatedAddress(header: XNode | undefined): string | undefined {
  const sid = child(child(header, 'ExchangeImpersonation'), 'ConnectingSID');
  if (sid === undefined) return undefined;
  const value = childText(sid, 'SmtpAddress') ?? childText(sid, 'PrimarySmtpAddress') ?? childText(sid, 'PrincipalName');
  if (!value) throw new EwsFault('ErrorImpersonateUserDenied', 'ConnectingSID must name the user by SmtpAddress, PrimarySmtpAddress or PrincipalName (SID is not supported by the emulator).');
  return value.trim().toLowerCase();
}

function timeZoneContext(header: XNode | undefined): string | undefined {
  return attr(child(child(header, 'TimeZoneContext'), 'TimeZoneDefinition'), 'Id');
}

export function createEwsRouter(store: ExchangeStore, control: ExchangeControl): Router {
  const router = express.Router();
  router.post(EWS_PATH, express.text({ type: () => true, limit: '64mb' }), async (req: Request, res: Response) => {
    const credentials = basicCredentials(req.get('authorization'));
    const principal = credentials && store.authenticate(credentials.username, credentials.password);
    if (!principal) {
      control.count('EWS 401');
      unauthorized(res);
      return;
    }
    const end = control.beginRequest(principal.name);
    res.on('close', end);
    const raw = typeof req.body === 'string' ? req.body : '';
    let operation = 'Unknown';
    try {
      checkEnvelopeNamespace(raw);
      const doc = parseXml(raw);
      const env = child(doc, 'Envelope');
      const header = child(env, 'Header');
      const body = child(env, 'Body');
      const names = childNames(body);
      if (names.length !== 1) throw new SchemaError('The SOAP body must contain exactly one operation.');
      operation = names[0];
      control.count(`EWS ${operation}`);

      const impersonated = impersonatedAddress(header);
      let mailbox: string;
      if (impersonated) {
        if (!store.hasMailbox(impersonated)) throw new EwsFault('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it.`);
        if (principal.name !== impersonated && !(principal.kind === 'service' && store.canImpersonate(principal.name, impersonated))) {
          throw new EwsFault('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.');
        }
        const anchor = req.get('x-anchormailbox');
        if (!anchor) control.missingAnchorMailbox += 1;
        // Notification requests of a subscription group carry the group's anchor (its first mailbox), not their own.
        else if (anchor.toLowerCase() !== impersonated && !NOTIFICATION_OPERATIONS.has(operation)) control.wrongAnchorMailbox += 1;
        mailbox = impersonated;
      } else {
        if (!store.hasMailbox(principal.name)) throw new EwsFault('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
        mailbox = principal.name;
      }

      await control.delay();
      const rule = control.takeFault({ protocol: 'ews', method: operation, mailbox });
      if (rule && answerFault(rule, operation, res)) return;

      const notifications = ewsNotificationsOf(store, control);
      const op = child(body, operation) ?? '';
      if (operation === 'GetStreamingEvents') {
        // A hanging connection: streaming notifications have their own budget (hangingConnectionLimit), not EWSMaxConcurrency.
        end();
        notifications.getStreamingEvents(op, principal.name, req.get('x-anchormailbox'), res);
        return;
      }
      if (operation === 'Subscribe' || operation === 'GetEvents' || operation === 'Unsubscribe') {
        const messages =
          operation === 'Subscribe' ? notifications.subscribe(op, mailbox, principal.name, req.get('x-anchormailbox')) : operation === 'GetEvents' ? notifications.getEvents(op, principal.name) : notifications.unsubscribeOp(op, principal.name);
        sendXml(res, 200, envelope(operation, messages));
        return;
      }

      const handler = OPERATIONS[operation];
      if (!handler) throw new EwsFault('ErrorInvalidRequest', `The operation ${operation} is not supported by the Exchange emulator.`);
      const ctx: OperationContext = { store, control, mailbox, timeZoneContext: timeZoneContext(header) };
      const messages = handler(child(body, operation) ?? '', ctx);
      sendXml(res, 200, envelope(operation, messages));
    } catch (error) {
      if (error instanceof EwsFault) sendXml(res, error.httpStatus, fault(error.code, error.message, error.messageXml));
      else if (error instanceof SchemaError) sendXml(res, 500, fault('ErrorSchemaValidation', error.message));
      else if (error instanceof StoreError) sendXml(res, 500, fault(error.code, error.message));
      else {
        const message = error instanceof Error ? error.message : String(error);
        sendXml(res, 500, fault('ErrorInternalServerError', `An internal server error occurred (${operation}): ${message}`));
      }
    }
  });
  return router;
}
