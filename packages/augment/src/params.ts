import type { RandomState } from "@graft/data";

/**
 * Keras' `apply_transform` dict, key names unchanged, so that a Python call
 * `gen.apply_transform(x, {"theta": 20, "tx": 3})` ports as
 * `applyTransform(x, { theta: 20, tx: 3 })`.
 */
export interface TransformParams {
  /** rotation in degrees */
  theta?: number;
  /** translation along the matrix's first axis; drawn from height_shift_range (see README) */
  tx?: number;
  /** translation along the second axis; drawn from width_shift_range */
  ty?: number;
  /** shear in degrees */
  shear?: number;
  /** zoom factor along the first axis (rows); 1 keeps the size, above 1 zooms out */
  zx?: number;
  /** zoom factor along the second axis (columns) */
  zy?: number;
  /** reverse the columns after the affine step (truthy, as in Python) */
  flip_horizontal?: boolean | number;
  /** reverse the rows after the affine step */
  flip_vertical?: boolean | number;
  /**
   * added to every channel, then clipped to the image's own min and max (Keras'
   * `apply_channel_shift`)
   */
  channel_shift_intensity?: number | null;
  /** factor for Pillow's ImageEnhance.Brightness (Keras' `apply_brightness_shift`) */
  brightness?: number | null;
}

/**
 * A shift range as Keras reads it: a number below 1 is a fraction of the image
 * size, drawn uniformly; an integer N ≥ 1 picks from {0 … N−1} × ±1 pixels (numpy's
 * `choice(N)`); a list picks one element × ±1 (× the size when every element < 1);
 * `{ float: x }` is a Python float x ≥ 1: pixels drawn uniformly from [−x, x]
 * (in JavaScript 10 and 10.0 are the same number, so say which one you mean).
 */
export type ShiftRange =
  | number
  | readonly number[]
  | {
      /** A Python float (≥ 1): shifts drawn uniformly from [−float, float] pixels. */
      readonly float: number;
    };

/** The random part of ImageDataGenerator's configuration, after Keras' coercions. */
export interface RandomConfig {
  /** rotations drawn uniformly from [−r, r] degrees; 0 for none */
  rotationRange: number;
  /** shifts along the width (see `ShiftRange`) */
  widthShiftRange: ShiftRange;
  /** shifts along the height (see `ShiftRange`) */
  heightShiftRange: ShiftRange;
  /** shear drawn uniformly from [−s, s] degrees; 0 for none */
  shearRange: number;
  /** zx and zy are each drawn uniformly from [lo, hi]; [1, 1] for none */
  zoomRange: readonly [number, number];
  /** flip columns with probability 1/2 */
  horizontalFlip: boolean;
  /** flip rows with probability 1/2 */
  verticalFlip: boolean;
  /** channel shift intensity drawn uniformly from [−c, c]; 0 for none */
  channelShiftRange: number;
  /** [lo, hi] brightness factors, drawn uniformly; null for none */
  brightnessRange: readonly [number, number] | null;
}

function truthy(r: ShiftRange): boolean {
  if (typeof r === "number") return r !== 0 && !Number.isNaN(r);
  if (Array.isArray(r)) return r.length > 0;
  return (r as { float: number }).float !== 0;
}

function drawShift(r: ShiftRange, rng: RandomState, size: number): number {
  let t: number;
  let max: number;
  if (Array.isArray(r)) {
    const list = r as readonly number[];
    t = (rng.choice(list) as number) * rng.choice([-1, 1]);
    max = Math.max(...list);
  } else if (typeof r === "number" && Number.isInteger(r) && r > 0) {
    t = rng.randint(r) * rng.choice([-1, 1]);
    max = r;
  } else {
    // numpy's choice() refuses floats (and non-positive ints) before drawing: uniform.
    const v = typeof r === "number" ? r : (r as { float: number }).float;
    t = rng.uniform(-v, v);
    max = v;
  }
  if (max < 1) t *= size;
  return t === 0 ? 0 : t; // no -0
}

/**
 * Keras' `get_random_transform(img_shape)`: draws from `rng` in Keras' order
 * (theta, tx, ty, shear, zx and zy, both flips — always drawn —, channel shift,
 * brightness), each only when its range is set, exactly as numpy would.
 */
export function drawRandomTransform(
  config: RandomConfig,
  imgShape: readonly number[],
  rng: RandomState,
): Required<TransformParams> {
  const [h, w] = imgShape as [number, number];
  const theta = config.rotationRange ? rng.uniform(-config.rotationRange, config.rotationRange) : 0;
  const tx = truthy(config.heightShiftRange) ? drawShift(config.heightShiftRange, rng, h) : 0;
  const ty = truthy(config.widthShiftRange) ? drawShift(config.widthShiftRange, rng, w) : 0;
  const shear = config.shearRange ? rng.uniform(-config.shearRange, config.shearRange) : 0;
  let zx = 1;
  let zy = 1;
  const [zlo, zhi] = config.zoomRange;
  if (!(zlo === 1 && zhi === 1)) {
    zx = rng.uniform(zlo, zhi);
    zy = rng.uniform(zlo, zhi);
  }
  const flipH = rng.random() < 0.5 && config.horizontalFlip;
  const flipV = rng.random() < 0.5 && config.verticalFlip;
  const channelShift =
    config.channelShiftRange !== 0
      ? rng.uniform(-config.channelShiftRange, config.channelShiftRange)
      : null;
  const brightness = config.brightnessRange
    ? rng.uniform(config.brightnessRange[0], config.brightnessRange[1])
    : null;
  return {
    theta,
    tx,
    ty,
    shear,
    zx,
    zy,
    flip_horizontal: flipH,
    flip_vertical: flipV,
    channel_shift_intensity: channelShift,
    brightness,
  };
}
