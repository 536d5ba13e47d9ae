/**
 * Task mirroring (E5) through the real clients against the emulators, EWS (Tasks folder) and Graph (To Do): create,
 * update and delete each way, conflicts under the fixed rules, the category as scope, and a lost link table re-linked
 * by the mailbox stamp (C4C Tasks have no GroupwareItemID) without duplicates.
 */
import { createMirrorLinkRepository } from '../../../relay/store/mirror-links';
import { modes, TRIGGER, useMirrorBed, type MirrorUser } from './calendar-testbed';

const bed = useMirrorBed();
const user = () => bed.tb.bed.exchange.control.user;
const store = () => bed.tb.bed.exchange.store;
const tasksOf = (u: MirrorUser) => store().listItems(u.address, store().wellKnownFolder(u.address, 'tasks').id).filter((i) => i.kind === 'task');
const c4cTasks = () => bed.tb.c4c.control.list('TasksCollection');
const stampOf = (item: { extendedProperties: Record<string, { name: string; value: string }> }) => Object.values(item.extendedProperties).find((p) => p.name === 'C4CObjectID')?.value;
const newTask = (u: MirrorUser, subject: string, extra: Record<string, unknown> = {}) =>
  user().createTask(u.address, { subject, status: 'notStarted', importance: 'high', startDate: '2026-12-10', dueDate: '2026-12-14', bodyText: 'Prepare the offer', categories: [TRIGGER], ...extra });

