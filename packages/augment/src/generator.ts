/**
 * Keras' `ImageDataGenerator` (keras/src/legacy/preprocessing/image.py) on tfjs:
 * every constructor parameter with Keras' coercions, `get_random_transform`,
 * `apply_transform`, `random_transform`, `standardize`, `fit` and
 * `flow_from_directory`.
 */
import {
  type BatchTransform,
  type DirectoryIterator,
  type FlowOptions,
  flowFromDirectory,
  RandomState,
  randomSeed,
} from "@graft/data";
import {
  add,
  div,
  expandDims,
  matMul,
  mean,
  moments,
  mul,
  reshape,
  scalar,
  sqrt,
  squeeze,
  stack,
  sub,
  type Tensor2D,
  type Tensor3D,
  type Tensor4D,
  tensor2d,
  tensor4d,
  tidy,
  unstack,
} from "@tensorflow/tfjs-core";
import { hasNativeImageAffineTransform } from "./kernels/ImageAffineTransform.ts";
import { zcaMatrix } from "./linalg.ts";
import { kerasAffineMatrix, type Semantics } from "./matrix.ts";
import {
  drawRandomTransform,
  type RandomConfig,
  type ShiftRange,
  type TransformParams,
} from "./params.ts";
import type { FillMode } from "./sampler.ts";
import { applyTransformBatch, checkTransformOptions } from "./transform.ts";
import type { WorkerTransformArgs } from "./worker-transform.ts";

/** `ImageDataGenerator`'s constructor arguments: Keras' names in camelCase, Keras' defaults. */
export interface ImageDataGeneratorOptions {
  /** subtract the dataset's per-channel mean (from `fit`); default false */
  featurewiseCenter?: boolean;
  /** subtract each image's own mean; default false */
  samplewiseCenter?: boolean;
  /** divide by the dataset's per-channel std (from `fit`); turns on featurewiseCenter, as Keras */
  featurewiseStdNormalization?: boolean;
  /** divide each image by its own std; turns on samplewiseCenter, as Keras */
  samplewiseStdNormalization?: boolean;
  /**
   * ZCA whitening with the matrix from `fit`; turns on featurewiseCenter and off
   * featurewiseStdNormalization, as Keras
   */
  zcaWhitening?: boolean;
  /** epsilon of the ZCA whitening; default 1e-6 */
  zcaEpsilon?: number;
  /** degrees */
  rotationRange?: number;
  /** horizontal shifts (see `ShiftRange`); default 0 */
  widthShiftRange?: ShiftRange;
  /** vertical shifts (see `ShiftRange`); default 0 */
  heightShiftRange?: ShiftRange;
  /** [lo, hi] factors */
  brightnessRange?: readonly [number, number] | null;
  /** degrees */
  shearRange?: number;
  /** z → [1 − z, 1 + z], or [lo, hi]; zx and zy are drawn independently */
  zoomRange?: number | readonly [number, number];
  /** channel shift intensities drawn from [−c, c]; default 0 */
  channelShiftRange?: number;
  /** how points outside the image are filled; default "nearest" */
  fillMode?: FillMode;
  /** value for fillMode "constant"; default 0 */
  cval?: number;
  /** flip columns at random (probability 1/2); default false */
  horizontalFlip?: boolean;
  /** flip rows at random (probability 1/2); default false */
  verticalFlip?: boolean;
  /**
   * multiplies every pixel (e.g. 1/255) after augmentation and preprocessingFunction, before
   * centring and normalisation; null or 0 for none
   */
  rescale?: number | null;
  /** runs on each image (HWC float32) after augmentation, before rescale */
  preprocessingFunction?: ((x: Tensor3D) => Tensor3D) | null;
  /**
   * fraction held out for `flowFromDirectory`'s validation subset, strictly between 0 and 1;
   * default 0
   */
  validationSplit?: number;
  /** spline order of the affine sampler: 0 nearest, 1 bilinear (Keras' default) */
  interpolationOrder?: 0 | 1;
  /** which Keras to follow (see matrix.ts); default "keras3" */
  semantics?: Semantics;
  /** where Keras' warnings go (default console.warn) */
  warn?: (message: string) => void;
}

