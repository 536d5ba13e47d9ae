/**
 * The default mapping tables (relay/sync/mirror/mapping) as Markdown, for the README section between
 * `<!-- mapping-tables:start -->` and `<!-- mapping-tables:end -->`: the README is generated from the code.
 *
 *   npx tsx scripts/mapping-tables.ts          prints the tables
 *   npm run docs:mapping                       rewrites the README section (scripts/mapping-tables.ts --write)
 *
 * test/sync/mapping/readme-tables.test.ts fails when the README section differs from this output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAPPING_TABLES } from '../relay/sync/mirror/mapping';
import { TRANSFORMS } from '../relay/sync/mirror/mapping/transforms';
import type { FieldMapping } from '../relay/sync/mirror/mapping/types';
import { MIRROR_KINDS, type Direction, type MirrorKind } from '../relay/sync/mirror/types';

export const START_MARKER = '<!-- mapping-tables:start -->';
export const END_MARKER = '<!-- mapping-tables:end -->';

const TITLES: Record<MirrorKind, string> = {
  appointment: 'Calendar events ↔ appointments',
  task: 'Tasks ↔ tasks',
  contact: 'SAP Contacts ↔ contacts',
  account: 'SAP Accounts ↔ corporate accounts',
  individualCustomer: 'SAP Individual Customers ↔ individual customers',
};

const DIRECTION_TEXT: Record<Direction, string> = {
  both: 'both ways',
  'to-c4c': 'to C4C',
  'to-mailbox': 'to the mailbox',
  none: 'none',
};

const cell = (value: string): string => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fieldRow(f: FieldMapping<MirrorKind>): string {
  const cells = [
    `${cell(f.label)} (\`${f.field}\`)`,
    cell(f.mailboxProperty),
    cell(f.c4cProperty),
    DIRECTION_TEXT[f.defaultDirection],
    f.configurable ? 'yes' : 'no',
    f.transform ? `\`${f.transform.name}\`` : '',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown between the markers (without them), ending in a newline. */
export function renderMappingTables(): string {
  const out: string[] = [];
  for (const kind of MIRROR_KINDS) {
    const table = MAPPING_TABLES[kind] as unknown as { c4cEntitySet: string; mailboxFolder: string; fields: FieldMapping<MirrorKind>[] };
    out.push(`### ${TITLES[kind]} (\`${kind}\`: mailbox folder \`${table.mailboxFolder}\` ↔ \`${table.c4cEntitySet}\`)`, '');
    out.push('| Field | Mailbox (EWS / Graph) | C4C | Default direction | Configurable | Transform |', '|---|---|---|---|---|---|');
    for (const f of table.fields) out.push(fieldRow(f));
    const exceptions = table.fields.filter((f) => f.exception);
    if (exceptions.length > 0) {
      out.push('', 'Exceptions:', '');
      for (const f of exceptions) out.push(`- **${f.label}** (\`${f.field}\`): ${f.exception}`);
    }
    out.push('');
  }
  out.push('### Transforms', '', '| Transform | What it does |', '|---|---|');
  for (const t of Object.values(TRANSFORMS)) out.push(`| \`${t.name}\` | ${cell(t.description)} |`);
  return `${out.join('\n')}\n`;
}

/** `readme` with the text between the markers replaced by the generated tables. */
export function withMappingTables(readme: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} section`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${renderMappingTables()}${readme.slice(end)}`;
}

/** The text currently between the markers. */
export function readmeSection(readme: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} section`);
  return readme.slice(start + START_MARKER.length + 1, end);
}

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const file = path.join(__dirname, '..', 'README.md');
    const before = readFileSync(file, 'utf8');
    const after = withMappingTables(before);
    if (after !== before) writeFileSync(file, after);
    process.stdout.write(after === before ? 'README.md mapping tables are up to date\n' : 'README.md mapping tables rewritten\n');
  } else {
    process.stdout.write(renderMappingTables());
  }
}
