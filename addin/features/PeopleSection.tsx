/**
 * S2: one card per participant with the C4C records behind the address (Contacts, Leads, Individual Customers,
 * Accounts; employees hidden), a link opening each record in C4C, and for unknown addresses a "Not found in C4C" card
 * with quick-create of a Contact or Lead.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Badge, Button, Card, CardHeader, Caption1, Link, makeStyles, Text, tokens } from '@fluentui/react-components';
import { BuildingRegular, OpenRegular, PersonAddRegular, PersonRegular, PeopleTeamRegular, ShieldProhibitedRegular } from '@fluentui/react-icons';
import type { C4cRecord } from '../../shared/api/sidebar';
import type { RelayClient } from '../api/client';
import type { AccountOption } from './saveDefaults';
import type { PersonCardModel } from './people';
import { QuickCreateForm } from './QuickCreateForm';
import type { QuickCreateKind } from './validation';
import { useAnnounce, useCommonStyles } from './common';
import { strings } from './strings';

const useStyles = makeStyles({
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, listStyleType: 'none', margin: 0, padding: 0 },
  card: { width: '100%' },
  record: {
    display: 'grid',
    gridTemplateColumns: 'auto 1fr auto',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalS,
    paddingBlock: tokens.spacingVerticalXS,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  recordText: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  ellipsis: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  icon: { color: tokens.colorBrandForeground1, fontSize: tokens.fontSizeBase500 },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
});

function RecordRow({ record }: { record: C4cRecord }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const Icon = record.kind === 'account' ? BuildingRegular : PersonRegular;
  return (
    <div className={styles.record} data-testid="record" data-kind={record.kind} data-object-id={record.objectId}>
      <Icon className={styles.icon} aria-hidden />
      <div className={styles.recordText}>
        <Text weight="semibold" className={styles.ellipsis}>
          {record.name}
        </Text>
        <Caption1 className={`${common.muted} ${styles.ellipsis}`}>
          <Badge appearance="tint" size="small" color={record.kind === 'lead' ? 'warning' : record.kind === 'account' ? 'informative' : 'brand'}>
            {strings.kind[record.kind]}
          </Badge>{' '}
          {record.id}
          {record.accountName !== undefined && record.kind !== 'account' ? ` · ${strings.accountOf(record.accountName)}` : ''}
        </Caption1>
      </div>
      <Link href={record.c4cUrl} target="_blank" rel="noopener noreferrer" aria-label={strings.openInC4cLabel(record.name)} data-testid="record-link">
        <OpenRegular aria-hidden /> {strings.openInC4c}
      </Link>
    </div>
  );
}

interface PersonCardProps {
  card: PersonCardModel;
  client: RelayClient;
  accounts: AccountOption[];
  onCreated(address: string, record: C4cRecord): void;
}

export function PersonCard({ card, client, accounts, onCreated }: PersonCardProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const announce = useAnnounce();
  const [creating, setCreating] = useState<QuickCreateKind | null>(null);
  const cardRef = useRef<HTMLDivElement>(null);
  const previousStatus = useRef(card.status);

  // After a quick-create the card turns into a record card: move focus to it so keyboard users are not lost.
  useEffect(() => {
    if (previousStatus.current === 'not-found' && card.status === 'found') cardRef.current?.focus();
    previousStatus.current = card.status;
  }, [card.status]);

  const icon =
    card.status === 'colleague' ? <PeopleTeamRegular aria-hidden /> : card.status === 'blocked' ? <ShieldProhibitedRegular aria-hidden /> : <PersonRegular aria-hidden />;
  const description =
    card.status === 'colleague'
      ? strings.employeeOnly
      : card.status === 'blocked'
        ? strings.blocked
        : card.status === 'not-found'
          ? strings.notFoundTitle
          : card.address;

  return (
    <li>
      <Card
        ref={cardRef}
        tabIndex={-1}
        className={styles.card}
        size="small"
        appearance={card.status === 'not-found' ? 'outline' : 'filled-alternative'}
        data-testid="person-card"
        data-status={card.status}
        data-address={card.address.toLowerCase()}
        aria-label={card.name}
      >
        <CardHeader
          image={icon}
          header={
            <Text weight="semibold" className={styles.ellipsis}>
              {card.name}
            </Text>
          }
          description={<Caption1 className={common.muted}>{description}</Caption1>}
        />
        {card.status === 'found' && card.records.map((record) => <RecordRow key={`${record.kind}:${record.objectId}`} record={record} />)}
        {card.status === 'not-found' && creating === null && (
          <>
            <Caption1 className={common.muted}>
              {card.address} — {strings.notFoundHint}
            </Caption1>
            <div className={styles.actions}>
              <Button size="small" icon={<PersonAddRegular />} onClick={() => setCreating('contact')} data-testid="create-contact">
                {strings.createContact}
              </Button>
              <Button size="small" icon={<PersonAddRegular />} onClick={() => setCreating('lead')} data-testid="create-lead">
                {strings.createLead}
              </Button>
            </div>
          </>
        )}
        {card.status === 'not-found' && creating !== null && (
          <QuickCreateForm
            kind={creating}
            client={client}
            address={card.address}
            displayName={card.name}
            accounts={accounts}
            onCancel={() => setCreating(null)}
            onCreated={(record) => {
              setCreating(null);
              announce(strings.created(strings.kind[record.kind], record.name));
              onCreated(card.address, record);
            }}
          />
        )}
      </Card>
    </li>
  );
}

interface PeopleSectionProps {
  heading: string;
  cards: PersonCardModel[];
  client: RelayClient;
  accounts: AccountOption[];
  onCreated(address: string, record: C4cRecord): void;
}

export function PeopleSection({ heading, cards, client, accounts, onCreated }: PeopleSectionProps): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  return (
    <section className={common.section} aria-labelledby="people-heading" data-testid="people">
      <h2 id="people-heading" className={common.heading}>
        {heading}
      </h2>
      {cards.length === 0 ? (
        <Text className={common.muted}>{strings.noPeople}</Text>
      ) : (
        <ul className={styles.list}>
          {cards.map((card) => (
            <PersonCard key={card.address.toLowerCase()} card={card} client={client} accounts={accounts} onCreated={onCreated} />
          ))}
        </ul>
      )}
    </section>
  );
}
