/**
 * Serves the add-in manifest rendered for this relay's public origin, and the icons it references.
 * Admins download /manifest.xml (or give its URL) to sideload or deploy the add-in centrally.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { ICON_SIZES, iconFileName } from './make-icons';
import { manifestPaths } from './paths';
import { renderManifest } from './render';

export interface ManifestRouterOptions {
  /** PUBLIC_ORIGIN: https://host[:port] (http only on localhost / 127.0.0.1). */
  publicOrigin: string;
  /** Folder of icon-<size>.png; defaults to addin/assets. */
  assetsDir?: string;
  /** Manifest template text; defaults to the top-level manifest.xml. */
  template?: string;
}

/** Download name, so an admin's browser saves a recognisable file rather than "manifest.xml (3)". */
export const MANIFEST_DOWNLOAD_NAME = 'c4c-outlook-manifest.xml';

/**
 * Renders the manifest and reads the icons once, at construction: a bad origin or a missing icon stops start-up
 * (ManifestOriginError / ENOENT) instead of surfacing when an admin uploads the manifest.
 */
export function manifestRouter(options: ManifestRouterOptions): Router {
  const manifest = renderManifest({ publicOrigin: options.publicOrigin, template: options.template });
  const assetsDir = options.assetsDir ?? manifestPaths().assetsDir;
  const icons = new Map<string, Buffer>(
    ICON_SIZES.map((size) => [iconFileName(size), fs.readFileSync(path.join(assetsDir, iconFileName(size)))]),
  );

  const router = Router();
  router.get('/manifest.xml', (_req, res) => {
    res.set({
      'Content-Type': 'application/xml; charset=utf-8',
      'Content-Disposition': `attachment; filename="${MANIFEST_DOWNLOAD_NAME}"`,
      // Admin tools fetch the URL again after an upgrade; never serve a stale manifest.
      'Cache-Control': 'no-cache',
    });
    res.send(manifest);
  });
  router.get('/assets/:file', (req, res, next) => {
    const icon = icons.get(req.params.file);
    if (!icon) {
      next();
      return;
    }
    // Outlook refuses icons that are not cacheable (no-cache / no-store).
    res.set({ 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=86400' });
    res.send(icon);
  });
  return router;
}
