/**
 * S3 / S4: save the open email to C4C now. Account and Contact/Lead are preselected from the initial search and can be
 * changed; attachments and a related opportunity / ticket are optional. One click = one request (single flight on top
 * of the disabled button); the relay makes it exactly-once across clicks, users and retries. When the email was
 * saved before (by anyone) the panel says so with a link instead of offering Save.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  Button,
  Checkbox,
  Dropdown,
  Field,
  Link,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Option,
  ProgressBar,
  Text,
  tokens,
} from '@fluentui/react-components';
import { OpenRegular, SaveRegular } from '@fluentui/react-icons';
import { ERROR_CODES, MAX_ATTACHMENT_BYTES, MAX_BODY_BYTES, utf8Bytes, type EmailStatus, type RelatedItemRef, type SaveEmailResponse } from '../../shared/api/sidebar';
import { ApiError, type RelayClient } from '../api/client';
import type { Email } from '../office/email';
import { buildSaveRequest, type SaveDefaults } from './saveDefaults';
import { RelatedPicker } from './RelatedPicker';
import { singleFlight } from './singleFlight';
import { ErrorBar, formatDateTime, useAnnounce, useCommonStyles } from './common';
import { strings } from './strings';

const useStyles = makeStyles({
  panel: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
});

export type SaveState =
  | { phase: 'idle' }
  | { phase: 'saving' }
  | { phase: 'waiting' }
  | { phase: 'saved'; id: string; c4cUrl: string; already: boolean; savedBy?: string; savedAt?: string }
  | { phase: 'error'; error: unknown };

export function initialSaveState(status: EmailStatus): SaveState {
  if (status.status === 'saved' && status.id !== undefined && status.c4cUrl !== undefined) {
    return { phase: 'saved', id: status.id, c4cUrl: status.c4cUrl, already: true, savedBy: status.savedBy, savedAt: status.savedAt };
  }
  if (status.status === 'saving') return { phase: 'waiting' };
  return { phase: 'idle' };
}

/**
 * The panel after the relay answered a save. When a colleague's save won the race, the relay names who saved and
 * when, and the panel says so as it would on a later visit (not a bare "earlier").
 */
export function savedStateFromResponse(saved: SaveEmailResponse): Extract<SaveState, { phase: 'saved' }> {
  return { phase: 'saved', id: saved.id, c4cUrl: saved.c4cUrl, already: saved.alreadySaved, savedBy: saved.savedBy, savedAt: saved.savedAt };
}

export interface PanelSelection {
  accountId: string;
  contactId: string;
}

/**
 * The selection after the preselection changed under the panel (a contact or lead just quick-created becomes the
 * preselected main contact): the new preselection is taken at once, with its account; otherwise the user's own
 * choice stays. '' = None.
 */
export function followPreselection(current: PanelSelection, before: SaveDefaults, after: SaveDefaults): PanelSelection {
  if (after.contactObjectId === before.contactObjectId || after.contactObjectId === undefined) return current;
  const account = after.contacts.find((c) => c.objectId === after.contactObjectId)?.accountObjectId;
  return { contactId: after.contactObjectId, accountId: account ?? current.accountId };
}

const POLL_INTERVAL_MS = 2000;
const POLL_ATTEMPTS = 30;

interface SavePanelProps {
  email: Email;
  client: RelayClient;
  defaults: SaveDefaults;
  status: EmailStatus;
  timeZone?: string;
  /** The mailbox's own address (Outlook's profile), so the relay can tell outbound mail sent from an alias. */
  ownAddress?: string;
}

