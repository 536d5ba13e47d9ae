import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../relay/http/app';
import { createLogger } from '../../relay/log';
import { ICON_SIZES, MANIFEST_DOWNLOAD_NAME, manifestRouter, ManifestOriginError, parsePublicOrigin, renderManifest } from '../../relay/manifest';
import { manifestPaths } from '../../relay/manifest/paths';
import { readPngInfo } from '../../relay/manifest/png';
import { validateManifest } from '../../relay/manifest/validate';

const paths = manifestPaths();
const origin = 'https://c4c-relay.contoso.example';

describe('GET /manifest.xml and /assets/icon-<n>.png', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const app = createApp({ logger: createLogger({ level: 'silent' }), routers: [['/', manifestRouter({ publicOrigin: origin })]] });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  it('serves the manifest for the public origin as a downloadable, schema-valid XML file', async () => {
    const res = await request(base).get('/manifest.xml').buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => (text += chunk));
      r.on('end', () => done(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${MANIFEST_DOWNLOAD_NAME}"`);
    const body = res.body as string;
    expect(body).toContain(`<SourceLocation DefaultValue="${origin}/taskpane.html"/>`);
    expect(body).not.toContain('localhost');
    expect(await validateManifest(body, { schemaDir: paths.schemaDir, assetsDir: paths.assetsDir })).toEqual({ ok: true, errors: [] });
  });

  it.each(ICON_SIZES)('serves icon-%i.png as a cacheable PNG of that size', async (size) => {
    const res = await request(base).get(`/assets/icon-${size}.png`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(readPngInfo(res.body as Buffer)).toMatchObject({ width: size, height: size });
    expect(res.body).toEqual(fs.readFileSync(path.join(paths.assetsDir, `icon-${size}.png`)));
  });

  it('answers 404 for other asset names', async () => {
    for (const url of ['/assets/icon-48.png', '/assets/..%2fmanifest.xml', '/assets/']) {
      const res = await request(base).get(url);
      expect(res.status).toBe(404);
    }
  });
});

describe('renderManifest / parsePublicOrigin', () => {
  it('normalises the origin and replaces every development URL', () => {
    const xml = renderManifest({ publicOrigin: 'https://Relay.Example:8443/' });
    expect(xml).not.toContain('https://localhost:3000');
    expect(xml).toContain('<AppDomain>https://relay.example:8443</AppDomain>');
    expect(xml).toContain('DefaultValue="https://relay.example:8443/commands.html"');
  });

  it('accepts http only on loopback, flagged insecure', () => {
    expect(parsePublicOrigin('https://relay.example')).toEqual({ origin: 'https://relay.example', insecure: false });
    expect(parsePublicOrigin('http://localhost:3000')).toEqual({ origin: 'http://localhost:3000', insecure: true });
    expect(parsePublicOrigin('http://127.0.0.1:3000')).toEqual({ origin: 'http://127.0.0.1:3000', insecure: true });
  });

  it.each([
    ['http://relay.example', /uses http: Outlook loads add-ins only over HTTPS/],
    ['ftp://relay.example', /must use https/],
    ['https://relay.example/c4c', /origin only/],
    ['https://user:pw@relay.example', /must not contain credentials \(expected/],
    ['relay.example', /not a URL/],
    ['', /empty/],
  ])('rejects %j with a clear message', (value, message) => {
    expect(() => renderManifest({ publicOrigin: value })).toThrow(ManifestOriginError);
    expect(() => renderManifest({ publicOrigin: value })).toThrow(message);
    expect(() => manifestRouter({ publicOrigin: value })).toThrow(message);
  });

  it('refuses a template without the development origin instead of serving it unchanged', () => {
    expect(() => renderManifest({ publicOrigin: origin, template: '<OfficeApp/>' })).toThrow(/does not contain https:\/\/localhost:3000/);
  });
});
