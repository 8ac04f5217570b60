/**
 * The images a run trains and validates on: class folders read by @graft/data,
 * augmented by @graft/augment, then given the base's preprocessing (after
 * augmentation, where Keras' ImageDataGenerator applies its preprocessing_function).
 */
import { ImageDataGenerator, type ImageDataGeneratorOptions } from "@graft/augment";
import { type DirectoryIterator, flowFromDirectory } from "@graft/data";
import { type PreprocessMode, preprocessInput } from "@graft/models";
import type * as tf from "@tensorflow/tfjs-core";
import { configError } from "./errors.ts";

/** Options of `openData`: where a run's images are and how they are batched. */
export interface DataOptions {
  /** Class folders to train on. */
  data: string;
  /** Class folders to validate on; when absent, `validationSplit` of `data` is held out. */
  valData?: string | null;
  /** Fraction of each class held out for validation when there is no `valData` (0 = none). */
  validationSplit?: number;
  /** (height, width) images are resized to. */
  targetSize: readonly [number, number];
  /** Images per batch. */
  batchSize: number;
  /** Seeds the training order and augmentation. */
  seed: number;
  /** Reshuffle the training images each epoch (default true); false keeps file order. */
  shuffle?: boolean;
  /** ImageDataGenerator arguments for the training images; null for none. */
  augment?: ImageDataGeneratorOptions | null;
  /** Keras' class order; default: the sorted subfolders of `data`. */
  classes?: readonly string[] | null;
  /** Receives the data pipeline's warnings (skipped files); defaults to console.warn. */
  warn?: (message: string) => void;
}

/** A run's data, as `openData` opens it. */
export interface OpenedData {
  /** Training batches: shuffled (unless `shuffle` is false) and augmented. */
  train: DirectoryIterator;
  /** The same training images in file order, without augmentation (feature caching, evaluation). */
  trainPlain: () => Promise<DirectoryIterator>;
  /** Validation batches in file order; null without validation data. */
  val: DirectoryIterator | null;
  /** Class names in index order. */
  classNames: string[];
  /** Class name → index. */
  classIndices: Record<string, number>;
}

/** Lists and checks the folders; throws a configuration error naming the folder when unusable. */
export async function openData(o: DataOptions): Promise<OpenedData> {
  const split = o.valData ? 0 : (o.validationSplit ?? 0);
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const common = {
    targetSize: o.targetSize,
    batchSize: o.batchSize,
    classMode: "categorical" as const,
    warn,
    ...(o.classes ? { classes: o.classes } : {}),
  };
  const splitOpts = split > 0 ? { validationSplit: split, subset: "training" as const } : {};
  const dataError = (err: unknown, key: string) => configError(`${key}: ${(err as Error).message}`);
  let train: DirectoryIterator;
  try {
    if (o.augment) {
      const gen = new ImageDataGenerator({
        ...o.augment,
        validationSplit: Math.max(split, 0),
        warn,
      });
      train = await gen.flowFromDirectory(o.data, {
        ...common,
        shuffle: o.shuffle ?? true,
        seed: o.seed,
        ...(split > 0 ? { subset: "training" as const } : {}),
      });
    } else {
      train = await flowFromDirectory(o.data, {
        ...common,
        ...splitOpts,
        shuffle: o.shuffle ?? true,
        seed: o.seed,
      });
    }
  } catch (err) {
    throw dataError(err, "data");
  }
  if (train.samples === 0) {
    throw configError(
      `data: no images found in '${o.data}' (class folders: ${classNamesOf(train).join(", ")})`,
    );
  }
  const classNames = classNamesOf(train);
  let val: DirectoryIterator | null = null;
  try {
    if (o.valData) {
      val = await flowFromDirectory(o.valData, {
        ...common,
        classes: classNames,
        shuffle: false,
      });
    } else if (split > 0) {
      val = await flowFromDirectory(o.data, {
        ...common,
        validationSplit: split,
        subset: "validation",
        shuffle: false,
      });
    }
  } catch (err) {
    throw dataError(err, o.valData ? "val-data" : "validation-split");
  }
  if (val && val.samples === 0) {
    throw configError(
      o.valData
        ? `val-data: no images found in '${o.valData}'`
        : `validation-split: ${split} of '${o.data}' holds out no image (too few per class); raise it or pass val-data`,
    );
  }
  const trainPlain = () =>
    flowFromDirectory(o.data, { ...common, classes: classNames, ...splitOpts, shuffle: false });
  return { train, trainPlain, val, classNames, classIndices: { ...train.classIndices } };
}

/** An iterator as a tfjs `fitDataset` dataset whose images get `preprocess` on the way. */
export function preprocessedDataset(it: DirectoryIterator, preprocess: PreprocessMode) {
  const inner = it.toDataset();
  return {
    /** Batches per epoch. */
    size: inner.size,
    /** Starts one epoch. */
    async iterator() {
      const source = await inner.iterator();
      return {
        /** The epoch's next batch, its images preprocessed. */
        async next(): Promise<
          IteratorResult<{
            /** The preprocessed images, float32 [n, height, width, 3]. */
            xs: tf.Tensor4D;
            /** The batch's targets. */
            ys: tf.Tensor;
          }>
        > {
          const r = await source.next();
          if (r.done) return r;
          const xs = preprocessInput(r.value.xs, preprocess);
          r.value.xs.dispose();
          return { done: false, value: { xs, ys: r.value.ys } };
        },
      };
    },
  };
}

/** Class names in index order. */
export function classNamesOf(it: { classIndices: Record<string, number> }): string[] {
  return Object.entries(it.classIndices)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}
