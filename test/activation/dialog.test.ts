/**
 * addin/office/dialog.ts over Office's dialog API (an Office object shaped as office.js gives it): the one message from
 * the relay's origin reaches the pane, messages from elsewhere do not, 12006 means the user closed the dialog, a
 * failed displayDialogAsync is a DialogError, and close() closes Office's dialog.
 */
import { DialogError, dialogApiSupported, openDialog } from '../../addin/office/dialog';

type Handler = (arg: unknown) => void;
const globalWithOffice = globalThis as { Office?: unknown };

function fakeOffice(options: { fail?: { code: number; message: string }; dialogApi?: boolean } = {}) {
  const handlers = new Map<string, Handler>();
  const calls: Array<{ url: string; options: unknown }> = [];
  let closed = 0;
  const office = {
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    context: {
      requirements: { isSetSupported: (name: string) => name === 'DialogApi' && options.dialogApi !== false },
      ui: {
        displayDialogAsync: (url: string, dialogOptions: unknown, callback: (result: unknown) => void) => {
          calls.push({ url, options: dialogOptions });
          if (options.fail) {
            callback({ status: 'failed', error: options.fail });
            return;
          }
          callback({
            status: 'succeeded',
            value: {
              addEventHandler: (type: string, handler: Handler) => handlers.set(type, handler),
              close: () => {
                closed += 1;
              },
            },
          });
        },
      },
    },
  };
  globalWithOffice.Office = office;
  return { calls, emit: (type: string, arg: unknown) => handlers.get(type)?.(arg), closed: () => closed };
}

afterEach(() => {
  delete globalWithOffice.Office;
});

const ORIGIN = 'https://relay.example';

function handlers() {
  return { onMessage: jest.fn(), onClosed: jest.fn(), onError: jest.fn() };
}

it('delivers the one message from the relay origin and ignores others', async () => {
  const office = fakeOffice();
  expect(dialogApiSupported()).toBe(true);
  const h = handlers();
  const session = await openDialog(`${ORIGIN}/activation/office365/dialog?state=s`, { origin: ORIGIN, ...h });
  expect(office.calls[0]).toMatchObject({ url: `${ORIGIN}/activation/office365/dialog?state=s`, options: { displayInIframe: false } });
  office.emit('dialogMessageReceived', { message: '{"evil":true}', origin: 'https://evil.example' });
  expect(h.onMessage).not.toHaveBeenCalled();
  office.emit('dialogMessageReceived', { message: '{"type":"office365-consent"}', origin: ORIGIN });
  office.emit('dialogMessageReceived', { message: 'second', origin: ORIGIN });
  expect(h.onMessage.mock.calls).toEqual([['{"type":"office365-consent"}']]);
  // A late "closed" after the message is not reported either.
  office.emit('dialogEventReceived', { error: 12006 });
  expect(h.onClosed).not.toHaveBeenCalled();
  session.close();
  expect(office.closed()).toBe(1);
});

it('reports the user closing the dialog (12006) and other dialog errors', async () => {
  let office = fakeOffice();
  let h = handlers();
  await openDialog(`${ORIGIN}/x`, { origin: ORIGIN, ...h });
  office.emit('dialogEventReceived', { error: 12006 });
  expect(h.onClosed).toHaveBeenCalledTimes(1);

  office = fakeOffice();
  h = handlers();
  await openDialog(`${ORIGIN}/x`, { origin: ORIGIN, ...h });
  office.emit('dialogEventReceived', { error: 12002 });
  expect(h.onError.mock.calls[0][0]).toBeInstanceOf(DialogError);
  expect(h.onError.mock.calls[0][0].code).toBe(12002);
});

it('rejects when the host cannot open the dialog', async () => {
  fakeOffice({ fail: { code: 12007, message: 'A dialog box is already opened from this add-in.' } });
  await expect(openDialog(`${ORIGIN}/x`, { origin: ORIGIN, ...handlers() })).rejects.toMatchObject({ name: 'DialogError', code: 12007 });
});

it('does not use the dialog API where the host lacks DialogApi 1.1', () => {
  fakeOffice({ dialogApi: false });
  expect(dialogApiSupported()).toBe(false);
});
