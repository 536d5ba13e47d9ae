/** The pane for an open email: people with their C4C records (S2) and the Save panel (S3, S4). */
import { useMemo, type ReactNode } from 'react';
import type { C4cRecord, EmailStatus, SearchResponse } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import type { Email } from '../office/email';
import { buildPersonCards, withCreatedRecord } from './people';
import { deriveSaveDefaults } from './saveDefaults';
import { PeopleSection } from './PeopleSection';
import { SavePanel } from './SavePanel';
import { LoadErrorBar, LoadingSkeleton } from './common';
import { useLoad } from './useLoad';
import { strings } from './strings';

interface MessageData {
  search: SearchResponse;
  status: EmailStatus;
}

const EMPTY_SEARCH: SearchResponse = { results: [], suggestion: {} };

/**
 * The search after a quick-create: the new record joins its person's card and the Save panel's picker, and a new
 * contact or lead becomes the preselected main contact (the user created it to link this email to it). An account
 * it belongs to moves along; without one the earlier account stays.
 */
export function withQuickCreated(search: SearchResponse, address: string, record: C4cRecord): SearchResponse {
  const updated = withCreatedRecord(search, address, record);
  if (record.kind !== 'contact' && record.kind !== 'lead' && record.kind !== 'individualCustomer') return updated;
  return {
    ...updated,
    suggestion: {
      mainContactObjectId: record.objectId,
      mainContactKind: record.kind,
      mainAccountObjectId: record.accountObjectId ?? search.suggestion.mainAccountObjectId,
    },
  };
}

interface MessageViewProps {
  email: Email;
  client: RelayClient;
  ownAddress?: string;
  timeZone?: string;
}

export function MessageView({ email, client, ownAddress, timeZone }: MessageViewProps): ReactNode {
  const exclude = ownAddress === undefined ? [] : [ownAddress];
  const addresses = email.participantAddresses(exclude);
  const [state, retry, update] = useLoad<MessageData>(async (signal) => {
    const [search, status] = await Promise.all([
      addresses.length > 0 ? client.search(addresses, signal) : Promise.resolve(EMPTY_SEARCH),
      email.snapshot.internetMessageId !== '' ? client.emailStatus(email.snapshot.internetMessageId, signal) : Promise.resolve<EmailStatus>({ status: 'not-saved' }),
    ]);
    return { search, status };
  }, email.itemId);

  const people = useMemo(() => {
    const s = email.snapshot;
    const own = ownAddress?.toLowerCase();
    return [...(s.from ? [s.from] : []), ...s.to, ...s.cc].filter((p) => p.address.toLowerCase() !== own);
  }, [email, ownAddress]);

  if (state.phase === 'loading') return <LoadingSkeleton label={strings.loading} />;
  if (state.phase === 'error') return <LoadErrorBar error={state.error} onRetry={retry} />;

  const { search, status } = state.data;
  const defaults = deriveSaveDefaults(search);
  return (
    <>
      <PeopleSection
        heading={strings.peopleHeading}
        cards={buildPersonCards(people, search)}
        client={client}
        accounts={defaults.accounts}
        onCreated={(address, record) => update((d) => ({ ...d, search: withQuickCreated(d.search, address, record) }))}
      />
      <SavePanel email={email} client={client} defaults={defaults} status={status} timeZone={timeZone} ownAddress={ownAddress} />
    </>
  );
}
