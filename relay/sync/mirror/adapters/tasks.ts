/**
 * The tasks family's adapter factory (E5): categorized mailbox tasks (tasks-mailbox.ts) ↔ C4C Tasks (tasks-c4c.ts).
 * C4C Tasks have no GroupwareItemID: the link table is the mapping, the mailbox task's C4C ObjectID stamp re-links it
 * when the table is lost.
 */
import type { AdapterFactory } from './types';
import { createTasksC4cAdapter } from './tasks-c4c';
import { createTasksMailboxAdapter } from './tasks-mailbox';

export const taskAdapters: AdapterFactory<'task'> = async (deps) => ({
  mailbox: createTasksMailboxAdapter(deps),
  c4c: createTasksC4cAdapter(deps, {
    stampMailbox: async (mailboxId, c4cId) => {
      await deps.ctx.mailbox.setC4cObjectId(mailboxId, 'task', c4cId);
    },
  }),
});
