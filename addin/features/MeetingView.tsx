/**
 * The pane for an open calendar item (S5): the organizer's and attendees' C4C records, and "Create in C4C", which
 * creates the C4C Appointment at once (exactly once per meeting: a second click, a colleague or a retry gets the
 * existing one). Later changes flow through the sync engine.
 *
 * The meeting itself is read first (asynchronously in the organizer's form). A meeting that has no id yet (new and
 * unsaved, or a host that cannot give the id of a meeting being edited) still shows its people, but the Create panel
 * asks the user to save it: the add-in never saves it itself, as saving can send updates to the attendees.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button, Link, makeStyles, MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle, ProgressBar, Text, tokens } from '@fluentui/react-components';
import { ArrowClockwiseRegular, CalendarAddRegular, OpenRegular } from '@fluentui/react-icons';
import type { AppointmentStatus, SearchResponse } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import { attendeesOf, participantAddressesOf, type Meeting, type MeetingDetails, type MeetingLoad, type UnsavedReason } from '../office/meeting';
import { buildPersonCards, withCreatedRecord } from './people';
import { buildAppointmentRequest, deriveSaveDefaults } from './saveDefaults';
import { PeopleSection } from './PeopleSection';
import { singleFlight } from './singleFlight';
import { ErrorBar, formatDateTime, LoadErrorBar, LoadingSkeleton, useAnnounce, useCommonStyles } from './common';
import { useLoad } from './useLoad';
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

interface MeetingData {
  search: SearchResponse;
  /** Null while the meeting has no id: there is nothing to ask the relay about yet. */
  status: AppointmentStatus | null;
}

type CreateState =
  | { phase: 'idle' }
  | { phase: 'creating' }
  | { phase: 'created'; id: string; c4cUrl: string; already: boolean }
  | { phase: 'error'; error: unknown };

/** Subject, time and place, so the user sees which meeting the panel acts on. */
function MeetingSummary({ details }: { details: MeetingDetails }): ReactNode {
  const common = useCommonStyles();
  const when = details.isAllDay
    ? `${formatDateTime(details.start, details.timeZone, true)} · ${strings.allDay}`
    : strings.when(formatDateTime(details.start, details.timeZone), formatDateTime(details.end, details.timeZone));
  return (
    <div>
      <Text weight="semibold" block>
        {details.subject}
      </Text>
      <Text className={common.muted} block>
        {when}
        {details.location !== '' ? ` · ${details.location}` : ''}
      </Text>
    </div>
  );
}

/** The Create panel of a meeting without an id: what to do before it can be created in C4C (exported for tests). */
export function SaveFirstPanel({ details, reason, onCheckAgain }: { details: MeetingDetails; reason: UnsavedReason; onCheckAgain: () => void }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  return (
    <section className={styles.panel} aria-labelledby="meeting-heading" data-testid="meeting-panel">
      <h2 id="meeting-heading" className={common.heading}>
        {strings.meetingHeading}
      </h2>
      <MeetingSummary details={details} />
      <MessageBar intent="warning" layout="multiline" data-testid="meeting-needs-save" data-reason={reason}>
        <MessageBarBody>
          <MessageBarTitle>{strings.saveMeetingFirst}</MessageBarTitle>
          {reason === 'not-saved' ? strings.meetingNotSaved : strings.meetingIdUnavailable}
        </MessageBarBody>
        {/* Only a save changes the answer, and only for a meeting that was not saved; re-reading costs nothing. */}
        {reason === 'not-saved' && (
          <MessageBarActions>
            <Button appearance="transparent" icon={<ArrowClockwiseRegular />} onClick={onCheckAgain} data-testid="meeting-check-again">
              {strings.checkAgain}
            </Button>
          </MessageBarActions>
        )}
      </MessageBar>
    </section>
  );
}

