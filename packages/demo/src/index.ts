/**
 * The files of `graft demo`: a target dataset of drawn pictograms and a narrow
 * VGG19-shaped base pretrained on a related source domain, with the manifest that
 * make_demo_fixtures.py (test-fixtures/scripts) writes beside them.
 *
 * @module @graft/demo
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the demo's data folder. */
export const demoDir = fileURLToPath(new URL("../data/", import.meta.url));

/** Absolute path of a file inside the demo's data folder. */
export function demoFile(...parts: string[]): string {
  return join(demoDir, ...parts);
}

/** What data/manifest.json says. */
export interface DemoManifest {
  /** Conv filters per VGG19 block of the narrow base (VGGOptions.blockFilters). */
  blockFilters: [number, number, number, number, number];
  /** The base's input, [height, width, channels]. */
  inputSize: [number, number, number];
  /** The preprocessing the base was trained with (a PreprocessMode: "caffe"). */
  preprocess: string;
  /** The pretrained base's weights. */
  weights: {
    /** File name in the data folder (a Keras 3 `.weights.h5`, without the top). */
    file: string;
  };
  /** Features Keras computed with the base, to check graft's forward pass against. */
  golden: {
    /** File name in the data folder (a `.npy` array). */
    file: string;
    /** The layer whose output they are (block5_pool). */
    layer: string;
    /** The images they were computed from, relative to the data folder. */
    images: string[];
    /** The array's shape, [images, height, width, channels]. */
    shape: number[];
  };
  /** The dataset the demo trains on, in `data/target/{train,val}/<class>/`. */
  target: {
    /** Class names, in index order. */
    classes: string[];
    /** Number of training images. */
    train: number;
    /** Number of validation images. */
    val: number;
    /** What the images show, in a sentence. */
    description: string;
  };
  /** The dataset the base was pretrained on (not shipped). */
  source: {
    /** Its name. */
    name: string;
    /** Its class names. */
    classes: string[];
  };
  /** The training recipe the reference results were measured with. */
  recipe: {
    /** Units of the head's hidden Dense layer. */
    headUnits: number;
    /** Dropout rate after it. */
    dropout: number;
    /** SGD learning rate. */
    lr: number;
    /** SGD momentum. */
    momentum: number;
    /** Images per batch. */
    batchSize: number;
    /** Epochs trained. */
    epochs: number;
  };
  /** Validation accuracy Keras reached with the recipe, after the last epoch. */
  results: {
    /** From the pretrained base, frozen. */
    transfer: {
      /** Accuracy in [0, 1]. */
      valAccuracy: number;
    };
    /** From random weights, every layer trained. */
    scratch: {
      /** Accuracy in [0, 1]. */
      valAccuracy: number;
    };
  };
}

/** The manifest, read from disk each call (it is small). */
export function demoManifest(): DemoManifest {
  return JSON.parse(readFileSync(demoFile("manifest.json"), "utf8")) as DemoManifest;
}

/**
 * The classic recipe on the demo's target classes as `graft train` / `runTraining` options
 * (the keys of --config): the training and validation folders, the base's widths and input
 * size, and the manifest's optimizer, head, batch size, epochs and augmentation. Add the
 * scenario, weights, seed and stopping rule the run wants.
 */
export function demoRecipeOptions(): Record<string, string | number | number[]> {
  const m = demoManifest();
  return {
    data: demoFile("target", "train"),
    "val-data": demoFile("target", "val"),
    "block-filters": m.blockFilters,
    "input-size": m.inputSize[0],
    epochs: m.recipe.epochs,
    "batch-size": m.recipe.batchSize,
    optimizer: "sgd",
    lr: m.recipe.lr,
    momentum: m.recipe.momentum,
    head: `flatten,dense:${m.recipe.headUnits},dropout:${m.recipe.dropout}`,
    augment: demoFile("augment.json"),
  };
}
