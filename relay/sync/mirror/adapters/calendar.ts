/**
 * The calendar family's adapter factory (E4): the mailbox calendar (calendar-mailbox.ts) and C4C Appointments
 * (calendar-c4c.ts) of one session, sharing what the mailbox side learned about each event (its appointment key, the
 * series and original start of an occurrence) so the C4C side writes GroupwareItemID, RecurrenceActGroupwareID and
 * OccurrenceDate, and gives a C4C-made appointment the key of the event created for it.
 * The recurring-series decision is documented in calendar-mailbox.ts.
 */
import type { AdapterFactory } from './types';
import { createCalendarC4cAdapter } from './calendar-c4c';
import { createCalendarMailboxAdapter, type CalendarShared } from './calendar-mailbox';

export const calendarAdapters: AdapterFactory<'appointment'> = async (deps) => {
  const shared: CalendarShared = { identities: new Map() };
  const mailbox = createCalendarMailboxAdapter(deps, shared);
  const c4c = createCalendarC4cAdapter(deps, shared);
  return { mailbox, c4c };
};
