/**
 * Sessions over time for one organization, from its run history: sessions by outcome (stacked bars), emails saved /
 * failed and items mirrored (lines), and mean / 95th-percentile duration (lines), drawn with @fluentui/react-charts
 * (Fluent v9's own charts: theme tokens, light and dark, keyboard focus on data points). Every chart has a text
 * summary, and "Show as table" replaces the charts with a table of the same figures per bucket.
 */
import { useContext, useState, type ReactNode } from 'react';
import { Dropdown, Field, Option, Switch, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, tokens } from '@fluentui/react-components';
import { DataVizPalette, getColorFromToken, LineChart, VerticalStackedBarChart, type LineChartPoints, type VerticalStackedChartProps } from '@fluentui/react-charts';
import { ThemeContext_unstable as ThemeContext } from '@fluentui/react-shared-contexts';
import type { Organization, SessionStatsResponse } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, Loading, useCommonStyles, useLoad } from '../common';
import { bucketLabel, duration, monitoringStrings as s } from './MonitoringShared';

type RangeName = keyof typeof s.ranges;
const RANGES: Record<RangeName, { hours: number; bucketMinutes: number }> = {
  quarter: { hours: 0.25, bucketMinutes: 1 },
  hour: { hours: 1, bucketMinutes: 5 },
  day: { hours: 24, bucketMinutes: 60 },
  week: { hours: 24 * 7, bucketMinutes: 360 },
  month: { hours: 24 * 30, bucketMinutes: 24 * 60 },
};

const useStyles = makeStyles({
  charts: { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))', gap: tokens.spacingHorizontalL, alignItems: 'start' },
  chartCard: {
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    minWidth: 0,
  },
  chartTitle: { margin: `0 0 ${tokens.spacingVerticalS} 0`, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  // The charts size themselves to their container: a fixed height keeps them from growing with the grid row.
  plot: { height: '300px', overflow: 'hidden' },
  summary: { color: tokens.colorNeutralForeground2 },
});

