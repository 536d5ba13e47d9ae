/** Every text of the user's own activation (S8), in one place for translation. */
import type { MailboxType } from '../../shared/api/activation';

export const activationStrings = {
  heading: 'Activate synchronization',
  intro: (address: string) => `Connect your mailbox ${address} so your emails, meetings and contacts sync with SAP Cloud for Customer, even while Outlook is closed.`,
  loading: 'Checking your mailbox connection…',
  loadFailed: 'Could not check your mailbox connection',
  typeLabel: 'Mailbox type',
  typeName: { office365: 'Office 365', exchange: 'Exchange' } satisfies Record<MailboxType, string>,
  typeHint: { office365: 'Sign in with your Microsoft work account.', exchange: 'Your organization\'s Exchange server: sign in with your mailbox login and password.' } satisfies Record<MailboxType, string>,
  typeUnavailable: (orgType: string) => `Your organization connects mailboxes through ${orgType}.`,
  next: 'Continue',
  back: 'Back',

  office365Text: 'A Microsoft sign-in window opens. Sign in with your work account and accept the permissions; the window closes by itself.',
  signIn: 'Sign in with Microsoft',
  waitingForDialog: 'Waiting for the sign-in window…',
  finishing: 'Finishing the activation…',
  dialogClosed: 'The sign-in window was closed before the sign-in finished. Try again when you are ready.',
  dialogBlocked: 'The sign-in window could not be opened. Allow pop-ups for Outlook, then try again.',
  consentError: (description: string) => `Microsoft did not complete the sign-in: ${description}`,
  signInFailed: 'The sign-in did not complete',

  exchangeText: 'Your login and password are checked with the mail server before they are stored (encrypted).',
  login: 'Login',
  loginHint: 'Usually your email address; some servers use DOMAIN\\user.',
  password: 'Password',
  ewsUrl: 'EWS URL',
  ewsUrlHint: 'The Exchange Web Services address of your mail server, e.g. https://mail.example.com/EWS/Exchange.asmx. Your IT department can tell you.',
  ewsUrlInvalid: 'Enter a web address starting with https:// (or http://).',
  passwordRequired: 'Enter your password.',
  loginRequired: 'Enter your login.',
  extendedTitle: 'We could not find your mail server automatically',
  extendedText: 'Enter the EWS URL of your mail server (the extended login).',
  activate: 'Activate',
  checking: 'Checking with the mail server…',
  activationFailed: 'The mailbox could not be connected',

  enabledTitle: 'Synchronization was enabled',
  enabledText: 'The first session starts within seconds; open this tab again later to see how it went.',
  resumedText: 'Your mailbox is connected again and synchronization resumed.',

  reauthorizeTitle: 'Authorize again',
  reauthorizeText: (consecutive: number, suspended: boolean) =>
    `The mail server rejected the last ${consecutive} sync sessions${suspended ? ', so synchronization is suspended' : ''}. Sign in again to continue. The server said:`,
  reauthorizeButton: 'Authorize again',
  cancel: 'Cancel',
};
