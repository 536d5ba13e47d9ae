/**
 * Offline validation of manifest.xml: the project's XSD copy through xmllint-wasm plus the cross-reference checks.
 * Every negative case mutates the real manifest in one place and asserts the specific error it must produce.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manifestPaths } from '../../relay/manifest/paths';
import { renderManifest } from '../../relay/manifest/render';
import { validateManifest, type ValidateManifestOptions } from '../../relay/manifest/validate';
import { parseXmlTree, descendants } from '../../relay/manifest/xml-tree';

const paths = manifestPaths();
const options: ValidateManifestOptions = { schemaDir: paths.schemaDir, assetsDir: paths.assetsDir };
const manifest = fs.readFileSync(paths.manifestPath, 'utf8');

/** Replaces `from` (which must occur exactly `times` times, so a test never passes on a no-op) with `to`. */
function mutate(xml: string, from: string | RegExp, to: string, times = 1): string {
  const pattern =
    typeof from === 'string'
      ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')
      : new RegExp(from.source, from.flags.includes('g') ? from.flags : `${from.flags}g`);
  const count = xml.match(pattern)?.length ?? 0;
  expect(count).toBe(times);
  return xml.replace(pattern, to);
}

async function errorsOf(xml: string, opts: ValidateManifestOptions = options): Promise<string[]> {
  const result = await validateManifest(xml, opts);
  expect(result.ok).toBe(result.errors.length === 0);
  return result.errors;
}

const schemaErrors = (errors: string[]) => errors.filter((e) => e.startsWith('schema:'));