/** Options of `flowFromDirectory` (those of @graft/data but the transform and split, which come from here). */
export type GeneratorFlowOptions = Omit<FlowOptions, "transform" | "validationSplit">;

/**
 * Keras' `ImageDataGenerator`: random augmentation in Keras' order and with Keras'
 * draws, standardization (`fit` for the featurewise statistics) and
 * `flowFromDirectory`. The fields hold the options after Keras' coercions.
 */
export class ImageDataGenerator {
  /** After coercion (zcaWhitening and featurewiseStdNormalization turn it on). */
  readonly featurewiseCenter: boolean;
  /** After coercion (samplewiseStdNormalization turns it on). */
  readonly samplewiseCenter: boolean;
  /** After coercion (zcaWhitening turns it off). */
  readonly featurewiseStdNormalization: boolean;
  /** As given. */
  readonly samplewiseStdNormalization: boolean;
  /** As given. */
  readonly zcaWhitening: boolean;
  /** As given; default 1e-6. */
  readonly zcaEpsilon: number;
  /** The rescale factor, or null for none. */
  readonly rescale: number | null;
  /** Runs on each image after augmentation, before rescale; null for none. */
  readonly preprocessingFunction: ((x: Tensor3D) => Tensor3D) | null;
  /** Fraction held out for the validation subset; 0 for none. */
  readonly validationSplit: number;
  /** The random part of the configuration, after Keras' coercions. */
  readonly random: RandomConfig;
  /** How points outside the image are filled. */
  readonly fillMode: FillMode;
  /** The value for fillMode "constant". */
  readonly cval: number;
  /** Spline order of the sampler: 0 nearest, 1 bilinear. */
  readonly interpolationOrder: 0 | 1;
  /** Which Keras the geometry follows (see `Semantics`). */
  readonly semantics: Semantics;
  /** per-channel mean from fit() (Keras `mean`, shape [1, 1, C]) */
  mean: Float32Array | null = null;
  /** per-channel std from fit() (Keras `std`) */
  std: Float32Array | null = null;
  /** from fit(), [d, d] with d = H·W·C (Keras `zca_whitening_matrix`) */
  zcaWhiteningMatrix: Float32Array | null = null;
  /** numpy's global RNG as far as this generator is concerned */
  readonly rng = new RandomState(randomSeed());
  private readonly warn: (m: string) => void;

