/**
 * A small PNG encoder (8-bit greyscale, RGB or RGBA, no interlacing), so callers can
 * embed images in a report without an image library. Each scanline gets the filter
 * that minimises the sum of absolute residuals (libpng's heuristic), then the whole
 * image is zlib-deflated by node:zlib.
 */
import { deflateSync } from "node:zlib";
import { argumentError, ReportError } from "./errors.ts";

/** Channels `encodePng` writes: 1 (grayscale), 3 (RGB) or 4 (RGBA), 8 bits each. */
export type PngChannels = 1 | 3 | 4;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOR_TYPE: Record<PngChannels, number> = { 1: 0, 3: 2, 4: 6 };
/** PNG caps both dimensions at 2^31 - 1. */
const MAX_DIMENSION = 0x7fffffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG chunks use it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Encodes `width × height` pixels, row-major with `channels` interleaved bytes per
 * pixel (1 = grey, 3 = RGB, 4 = RGBA), as a PNG file.
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: PngChannels,
): Uint8Array {
  if (!(pixels instanceof Uint8Array)) throw argumentError("pixels", "a Uint8Array", pixels);
  checkDimension("width", width);
  checkDimension("height", height);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw argumentError("channels", "1, 3 or 4", channels);
  }
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new ReportError(
      "ERR_GRAFT_ARGUMENT",
      `Expected ${expected} bytes (${width} × ${height} × ${channels}) for pixels but received ${pixels.length} bytes`,
    );
  }

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  // bytes 10..12: compression 0 (deflate), filter method 0, interlace 0 (none)

  const idat = deflateSync(filterScanlines(pixels, width, height, channels));
  return concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Width and height from a PNG's IHDR chunk; throws when `png` does not start like a PNG file. */
export function readPngSize(png: Uint8Array): {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
} {
  const isPng =
    png instanceof Uint8Array &&
    png.length >= 24 &&
    SIGNATURE.every((b, i) => png[i] === b) &&
    String.fromCharCode(...png.subarray(12, 16)) === "IHDR";
  if (!isPng) throw argumentError("png", "PNG file bytes (signature then IHDR)", png);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
    throw argumentError(name, "positive integer", value);
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Each scanline prefixed by its filter type byte, filtered with the cheapest of the five filters. */
function filterScanlines(
  pixels: Uint8Array,
  width: number,
  height: number,
  bpp: number,
): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * (stride + 1));
  const candidate = new Uint8Array(stride);
  const best = new Uint8Array(stride);
  const zeros = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prior = y === 0 ? zeros : pixels.subarray((y - 1) * stride, y * stride);
    let bestType = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let type = 0; type <= 4; type++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const x = row[i] as number;
        const a = i >= bpp ? (row[i - bpp] as number) : 0;
        const b = prior[i] as number;
        const c = i >= bpp ? (prior[i - bpp] as number) : 0;
        let predictor = 0;
        if (type === 1) predictor = a;
        else if (type === 2) predictor = b;
        else if (type === 3) predictor = (a + b) >>> 1;
        else if (type === 4) predictor = paeth(a, b, c);
        const residual = (x - predictor) & 0xff;
        candidate[i] = residual;
        cost += residual < 128 ? residual : 256 - residual;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        best.set(candidate);
      }
    }
    out[y * (stride + 1)] = bestType;
    out.set(best, y * (stride + 1) + 1);
  }
  return out;
}