describe('manifest.xml is valid offline', () => {
  it('the top-level manifest.xml passes the schema and every check', async () => {
    expect(await errorsOf(manifest)).toEqual([]);
  });

  it('a manifest rendered for another origin passes too and points everything at that origin', async () => {
    const origin = 'https://c4c-relay.contoso.example';
    const rendered = renderManifest({ publicOrigin: origin });
    expect(await errorsOf(rendered)).toEqual([]);
    expect(rendered).not.toContain('localhost');
    const root = parseXmlTree(rendered);
    const urls = descendants(root).flatMap((e) => [e.attrs.DefaultValue, e.local === 'AppDomain' ? e.text : undefined]).filter((v): v is string => !!v && v.includes('://'));
    expect(urls.length).toBeGreaterThan(15);
    for (const url of urls) expect(new URL(url).origin).toBe(origin);
    expect(rendered).toContain(`DefaultValue="${origin}/taskpane.html"`);
    expect(rendered).toContain(`DefaultValue="${origin}/commands.html"`);
  });

  it('declares what the sidebar needs: Mailbox 1.5, ReadWriteItem, pinnable message pane in V1_1 only', () => {
    const root = parseXmlTree(manifest);
    const all = descendants(root);
    expect(root.xsiType).toBe('MailApp');
    expect(all.find((e) => e.local === 'Set' && e.parent?.parent?.parent === root)?.attrs).toEqual({ Name: 'Mailbox', MinVersion: '1.5' });
    expect(all.find((e) => e.local === 'Permissions')?.text).toBe('ReadWriteItem');
    const rules = all.filter((e) => e.xsiType === 'ItemIs').map((e) => `${e.attrs.ItemType}/${e.attrs.FormType}`);
    expect(rules).toEqual(['Message/Read', 'Appointment/Read', 'Appointment/Edit']);
    const pins = all.filter((e) => e.local === 'SupportsPinning');
    expect(pins).toHaveLength(1);
    expect(pins[0].text).toBe('true');
    expect(pins[0].path).toMatch(/VersionOverrides\[VersionOverridesV1_0\]\/VersionOverrides\[VersionOverridesV1_1\]\/.*ExtensionPoint\[MessageReadCommandSurface\]/);
    // Every resid, defined or referenced, within the 32-character limit (also enforced by the validator).
    for (const e of all) for (const v of [e.attrs.resid, e.parent?.parent?.local === 'Resources' ? e.attrs.id : undefined]) if (v) expect(v.length).toBeLessThanOrEqual(32);
  });

  it('the unmodified 2019 schemas reject SupportsPinning, so the extended project copy is needed', async () => {
    // The project copy differs from the published one only in MailAppVersionOverridesV1_1.xsd (its README), so the
    // published set is the project copy with that one file put back as published (test/fixtures/office-manifest-xsd-2019).
    const vendored = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-xsd-2019-'));
    fs.cpSync(options.schemaDir, vendored, { recursive: true });
    fs.copyFileSync(path.join(paths.root, 'test', 'fixtures', 'office-manifest-xsd-2019', 'MailAppVersionOverridesV1_1.xsd'), path.join(vendored, 'MailAppVersionOverridesV1_1.xsd'));
    const errors = await errorsOf(manifest, { ...options, schemaDir: vendored });
    fs.rmSync(vendored, { recursive: true, force: true });
    expect(errors).toEqual([expect.stringMatching(/^schema: line \d+: .*SupportsPinning': This element is not expected/)]);
  });
});

describe('a broken manifest is reported', () => {
  it('a resid longer than 32 characters (schema and resid check)', async () => {
    const long = 'TaskpaneButton.Tooltip.TooLong.ForOutlook'; // 41 characters
    const xml = mutate(manifest, /"TaskpaneButton\.Tooltip"/g, `"${long}"`, 4);
    const errors = await errorsOf(xml);
    expect(errors).toContain(`resid: "${long}" is 41 characters (max 32) at OfficeApp[MailApp]/VersionOverrides[VersionOverridesV1_0]/Hosts/Host[MailHost]/DesktopFormFactor/ExtensionPoint[MessageReadCommandSurface]/OfficeTab#TabDefault/Group#c4cMessageReadGroup/Control[Button]/Supertip/Description`);
    expect(errors).toContain(`resid: resource id "${long}" is 41 characters (max 32) in VersionOverrides V1_1 LongStrings`);
    expect(schemaErrors(errors).some((e) => e.includes(long) && e.includes('maxLength'))).toBe(true);
  });

  it('an http URL', async () => {
    const xml = mutate(manifest, '<SupportUrl DefaultValue="https://localhost:3000/"/>', '<SupportUrl DefaultValue="http://localhost:3000/"/>');
    const errors = await errorsOf(xml);
    expect(errors).toEqual(['url: SupportUrl: http://localhost:3000/ is not HTTPS (Outlook loads add-in pages and icons only over HTTPS)']);
  });

  it('a URL outside the AppDomains and the source origin', async () => {
    const xml = mutate(manifest, '<SupportUrl DefaultValue="https://localhost:3000/"/>', '<SupportUrl DefaultValue="https://help.elsewhere.example/c4c"/>');
    expect(await errorsOf(xml)).toEqual([
      'url: SupportUrl: https://help.elsewhere.example/c4c is outside the AppDomains and the origin of the FormSettings SourceLocation',
    ]);
    // Listing the domain in AppDomains makes it acceptable.
    const allowed = mutate(xml, '<AppDomain>https://localhost:3000</AppDomain>', '<AppDomain>https://localhost:3000</AppDomain><AppDomain>https://help.elsewhere.example</AppDomain>');
    expect(await errorsOf(allowed)).toEqual([]);
  });

  it('an unresolved resid (schema-valid, caught by the cross-reference check)', async () => {
    const xml = mutate(manifest, /<SourceLocation resid="Taskpane.Url"\/>\s*<SupportsPinning>/, '<SourceLocation resid="TaskPane.Url"/><SupportsPinning>');
    const errors = await errorsOf(xml);
    expect(schemaErrors(errors)).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/^resid: "TaskPane\.Url" at .*VersionOverrides\[VersionOverridesV1_1\].*MessageReadCommandSurface.*\/Action\[ShowTaskpane\]\/SourceLocation does not resolve to a Urls entry in VersionOverrides V1_1 Resources$/)]);
  });

  it('a resid pointing into the wrong resource collection', async () => {
    const xml = mutate(manifest, '<Label resid="Group.Label"/>', '<Label resid="Taskpane.Url"/>', 6);
    const errors = await errorsOf(xml);
    expect(errors).toHaveLength(6);
    for (const e of errors) expect(e).toMatch(/^resid: "Taskpane\.Url" at .*\/Group#\w+\/Label does not resolve to a ShortStrings entry/);
  });

  it('VersionOverrides 1.1 relying on resources of 1.0 (no inheritance)', async () => {
    const xml = mutate(manifest, /(<VersionOverrides xmlns="[^"]+\/1\.1"[\s\S]*?)<bt:String id="MeetingButton\.Title"[^>]*\/>/, '$1');
    const errors = await errorsOf(xml);
    expect(schemaErrors(errors)).toEqual([]);
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatch(/^resid: "MeetingButton\.Title" at .*V1_1.*does not resolve to a ShortStrings entry in VersionOverrides V1_1 Resources$/);
  });

  it('elements in the wrong order (schema)', async () => {
    const xml = mutate(manifest, /(\s*<Permissions>ReadWriteItem<\/Permissions>)([\s\S]*?<\/Rule>\n)/, '$2$1\n');
    const errors = await errorsOf(xml);
    expect(errors).toEqual([expect.stringMatching(/^schema: line \d+: Element '\{http:\/\/schemas\.microsoft\.com\/office\/appforoffice\/1\.1\}Permissions': This element is not expected/)]);
  });

  it('VersionOverrides 1.1 not nested last in 1.0 (schema and structure check)', async () => {
    const xml = mutate(manifest, /(\n {4}<Resources>[\s\S]*?\n {4}<\/Resources>\n)([\s\S]*?\n {4}<\/VersionOverrides>\n)( {2}<\/VersionOverrides>)/, '$2$1$3');
    const errors = await errorsOf(xml);
    expect(errors).toContain('structure: VersionOverrides V1_1 must be the last child of VersionOverrides V1_0');
    expect(schemaErrors(errors).length).toBeGreaterThan(0);
  });

  it('VersionOverrides 1.1 missing entirely', async () => {
    const xml = mutate(manifest, /\n\s*<!-- VersionOverrides 1\.1[\s\S]*?\n {4}<\/VersionOverrides>\n/, '\n');
    expect(await errorsOf(xml)).toEqual(['structure: VersionOverrides V1_1 is missing: it must be the last child of VersionOverrides V1_0']);
  });

  it('a required extension point missing', async () => {
    const xml = mutate(manifest, /(<VersionOverrides xmlns="[^"]+\/1\.1"[\s\S]*?)<ExtensionPoint xsi:type="AppointmentOrganizerCommandSurface">[\s\S]*?<\/ExtensionPoint>/, '$1');
    expect(await errorsOf(xml)).toEqual(['extension-point: VersionOverrides V1_1 has no ExtensionPoint AppointmentOrganizerCommandSurface in DesktopFormFactor']);
  });

  it('an Id that is not a GUID (schema and id check)', async () => {
    const xml = mutate(manifest, '<Id>1bd60a77-c903-4b51-a693-e02751d2ca69</Id>', '<Id>c4c-sidebar</Id>');
    const errors = await errorsOf(xml);
    expect(errors).toContain('id: <Id> "c4c-sidebar" is not a GUID');
    expect(schemaErrors(errors)).toHaveLength(1);
  });

  it('accepts the GUID forms the schema allows', async () => {
    const xml = mutate(manifest, '<Id>1bd60a77-c903-4b51-a693-e02751d2ca69</Id>', '<Id>{1BD60A77-C903-4B51-A693-E02751D2CA69}</Id>');
    expect(await errorsOf(xml)).toEqual([]);
  });

  it('an icon of the wrong pixel size, and one that does not exist', async () => {
    let xml = mutate(manifest, '<IconUrl DefaultValue="https://localhost:3000/assets/icon-64.png"/>', '<IconUrl DefaultValue="https://localhost:3000/assets/icon-32.png"/>');
    // Only in VersionOverrides 1.0 (the first occurrence).
    xml = mutate(xml, /^([\s\S]*?<bt:Image id="Icon\.80x80" DefaultValue="https:\/\/localhost:3000\/assets\/icon-)80(\.png"\/>)/, '$181$2');
    expect(await errorsOf(xml)).toEqual([
      'icon: IconUrl: icon-32.png is 32x32 px, expected 64x64',
      `icon: VersionOverrides V1_0 image "Icon.80x80": icon-81.png in ${paths.assetsDir} does not exist`,
    ]);
  });

  it('an icon file that is not a PNG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assets-'));
    try {
      for (const f of fs.readdirSync(paths.assetsDir)) fs.copyFileSync(path.join(paths.assetsDir, f), path.join(dir, f));
      fs.writeFileSync(path.join(dir, 'icon-128.png'), '<html>not found</html>');
      const errors = await errorsOf(manifest, { ...options, assetsDir: dir });
      expect(errors).toContain(`icon: HighResolutionIconUrl: icon-128.png in ${dir} is unreadable: not a PNG file (bad signature)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a button icon list without the required 80 px image', async () => {
    const xml = mutate(manifest, /^([\s\S]*?<ExtensionPoint xsi:type="AppointmentAttendeeCommandSurface">[\s\S]*?)<bt:Image size="80" resid="Icon\.80x80"\/>/, '$1');
    expect(await errorsOf(xml)).toEqual([
      'icon: OfficeApp[MailApp]/VersionOverrides[VersionOverridesV1_0]/Hosts/Host[MailHost]/DesktopFormFactor/ExtensionPoint[AppointmentAttendeeCommandSurface]/OfficeTab#TabDefault/Group#c4cAttendeeGroup/Control[Button]/Icon lacks the required size(s) 80',
    ]);
  });

  it('SupportsPinning on an appointment surface (schema-valid, not honoured by Outlook)', async () => {
    const xml = mutate(
      manifest,
      /(<VersionOverrides xmlns="[^"]+\/1\.1"[\s\S]*?AppointmentAttendeeCommandSurface[\s\S]*?<SourceLocation resid="Taskpane.Url"\/>)/,
      '$1<SupportsPinning>true</SupportsPinning>',
    );
    const errors = await errorsOf(xml);
    expect(schemaErrors(errors)).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/^pinning: SupportsPinning is not supported on AppointmentAttendeeCommandSurface/)]);
  });

  it('SupportsPinning in VersionOverrides 1.0 (schema)', async () => {
    const xml = mutate(manifest, /^([\s\S]*?<ExtensionPoint xsi:type="MessageReadCommandSurface">[\s\S]*?<SourceLocation resid="Taskpane.Url"\/>)/, '$1<SupportsPinning>true</SupportsPinning>');
    const errors = await errorsOf(xml);
    expect(errors).toEqual([
      expect.stringMatching(/^schema: line \d+: Element '\{http:\/\/schemas\.microsoft\.com\/office\/mailappversionoverrides\}SupportsPinning': This element is not expected/),
      'pinning: SupportsPinning is only defined in VersionOverrides V1_1 (found in VersionOverrides V1_0)',
    ]);
  });

  it('duplicate control ids in one form factor', async () => {
    const xml = mutate(manifest, 'id="c4cAttendeeOpenPane"', 'id="c4cOrganizerOpenPane"', 2);
    const errors = await errorsOf(xml);
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatch(/^structure: Control id "c4cOrganizerOpenPane" is used twice/);
  });

  it('XML that is not well-formed', async () => {
    const xml = mutate(manifest, '</Hosts>\n  <!-- 1.5', '</Host>\n  <!-- 1.5');
    const errors = await errorsOf(xml);
    expect(errors.some((e) => e.startsWith('xml: not well-formed: line'))).toBe(true);
    expect(schemaErrors(errors).length).toBeGreaterThan(0);
  });
});
