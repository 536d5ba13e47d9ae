/**
 * The simulated Outlook host behind the sandbox page: owns the selected item, the theme and the signed-in user, and
 * hands the task-pane iframe (through `window.__sandboxOutlook.attach`) a fake Office object and an NAA bridge. The
 * task pane reloads → attach runs again → a fresh Office object, exactly like a pane reload in Outlook.
 */
import type { SandboxItem, SandboxUser } from '../../shared/api/sandbox';
import type { SandboxOutlookHost } from '../office/loadOffice';
import { createFakeOffice, type FakeItemOptions, type FakeOfficeHandle, type FakeTheme } from './fakeOffice';
import { createSandboxNaaBridge, sandboxTokenUrl } from './naaBridge';

export interface SandboxHostState {
  item: SandboxItem | null;
  theme: FakeTheme;
  user: SandboxUser | null;
}

export class SandboxHost implements SandboxOutlookHost {
  private handle: FakeOfficeHandle | null = null;
  /** Bridge requests seen, newest last (shown on the page, handy when debugging auth). */
  readonly authLog: string[] = [];

  constructor(
    private state: SandboxHostState,
    private readonly origin: string,
  ) {}

  attach(target: Window): void {
    const user = this.state.user;
    this.handle = createFakeOffice({
      ...this.formFor(this.state.item),
      // `/sandbox.html?naa=0` plays an Outlook without Nested App Authentication.
      nestedAppAuth: new URLSearchParams(window.location.search).get('naa') !== '0',
      item: this.state.item,
      theme: this.state.theme,
      user: user === null ? undefined : { displayName: user.displayName, email: user.email },
      // The user's zone is the browser's, as on the sandbox page itself (not the zone of whichever item is open).
    });
    const win = target as Window & { Office?: unknown; nestedAppAuthBridge?: unknown };
    win.Office = this.handle.office;
    win.nestedAppAuthBridge = createSandboxNaaBridge({
      currentUserOid: () => this.state.user?.oid ?? null,
      tokenUrl: sandboxTokenUrl(this.origin),
      onRequest: (method) => {
        this.authLog.push(`${new Date().toISOString()} ${method}`);
      },
    });
  }

  /** The user clicked another item: the pinned task pane gets ItemChanged. */
  selectItem(item: SandboxItem | null): void {
    this.state = { ...this.state, item };
    this.handle?.setItem(item, this.formFor(item));
  }

  /** As in Outlook, the organizer opens their own meeting in the organizer's (compose) form; attendees read it. */
  private formFor(item: SandboxItem | null): FakeItemOptions {
    const own = this.state.user?.email.toLowerCase();
    return item?.kind === 'appointment' && own !== undefined && item.organizer?.address.toLowerCase() === own ? { appointmentForm: 'compose' } : {};
  }

  setTheme(theme: FakeTheme): void {
    this.state = { ...this.state, theme };
    this.handle?.setTheme(theme);
  }

  /** A different user: the caller reloads the task pane so no token or state of the previous user survives. */
  setUser(user: SandboxUser | null): void {
    this.state = { ...this.state, user };
  }
}
