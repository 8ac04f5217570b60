/**
 * Keras' `load_img(path, color_mode, target_size, interpolation, keep_aspect_ratio)`
 * followed by `img_to_array`, with libvips (sharp) as the codec. Decoding runs in
 * libuv's thread pool, so several files decode at once, off the main thread.
 *
 * What Pillow does, and so what this does:
 * - no EXIF rotation (Pillow's `open` ignores the Orientation tag), no ICC colour
 *   management (`ignoreIcc`);
 * - alpha is dropped, never composited, when converting to RGB or L;
 * - RGB → L is L = (19595·R + 38470·G + 7471·B + 32768) >> 16;
 * - palette images use their palette (tRNS becomes alpha only in rgba mode);
 * - 16-bit RGB PNGs become 8-bit by keeping the high byte;
 * - 16-bit grayscale stays 16-bit in grayscale mode (Keras keeps Pillow's mode I;16,
 *   so values reach 65535) and is clamped to 255 in rgb/rgba mode (Pillow's I;16 → RGB);
 * - CMYK uses Pillow's naive conversion R = 255 − C − K·(255 − C)/255 (no ICC);
 * - truncated files fail, as Pillow's "image file is truncated".
 * BMP and binary PPM, which libvips cannot read, are decoded by ./bitmap.ts.
 */
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { decodeBmp, decodePnm, isBmp, isPnm, type RawPixels } from "./bitmap.ts";
import { ImageReadError } from "./errors.ts";
import {
  type Box,
  type Interpolation,
  keepAspectBox,
  type Pixels,
  resizePixels,
} from "./resize.ts";

/** Keras' `color_mode`: 3 channels, 1 channel, or 4 channels with alpha. */
export type ColorMode = "rgb" | "grayscale" | "rgba";
/** Every `ColorMode`. */
export const COLOR_MODES: readonly ColorMode[] = ["rgb", "grayscale", "rgba"];

/** Options of `loadImage` and `decodeImage`: Keras' `load_img` arguments. */
export interface LoadOptions {
  /** Default "rgb". */
  colorMode?: ColorMode;
  /** (height, width), as Keras' target_size; omitted keeps the file's size */
  targetSize?: readonly [number, number] | null;
  /** The resampling filter when resizing to targetSize (Pillow's). Default "nearest", as Keras. */
  interpolation?: Interpolation;
  /**
   * Crop the centre to targetSize's aspect ratio before resizing, instead of stretching. Default
   * false.
   */
  keepAspectRatio?: boolean;
}

export interface LoadedImage extends Pixels {
  /** The Pillow mode Keras would hold before img_to_array: "RGB", "RGBA", "L" or "I;16". */
  mode: "RGB" | "RGBA" | "L" | "I;16";
}

// sharp's defaults let libvips decode with one thread per image; concurrency comes
// from decoding several images at once in libuv's pool.
sharp.cache(false);

/** What the file holds, in the terms of the Pillow mode conversion that follows. */
interface Source {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
  /** rgb/rgba 8-bit (3 or 4 channels), gray 8-bit (1), gray16 (1), cmyk (4) */
  kind: "rgb" | "gray" | "gray16" | "cmyk";
}

/**
 * The common files (8-bit PNG, 1- or 3-component JPEG) need no metadata call: one
 * round trip to libvips instead of two. Anything else asks libvips first.
 */
function isSimple(b: Buffer): boolean {
  if (b.length > 26 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    return (b[24] as number) <= 8; // IHDR bit depth
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let pos = 2;
    while (pos + 9 < b.length) {
      if (b[pos] !== 0xff) return false;
      const marker = b[pos + 1] as number;
      if (marker === 0xff) {
        pos++;
        continue;
      }
      const len = ((b[pos + 2] as number) << 8) | (b[pos + 3] as number);
      const sof =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (sof) {
        const components = b[pos + 9] as number;
        return components === 1 || components === 3;
      }
      if (marker === 0xda) return false;
      pos += 2 + len;
    }
  }
  return false;
}

async function decodeSource(bytes: Buffer): Promise<Source> {
  if (isBmp(bytes)) return fromRaw(decodeBmp(bytes));
  if (isPnm(bytes)) return fromRaw(decodePnm(bytes));
  if (isSimple(bytes)) {
    const { data, info } = await sharp(bytes, {
      failOn: "truncated",
      ignoreIcc: true,
      autoOrient: false,
    })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgbLike(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      info.width,
      info.height,
      info.channels,
    );
  }
  const img = sharp(bytes, { failOn: "truncated", ignoreIcc: true, autoOrient: false });
  const meta = await img.metadata();
  if (meta.space === "grey16" && meta.channels === 1) {
    const { data, info } = await img
      .toColourspace("grey16")
      .raw({ depth: "ushort" })
      .toBuffer({ resolveWithObject: true });
    const u16 = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2).slice();
    return { data: u16, width: info.width, height: info.height, channels: 1, kind: "gray16" };
  }
  if (meta.space === "cmyk") {
    const { data, info } = await img
      .pipelineColourspace("cmyk")
      .toColourspace("cmyk")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data),
      width: info.width,
      height: info.height,
      channels: 4,
      kind: "cmyk",
    };
  }
  if (meta.depth === "ushort") {
    // Pillow unpacks 16-bit RGB(A) and LA by keeping the high byte of each sample.
    const { data, info } = await img
      .toColourspace(meta.channels && meta.channels <= 2 ? "grey16" : "rgb16")
      .raw({ depth: "ushort" })
      .toBuffer({ resolveWithObject: true });
    const u16 = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    const u8 = new Uint8Array(u16.length);
    for (let i = 0; i < u16.length; i++) u8[i] = (u16[i] as number) >>> 8;
    return toRgbLike(u8, info.width, info.height, info.channels);
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return toRgbLike(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    info.width,
    info.height,
    info.channels,
  );
}