  constructor(options: ImageDataGeneratorOptions = {}) {
    this.warn = options.warn ?? ((m) => console.warn(m));
    let featurewiseCenter = options.featurewiseCenter ?? false;
    let featurewiseStd = options.featurewiseStdNormalization ?? false;
    let samplewiseCenter = options.samplewiseCenter ?? false;
    const samplewiseStd = options.samplewiseStdNormalization ?? false;
    const zca = options.zcaWhitening ?? false;
    const vs = options.validationSplit ?? 0;
    if (vs && !(vs > 0 && vs < 1)) {
      throw new Error(`\`validation_split\` must be strictly between 0 and 1.  Received: ${vs}`);
    }
    const z = options.zoomRange ?? 0;
    let zoom: [number, number];
    if (typeof z === "number") zoom = [1 - z, 1 + z];
    else if (Array.isArray(z) && z.length === 2 && z.every((v) => typeof v === "number"))
      zoom = [z[0], z[1]];
    else {
      throw new Error(
        `\`zoom_range\` should be a float or a tuple or list of two floats. Received: ${JSON.stringify(z)}`,
      );
    }
    if (zca) {
      if (!featurewiseCenter) {
        featurewiseCenter = true;
        this.warn(
          "This ImageDataGenerator specifies `zca_whitening`, which overrides setting of `featurewise_center`.",
        );
      }
      if (featurewiseStd) {
        featurewiseStd = false;
        this.warn(
          "This ImageDataGenerator specifies `zca_whitening` which overrides setting of`featurewise_std_normalization`.",
        );
      }
    }
    if (featurewiseStd && !featurewiseCenter) {
      featurewiseCenter = true;
      this.warn(
        "This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides setting of `featurewise_center`.",
      );
    }
    if (samplewiseStd && !samplewiseCenter) {
      samplewiseCenter = true;
      this.warn(
        "This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides setting of `samplewise_center`.",
      );
    }
    const br = options.brightnessRange ?? null;
    if (br !== null && (!Array.isArray(br) || br.length !== 2)) {
      throw new Error(
        `\`brightness_range should be tuple or list of two floats. Received: ${JSON.stringify(br)}`,
      );
    }
    const t = checkTransformOptions({
      fillMode: options.fillMode ?? "nearest",
      cval: options.cval ?? 0,
      interpolationOrder: options.interpolationOrder ?? 1,
      semantics: options.semantics ?? "keras3",
    });
    this.featurewiseCenter = featurewiseCenter;
    this.samplewiseCenter = samplewiseCenter;
    this.featurewiseStdNormalization = featurewiseStd;
    this.samplewiseStdNormalization = samplewiseStd;
    this.zcaWhitening = zca;
    this.zcaEpsilon = options.zcaEpsilon ?? 1e-6;
    this.rescale = options.rescale ?? null;
    this.preprocessingFunction = options.preprocessingFunction ?? null;
    this.validationSplit = vs;
    this.fillMode = t.fillMode;
    this.cval = t.cval;
    this.interpolationOrder = t.interpolationOrder;
    this.semantics = t.semantics;
    this.random = {
      rotationRange: options.rotationRange ?? 0,
      widthShiftRange: options.widthShiftRange ?? 0,
      heightShiftRange: options.heightShiftRange ?? 0,
      shearRange: options.shearRange ?? 0,
      zoomRange: zoom,
      horizontalFlip: options.horizontalFlip ?? false,
      verticalFlip: options.verticalFlip ?? false,
      channelShiftRange: options.channelShiftRange ?? 0,
      brightnessRange: br ? [br[0], br[1]] : null,
    };
  }

  /**
   * Keras' `get_random_transform(img_shape, seed)`: with a seed, `np.random.seed(seed)`
   * first. Draws from `rng` when given (an iterator's stream), else from this generator's.
   */
  getRandomTransform(
    imgShape: readonly number[],
    seed?: number | null,
    rng?: RandomState,
  ): Required<TransformParams> {
    const r = rng ?? this.rng;
    if (seed !== undefined && seed !== null) r.seed(seed);
    return drawRandomTransform(this.random, imgShape, r);
  }

  /** Keras' `apply_transform(x, params)` with this generator's fill mode, cval, order and semantics. */
  applyTransform(x: Tensor3D, params: TransformParams): Tensor3D {
    return tidy(
      () =>
        squeeze(this.applyTransformBatch(expandDims(x, 0) as Tensor4D, [params]), [0]) as Tensor3D,
    );
  }

  /** `applyTransform` for a batch: one `params` per image, one kernel call for all of them. */
  applyTransformBatch(x: Tensor4D, params: readonly TransformParams[]): Tensor4D {
    return applyTransformBatch(x, params, {
      fillMode: this.fillMode,
      cval: this.cval,
      interpolationOrder: this.interpolationOrder,
      semantics: this.semantics,
    });
  }

  /** Keras' `random_transform(x, seed)`. */
  randomTransform(x: Tensor3D, seed?: number | null): Tensor3D {
    return this.applyTransform(x, this.getRandomTransform(x.shape, seed));
  }

  /** Keras' `standardize(x)` for one HWC image. */
  standardize(x: Tensor3D): Tensor3D {
    return tidy(
      () => squeeze(this.standardizeBatch(expandDims(x, 0) as Tensor4D), [0]) as Tensor3D,
    );
  }

