/**
 * The README's "Mapping tables (generated)" section is the output of scripts/mapping-tables.ts over the code's tables:
 * a change to a table without `npm run docs:mapping` fails here, so the README never drifts from the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeSection, renderMappingTables, withMappingTables } from '../../../scripts/mapping-tables';
import { MAPPING_TABLES } from '../../../relay/sync/mirror/mapping';

const README = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README mapping tables', () => {
  it('the section between the markers is exactly the generated Markdown (run `npm run docs:mapping`)', () => {
    expect(readmeSection(README)).toBe(renderMappingTables());
    expect(withMappingTables(README)).toBe(README);
  });

  it('the generated Markdown has one row per field of every table, with its default direction', () => {
    const md = renderMappingTables();
    for (const table of Object.values(MAPPING_TABLES)) {
      expect(md).toContain(`\`${table.c4cEntitySet}\``);
      for (const f of table.fields) expect(md).toMatch(new RegExp(`^\\| ${f.label.replace(/[()]/g, '\\$&')} \\(\`${f.field}\`\\) \\|`, 'm'));
    }
    expect(md).toContain('| Notes (`notes`) | Body / body (HTML) | AppointmentTextCollection (TypeCode 10002) | to C4C | yes | `htmlToText` |');
  });

  it('a README whose section was edited by hand is detected and rewritten', () => {
    const edited = README.replace('| Notes (`notes`) | Body / body (HTML) | AppointmentTextCollection (TypeCode 10002) | to C4C |', '| Notes (`notes`) | Body / body (HTML) | AppointmentTextCollection (TypeCode 10002) | both ways |');
    expect(edited).not.toBe(README);
    expect(readmeSection(edited)).not.toBe(renderMappingTables());
    expect(withMappingTables(edited)).toBe(README);
  });
});
