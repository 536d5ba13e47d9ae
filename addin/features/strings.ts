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

/** My sync settings (S6), My sync status (S7) and the pane's navigation. */
export const syncStrings = {
  // Navigation
  navLabel: 'Task pane sections',
  tabRecords: 'Records',
  tabStatus: 'Sync status',
  tabSettings: 'Settings',

  // My sync settings (S6)
  settingsHeading: 'My sync settings',
  loadingSettings: 'Loading your sync settings…',
  settingsLoadFailed: 'Could not load your sync settings.',
  autoSaveHeading: 'Save to C4C automatically',
  mirrorHeading: 'Keep in sync',
  settingLabels: {
    autoSaveIncoming: 'Incoming emails',
    autoSaveOutgoing: 'Emails I send',
    autoSaveThreads: 'New messages of conversations already saved',
    autoSaveCalendar: 'Calendar events',
    syncTasks: 'Tasks',
    syncContacts: 'Contacts',
  },
  settingHints: {
    autoSaveIncoming: 'Every email that arrives in your inbox is saved, unless a participant is blocked.',
    autoSaveOutgoing: 'Every email you send is saved, unless a recipient is blocked.',
    autoSaveThreads: 'Replies in a conversation you saved before are saved too.',
    autoSaveCalendar: 'Meetings are created in C4C without giving them the category.',
    syncTasks: 'Your Outlook tasks and C4C tasks are kept in step.',
    syncContacts: 'C4C contacts and accounts appear in your Outlook contact folders.',
  },
  fromPreset: (name: string) => `From preset “${name}”`,
  autoCreatedHeading: 'Created for you to complete',
  autoCreatedIntro: 'Sync created these in C4C for people and companies it did not know. Open them to add what is missing.',
  autoCreatedKind: { lead: 'Lead', contact: 'Contact', account: 'Account' } as const,
  fromPresetHint: 'Your administrator set this with a settings preset. Change it to make it your own choice.',
  effectiveAt: (when: string) => `Changes apply from the next sync session (at ${when}).`,
  effectiveNext: 'Changes apply from the next sync session.',
  savedEffectiveAt: (when: string) => `Saved. Applies from the next sync session (at ${when}).`,
  savedEffectiveNext: 'Saved. Applies from the next sync session.',
  savingSetting: 'Saving…',
  settingSaveFailed: 'Your change was not saved.',
  blocklistHeading: 'My blocklist',
  blocklistHint: 'Emails from or to these addresses and domains are never saved automatically. A domain covers its subdomains.',
  blocklistAddLabel: 'Address or domain to block',
  blocklistPlaceholder: 'e.g. example.com',
  blocklistAdd: 'Add',
  blocklistRemove: (entry: string) => `Remove ${entry} from my blocklist`,
  blocklistEmpty: 'You have not blocked anybody.',
  blocklistDuplicate: 'Already in your blocklist',
  blocklistAlreadyOrg: 'Already blocked by your organization',
  blocklistFull: (max: number) => `Your blocklist holds at most ${max} entries`,
  blocklistAdded: (entry: string) => `${entry} was added to your blocklist.`,
  blocklistRemoved: (entry: string) => `${entry} was removed from your blocklist.`,
  orgBlocklistHeading: 'Blocked by your organization',
  orgBlocklistHint: 'Set by your administrator; you cannot change these.',
  orgBlocklistEmpty: 'Your organization blocks nobody.',

  // My sync status (S7)
  statusHeading: 'My sync status',
  loadingStatus: 'Loading your sync status…',
  statusLoadFailed: 'Could not load your sync status.',
  notActivatedTitle: 'Sync is not activated',
  notActivated: 'Synchronization is not activated for your mailbox yet. Ask your administrator to activate it.',
  statusBadge: { enabled: 'Enabled', paused: 'Paused', suspended: 'Suspended' },
  stage: { pending: 'Waiting for its first session', 'setting-up': 'Setting up your mailbox', syncing: 'Syncing now', idle: 'Up to date' },
  pausedTitle: 'Sync is paused',
  pausedText: 'No sessions run until you resume. Emails you categorize in the meantime are saved after you resume.',
  suspendedTitle: 'Sync was suspended',
  suspendedAdviceFallback: 'Fix the problem, then choose Resume.',
  lastFailureTitle: (n: number) => (n === 1 ? 'The last session failed' : `The last ${n} sessions failed`),
  failureClass: {
    'credentials-rejected': 'The mail server rejected the credentials',
    'mailbox-not-found': 'The mailbox was not found',
    'c4c-unreachable': 'SAP Cloud for Customer could not be reached',
    throttled: 'The mail server asked to slow down',
    unknown: 'Something went wrong',
  },
  lastSession: 'Last session',
  lastSuccess: 'Last success',
  nextSession: 'Next session',
  interval: 'Runs every',
  intervalMinutes: (n: number) => (n === 1 ? '1 minute' : `${n} minutes`),
  never: 'Never',
  notScheduled: 'Not scheduled',
  soon: 'Within seconds',
  pause: 'Pause',
  resume: 'Resume',
  syncNow: 'Sync now',
  pausing: 'Pausing…',
  resuming: 'Resuming…',
  queueing: 'Starting…',
  paused: 'Sync was paused.',
  resumed: 'Sync was resumed; a session starts within seconds.',
  queued: 'A session starts within seconds.',
  alreadyQueued: 'A session is already about to start.',
  alreadyRunning: 'A session is running already.',
  actionFailed: 'That did not work.',
  running: 'Session running',
  progressStep: (step: string, done?: number, total?: number) => {
    const words = stepWords(step);
    return total !== undefined && done !== undefined ? `${words}: ${done} of ${total}` : done !== undefined ? `${words}: ${done}` : words;
  },
  progressLabel: 'Progress of the running session',
  starting: 'Waiting for the session to start…',
  recentRunsHeading: 'Recent sessions',
  noRuns: 'No session has run yet.',
  runTrigger: { schedule: 'Scheduled', manual: 'Sync now', admin: 'By an administrator', resume: 'After resume', push: 'New mail' },
  runOutcome: { running: 'Running', succeeded: 'Succeeded', failed: 'Failed', abandoned: 'Interrupted' },
  runCounts: (saved: number, failed: number, skipped: number) => {
    const parts = [`${saved} saved`];
    if (failed > 0) parts.push(`${failed} failed`);
    if (skipped > 0) parts.push(`${skipped} skipped`);
    return parts.join(', ');
  },
  runNothing: 'Nothing new',
  runInProgress: 'In progress…',
  runErrors: (n: number) => (n === 1 ? '1 error' : `${n} errors`),
  runChartLabel: 'Emails per session, newest first',
  legendSaved: 'Saved',
  legendFailed: 'Failed',
  legendOther: 'Skipped, blocked or saved before',
  itemErrorsHeading: 'Emails that could not be saved',
  noItemErrors: 'No errors.',
  noSubject: '(no subject)',
  itemAttempts: (n: number) => (n === 1 ? '1 attempt' : `${n} attempts`),
  willRetry: 'Tried again at the next session',
  noMoreRetries: 'Not tried again automatically. Open the email and choose Save to try once more.',
  since: (when: string) => `since ${when}`,
} as const;

const FOLDER_WORDS: Record<string, string> = { inbox: 'Inbox', sentitems: 'Sent Items', save: 'the SAP Cloud for Customer folder' };

/** The engine's step names (relay/sync: 'setup: folders', 'email: inbox', …) in words; unknown ones as they are. */
function stepWords(step: string): string {
  const [part, detail] = step.split(': ', 2) as [string, string | undefined];
  if (part === 'setup') {
    if (detail === 'folders') return 'Creating the SAP folders';
    if (detail === 'categories') return 'Creating the SAP categories';
    if (detail === 'baseline') return 'Noting where your folders are today';
  }
  if (part === 'email') {
    if (detail === undefined) return 'Saving emails';
    const first = /^first look at (\w+)$/.exec(detail);
    if (first) return `Looking for categorized emails in ${FOLDER_WORDS[first[1]] ?? first[1]}`;
    if (FOLDER_WORDS[detail]) return `Checking ${FOLDER_WORDS[detail]}`;
  }
  return step;
}
