/**
 * Real, decodable PNGs for the fake Images API, made cheaply: a solid colour compresses to a few
 * kilobytes, and the same picture is served from a small cache instead of being encoded again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';

export interface Dimensions {
  width: number;
  height: number;
}

/** `1024x1536` -> 1024 wide, 1536 high; `auto` and anything unreadable -> 1024x1024, as gpt-image does. */
export const parseSize = (size: string | undefined): Dimensions => {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size ?? '');
  if (!match) return { width: 1024, height: 1024 };
  return { width: Number(match[1]), height: Number(match[2]) };
};

/** A colour that differs between seeds, so distinct images have distinct bytes. */
export const colourOf = (seed: string): [number, number, number] => {
  const digest = createHash('sha256').update(seed).digest();
  return [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0];
};

const encodeRgb = ({ width, height }: Dimensions, pixels: Buffer, filterType: number): Buffer => {
  const png = new PNG({ width, height, colorType: 2, inputHasAlpha: false });
  png.data = pixels;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType });
};

const cacheLimit = 64;
const cache = new Map<string, Buffer>();

/** A PNG of one colour. The "up" filter turns every row after the first into zeros: fast and tiny. */
export const solidPng = (dimensions: Dimensions, seed: string): Buffer => {
  const [red, green, blue] = colourOf(seed);
  const key = `${dimensions.width}x${dimensions.height}:${red},${green},${blue}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const pixels = Buffer.alloc(dimensions.width * dimensions.height * 3);
  for (let offset = 0; offset < pixels.length; offset += 3) {
    pixels[offset] = red;
    pixels[offset + 1] = green;
    pixels[offset + 2] = blue;
  }
  const bytes = encodeRgb(dimensions, pixels, 2);
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, bytes);
  return bytes;
};

/** A square PNG of random pixels of at least `minBytes` bytes: noise does not compress. */
export const noisyPng = (minBytes: number): Buffer => {
  const side = Math.ceil(Math.sqrt(minBytes / 3)) + 1;
  const dimensions = { width: side, height: side };
  return encodeRgb(dimensions, randomBytes(side * side * 3), 0);
};

/** Width and height from a PNG's header, for tests that check what they received. */
export const pngDimensions = (bytes: Buffer): Dimensions => {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height };
};
