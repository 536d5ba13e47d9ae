/**
 * Where the manifest template, the icons and the schemas live. Found by walking up from this file, so the same code
 * works from the sources (relay/manifest/) and from the compiled output (dist/server/relay/manifest/).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ManifestPaths {
  /** The project root: the folder holding package.json and manifest.xml. */
  root: string;
  /** The manifest template (top-level manifest.xml, origin https://localhost:3000). */
  manifestPath: string;
  /** The add-in icons (icon-16.png ... icon-128.png). */
  assetsDir: string;
  /** The project's copy of the Office manifest XSDs, extended for newer elements. */
  schemaDir: string;
}

let cached: ManifestPaths | undefined;

export function manifestPaths(): ManifestPaths {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'manifest.xml'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`manifest.xml not found in any parent folder of ${__dirname}`);
    dir = parent;
  }
  cached = {
    root: dir,
    manifestPath: path.join(dir, 'manifest.xml'),
    assetsDir: path.join(dir, 'addin', 'assets'),
    schemaDir: path.join(dir, 'test', 'fixtures', 'office-manifest-xsd'),
  };
  return cached;
}
