/**
 * The contract of the mapping tables (E10): per mirrored kind, a declarative list of field pairs, each with a default
 * direction, a named transform and, where the product deviates, the documented exception. The tables are the only
 * place that knows both vocabularies; side adapters call `toFields` / `fromFields` and never map a field themselves.
 *
 * "Native" shapes are what the adapters read and write: on the mailbox side the relay/mailbox types, on the C4C side
 * the OData entity plus what the adapter reads with it (an appointment's involved parties and notes text).
 */
import type { Appointment, AppointmentInvolvedParties, Contact, CorporateAccount, IndividualCustomer, Tasks } from '../../../c4c/entities';
import type { CalendarEvent, ContactInput, EventInput, MailContact, MailTask, TaskInput } from '../../../mailbox/types';
import type { Direction, FieldValue, MappedFields, MirrorKind, Side } from '../types';

/** A C4C appointment as the adapter reads it: the header, its attendees, and the notes (AppointmentTextCollection). */
export interface C4cAppointmentRecord {
  header: Appointment;
  involvedParties: AppointmentInvolvedParties[];
  /** The body text of type 10002 (note), if any. */
  notes?: string;
}

export interface C4cTaskRecord {
  header: Tasks;
  notes?: string;
}

/** Native types per kind: [mailbox item, mailbox write input, C4C record, C4C write body]. */
export interface NativeTypes {
  appointment: { mailbox: CalendarEvent; mailboxInput: EventInput; c4c: C4cAppointmentRecord };
  task: { mailbox: MailTask; mailboxInput: TaskInput; c4c: C4cTaskRecord };
  contact: { mailbox: MailContact; mailboxInput: ContactInput; c4c: Contact };
  account: { mailbox: MailContact; mailboxInput: ContactInput; c4c: CorporateAccount };
  individualCustomer: { mailbox: MailContact; mailboxInput: ContactInput; c4c: IndividualCustomer };
}

/**
 * What `fromFields` returns for C4C: the header body (POST / PATCH of the collection) plus, for appointments, the
 * attendees and notes the adapter writes to their own collections.
 */
export interface C4cWrite {
  body: Record<string, unknown>;
  involvedParties?: { PartyEmailURI: string; PartyName?: string; RoleCode: string }[];
  notes?: string;
}

/** A named, documented conversion between the two sides' representations of one field. */
export interface Transform {
  name: string;
  description: string;
}

export interface FieldMapping<K extends MirrorKind> {
  /** The mapped field's name (the key in MappedFields). */
  field: string;
  /** Shown in the admin console and the README. */
  label: string;
  /** What the mailbox side calls it (EWS / Graph property). */
  mailboxProperty: string;
  /** What C4C calls it (OData property or navigation). */
  c4cProperty: string;
  defaultDirection: Direction;
  /** False: the direction is fixed (an identity or a documented exception); overrides are refused. */
  configurable: boolean;
  transform?: Transform;
  /** Why the field deviates from "both ways" (e.g. notes are one-way), shown in the README. */
  exception?: string;
  fromMailbox(item: NativeTypes[K]['mailbox']): FieldValue;
  toMailbox(value: FieldValue, out: Partial<NativeTypes[K]['mailboxInput']>): void;
  fromC4c(record: NativeTypes[K]['c4c']): FieldValue;
  toC4c(value: FieldValue, out: C4cWrite): void;
}

export interface MappingTable<K extends MirrorKind> {
  kind: K;
  /** The C4C entity set of the kind (AppointmentCollection, TasksCollection, ContactCollection, …). */
  c4cEntitySet: string;
  /** The mailbox folder the kind lives in ('calendar', 'tasks', or a product contact folder key). */
  mailboxFolder: 'calendar' | 'tasks' | 'contacts' | 'accounts' | 'individualCustomers';
  fields: FieldMapping<K>[];
}

/** Pure functions over one table with the organization's effective directions. */
export interface KindMapping<K extends MirrorKind> {
  table: MappingTable<K>;
  directions: Record<string, Direction>;
  /** Every mapped field with a direction other than 'none'. */
  fromMailbox(item: NativeTypes[K]['mailbox']): MappedFields;
  fromC4c(record: NativeTypes[K]['c4c']): MappedFields;
  /** Only the fields allowed to flow into the mailbox. */
  toMailbox(fields: MappedFields): Partial<NativeTypes[K]['mailboxInput']>;
  /** Only the fields allowed to flow into C4C. */
  toC4c(fields: MappedFields): C4cWrite;
  /** Hash of the fields that flow *from* `side` (normalised, order-independent). */
  hash(side: Side, fields: MappedFields): string;
}
