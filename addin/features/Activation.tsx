/**
 * The user's own activation (S8), shown in the Sync status tab where the organization's mailbox access is per user:
 * "Activate synchronization" (choose the mailbox type, then sign in with Microsoft in Office's dialog, or enter the
 * Exchange login and password, with the extended login form (EWS URL) when Autodiscover finds nothing), then
 * "Synchronization was enabled". When the mail server kept rejecting the sessions, a prompt says why and leads back
 * into the same flow, which resumes the mailbox. Everything else of the tab (the sync status) shows below.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  Button,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Spinner,
  Text,
  tokens,
} from '@fluentui/react-components';
import { KeyRegular, PersonKeyRegular } from '@fluentui/react-icons';
import { ConsentDialogMessageSchema, MAILBOX_TYPES, type ActivationResult, type ActivationStatus, type MailboxType } from '../../shared/api/activation';
import { ApiError, type RelayClient } from '../api/client';
import { DialogError, openDialog, type DialogSession } from '../office/dialog';
import { ErrorBar, LoadingSkeleton, useAnnounce, useCommonStyles } from './common';
import { activationStrings as s } from './ActivationStrings';
import { useLoad } from './useLoad';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap', alignItems: 'center' },
  wrap: { overflowWrap: 'anywhere' },
  // The bars sit right under the tabs, where the sections below have their own padding.
  banner: { marginBlockStart: tokens.spacingVerticalM },
  reason: { display: 'block', marginTop: tokens.spacingVerticalXXS, overflowWrap: 'anywhere', fontStyle: 'italic' },
});

/** Wraps the Sync status tab: the activation flow or the re-authorize prompt when needed, then `children`. */
export function ActivationGate({ client, children }: { client: RelayClient; children: ReactNode }): ReactNode {
  const styles = useStyles();
  const [state, retry, update] = useLoad((signal) => client.activationStatus(signal), 'activation');
  const [flowOpen, setFlowOpen] = useState(false);
  const [result, setResult] = useState<ActivationResult | null>(null);
  const announce = useAnnounce();

  if (state.phase === 'loading') return <LoadingSkeleton label={s.loading} rows={2} />;
  if (state.phase === 'error') {
    return (
      <>
        <ErrorBar title={s.loadFailed} error={state.error} onRetry={retry} testId="activation-error" />
        {children}
      </>
    );
  }
  const status = state.data;
  const done = (next: ActivationResult): void => {
    setResult(next);
    setFlowOpen(false);
    update(() => next.status);
    announce(s.enabledTitle);
  };

  if (result !== null) {
    return (
      <>
        <MessageBar className={styles.banner} intent="success" layout="multiline" data-testid="activation-enabled" data-outcome={result.outcome}>
          <MessageBarBody>
            <MessageBarTitle>{s.enabledTitle}</MessageBarTitle>
            {result.outcome === 'resumed' ? s.resumedText : s.enabledText}
          </MessageBarBody>
        </MessageBar>
        {/* A fresh mount: the status below is read again, now activated. */}
        <div key={`after-${result.outcome}`}>{children}</div>
      </>
    );
  }
  if (status.perUser && (status.needsActivation || flowOpen)) {
    return <ActivationFlow status={status} client={client} onDone={done} onCancel={status.needsActivation ? undefined : () => setFlowOpen(false)} />;
  }
  return (
    <>
      {status.reauthorize !== undefined && <ReauthorizePrompt reauthorize={status.reauthorize} onAuthorize={() => setFlowOpen(true)} />}
      {children}
    </>
  );
}

