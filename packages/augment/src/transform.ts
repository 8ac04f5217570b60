/**
 * Keras' `apply_transform`, batched: affine + flips as one kernel
 * (kernels/ImageAffineTransform.ts), then the channel shift (commutes with the
 * flips: it adds one value and clips to the image's global min/max), then brightness.
 */
import {
  add,
  expandDims,
  max,
  maximum,
  min,
  minimum,
  squeeze,
  type Tensor3D,
  type Tensor4D,
  tensor4d,
  tidy,
} from "@tensorflow/tfjs-core";
import { imageAffineTransform } from "./kernels/ImageAffineTransform.ts";
import { kerasAffineMatrix, SEMANTICS, type Semantics } from "./matrix.ts";
import type { TransformParams } from "./params.ts";
import { FILL_MODES, type FillMode } from "./sampler.ts";

/**
 * How `applyTransformBatch` samples: Keras' `fill_mode`, `cval`, `interpolation_order`, and which
 * Keras to follow.
 */
export interface TransformOptions {
  /** default "nearest" (Keras' default) */
  fillMode?: FillMode;
  /** value for fillMode "constant" (default 0) */
  cval?: number;
  /** spline order: 0 (nearest) or 1 (bilinear, Keras' default) */
  interpolationOrder?: 0 | 1;
  /** default "keras3" */
  semantics?: Semantics;
}

export function checkTransformOptions(o: TransformOptions): Required<TransformOptions> {
  const fillMode = o.fillMode ?? "nearest";
  if (!FILL_MODES.includes(fillMode)) {
    throw new Error(`Expected fillMode among ${FILL_MODES.join(", ")} but received '${fillMode}'`);
  }
  const order = o.interpolationOrder ?? 1;
  if (order !== 0 && order !== 1) {
    throw new Error(
      `Expected interpolationOrder 0 or 1 but received ${order} (spline orders 2–5 are not implemented)`,
    );
  }
  const semantics = o.semantics ?? "keras3";
  if (!SEMANTICS.includes(semantics)) {
    throw new Error(`Expected semantics among ${SEMANTICS.join(", ")} but received '${semantics}'`);
  }
  const cval = o.cval ?? 0;
  if (typeof cval !== "number" || !Number.isFinite(cval)) {
    throw new Error(`Expected a finite number for cval but received ${cval}`);
  }
  return { fillMode, cval, interpolationOrder: order, semantics };
}

/** `apply_transform` on a batch: x float32 [B, H, W, C], one params dict per image. */
export function applyTransformBatch(
  x: Tensor4D,
  params: readonly TransformParams[],
  options: TransformOptions = {},
  /**
   * @internal `fusedScale`: Keras' rescale fused into the kernel (only when nothing
   * else follows); `geometricDone`: the affine step and flips already ran (in workers).
   */
  internal: { fusedScale?: number; geometricDone?: boolean } = {},
): Tensor4D {
  const fusedScale = internal.fusedScale ?? 1;
  const o = checkTransformOptions(options);
  const [b, h, w] = x.shape;
  if (params.length !== b) {
    throw new Error(
      `Expected ${b} transform parameter sets for a batch of ${b} but received ${params.length}`,
    );
  }
  const transforms = new Array<number>(6 * b);
  const flips = new Array<number>(b);
  let geometric = false;
  params.forEach((p, i) => {
    const m = kerasAffineMatrix(p, h, w, o.semantics);
    for (let k = 0; k < 6; k++) transforms[6 * i + k] = m ? (m[k] as number) : Number.NaN;
    flips[i] = (p.flip_horizontal ? 1 : 0) | (p.flip_vertical ? 2 : 0);
    if (m || flips[i]) geometric = true;
  });
  const colour = params.some(
    (p) =>
      (p.channel_shift_intensity !== null && p.channel_shift_intensity !== undefined) ||
      (p.brightness !== null && p.brightness !== undefined),
  );
  if (fusedScale !== 1 && colour)
    throw new Error("a fused scale cannot precede a channel shift or brightness");
  let y: Tensor4D =
    !internal.geometricDone && (geometric || fusedScale !== 1)
      ? imageAffineTransform(x, {
          transforms,
          flips,
          fillMode: o.fillMode,
          cval: o.cval,
          order: o.interpolationOrder,
          ...(fusedScale !== 1 ? { scale: fusedScale } : {}),
        })
      : x;
  if (
    params.some(
      (p) => p.channel_shift_intensity !== null && p.channel_shift_intensity !== undefined,
    )
  ) {
    const shifted = channelShift(
      y,
      params.map((p) => p.channel_shift_intensity ?? 0),
    );
    if (y !== x) y.dispose();
    y = shifted;
  }
  if (params.some((p) => p.brightness !== null && p.brightness !== undefined)) {
    const bright = brightnessShift(
      y,
      params.map((p) => p.brightness ?? null),
      o.semantics,
    );
    if (y !== x) y.dispose();
    y = bright;
  }
  return y === x ? x.clone() : y;
}

