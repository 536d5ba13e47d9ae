/**
 * The mailbox side of task mirroring (E5): the tasks of the user's task folder (EWS Tasks, Graph's default To Do list)
 * that carry the trigger category (SYNC_CATEGORIES.trigger).
 *
 * Reading: getChanges on the folder from the adapter's own cursor (`mirror:tasks`, advanced in memory, persisted only
 * by commitCursor), then getTasks. A task that loses the category is gone 'out-of-scope'; a delta delete (or a task
 * reported but gone when read) is gone 'deleted'. A full listing (first session, rejected cursor, lost link table)
 * verifies the linked tasks it did not name by reading them.
 *
 * C4C Tasks have no GroupwareItemID, so the link table is the mapping; the mailbox task is stamped with the C4C
 * ObjectID in its create request (createTask's `c4cObjectId` option), and that stamp (`stampedWith`) is what re-links a task when the link table is
 * lost: the table's loss is noticed (fewer links than the cursor was committed with) and everything is read again, so
 * every stamped task is offered to the planner with the ObjectID it belongs to — never created a second time.
 */
import { SYNC_CATEGORIES } from '../../../../shared/api/sync';
import type { MailFolder, MailTask, TaskInput } from '../../../mailbox/types';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import { continueCursor, hasCategory, readFolderChanges } from './calendar-mailbox';
import type { AdapterDeps } from './types';

export const TASKS_CURSOR_KEY = 'mirror:tasks';
const TRIGGER = SYNC_CATEGORIES.trigger.displayName;

interface TasksCursorState {
  v: 1;
  delta?: string;
  links: number;
}

function parseState(text: string | undefined): TasksCursorState | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<TasksCursorState>;
    return parsed.v === 1 ? { v: 1, delta: typeof parsed.delta === 'string' ? parsed.delta : undefined, links: Number(parsed.links) || 0 } : undefined;
  } catch {
    return undefined;
  }
}

export function createTasksMailboxAdapter(deps: AdapterDeps<'task'>): SideAdapter {
  const { ctx, mapping } = deps;
  const mailbox = ctx.mailbox;
  let folder: MailFolder | undefined;
  let pending: { folderId: string; state: TasksCursorState } | undefined;
  const seen = new Map<string, SideItem>();

  const tasks = async (): Promise<MailFolder> => (folder ??= await mailbox.getWellKnownFolder('tasks'));
  const inScope = (t: MailTask): boolean => hasCategory(t.categories, TRIGGER);

  const toItem = (t: MailTask, outOfScope = false): SideItem => {
    const fields = mapping.fromMailbox(t);
    const item: SideItem = {
      id: t.id,
      stamp: t.changeKey,
      hash: mapping.hash('mailbox', fields),
      fields,
      drives: true,
      ...(t.c4cObjectId ? { stampedWith: t.c4cObjectId } : {}),
      ...(t.lastModifiedAt ? { changedAt: t.lastModifiedAt } : {}),
      ...(outOfScope ? { outOfScope: true } : {}),
    };
    seen.set(t.id, item);
    return item;
  };

  const readBack = async (id: string): Promise<SideItem> => {
    const [task] = await mailbox.getTasks([id]);
    if (!task) throw new Error(`The task ${id} of ${mailbox.address} cannot be read back.`);
    return toItem(task);
  };

  return {
    side: 'mailbox',
    kind: 'task',

    async read(links: MirrorLink[]): Promise<SideView> {
      const f = await tasks();
      const stored = await ctx.cursors.get(TASKS_CURSOR_KEY);
      const previous = stored?.folderId === f.id ? parseState(stored.cursor) : undefined;
      const resume = previous && continueCursor(previous.links, links) ? previous : undefined;
      const changes = await readFolderChanges(mailbox, f.id, 'task', resume?.delta);
      pending = { folderId: f.id, state: { v: 1, delta: changes.cursor, links: 0 } };

      const byMailboxId = new Map(links.filter((l) => l.mailboxId).map((l) => [l.mailboxId as string, l]));
      const changed = new Map<string, SideItem>();
      const gone = new Map<string, 'deleted' | 'out-of-scope'>();
      const consider = (t: MailTask): void => {
        if (inScope(t)) changed.set(t.id, toItem(t));
        else if (byMailboxId.has(t.id)) gone.set(t.id, 'out-of-scope');
      };

      const read = changes.changed.size > 0 ? await mailbox.getTasks([...changes.changed]) : [];
      const returned = new Set(read.map((t) => t.id));
      for (const id of changes.changed) if (!returned.has(id)) changes.deleted.add(id);
      for (const t of read) consider(t);
      for (const id of changes.deleted) if (byMailboxId.has(id) && !changed.has(id)) gone.set(id, 'deleted');

      if (changes.full) {
        const unnamed = [...byMailboxId.keys()].filter((id) => !changed.has(id) && !gone.has(id));
        const found = new Map(unnamed.length > 0 ? (await mailbox.getTasks(unnamed)).map((t) => [t.id, t]) : []);
        for (const id of unnamed) {
          const t = found.get(id);
          if (!t) gone.set(id, 'deleted');
          else consider(t);
        }
      }
      return {
        side: 'mailbox',
        changed: [...changed.values()],
        gone: [...gone].map(([id, reason]) => ({ id, reason })),
        ...(changes.full ? { totalInScope: changed.size } : {}),
      };
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      const out = new Map<string, SideItem>();
      const stamps = new Set(query.stampedWith);
      for (const item of seen.values()) if (item.stampedWith && stamps.has(item.stampedWith)) out.set(item.id, item);
      const ids = query.ids.filter((id) => !out.has(id));
      let found: MailTask[] = [];
      try {
        found = ids.length > 0 ? await mailbox.getTasks(ids) : [];
      } catch {
        for (const id of ids) found.push(...(await mailbox.getTasks([id]).catch(() => [])));
      }
      for (const t of found) out.set(t.id, toItem(t, !inScope(t)));
      return [...out.values()];
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const input = mapping.toMailbox(fields);
      const categories = input.categories ?? [];
      const full: TaskInput = {
        subject: '',
        status: 'notStarted',
        importance: 'normal',
        ...input,
        categories: hasCategory(categories, TRIGGER) ? categories : [...categories, TRIGGER],
      };
      // The C4C ObjectID travels in the create request itself (one write, no separate stamp).
      const ref = await mailbox.createTask((await tasks()).id, full, stampWith ? { c4cObjectId: stampWith } : undefined);
      return readBack(ref.id);
    },

    async update(id: string, fields: MappedFields): Promise<SideItem> {
      await mailbox.updateTask(id, mapping.toMailbox(fields));
      return readBack(id);
    },

    async delete(id: string): Promise<void> {
      await mailbox.deleteTask(id);
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      const stamped = [...seen.values()].filter((i) => i.stampedWith && !i.outOfScope).length;
      pending.state.links = Math.max(deps.links.length, stamped);
      await ctx.cursors.set(TASKS_CURSOR_KEY, { folderId: pending.folderId, cursor: JSON.stringify(pending.state), baselineDone: true });
      pending = undefined;
    },
  };
}
