/**
 * The C4C side of task mirroring (E5): TasksCollection records the user is responsible for
 * (MainEmployeeResponsiblePartyID = the user's employee) or processes (ProcessorPartyID / ProcessorEmailURI).
 *
 * Reading: the tasks the user is responsible for with `EntityLastChangedOn ge datetimeoffset'<cursor>'` (the first
 * session, or after a lost link table: all of them), paged by `__next`, with `$expand=TasksTextCollection` (notes:
 * TypeCode 10002). C4C has no tombstones: linked tasks the delta did not return are checked in groups by ObjectID
 * (with the scope fields and ETag): a missing one is read by ObjectID and only a 404 makes it 'deleted'; one handed to
 * someone else is 'out-of-scope'; a changed one the user only processes is read in full.
 *
 * Tasks have no GroupwareItemID (c4c-odata.md §3.7): the link table is the mapping, and the mailbox task carries the
 * ObjectID as its stamp (see tasks-mailbox.ts). Creates therefore cannot be probed for an earlier, uncertain attempt
 * and are never repeated blindly (the client's `create` does not retry an unknown outcome).
 * Writes: DataOriginTypeCode 2 (Groupware), the user's employee responsible, notes as TasksTextCollection rows;
 * updates with If-Match (412 on a concurrent change); tasks are deletable.
 */
import type { Tasks } from '../../../c4c/entities';
import { C4cNotFoundError } from '../../../c4c/errors';
import { and, anyOf, dateTimeOffsetLiteral, eq } from '../../../c4c/query';
import type { C4cTaskRecord, C4cWrite } from '../mapping/types';
import type { MappedFields, MirrorLink, MirrorLookup, SideAdapter, SideItem, SideView } from '../types';
import { chunks, ignoreNotFound, NOTE_TYPE } from './calendar-c4c';
import type { AdapterDeps } from './types';

export const C4C_TASKS_CURSOR_KEY = 'mirror:c4c:task';
const SET = 'TasksCollection';
const TEXTS = 'TasksTextCollectionCollection';
const EXPAND = ['TasksTextCollection'] as const;
const SCOPE_FIELDS = ['ObjectID', 'ETag', 'MainEmployeeResponsiblePartyID', 'ProcessorPartyID', 'ProcessorEmailURI'] as const;
const OVERLAP_MS = 60_000;

interface TextRow {
  ObjectID: string;
  TypeCode?: string;
  Text?: string;
}
type TaskRow = Tasks & { TasksTextCollection?: TextRow[]; ProcessorEmailURI?: string };

const lower = (v: string | undefined | null): string => (v ?? '').trim().toLowerCase();

export interface TasksC4cHooks {
  /** After a C4C task was created for a mailbox task: stamp the mailbox task with the ObjectID. */
  stampMailbox?: (mailboxId: string, c4cId: string) => Promise<void>;
}

