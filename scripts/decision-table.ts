/**
 * The mirror planner's decision table (relay/sync/mirror/decision-table.ts) as Markdown, for the README section
 * between `<!-- decision-table:start -->` and `<!-- decision-table:end -->`: the README is generated from the code.
 *
 *   npx tsx scripts/decision-table.ts           prints the table
 *   npm run docs:decisions                      rewrites the README section (--write)
 *
 * test/sync/mirror/readme-decision-table.test.ts fails when the README section differs from this output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decisionTableMarkdown } from '../relay/sync/mirror/decision-table';

export const START_MARKER = '<!-- decision-table:start -->';
export const END_MARKER = '<!-- decision-table:end -->';

export function renderDecisionTable(): string {
  return `${decisionTableMarkdown().trim()}\n`;
}

export function readmeDecisionSection(readme: string): string | undefined {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + START_MARKER.length, end).replace(/^\n/, '');
}

export function withDecisionTable(readme: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README has no ${START_MARKER} … ${END_MARKER} section`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${renderDecisionTable()}${readme.slice(end)}`;
}

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const file = path.join(__dirname, '..', 'README.md');
    writeFileSync(file, withDecisionTable(readFileSync(file, 'utf8')));
  } else {
    process.stdout.write(renderDecisionTable());
  }
}
