/**
 * Picks an opportunity or ticket to relate the saved email to: a type Dropdown and a Combobox whose options come from
 * a debounced relay search (stale answers are aborted so a slow reply never overwrites a newer one).
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Combobox, Dropdown, Field, makeStyles, Option, Spinner, tokens } from '@fluentui/react-components';
import type { RelatedItem, RelatedItemRef, RelatedItemType } from '../../shared/api/sidebar';
import { isAbortError, type RelayClient } from '../api/client';
import { debounce } from './singleFlight';
import { errorText } from './common';
import { strings } from './strings';

const useStyles = makeStyles({
  // Stacked: side by side, a 320px pane cut the labels and the search placeholder.
  row: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  // Fluent's Dropdown / Combobox default to a 250px minimum, wider than a task pane column.
  fill: { minWidth: 0, width: '100%' },
  // The input's intrinsic width would push the chevron out of a narrow pane.
  combobox: { minWidth: 0, width: '100%', '& input': { minWidth: 0, width: '100%' } },
});

export const RELATED_SEARCH_DEBOUNCE_MS = 300;

interface RelatedPickerProps {
  client: RelayClient;
  value: RelatedItemRef | undefined;
  onChange(value: RelatedItemRef | undefined): void;
  disabled?: boolean;
}

export function RelatedPicker({ client, value, onChange, disabled }: RelatedPickerProps): ReactNode {
  const styles = useStyles();
  const [type, setType] = useState<RelatedItemType>('opportunity');
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<RelatedItem[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const controller = useRef<AbortController | null>(null);

  const search = useMemo(
    () =>
      debounce((kind: RelatedItemType, q: string) => {
        controller.current?.abort();
        const current = new AbortController();
        controller.current = current;
        setLoading(true);
        client
          .related(kind, q, current.signal)
          .then((answer) => {
            setItems(answer.items);
            setError(undefined);
          })
          .catch((e: unknown) => {
            if (!isAbortError(e)) setError(errorText(e));
          })
          .finally(() => {
            if (controller.current === current) setLoading(false);
          });
      }, RELATED_SEARCH_DEBOUNCE_MS),
    [client],
  );

  useEffect(() => () => {
    search.cancel();
    controller.current?.abort();
  }, [search]);

  const selectedLabel = value === undefined ? '' : (items.find((i) => i.objectId === value.objectId)?.name ?? value.id);

  return (
    <div className={styles.row}>
      <Field label={strings.relatedType}>
        <Dropdown
          className={styles.fill}
          value={strings.relatedTypes[type]}
          selectedOptions={[type]}
          disabled={disabled}
          data-testid="related-type"
          onOptionSelect={(_, d) => {
            const next = (d.optionValue ?? 'opportunity') as RelatedItemType;
            setType(next);
            setItems([]);
            onChange(undefined);
            if (query !== '') search(next, query);
          }}
        >
          <Option value="opportunity">{strings.relatedTypes.opportunity}</Option>
          <Option value="ticket">{strings.relatedTypes.ticket}</Option>
        </Dropdown>
      </Field>
      <Field label={strings.relatedItem} validationState={error ? 'error' : 'none'} validationMessage={error}>
        <Combobox
          freeform
          className={styles.combobox}
          disabled={disabled}
          placeholder={strings.relatedPlaceholder}
          value={query !== '' || value === undefined ? query : selectedLabel}
          selectedOptions={value === undefined ? [] : [value.objectId]}
          data-testid="related-search"
          expandIcon={loading ? <Spinner size="extra-tiny" aria-label={strings.relatedSearching} /> : undefined}
          onFocus={() => {
            if (items.length === 0) search(type, query);
          }}
          onChange={(event) => {
            const q = event.target.value;
            setQuery(q);
            if (q === '') onChange(undefined);
            search(type, q);
          }}
          onOptionSelect={(_, d) => {
            const item = items.find((i) => i.objectId === d.optionValue);
            setQuery('');
            onChange(item === undefined ? undefined : { type: item.type, objectId: item.objectId, id: item.id });
          }}
        >
          {items.length === 0 && !loading ? (
            <Option disabled value="" text={strings.relatedNone}>
              {strings.relatedNone}
            </Option>
          ) : (
            items.map((item) => (
              <Option key={item.objectId} value={item.objectId} text={item.name} data-testid="related-option">
                {`${item.name} (${item.id})${item.accountName ? ` · ${item.accountName}` : ''}`}
              </Option>
            ))
          )}
        </Combobox>
      </Field>
    </div>
  );
}
