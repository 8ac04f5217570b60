/**
 * Pillow's `Image.resize`, which Keras' `load_img` calls, bit for bit on 8-bit
 * images (facts from Pillow's `_imaging.c` `_resize`, `Geometry.c`
 * `ImagingScaleAffine` and `Resample.c`):
 *
 * - NEAREST (Keras' default) is an affine scale: source x = floor(x0 + s/2 + k·s),
 *   the position accumulated by repeated addition in double, s = box width / out width.
 * - The other filters are separable convolutions: support = filter support ×
 *   max(scale, 1); per output pixel, weights filter((x + xmin − center + 0.5) / max(scale, 1))
 *   normalised to sum 1, then turned into 22-bit fixed point (round half away
 *   from zero); each pass starts its sum at 2²¹ and clips `sum >> 22` to 0..255.
 *   Horizontal pass first (only over the rows the vertical pass needs), then vertical;
 *   a pass is skipped when its size and box are unchanged.
 * - RGBA and LA with a filter other than NEAREST are resized premultiplied
 *   (Pillow converts to RGBa/La and back).
 * 16-bit pixels (Keras keeps 16-bit grayscale as Pillow mode I;16) are resized in
 * double precision and rounded; Pillow's own 16-bit paths may differ by one unit there.
 */

/** Pillow's resampling filters, by Keras' names. */
export type Interpolation = "nearest" | "bilinear" | "bicubic" | "lanczos" | "box" | "hamming";
/** Every `Interpolation`. */
export const INTERPOLATIONS: readonly Interpolation[] = [
  "nearest",
  "bilinear",
  "bicubic",
  "lanczos",
  "box",
  "hamming",
];

/** Pixels in HWC order. */
export interface Pixels {
  /** Samples, row by row, channels interleaved; 16-bit only for 16-bit grayscale. */
  data: Uint8Array | Uint16Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Samples per pixel: 1 (grayscale), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** A crop box in source pixels: [x0, y0, x1, y1] (Pillow's `box`). */
export type Box = [number, number, number, number];

interface Filter {
  support: number;
  fn: (x: number) => number;
}

const FILTERS: Record<Exclude<Interpolation, "nearest">, Filter> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1.0 : 0.0) },
  bilinear: {
    support: 1.0,
    fn: (x) => {
      const a = x < 0 ? -x : x;
      return a < 1.0 ? 1.0 - a : 0.0;
    },
  },
  hamming: {
    support: 1.0,
    fn: (x) => {
      let a = x < 0 ? -x : x;
      if (a === 0.0) return 1.0;
      if (a >= 1.0) return 0.0;
      a = a * Math.PI;
      return (Math.sin(a) / a) * (0.54 + 0.46 * Math.cos(a));
    },
  },
  bicubic: {
    support: 2.0,
    fn: (x) => {
      const a = -0.5;
      const t = x < 0 ? -x : x;
      if (t < 1.0) return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
      if (t < 2.0) return (((t - 5) * t + 8) * t - 4) * a;
      return 0.0;
    },
  },
  lanczos: {
    support: 3.0,
    fn: (x) => (-3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0),
  },
};

