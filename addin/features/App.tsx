/**
 * The task pane root: follows the Office theme (light / dark) and the selected item (pinned pane: ItemChanged, and a
 * reload with a new item is just a fresh mount). All state below is keyed by the item (its id; for a meeting in the
 * organizer's form, which has no id until read, the form and the ItemChanged count), so a change of selection drops
 * every pending request and form of the previous item, and an ItemChanged on an organizer's form reads it again.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Caption1, FluentProvider, makeStyles, Text, tokens, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import type { Me } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import type { OpenItem, OutlookHost } from '../office/host';
import type { ThemeName } from '../office/theme';
import { AnnouncerProvider, useCommonStyles } from './common';
import { MessageView } from './MessageView';
import { MeetingView } from './MeetingView';
import { strings } from './strings';
import { ItemErrorBoundary } from './ItemErrorBoundary';

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
    paddingBottom: tokens.spacingVerticalS,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase500, lineHeight: tokens.lineHeightBase500, fontWeight: tokens.fontWeightSemibold },
});

export interface AppProps {
  host: OutlookHost;
  client: RelayClient;
}

export function App({ host, client }: AppProps): ReactNode {
  const styles = useStyles();
  const [theme, setTheme] = useState<ThemeName>(() => host.theme());
  const [item, setItem] = useState<OpenItem>(() => host.currentItem());
  const [me, setMe] = useState<Me | null>(null);

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
      <AnnouncerProvider>
        <main className={styles.root} data-item-kind={item.kind} data-item-id={item.key}>
          <header className={styles.header}>
            <h1 className={styles.title}>{strings.appTitle}</h1>
            {me !== null && <Caption1 data-testid="signed-in-as">{strings.signedInAs(me.displayName, me.organizationName)}</Caption1>}
          </header>
          <ItemErrorBoundary key={item.key}>
            <ItemView item={item} client={client} ownAddress={own} timeZone={profile?.timeZone} />
          </ItemErrorBoundary>
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