  /**
   * `standardize` on a batch, image by image as Keras: preprocessing_function,
   * rescale, samplewise centre and std (over all axes of each image), featurewise
   * centre and std, ZCA.
   */
  standardizeBatch(x: Tensor4D): Tensor4D {
    return tidy(() => {
      let y = x;
      if (this.preprocessingFunction) {
        const fn = this.preprocessingFunction;
        y = stack(unstack(y).map((img) => fn(img as Tensor3D))) as Tensor4D;
      }
      if (this.rescale) y = mul(y, scalar(this.rescale, "float32"));
      if (this.samplewiseCenter) y = sub(y, mean(y, [1, 2, 3], true));
      if (this.samplewiseStdNormalization) {
        const { variance } = moments(y, [1, 2, 3], true);
        y = div(y, add(sqrt(variance), scalar(1e-6, "float32")));
      }
      const c = y.shape[3];
      if (this.featurewiseCenter) {
        if (this.mean) y = sub(y, tensor4d(this.mean, [1, 1, 1, c]));
        else this.warnOnce("mean");
      }
      if (this.featurewiseStdNormalization) {
        if (this.std) y = div(y, add(tensor4d(this.std, [1, 1, 1, c]), scalar(1e-6, "float32")));
        else this.warnOnce("std");
      }
      if (this.zcaWhitening) {
        if (this.zcaWhiteningMatrix) {
          const [b, h, w] = y.shape;
          const d = h * w * c;
          const white = matMul(
            reshape(y, [b, d]) as Tensor2D,
            tensor2d(this.zcaWhiteningMatrix, [d, d]),
          );
          y = reshape(white, [b, h, w, c]);
        } else this.warnOnce("zca");
      }
      return y === x ? x.clone() : y;
    });
  }

