/**
 * The manifest of one deployment: the top-level manifest.xml with its development origin replaced by the relay's
 * public origin. Office loads add-ins only over HTTPS, so any other origin is refused here, at start-up, rather than
 * by Outlook when an admin uploads the file.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { manifestPaths } from './paths';

/** The origin written in manifest.xml; every occurrence is replaced when rendering. */
export const TEMPLATE_ORIGIN = 'https://localhost:3000';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export class ManifestOriginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestOriginError';
  }
}

export interface PublicOrigin {
  /** scheme://host[:port], no trailing slash. */
  origin: string;
  /** True for http on a loopback host: accepted for local development, but Outlook will not load it. */
  insecure: boolean;
}

/**
 * Parses and checks PUBLIC_ORIGIN. https anywhere; http only on localhost / 127.0.0.1 / [::1] (flagged `insecure`),
 * because Outlook clients refuse add-in pages and icons that are not served over HTTPS.
 */
export function parsePublicOrigin(value: string): PublicOrigin {
  const text = z.string().trim().min(1, 'PUBLIC_ORIGIN is empty').safeParse(value);
  if (!text.success) throw new ManifestOriginError(text.error.issues[0].message);
  let url: URL;
  try {
    url = new URL(text.data);
  } catch {
    throw new ManifestOriginError(`PUBLIC_ORIGIN "${text.data}" is not a URL (expected https://host[:port])`);
  }
  if (url.username || url.password) {
    // Never echo the value: it holds credentials.
    throw new ManifestOriginError('PUBLIC_ORIGIN must not contain credentials (expected https://host[:port])');
  }
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ManifestOriginError(
      `PUBLIC_ORIGIN "${text.data}" must be an origin only (https://host[:port]) without path or query`,
    );
  }
  if (url.protocol === 'https:') return { origin: url.origin, insecure: false };
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return { origin: url.origin, insecure: true };
    throw new ManifestOriginError(
      `PUBLIC_ORIGIN "${url.origin}" uses http: Outlook loads add-ins only over HTTPS, so the manifest must use an ` +
        'https:// origin (http is accepted only for localhost / 127.0.0.1 during development)',
    );
  }
  throw new ManifestOriginError(`PUBLIC_ORIGIN "${text.data}" must use https:// (got ${url.protocol})`);
}

export interface RenderManifestOptions {
  publicOrigin: string;
  /** The template text; defaults to the top-level manifest.xml. */
  template?: string;
}

export function readManifestTemplate(): string {
  return fs.readFileSync(manifestPaths().manifestPath, 'utf8');
}

/** Returns manifest.xml for `publicOrigin`. Throws ManifestOriginError for origins Office cannot load. */
export function renderManifest(options: RenderManifestOptions): string {
  const { origin } = parsePublicOrigin(options.publicOrigin);
  const template = options.template ?? readManifestTemplate();
  if (!template.includes(TEMPLATE_ORIGIN)) {
    throw new Error(`the manifest template does not contain ${TEMPLATE_ORIGIN}; nothing to replace`);
  }
  // Comments are notes for developers about the template (they mention the development origin); the served file
  // is for Outlook and admins, so it goes without them. URL.origin never contains XML metacharacters.
  return template
    .replace(/[ \t]*<!--[\s\S]*?-->[ \t]*(\r?\n)?/g, '')
    .split(TEMPLATE_ORIGIN)
    .join(origin);
}
