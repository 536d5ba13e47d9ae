/**
 * The sandbox Outlook page: a small mail client over the Exchange emulator's demo mailboxes (item list, reading pane)
 * with the real task pane in an iframe, driven by the simulated host. The user switcher signs in as another demo user
 * (so two users can save the same email); the theme toggle switches the simulated Office theme.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  Badge,
  Body1,
  Button,
  Caption1,
  Dropdown,
  FluentProvider,
  makeStyles,
  mergeClasses,
  MessageBar,
  MessageBarBody,
  Option,
  Spinner,
  Subtitle2,
  Switch,
  Text,
  tokens,
  webDarkTheme,
  webLightTheme,
} from '@fluentui/react-components';
import { AttachRegular, CalendarLtrRegular, MailRegular, TagRegular } from '@fluentui/react-icons';
import { SYNC_CATEGORIES } from '../../shared/api/sync';
import { SANDBOX_ROUTES, SandboxItemsResponseSchema, SandboxUsersResponseSchema, type SandboxItem, type SandboxUser } from '../../shared/api/sandbox';
import { SandboxHost } from './host';
import type { FakeTheme } from './fakeOffice';

const useStyles = makeStyles({
  shell: {
    display: 'grid',
    gridTemplateRows: 'auto 1fr',
    height: '100vh',
    backgroundColor: tokens.colorNeutralBackground3,
    color: tokens.colorNeutralForeground1,
  },
  topBar: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalL,
    paddingInline: tokens.spacingHorizontalL,
    paddingBlock: tokens.spacingVerticalS,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  grow: { flex: 1 },
  userPicker: { minWidth: '14rem' },
  onBrand: { color: tokens.colorNeutralForegroundOnBrand },
  body: { display: 'grid', gridTemplateColumns: 'minmax(16rem, 22rem) minmax(20rem, 1fr) 360px', minHeight: 0 },
  list: {
    overflowY: 'auto',
    margin: 0,
    padding: 0,
    listStyleType: 'none',
    backgroundColor: tokens.colorNeutralBackground1,
    borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  categoryRow: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  itemButton: {
    display: 'grid',
    gridTemplateColumns: 'auto 1fr auto',
    columnGap: tokens.spacingHorizontalS,
    width: '100%',
    textAlign: 'start',
    border: 'none',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderLeft: `${tokens.strokeWidthThickest} solid transparent`,
    backgroundColor: 'transparent',
    color: 'inherit',
    padding: tokens.spacingHorizontalM,
    cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected, borderLeftColor: tokens.colorBrandStroke1 },
  itemText: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  ellipsis: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  reading: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalL,
    minHeight: 0,
    overflowY: 'auto',
    backgroundColor: tokens.colorNeutralBackground1,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  bodyFrame: {
    flex: 1,
    minHeight: '16rem',
    width: '100%',
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  pane: {
    display: 'flex',
    flexDirection: 'column',
    minHeight: 0,
    borderLeft: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  paneTitle: { padding: tokens.spacingHorizontalS, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  paneFrame: { flex: 1, width: '100%', border: 'none' },
});

function personLabel(p: { address: string; name?: string } | undefined): string {
  if (p === undefined) return '';
  return p.name !== undefined && p.name !== '' ? p.name : p.address;
}

function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' }).format(date);
}

async function putCategories(userOid: string, itemId: string, categories: string[]): Promise<void> {
  const response = await fetch(SANDBOX_ROUTES.categories(itemId), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ userOid, categories }),
  });
  if (!response.ok) throw new Error(`categorize: HTTP ${response.status}`);
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

const USER_KEY = 'sandbox-outlook-user';
const THEME_KEY = 'sandbox-outlook-theme';

export function SandboxApp(): ReactNode {
  const styles = useStyles();
  const [users, setUsers] = useState<SandboxUser[]>([]);
  const [user, setUser] = useState<SandboxUser | null>(null);
  const [items, setItems] = useState<SandboxItem[] | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [theme, setTheme] = useState<FakeTheme>(() => (localStorage.getItem(THEME_KEY) === 'dark' ? 'dark' : 'light'));
  const [error, setError] = useState<string | null>(null);
  const [paneGeneration, setPaneGeneration] = useState(0);
  const host = useMemo(() => {
    const created = new SandboxHost({ item: null, theme, user: null }, window.location.origin);
    // Published before the task-pane iframe exists: its bundle looks for it on start.
    window.__sandboxOutlook = created;
    return created;
  }, []);

  useEffect(() => {
    getJson(SANDBOX_ROUTES.users)
      .then((raw) => {
        const list = SandboxUsersResponseSchema.parse(raw);
        setUsers(list);
        const remembered = list.find((u) => u.oid === localStorage.getItem(USER_KEY));
        setUser(remembered ?? list[0] ?? null);
      })
      .catch((e: unknown) => setError(String(e)));
  }, []);

  useEffect(() => {
    if (user === null) return;
    host.setUser(user);
    setItems(null);
    getJson(`${SANDBOX_ROUTES.items}?userOid=${encodeURIComponent(user.oid)}`)
      .then((raw) => {
        const list = SandboxItemsResponseSchema.parse(raw);
        setItems(list);
        const first = list[0] ?? null;
        setSelectedId(first?.itemId ?? null);
        host.selectItem(first);
        // A new user gets a fresh task pane: no token, cache or state of the previous user survives.
        setPaneGeneration((g) => g + 1);
      })
      .catch((e: unknown) => setError(String(e)));
  }, [user, host]);

  const selected = items?.find((i) => i.itemId === selectedId) ?? null;

  const select = (item: SandboxItem): void => {
    setSelectedId(item.itemId);
    host.selectItem(item);
  };

  // "The user in Outlook" gives the email the trigger category (or takes it away); the item list shows the result, the
  // sync engine saves it at its next session (Sync now in the task pane's Sync status tab runs one at once).
  const toggleTrigger = async (item: SandboxItem): Promise<void> => {
    if (user === null) return;
    const trigger = SYNC_CATEGORIES.trigger.displayName;
    const next = item.categories.includes(trigger) ? item.categories.filter((c) => c !== trigger) : [...item.categories, trigger];
    try {
      await putCategories(user.oid, item.itemId, next);
      setItems((list) => list?.map((i) => (i.itemId === item.itemId ? { ...i, categories: next } : i)) ?? null);
    } catch (e: unknown) {
      setError(String(e));
    }
  };

  const changeTheme = (dark: boolean): void => {
    const next: FakeTheme = dark ? 'dark' : 'light';
    localStorage.setItem(THEME_KEY, next);
    setTheme(next);
    host.setTheme(next);
  };

  return (
    <FluentProvider theme={theme === 'dark' ? webDarkTheme : webLightTheme}>
      <div className={styles.shell} data-testid="sandbox">
        <header className={styles.topBar}>
          <MailRegular fontSize={24} aria-hidden />
          <Subtitle2 as="h1" className={styles.onBrand}>
            Sandbox Outlook
          </Subtitle2>
          <Caption1 className={styles.onBrand}>simulated host · demo mailboxes from the Exchange emulator</Caption1>
          <span className={styles.grow} />
          <Switch
            checked={theme === 'dark'}
            onChange={(_, d) => changeTheme(d.checked)}
            label={<span className={styles.onBrand}>Dark theme</span>}
            data-testid="theme-toggle"
          />
          <Dropdown
            aria-label="Signed-in user"
            className={styles.userPicker}
            value={user?.displayName ?? ''}
            selectedOptions={user === null ? [] : [user.oid]}
            onOptionSelect={(_, d) => {
              const next = users.find((u) => u.oid === d.optionValue) ?? null;
              if (next !== null) localStorage.setItem(USER_KEY, next.oid);
              setUser(next);
            }}
            data-testid="user-switcher"
          >
            {users.map((u) => (
              <Option key={u.oid} value={u.oid} text={u.displayName}>
                {`${u.displayName} <${u.email}>`}
              </Option>
            ))}
          </Dropdown>
        </header>
        {error !== null ? (
          <MessageBar intent="error">
            <MessageBarBody>{error}</MessageBarBody>
          </MessageBar>
        ) : (
          <div className={styles.body}>
            <ul className={styles.list} aria-label="Items" data-testid="item-list">
              {items === null && <Spinner label="Loading mailbox…" />}
              {items?.map((item) => {
                const isSelected = item.itemId === selectedId;
                const Icon = item.kind === 'appointment' ? CalendarLtrRegular : MailRegular;
                return (
                  <li key={item.itemId}>
                    <button
                      type="button"
                      className={mergeClasses(styles.itemButton, isSelected && styles.selected)}
                      aria-current={isSelected ? 'true' : undefined}
                      onClick={() => select(item)}
                      data-testid="sandbox-item"
                      data-item-id={item.itemId}
                      data-kind={item.kind}
                    >
                      <Icon fontSize={20} aria-hidden />
                      <span className={styles.itemText}>
                        <Text weight="semibold" className={styles.ellipsis}>
                          {item.kind === 'appointment' ? personLabel(item.organizer) : personLabel(item.from)}
                        </Text>
                        <Text className={styles.ellipsis}>{item.subject}</Text>
                      </span>
                      <Caption1 className={styles.muted}>
                        {formatWhen(item.kind === 'appointment' ? item.start : item.dateTimeCreated)}
                        {item.attachments.length > 0 && <AttachRegular aria-label="has attachments" />}
                      </Caption1>
                    </button>
                  </li>
                );
              })}
            </ul>
            <ReadingPane item={selected} theme={theme} onToggleTrigger={(item) => void toggleTrigger(item)} />
            <aside className={styles.pane} aria-label="Add-in task pane">
              <Caption1 className={styles.paneTitle}>Add-in: SAP Cloud for Customer (pinned)</Caption1>
              {items !== null && <iframe
                key={`${user?.oid ?? 'nobody'}-${paneGeneration}`}
                className={styles.paneFrame}
                title="SAP Cloud for Customer task pane"
                src="taskpane.html?sandbox=1"
                data-testid="taskpane-frame"
              />}
            </aside>
          </div>
        )}
      </div>
    </FluentProvider>
  );
}

function ReadingPane({ item, theme, onToggleTrigger }: { item: SandboxItem | null; theme: FakeTheme; onToggleTrigger: (item: SandboxItem) => void }): ReactNode {
  const styles = useStyles();
  if (item === null) {
    return (
      <section className={styles.reading} data-testid="reading-pane">
        <Text className={styles.muted}>Select an item to read it.</Text>
      </section>
    );
  }
  const people = (list: Array<{ address: string; name?: string }>): string => list.map(personLabel).join('; ');
  return (
    <section className={styles.reading} aria-label="Reading pane" data-testid="reading-pane">
      <Subtitle2 as="h2">{item.subject}</Subtitle2>
      {item.kind === 'message' ? (
        <>
          <Body1>
            <strong>{personLabel(item.from)}</strong> <span className={styles.muted}>&lt;{item.from.address}&gt;</span>
          </Body1>
          <Caption1 className={styles.muted}>To: {people(item.to)}</Caption1>
          {item.cc.length > 0 && <Caption1 className={styles.muted}>Cc: {people(item.cc)}</Caption1>}
          <Caption1 className={styles.muted}>{formatWhen(item.dateTimeCreated)}</Caption1>
        </>
      ) : (
        <>
          <Body1>
            {formatWhen(item.start)} – {formatWhen(item.end)} {item.isAllDay && <Badge appearance="tint">All day</Badge>}
          </Body1>
          {item.location !== '' && <Caption1 className={styles.muted}>Location: {item.location}</Caption1>}
          <Caption1 className={styles.muted}>Organizer: {personLabel(item.organizer)}</Caption1>
          <Caption1 className={styles.muted}>Required: {people(item.requiredAttendees)}</Caption1>
          {item.optionalAttendees.length > 0 && <Caption1 className={styles.muted}>Optional: {people(item.optionalAttendees)}</Caption1>}
        </>
      )}
      {item.kind === 'message' && (
        <div className={styles.categoryRow} data-testid="categories">
          {item.categories.map((c) => (
            <Badge key={c} appearance="tint" color={c === SYNC_CATEGORIES.error.displayName ? 'danger' : c === SYNC_CATEGORIES.saved.displayName ? 'success' : 'brand'} icon={<TagRegular />}>
              {c}
            </Badge>
          ))}
          <Button size="small" icon={<TagRegular />} onClick={() => onToggleTrigger(item)} data-testid="toggle-trigger-category">
            {item.categories.includes(SYNC_CATEGORIES.trigger.displayName) ? `Remove category "${SYNC_CATEGORIES.trigger.displayName}"` : `Categorize "${SYNC_CATEGORIES.trigger.displayName}"`}
          </Button>
        </div>
      )}
      {item.attachments.length > 0 && (
        <div>
          {item.attachments.map((a) => (
            <Badge key={a.id} appearance="outline" icon={<AttachRegular />} style={{ marginInlineEnd: tokens.spacingHorizontalXS }}>
              {`${a.name} (${Math.max(1, Math.round(a.size / 1024))} KB)`}
            </Badge>
          ))}
        </div>
      )}
      {/* No allow-scripts: demo mail HTML is displayed, never executed. */}
      <iframe className={styles.bodyFrame} sandbox="" title="Message body" srcDoc={`<style>:root{color-scheme:${theme}}body{font-family:sans-serif}</style>${item.bodyHtml}`} data-testid="message-body" />
    </section>
  );
}
