/**
 * Mailbox tasks ↔ C4C Tasks (E5; c4c-odata.md §3.7, §4, §16). C4C keeps start and due as instants with a zone code
 * (StartDatetimeZoneCode / DueDatetimeZoneCode), the mailbox as dates; notes live in TasksTextCollection.
 */
import type { MailTask } from '../../../mailbox/types';
import type { FieldValue } from '../types';
import { TRANSFORMS, date, dateIn, ianaForSapCode, instant, mailboxText, odataInstant, plainText, str, text } from './transforms';
import type { C4cTaskRecord, FieldMapping, MappingTable } from './types';

type F = FieldMapping<'task'>;

type Status = MailTask['status'];
const STATUS_TO_C4C: Record<Status, string> = { notStarted: '1', inProgress: '2', waitingOnOthers: '2', completed: '3', deferred: '4' };
const STATUS_FROM_C4C: Record<string, Status> = { '1': 'notStarted', '2': 'inProgress', '3': 'completed', '4': 'deferred' };
const isStatus = (v: FieldValue): v is Status => typeof v === 'string' && v in STATUS_TO_C4C;

type Importance = MailTask['importance'];
const PRIORITY_TO_C4C: Record<Importance, string> = { low: '7', normal: '3', high: '2' };
const PRIORITY_FROM_C4C: Record<string, Importance> = { '1': 'high', '2': 'high', '3': 'normal', '7': 'low' };
const isImportance = (v: FieldValue): v is Importance => typeof v === 'string' && v in PRIORITY_TO_C4C;

/** A C4C task date: the calendar date of the instant in the record's zone (UTC when the code is unknown). */
const c4cDate = (value: string | null | undefined, zoneCode: string | undefined): string | null => dateIn(value, ianaForSapCode(zoneCode || 'UTC'));
const c4cDateBody = (v: FieldValue): string | null => {
  const d = str(v);
  return d === null ? null : odataInstant(`${d}T00:00:00Z`);
};

const fields: F[] = [
  {
    field: 'subject',
    label: 'Subject',
    mailboxProperty: 'Subject / title',
    c4cProperty: 'Subject',
    defaultDirection: 'both',
    configurable: false,
    transform: TRANSFORMS.text,
    fromMailbox: (t) => text(t.subject),
    toMailbox: (v, out) => {
      out.subject = mailboxText(v);
    },
    fromC4c: (r) => text(r.header.Subject),
    toC4c: (v, out) => {
      out.body.Subject = (str(v) ?? '').slice(0, 765);
    },
  },
  {
    field: 'startDate',
    label: 'Start date',
    mailboxProperty: 'StartDate / startDateTime',
    c4cProperty: 'StartDateTime, StartDatetimeZoneCode',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.taskDate,
    fromMailbox: (t) => date(t.startDate),
    toMailbox: (v, out) => {
      out.startDate = str(v) ?? undefined;
    },
    fromC4c: (r) => c4cDate(r.header.StartDateTime, r.header.StartDatetimeZoneCode),
    toC4c: (v, out) => {
      out.body.StartDateTime = c4cDateBody(v);
      out.body.StartDatetimeZoneCode = 'UTC';
    },
  },
  {
    field: 'dueDate',
    label: 'Due date',
    mailboxProperty: 'DueDate / dueDateTime',
    c4cProperty: 'DueDateTime, DueDatetimeZoneCode',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.taskDate,
    fromMailbox: (t) => date(t.dueDate),
    toMailbox: (v, out) => {
      out.dueDate = str(v) ?? undefined;
    },
    fromC4c: (r) => c4cDate(r.header.DueDateTime, r.header.DueDatetimeZoneCode),
    toC4c: (v, out) => {
      out.body.DueDateTime = c4cDateBody(v);
      out.body.DueDatetimeZoneCode = 'UTC';
    },
  },
  {
    field: 'status',
    label: 'Status',
    mailboxProperty: 'Status / status',
    c4cProperty: 'Status',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.taskStatus,
    exception:
      'C4C has four statuses, the mailbox five: "waiting on others" is written to C4C as In Process and reads back as in progress; "deferred" and C4C\'s Canceled (4) stand for each other, the closest closed-but-not-done state on each side.',
    fromMailbox: (t) => (t.status === 'waitingOnOthers' ? 'inProgress' : t.status),
    toMailbox: (v, out) => {
      out.status = isStatus(v) ? v : 'notStarted';
    },
    fromC4c: (r) => STATUS_FROM_C4C[text(r.header.Status) ?? '1'] ?? 'notStarted',
    toC4c: (v, out) => {
      out.body.Status = STATUS_TO_C4C[isStatus(v) ? v : 'notStarted'];
    },
  },
  {
    field: 'importance',
    label: 'Priority',
    mailboxProperty: 'Importance / importance',
    c4cProperty: 'PriorityCode',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.priority,
    fromMailbox: (t) => t.importance ?? 'normal',
    toMailbox: (v, out) => {
      out.importance = isImportance(v) ? v : 'normal';
    },
    fromC4c: (r) => PRIORITY_FROM_C4C[text(r.header.PriorityCode) ?? '3'] ?? 'normal',
    toC4c: (v, out) => {
      out.body.PriorityCode = PRIORITY_TO_C4C[isImportance(v) ? v : 'normal'];
    },
  },
  {
    field: 'completedAt',
    label: 'Completed on',
    mailboxProperty: 'CompleteDate / completedDateTime',
    c4cProperty: 'CompletionDateTime, CompletionPercent',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.instant,
    exception: 'The mailbox has no percentage: a completion writes CompletionPercent 100 to C4C, clearing it writes 0.',
    fromMailbox: (t) => instant(t.completedAt),
    toMailbox: (v, out) => {
      out.completedAt = str(v) ?? undefined;
    },
    fromC4c: (r: C4cTaskRecord) => instant(r.header.CompletionDateTime),
    toC4c: (v, out) => {
      out.body.CompletionDateTime = odataInstant(v);
      out.body.CompletionPercent = str(v) === null ? '0' : '100';
    },
  },
  {
    field: 'notes',
    label: 'Notes',
    mailboxProperty: 'Body / body (text)',
    c4cProperty: 'TasksTextCollection (TypeCode 10002)',
    defaultDirection: 'both',
    configurable: true,
    transform: TRANSFORMS.plainText,
    fromMailbox: (t) => plainText(t.bodyText),
    toMailbox: (v, out) => {
      out.bodyText = str(v) ?? '';
    },
    fromC4c: (r) => plainText(r.notes),
    toC4c: (v, out) => {
      out.notes = str(v) ?? '';
    },
  },
];

export const TASK_TABLE: MappingTable<'task'> = {
  kind: 'task',
  c4cEntitySet: 'TasksCollection',
  mailboxFolder: 'tasks',
  fields,
};
