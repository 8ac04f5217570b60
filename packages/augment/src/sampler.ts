/**
 * `scipy.ndimage.affine_transform` as Keras calls it (a 2×2 matrix and an offset,
 * spline order 0 or 1, float32 in and out), for every channel of an HWC image at
 * once. Each output value is computed with the same double-precision operations
 * in the same order as scipy's `NI_GeometricTransform`, so results agree to the
 * float32 rounding of the output:
 *
 * - input coordinate: `c = offset; c += row·m0; c += col·m1` per input axis;
 * - the coordinate is first mapped by the fill mode (`map_coordinate`): constant
 *   gives "outside" for anything not in [0, n−1] (no blending with cval), reflect
 *   is half-sample symmetric, wrap has period n − 1 (scipy's legacy wrap, not
 *   grid-wrap); nearest is not mapped at all;
 * - order 1: start = floor(c), weights w0 = 1 − (c − floor(c)) and w1 = 1 − w0;
 *   order 0: start = floor(c + 0.5);
 * - taps outside the image are mapped with the spline boundary mode (mirror for
 *   constant and wrap, reflect for reflect, clamping for nearest);
 * - t = Σ over taps in row-major order of (value · w_row) · w_col, starting from 0.
 */

/**
 * scipy's modes for points outside the image: `cval`, the edge pixel, mirrored, or wrapped around.
 */
export type FillMode = "constant" | "nearest" | "reflect" | "wrap";
/** Pixels the sampler reads: float32 (a tensor's values) or the decoded integers. */
export type SourcePixels = Float32Array | Uint8Array | Uint16Array;
/** Every `FillMode`. */
export const FILL_MODES: readonly FillMode[] = ["constant", "nearest", "reflect", "wrap"];

/**
 * The matrix and offset scipy receives, in (row, col) index space:
 * in_row = b0 + a00·row + a01·col, in_col = b1 + a10·row + a11·col.
 * Stored as [a00, a01, b0, a10, a11, b1].
 */
export type AffineMatrix = readonly [number, number, number, number, number, number];

const MODE_CONSTANT = 0;
const MODE_NEAREST = 1;
const MODE_REFLECT = 2;
const MODE_WRAP = 3;
const MODE_MIRROR = 4; // only for taps

function modeCode(mode: FillMode): number {
  switch (mode) {
    case "constant":
      return MODE_CONSTANT;
    case "nearest":
      return MODE_NEAREST;
    case "reflect":
      return MODE_REFLECT;
    case "wrap":
      return MODE_WRAP;
  }
}

/** C's (npy_intp)(x): truncation toward zero. */
const trunc = Math.trunc;

/** scipy's map_coordinate for the modes Keras can ask for (plus mirror for taps). */
function mapCoordinate(x: number, len: number, mode: number): number {
  let v = x;
  if (v < 0) {
    switch (mode) {
      case MODE_MIRROR:
        if (len <= 1) v = 0;
        else {
          const sz2 = 2 * len - 2;
          v = sz2 * trunc(-v / sz2) + v;
          v = v <= 1 - len ? v + sz2 : -v;
        }
        break;
      case MODE_REFLECT:
        if (len <= 1) v = 0;
        else {
          const sz2 = 2 * len;
          if (v < -sz2) v = sz2 * trunc(-v / sz2) + v;
          v = v < -len ? v + sz2 : (v > -1e-15 ? 1e-15 : -v) - 1;
        }
        break;
      case MODE_WRAP:
        if (len <= 1) v = 0;
        else {
          const sz = len - 1;
          v += sz * (trunc(-v / sz) + 1);
        }
        break;
      case MODE_NEAREST:
        v = 0;
        break;
      case MODE_CONSTANT:
        v = -1;
        break;
    }
  } else if (v > len - 1) {
    switch (mode) {
      case MODE_MIRROR:
        if (len <= 1) v = 0;
        else {
          const sz2 = 2 * len - 2;
          v -= sz2 * trunc(v / sz2);
          if (v >= len) v = sz2 - v;
        }
        break;
      case MODE_REFLECT:
        if (len <= 1) v = 0;
        else {
          const sz2 = 2 * len;
          v -= sz2 * trunc(v / sz2);
          if (v >= len) v = sz2 - v - 1;
        }
        break;
      case MODE_WRAP:
        if (len <= 1) v = 0;
        else {
          const sz = len - 1;
          v -= sz * trunc(v / sz);
        }
        break;
      case MODE_NEAREST:
        v = len - 1;
        break;
      case MODE_CONSTANT:
        v = -1;
        break;
    }
  }
  return v;
}