function ReauthorizePrompt({ reauthorize, onAuthorize }: { reauthorize: NonNullable<ActivationStatus['reauthorize']>; onAuthorize(): void }): ReactNode {
  const styles = useStyles();
  return (
    <MessageBar className={styles.banner} intent="error" layout="multiline" data-testid="activation-reauthorize" data-consecutive={reauthorize.consecutive}>
      <MessageBarBody>
        <MessageBarTitle>{s.reauthorizeTitle}</MessageBarTitle>
        {s.reauthorizeText(reauthorize.consecutive, reauthorize.suspended)}
        <span className={styles.reason} data-testid="activation-reauthorize-reason">{reauthorize.reason}</span>
      </MessageBarBody>
      <MessageBarActions>
        <Button appearance="primary" icon={<KeyRegular />} onClick={onAuthorize} data-testid="activation-reauthorize-button">
          {s.reauthorizeButton}
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}

interface FlowProps {
  status: ActivationStatus;
  client: RelayClient;
  onDone(result: ActivationResult): void;
  /** Only for a re-authorization: the status is still there to go back to. */
  onCancel?: () => void;
}

function ActivationFlow({ status, client, onDone, onCancel }: FlowProps): ReactNode {
  const common = useCommonStyles();
  const styles = useStyles();
  const orgType = status.mailboxType;
  const [chosen, setChosen] = useState<MailboxType | null>(orgType);
  const [step, setStep] = useState<'type' | MailboxType>('type');

  return (
    <section className={common.section} aria-labelledby="activation-heading" data-testid="activation" data-step={step}>
      <h2 id="activation-heading" className={common.heading}>{s.heading}</h2>
      <Text>{s.intro(status.address)}</Text>
      {step === 'type' && (
        <form
          className={styles.form}
          onSubmit={(event) => {
            event.preventDefault();
            if (chosen !== null && chosen === orgType) setStep(chosen);
          }}
        >
          <Field label={s.typeLabel} hint={orgType !== null ? s.typeUnavailable(s.typeName[orgType]) : undefined}>
            <RadioGroup value={chosen ?? ''} onChange={(_, data) => setChosen(data.value as MailboxType)} data-testid="activation-type">
              {MAILBOX_TYPES.map((type) => (
                <Radio key={type} value={type} label={`${s.typeName[type]} – ${s.typeHint[type]}`} disabled={type !== orgType} data-testid={`activation-type-${type}`} />
              ))}
            </RadioGroup>
          </Field>
          <div className={styles.actions}>
            <Button type="submit" appearance="primary" disabled={chosen === null || chosen !== orgType} data-testid="activation-next">{s.next}</Button>
            {onCancel !== undefined && <Button onClick={onCancel}>{s.cancel}</Button>}
          </div>
        </form>
      )}
      {step === 'office365' && <Office365Step client={client} onDone={onDone} onBack={() => setStep('type')} />}
      {step === 'exchange' && <ExchangeStep client={client} address={status.address} onDone={onDone} onBack={() => setStep('type')} />}
    </section>
  );
}

function Office365Step({ client, onDone, onBack }: { client: RelayClient; onDone(result: ActivationResult): void; onBack(): void }): ReactNode {
  const styles = useStyles();
  const [phase, setPhase] = useState<'idle' | 'dialog' | 'finishing'>('idle');
  const [error, setError] = useState<unknown>(null);
  const session = useRef<DialogSession | null>(null);
  const announce = useAnnounce();

  const fail = (problem: unknown): void => {
    session.current?.close();
    session.current = null;
    setPhase('idle');
    setError(problem);
  };

  const signIn = async (): Promise<void> => {
    if (phase !== 'idle') return;
    setError(null);
    setPhase('dialog');
    announce(s.waitingForDialog);
    try {
      const start = await client.startOffice365Activation();
      session.current = await openDialog(start.dialogUrl, {
        origin: new URL(start.dialogUrl).origin,
        onMessage: (text) => {
          session.current?.close();
          session.current = null;
          let message;
          try {
            message = ConsentDialogMessageSchema.parse(JSON.parse(text));
          } catch {
            fail(new Error(s.consentError('unexpected answer from the sign-in window')));
            return;
          }
          if (message.type === 'office365-consent-error') {
            fail(new Error(s.consentError(message.description ?? message.error)));
            return;
          }
          setPhase('finishing');
          announce(s.finishing);
          client.finishOffice365Activation({ code: message.code, state: message.state }).then(onDone, fail);
        },
        onClosed: () => fail(new Error(s.dialogClosed)),
        onError: (dialogError) => fail(dialogError),
      });
    } catch (problem) {
      fail(problem instanceof DialogError && (problem.code === 'popup-blocked' || problem.code === 12009) ? new Error(s.dialogBlocked) : problem);
    }
  };

  return (
    <div className={styles.form} data-testid="activation-office365">
      <Text>{s.office365Text}</Text>
      <div className={styles.actions}>
        <Button appearance="primary" icon={<PersonKeyRegular />} onClick={() => void signIn()} disabledFocusable={phase !== 'idle'} data-testid="activation-signin">
          {s.signIn}
        </Button>
        {phase === 'dialog' ? (
          <Button
            onClick={() => {
              // The window may have been closed by hand (a popup cannot always tell): give up waiting for it.
              session.current?.close();
              session.current = null;
              setPhase('idle');
            }}
            data-testid="activation-cancel"
          >
            {s.cancel}
          </Button>
        ) : (
          <Button onClick={onBack} disabledFocusable={phase !== 'idle'}>{s.back}</Button>
        )}
        {phase !== 'idle' && <Spinner size="tiny" label={phase === 'dialog' ? s.waitingForDialog : s.finishing} data-testid="activation-busy" />}
      </div>
      {error !== null && <ErrorBar title={s.signInFailed} error={error} testId="activation-failed" />}
    </div>
  );
}

const HTTP_URL = /^https?:\/\/[^\s/$.?#].[^\s]*$/i;

function ExchangeStep({ client, address, onDone, onBack }: { client: RelayClient; address: string; onDone(result: ActivationResult): void; onBack(): void }): ReactNode {
  const styles = useStyles();
  const [login, setLogin] = useState(address);
  const [password, setPassword] = useState('');
  const [ewsUrl, setEwsUrl] = useState('');
  const [extended, setExtended] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const announce = useAnnounce();
  const ewsRef = useRef<HTMLInputElement>(null);
  const showsExtended = extended !== null;
  // The extended form appeared: the keyboard continues at its new field.
  useEffect(() => {
    if (showsExtended) ewsRef.current?.focus();
  }, [showsExtended]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    const local: Record<string, string> = {};
    if (login.trim() === '') local.login = s.loginRequired;
    if (password === '') local.password = s.passwordRequired;
    if (extended !== null && !HTTP_URL.test(ewsUrl.trim())) local.ewsUrl = s.ewsUrlInvalid;
    setFieldErrors(local);
    setError(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    announce(s.checking);
    try {
      onDone(await client.activateExchange({ login: login.trim(), password, ...(extended !== null ? { ewsUrl: ewsUrl.trim() } : {}) }));
    } catch (problem) {
      if (problem instanceof ApiError && problem.code === 'autodiscover-failed') {
        setExtended(problem.message);
        announce(s.extendedTitle);
      } else {
        if (problem instanceof ApiError && problem.fields) setFieldErrors(problem.fields);
        setError(problem);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(event) => void submit(event)} data-testid="activation-exchange" data-extended={extended !== null ? 'true' : 'false'} noValidate>
      <Text>{s.exchangeText}</Text>
      {extended !== null && (
        <MessageBar intent="info" layout="multiline" data-testid="activation-extended">
          <MessageBarBody>
            <MessageBarTitle>{s.extendedTitle}</MessageBarTitle>
            {s.extendedText}
          </MessageBarBody>
        </MessageBar>
      )}
      <Field label={s.login} hint={s.loginHint} required validationMessage={fieldErrors.login}>
        <Input value={login} onChange={(_, data) => setLogin(data.value)} autoComplete="username" data-testid="activation-login" />
      </Field>
      <Field label={s.password} required validationMessage={fieldErrors.password}>
        <Input type="password" value={password} onChange={(_, data) => setPassword(data.value)} autoComplete="current-password" data-testid="activation-password" />
      </Field>
      {extended !== null && (
        <Field label={s.ewsUrl} hint={s.ewsUrlHint} required validationMessage={fieldErrors.ewsUrl}>
          <Input ref={ewsRef} type="url" value={ewsUrl} onChange={(_, data) => setEwsUrl(data.value)} placeholder="https://mail.example.com/EWS/Exchange.asmx" data-testid="activation-ews-url" />
        </Field>
      )}
      <div className={styles.actions}>
        <Button type="submit" appearance="primary" disabledFocusable={busy} data-testid="activation-submit">{s.activate}</Button>
        <Button onClick={onBack} disabledFocusable={busy}>{s.back}</Button>
        {busy && <Spinner size="tiny" label={s.checking} data-testid="activation-busy" />}
      </div>
      {error !== null && <ErrorBar title={s.activationFailed} error={error} testId="activation-failed" />}
    </form>
  );
}