describe.each(modes)('task mirroring (%s)', (mode) => {
  test('a categorized task becomes a C4C task (responsible = the user, notes, priority, dates) and is stamped; uncategorized ones stay', async () => {
    const u = await bed.newUser(mode);
    const task = newTask(u, 'Send the offer');
    const other = newTask(u, 'Private errand', { categories: [] });
    const first = await bed.session(u, 'task');
    expect(first.result?.errors).toEqual([]);
    const rows = c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ Subject: 'Send the offer', PriorityCode: '2', Status: '1', DataOriginTypeCode: '2' });
    expect(new Date(Number(row.DueDateTime)).toISOString().slice(0, 10)).toBe('2026-12-14');
    expect((row.TasksTextCollection as { TypeCode: string; Text: string }[]).find((t) => t.TypeCode === '10002')?.Text).toBe('Prepare the offer');
    expect(stampOf(store().item(u.address, task.id))).toBe(row.ObjectID);
    expect(stampOf(store().item(u.address, other.id))).toBeUndefined();
    const again = await bed.session(u, 'task');
    expect(again.result?.counts.create).toBe(0);
    expect(c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId)).toHaveLength(1);
  });

  test('a C4C task the user is responsible for becomes a categorized, stamped mailbox task', async () => {
    const u = await bed.newUser(mode);
    const [seeded] = bed.tb.c4c.control.seed('TasksCollection', [
      { Subject: 'Call back Nordwind', Status: '2', PriorityCode: '3', DueDateTime: '2026-12-20T00:00:00Z', DueDatetimeZoneCode: 'UTC', MainEmployeeResponsiblePartyID: u.employee.employeeId, TasksTextCollection: [{ TypeCode: '10002', Text: 'About the spare parts' }] },
    ]);
    const result = await bed.session(u, 'task');
    expect(result.result?.errors).toEqual([]);
    const tasks = tasksOf(u);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ subject: 'Call back Nordwind', status: 'inProgress', dueDate: '2026-12-20', bodyText: 'About the spare parts' });
    expect(tasks[0].categories).toContain(TRIGGER);
    expect(stampOf(tasks[0])).toBe(seeded.ObjectID);
  });

  test('updates and deletes flow each way; the category removed unlinks without deleting', async () => {
    const u = await bed.newUser(mode);
    const task = newTask(u, 'Draft contract');
    await bed.session(u, 'task');
    const [row] = c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    const id = String(row.ObjectID);

    user().edit(u.address, task.id, { status: 'completed', completedAt: '2026-12-03T10:00:00.000Z', bodyText: 'Signed' });
    const up = await bed.session(u, 'task');
    expect(up.result?.counts.update).toBe(1);
    const updated = bed.tb.c4c.control.get('TasksCollection', id);
    expect(updated).toMatchObject({ Status: '3', CompletionPercent: expect.stringMatching(/^100/) });
    expect(bed.tb.c4c.control.list('TasksTextCollectionCollection').find((t) => t.ParentObjectID === id)?.Text).toBe('Signed');

    await bed.c4cClient().update('TasksCollection', id, { Subject: 'Draft contract (C4C)', PriorityCode: '7' });
    const down = await bed.session(u, 'task');
    expect(down.result?.errors).toEqual([]);
    expect(store().item(u.address, task.id)).toMatchObject({ subject: 'Draft contract (C4C)', importance: 'low' });

    await bed.c4cClient().delete('TasksCollection', id);
    const del = await bed.session(u, 'task');
    expect(del.result?.counts.delete).toBe(1);
    expect(tasksOf(u).find((t) => t.id === task.id)).toBeUndefined();

    const second = newTask(u, 'Second');
    await bed.session(u, 'task');
    const [row2] = c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    user().delete(u.address, second.id, { permanent: true });
    const del2 = await bed.session(u, 'task');
    expect(del2.result?.counts.delete).toBe(1);
    expect(bed.tb.c4c.control.get('TasksCollection', String(row2.ObjectID))).toBeUndefined();

    const third = newTask(u, 'Third');
    await bed.session(u, 'task');
    user().categorize(u.address, third.id, []);
    const out = await bed.session(u, 'task');
    expect(out.result?.counts.delete).toBe(0);
    expect(c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId)).toHaveLength(1);
    expect(await bed.links(u, 'task')).toHaveLength(0);
  });

  test.each(['mailbox-wins', 'c4c-wins'] as const)('conflict on the subject: %s', async (rule) => {
    const u = await bed.newUser(mode);
    const task = newTask(u, 'Quote');
    await bed.session(u, 'task', { conflictRule: rule });
    const [row] = c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    user().edit(u.address, task.id, { subject: 'Quote (Outlook)' });
    await bed.c4cClient().update('TasksCollection', String(row.ObjectID), { Subject: 'Quote (C4C)' });
    const result = await bed.session(u, 'task', { conflictRule: rule });
    const winner = rule === 'mailbox-wins' ? 'Quote (Outlook)' : 'Quote (C4C)';
    expect(store().item(u.address, task.id)).toMatchObject({ subject: winner });
    expect(bed.tb.c4c.control.get('TasksCollection', String(row.ObjectID))).toMatchObject({ Subject: winner });
    expect(result.result?.conflicts).toEqual([expect.objectContaining({ field: 'subject', rule })]);
  });

  test.each(['mailbox', 'c4c'] as const)('latest-wins: the side changed last (%s) wins', async (last) => {
    const u = await bed.newUser(mode);
    const task = newTask(u, 'Forecast');
    await bed.session(u, 'task', { conflictRule: 'latest-wins' });
    const [row] = c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    const editMailbox = () => user().edit(u.address, task.id, { subject: 'Forecast (Outlook)' });
    const editC4c = () => bed.c4cClient().update('TasksCollection', String(row.ObjectID), { Subject: 'Forecast (C4C)' });
    if (last === 'mailbox') {
      await editC4c();
      await new Promise((r) => setTimeout(r, 1100));
      editMailbox();
    } else {
      editMailbox();
      await new Promise((r) => setTimeout(r, 1100));
      await editC4c();
    }
    await bed.session(u, 'task', { conflictRule: 'latest-wins' });
    const winner = last === 'mailbox' ? 'Forecast (Outlook)' : 'Forecast (C4C)';
    expect(store().item(u.address, task.id)).toMatchObject({ subject: winner });
    expect(bed.tb.c4c.control.get('TasksCollection', String(row.ObjectID))).toMatchObject({ Subject: winner });
  });

  test('a lost link table is rebuilt from the mailbox stamps: no duplicate task on either side', async () => {
    const u = await bed.newUser(mode);
    newTask(u, 'One');
    newTask(u, 'Two');
    bed.tb.c4c.control.seed('TasksCollection', [{ Subject: 'Three (C4C)', Status: '1', MainEmployeeResponsiblePartyID: u.employee.employeeId }]);
    await bed.session(u, 'task');
    expect(tasksOf(u)).toHaveLength(3);
    const mine = () => c4cTasks().filter((t) => t.MainEmployeeResponsiblePartyID === u.employee.employeeId);
    expect(mine()).toHaveLength(3);
    const repo = createMirrorLinkRepository(bed.tb.db);
    for (const link of await bed.links(u, 'task')) await repo.remove(bed.tb.world.organizationId, u.userId, 'task', { mailboxId: link.mailboxId, c4cId: link.c4cId });
    const rebuilt = await bed.session(u, 'task');
    expect(rebuilt.result?.errors).toEqual([]);
    expect(rebuilt.result?.counts.create).toBe(0);
    expect(await bed.links(u, 'task')).toHaveLength(3);
    expect(tasksOf(u)).toHaveLength(3);
    expect(mine()).toHaveLength(3);
  });
});
