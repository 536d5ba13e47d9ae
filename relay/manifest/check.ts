/**
 * Admin / CI command: validates a manifest offline (schema + cross-reference checks) and exits 1 on any error.
 *
 *   npx tsx relay/manifest/check.ts                      # the top-level manifest.xml
 *   npx tsx relay/manifest/check.ts path/to/manifest.xml # a downloaded or edited manifest
 *   npx tsx relay/manifest/check.ts --origin https://c4c-relay.contoso.example   # as the relay would serve it
 */
import fs from 'node:fs';
import { manifestPaths } from './paths';
import { renderManifest } from './render';
import { validateManifest } from './validate';

async function main(argv: string[]): Promise<number> {
  const paths = manifestPaths();
  const originFlag = argv.indexOf('--origin');
  let label: string;
  let xml: string;
  if (originFlag >= 0) {
    const origin = argv[originFlag + 1];
    if (!origin) throw new Error('--origin needs a value, e.g. --origin https://c4c-relay.contoso.example');
    xml = renderManifest({ publicOrigin: origin });
    label = `manifest.xml rendered for ${origin}`;
  } else {
    const file = argv[0] ?? paths.manifestPath;
    xml = fs.readFileSync(file, 'utf8');
    label = file;
  }
  const result = await validateManifest(xml, { schemaDir: paths.schemaDir, assetsDir: paths.assetsDir });
  if (result.ok) {
    process.stdout.write(`${label}: valid\n`);
    return 0;
  }
  process.stdout.write(`${label}: ${result.errors.length} problem(s)\n${result.errors.map((e) => `  ${e}`).join('\n')}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