export function MonitoringChart({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client } = useAdmin();
  const [range, setRange] = useState<RangeName>('day');
  const [asTable, setAsTable] = useState(false);
  const stats = useLoad(
    (signal) => {
      const { hours, bucketMinutes } = RANGES[range];
      const to = new Date();
      return client.monitoring.sessions(org.id, { from: new Date(to.getTime() - hours * 3600_000).toISOString(), to: to.toISOString(), bucketMinutes }, signal);
    },
    [client, org.id, range],
  );

  return (
    <div className={styles.page} style={{ marginTop: tokens.spacingVerticalM, maxWidth: 'none' }} data-testid="monitoring-sessions">
      <div className={styles.toolbar}>
        <Field label={s.range}>
          <Dropdown
            value={s.ranges[range]}
            selectedOptions={[range]}
            onOptionSelect={(_e, d) => d.optionValue && setRange(d.optionValue as RangeName)}
            data-testid="sessions-range"
          >
            {(Object.keys(RANGES) as RangeName[]).map((name) => (
              <Option key={name} value={name}>
                {s.ranges[name]}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Switch label={s.showTable} checked={asTable} onChange={(_e, d) => setAsTable(d.checked)} data-testid="sessions-as-table" />
      </div>
      {stats.error !== undefined && <ErrorBanner error={stats.error} onRetry={stats.reload} />}
      {stats.data === undefined ? (
        stats.error === undefined && <Loading label={s.loading} />
      ) : (
        <>
          <Text className={own.summary} data-testid="sessions-summary" aria-live="polite">
            {summaryOf(stats.data)}
          </Text>
          {asTable ? <StatsTable stats={stats.data} /> : <Charts stats={stats.data} />}
        </>
      )}
    </div>
  );
}

function summaryOf(stats: SessionStatsResponse): string {
  const t = stats.totals;
  return s.chartSummary({
    sessions: t.sessions,
    failed: t.failed,
    itemsSaved: t.itemsSaved,
    mirrored: t.mirrorCreated + t.mirrorUpdated + t.mirrorDeleted,
    avg: duration(t.avgDurationMs),
    p95: duration(t.p95DurationMs),
  });
}

/** True under a dark Fluent theme (its neutral background is dark): the chart palette has a shade for each. */
function useDarkTheme(): boolean {
  const theme = useContext(ThemeContext);
  const background = theme?.colorNeutralBackground1 ?? '#ffffff';
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(background);
  if (!hex) return false;
  const [r, g, b] = hex.slice(1).map((h) => parseInt(h, 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

function Charts({ stats }: { stats: SessionStatsResponse }): ReactNode {
  const own = useStyles();
  const dark = useDarkTheme();
  const color = (token: string): string => getColorFromToken(token, dark);
  const label = (iso: string): string => bucketLabel(iso, stats.bucketMinutes);
  const sessions: VerticalStackedChartProps[] = stats.buckets.map((b) => ({
    xAxisPoint: label(b.start),
    chartData: [
      { legend: s.legend.succeeded, data: b.succeeded, color: color(DataVizPalette.success) },
      { legend: s.legend.failed, data: b.failed, color: color(DataVizPalette.error) },
      { legend: s.legend.abandoned, data: b.abandoned, color: color(DataVizPalette.warning) },
    ],
  }));
  const at = (iso: string): Date => new Date(iso);
  const items: LineChartPoints[] = [
    { legend: s.legend.saved, color: color(DataVizPalette.color1), data: stats.buckets.map((b) => ({ x: at(b.start), y: b.itemsSaved })) },
    { legend: s.legend.mirrored, color: color(DataVizPalette.color2), data: stats.buckets.map((b) => ({ x: at(b.start), y: b.mirrorCreated + b.mirrorUpdated + b.mirrorDeleted })) },
    { legend: s.legend.itemsFailed, color: color(DataVizPalette.error), data: stats.buckets.map((b) => ({ x: at(b.start), y: b.itemsFailed })) },
  ];
  const ended = stats.buckets.filter((b) => b.avgDurationMs !== null);
  const durations: LineChartPoints[] = [
    { legend: s.legend.avg, color: color(DataVizPalette.color3), data: ended.map((b) => ({ x: at(b.start), y: (b.avgDurationMs ?? 0) / 1000 })) },
    { legend: s.legend.p95, color: color(DataVizPalette.color5), data: ended.map((b) => ({ x: at(b.start), y: (b.p95DurationMs ?? 0) / 1000 })) },
  ];
  const formatter = (date: Date): string => label(date.toISOString());
  return (
    <div className={own.charts}>
      <figure className={own.chartCard} style={{ margin: 0 }} data-testid="chart-sessions">
        <figcaption className={own.chartTitle}>{s.chartSessions}</figcaption>
        <div className={own.plot}>
          <VerticalStackedBarChart data={sessions} height={300} chartTitle={s.chartSessions} barWidth="auto" maxBarWidth={28} hideTickOverlap />
        </div>
      </figure>
      <figure className={own.chartCard} style={{ margin: 0 }} data-testid="chart-items">
        <figcaption className={own.chartTitle}>{s.chartItems}</figcaption>
        <div className={own.plot}>
          <LineChart data={{ chartTitle: s.chartItems, lineChartData: items }} height={300} customDateTimeFormatter={formatter} hideTickOverlap />
        </div>
      </figure>
      <figure className={own.chartCard} style={{ margin: 0 }} data-testid="chart-duration">
        <figcaption className={own.chartTitle}>{s.chartDuration}</figcaption>
        {ended.length === 0 ? (
          <Text>—</Text>
        ) : (
          <div className={own.plot}>
            <LineChart data={{ chartTitle: s.chartDuration, lineChartData: durations }} height={300} customDateTimeFormatter={formatter} hideTickOverlap />
          </div>
        )}
      </figure>
    </div>
  );
}

function StatsTable({ stats }: { stats: SessionStatsResponse }): ReactNode {
  const styles = useCommonStyles();
  return (
    <div className={styles.tableWrap}>
      <Table size="small" aria-label={s.tabs.sessions} data-testid="sessions-table">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{s.bucket}</TableHeaderCell>
            <TableHeaderCell>{s.legend.succeeded}</TableHeaderCell>
            <TableHeaderCell>{s.legend.failed}</TableHeaderCell>
            <TableHeaderCell>{s.legend.abandoned}</TableHeaderCell>
            <TableHeaderCell>{s.legend.saved}</TableHeaderCell>
            <TableHeaderCell>{s.legend.itemsFailed}</TableHeaderCell>
            <TableHeaderCell>{s.legend.mirrored}</TableHeaderCell>
            <TableHeaderCell>{s.legend.avg}</TableHeaderCell>
            <TableHeaderCell>{s.legend.p95}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {stats.buckets.map((b) => (
            <TableRow key={b.start} data-testid="sessions-table-row" data-sessions={b.sessions}>
              <TableCell>{bucketLabel(b.start, stats.bucketMinutes)}</TableCell>
              <TableCell>{b.succeeded}</TableCell>
              <TableCell>{b.failed}</TableCell>
              <TableCell>{b.abandoned}</TableCell>
              <TableCell>{b.itemsSaved}</TableCell>
              <TableCell>{b.itemsFailed}</TableCell>
              <TableCell>{b.mirrorCreated + b.mirrorUpdated + b.mirrorDeleted}</TableCell>
              <TableCell>{duration(b.avgDurationMs)}</TableCell>
              <TableCell>{duration(b.p95DurationMs)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