function CreatePanel({ meeting, client, search, status }: { meeting: Meeting; client: RelayClient; search: SearchResponse; status: AppointmentStatus }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const announce = useAnnounce();
  const link = useRef<HTMLAnchorElement>(null);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  const [state, setState] = useState<CreateState>(() =>
    status.status === 'created' && status.id !== undefined && status.c4cUrl !== undefined ? { phase: 'created', id: status.id, c4cUrl: status.c4cUrl, already: true } : { phase: 'idle' },
  );
  const m = meeting.snapshot;
  const focusLink = useRef(false);
  useEffect(() => {
    if (state.phase === 'created' && focusLink.current) {
      focusLink.current = false;
      link.current?.focus();
    }
  }, [state.phase]);

  const run = async (): Promise<void> => {
    setState({ phase: 'creating' });
    announce(strings.creatingAppointment);
    try {
      const defaults = deriveSaveDefaults(search);
      const created = await client.createAppointment(buildAppointmentRequest(m, meeting.attendees(), defaults));
      if (!mounted.current) return;
      setState({ phase: 'created', id: created.id, c4cUrl: created.c4cUrl, already: created.alreadyCreated });
      announce(created.alreadyCreated ? strings.alreadyCreated : strings.createdInC4c);
      focusLink.current = true;
    } catch (error) {
      if (mounted.current) setState({ phase: 'error', error });
      announce(strings.appointmentFailed);
    }
  };
  const latest = useRef(run);
  latest.current = run;
  const create = useRef(singleFlight(() => latest.current()));

  return (
    <section className={styles.panel} aria-labelledby="meeting-heading" aria-busy={state.phase === 'creating'} data-testid="meeting-panel">
      <h2 id="meeting-heading" className={common.heading}>
        {strings.meetingHeading}
      </h2>
      <MeetingSummary details={m} />
      {state.phase === 'created' ? (
        <MessageBar intent="success" layout="multiline" data-testid="appointment-status" data-status={state.already ? 'already-created' : 'created'}>
          <MessageBarBody>
            <MessageBarTitle>{state.already ? strings.alreadyCreated : strings.createdInC4c}</MessageBarTitle>
            <Link ref={link} href={state.c4cUrl} target="_blank" rel="noopener noreferrer" data-testid="appointment-link">
              <OpenRegular aria-hidden /> {strings.openAppointment(state.id)}
            </Link>
          </MessageBarBody>
        </MessageBar>
      ) : (
        <>
          {state.phase === 'error' && <ErrorBar title={strings.appointmentFailed} error={state.error} onRetry={() => void create.current()} testId="appointment-error" />}
          {state.phase === 'creating' && (
            <div data-testid="appointment-status" data-status="creating">
              <ProgressBar aria-label={strings.creatingAppointment} />
              <Text className={common.muted}>{strings.creatingAppointment}</Text>
            </div>
          )}
          <Button
            appearance="primary"
            icon={<CalendarAddRegular />}
            disabled={state.phase === 'creating'}
            onClick={() => void create.current()}
            data-testid="create-appointment-button"
          >
            {strings.createInC4c}
          </Button>
        </>
      )}
    </section>
  );
}

/** Reads the meeting (the loading state covers the Office reads of the organizer's form), then shows it. */
export function MeetingView({ load, client, ownAddress }: { load: () => Promise<MeetingLoad>; client: RelayClient; ownAddress?: string }): ReactNode {
  // The view is keyed by the open item, so the constant key only matters for "Check again" (the retry counter).
  const [state, reread] = useLoad<MeetingLoad>(() => load(), 'meeting');
  if (state.phase === 'loading') return <LoadingSkeleton label={strings.readingMeeting} />;
  if (state.phase === 'error') return <ErrorBar title={strings.meetingReadFailed} error={state.error} onRetry={reread} testId="meeting-read-error" />;
  const loaded = state.data;
  return <MeetingRecords key={loaded.status === 'ready' ? loaded.meeting.itemId : ''} loaded={loaded} client={client} ownAddress={ownAddress} onCheckAgain={reread} />;
}

function MeetingRecords({ loaded, client, ownAddress, onCheckAgain }: { loaded: MeetingLoad; client: RelayClient; ownAddress?: string; onCheckAgain: () => void }): ReactNode {
  const meeting: Meeting | null = loaded.status === 'ready' ? loaded.meeting : null;
  const details: MeetingDetails = loaded.status === 'ready' ? loaded.meeting.snapshot : loaded.details;
  const exclude = ownAddress === undefined ? [] : [ownAddress];
  const addresses = participantAddressesOf(details, exclude);
  const [state, retry, update] = useLoad<MeetingData>(async (signal) => {
    const [search, status] = await Promise.all([
      addresses.length > 0 ? client.search(addresses, signal) : Promise.resolve<SearchResponse>({ results: [], suggestion: {} }),
      meeting !== null ? client.appointmentStatus({ groupwareItemId: meeting.snapshot.groupwareItemId, groupwareItemIdSource: meeting.snapshot.groupwareItemIdSource }, signal) : Promise.resolve(null),
    ]);
    return { search, status };
  }, meeting?.itemId ?? '');

  const people = useMemo(() => {
    const own = ownAddress?.toLowerCase();
    return [...(details.organizer ? [details.organizer] : []), ...attendeesOf(details)].filter((p) => p.address.toLowerCase() !== own);
  }, [details, ownAddress]);

  if (state.phase === 'loading') return <LoadingSkeleton label={strings.loading} />;
  if (state.phase === 'error') return <LoadErrorBar error={state.error} onRetry={retry} />;
  const { search, status } = state.data;
  return (
    <>
      <PeopleSection
        heading={strings.attendeesHeading}
        cards={buildPersonCards(people, search)}
        client={client}
        accounts={deriveSaveDefaults(search).accounts}
        onCreated={(address, record) => update((d) => ({ ...d, search: withCreatedRecord(d.search, address, record) }))}
      />
      {meeting !== null && status !== null ? (
        <CreatePanel meeting={meeting} client={client} search={search} status={status} />
      ) : loaded.status === 'needs-save' ? (
        <SaveFirstPanel details={loaded.details} reason={loaded.reason} onCheckAgain={onCheckAgain} />
      ) : null}
    </>
  );
}
