/**
 * The console's shell: theme (the system's light / dark preference, overridable with a toggle that is remembered),
 * sign-in state, who is signed in (the relay's answer decides: a user without an admin role sees why), the navigation
 * (organizations, then the sections of the one that is open) and the current screen.
 */
import { createContext, useContext, useEffect, useState, type JSX, type MouseEvent, type ReactNode } from 'react';
import {
  Badge,
  Button,
  Caption1,
  FluentProvider,
  makeStyles,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  NavSectionHeader,
  Text,
  Tooltip,
  tokens,
  webDarkTheme,
  webLightTheme,
} from '@fluentui/react-components';
import {
  ArrowUpload20Regular,
  Building20Regular,
  History20Regular,
  Mail20Regular,
  Pulse20Regular,
  People20Regular,
  Play20Regular,
  PlugConnected20Regular,
  Settings20Regular,
  ArrowSync20Regular,
  DocumentSettings20Regular,
  ArrowSwap20Regular,
  ShieldCheckmark20Regular,
  SignOut20Regular,
  WeatherMoon20Regular,
  WeatherSunny20Regular,
} from '@fluentui/react-icons';
import type { AdminMe, Organization } from '../../shared/api/admin';
import type { AdminClient } from './api';
import type { AdminAuth } from './auth';
import { AnnouncerProvider, ErrorBanner, Loading, useCommonStyles, useLoad } from './common';
import { AdminApiError } from './http';
import { navigate, routePath, useRoute, type Route, type Section } from './router';
import { strings } from './strings';
import { OrganizationsScreen, OrganizationSettingsScreen } from './features/Organizations';
import { UsersScreen } from './features/Users';
import { CsvImportScreen } from './features/CsvImport';
import { MailboxAccessScreen } from './features/MailboxAccess';
import { C4cConnectionScreen } from './features/C4cConnection';
import { CheckAccessScreen } from './features/CheckAccess';
import { ActivateScreen } from './features/Activate';
import { AuditLogScreen } from './features/AuditLog';
import { MonitoringScreen } from './features/Monitoring';
import { MonitoringOverviewScreen } from './features/MonitoringOverview';
import { monitoringStrings } from './features/MonitoringShared';
import { SyncSettingsScreen } from './features/SyncSettings';
import { PresetsScreen } from './features/Presets';
import { MirrorSettingsScreen } from './features/MirrorSettings';

export type ThemeName = 'light' | 'dark';
const THEME_KEY = 'c4c-admin-theme';

function preferredTheme(): ThemeName {
  const stored = window.localStorage.getItem(THEME_KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export interface AdminContextValue {
  client: AdminClient;
  me: AdminMe;
  /** The organizations the admin manages; screens call `refresh` after creating, editing or deleting one. */
  organizations: Organization[];
  refreshOrganizations(): void;
}

const AdminContext = createContext<AdminContextValue | null>(null);

export function useAdmin(): AdminContextValue {
  const value = useContext(AdminContext);
  if (value === null) throw new Error('useAdmin outside AdminApp');
  return value;
}

/** Same-page navigation for links (a modified click still opens a new tab). */
export function linkTo(path: string): { href: string; onClick(event: MouseEvent): void } {
  return {
    href: path,
    onClick(event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(path);
    },
  };
}

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    display: 'flex',
    flexDirection: 'column',
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold, flexGrow: 1 },
  account: { display: 'flex', flexDirection: 'column', alignItems: 'end' },
  body: { display: 'flex', flexGrow: 1, minHeight: 0 },
  nav: { minHeight: '100%', flexShrink: 0 },
  main: { flexGrow: 1, padding: tokens.spacingHorizontalXXL, minWidth: 0, outline: 'none' },
  skip: {
    position: 'absolute',
    left: '-9999px',
    ':focus': { left: tokens.spacingHorizontalM, top: tokens.spacingVerticalM, zIndex: 10, padding: tokens.spacingHorizontalS, backgroundColor: tokens.colorNeutralBackground1 },
  },
  centered: { display: 'flex', justifyContent: 'center', paddingTop: '12vh' },
  signInCard: {
    width: 'min(480px, 90vw)',
    padding: tokens.spacingHorizontalXXL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusXLarge,
    boxShadow: tokens.shadow8,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
  },
});

export interface AdminAppProps {
  auth: AdminAuth;
  client: AdminClient;
}

