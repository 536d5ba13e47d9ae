/**
 * The pane for an open calendar item (S5): the organizer's and attendees' C4C records, and "Create in C4C", which
 * creates the C4C Appointment at once (exactly once per meeting: a second click, a colleague or a retry gets the
 * existing one). Later changes flow through the sync engine.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Button, Link, makeStyles, MessageBar, MessageBarBody, MessageBarTitle, ProgressBar, Text, tokens } from '@fluentui/react-components';
import { CalendarAddRegular, OpenRegular } from '@fluentui/react-icons';
import type { AppointmentStatus, SearchResponse } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import type { Meeting } from '../office/meeting';
import { buildPersonCards, withCreatedRecord } from './people';
import { buildAppointmentRequest, deriveSaveDefaults } from './saveDefaults';
import { PeopleSection } from './PeopleSection';
import { singleFlight } from './singleFlight';
import { ErrorBar, formatDateTime, LoadingSkeleton, useAnnounce, useCommonStyles } from './common';
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
  status: AppointmentStatus;
}

type CreateState =
  | { phase: 'idle' }
  | { phase: 'creating' }
  | { phase: 'created'; id: string; c4cUrl: string; already: boolean }
  | { phase: 'error'; error: unknown };

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

  const when = m.isAllDay
    ? `${formatDateTime(m.start, m.timeZone, true)} · ${strings.allDay}`
    : strings.when(formatDateTime(m.start, m.timeZone), formatDateTime(m.end, m.timeZone));

  return (
    <section className={styles.panel} aria-labelledby="meeting-heading" aria-busy={state.phase === 'creating'} data-testid="meeting-panel">
      <h2 id="meeting-heading" className={common.heading}>
        {strings.meetingHeading}
      </h2>
      <div>
        <Text weight="semibold" block>
          {m.subject}
        </Text>
        <Text className={common.muted} block>
          {when}
          {m.location !== '' ? ` · ${m.location}` : ''}
        </Text>
      </div>
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

export function MeetingView({ meeting, client, ownAddress }: { meeting: Meeting; client: RelayClient; ownAddress?: string }): ReactNode {
  const exclude = ownAddress === undefined ? [] : [ownAddress];
  const addresses = meeting.participantAddresses(exclude);
  const [state, retry, update] = useLoad<MeetingData>(async (signal) => {
    const [search, status] = await Promise.all([
      addresses.length > 0 ? client.search(addresses, signal) : Promise.resolve<SearchResponse>({ results: [], suggestion: {} }),
      client.appointmentStatus(meeting.snapshot.groupwareItemId, signal),
    ]);
    return { search, status };
  }, meeting.itemId);

  const people = useMemo(() => {
    const s = meeting.snapshot;
    const own = ownAddress?.toLowerCase();
    return [...(s.organizer ? [s.organizer] : []), ...meeting.attendees()].filter((p) => p.address.toLowerCase() !== own);
  }, [meeting, ownAddress]);

  if (state.phase === 'loading') return <LoadingSkeleton label={strings.loading} />;
  if (state.phase === 'error') return <ErrorBar title={strings.loadFailed} error={state.error} onRetry={retry} testId="load-error" />;
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
      <CreatePanel meeting={meeting} client={client} search={search} status={status} />
    </>
  );
}