/** Keras' `apply_transform(x, params)` for one HWC image. */
export function applyTransform(
  x: Tensor3D,
  params: TransformParams,
  options: TransformOptions = {},
): Tensor3D {
  return tidy(() => {
    const batch = expandDims(x, 0) as Tensor4D;
    return squeeze(applyTransformBatch(batch, [params], options), [0]) as Tensor3D;
  });
}

/** `apply_channel_shift`: x + intensity, clipped to the image's own [min, max]. */
function channelShift(x: Tensor4D, intensities: number[]): Tensor4D {
  return tidy(() => {
    const mn = min(x, [1, 2, 3], true);
    const mx = max(x, [1, 2, 3], true);
    const s = tensor4d(intensities, [intensities.length, 1, 1, 1], "float32");
    return minimum(maximum(add(x, s), mn), mx) as Tensor4D;
  });
}

/**
 * `apply_brightness_shift` as Keras calls it: the image goes through PIL (uint8,
 * truncated) and `ImageEnhance.Brightness`, i.e. v = trunc(f32(b) · u8) clipped to
 * 0..255, alpha kept. Keras 3 stretches only images outside [0, 255] and maps them
 * back afterwards; keras-preprocessing 1.1 always stretches to 0..255 and keeps that.
 * Runs on the host (a readback on GPU backends).
 */
function brightnessShift(x: Tensor4D, factors: (number | null)[], semantics: Semantics): Tensor4D {
  const [b, h, w, c] = x.shape;
  const data = x.dataSync() as Float32Array;
  const out = Float32Array.from(data);
  const size = h * w * c;
  const f32 = Math.fround;
  for (let i = 0; i < b; i++) {
    const f = factors[i];
    if (f === null || f === undefined) continue;
    const img = out.subarray(i * size, (i + 1) * size);
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    for (const v of img) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const localScale = mn < 0 || mx > 255;
    const stretch = localScale || semantics === "keras-preprocessing-1.1";
    if (c === 1 && !stretch && mx > 255)
      throw new Error("brightness on 32-bit grayscale images is not supported");
    if (stretch) {
      // array_to_img(scale=True): x - min, / max, * 255, in float32.
      let m2 = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < size; k++) {
        img[k] = f32((img[k] as number) - mn);
        if ((img[k] as number) > m2) m2 = img[k] as number;
      }
      for (let k = 0; k < size; k++) {
        let v = img[k] as number;
        if (m2 !== 0) v = f32(v / m2);
        img[k] = f32(v * 255);
      }
    }
    const fb = f32(f);
    for (let k = 0; k < size; k++) {
      const u8 = Math.trunc(img[k] as number) & 0xff;
      if (c === 4 && k % 4 === 3) {
        img[k] = u8;
        continue;
      }
      const t = f32(fb * u8);
      img[k] = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
    }
    if (localScale && semantics === "keras3") {
      const range = f32(mx - mn);
      for (let k = 0; k < size; k++) img[k] = f32(f32(f32((img[k] as number) / 255) * range) + mn);
    }
  }
  return tensor4d(out, [b, h, w, c], "float32");
}
