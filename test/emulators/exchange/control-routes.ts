/**
 * HTTP form of ExchangeControl under `/__control/` (for the sandbox and for tests that drive the emulator from
 * another process). Inputs are validated with zod; answers are JSON.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { ExchangeControl } from './control';
import { faultRuleSchema } from './control';
import { StoreError } from './store';

const latencySchema = z.object({ ms: z.number().int().min(0).max(120_000) });
const grantSchema = z.object({ serviceAccount: z.string().min(1), mailbox: z.string().email() });
const deliverSchema = z.object({
  from: z.object({ address: z.string().email(), name: z.string().optional() }),
  subject: z.string(),
  bodyHtml: z.string().optional(),
  categories: z.array(z.string()).optional(),
});
const categorizeSchema = z.object({ categories: z.array(z.string()) });
const folderSchema = z.object({ displayName: z.string().min(1), parent: z.string().optional(), kind: z.enum(['mail', 'calendar', 'contacts', 'tasks']).optional() });
const isoInstant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO 8601 instant');
const occurrencePatchSchema = z
  .object({
    subject: z.string(),
    start: isoInstant,
    end: isoInstant,
    location: z.string(),
    bodyHtml: z.string(),
    isAllDay: z.boolean(),
    sensitivity: z.enum(['normal', 'personal', 'private', 'confidential']),
    categories: z.array(z.string()),
  })
  .partial()
  .strict();

/** `:occurrence` is a 1-based index ("3"), an original start (ISO instant) or an occurrence id. */
function occurrenceRef(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function createControlRouter(control: ExchangeControl): Router {
  const router = express.Router();
  router.use(express.json());
  router.post('/latency', (req, res) => {
    control.setLatency(latencySchema.parse(req.body).ms);
    res.json({ latencyMs: control.latencyMs });
  });
  router.post('/faults', (req, res) => {
    res.status(201).json({ id: control.addFault(faultRuleSchema.parse(req.body)) });
  });
  router.get('/faults', (_req, res) => {
    res.json(control.listFaults());
  });
  router.delete('/faults', (_req, res) => {
    control.clearFaults();
    res.status(204).end();
  });
  router.get('/counters', (_req, res) => {
    res.json({ counters: Object.fromEntries(control.counters), missingAnchorMailbox: control.missingAnchorMailbox, wrongAnchorMailbox: control.wrongAnchorMailbox, maxConcurrentPerAccount: Object.fromEntries(control.maxConcurrentPerAccount) });
  });
  router.delete('/counters', (_req, res) => {
    control.resetCounters();
    res.status(204).end();
  });
  router.post('/grants', (req, res) => {
    const { serviceAccount, mailbox } = grantSchema.parse(req.body);
    control.grantImpersonation(serviceAccount, mailbox);
    res.status(204).end();
  });
  router.delete('/grants', (req, res) => {
    const { serviceAccount, mailbox } = grantSchema.parse(req.body);
    control.revokeImpersonation(serviceAccount, mailbox);
    res.status(204).end();
  });
  router.post('/mailboxes/:address/invalidate-cursors', (req, res) => {
    control.invalidateCursors(String(req.params.address));
    res.status(204).end();
  });
  router.post('/mailboxes/:address/deliver', (req, res) => {
    const message = control.user.deliverMessage(String(req.params.address), deliverSchema.parse(req.body));
    res.status(201).json({ id: message.id, changeKey: message.changeKey });
  });
  router.post('/mailboxes/:address/items/:id/categorize', (req, res) => {
    const item = control.user.categorize(String(req.params.address), String(req.params.id), categorizeSchema.parse(req.body).categories);
    res.json({ id: item.id, changeKey: item.changeKey });
  });
  // "The user in Outlook" on one occurrence of a series (`:id` is the series master).
  router.post('/mailboxes/:address/items/:id/occurrences/:occurrence/edit', (req, res) => {
    const exception = control.user.editOccurrence(String(req.params.address), String(req.params.id), occurrenceRef(String(req.params.occurrence)), occurrencePatchSchema.parse(req.body));
    res.json({ id: exception.id, changeKey: exception.changeKey, originalStart: exception.originalStart });
  });
  router.delete('/mailboxes/:address/items/:id/occurrences/:occurrence', (req, res) => {
    control.user.deleteOccurrence(String(req.params.address), String(req.params.id), occurrenceRef(String(req.params.occurrence)));
    res.status(204).end();
  });
  router.post('/mailboxes/:address/items/:id/occurrences/:occurrence/cancel', (req, res) => {
    control.user.cancelOccurrence(String(req.params.address), String(req.params.id), occurrenceRef(String(req.params.occurrence)));
    res.status(204).end();
  });
  router.post('/mailboxes/:address/items/:id/cancel-meeting', (req, res) => {
    control.user.cancelMeeting(String(req.params.address), String(req.params.id));
    res.status(204).end();
  });
  // "The user in Outlook" on the folder hierarchy (what SyncFolderHierarchy / mailFolders delta report).
  router.post('/mailboxes/:address/folders', (req, res) => {
    const input = folderSchema.parse(req.body);
    const folder = control.user.createFolder(String(req.params.address), input.displayName, { parent: input.parent, kind: input.kind });
    res.status(201).json({ id: folder.id, changeKey: folder.changeKey });
  });
  router.patch('/mailboxes/:address/folders/:id', (req, res) => {
    const folder = control.user.renameFolder(String(req.params.address), String(req.params.id), z.object({ displayName: z.string().min(1) }).parse(req.body).displayName);
    res.json({ id: folder.id, changeKey: folder.changeKey });
  });
  router.delete('/mailboxes/:address/folders/:id', (req, res) => {
    control.user.deleteFolder(String(req.params.address), String(req.params.id));
    res.status(204).end();
  });
  router.get('/sent-meeting-messages', (_req, res) => {
    res.json(control.store.sentMeetingMessages);
  });
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof z.ZodError) res.status(400).json({ error: 'invalid-input', issues: error.issues });
    else if (error instanceof StoreError) res.status(error.code === 'ErrorInvalidRequest' ? 400 : 404).json({ error: error.code, message: error.message });
    else next(error);
  });
  return router;
}
