/** The README's decision table is the output of scripts/decision-table.ts: it cannot drift from the planner's table. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeDecisionSection, renderDecisionTable, withDecisionTable } from '../../../scripts/decision-table';
import { DECISION_TABLE } from '../../../relay/sync/mirror/decision-table';

const README = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

test('the README section is exactly the generated table (run `npm run docs:decisions`), one row per decision', () => {
  expect(readmeDecisionSection(README)).toBe(renderDecisionTable());
  expect(withDecisionTable(README)).toBe(README);
  for (const row of DECISION_TABLE) expect(renderDecisionTable()).toContain(`| ${row.id} |`);
});