  private warned = new Set<string>();
  private warnOnce(what: "mean" | "std" | "zca"): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    const msg = {
      mean: "This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
      std: "This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
      zca: "This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
    }[what];
    this.warn(msg);
  }

  /**
   * Keras' `fit(x, augment, rounds, seed)`: rescale, optionally augment `rounds`
   * times, then the per-channel mean and std over (N, H, W) and the ZCA matrix.
   */
  fit(
    x: Tensor4D,
    options: { augment?: boolean; rounds?: number; seed?: number | null } = {},
  ): void {
    if (x.rank !== 4)
      throw new Error(`Input to \`.fit()\` should have rank 4. Got array with shape: [${x.shape}]`);
    const [n0, h, w, c] = x.shape;
    if (![1, 3, 4].includes(c)) {
      this.warn(
        `Expected input to be images with 1, 3 or 4 channels on axis 3, but it has shape [${x.shape}] (${c} channels).`,
      );
    }
    if (options.seed !== undefined && options.seed !== null) this.rng.seed(options.seed);
    let data = Float32Array.from(x.dataSync() as Float32Array);
    const f32 = Math.fround;
    if (this.rescale) {
      const r = f32(this.rescale);
      for (let i = 0; i < data.length; i++) data[i] = f32((data[i] as number) * r);
    }
    let n = n0;
    if (options.augment) {
      const rounds = options.rounds ?? 1;
      const size = h * w * c;
      const ax = new Float32Array(rounds * n0 * size);
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < n0; i++) {
          const img = tensor4d(data.subarray(i * size, (i + 1) * size), [1, h, w, c]);
          const params = this.getRandomTransform([h, w, c]);
          const out = this.applyTransformBatch(img, [params]);
          ax.set(out.dataSync() as Float32Array, (i + r * n0) * size);
          img.dispose();
          out.dispose();
        }
      }
      data = ax;
      n = rounds * n0;
    }
    const pixels = n * h * w;
    if (this.featurewiseCenter) {
      const mean = new Float64Array(c);
      for (let i = 0; i < data.length; i++)
        mean[i % c] = (mean[i % c] as number) + (data[i] as number);
      this.mean = Float32Array.from(mean, (s) => s / pixels);
      for (let i = 0; i < data.length; i++)
        data[i] = f32((data[i] as number) - (this.mean[i % c] as number));
    }
    if (this.featurewiseStdNormalization) {
      const m = new Float64Array(c);
      const sq = new Float64Array(c);
      for (let i = 0; i < data.length; i++) m[i % c] = (m[i % c] as number) + (data[i] as number);
      for (let k = 0; k < c; k++) m[k] = (m[k] as number) / pixels;
      for (let i = 0; i < data.length; i++)
        sq[i % c] = (sq[i % c] as number) + ((data[i] as number) - (m[i % c] as number)) ** 2;
      this.std = Float32Array.from(sq, (s) => Math.sqrt(s / pixels));
      const div = Float32Array.from(this.std, (s) => f32(s + f32(1e-6)));
      for (let i = 0; i < data.length; i++)
        data[i] = f32((data[i] as number) / (div[i % c] as number));
    }
    if (this.zcaWhitening) {
      this.zcaWhiteningMatrix = zcaMatrix(data, n, h * w * c, this.zcaEpsilon);
    }
  }

  /**
   * Keras' `flow_from_directory(directory, ...)`: the listing and batches of
   * @graft/data with this generator's augmentation and standardisation, drawn from
   * the iterator's own seeded stream exactly as Keras draws them.
   */
  async flowFromDirectory(
    directory: string,
    options: GeneratorFlowOptions = {},
  ): Promise<DirectoryIterator> {
    return flowFromDirectory(directory, {
      ...options,
      ...(this.validationSplit ? { validationSplit: this.validationSplit } : {}),
      transform: this.asBatchTransform(),
    });
  }

  /** The hook @graft/data calls: draws per image, then transforms and standardises the batch. */
  asBatchTransform(): BatchTransform {
    const onlyRescale =
      this.rescale !== null &&
      this.rescale !== 0 &&
      !this.preprocessingFunction &&
      !this.samplewiseCenter &&
      !this.samplewiseStdNormalization &&
      !this.featurewiseCenter &&
      !this.featurewiseStdNormalization &&
      !this.zcaWhitening &&
      this.random.channelShiftRange === 0 &&
      this.random.brightnessRange === null;
    const options = {
      fillMode: this.fillMode,
      cval: this.cval,
      interpolationOrder: this.interpolationOrder,
      semantics: this.semantics,
    };
    return {
      draw: (rng, shape) => this.getRandomTransform(shape, null, rng),
      apply: (x, params, doneInWorkers) => {
        const p = params as TransformParams[];
        if (doneInWorkers && onlyRescale) return x;
        // The recipe's case: affine, flips and rescale in one pass over the batch.
        if (onlyRescale)
          return applyTransformBatch(x, p, options, { fusedScale: this.rescale as number });
        const t = applyTransformBatch(x, p, options, { geometricDone: doneInWorkers === true });
        const s = this.standardizeBatch(t);
        t.dispose();
        return s;
      },
      perImage: {
        // The built package runs dist/worker-transform.js; the sources the .ts file.
        module: new URL(
          import.meta.url.endsWith(".ts") ? "./worker-transform.ts" : "./worker-transform.js",
          import.meta.url,
        ).href,
        name: "transformImage",
        // In the decode workers unless the backend has a native batched kernel.
        inWorkers: () => !hasNativeImageAffineTransform(),
        args: (params, shape): WorkerTransformArgs => {
          const p = params as TransformParams;
          return {
            matrix: kerasAffineMatrix(p, shape[0], shape[1], this.semantics),
            flips: (p.flip_horizontal ? 1 : 0) | (p.flip_vertical ? 2 : 0),
            fillMode: this.fillMode,
            cval: this.cval,
            order: this.interpolationOrder,
            scale: onlyRescale ? (this.rescale as number) : 1,
          };
        },
      },
    };
  }
}
