/**
 * Decoders for the two formats in Keras' list that libvips (sharp's prebuilt
 * binaries) cannot read: BMP and binary PPM/PGM/PBM. They return what Pillow's
 * plugins hand to `convert()`: 8-bit RGB, RGBA or L pixels.
 */

export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (L), 3 (RGB) or 4 (RGBA) */
  channels: 1 | 3 | 4;
}

/**
 * A BMP or PNM file `decodeBmp`/`decodePnm` cannot read: truncated, or a variant they do not
 * support.
 */
export class UnsupportedImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedImageError";
  }
}

export function isBmp(b: Uint8Array): boolean {
  return b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d;
}

export function isPnm(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x50 && b[1] !== undefined && b[1] >= 0x31 && b[1] <= 0x36;
}

function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

/**
 * Uncompressed and BI_BITFIELDS BMPs: 1, 4 and 8-bit palettes, 16, 24 and 32 bits,
 * bottom-up or top-down. As Pillow: 32-bit BI_RGB ignores the fourth byte, 32-bit
 * bitfields with an alpha mask give RGBA. RLE-compressed files are refused.
 */
export function decodeBmp(b: Uint8Array): RawPixels {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  let width: number;
  let height: number;
  let bpp: number;
  let compression = 0;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = v.getUint16(18, true);
    height = v.getInt16(20, true);
    bpp = v.getUint16(24, true);
  } else {
    if (b.length < 14 + 40) throw new UnsupportedImageError("truncated BMP header");
    width = v.getInt32(18, true);
    height = v.getInt32(22, true);
    bpp = v.getUint16(28, true);
    compression = v.getUint32(30, true);
    colorsUsed = v.getUint32(46, true);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) throw new UnsupportedImageError(`bad BMP size ${width}x${height}`);
  if (compression !== 0 && compression !== 3) {
    throw new UnsupportedImageError(`compressed BMP (compression ${compression}) is not supported`);
  }
  let masks: [number, number, number, number] | null = null;
  if (compression === 3) {
    // The masks follow a 40-byte header, or sit at the same offset inside V2+ headers.
    masks = [
      v.getUint32(54, true),
      v.getUint32(58, true),
      v.getUint32(62, true),
      headerSize >= 56 ? v.getUint32(66, true) : 0,
    ];
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  }
  const rowBytes = Math.floor((width * bpp + 31) / 32) * 4;
  if (dataOffset + rowBytes * height > b.length)
    throw new UnsupportedImageError("truncated BMP data");
  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const n = colorsUsed || 1 << bpp;
    const entry = headerSize === 12 ? 3 : 4;
    const start = 14 + headerSize;
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < n && start + i * entry + 2 < b.length; i++) {
      palette[i * 3] = b[start + i * entry + 2] as number;
      palette[i * 3 + 1] = b[start + i * entry + 1] as number;
      palette[i * 3 + 2] = b[start + i * entry] as number;
    }
  }
  const alpha = masks !== null && masks[3] !== 0 && bpp === 32;
  const channels = alpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const ms = masks?.map(maskShift);
  for (let y = 0; y < height; y++) {
    const srcRow = dataOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const bit = x * bpp;
        const byte = b[srcRow + (bit >> 3)] as number;
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[idx * 3] as number;
        out[o + 1] = palette[idx * 3 + 1] as number;
        out[o + 2] = palette[idx * 3 + 2] as number;
      } else if (masks && ms && (bpp === 16 || bpp === 32)) {
        const p =
          bpp === 16 ? v.getUint16(srcRow + x * 2, true) : v.getUint32(srcRow + x * 4, true);
        for (let k = 0; k < channels; k++) {
          const { shift, bits } = ms[k] as { shift: number; bits: number };
          const raw = bits === 0 ? 0 : ((p & (masks[k] as number)) >>> shift) >>> 0;
          // Pillow's unpackers for 5/6-bit fields replicate the high bits.
          out[o + k] =
            bits >= 8
              ? raw >>> (bits - 8)
              : ((raw << (8 - bits)) | (raw >>> Math.max(0, 2 * bits - 8))) & 0xff;
        }
      } else if (bpp === 24 || bpp === 32) {
        const s = srcRow + x * (bpp >> 3);
        out[o] = b[s + 2] as number;
        out[o + 1] = b[s + 1] as number;
        out[o + 2] = b[s] as number;
      } else {
        throw new UnsupportedImageError(`BMP with ${bpp} bits per pixel is not supported`);
      }
    }
  }
  return { data: out, width, height, channels };
}

/** Binary PNM: P4 (bitmap), P5 (gray), P6 (RGB) with maxval 255 (or 1 for P4). */
export function decodePnm(b: Uint8Array): RawPixels {
  const kind = b[1] as number;
  let pos = 2;
  const fields: number[] = [];
  const need = kind === 0x34 || kind === 0x31 ? 2 : 3;
  while (fields.length < need) {
    while (pos < b.length && isSpace(b[pos] as number)) pos++;
    if (b[pos] === 0x23) {
      while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
      continue;
    }
    let n = 0;
    let digits = 0;
    while (pos < b.length && (b[pos] as number) >= 0x30 && (b[pos] as number) <= 0x39) {
      n = n * 10 + ((b[pos] as number) - 0x30);
      pos++;
      digits++;
    }
    if (digits === 0) throw new UnsupportedImageError("bad PNM header");
    fields.push(n);
  }
  pos++; // the single whitespace byte before the raster
  const [width, height, maxval = 1] = fields as [number, number, number?];
  if (kind === 0x31 || kind === 0x32 || kind === 0x33) {
    throw new UnsupportedImageError("plain (ASCII) PNM is not supported");
  }
  if (kind !== 0x34 && maxval !== 255) {
    throw new UnsupportedImageError(`PNM with maxval ${maxval} is not supported (only 255)`);
  }
  if (kind === 0x34) {
    const rowBytes = Math.ceil(width / 8);
    if (pos + rowBytes * height > b.length) throw new UnsupportedImageError("truncated PBM data");
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = ((b[pos + y * rowBytes + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
        out[y * width + x] = bit ? 0 : 255;
      }
    }
    return { data: out, width, height, channels: 1 };
  }
  const channels = kind === 0x35 ? 1 : 3;
  const size = width * height * channels;
  if (pos + size > b.length) throw new UnsupportedImageError("truncated PNM data");
  return { data: new Uint8Array(b.subarray(pos, pos + size)), width, height, channels };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}