export function createTasksC4cAdapter(deps: AdapterDeps<'task'>, hooks: TasksC4cHooks = {}): SideAdapter {
  const { ctx, c4c, mapping, employee } = deps;
  const ownAddress = lower(ctx.state.address);
  let pending: { cursor: string } | undefined;

  const recordOf = (row: TaskRow): C4cTaskRecord => {
    const notes = (row.TasksTextCollection ?? []).find((t) => t.TypeCode === NOTE_TYPE)?.Text;
    return { header: row, ...(notes !== undefined ? { notes } : {}) };
  };
  const inScope = (row: Partial<TaskRow>): boolean =>
    (employee !== undefined && (row.MainEmployeeResponsiblePartyID === employee.employeeId || row.ProcessorPartyID === employee.employeeId)) || lower(row.ProcessorEmailURI) === ownAddress;

  const toItem = (row: TaskRow, outOfScope = false): SideItem => {
    const fields = mapping.fromC4c(recordOf(row));
    return {
      id: row.ObjectID,
      stamp: row.__metadata?.etag ?? row.ETag ?? row.EntityLastChangedOn ?? '',
      hash: mapping.hash('c4c', fields),
      fields,
      drives: true,
      ...(row.EntityLastChangedOn ? { changedAt: row.EntityLastChangedOn } : {}),
      ...(outOfScope ? { outOfScope: true } : {}),
    };
  };

  const readFull = async (objectId: string): Promise<TaskRow | undefined> => {
    try {
      return await c4c.read<typeof SET, TaskRow>(SET, objectId, { expand: EXPAND });
    } catch (error) {
      if (error instanceof C4cNotFoundError) return undefined;
      throw error;
    }
  };
  const readBack = async (objectId: string): Promise<SideItem> => {
    const row = await readFull(objectId);
    if (!row) throw new C4cNotFoundError(`The task ${objectId} cannot be read back.`, { method: 'GET', path: SET });
    return toItem(row);
  };

  const writeNotes = async (objectId: string, write: C4cWrite): Promise<void> => {
    if (write.notes === undefined) return;
    const row = await readFull(objectId);
    const note = (row?.TasksTextCollection ?? []).find((t) => t.TypeCode === NOTE_TYPE);
    if (note) {
      if ((note.Text ?? '') !== write.notes) await c4c.update(TEXTS, note.ObjectID, { Text: write.notes });
    } else if (write.notes !== '') await c4c.create(TEXTS, { ParentObjectID: objectId, TypeCode: NOTE_TYPE, Text: write.notes, LanguageCode: 'EN' });
  };

  return {
    side: 'c4c',
    kind: 'task',

    async read(links: MirrorLink[]): Promise<SideView> {
      const stored = await ctx.cursors.get(C4C_TASKS_CURSOR_KEY);
      const since = stored?.cursor && links.length > 0 ? stored.cursor : undefined;
      const byC4cId = new Map(links.filter((l) => l.c4cId).map((l) => [l.c4cId as string, l]));
      const changed = new Map<string, SideItem>();
      const gone = new Map<string, 'deleted' | 'out-of-scope'>();
      let newest: string | undefined;
      const consider = (row: TaskRow): void => {
        if (inScope(row)) {
          gone.delete(row.ObjectID);
          changed.set(row.ObjectID, toItem(row));
        } else if (byC4cId.has(row.ObjectID) && !changed.has(row.ObjectID)) gone.set(row.ObjectID, 'out-of-scope');
      };

      const own = employee ? eq('MainEmployeeResponsiblePartyID', employee.employeeId) : eq('ProcessorEmailURI', ctx.state.address);
      const filter = since ? and(`EntityLastChangedOn ge ${dateTimeOffsetLiteral(since)}`, own) : own;
      for await (const row of c4c.iterate<typeof SET, TaskRow>(SET, { filter, expand: EXPAND })) {
        if (row.EntityLastChangedOn && (!newest || Date.parse(row.EntityLastChangedOn) > Date.parse(newest))) newest = row.EntityLastChangedOn;
        consider(row);
      }

      const unseen = [...byC4cId.keys()].filter((id) => !changed.has(id) && !gone.has(id));
      const present = new Map<string, Partial<TaskRow>>();
      for (const group of chunks(unseen, 50)) {
        for (const row of await c4c.queryAll<typeof SET, TaskRow>(SET, { filter: anyOf('ObjectID', group), select: SCOPE_FIELDS })) present.set(row.ObjectID, row);
      }
      for (const id of unseen) {
        const row = present.get(id);
        if (row) {
          if (!inScope(row)) gone.set(id, 'out-of-scope');
          // A task the user processes but is not responsible for is not in the delta: a changed ETag reads it.
          else if (row.__metadata?.etag && row.__metadata.etag !== byC4cId.get(id)?.c4cStamp) {
            const full = await readFull(id);
            if (full) consider(full);
          }
          continue;
        }
        const full = await readFull(id);
        if (!full) gone.set(id, 'deleted');
        else consider(full);
      }

      const next = newest ? new Date(Math.max(Date.parse(newest) - OVERLAP_MS, since ? Date.parse(since) : 0)).toISOString() : (since ?? ctx.now().toISOString());
      pending = { cursor: next };
      return {
        side: 'c4c',
        changed: [...changed.values()],
        gone: [...gone].map(([id, reason]) => ({ id, reason })),
        ...(since ? {} : { totalInScope: changed.size }),
      };
    },

    async lookup(query: MirrorLookup): Promise<SideItem[]> {
      // Tasks are found by ObjectID only (the mailbox stamp); C4C holds no stamp of the mailbox task.
      const ids = [...new Set([...query.ids, ...query.stampedWith.filter((s) => /^[0-9A-F]{32}$/.test(s))])];
      const out: SideItem[] = [];
      for (const group of chunks(ids, 20)) {
        for (const row of await c4c.queryAll<typeof SET, TaskRow>(SET, { filter: anyOf('ObjectID', group), expand: EXPAND })) out.push(toItem(row, !inScope(row)));
      }
      return out;
    },

    async create(fields: MappedFields, stampWith: string | undefined): Promise<SideItem> {
      const write = mapping.toC4c(fields);
      const body: Record<string, unknown> = {
        ...write.body,
        DataOriginTypeCode: '2',
        ...(employee ? { MainEmployeeResponsiblePartyID: employee.employeeId } : { ProcessorEmailURI: ctx.state.address }),
        ...(write.notes ? { TasksTextCollection: [{ TypeCode: NOTE_TYPE, Text: write.notes, LanguageCode: 'EN' }] } : {}),
      };
      const created = await c4c.create(SET, body);
      // The link table is the mapping; the mailbox task's stamp is what re-links it when the table is lost.
      if (stampWith) await hooks.stampMailbox?.(stampWith, created.ObjectID);
      return readBack(created.ObjectID);
    },

    async update(id: string, fields: MappedFields, stamp: string | undefined): Promise<SideItem> {
      const write = mapping.toC4c(fields);
      await c4c.update(SET, id, write.body, stamp ? { etag: stamp } : {});
      await writeNotes(id, write);
      return readBack(id);
    },

    async delete(id: string): Promise<void> {
      await c4c.delete(SET, id).catch(ignoreNotFound);
    },

    async commitCursor(): Promise<void> {
      if (!pending) return;
      await ctx.cursors.set(C4C_TASKS_CURSOR_KEY, { folderId: SET, cursor: pending.cursor, baselineDone: true });
      pending = undefined;
    },
  };
}