function tapMode(mode: number): number {
  return mode === MODE_CONSTANT || mode === MODE_WRAP ? MODE_MIRROR : mode;
}

/** Index of tap `idx` after the boundary rule (integer in, integer out). */
function tapIndex(idx: number, len: number, mode: number): number {
  if (idx >= 0 && idx < len) return idx;
  return trunc(mapCoordinate(idx, len, mode));
}

export interface SampleOptions {
  fillMode: FillMode;
  cval: number;
  order: 0 | 1;
  /**
   * Multiplies each float32 result by float32(scale), rounding to float32 again: Keras'
   * `rescale` when nothing else runs between the affine step and it. Default 1.
   */
  scale?: number;
}

/**
 * Transforms one HWC float32 image: `out[r, c, :]` = scipy's value at output
 * (r, c), then flips as Keras does after the affine step (the value computed for
 * (r, c) is stored at the mirrored position, which is exactly "transform, then
 * reverse the axis"). A null matrix copies (Keras skips the affine call when no
 * parameter is active).
 */
export function sampleImage(
  src: SourcePixels,
  srcOffset: number,
  h: number,
  w: number,
  ch: number,
  out: Float32Array,
  outOffset: number,
  matrix: AffineMatrix | null,
  flipH: boolean,
  flipV: boolean,
  options: SampleOptions,
): void {
  if (matrix !== null) {
    sampleAffine(src, srcOffset, h, w, ch, out, outOffset, matrix, flipH, flipV, options);
    return;
  }
  copyFlipped(src, srcOffset, h, w, ch, out, outOffset, flipH, flipV);
  const scale = options.scale ?? 1;
  if (scale !== 1) {
    // out holds float32(t); Keras then computes float32(x * float32(rescale)).
    const s32 = Math.fround(scale);
    const end = outOffset + h * w * ch;
    for (let i = outOffset; i < end; i++) out[i] = (out[i] as number) * s32;
  }
}

