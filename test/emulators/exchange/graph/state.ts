/**
 * Graph-only emulator state that the shared store does not model: RBAC for Applications scopes (which mailboxes an
 * app may open), mailboxes without REST access, and what tests assert about clients (max concurrency per mailbox,
 * batch sizes).
 */

export const MAILBOX_CONCURRENCY_LIMIT = 4;

export class GraphEmulatorState {
  /** appId → mailboxes (lower-case) the app may open. An app without an entry has tenant-wide access (plain Entra consent). */
  private readonly appScopes = new Map<string, Set<string>>();
  /** Mailboxes answering 404 MailboxNotEnabledForRESTAPI (on-premises / unlicensed). */
  readonly restDisabled = new Set<string>();
  /** Reject the 5th concurrent request per mailbox with 429 ApplicationThrottled, like Outlook. */
  enforceMailboxConcurrency = true;
  readonly maxConcurrentPerMailbox = new Map<string, number>();
  /** Requests refused because the mailbox already had 4 in flight. */
  concurrencyRejections = 0;
  /** Size of every `$batch` received, in order. */
  readonly batchSizes: number[] = [];
  private readonly inFlight = new Map<string, number>();

  /** RBAC for Applications: from now on the app may open only these mailboxes. */
  restrictApp(appId: string, mailboxes: readonly string[]): void {
    this.appScopes.set(appId.toLowerCase(), new Set(mailboxes.map((m) => m.toLowerCase())));
  }

  allowAppMailbox(appId: string, mailbox: string): void {
    const scope = this.appScopes.get(appId.toLowerCase()) ?? new Set<string>();
    scope.add(mailbox.toLowerCase());
    this.appScopes.set(appId.toLowerCase(), scope);
  }

  removeAppMailbox(appId: string, mailbox: string): void {
    this.appScopes.get(appId.toLowerCase())?.delete(mailbox.toLowerCase());
  }

  clearAppRestriction(appId: string): void {
    this.appScopes.delete(appId.toLowerCase());
  }

  appMayOpen(appId: string | undefined, mailbox: string): boolean {
    if (!appId) return true;
    const scope = this.appScopes.get(appId.toLowerCase());
    return !scope || scope.has(mailbox.toLowerCase());
  }

  /** Starts a request against a mailbox; `admitted` false = over the concurrency limit (nothing to end then). */
  begin(mailbox: string): { admitted: boolean; end: () => void } {
    const key = mailbox.toLowerCase();
    const now = (this.inFlight.get(key) ?? 0) + 1;
    if (this.enforceMailboxConcurrency && now > MAILBOX_CONCURRENCY_LIMIT) {
      this.concurrencyRejections += 1;
      return { admitted: false, end: () => undefined };
    }
    this.inFlight.set(key, now);
    this.maxConcurrentPerMailbox.set(key, Math.max(now, this.maxConcurrentPerMailbox.get(key) ?? 0));
    let ended = false;
    return {
      admitted: true,
      end: () => {
        if (ended) return;
        ended = true;
        this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      },
    };
  }

  resetStats(): void {
    this.maxConcurrentPerMailbox.clear();
    this.concurrencyRejections = 0;
    this.batchSizes.length = 0;
  }
}