function sinc(x: number): number {
  if (x === 0.0) return 1.0;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

/** Resizes to width × height with Pillow's semantics; `box` defaults to the whole image. */
export function resizePixels(
  src: Pixels,
  width: number,
  height: number,
  interpolation: Interpolation,
  box: Box = [0, 0, src.width, src.height],
): Pixels {
  if (
    width === src.width &&
    height === src.height &&
    box[0] === 0 &&
    box[1] === 0 &&
    box[2] === src.width &&
    box[3] === src.height
  ) {
    return src;
  }
  if (interpolation === "nearest") return resizeNearest(src, width, height, box);
  const filter = FILTERS[interpolation];
  if (!filter) throw new Error(`Unknown interpolation '${interpolation}'`);
  const premultiply = src.data instanceof Uint8Array && (src.channels === 4 || src.channels === 2);
  const input = premultiply ? premultiplied(src) : src;
  const out = resample(input, width, height, filter, box);
  return premultiply ? unpremultiplied(out) : out;
}

function resizeNearest(src: Pixels, width: number, height: number, box: Box): Pixels {
  const { channels: c } = src;
  const out = alloc(src.data, width * height * c);
  const sx = (box[2] - box[0]) / width;
  const sy = (box[3] - box[1]) / height;
  const xin = new Int32Array(width);
  let xmin = width;
  let xmax = 0;
  let xo = box[0] + sx * 0.5;
  for (let x = 0; x < width; x++) {
    const xi = xo < 0 ? -1 : Math.trunc(xo);
    if (xi >= 0 && xi < src.width) {
      xmax = x + 1;
      if (x < xmin) xmin = x;
      xin[x] = xi;
    }
    xo += sx;
  }
  for (let x = 0; x < width; x++) xin[x] = (xin[x] as number) * c;
  const data = src.data;
  let yo = box[1] + sy * 0.5;
  for (let y = 0; y < height; y++) {
    const yi = yo < 0 ? -1 : Math.trunc(yo);
    if (yi >= 0 && yi < src.height) {
      const rowIn = yi * src.width * c;
      let o = (y * width + xmin) * c;
      if (c === 3) {
        for (let x = xmin; x < xmax; x++, o += 3) {
          const i = rowIn + (xin[x] as number);
          out[o] = data[i] as number;
          out[o + 1] = data[i + 1] as number;
          out[o + 2] = data[i + 2] as number;
        }
      } else {
        for (let x = xmin; x < xmax; x++, o += c) {
          const i = rowIn + (xin[x] as number);
          for (let k = 0; k < c; k++) out[o + k] = data[i + k] as number;
        }
      }
    }
    yo += sy;
  }
  return { data: out, width, height, channels: c };
}

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // xmin, count per output pixel
  kk: Float64Array;
}