export function SavePanel({ email, client, defaults, status, timeZone, ownAddress }: SavePanelProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const announce = useAnnounce();
  const [state, setState] = useState<SaveState>(() => initialSaveState(status));
  const [accountId, setAccountId] = useState(defaults.accountObjectId ?? '');
  const [contactId, setContactId] = useState(defaults.contactObjectId ?? '');
  const [includeAttachments, setIncludeAttachments] = useState(false);
  const [related, setRelated] = useState<RelatedItemRef | undefined>();
  const [skipped, setSkipped] = useState<string[]>([]);
  // Adjusting state while rendering (React's pattern for "state follows a prop"): the very render that shows the
  // quick-created contact in the picker also shows it selected, with no effect and no flash of "None".
  const [seenDefaults, setSeenDefaults] = useState(defaults);
  if (seenDefaults.contactObjectId !== defaults.contactObjectId) {
    const next = followPreselection({ accountId, contactId }, seenDefaults, defaults);
    setSeenDefaults(defaults);
    setAccountId(next.accountId);
    setContactId(next.contactId);
  }
  const savedLink = useRef<HTMLAnchorElement>(null);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  const snapshot = email.snapshot;
  const attachments = email.savableAttachments();
  const canAttach = attachments.length > 0 && email.canReadAttachmentContent();

  const becomeSaved = (next: Extract<SaveState, { phase: 'saved' }>): void => {
    if (!mounted.current) return;
    setState(next);
    announce(next.already ? strings.alreadySaved : strings.savedJustNow);
    focusSaved.current = true;
  };
  // After a save the form disappears; move focus to the new link instead of losing it to <body>.
  const focusSaved = useRef(false);
  useEffect(() => {
    if (state.phase === 'saved' && focusSaved.current) {
      focusSaved.current = false;
      savedLink.current?.focus();
    }
  }, [state.phase]);

  /** Someone else's save is running: poll the status until it is saved (or give up and allow a retry). */
  const waitForOtherSave = async (): Promise<void> => {
    setState({ phase: 'waiting' });
    for (let i = 0; i < POLL_ATTEMPTS && mounted.current; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      const current = await client.emailStatus(snapshot.internetMessageId).catch(() => undefined);
      if (current?.status === 'saved' && current.id !== undefined && current.c4cUrl !== undefined) {
        becomeSaved({ phase: 'saved', id: current.id, c4cUrl: current.c4cUrl, already: true, savedBy: current.savedBy, savedAt: current.savedAt });
        return;
      }
      if (current?.status === 'not-saved') break;
    }
    if (mounted.current) setState({ phase: 'idle' });
  };

  useEffect(() => {
    if (state.phase === 'waiting') void waitForOtherSave();
    // Only on mount: a pane opened while a colleague saves this email follows that save.
  }, []);

  const runSave = async (): Promise<void> => {
    setState({ phase: 'saving' });
    announce(strings.saving);
    try {
      if (snapshot.internetMessageId === '') throw new ApiError(0, 'no-message-id', strings.noMessageId);
      const body = await email.getBodyHtml();
      if (utf8Bytes(body) > MAX_BODY_BYTES) throw new ApiError(0, ERROR_CODES.payloadTooLarge, strings.bodyTooLarge);
      const files = includeAttachments && canAttach ? await email.getAttachmentContents(MAX_ATTACHMENT_BYTES) : { attachments: [], skipped: [] };
      setSkipped(files.skipped.map((s) => s.name));
      const request = buildSaveRequest(
        snapshot,
        body,
        files.attachments,
        { accountObjectId: accountId || undefined, contactObjectId: contactId || undefined, includeAttachments: includeAttachments && canAttach, relatedItem: related },
        defaults.contacts,
        ownAddress,
      );
      const saved = await client.saveEmail(request);
      becomeSaved(savedStateFromResponse(saved));
    } catch (error) {
      if (error instanceof ApiError && error.code === ERROR_CODES.saveInProgress) {
        await waitForOtherSave();
        return;
      }
      if (mounted.current) setState({ phase: 'error', error });
      announce(strings.saveFailed);
    }
  };
  // One flight guard for the panel's life, always running the latest closure (current selections).
  const latest = useRef(runSave);
  latest.current = runSave;
  const guarded = useRef(singleFlight(() => latest.current()));

  if (state.phase === 'saved') {
    const already = state.already;
    return (
      <section className={styles.panel} aria-labelledby="save-heading" data-testid="save-panel">
        <h2 id="save-heading" className={common.heading}>
          {strings.saveHeading}
        </h2>
        <MessageBar intent="success" layout="multiline" data-testid="save-status" data-status={already ? 'already-saved' : 'saved'}>
          <MessageBarBody>
            <MessageBarTitle>{already ? strings.alreadySaved : strings.saved}</MessageBarTitle>
            {already && <Text>{strings.alreadySavedBy(state.savedBy, state.savedAt ? formatDateTime(state.savedAt, timeZone) : undefined)} </Text>}
            <Link ref={savedLink} href={state.c4cUrl} target="_blank" rel="noopener noreferrer" data-testid="saved-link">
              <OpenRegular aria-hidden /> {strings.openSaved(state.id)}
            </Link>
          </MessageBarBody>
        </MessageBar>
        {skipped.length > 0 && <Text className={common.muted}>{strings.skippedAttachments(skipped)}</Text>}
      </section>
    );
  }

  const busy = state.phase === 'saving' || state.phase === 'waiting';
  const contactLabel = (id: string): string => {
    const c = defaults.contacts.find((x) => x.objectId === id);
    return c === undefined ? strings.none : `${c.name} (${strings.kind[c.kind]})`;
  };

  return (
    <section className={styles.panel} aria-labelledby="save-heading" aria-busy={busy} data-testid="save-panel">
      <h2 id="save-heading" className={common.heading}>
        {strings.saveHeading}
      </h2>
      <Field label={strings.mainAccount}>
        <Dropdown
          className={common.fill}
          value={defaults.accounts.find((a) => a.objectId === accountId)?.name ?? strings.none}
          selectedOptions={[accountId]}
          onOptionSelect={(_, d) => setAccountId(d.optionValue ?? '')}
          disabled={busy}
          data-testid="save-account"
        >
          <Option value="">{strings.none}</Option>
          {defaults.accounts.map((a) => (
            <Option key={a.objectId} value={a.objectId}>
              {a.name}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Field label={strings.mainContact}>
        <Dropdown
          className={common.fill}
          value={contactLabel(contactId)}
          selectedOptions={[contactId]}
          onOptionSelect={(_, d) => {
            const next = d.optionValue ?? '';
            setContactId(next);
            // Picking a contact of another account moves the account along, as SSI's "last clicked" rule does.
            const account = defaults.contacts.find((c) => c.objectId === next)?.accountObjectId;
            if (account !== undefined) setAccountId(account);
          }}
          disabled={busy}
          data-testid="save-contact"
        >
          <Option value="">{strings.none}</Option>
          {defaults.contacts.map((c) => (
            <Option key={c.objectId} value={c.objectId} text={contactLabel(c.objectId)}>
              {contactLabel(c.objectId)}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Field
        hint={attachments.length === 0 ? strings.noAttachments : !canAttach ? strings.attachmentsUnsupported : undefined}
      >
        <Checkbox
          label={attachments.length > 0 ? strings.includeAttachmentsCount(attachments.length) : strings.includeAttachments}
          checked={includeAttachments && canAttach}
          disabled={!canAttach || busy}
          onChange={(_, d) => setIncludeAttachments(d.checked === true)}
          data-testid="save-include-attachments"
        />
      </Field>
      <RelatedPicker client={client} value={related} onChange={setRelated} disabled={busy} />
      {state.phase === 'error' && <ErrorBar title={strings.saveFailed} error={state.error} onRetry={() => void guarded.current()} testId="save-error" />}
      {busy && (
        <div data-testid="save-status" data-status={state.phase}>
          <ProgressBar aria-label={state.phase === 'waiting' ? strings.savingElsewhere : strings.saving} />
          <Text className={common.muted}>{state.phase === 'waiting' ? strings.savingElsewhere : strings.saving}</Text>
        </div>
      )}
      <Button
        appearance="primary"
        icon={state.phase === 'saving' ? undefined : <SaveRegular />}
        disabled={busy}
        onClick={() => void guarded.current()}
        data-testid="save-button"
      >
        {state.phase === 'saving' ? strings.saving : strings.save}
      </Button>
    </section>
  );
}
