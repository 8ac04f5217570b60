/**
 * `DirectoryIterator`: batches from a directory listing, with Keras' iteration
 * state (`Iterator` in keras/src/legacy/preprocessing/image.py) reproduced so that
 * a seeded graft iterator visits the same files, in the same order, with the same
 * random augmentation parameters as a seeded Keras one:
 *
 * - `next()` is Python's `next(it)` (`_flow_index`): before every batch
 *   `np.random.seed(seed + total_batches_seen)`, a new permutation at each epoch
 *   start, then the batch's augmentation draws from the same stream;
 * - `getItem(i)` / `onEpochEnd()` are `it[i]` / `on_epoch_end()`, which Keras 3's
 *   `model.fit(it)` uses: reseed per call, permute once, reshuffle at the end of
 *   each epoch from the stream as it stands (not reseeded);
 * - `epoch()` (and `for await`, and `toDataset()` for tfjs-layers' `fitDataset`)
 *   runs one epoch in `fit`'s order: getItem(0 … len−1), then onEpochEnd().
 *
 * Every random draw happens synchronously when a batch is scheduled, in batch
 * order; decoding (sharp, in libuv's threads) then runs ahead by `prefetch`
 * batches. Switching between next(), getItem() and epoch() rolls the state back to
 * the first batch not yet handed out, so prefetching never changes a result.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type Tensor, type Tensor4D, tensor1d, tensor2d, tensor4d } from "@tensorflow/tfjs-core";
import { type ColorMode, type LoadedImage, type LoadOptions, loadImage } from "./decode.ts";
import {
  type DirectoryListing,
  type InvalidPolicy,
  type ListOptions,
  listDirectory,
  type SkippedFile,
} from "./directory.ts";
import { DataError, imageFailure } from "./errors.ts";
import { DecodePool } from "./pool.ts";
import { RandomState, randomSeed } from "./random.ts";
import { INTERPOLATIONS, type Interpolation } from "./resize.ts";

/** Keras' `class_mode`: the targets a batch carries (`ys`); null carries none. */
export type ClassMode = "categorical" | "binary" | "sparse" | "input" | null;
/** Every class mode `flow` accepts, with "none" as the spelling of null. */
export const CLASS_MODES: readonly (ClassMode | "none")[] = [
  "categorical",
  "binary",
  "sparse",
  "input",
  "none",
];

/**
 * The augmentation hook (implemented by @graft/augment's ImageDataGenerator):
 * `draw` is Keras' `get_random_transform` for one image, called in batch order
 * with the iterator's random stream; `apply` is `apply_transform` + `standardize`
 * for the whole batch. `apply` must not dispose its input.
 */
export interface BatchTransform {
  /**
   * Draws one image's random parameters from the iterator's stream (Keras' `get_random_transform`).
   */
  draw(rng: RandomState, imageShape: readonly [number, number, number]): unknown;
  /** `doneInWorkers`: the per-image step below already ran; do the rest only. */
  apply(x: Tensor4D, params: readonly unknown[], doneInWorkers?: boolean): Tensor4D;
  /**
   * Optional: the geometric step for one image as a function a decode worker can
   * import (`module` URL, export `name`, with `args(params, shape)` as its argument),
   * so that it overlaps with decoding on every core. `inWorkers()`, asked once per
   * batch, says whether to use it now (default: always); where it says no, the batch
   * gets the batched `apply` on the main thread. The transform decides, not this
   * package: it knows whether the active backend has a faster batched kernel.
   */
  perImage?: {
    /** URL of the module a worker imports. */
    module: string;
    /** The name of the function that module exports. */
    name: string;
    /** The worker's argument for one image, from its `params` and [height, width, channels]. */
    args(params: unknown, shape: readonly [number, number, number]): unknown;
    /** Whether this batch's per-image step runs in the workers; absent means always. */
    inWorkers?(): boolean;
  };
}

/**
 * Options of `flowFromDirectory` and `DirectoryIterator`: Keras' `flow_from_directory` arguments
 * plus graft's decode settings.
 */
