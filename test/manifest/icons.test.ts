import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ICON_SIZES, iconFileName, renderIcon, writeIcons } from '../../relay/manifest/make-icons';
import { manifestPaths } from '../../relay/manifest/paths';
import { crc32, encodePng, readPngInfo } from '../../relay/manifest/png';

const assetsDir = manifestPaths().assetsDir;

/** Independent decoder for the tests: walks every chunk, checks CRCs, inflates IDAT and undoes filter 0. */
function decodePng(bytes: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  const types: string[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    expect(bytes.readUInt32BE(offset + 8 + length)).toBe(crc32(bytes.subarray(offset + 4, offset + 8 + length)));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  expect(types[0]).toBe('IHDR');
  expect(types[types.length - 1]).toBe('IEND');
  const raw = zlib.inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 4 + 1) * height);
  return {
    width,
    height,
    pixel: (x, y) => {
      const row = y * (width * 4 + 1);
      expect(raw[row]).toBe(0);
      const o = row + 1 + x * 4;
      return [raw[o], raw[o + 1], raw[o + 2], raw[o + 3]];
    },
  };
}

describe('add-in icons', () => {
  it.each(ICON_SIZES)('addin/assets/icon-%i.png is a real PNG of the declared size (IHDR)', (size) => {
    const bytes = fs.readFileSync(path.join(assetsDir, iconFileName(size)));
    expect(readPngInfo(bytes)).toEqual({ width: size, height: size, bitDepth: 8, colorType: 6 });
    expect(bytes.length).toBeLessThan(100 * 1024); // Office's limit for image resources
  });

  it.each(ICON_SIZES)('icon-%i.png shows the logo: transparent corner, blue frame, white envelope', (size) => {
    const png = decodePng(fs.readFileSync(path.join(assetsDir, iconFileName(size))));
    expect(png.width).toBe(size);
    expect(png.pixel(0, 0)[3]).toBe(0); // rounded corner
    const blue = png.pixel(Math.floor(size / 2), Math.floor(size * 0.1));
    expect(blue).toEqual([15, 108, 189, 255]);
    // Lower middle of the envelope body, below the flap.
    const white = png.pixel(Math.floor(size * 0.3), Math.floor(size * 0.66));
    expect(white).toEqual([255, 255, 255, 255]);
  });

  it('the committed icons are exactly what make-icons.ts generates', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icons-'));
    try {
      writeIcons(dir);
      for (const size of ICON_SIZES) {
        expect(fs.readFileSync(path.join(dir, iconFileName(size)))).toEqual(fs.readFileSync(path.join(assetsDir, iconFileName(size))));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encodePng round-trips pixels and rejects a buffer of the wrong length', () => {
    const image = renderIcon(5);
    const png = decodePng(encodePng(image));
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(png.pixel(x, y)).toEqual([...image.rgba.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4)]);
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(15) })).toThrow(/16 RGBA bytes/);
  });

  it('readPngInfo rejects files that are not PNGs or have a corrupt IHDR', () => {
    expect(() => readPngInfo(Buffer.from('GIF89a....................................'))).toThrow(/not a PNG/);
    const bytes = Buffer.from(fs.readFileSync(path.join(assetsDir, 'icon-16.png')));
    bytes.writeUInt32BE(17, 16); // width changed, CRC left as is
    expect(() => readPngInfo(bytes)).toThrow(/CRC/);
  });
});
