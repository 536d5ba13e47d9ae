/**
 * Every user-facing string of the task pane, in one place for translation (S9). Functions build the sentences that
 * carry values, so word order can change per language.
 */
import type { RecordKind } from '../../shared/api/sidebar';

export const strings = {
  appTitle: 'SAP Cloud for Customer',
  loading: 'Loading…',
  retry: 'Try again',
  close: 'Close',
  cancel: 'Cancel',
  openInC4c: 'Open in C4C',
  openInC4cLabel: (name: string) => `Open ${name} in SAP Cloud for Customer (new window)`,
  noItem: 'Select an email or a meeting to see its people in SAP Cloud for Customer.',
  unsupportedItem: 'This kind of item is not supported.',
  signedInAs: (name: string, org: string) => `${name} · ${org}`,

  // People
  peopleHeading: 'People',
  attendeesHeading: 'Attendees',
  noPeople: 'Nobody on this item other than you.',
  employeeOnly: 'Colleague (employee in C4C)',
  blocked: 'Blocked: not looked up in C4C',
  kind: {
    contact: 'Contact',
    lead: 'Lead',
    individualCustomer: 'Individual customer',
    account: 'Account',
    employee: 'Employee',
  } satisfies Record<RecordKind, string>,
  accountOf: (account: string) => `at ${account}`,
  notFoundTitle: 'Not found in C4C',
  notFoundHint: 'Create a record so this person is linked next time.',
  createContact: 'Create contact',
  createLead: 'Create lead',
  creating: 'Creating…',
  created: (kind: string, name: string) => `${kind} ${name} was created.`,
  firstName: 'First name',
  lastName: 'Last name',
  emailAddress: 'Email',
  company: 'Company',
  accountOptional: 'Account (optional)',
  noAccount: 'No account',
  required: 'Required',
  tooLong: (max: number) => `At most ${max} characters`,
  invalidEmail: 'Enter a valid email address',

  // Save (S3, S4)
  saveHeading: 'Save to C4C',
  mainAccount: 'Account',
  mainContact: 'Contact or lead',
  none: 'None',
  includeAttachments: 'Include attachments',
  includeAttachmentsCount: (n: number) => `Include attachments (${n})`,
  noAttachments: 'This email has no attachments.',
  attachmentsUnsupported: 'This version of Outlook cannot hand attachments to add-ins.',
  relatedItem: 'Related item',
  relatedType: 'Related item type',
  relatedTypes: { opportunity: 'Opportunity', ticket: 'Ticket' },
  relatedPlaceholder: 'Search by name or ID',
  relatedNone: 'No matches',
  relatedSearching: 'Searching…',
  save: 'Save',
  saving: 'Saving to C4C…',
  saved: 'Saved in C4C',
  savedJustNow: 'The email was saved in C4C.',
  alreadySaved: 'Already saved in C4C',
  alreadySavedBy: (who: string | undefined, when: string | undefined) =>
    [who ? `by ${who}` : undefined, when ? `on ${when}` : undefined].filter(Boolean).join(' ') || 'earlier',
  savingElsewhere: 'Someone is saving this email right now…',
  openSaved: (id: string) => `Open e-mail activity ${id}`,
  skippedAttachments: (names: string[]) => `Not saved: ${names.join(', ')} (too large, links or unsupported).`,
  bodyTooLarge: 'The message body is too large to save.',
  noMessageId: 'Outlook did not provide this message’s Internet message ID yet (e.g. a just-sent item). Try again in a moment.',

  // Meetings (S5)
  meetingHeading: 'Create in C4C',
  createInC4c: 'Create in C4C',
  creatingAppointment: 'Creating the appointment in C4C…',
  createdInC4c: 'Created in C4C',
  alreadyCreated: 'Already in C4C',
  openAppointment: (id: string) => `Open appointment ${id}`,
  when: (start: string, end: string) => `${start} – ${end}`,
  allDay: 'All day',
  readingMeeting: 'Reading the meeting…',
  meetingReadFailed: 'Could not read this meeting from Outlook.',
  saveMeetingFirst: 'Save the meeting first',
  meetingNotSaved: 'This meeting has not been saved yet, so C4C has nothing to link it to. Save it in Outlook (or send the invitation), then choose Check again.',
  meetingIdUnavailable:
    'This version of Outlook does not tell add-ins which meeting is open for editing, so it cannot be created in C4C from here. Save the meeting, then create it in C4C from Outlook on the web or a newer Outlook.',
  checkAgain: 'Check again',

  // Errors
  errorTitle: 'Something went wrong',
  viewFailed: 'This item could not be shown.',
  naaUnsupported: 'This version of Outlook cannot sign you in to the add-in (Nested App Authentication is missing). Update Outlook, or use the new Outlook or Outlook on the web.',
  loadFailed: 'Could not load the C4C records.',
  notSetUp: 'You are not set up for this add-in yet.',
  saveFailed: 'The email was not saved.',
  createFailed: 'The record was not created.',
  appointmentFailed: 'The appointment was not created.',
  signInFailed: 'Could not sign you in to the relay.',
  networkError: 'The relay could not be reached. Check your connection.',
} as const;

export type Strings = typeof strings;