export interface FlowOptions extends ListOptions, Omit<LoadOptions, "targetSize"> {
  /** (height, width); default (256, 256), as Keras */
  targetSize?: readonly [number, number];
  /** Default "rgb". */
  colorMode?: ColorMode;
  /** default "categorical"; null (or "none") yields images only */
  classMode?: ClassMode | "none";
  /** Images per batch; default 32, as Keras. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Permute the files at each epoch; default true. */
  shuffle?: boolean;
  /**
   * Seeds shuffling and augmentation, as Keras' `seed` (an integer in [0, 2³² − 1]); null draws one
   * at random.
   */
  seed?: number | null;
  /** Resampling filter to targetSize; default "nearest", as Keras. */
  interpolation?: Interpolation;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** Images decoded at once (default: 2 × cores, at least 4). */
  concurrency?: number;
  /**
   * Worker threads that decode, resize (and, where the transform's `perImage` says so,
   * augment) off the main thread (default: one per core; 0 decodes in this thread's
   * event loop).
   */
  workers?: number;
  /** Augmentation applied to each batch (an ImageDataGenerator); null or absent for none. */
  transform?: BatchTransform | null;
}

/** One batch from a `DirectoryIterator`. */
export interface Batch {
  /** float32 [n, height, width, channels] */
  xs: Tensor4D;
  /** one-hot [n, classes] (categorical), [n] (binary, sparse), a copy of xs (input), or null */
  ys: Tensor | null;
  /** positions in `filenames` of the samples in this batch */
  indices: Int32Array;
  /** files of this batch that failed to decode and were left out */
  skipped: SkippedFile[];
}

interface State {
  rng: Uint32Array;
  rngIndex: number;
  total: number;
  batchIndex: number;
  indexArray: Int32Array | null;
  epochPos: number;
}

type Stream = "next" | "epoch";

/**
 * Where an iterator stands, as plain JSON (see `DirectoryIterator.checkpoint`): the
 * random stream, batches seen, the current permutation and the position in the epoch.
 */
export interface IteratorCheckpoint {
  /** The random stream's MT19937 key: 624 words. */
  rng: number[];
  /** The position in that key. */
  rngIndex: number;
  /** Batches seen since the start (Keras `total_batches_seen`), which seeds the next batch. */
  total: number;
  /** Position of `next()` in its epoch (Keras `batch_index`). */
  batchIndex: number;
  /** The current permutation of the files; null before the first batch. */
  indexArray: number[] | null;
  /** Position of `epoch()` in its epoch: the next `getItem` index. */
  epochPos: number;
}

type Decoded =
  | { kind: "images"; images: (LoadedImage | Error)[] }
  | { kind: "buffer"; buffer: SharedArrayBuffer; errors: (string | null)[]; transformed: boolean };

interface Job {
  stream: Stream;
  before: State;
  indices: Int32Array;
  params: unknown[];
  decoded: Promise<Decoded>;
}

const pools = new Map<number, DecodePool>();
/** One pool per size for the whole process: iterators come and go, workers stay. */
function sharedPool(size: number): DecodePool {
  let p = pools.get(size);
  if (!p) {
    p = new DecodePool(size);
    pools.set(size, p);
  }
  return p;
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new DataError(`Expected a positive integer for ${name} but received ${v}`);
  return v;
}

/** A small semaphore: at most `n` decodes in flight over all batches. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Keras' `DirectoryIterator`: batches of decoded images and their targets from a
 * `listDirectory` listing, in Keras' order and with Keras' random draws for a given
 * seed (see the module comment). `for await` runs one epoch.
 */
export class DirectoryIterator implements AsyncIterable<Batch> {
  /** The folder the files are listed from. */
  readonly directory: string;
  /** class name → index (Keras `class_indices`) */
  readonly classIndices: Record<string, number>;
  /** relative paths with "/" (Keras `filenames`) */
  readonly filenames: string[];
  /** class index of each file (Keras `classes`) */
  readonly classes: Int32Array;
  /** Number of files (Keras `samples`). */
  readonly samples: number;
  /** Number of classes (Keras `num_classes`). */
  readonly numClasses: number;
  /** Images per batch. */
  readonly batchSize: number;
  /** [height, width, channels] of every image in a batch (Keras `image_shape`). */
  readonly imageShape: readonly [number, number, number];
  /** What `ys` holds; null for none. */
  readonly classMode: ClassMode;
  /** files left out: when listing (not images) and while making batches (failed to decode) */
  readonly skipped: SkippedFile[];
  /** Every warning so far, from listing and from making batches. */
  readonly warnings: string[];
  /** The seed given, or null (then the stream was seeded at random). */
  readonly seed: number | null;
  /** Whether each epoch permutes the files. */
  readonly shuffle: boolean;

