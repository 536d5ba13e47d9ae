/**
 * The task pane root: follows the Office theme (light / dark) and the selected item (pinned pane: ItemChanged, and a
 * reload with a new item is just a fresh mount). All state below is keyed by the item (its id; for a meeting in the
 * organizer's form, which has no id until read, the form and the ItemChanged count), so a change of selection drops
 * every pending request and form of the previous item, and an ItemChanged on an organizer's form reads it again.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Caption1, FluentProvider, makeStyles, Tab, TabList, Text, tokens, webDarkTheme, webLightTheme, type TabValue } from '@fluentui/react-components';
import type { Me } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import type { OpenItem, OutlookHost } from '../office/host';
import type { ThemeName } from '../office/theme';
import { AnnouncerProvider, useCommonStyles } from './common';
import { MessageView } from './MessageView';
import { MeetingView } from './MeetingView';
import { strings, syncStrings } from './strings';
import { ItemErrorBoundary } from './ItemErrorBoundary';
import { SyncStatus } from './SyncStatus';
import { ActivationGate } from './Activation';
import { SyncSettings } from './SyncSettings';
import { KeyboardEntryFocus } from './KeyboardEntryFocus';

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    boxSizing: 'border-box',
    padding: tokens.spacingHorizontalM,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    display: 'flex',
    flexDirection: 'column',
  },
  header: {
    display: 'flex',
    flexDirection: 'column',
    paddingBottom: tokens.spacingVerticalXS,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold },
  // The tabs share the header's rule; the selected tab's indicator sits on it.
  tabs: { marginInline: `calc(-1 * ${tokens.spacingHorizontalS})`, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
});

/** The pane's sections: the open item's records (the default), My sync status (S7), My sync settings (S6). */
const SECTIONS = ['records', 'status', 'settings'] as const;
type Section = (typeof SECTIONS)[number];
const isSection = (value: TabValue): value is Section => (SECTIONS as readonly unknown[]).includes(value);

export interface AppProps {
  host: OutlookHost;
  client: RelayClient;
}

export function App({ host, client }: AppProps): ReactNode {
  const styles = useStyles();
  const [theme, setTheme] = useState<ThemeName>(() => host.theme());
  const [item, setItem] = useState<OpenItem>(() => host.currentItem());
  const [me, setMe] = useState<Me | null>(null);
  const [section, setSection] = useState<Section>('records');

  useEffect(() => {
    const stops: Array<() => void> = [];
    let active = true;
    const keep = (stop: () => void): void => {
      if (active) stops.push(stop);
      else stop();
    };
    // Same item again (a duplicate event) keeps the current view; only a different item replaces it.
    const follow = (): void => setItem((shown) => {
      const next = host.currentItem();
      return next.key === shown.key ? shown : next;
    });
    // Registration is asynchronous: an item selected before it completes fires no event, so look once more after it.
    void host.onItemChanged(follow).then((stop) => {
      keep(stop);
      if (active) follow();
    });
    void host.onThemeChanged(setTheme).then(keep);
    return () => {
      active = false;
      for (const stop of stops) stop();
    };
  }, [host]);

  useEffect(() => {
    const controller = new AbortController();
    // The header is a nicety; the item views report errors where they matter.
    client.me(controller.signal).then(setMe, () => undefined);
    return () => controller.abort();
  }, [client]);

  const profile = host.userProfile();
  const own = profile?.emailAddress;
  return (
    <FluentProvider theme={theme === 'dark' ? webDarkTheme : webLightTheme} data-theme={theme} data-testid="taskpane">
      <KeyboardEntryFocus />
      <AnnouncerProvider>
        <main className={styles.root} data-item-kind={item.kind} data-item-id={item.key}>
          <header className={styles.header}>
            <h1 className={styles.title}>{strings.appTitle}</h1>
            {me !== null && <Caption1 data-testid="signed-in-as">{strings.signedInAs(me.displayName, me.organizationName)}</Caption1>}
          </header>
          <TabList
            className={styles.tabs}
            size="small"
            selectedValue={section}
            onTabSelect={(_, data) => {
              if (isSection(data.value)) setSection(data.value);
            }}
            aria-label={syncStrings.navLabel}
            data-testid="pane-tabs"
          >
            <Tab value="records" id="tab-records" aria-controls="panel-records" data-testid="tab-records">{syncStrings.tabRecords}</Tab>
            <Tab value="status" id="tab-status" aria-controls="panel-status" data-testid="tab-status">{syncStrings.tabStatus}</Tab>
            <Tab value="settings" id="tab-settings" aria-controls="panel-settings" data-testid="tab-settings">{syncStrings.tabSettings}</Tab>
          </TabList>
          {/* Kept mounted while another section is shown, so a half-filled form or a running save survives a look at the status. */}
          <div role="tabpanel" id="panel-records" aria-labelledby="tab-records" hidden={section !== 'records'}>
            <ItemErrorBoundary key={item.key}>
              <ItemView item={item} client={client} ownAddress={own} timeZone={profile?.timeZone} />
            </ItemErrorBoundary>
          </div>
          {section === 'status' && (
            <div role="tabpanel" id="panel-status" aria-labelledby="tab-status">
              <ItemErrorBoundary>
                {/* Where the organization's access is per user: the user's own activation (S8) or re-authorization first. */}
                <ActivationGate client={client}>
                  <SyncStatus client={client} timeZone={profile?.timeZone} />
                </ActivationGate>
              </ItemErrorBoundary>
            </div>
          )}
          {section === 'settings' && (
            <div role="tabpanel" id="panel-settings" aria-labelledby="tab-settings">
              <ItemErrorBoundary>
                <SyncSettings client={client} timeZone={profile?.timeZone} />
              </ItemErrorBoundary>
            </div>
          )}
        </main>
      </AnnouncerProvider>
    </FluentProvider>
  );
}

function ItemView({ item, client, ownAddress, timeZone }: { item: OpenItem; client: RelayClient; ownAddress?: string; timeZone?: string }): ReactNode {
  const common = useCommonStyles();
  if (item.kind === 'message') return <MessageView key={item.key} email={item.email} client={client} ownAddress={ownAddress} timeZone={timeZone} />;
  if (item.kind === 'appointment') return <MeetingView key={item.key} load={item.loadMeeting} client={client} ownAddress={ownAddress} />;
  return (
    <div className={common.section} data-testid="no-item">
      <Text className={common.muted}>{strings.noItem}</Text>
    </div>
  );
}
