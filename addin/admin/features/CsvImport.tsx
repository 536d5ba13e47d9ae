/**
 * A2 CSV import: a file picker that is also a drop zone, the upload, the relay's progress as it validates and writes
 * the rows (Server-Sent Events), and the row report: every rejected line with its number, column and reason.
 */
import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Field,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowUpload20Regular, ArrowUpload32Regular } from '@fluentui/react-icons';
import { ADMIN_LIMITS, CSV_COLUMNS, type CsvImport, type Organization } from '../../../shared/api/admin';
import { useAdmin } from '../AdminApp';
import { ErrorBanner, formatBytes, StatusBadge, useAnnounce, useCommonStyles } from '../common';
import { strings } from '../strings';

const useStyles = makeStyles({
  drop: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalXXL,
    border: `${tokens.strokeWidthThick} dashed ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground2,
  },
  dropActive: { border: `${tokens.strokeWidthThick} dashed ${tokens.colorBrandStroke1}`, backgroundColor: tokens.colorBrandBackground2 },
  icon: { color: tokens.colorBrandForeground1 },
  example: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    backgroundColor: tokens.colorNeutralBackground3,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    overflowX: 'auto',
    margin: 0,
  },
});

const EXAMPLE = `Full name;C4C login;C4C user ID;Mailbox login;Mailbox email address
Anna Berger;ABERGER;8000000011;CONTOSO\\aberger;anna.berger@contoso.example`;

const columnLabel = (column: string | undefined): string => (column === undefined ? '—' : (strings.csvColumns[column] ?? CSV_COLUMNS[column as keyof typeof CSV_COLUMNS]?.[0] ?? column));

export function CsvImportScreen({ org }: { org: Organization }): ReactNode {
  const styles = useCommonStyles();
  const own = useStyles();
  const { client, refreshOrganizations } = useAdmin();
  const announce = useAnnounce();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'processing' | 'done'>('idle');
  const [progress, setProgress] = useState<{ processed: number; total: number }>({ processed: 0, total: 0 });
  const [report, setReport] = useState<CsvImport | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const choose = (chosen: File | undefined): void => {
    setReport(null);
    setError(undefined);
    setPhase('idle');
    if (chosen === undefined) return;
    if (!/\.(csv|txt)$/i.test(chosen.name) && chosen.type !== 'text/csv') {
      setFile(null);
      setFileError(strings.importNotCsv);
      return;
    }
    if (chosen.size > ADMIN_LIMITS.csvMaxBytes) {
      setFile(null);
      setFileError(strings.importTooLarge(ADMIN_LIMITS.csvMaxBytes / 1024 / 1024));
      return;
    }
    setFileError(null);
    setFile(chosen);
  };

  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const start = async (): Promise<void> => {
    if (file === null) return;
    setPhase('uploading');
    setError(undefined);
    setReport(null);
    try {
      const started = await client.importUsers(org.id, file, file.name);
      setProgress({ processed: started.processedRows, total: started.totalRows });
      let finished = started;
      if (started.status === 'running') {
        setPhase('processing');
        finished = await client.followImport(org.id, started.id, (processed, total) => setProgress({ processed, total }));
      }
      setReport(finished);
      setPhase('done');
      announce(finished.failure ?? strings.importSummary(finished));
      refreshOrganizations();
    } catch (failure) {
      setError(failure);
      setPhase('idle');
    }
  };

  const busy = phase === 'uploading' || phase === 'processing';
  return (
    <section className={styles.page} aria-labelledby="import-heading">
      <h2 id="import-heading" className={styles.heading}>
        {strings.importHeading}
      </h2>
      <Text className={styles.intro}>{strings.importHelp}</Text>
      <pre className={own.example} aria-label="Example">
        {EXAMPLE}
      </pre>
      <div
        className={`${own.drop} ${dragging ? own.dropActive : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <ArrowUpload32Regular className={own.icon} aria-hidden />
        <Text>{strings.importDrop}</Text>
        <Button onClick={() => input.current?.click()} disabled={busy}>
          {strings.importChoose}
        </Button>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          hidden
          onChange={(e) => {
            choose(e.target.files?.[0]);
            e.target.value = '';
          }}
          data-testid="csv-input"
        />
        {file !== null && <Text weight="semibold" data-testid="selected-file">{strings.selectedFile(file.name, formatBytes(file.size))}</Text>}
        {fileError !== null && (
          <Text role="alert" style={{ color: tokens.colorPaletteRedForeground1 }}>
            {fileError}
          </Text>
        )}
      </div>
      <div className={styles.row}>
        <Button appearance="primary" icon={<ArrowUpload20Regular />} disabled={file === null || busy} onClick={() => void start()} data-testid="import-start">
          {strings.importStart}
        </Button>
      </div>
      {busy && (
        <Field
          validationMessage={phase === 'uploading' ? strings.importUploading : strings.importRunning(progress.processed, progress.total)}
          validationState="none"
          data-testid="import-progress"
        >
          <ProgressBar value={phase === 'uploading' || progress.total === 0 ? undefined : progress.processed / progress.total} />
        </Field>
      )}
      {error !== undefined && <ErrorBanner error={error} />}
      {report !== null && <ImportReport report={report} />}
    </section>
  );
}

function ImportReport({ report }: { report: CsvImport }): ReactNode {
  const styles = useCommonStyles();
  if (report.failure !== null) {
    return (
      <MessageBar intent="error" data-testid="import-failure">
        <MessageBarBody>
          <MessageBarTitle>{strings.importFailed}</MessageBarTitle>
          {report.failure}
        </MessageBarBody>
      </MessageBar>
    );
  }
  const errors = [...report.errors].sort((a, b) => a.line - b.line);
  return (
    <div className={styles.card} data-testid="import-report">
      <div className={styles.row}>
        <StatusBadge outcome={report.rejected === 0 ? 'ok' : 'warning'}>{strings.importSummary(report)}</StatusBadge>
      </div>
      {report.c4cCheck.status !== 'checked' && report.c4cCheck.message !== null && (
        <MessageBar intent={report.c4cCheck.status === 'failed' ? 'warning' : 'info'}>
          <MessageBarBody>{strings.importC4cSkipped(report.c4cCheck.message)}</MessageBarBody>
        </MessageBar>
      )}
      {errors.length === 0 ? (
        <Text>{strings.importAllGood}</Text>
      ) : (
        <>
          <h3 id="report-heading" className={styles.subheading}>
            {strings.importReportHeading(errors.length)}
          </h3>
          <div className={styles.tableWrap}>
            <Table className={styles.table} aria-labelledby="report-heading" size="small" data-testid="import-errors">
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: '80px' }}>{strings.importLine}</TableHeaderCell>
                  <TableHeaderCell style={{ width: '180px' }}>{strings.importColumn}</TableHeaderCell>
                  <TableHeaderCell>{strings.importProblem}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {errors.map((row) => (
                  <TableRow key={`${row.line}-${row.problem}-${row.column ?? ''}`} data-testid="import-error" data-line={row.line} data-problem={row.problem}>
                    <TableCell>{row.line}</TableCell>
                    <TableCell>{columnLabel(row.column)}</TableCell>
                    <TableCell>
                      <StatusBadge outcome="failed">{strings.csvProblems[row.problem] ?? row.problem}</StatusBadge> {row.message}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        </>
      )}
    </div>
  );
}
