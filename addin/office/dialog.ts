/**
 * Office's dialog API (`Office.context.ui.displayDialogAsync`, DialogApi 1.1) for the Office 365 sign-in of the user's
 * own activation (S8): the task pane cannot navigate to Microsoft's sign-in itself (Outlook blocks it in the pane's
 * frame), so it opens a dialog at a page of its own origin, which goes on to the sign-in and back to the relay's
 * redirect page; that page sends one message (messageParent) and the pane closes the dialog.
 *
 * Without the dialog API (a browser tab, a host that lacks it) a popup window does the same: the redirect page then
 * reaches the pane through a BroadcastChannel of this origin (and the opener, when the browser kept it). Messages from
 * another origin are ignored either way.
 */
import { hasOffice, office } from './officeGlobal';
import { isSetSupported } from './requirements';

import { DIALOG_CHANNEL, DIALOG_POST_MESSAGE_KEY } from '../../shared/api/activation';

/** Office's dialog error codes (DialogEventReceived / displayDialogAsync). */
export const DIALOG_ERRORS = {
  alreadyOpen: 12007,
  closedByUser: 12006,
  blocked: 12009,
  cannotLoad: 12002,
} as const;

export interface DialogHandlers {
  /** The page's one message (a JSON string), from the allowed origin. */
  onMessage(message: string): void;
  /** The user closed the dialog before a message arrived (Office's dialog only; see openPopup). */
  onClosed(): void;
  /** The dialog failed to open or to load its page. */
  onError(error: DialogError): void;
}

export class DialogError extends Error {
  override name = 'DialogError';
  constructor(
    readonly code: number | 'popup-blocked',
    message: string,
  ) {
    super(message);
  }
}

export interface DialogSession {
  close(): void;
}

export interface OpenDialogOptions extends DialogHandlers {
  /** Origin the message must come from (the relay's). */
  origin: string;
  /** Size in percent of the screen (Office) / used to compute the popup's size. */
  widthPercent?: number;
  heightPercent?: number;
}

export function dialogApiSupported(): boolean {
  return hasOffice() && isSetSupported('DialogApi', '1.1') && typeof office().context?.ui?.displayDialogAsync === 'function';
}

function openOfficeDialog(url: string, options: OpenDialogOptions): Promise<DialogSession> {
  return new Promise((resolve, reject) => {
    let done = false;
    office().context.ui.displayDialogAsync(url, { width: options.widthPercent ?? 40, height: options.heightPercent ?? 60, displayInIframe: false, promptBeforeOpen: false }, (result) => {
      if (String(result.status) === 'failed') {
        reject(new DialogError(result.error?.code ?? 0, result.error?.message ?? 'The dialog could not be opened.'));
        return;
      }
      const dialog = result.value;
      dialog.addEventHandler(office().EventType.DialogMessageReceived, (arg) => {
        if (done || !('message' in arg)) return;
        // DialogOrigin 1.1 reports the sender's origin; older hosts only send from the dialog's own domain.
        const origin = (arg as { origin?: string }).origin;
        if (origin !== undefined && origin !== options.origin) return;
        done = true;
        options.onMessage(String(arg.message));
      });
      dialog.addEventHandler(office().EventType.DialogEventReceived, (arg) => {
        if (done) return;
        done = true;
        const code = 'error' in arg ? arg.error : 0;
        if (code === DIALOG_ERRORS.closedByUser) options.onClosed();
        else options.onError(new DialogError(code, `The sign-in window reported error ${code}.`));
      });
      resolve({
        close: () => {
          done = true;
          dialog.close();
        },
      });
    });
  });
}

function openPopup(url: string, options: OpenDialogOptions): DialogSession {
  const width = Math.round((window.screen.availWidth * (options.widthPercent ?? 40)) / 100);
  const height = Math.round((window.screen.availHeight * (options.heightPercent ?? 60)) / 100);
  const popup = window.open(url, 'c4c-activation', `popup,width=${width},height=${height}`);
  if (popup === null) throw new DialogError('popup-blocked', 'The browser blocked the sign-in window.');
  let done = false;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(DIALOG_CHANNEL) : null;
  const finish = (): void => {
    done = true;
    channel?.close();
    window.removeEventListener('message', onWindowMessage);
  };
  const deliver = (text: unknown): void => {
    if (done || typeof text !== 'string') return;
    finish();
    options.onMessage(text);
  };
  const onWindowMessage = (event: MessageEvent): void => {
    if (event.origin !== options.origin) return;
    deliver((event.data as Record<string, unknown> | null)?.[DIALOG_POST_MESSAGE_KEY]);
  };
  if (channel) channel.onmessage = (event: MessageEvent) => deliver((event.data as Record<string, unknown> | null)?.[DIALOG_POST_MESSAGE_KEY]);
  window.addEventListener('message', onWindowMessage);
  // Not watched for `closed`: a window that went to the sign-in on another origin looks closed to an opener with a
  // strict opener policy (the relay's COOP) while it is still open; the pane offers Cancel instead.
  return {
    close: () => {
      finish();
      try {
        popup.close();
      } catch {
        // Already gone.
      }
    },
  };
}

/** Opens the dialog (Office's where available, else a popup) at `url`, a page of this add-in's own origin. */
export async function openDialog(url: string, options: OpenDialogOptions): Promise<DialogSession> {
  if (dialogApiSupported()) return openOfficeDialog(url, options);
  return openPopup(url, options);
}
