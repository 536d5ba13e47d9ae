/**
 * E8 for the user: the C4C records the sync engine created for people and companies it met that C4C did not know,
 * so the user can open and complete them (they are "In Preparation" / named "(auto-created)" in C4C). Hidden when
 * there are none.
 */
import { Badge, Link, makeStyles, Text, tokens } from '@fluentui/react-components';
import { BuildingRegular, PersonRegular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import type { RelayClient } from '../api/client';
import { formatDateTime, LoadErrorBar, useCommonStyles } from './common';
import { syncStrings as s } from './strings';
import { useLoad } from './useLoad';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  item: { display: 'flex', alignItems: 'flex-start', gap: tokens.spacingHorizontalS, minWidth: 0 },
  icon: { color: tokens.colorNeutralForeground3, flexShrink: 0, marginTop: '2px' },
  text: { display: 'flex', flexDirection: 'column', minWidth: 0, overflowWrap: 'anywhere' },
  meta: { color: tokens.colorNeutralForeground3 },
  subheading: { margin: 0, fontSize: tokens.fontSizeBase300, lineHeight: tokens.lineHeightBase300, fontWeight: tokens.fontWeightSemibold },
  intro: { color: tokens.colorNeutralForeground2 },
});

export function AutoCreatedRecords({ client, timeZone }: { client: RelayClient; timeZone?: string }): ReactNode {
  const styles = useStyles();
  const common = useCommonStyles();
  const [state, retry] = useLoad((signal) => client.autoCreatedRecords(signal), 'auto-created');
  if (state.phase === 'loading') return null;
  if (state.phase === 'error') return <LoadErrorBar error={state.error} onRetry={retry} />;
  if (state.data.length === 0) return null;
  return (
    <section className={common.section} aria-labelledby="auto-created-heading" data-testid="auto-created">
      <h3 id="auto-created-heading" className={styles.subheading}>{s.autoCreatedHeading}</h3>
      <Text className={styles.intro}>{s.autoCreatedIntro}</Text>
      <ul className={styles.list}>
        {state.data.map((record) => (
          <li key={`${record.kind}:${record.objectId}`} className={styles.item} data-testid="auto-created-record">
            {record.kind === 'account' ? <BuildingRegular className={styles.icon} aria-hidden /> : <PersonRegular className={styles.icon} aria-hidden />}
            <span className={styles.text}>
              {record.url ? (
                <Link href={record.url} target="_blank" rel="noreferrer">
                  {record.name ?? record.createdFor}
                </Link>
              ) : (
                <Text>{record.name ?? record.createdFor}</Text>
              )}
              <Text size={200} className={styles.meta}>
                <Badge appearance="outline" size="small" color="informative">{s.autoCreatedKind[record.kind]}</Badge> {record.createdFor} · {formatDateTime(record.createdAt, timeZone)}
              </Text>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