  private readonly rng: RandomState;
  private state: Omit<State, "rng" | "rngIndex">;
  private queue: Job[] = [];
  private readonly prefetch: number;
  private readonly limiter: Limiter;
  private readonly load: LoadOptions;
  private readonly onInvalid: InvalidPolicy;
  private readonly transform: BatchTransform | null;
  private readonly warn: (m: string) => void;
  private readonly failed = new Set<number>();
  private readonly pool: DecodePool | null;

  constructor(listing: DirectoryListing, options: FlowOptions = {}) {
    this.directory = listing.directory;
    this.classIndices = listing.classIndices;
    this.filenames = listing.filenames;
    this.classes = listing.classes;
    this.samples = listing.samples;
    this.numClasses = Object.keys(listing.classIndices).length;
    this.skipped = [...listing.skipped];
    this.warnings = [...listing.warnings];
    this.batchSize = positiveInt(options.batchSize ?? 32, "batchSize");
    const [h, w] = options.targetSize ?? [256, 256];
    positiveInt(h, "targetSize height");
    positiveInt(w, "targetSize width");
    const colorMode = options.colorMode ?? "rgb";
    if (!["rgb", "grayscale", "rgba"].includes(colorMode)) {
      throw new DataError(`Expected colorMode rgb, grayscale or rgba but received '${colorMode}'`);
    }
    const interpolation = options.interpolation ?? "nearest";
    if (!INTERPOLATIONS.includes(interpolation)) {
      throw new DataError(
        `Expected interpolation among ${INTERPOLATIONS.join(", ")} but received '${interpolation}'`,
      );
    }
    this.imageShape = [h, w, colorMode === "rgb" ? 3 : colorMode === "rgba" ? 4 : 1];
    const mode = options.classMode === undefined ? "categorical" : options.classMode;
    if (!CLASS_MODES.includes(mode ?? "none")) {
      throw new DataError(
        `Expected classMode among categorical, binary, sparse, input, none but received '${mode}'`,
      );
    }
    this.classMode = mode === "none" ? null : mode;
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? null;
    if (
      this.seed !== null &&
      (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffffffff)
    ) {
      throw new DataError(`Expected an integer seed in [0, 2**32 - 1] but received ${this.seed}`);
    }
    this.rng = new RandomState(this.seed ?? randomSeed());
    this.state = { total: 0, batchIndex: 0, indexArray: null, epochPos: 0 };
    this.prefetch = Math.max(0, Math.floor(options.prefetch ?? 2));
    this.limiter = new Limiter(
      positiveInt(options.concurrency ?? Math.max(4, 2 * availableParallelism()), "concurrency"),
    );
    this.load = {
      colorMode,
      targetSize: [h, w],
      interpolation,
      keepAspectRatio: options.keepAspectRatio ?? false,
    };
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 0) {
      throw new DataError(`Expected a non-negative integer for workers but received ${workers}`);
    }
    this.pool = workers > 0 ? sharedPool(workers) : null;
    this.onInvalid = options.onInvalid ?? "skip";
    this.transform = options.transform ?? null;
    this.warn = (m) => {
      this.warnings.push(m);
      (options.warn ?? console.warn)(m);
    };
  }

  /** Batches per epoch: ceil(samples / batchSize) (Keras `len(it)`). */
  get length(): number {
    return Math.ceil(this.samples / this.batchSize);
  }

  /** Absolute paths, in `filenames` order. */
  get filepaths(): string[] {
    return this.filenames.map((f) => join(this.directory, f));
  }

  // ------------------------------------------------------------------ state

  private snapshot(): State {
    const { mt, index } = this.rng.getState();
    return { rng: mt, rngIndex: index, ...this.state };
  }

  private restore(s: State): void {
    this.rng.setState(s.rng, s.rngIndex);
    this.state = {
      total: s.total,
      batchIndex: s.batchIndex,
      indexArray: s.indexArray,
      epochPos: s.epochPos,
    };
  }

  /** Drops prefetched batches of another stream (or all), rolling the state back. */
  private settle(keep: Stream | null): void {
    const first = this.queue[0];
    if (!first || first.stream === keep) return;
    this.restore(first.before);
    this.queue = [];
  }

  private reseed(): void {
    if (this.seed !== null) {
      const s = this.seed + this.state.total;
      if (s > 0xffffffff) throw new DataError(`seed + batches seen exceeds 2**32 - 1 (${s})`);
      this.rng.seed(s);
    }
  }

  private setIndexArray(): void {
    this.state.indexArray = this.shuffle
      ? this.rng.permutation(this.samples)
      : Int32Array.from({ length: this.samples }, (_, i) => i);
  }

  private drawParams(indices: Int32Array): unknown[] {
    const params: unknown[] = [];
    for (let i = 0; i < indices.length; i++) {
      if (this.transform) params.push(this.transform.draw(this.rng, this.imageShape));
      else {
        // ImageDataGenerator() with no augmentation still draws both flips per image.
        this.rng.random();
        this.rng.random();
      }
    }
    return params;
  }

  private start(stream: Stream, before: State, indices: Int32Array): Job {
    const params = this.drawParams(indices);
    const paths = Array.from(indices, (j) => join(this.directory, this.filenames[j] as string));
    let decoded: Promise<Decoded>;
    if (this.pool) {
      const pool = this.pool;
      const [h, w, c] = this.imageShape;
      const size = h * w * c;
      const buffer = new SharedArrayBuffer(indices.length * size * 4);
      const candidate = this.transform?.perImage;
      const per = candidate && (candidate.inWorkers?.() ?? true) ? candidate : null;
      decoded = Promise.all(
        paths.map((p, i) =>
          this.limiter.run(() =>
            pool.run(
              p,
              this.load,
              buffer,
              i * size,
              per
                ? { module: per.module, name: per.name, args: per.args(params[i], this.imageShape) }
                : null,
            ),
          ),
        ),
      ).then((errors) => ({ kind: "buffer", buffer, errors, transformed: per !== null }));
    } else {
      decoded = Promise.all(
        paths.map((p) => this.limiter.run(() => loadImage(p, this.load).catch((e: Error) => e))),
      ).then((images) => ({ kind: "images", images }));
    }
    return { stream, before, indices, params, decoded };
  }

  /** `_flow_index`: one step. */
  private scheduleNext(): Job {
    const before = this.snapshot();
    this.reseed();
    if (this.state.batchIndex === 0) this.setIndexArray();
    const n = this.samples;
    const bs = this.batchSize;
    const current = n === 0 ? 0 : (this.state.batchIndex * bs) % n;
    this.state.batchIndex = n > current + bs ? this.state.batchIndex + 1 : 0;
    this.state.total += 1;
    const indices = (this.state.indexArray as Int32Array).slice(current, current + bs);
    return this.start("next", before, indices);
  }

  /** `__getitem__(idx)`. */
  private scheduleGetItem(idx: number, stream: Stream): Job {
    const before = this.snapshot();
    this.reseed();
    this.state.total += 1;
    if (this.state.indexArray === null) this.setIndexArray();
    const bs = this.batchSize;
    const indices = (this.state.indexArray as Int32Array).slice(bs * idx, bs * (idx + 1));
    return this.start(stream, before, indices);
  }

  /** The epoch stream: getItem(epochPos), and onEpochEnd after the last batch. */
  private scheduleEpochStep(): Job {
    const pos = this.state.epochPos;
    const before = this.snapshot();
    const job = this.scheduleGetItem(pos, "epoch");
    job.before = before;
    this.state.epochPos = pos + 1;
    if (this.state.epochPos >= this.length) {
      this.setIndexArray(); // on_epoch_end
      this.state.epochPos = 0;
    }
    return job;
  }

  // ------------------------------------------------------------------ public

  /** Python's `next(it)`. */
  async next(): Promise<Batch> {
    this.settle("next");
    while (this.queue.length < this.prefetch + 1) this.queue.push(this.scheduleNext());
    return this.finish(this.queue.shift() as Job);
  }

  /** Python's `it[idx]` (no prefetch). */
  async getItem(idx: number): Promise<Batch> {
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.length) {
      throw new DataError(
        `Asked to retrieve element ${idx}, but the Sequence has length ${this.length}`,
      );
    }
    this.settle(null);
    return this.finish(this.scheduleGetItem(idx, "epoch"));
  }

  /** Python's `it.on_epoch_end()`: a new permutation (when shuffling), not reseeded. */
  onEpochEnd(): void {
    this.settle(null);
    this.setIndexArray();
  }

  /**
   * The state before the next batch to be consumed, as JSON: batches already
   * prefetched do not count. `resume(checkpoint)` on an iterator over the same
   * listing and options continues exactly from there (training resumed after a kill
   * sees the same shuffles and augmentations as one never interrupted).
   */
  checkpoint(): IteratorCheckpoint {
    const s = this.queue[0]?.before ?? this.snapshot();
    return {
      rng: Array.from(s.rng),
      rngIndex: s.rngIndex,
      total: s.total,
      batchIndex: s.batchIndex,
      indexArray: s.indexArray ? Array.from(s.indexArray) : null,
      epochPos: s.epochPos,
    };
  }

  /** Continues from a `checkpoint()` (drops anything prefetched). */
  resume(c: IteratorCheckpoint): void {
    const ok =
      c !== null &&
      typeof c === "object" &&
      Array.isArray(c.rng) &&
      c.rng.length === 624 &&
      Number.isInteger(c.total) &&
      Number.isInteger(c.epochPos) &&
      (c.indexArray === null ||
        (Array.isArray(c.indexArray) && c.indexArray.length === this.samples));
    if (!ok) {
      throw new DataError(
        `Cannot resume ${this.directory}: the checkpoint does not match this iterator (${this.samples} samples)`,
      );
    }
    this.queue = [];
    this.restore({
      rng: Uint32Array.from(c.rng),
      rngIndex: c.rngIndex,
      total: c.total,
      batchIndex: c.batchIndex,
      indexArray: c.indexArray ? Int32Array.from(c.indexArray) : null,
      epochPos: c.epochPos,
    });
  }

  /** Python's `it.reset()`: the next `next()` starts an epoch. */
  reset(): void {
    this.settle(null);
    this.state.batchIndex = 0;
  }

  /** One epoch in `model.fit`'s order, prefetching ahead (also into the next epoch). */
  async *epoch(): AsyncGenerator<Batch> {
    const first = this.queue[0];
    if (first && (first.stream !== "epoch" || first.before.epochPos !== 0)) {
      this.restore(first.before);
      this.queue = [];
    }
    if (this.queue.length === 0 && this.state.epochPos !== 0) {
      // The previous epoch was left unfinished: end it as fit would.
      this.setIndexArray();
      this.state.epochPos = 0;
    }
    for (let i = 0; i < this.length; i++) {
      this.settle("epoch");
      while (this.queue.length < this.prefetch + 1) this.queue.push(this.scheduleEpochStep());
      yield await this.finish(this.queue.shift() as Job);
    }
  }

  /** The same as `epoch()`: `for await (const batch of it)` runs one epoch. */
  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.epoch();
  }

  /**
   * A dataset for tfjs-layers' `model.fitDataset(ds, {epochs})`: each `iterator()`
   * is one epoch of `{xs, ys}` (fitDataset disposes them). Leave `batchesPerEpoch`
   * unset: `size` tells fitDataset the number of batches.
   */
  toDataset(): {
    /** Batches per epoch (`length`). */
    size: number;
    /** Starts one epoch. */
    iterator(): Promise<{
      /** The epoch's next batch; `ys` is a copy of `xs` where the class mode yields none. */
      next(): Promise<
        IteratorResult<{
          /** The batch's images, float32 [n, height, width, channels]. */
          xs: Tensor4D;
          /** The batch's targets. */
          ys: Tensor;
        }>
      >;
    }>;
  } {
    const self = this;
    return {
      size: this.length,
      async iterator() {
        let gen: AsyncGenerator<Batch> | null = null; // lazy: fitDataset makes one it never reads
        return {
          async next() {
            gen ??= self.epoch();
            const r = await gen.next();
            if (r.done) return { done: true, value: undefined };
            const { xs, ys } = r.value;
            return { done: false, value: { xs, ys: ys ?? xs.clone() } };
          },
        };
      },
    };
  }

  // ------------------------------------------------------------------ batches

  private async finish(job: Job): Promise<Batch> {
    const decoded = await job.decoded;
    const [h, w, c] = this.imageShape;
    const size = h * w * c;
    const keep: number[] = [];
    const skipped: SkippedFile[] = [];
    const count = job.indices.length;
    for (let i = 0; i < count; i++) {
      const idx = job.indices[i] as number;
      const r = decoded.kind === "images" ? decoded.images[i] : decoded.errors[i];
      const error = r instanceof Error ? imageFailure(r) : typeof r === "string" ? r : null;
      if (error !== null) {
        const filename = this.filenames[idx] as string;
        if (this.onInvalid === "error")
          throw new DataError(`'${filename}' could not be decoded: ${error}`);
        skipped.push({ filename, reason: error });
        if (!this.failed.has(idx)) {
          this.failed.add(idx);
          this.skipped.push({ filename, reason: error });
          this.warn(`Skipping '${filename}': could not be decoded (${error})`);
        }
        continue;
      }
      if (decoded.kind === "images") {
        const img = r as LoadedImage;
        if (img.width !== w || img.height !== h || img.channels !== c) {
          throw new DataError(
            `'${this.filenames[idx]}' decoded to ${img.width}x${img.height}x${img.channels}, expected ${w}x${h}x${c}`,
          );
        }
      }
      keep.push(i);
    }
    const n = keep.length;
    let data: Float32Array;
    if (decoded.kind === "buffer") {
      const all = new Float32Array(decoded.buffer);
      if (n === count) data = all;
      else {
        data = new Float32Array(n * size);
        keep.forEach((i, k) => {
          data.set(all.subarray(i * size, (i + 1) * size), k * size);
        });
      }
    } else {
      data = new Float32Array(n * size);
      keep.forEach((i, k) => {
        data.set((decoded.images[i] as LoadedImage).data, k * size); // converts to float32 natively
      });
    }
    const indices = Int32Array.from(keep, (i) => job.indices[i] as number);
    let xs = tensor4d(data, [n, h, w, c], "float32");
    if (this.transform && n > 0) {
      const params = keep.map((i) => job.params[i]);
      const inWorkers = decoded.kind === "buffer" && decoded.transformed;
      const out = this.transform.apply(xs, params, inWorkers);
      if (out !== xs) xs.dispose();
      xs = out;
    }
    return { xs, ys: this.labels(indices, xs), indices, skipped };
  }

  private labels(indices: Int32Array, xs: Tensor4D): Tensor | null {
    const n = indices.length;
    switch (this.classMode) {
      case "categorical": {
        const y = new Float32Array(n * this.numClasses);
        for (let i = 0; i < n; i++)
          y[i * this.numClasses + (this.classes[indices[i] as number] as number)] = 1;
        return tensor2d(y, [n, this.numClasses], "float32");
      }
      case "binary":
      case "sparse":
        return tensor1d(
          Float32Array.from(indices, (j) => this.classes[j] as number),
          "float32",
        );
      case "input":
        return xs.clone();
      default:
        return null;
    }
  }
}

/**
 * Keras' `flow_from_directory`: lists the directory, then iterates over it. Prints
 * Keras' "Found N images belonging to K classes." with console.log, unless you route
 * messages yourself with `warn`.
 */
export async function flowFromDirectory(
  directory: string,
  options: FlowOptions = {},
): Promise<DirectoryIterator> {
  const listing = await listDirectory(directory, options);
  const it = new DirectoryIterator(listing, options);
  if (options.warn === undefined) {
    console.log(`Found ${it.samples} images belonging to ${it.numClasses} classes.`);
  }
  return it;
}
