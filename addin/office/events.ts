/**
 * Mailbox events for the pinned task pane: ItemChanged (the user selected another item) and OfficeThemeChanged.
 * Outlook's `mailbox.removeHandlerAsync` removes every handler of a type, so the add-in registers ONE host handler
 * per event type and fans out to its own subscribers; unsubscribing one listener never silences the others.
 */
import { fromAsyncResult, hasOffice, mailbox, office } from './officeGlobal';
import { supports } from './requirements';
import { themeFromColours, type ThemeName } from './theme';

export type Unsubscribe = () => void;

type Listener = (args: unknown) => void;

interface Channel {
  listeners: Set<Listener>;
  registration: Promise<boolean>;
  /** Host events received so far (one per host event, however many listeners). */
  fired: number;
}

const channels = new Map<string, Channel>();

async function subscribe(eventType: Office.EventType, listener: Listener): Promise<Unsubscribe> {
  const box = mailbox();
  if (box === null || typeof box.addHandlerAsync !== 'function') return () => undefined;
  const key = String(eventType);
  let channel = channels.get(key);
  if (channel === undefined) {
    const created: Channel = { listeners: new Set(), registration: Promise.resolve(false), fired: 0 };
    created.registration = fromAsyncResult<void>((callback) =>
      box.addHandlerAsync(eventType, (args: unknown) => {
        created.fired += 1;
        for (const l of [...created.listeners]) l(args);
      }, callback),
    ).then(
      () => true,
      () => false,
    );
    channel = created;
    channels.set(key, channel);
  }
  channel.listeners.add(listener);
  const registered = await channel.registration;
  if (!registered) channel.listeners.delete(listener);
  return () => {
    channel.listeners.delete(listener);
  };
}

/**
 * Calls `handler` whenever the selected item changes (pinned pane, Mailbox 1.5). The handler must re-read the item:
 * `mailbox.item` may be null (nothing selected, or a multi-selection).
 */
export function onItemChanged(handler: () => void): Promise<Unsubscribe> {
  if (!supports('itemChanged')) return Promise.resolve(() => undefined);
  return subscribe(office().EventType.ItemChanged, () => handler());
}

/**
 * How many ItemChanged events the host has delivered. A meeting in the organizer's form has no id to compare before
 * it is read, so the pane tells "the host says the item changed" from "the same item, looked at again" by this count.
 */
export function itemChangedCount(): number {
  if (!hasOffice()) return 0;
  const eventType = office().EventType?.ItemChanged;
  return eventType === undefined ? 0 : (channels.get(String(eventType))?.fired ?? 0);
}

/** Calls `handler` with the new theme when the user switches the Office theme (Mailbox 1.14 where available). */
export function onThemeChanged(handler: (theme: ThemeName) => void): Promise<Unsubscribe> {
  const eventType = office().EventType?.OfficeThemeChanged;
  if (eventType === undefined || !supports('themeChanged')) return Promise.resolve(() => undefined);
  return subscribe(eventType, (args) => {
    const theme = (args as { officeTheme?: Office.OfficeTheme } | undefined)?.officeTheme ?? office().context.officeTheme;
    handler(themeFromColours(theme));
  });
}

/** Forgets the host registrations (a fresh Office object after a reload, or between tests). */
export function resetEventChannels(): void {
  channels.clear();
}
