/**
 * Draws the add-in icon (a blue rounded square with a white envelope) at the sizes Outlook asks for and writes
 * addin/assets/icon-<size>.png. Deterministic: running it again gives byte-identical files, which the tests check.
 *
 *   npx tsx relay/manifest/make-icons.ts [output folder]
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodePng, type RgbaImage } from './png';
import { manifestPaths } from './paths';

/** 16/32/80 for ribbon buttons (64 optional there), 64 for IconUrl, 128 for HighResolutionIconUrl. */
export const ICON_SIZES = [16, 32, 64, 80, 128] as const;

type Rgba = readonly [number, number, number, number];
const TRANSPARENT: Rgba = [0, 0, 0, 0];
const BRAND_BLUE: Rgba = [15, 108, 189, 255]; // Fluent UI brand blue, matches the task pane
const WHITE: Rgba = [255, 255, 255, 255];

function insideRoundedSquare(x: number, y: number, radius: number): boolean {
  if (x < 0 || x > 1 || y < 0 || y > 1) return false;
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Colour of the logo at a point of the unit square; `stroke` is the flap's half line width in unit coordinates. */
function logoColor(x: number, y: number, stroke: number): Rgba {
  if (!insideRoundedSquare(x, y, 0.2)) return TRANSPARENT;
  const [left, right, top, bottom] = [0.2, 0.8, 0.3, 0.72];
  if (x < left || x > right || y < top || y > bottom) return BRAND_BLUE;
  // The envelope flap: a V from the top corners to the middle, drawn in the background colour.
  const flap = Math.min(distanceToSegment(x, y, left, top, 0.5, 0.54), distanceToSegment(x, y, 0.5, 0.54, right, top));
  return flap <= stroke ? BRAND_BLUE : WHITE;
}

/** Renders the logo at size×size with 4×4 supersampling, so even the 16 px icon stays recognisable. */
export function renderIcon(size: number): RgbaImage {
  const samples = 4;
  // At least ~0.7 px half width, so the flap does not vanish at 16 px.
  const stroke = Math.max(0.04, 0.7 / size);
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb, ca] = logoColor((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, stroke);
          // Accumulate premultiplied so transparent samples do not darken the edge.
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        rgba[o] = Math.round(r / a);
        rgba[o + 1] = Math.round(g / a);
        rgba[o + 2] = Math.round(b / a);
      }
      rgba[o + 3] = Math.round(a / (samples * samples));
    }
  }
  return { width: size, height: size, rgba };
}

export function iconFileName(size: number): string {
  return `icon-${size}.png`;
}

/** Writes every icon into `outDir` and returns the written paths. */
export function writeIcons(outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  return ICON_SIZES.map((size) => {
    const file = path.join(outDir, iconFileName(size));
    fs.writeFileSync(file, encodePng(renderIcon(size)));
    return file;
  });
}

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? manifestPaths().assetsDir);
  for (const file of writeIcons(outDir)) process.stdout.write(`wrote ${file} (${fs.statSync(file).size} bytes)\n`);
}
