/**
 * Offline validation of an Outlook (MailApp) XML manifest: the XSD (through xmllint-wasm, no network) plus the
 * checks the schema cannot express and that sideloading or Outlook reject later anyway: resource references,
 * HTTPS and domains, icon files and their pixel sizes, VersionOverrides nesting, required extension points.
 *
 * Every error is one line starting with its category (`schema:`, `resid:`, `url:`, `icon:`, ...), so tests and the
 * admin command can tell them apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readPngInfo } from './png';
import { childrenNamed, descendants, parseXmlTree, type XmlElement } from './xml-tree';

export const NS = {
  app: 'http://schemas.microsoft.com/office/appforoffice/1.1',
  bt: 'http://schemas.microsoft.com/office/officeappbasictypes/1.0',
  mailOr10: 'http://schemas.microsoft.com/office/mailappversionoverrides',
  mailOr11: 'http://schemas.microsoft.com/office/mailappversionoverrides/1.1',
} as const;

export const DEFAULT_REQUIRED_EXTENSION_POINTS = [
  'MessageReadCommandSurface',
  'AppointmentOrganizerCommandSurface',
  'AppointmentAttendeeCommandSurface',
] as const;

/** The root schema file; the others in the folder are preloaded because it imports them. */
const ROOT_SCHEMA = 'OfficeAppManifestV1_1.xsd';
const MAX_MANIFEST_BYTES = 256 * 1024;
const MAX_RESID_LENGTH = 32;
const REQUIRED_ICON_SIZES = [16, 32, 80];
/** Outlook's sizes for the top-level icons of a mail add-in (task-pane add-ins use 32 / 64). */
const TOP_LEVEL_ICON_SIZES: Record<string, number> = { IconUrl: 64, HighResolutionIconUrl: 128 };

export interface ValidateManifestOptions {
  /** Folder with OfficeAppManifestV1_1.xsd and the schemas it imports. */
  schemaDir: string;
  /** Folder holding the icon files the manifest's image URLs name (matched by file name). */
  assetsDir: string;
  /** Extension points each VersionOverrides must declare; defaults to the sidebar's three command surfaces. */
  requiredExtensionPoints?: readonly string[];
}

export interface ManifestValidationResult {
  ok: boolean;
  errors: string[];
}