// Pillow's precompute_coeffs; in0/in1 are C floats.
function precomputeCoeffs(
  inSize: number,
  in0: number,
  in1: number,
  outSize: number,
  filter: Filter,
): Coeffs {
  const scale = Math.fround(Math.fround(in1) - Math.fround(in0)) / outSize;
  const filterscale = Math.max(scale, 1.0);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const kk = new Float64Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  for (let xx = 0; xx < outSize; xx++) {
    const center = Math.fround(in0) + (xx + 0.5) * scale;
    let ww = 0.0;
    const ss = 1.0 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    const k = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      kk[k + x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) if (ww !== 0.0) kk[k + x] = (kk[k + x] as number) / ww;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

function alloc(like: Pixels["data"], n: number): Uint8Array | Uint16Array {
  return like instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
}

function fixedPoint(kk: Float64Array): Int32Array {
  const out = new Int32Array(kk.length);
  for (let i = 0; i < kk.length; i++) {
    const v = kk[i] as number;
    out[i] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
  }
  return out;
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

function resample(src: Pixels, width: number, height: number, filter: Filter, box: Box): Pixels {
  const eight = src.data instanceof Uint8Array;
  const c = src.channels;
  const needH = width !== src.width || box[0] !== 0 || box[2] !== width;
  const needV = height !== src.height || box[1] !== 0 || box[3] !== height;
  const h = precomputeCoeffs(src.width, box[0], box[2], width, filter);
  const v = precomputeCoeffs(src.height, box[1], box[3], height, filter);
  const yFirst = v.bounds[0] as number;
  const yLast = (v.bounds[height * 2 - 2] as number) + (v.bounds[height * 2 - 1] as number);
  let cur: Pixels = src;
  let vBounds = v.bounds;
  if (needH) {
    vBounds = v.bounds.slice();
    for (let i = 0; i < height; i++) vBounds[i * 2] = (vBounds[i * 2] as number) - yFirst;
    const rows = yLast - yFirst;
    const out = alloc(src.data, width * rows * c);
    const kInt = eight ? fixedPoint(h.kk) : null;
    for (let y = 0; y < rows; y++) {
      const rowIn = (y + yFirst) * src.width * c;
      for (let xx = 0; xx < width; xx++) {
        const xmin = h.bounds[xx * 2] as number;
        const xmax = h.bounds[xx * 2 + 1] as number;
        const k = xx * h.ksize;
        for (let ch = 0; ch < c; ch++) {
          if (kInt) {
            let ss = 1 << (PRECISION_BITS - 1);
            for (let x = 0; x < xmax; x++) {
              ss += (src.data[rowIn + (x + xmin) * c + ch] as number) * (kInt[k + x] as number);
            }
            out[(y * width + xx) * c + ch] = clip8(ss);
          } else {
            let ss = 0.0;
            for (let x = 0; x < xmax; x++) {
              ss += (src.data[rowIn + (x + xmin) * c + ch] as number) * (h.kk[k + x] as number);
            }
            out[(y * width + xx) * c + ch] = clip16(ss);
          }
        }
      }
    }
    cur = { data: out, width, height: rows, channels: c };
  }
  if (needV) {
    const w = cur.width;
    const out = alloc(src.data, w * height * c);
    const kInt = eight ? fixedPoint(v.kk) : null;
    for (let yy = 0; yy < height; yy++) {
      const ymin = vBounds[yy * 2] as number;
      const ymax = vBounds[yy * 2 + 1] as number;
      const k = yy * v.ksize;
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          if (kInt) {
            let ss = 1 << (PRECISION_BITS - 1);
            for (let y = 0; y < ymax; y++) {
              ss += (cur.data[((y + ymin) * w + xx) * c + ch] as number) * (kInt[k + y] as number);
            }
            out[(yy * w + xx) * c + ch] = clip8(ss);
          } else {
            let ss = 0.0;
            for (let y = 0; y < ymax; y++) {
              ss += (cur.data[((y + ymin) * w + xx) * c + ch] as number) * (v.kk[k + y] as number);
            }
            out[(yy * w + xx) * c + ch] = clip16(ss);
          }
        }
      }
    }
    cur = { data: out, width: w, height, channels: c };
  }
  return cur;
}

function clip16(v: number): number {
  const r = Math.round(v);
  return Math.min(Math.max(r, 0), 65535);
}

// Pillow's rgbA2rgba: MULDIV255(v, a) = ((v·a + 128) + ((v·a + 128) >> 8)) >> 8.
function premultiplied(src: Pixels): Pixels {
  const c = src.channels;
  const d = new Uint8Array(src.data);
  for (let i = 0; i < d.length; i += c) {
    const a = d[i + c - 1] as number;
    for (let k = 0; k < c - 1; k++) {
      const t = (d[i + k] as number) * a + 128;
      d[i + k] = ((t >> 8) + t) >> 8;
    }
  }
  return { ...src, data: d };
}

// Pillow's rgba2rgbA: alpha 0 or 255 unchanged, else CLIP8(255·v / a) (integer division).
function unpremultiplied(src: Pixels): Pixels {
  const c = src.channels;
  const d = src.data as Uint8Array;
  for (let i = 0; i < d.length; i += c) {
    const a = d[i + c - 1] as number;
    if (a === 0 || a === 255) continue;
    for (let k = 0; k < c - 1; k++) {
      const v = Math.trunc((255 * (d[i + k] as number)) / a);
      d[i + k] = Math.min(v, 255);
    }
  }
  return src;
}

/** Keras' keep_aspect_ratio: the centred crop box with the target's aspect ratio. */
export function keepAspectBox(
  width: number,
  height: number,
  targetW: number,
  targetH: number,
): Box {
  let cropH = Math.floor((width * targetH) / targetW);
  let cropW = Math.floor((height * targetW) / targetH);
  cropH = Math.min(height, cropH);
  cropW = Math.min(width, cropW);
  const y0 = Math.floor((height - cropH) / 2);
  const x0 = Math.floor((width - cropW) / 2);
  return [x0, y0, x0 + cropW, y0 + cropH];
}