function sampleAffine(
  src: SourcePixels,
  srcOffset: number,
  h: number,
  w: number,
  ch: number,
  out: Float32Array,
  outOffset: number,
  matrix: AffineMatrix,
  flipH: boolean,
  flipV: boolean,
  options: SampleOptions,
): void {
  const [a00, a01, b0, a10, a11, b1] = matrix;
  // Keras' rescale, fused: float32(float32(t) · float32(rescale)).
  const scaled = (options.scale ?? 1) !== 1;
  const s32 = Math.fround(options.scale ?? 1);
  const f32 = Math.fround;
  const mode = modeCode(options.fillMode);
  const tmode = tapMode(mode);
  const cval = options.cval;
  const order = options.order;
  const mapAxes = mode !== MODE_NEAREST;
  const rowStride = w * ch;
  // The products col·m1 are the same on every row: compute them once (same doubles).
  const colR = new Float64Array(w);
  const colC = new Float64Array(w);
  for (let c = 0; c < w; c++) {
    colR[c] = c * a01;
    colC[c] = c * a11;
  }
  for (let r = 0; r < h; r++) {
    // scipy: tmp = shift; tmp += coord0 * m0; tmp += coord1 * m1.
    const baseR = b0 + r * a00;
    const baseC = b1 + r * a10;
    const orow = flipV ? h - 1 - r : r;
    for (let c = 0; c < w; c++) {
      let cr = baseR + (colR[c] as number);
      let cc = baseC + (colC[c] as number);
      const ocol = flipH ? w - 1 - c : c;
      const o = outOffset + orow * rowStride + ocol * ch;
      if (mapAxes) {
        cr = mapCoordinate(cr, h, mode);
        cc = mapCoordinate(cc, w, mode);
      }
      if (!(cr > -1.0 || !mapAxes) || !(cc > -1.0 || !mapAxes)) {
        for (let k = 0; k < ch; k++) out[o + k] = scaled ? f32(cval) * s32 : cval;
        continue;
      }
      if (order === 0) {
        const r0 = tapIndex(Math.floor(cr + 0.5), h, tmode);
        const c0 = tapIndex(Math.floor(cc + 0.5), w, tmode);
        const i = srcOffset + r0 * rowStride + c0 * ch;
        for (let k = 0; k < ch; k++) {
          const t = 0.0 + (src[i + k] as number);
          out[o + k] = scaled ? f32(t) * s32 : t;
        }
        continue;
      }
      const fr = Math.floor(cr);
      const fc = Math.floor(cc);
      // get_spline_interpolation_weights, order 1.
      const wr0 = 1.0 - (cr - fr);
      const wr1 = 1.0 - wr0;
      const wc0 = 1.0 - (cc - fc);
      const wc1 = 1.0 - wc0;
      let r0 = fr;
      let r1 = fr + 1;
      if (fr < 0 || fr + 1 >= h) {
        if (mode === MODE_NEAREST) {
          r0 = fr < 0 ? 0 : fr >= h ? h - 1 : fr;
          r1 = fr + 1 < 0 ? 0 : fr + 1 >= h ? h - 1 : fr + 1;
        } else {
          r0 = tapIndex(fr, h, tmode);
          r1 = tapIndex(fr + 1, h, tmode);
        }
      }
      let c0 = fc;
      let c1 = fc + 1;
      if (fc < 0 || fc + 1 >= w) {
        if (mode === MODE_NEAREST) {
          c0 = fc < 0 ? 0 : fc >= w ? w - 1 : fc;
          c1 = fc + 1 < 0 ? 0 : fc + 1 >= w ? w - 1 : fc + 1;
        } else {
          c0 = tapIndex(fc, w, tmode);
          c1 = tapIndex(fc + 1, w, tmode);
        }
      }
      const i00 = srcOffset + r0 * rowStride + c0 * ch;
      const i01 = srcOffset + r0 * rowStride + c1 * ch;
      const i10 = srcOffset + r1 * rowStride + c0 * ch;
      const i11 = srcOffset + r1 * rowStride + c1 * ch;
      // scipy: t = 0; t += (v·w_row)·w_col for each tap in row-major order.
      const w00r = wr0;
      const w10r = wr1;
      if (ch === 3) {
        const t0 =
          0.0 +
          (src[i00] as number) * w00r * wc0 +
          (src[i01] as number) * w00r * wc1 +
          (src[i10] as number) * w10r * wc0 +
          (src[i11] as number) * w10r * wc1;
        const t1 =
          0.0 +
          (src[i00 + 1] as number) * w00r * wc0 +
          (src[i01 + 1] as number) * w00r * wc1 +
          (src[i10 + 1] as number) * w10r * wc0 +
          (src[i11 + 1] as number) * w10r * wc1;
        const t2 =
          0.0 +
          (src[i00 + 2] as number) * w00r * wc0 +
          (src[i01 + 2] as number) * w00r * wc1 +
          (src[i10 + 2] as number) * w10r * wc0 +
          (src[i11 + 2] as number) * w10r * wc1;
        if (scaled) {
          out[o] = f32(t0) * s32;
          out[o + 1] = f32(t1) * s32;
          out[o + 2] = f32(t2) * s32;
        } else {
          out[o] = t0;
          out[o + 1] = t1;
          out[o + 2] = t2;
        }
        continue;
      }
      for (let k = 0; k < ch; k++) {
        const t =
          0.0 +
          (src[i00 + k] as number) * w00r * wc0 +
          (src[i01 + k] as number) * w00r * wc1 +
          (src[i10 + k] as number) * w10r * wc0 +
          (src[i11 + k] as number) * w10r * wc1;
        out[o + k] = scaled ? f32(t) * s32 : t;
      }
    }
  }
}

function copyFlipped(
  src: SourcePixels,
  srcOffset: number,
  h: number,
  w: number,
  ch: number,
  out: Float32Array,
  outOffset: number,
  flipH: boolean,
  flipV: boolean,
): void {
  const rowStride = w * ch;
  for (let r = 0; r < h; r++) {
    const orow = flipV ? h - 1 - r : r;
    const s = srcOffset + r * rowStride;
    const d = outOffset + orow * rowStride;
    if (!flipH) {
      out.set(src.subarray(s, s + rowStride), d);
      continue;
    }
    for (let c = 0; c < w; c++) {
      const si = s + c * ch;
      const di = d + (w - 1 - c) * ch;
      for (let k = 0; k < ch; k++) out[di + k] = src[si + k] as number;
    }
  }
}