export async function validateManifest(xml: string, options: ValidateManifestOptions): Promise<ManifestValidationResult> {
  const errors: string[] = [];
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) errors.push(`size: the manifest is ${bytes} bytes; Outlook accepts at most ${MAX_MANIFEST_BYTES}`);

  errors.push(...(await schemaErrors(xml, options.schemaDir)));

  let root: XmlElement;
  try {
    root = parseXmlTree(xml);
  } catch (error) {
    errors.push(`xml: not well-formed: ${error instanceof Error ? error.message : String(error)}`);
    return { ok: false, errors };
  }
  errors.push(...semanticErrors(root, options));
  return { ok: errors.length === 0, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema

const schemaCache = new Map<string, { root: { fileName: string; contents: string }; preload: { fileName: string; contents: string }[] }>();

function loadSchemas(schemaDir: string) {
  const dir = path.resolve(schemaDir);
  let entry = schemaCache.get(dir);
  if (!entry) {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.xsd'));
    if (!files.includes(ROOT_SCHEMA)) throw new Error(`${ROOT_SCHEMA} not found in ${dir}`);
    const read = (fileName: string) => ({ fileName, contents: fs.readFileSync(path.join(dir, fileName), 'utf8') });
    entry = { root: read(ROOT_SCHEMA), preload: files.filter((f) => f !== ROOT_SCHEMA).map(read) };
    schemaCache.set(dir, entry);
  }
  return entry;
}

async function schemaErrors(xml: string, schemaDir: string): Promise<string[]> {
  const schemas = loadSchemas(schemaDir);
  // Loaded on use: xmllint-wasm is a devDependency, and the relay imports this module's siblings in production.
  const { validateXML } = await import('xmllint-wasm');
  const result = await validateXML({
    xml: [{ fileName: 'manifest.xml', contents: xml }],
    schema: [schemas.root],
    preload: schemas.preload,
  });
  if (result.valid) return [];
  const errors = result.errors.map((e) => {
    const message = e.message.replace(/^Schemas validity error : /, '').trim();
    return e.loc ? `schema: line ${e.loc.lineNumber}: ${message}` : `schema: ${message}`;
  });
  // xmllint can fail without a parsable message (e.g. a schema that does not compile); never report "valid".
  return errors.length > 0 ? errors : [`schema: validation failed: ${result.rawOutput.trim() || 'no details'}`];
}

// ---------------------------------------------------------------------------------------------------------------
// Checks the schema cannot express

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isGuid(value: string): boolean {
  // The XSD accepts a GUID, optionally in braces or after `urn:uuid:`.
  let v = value.replace(/^urn:uuid:/i, '');
  if (v.startsWith('{') && v.endsWith('}')) v = v.slice(1, -1);
  return GUID.test(v);
}

type ResourceKind = 'Images' | 'Urls' | 'ShortStrings' | 'LongStrings';

/** Which resource collection a `resid` on this element must point into. */
const REFERENCE_KIND: Record<string, ResourceKind> = {
  Image: 'Images',
  SourceLocation: 'Urls',
  FunctionFile: 'Urls',
  Label: 'ShortStrings',
  Title: 'ShortStrings',
  Description: 'LongStrings',
};

interface Scope {
  /** `VersionOverrides V1_0` / `VersionOverrides V1_1`, for messages. */
  name: string;
  element: XmlElement;
  /** Elements of this VersionOverrides, not of a nested one. */
  own: XmlElement[];
}

interface UrlUse {
  url: string;
  where: string;
  kind: 'image' | 'page' | 'domain';
  /** Required pixel size of an image; undefined = any square size. */
  size?: number;
}

function semanticErrors(root: XmlElement, options: ValidateManifestOptions): string[] {
  const errors: string[] = [];
  if (root.local !== 'OfficeApp' || root.ns !== NS.app) {
    errors.push(`structure: the root element must be OfficeApp in ${NS.app}`);
    return errors;
  }
  if (root.xsiType !== 'MailApp') errors.push(`structure: OfficeApp xsi:type must be MailApp (got ${root.xsiType ?? 'none'})`);

  const id = childrenNamed(root, 'Id')[0]?.text ?? '';
  if (!isGuid(id)) errors.push(`id: <Id> "${id}" is not a GUID`);

  const scopes = versionOverrideScopes(root, errors);
  const urls: UrlUse[] = topLevelUrls(root);
  for (const scope of scopes) {
    checkScope(scope, options, errors, urls);
  }
  checkUrls(urls, errors);
  checkIconFiles(urls, options.assetsDir, errors);
  return errors;
}

/** Finds VersionOverrides 1.0 under OfficeApp and 1.1 as its last child; reports any other arrangement. */
function versionOverrideScopes(root: XmlElement, errors: string[]): Scope[] {
  const top = childrenNamed(root, 'VersionOverrides');
  if (top.length === 0) {
    errors.push('structure: no VersionOverrides: add-in commands (buttons) need VersionOverrides V1_0 under OfficeApp');
    return [];
  }
  const v10 = top[0];
  if (v10.ns !== NS.mailOr10 || v10.xsiType !== 'VersionOverridesV1_0') {
    errors.push(`structure: the VersionOverrides under OfficeApp must be VersionOverridesV1_0 in ${NS.mailOr10} (VersionOverrides 1.1 is nested inside it)`);
    return [];
  }
  const scopes: Scope[] = [scopeOf('VersionOverrides V1_0', v10)];
  const nested = childrenNamed(v10, 'VersionOverrides');
  if (nested.length === 0) {
    errors.push('structure: VersionOverrides V1_1 is missing: it must be the last child of VersionOverrides V1_0');
  } else {
    const v11 = nested[0];
    if (v11.ns !== NS.mailOr11 || v11.xsiType !== 'VersionOverridesV1_1') {
      errors.push(`structure: the VersionOverrides nested in V1_0 must be VersionOverridesV1_1 in ${NS.mailOr11}`);
    } else {
      if (v10.children[v10.children.length - 1] !== v11) {
        errors.push('structure: VersionOverrides V1_1 must be the last child of VersionOverrides V1_0');
      }
      scopes.push(scopeOf('VersionOverrides V1_1', v11));
    }
  }
  return scopes;
}

function scopeOf(name: string, element: XmlElement): Scope {
  return { name, element, own: descendants(element, (e) => e.local !== 'VersionOverrides') };
}

function checkScope(scope: Scope, options: ValidateManifestOptions, errors: string[], urls: UrlUse[]): void {
  const resources = childrenNamed(scope.element, 'Resources')[0];
  const defined = new Map<ResourceKind, Map<string, XmlElement>>();
  for (const kind of ['Images', 'Urls', 'ShortStrings', 'LongStrings'] as const) {
    const entries = new Map<string, XmlElement>();
    const collection = resources ? childrenNamed(resources, kind)[0] : undefined;
    for (const item of collection?.children ?? []) {
      const rid = item.attrs.id ?? '';
      if (rid.length > MAX_RESID_LENGTH) {
        errors.push(`resid: resource id "${rid}" is ${rid.length} characters (max ${MAX_RESID_LENGTH}) in ${scope.name} ${kind}`);
      }
      if (entries.has(rid)) errors.push(`resid: resource id "${rid}" is defined twice in ${scope.name} ${kind}`);
      entries.set(rid, item);
    }
    defined.set(kind, entries);
  }

  // Every resid resolves in this VersionOverrides' own Resources: a nested V1_1 inherits nothing from V1_0.
  const imageSizes = new Map<string, Set<number>>();
  for (const ref of scope.own.filter((e) => e.attrs.resid !== undefined)) {
    const resid = ref.attrs.resid;
    if (resid.length > MAX_RESID_LENGTH) {
      errors.push(`resid: "${resid}" is ${resid.length} characters (max ${MAX_RESID_LENGTH}) at ${ref.path}`);
    }
    const kind = REFERENCE_KIND[ref.local];
    const kinds: ResourceKind[] = kind ? [kind] : ['Images', 'Urls', 'ShortStrings', 'LongStrings'];
    if (!kinds.some((k) => defined.get(k)!.has(resid))) {
      errors.push(`resid: "${resid}" at ${ref.path} does not resolve to a ${kind ?? 'resource'} entry in ${scope.name} Resources`);
    }
    if (ref.local === 'Image' && ref.attrs.size !== undefined) {
      const sizes = imageSizes.get(resid) ?? new Set<number>();
      sizes.add(Number(ref.attrs.size));
      imageSizes.set(resid, sizes);
    }
  }

  for (const icon of scope.own.filter((e) => e.local === 'Icon')) {
    const sizes = new Set(childrenNamed(icon, 'Image').map((i) => Number(i.attrs.size)));
    const missing = REQUIRED_ICON_SIZES.filter((s) => !sizes.has(s));
    if (missing.length > 0) errors.push(`icon: ${icon.path} lacks the required size(s) ${missing.join(', ')}`);
  }

  for (const [rid, image] of defined.get('Images')!) {
    const sizes = [...(imageSizes.get(rid) ?? [])];
    if (sizes.length > 1) errors.push(`icon: image "${rid}" in ${scope.name} is used at several sizes (${sizes.join(', ')})`);
    for (const url of localizedValues(image)) urls.push({ url, where: `${scope.name} image "${rid}"`, kind: 'image', size: sizes[0] });
  }
  for (const [rid, entry] of defined.get('Urls')!) {
    for (const url of localizedValues(entry)) urls.push({ url, where: `${scope.name} url "${rid}"`, kind: 'page' });
  }

  checkHosts(scope, options, errors);
}

/** Extension points present, unique control ids, and SupportsPinning only where Outlook honours it. */
function checkHosts(scope: Scope, options: ValidateManifestOptions, errors: string[]): void {
  const formFactors = scope.own.filter((e) => e.local === 'DesktopFormFactor');
  const present = new Set(
    scope.own.filter((e) => e.local === 'ExtensionPoint' && e.parent?.local === 'DesktopFormFactor').map((e) => e.xsiType),
  );
  for (const required of options.requiredExtensionPoints ?? DEFAULT_REQUIRED_EXTENSION_POINTS) {
    if (!present.has(required)) errors.push(`extension-point: ${scope.name} has no ExtensionPoint ${required} in DesktopFormFactor`);
  }
  if (formFactors.length > 0 && formFactors.every((f) => childrenNamed(f, 'FunctionFile').length === 0)) {
    errors.push(`structure: ${scope.name} DesktopFormFactor has no FunctionFile`);
  }
  for (const formFactor of formFactors) {
    const seen = new Set<string>();
    for (const e of descendants(formFactor).filter((d) => d.local === 'Control' || d.local === 'Group')) {
      const key = `${e.local} id "${e.attrs.id}"`;
      if (seen.has(key)) errors.push(`structure: ${key} is used twice in ${formFactor.path}`);
      seen.add(key);
    }
  }
  const pinning = scope.own.filter((e) => e.local === 'SupportsPinning' && e.text === 'true');
  for (const pin of pinning) {
    let surface = pin.parent;
    while (surface && surface.local !== 'ExtensionPoint') surface = surface.parent;
    if (surface?.xsiType?.startsWith('Appointment')) {
      errors.push(`pinning: SupportsPinning is not supported on ${surface.xsiType} (Outlook pins task panes of messages only), at ${pin.path}`);
    }
  }
  if (pinning.length > 0 && scope.element.xsiType !== 'VersionOverridesV1_1') {
    errors.push(`pinning: SupportsPinning is only defined in VersionOverrides V1_1 (found in ${scope.name})`);
  } else if (pinning.length > 0 && mailboxMinVersion(scope.element) < 1.5) {
    errors.push(`requirements: SupportsPinning needs Mailbox 1.5; ${scope.name} Requirements ask for less`);
  }
}

/** The Mailbox requirement set version of a VersionOverrides (bt:Sets DefaultMinVersion defaults to 1.1). */
function mailboxMinVersion(versionOverrides: XmlElement): number {
  const sets = childrenNamed(versionOverrides, 'Requirements')[0]?.children.find((c) => c.local === 'Sets');
  if (!sets) return 1.1;
  const mailbox = childrenNamed(sets, 'Set').find((s) => s.attrs.Name === 'Mailbox');
  if (!mailbox) return 1.1;
  return Number(mailbox.attrs.MinVersion ?? sets.attrs.DefaultMinVersion ?? '1.1');
}

/** DefaultValue plus every locale Override's Value of a locale-aware setting. */
function localizedValues(e: XmlElement): string[] {
  const values = e.attrs.DefaultValue !== undefined ? [e.attrs.DefaultValue] : [];
  for (const override of childrenNamed(e, 'Override')) if (override.attrs.Value !== undefined) values.push(override.attrs.Value);
  return values;
}

function topLevelUrls(root: XmlElement): UrlUse[] {
  const urls: UrlUse[] = [];
  for (const [name, size] of Object.entries(TOP_LEVEL_ICON_SIZES)) {
    for (const e of childrenNamed(root, name)) for (const url of localizedValues(e)) urls.push({ url, where: name, kind: 'image', size });
  }
  for (const e of childrenNamed(root, 'SupportUrl')) for (const url of localizedValues(e)) urls.push({ url, where: 'SupportUrl', kind: 'page' });
  for (const domains of childrenNamed(root, 'AppDomains')) {
    for (const d of childrenNamed(domains, 'AppDomain')) urls.push({ url: d.text, where: 'AppDomain', kind: 'domain' });
  }
  for (const form of childrenNamed(root, 'FormSettings').flatMap((f) => childrenNamed(f, 'Form'))) {
    for (const source of descendants(form).filter((e) => e.local === 'SourceLocation')) {
      for (const url of localizedValues(source)) urls.push({ url, where: `FormSettings ${form.xsiType ?? 'Form'} SourceLocation`, kind: 'page' });
    }
  }
  return urls;
}

/** Every URL is HTTPS and on an origin the add-in may use: an AppDomain or the origin of a FormSettings page. */
function checkUrls(urls: UrlUse[], errors: string[]): void {
  const allowed = new Set<string>();
  for (const use of urls) {
    const isSourceLocation = use.where.startsWith('FormSettings');
    if (use.kind !== 'domain' && !isSourceLocation) continue;
    try {
      allowed.add(new URL(use.url).origin);
    } catch {
      // Reported below.
    }
  }
  for (const use of urls) {
    let url: URL;
    try {
      url = new URL(use.url);
    } catch {
      errors.push(`url: ${use.where}: "${use.url}" is not an absolute URL`);
      continue;
    }
    if (url.protocol !== 'https:') {
      errors.push(`url: ${use.where}: ${use.url} is not HTTPS (Outlook loads add-in pages and icons only over HTTPS)`);
      continue;
    }
    if (use.kind === 'domain') {
      if (url.pathname !== '/' || url.search || url.hash) errors.push(`url: AppDomain ${use.url} should be an origin without a path`);
      continue;
    }
    if (!allowed.has(url.origin)) {
      errors.push(`url: ${use.where}: ${use.url} is outside the AppDomains and the origin of the FormSettings SourceLocation`);
    }
  }
}

/** Each image URL names a PNG in assetsDir with the pixel size its use requires. */
function checkIconFiles(urls: UrlUse[], assetsDir: string, errors: string[]): void {
  const checked = new Map<string, { width: number; height: number } | { problem: string }>();
  for (const use of urls.filter((u) => u.kind === 'image')) {
    let fileName: string;
    try {
      fileName = path.posix.basename(decodeURIComponent(new URL(use.url).pathname));
    } catch {
      continue; // Reported by checkUrls.
    }
    if (!fileName.toLowerCase().endsWith('.png')) {
      errors.push(`icon: ${use.where}: ${use.url} is not a .png file`);
      continue;
    }
    const file = path.join(assetsDir, fileName);
    let info = checked.get(file);
    if (!info) {
      info = readIcon(file);
      checked.set(file, info);
    }
    if ('problem' in info) {
      errors.push(`icon: ${use.where}: ${fileName} in ${assetsDir} ${info.problem}`);
      continue;
    }
    if (use.size !== undefined && (info.width !== use.size || info.height !== use.size)) {
      errors.push(`icon: ${use.where}: ${fileName} is ${info.width}x${info.height} px, expected ${use.size}x${use.size}`);
    } else if (info.width !== info.height) {
      errors.push(`icon: ${use.where}: ${fileName} is ${info.width}x${info.height} px, expected a square image`);
    }
  }
}

function readIcon(file: string): { width: number; height: number } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return { problem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})` };
  }
  try {
    return readPngInfo(bytes);
  } catch (error) {
    return { problem: `is unreadable: ${(error as Error | undefined)?.message ?? String(error)}` };
  }
}