export function AdminApp({ auth, client }: AdminAppProps): ReactNode {
  const [theme, setTheme] = useState<ThemeName>(preferredTheme);
  useEffect(() => {
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (media === undefined) return;
    // Follow the system while the admin has not chosen.
    const follow = (): void => {
      if (window.localStorage.getItem(THEME_KEY) === null) setTheme(media.matches ? 'dark' : 'light');
    };
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);
  useEffect(() => {
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
  const toggleTheme = (): void => {
    const next = theme === 'dark' ? 'light' : 'dark';
    window.localStorage.setItem(THEME_KEY, next);
    setTheme(next);
  };

  return (
    <FluentProvider theme={theme === 'dark' ? webDarkTheme : webLightTheme} data-theme={theme}>
      <AnnouncerProvider>
        <Frame auth={auth} client={client} theme={theme} onToggleTheme={toggleTheme} />
      </AnnouncerProvider>
    </FluentProvider>
  );
}

function Frame({ auth, client, theme, onToggleTheme }: AdminAppProps & { theme: ThemeName; onToggleTheme(): void }): ReactNode {
  const styles = useStyles();
  const themeButton = (
    <Tooltip content={strings.themeToggle(theme === 'dark')} relationship="label">
      <Button appearance="subtle" icon={theme === 'dark' ? <WeatherSunny20Regular /> : <WeatherMoon20Regular />} onClick={onToggleTheme} data-testid="theme-toggle" />
    </Tooltip>
  );
  const header = (
    <header className={styles.header}>
      <h1 className={styles.title}>{strings.appTitle}</h1>
      {themeButton}
      {auth.account !== null && (
        <>
          <div className={styles.account}>
            <Text weight="semibold" data-testid="signed-in-as">
              {auth.account.name}
            </Text>
            <Caption1>{auth.account.username}</Caption1>
          </div>
          <Button appearance="subtle" icon={<SignOut20Regular />} onClick={() => void auth.signOut()} data-testid="sign-out">
            {strings.signOut}
          </Button>
        </>
      )}
    </header>
  );

  if (auth.account === null) {
    return (
      <div className={styles.root}>
        {header}
        <main className={styles.centered}>
          <div className={styles.signInCard} data-testid="sign-in-card">
            <h2 style={{ margin: 0 }}>{strings.signInTitle}</h2>
            <Text>{strings.signInBody}</Text>
            <Button appearance="primary" size="large" onClick={() => void auth.signIn()} data-testid="sign-in">
              {strings.signIn}
            </Button>
          </div>
        </main>
      </div>
    );
  }
  return <SignedIn header={header} client={client} username={auth.account.username} />;
}

function SignedIn({ header, client, username }: { header: ReactNode; client: AdminClient; username: string }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const me = useLoad((signal) => client.me(signal), [client]);
  const orgs = useLoad((signal) => client.organizations(signal), [client, me.data]);

  let content: ReactNode;
  if (me.loading && me.data === undefined) content = <Loading />;
  else if (me.error !== undefined) {
    const forbidden = me.error instanceof AdminApiError && me.error.status === 403;
    content = forbidden ? (
      <div className={common.card} data-testid="not-admin">
        <h2 className={common.subheading}>{strings.notAdminTitle}</h2>
        <Text>{strings.notAdminBody(username)}</Text>
      </div>
    ) : (
      <ErrorBanner error={me.error} onRetry={me.reload} />
    );
  }
  if (content !== undefined || me.data === undefined) {
    return (
      <div className={styles.root}>
        {header}
        <main className={styles.main}>{content}</main>
      </div>
    );
  }
  const value: AdminContextValue = { client, me: me.data, organizations: orgs.data ?? [], refreshOrganizations: orgs.reload };
  return (
    <AdminContext.Provider value={value}>
      <Shell header={header} orgsLoading={orgs.loading && orgs.data === undefined} orgsError={orgs.error} retryOrgs={orgs.reload} />
    </AdminContext.Provider>
  );
}

const SECTION_NAV: Array<{ section: Section; label: string; icon: JSX.Element }> = [
  { section: 'users', label: strings.nav.users, icon: <People20Regular /> },
  { section: 'import', label: strings.nav.import, icon: <ArrowUpload20Regular /> },
  { section: 'mailbox-access', label: strings.nav.mailboxAccess, icon: <Mail20Regular /> },
  { section: 'c4c', label: strings.nav.c4c, icon: <PlugConnected20Regular /> },
  { section: 'check-access', label: strings.nav.checkAccess, icon: <ShieldCheckmark20Regular /> },
  { section: 'activate', label: strings.nav.activate, icon: <Play20Regular /> },
  { section: 'monitoring', label: monitoringStrings.nav, icon: <Pulse20Regular /> },
  { section: 'audit', label: strings.nav.audit, icon: <History20Regular /> },
  { section: 'settings', label: strings.nav.settings, icon: <Settings20Regular /> },
  { section: 'sync-settings', label: strings.syncSettingsHeading, icon: <ArrowSync20Regular /> },
  { section: 'presets', label: strings.presetsHeading, icon: <DocumentSettings20Regular /> },
  { section: 'mirror', label: strings.mirrorSettingsHeading, icon: <ArrowSwap20Regular /> },
];

function Shell({ header, orgsLoading, orgsError, retryOrgs }: { header: ReactNode; orgsLoading: boolean; orgsError: unknown; retryOrgs(): void }): ReactNode {
  const styles = useStyles();
  const route = useRoute();
  const { organizations, me } = useAdmin();
  const org = route.name === 'organization' ? organizations.find((o) => o.id === route.orgId) : undefined;
  const selected = route.name === 'organization' ? `${route.orgId}:${route.section}` : route.name === 'monitoring' ? 'monitoring' : 'organizations';

  // The focus follows a change of screen, so keyboard and screen-reader users land on the new content.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [selected]);

  return (
    <div className={styles.root}>
      <a href="#main" className={styles.skip}>
        {strings.skipToContent}
      </a>
      {header}
      <div className={styles.body}>
        <NavDrawer open type="inline" selectedValue={selected} className={styles.nav} aria-label={strings.mainNav} tabbable>
          <NavDrawerBody>
            <NavItem value="organizations" icon={<Building20Regular />} {...linkTo(routePath({ name: 'organizations' }))} data-testid="nav-organizations">
              {strings.nav.organizations}
            </NavItem>
            <NavItem value="monitoring" icon={<Pulse20Regular />} {...linkTo(routePath({ name: 'monitoring' }))} data-testid="nav-monitoring-all">
              {monitoringStrings.nav}
            </NavItem>
            {org !== undefined && route.name === 'organization' && (
              <>
                <NavSectionHeader>{org.name}</NavSectionHeader>
                {SECTION_NAV.map((item) => (
                  <NavItem
                    key={item.section}
                    value={`${org.id}:${item.section}`}
                    icon={item.icon}
                    {...linkTo(routePath({ name: 'organization', orgId: org.id, section: item.section }))}
                    data-testid={`nav-${item.section}`}
                  >
                    {item.label}
                  </NavItem>
                ))}
              </>
            )}
          </NavDrawerBody>
        </NavDrawer>
        <main id="main" tabIndex={-1} className={styles.main}>
          {me.operator && (
            <Badge appearance="outline" color="brand" style={{ marginBottom: tokens.spacingVerticalM }}>
              {strings.operatorBadge}
            </Badge>
          )}
          {orgsError !== undefined ? <ErrorBanner error={orgsError} onRetry={retryOrgs} /> : orgsLoading ? <Loading /> : <Screen route={route} org={org} />}
        </main>
      </div>
    </div>
  );
}

function Screen({ route, org }: { route: Route; org: Organization | undefined }): ReactNode {
  const common = useCommonStyles();
  if (route.name === 'organizations') return <OrganizationsScreen />;
  if (route.name === 'monitoring') return <MonitoringOverviewScreen />;
  if (route.name === 'not-found' || org === undefined) {
    return (
      <div className={common.page}>
        <Text data-testid="not-found">{strings.notFound}</Text>
      </div>
    );
  }
  switch (route.section) {
    case 'users':
      return <UsersScreen org={org} />;
    case 'import':
      return <CsvImportScreen org={org} />;
    case 'mailbox-access':
      return <MailboxAccessScreen org={org} />;
    case 'c4c':
      return <C4cConnectionScreen org={org} />;
    case 'check-access':
      return <CheckAccessScreen org={org} />;
    case 'activate':
      return <ActivateScreen org={org} />;
    case 'monitoring':
      return <MonitoringScreen key={route.userId ?? ''} org={org} userId={route.userId} />;
    case 'audit':
      return <AuditLogScreen org={org} />;
    case 'settings':
      return <OrganizationSettingsScreen org={org} />;
    case 'sync-settings':
      return <SyncSettingsScreen org={org} />;
    case 'presets':
      return <PresetsScreen org={org} />;
    case 'mirror':
      return <MirrorSettingsScreen org={org} />;
  }
}