function fromRaw(r: RawPixels): Source {
  return r.channels === 1 ? { ...r, kind: "gray" } : { ...r, kind: "rgb" };
}

function toRgbLike(data: Uint8Array, width: number, height: number, channels: number): Source {
  if (channels === 1) return { data, width, height, channels, kind: "gray" };
  if (channels === 2) {
    // gray + alpha: expand to RGBA so that every conversion below applies.
    const out = new Uint8Array(width * height * 4);
    for (let i = 0, j = 0; i < data.length; i += 2, j += 4) {
      const v = data[i] as number;
      out[j] = v;
      out[j + 1] = v;
      out[j + 2] = v;
      out[j + 3] = data[i + 1] as number;
    }
    return { data: out, width, height, channels: 4, kind: "rgb" };
  }
  return { data, width, height, channels, kind: "rgb" };
}

const l24 = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

// Pillow's cmyk2rgb: nk = 255 − K; v = CLIP8(nk − MULDIV255(C, nk)).
function muldiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** Pillow's `convert(mode)` as load_img calls it. */
function convert(src: Source, colorMode: ColorMode): LoadedImage {
  const { width, height } = src;
  const n = width * height;
  const d = src.data;
  if (src.kind === "gray16") {
    if (colorMode === "grayscale") return { data: d, width, height, channels: 1, mode: "I;16" };
    const c = colorMode === "rgba" ? 4 : 3;
    const out = new Uint8Array(n * c);
    for (let i = 0; i < n; i++) {
      const v = Math.min(d[i] as number, 255);
      out[i * c] = v;
      out[i * c + 1] = v;
      out[i * c + 2] = v;
      if (c === 4) out[i * c + 3] = 255;
    }
    return { data: out, width, height, channels: c, mode: c === 4 ? "RGBA" : "RGB" };
  }
  let rgb: Uint8Array;
  if (src.kind === "gray") {
    if (colorMode === "grayscale") return { data: d, width, height, channels: 1, mode: "L" };
    rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const v = d[i] as number;
      rgb[i * 3] = v;
      rgb[i * 3 + 1] = v;
      rgb[i * 3 + 2] = v;
    }
  } else if (src.kind === "cmyk") {
    rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const nk = 255 - (d[i * 4 + 3] as number);
      for (let k = 0; k < 3; k++) {
        const v = nk - muldiv255(d[i * 4 + k] as number, nk);
        rgb[i * 3 + k] = Math.max(v, 0);
      }
    }
  } else if (src.channels === 4) {
    if (colorMode === "rgba") return { data: d, width, height, channels: 4, mode: "RGBA" };
    rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      rgb[i * 3] = d[i * 4] as number;
      rgb[i * 3 + 1] = d[i * 4 + 1] as number;
      rgb[i * 3 + 2] = d[i * 4 + 2] as number;
    }
  } else {
    rgb = d as Uint8Array;
  }
  if (colorMode === "rgb") return { data: rgb, width, height, channels: 3, mode: "RGB" };
  if (colorMode === "grayscale") {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = l24(rgb[i * 3] as number, rgb[i * 3 + 1] as number, rgb[i * 3 + 2] as number);
    }
    return { data: out, width, height, channels: 1, mode: "L" };
  }
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = rgb[i * 3] as number;
    out[i * 4 + 1] = rgb[i * 3 + 1] as number;
    out[i * 4 + 2] = rgb[i * 3 + 2] as number;
    out[i * 4 + 3] = 255;
  }
  return { data: out, width, height, channels: 4, mode: "RGBA" };
}

/** Decodes image bytes as Keras' load_img would (see the module comment). */
export async function decodeImage(bytes: Buffer, options: LoadOptions = {}): Promise<LoadedImage> {
  const src = await decodeSource(bytes);
  const img = convert(src, options.colorMode ?? "rgb");
  const target = options.targetSize;
  if (!target) return img;
  const [th, tw] = target;
  if (img.width === tw && img.height === th) return img;
  const box: Box | undefined = options.keepAspectRatio
    ? keepAspectBox(img.width, img.height, tw, th)
    : undefined;
  const resized = resizePixels(img, tw, th, options.interpolation ?? "nearest", box);
  return { ...resized, mode: img.mode };
}

/**
 * `load_img` + `img_to_array` on a file: pixels as decoded, HWC. A file that cannot be
 * read or decoded raises an `ImageReadError` (ERR_GRAFT_DATA) that names it.
 */
export async function loadImage(path: string, options: LoadOptions = {}): Promise<LoadedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ImageReadError(path, (err as Error).message);
  }
  try {
    return await decodeImage(bytes, options);
  } catch (err) {
    throw new ImageReadError(path, (err as Error).message);
  }
}
