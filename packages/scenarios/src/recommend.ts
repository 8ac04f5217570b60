/**
 * Which scenario suits a dataset, from two measurements:
 *  - size: images per class. Below `largePerClass` (default 500), training many
 *    layers overfits; the "small" scenarios train only a head or a classifier.
 *  - similarity to the base's training domain: a linear probe (multinomial
 *    logistic regression, k-fold cross-validated) on globally pooled features of
 *    an early layer (block2_pool) and of the base's last layer. When the late,
 *    domain-specific features separate the classes at least as well as the early,
 *    generic ones, the base's domain is close to the data's ("similar"); when the
 *    early ones do better, the late features are tuned to something else.
 */
import { DirectoryIterator, listDirectory } from "@graft/data";
import { type PreprocessMode, preprocessInput } from "@graft/models";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { configError } from "./errors.ts";

/** Options of `recommend`. */
export interface RecommendOptions {
  /** The base network the run would transfer from, without its top. */
  base: tfl.LayersModel;
  /** Class folders. */
  data: string;
  /** Images are resized to inputSize × inputSize pixels. */
  inputSize: number;
  /** The base's preprocessing. */
  preprocess: PreprocessMode;
  /** Images per class the probe uses at most (default 30). */
  probePerClass?: number;
  /** Images per class from which a dataset counts as large (default 500). */
  largePerClass?: number;
  /** The early layer whose pooled features the probe compares against (default block2_pool). */
  earlyLayer?: string;
  /** Late minus early probe accuracy under which the data counts as different (default -0.02). */
  margin?: number;
  /** Receives progress lines; default: silent. */
  log?: (line: string) => void;
}

/** What `recommend` concluded, why, and what it measured. */
export interface Recommendation {
  /** The scenario it picked. */
  scenario: "small-similar" | "large-similar" | "small-different" | "large-different";
  /** One sentence per measurement and the conclusion, for people. */
  reasons: string[];
  /** The numbers behind the choice. */
  measurements: {
    /** Number of classes. */
    classes: number;
    /** Number of images. */
    samples: number;
    /** Images in the smallest class. */
    minPerClass: number;
    /** Images in the median class. */
    medianPerClass: number;
    /** Whether minPerClass reaches `largePerClass`. */
    large: boolean;
    /** Images the probe used. */
    probeImages: number;
    /** The early layer probed. */
    earlyLayer: string;
    /** The late layer probed (the base's last). */
    lateLayer: string;
    /** Cross-validated probe accuracy on the early features, in [0, 1]. */
    earlyProbeAccuracy: number;
    /** Cross-validated probe accuracy on the late features, in [0, 1]. */
    lateProbeAccuracy: number;
    /** Whether late minus early accuracy reaches `margin`. */
    similar: boolean;
  };
}

/**
 * Picks a scenario for the class folders `o.data` from their size and their similarity to
 * the base's domain (see the module comment). Throws ERR_GRAFT_CONFIG for unreadable data,
 * fewer than 2 classes or 2 images per class, or an `earlyLayer` the base lacks.
 */
export async function recommend(o: RecommendOptions): Promise<Recommendation> {
  const log = o.log ?? (() => {});
  const probePerClass = o.probePerClass ?? 30;
  const largePerClass = o.largePerClass ?? 500;
  const margin = o.margin ?? -0.02;
  let listing: Awaited<ReturnType<typeof listDirectory>>;
  try {
    listing = await listDirectory(o.data, { warn: () => {} });
  } catch (err) {
    throw configError(`data: ${(err as Error).message}`);
  }
  const k = listing.classNames.length;
  if (k < 2) throw configError(`data: recommend needs at least 2 classes; '${o.data}' has ${k}`);
  const counts = new Array<number>(k).fill(0);
  for (const c of listing.classes) counts[c] = (counts[c] as number) + 1;
  const sorted = [...counts].sort((a, b) => a - b);
  const minPerClass = sorted[0] as number;
  const medianPerClass = sorted[Math.floor(k / 2)] as number;
  if (minPerClass < 2) {
    throw configError(
      `data: recommend needs at least 2 images per class; a class of '${o.data}' has ${minPerClass}`,
    );
  }

  // An even sample per class, spread over each class's files.
  const picked: number[] = [];
  for (let c = 0; c < k; c++) {
    const idx: number[] = [];
    listing.classes.forEach((cls, i) => {
      if (cls === c) idx.push(i);
    });
    const take = Math.min(probePerClass, idx.length);
    for (let j = 0; j < take; j++) picked.push(idx[Math.floor((j * idx.length) / take)] as number);
  }
  const sub = {
    ...listing,
    filenames: picked.map((i) => listing.filenames[i] as string),
    classes: Int32Array.from(picked, (i) => listing.classes[i] as number),
    samples: picked.length,
  };
  const earlyLayer = o.earlyLayer ?? "block2_pool";
  if (!o.base.layers.some((l) => l.name === earlyLayer)) {
    throw configError(`recommend: the base has no layer '${earlyLayer}'`);
  }
  const lastLayer = o.base.layers[o.base.layers.length - 1] as tfl.layers.Layer;
  const gap = (name: string) =>
    tfl.layers
      .globalAveragePooling2d({})
      .apply(o.base.getLayer(name).output as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const probeModel = tfl.model({
    inputs: o.base.inputs,
    outputs: [gap(earlyLayer), gap(lastLayer.name)],
  });
  log(
    `recommend: probing ${picked.length} images (${Math.min(probePerClass, minPerClass)}–${probePerClass} per class) at ${earlyLayer} and ${lastLayer.name}`,
  );
  const it = new DirectoryIterator(sub, {
    targetSize: [o.inputSize, o.inputSize],
    batchSize: 16,
    classMode: "sparse",
    shuffle: false,
    warn: () => {},
  });
  const early: number[][] = [];
  const late: number[][] = [];
  const labels: number[] = [];
  for await (const b of it) {
    const [e, l] = tf.tidy(
      () => probeModel.predict(preprocessInput(b.xs, o.preprocess)) as tf.Tensor[],
    ) as [tf.Tensor, tf.Tensor];
    early.push(...((await e.array()) as number[][]));
    late.push(...((await l.array()) as number[][]));
    labels.push(...Array.from(await (b.ys as tf.Tensor).data()));
    tf.dispose([e, l, b.xs, b.ys as tf.Tensor]);
  }
  const earlyAcc = await probeAccuracy(early, labels, k);
  const lateAcc = await probeAccuracy(late, labels, k);
  const large = minPerClass >= largePerClass;
  const similar = lateAcc - earlyAcc >= margin;
  const scenario =
    `${large ? "large" : "small"}-${similar ? "similar" : "different"}` as Recommendation["scenario"];
  const reasons = [
    `size: ${listing.samples} images in ${k} classes (fewest ${minPerClass}, median ${medianPerClass} per class): ${large ? `large (≥ ${largePerClass} per class), enough to train many layers` : `small (< ${largePerClass} per class): training many layers would overfit, so the base stays frozen`}`,
    `similarity: a linear probe (logistic regression, cross-validated on ${picked.length} images) reaches ${pct(lateAcc)} on ${lastLayer.name} features and ${pct(earlyAcc)} on ${earlyLayer} features: ${similar ? "the late, domain-specific features separate these classes at least as well, so the data is close to the base's domain" : "the early, generic features do better, so the base's late features are tuned to another domain"}`,
    `→ ${scenario}`,
  ];
  return {
    scenario,
    reasons,
    measurements: {
      classes: k,
      samples: listing.samples,
      minPerClass,
      medianPerClass,
      large,
      probeImages: picked.length,
      earlyLayer,
      lateLayer: lastLayer.name,
      earlyProbeAccuracy: earlyAcc,
      lateProbeAccuracy: lateAcc,
      similar,
    },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * k-fold cross-validated accuracy of an L2-regularised softmax regression on
 * standardised features (folds interleaved by position, so each holds every class).
 */
export async function probeAccuracy(
  x: number[][],
  y: number[],
  classes: number,
  folds = 4,
): Promise<number> {
  const n = x.length;
  const f = Math.min(folds, n);
  let correct = 0;
  for (let fold = 0; fold < f; fold++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < n; i++) (i % f === fold ? testIdx : trainIdx).push(i);
    if (testIdx.length === 0 || trainIdx.length === 0) continue;
    correct += tf.tidy(() => {
      const xt = tf.tensor2d(trainIdx.map((i) => x[i] as number[]));
      const mean = tf.mean(xt, 0);
      const std = tf.add(tf.sqrt(tf.mean(tf.square(tf.sub(xt, mean)), 0)), 1e-6);
      const norm = (t: tf.Tensor2D) => tf.div(tf.sub(t, mean), std) as tf.Tensor2D;
      const xtn = norm(xt);
      const yt = tf.cast(
        tf.oneHot(
          tf.tensor1d(
            trainIdx.map((i) => y[i] as number),
            "int32",
          ),
          classes,
        ),
        "float32",
      );
      const d = xt.shape[1];
      const w = tf.variable(tf.zeros([d, classes]));
      const b = tf.variable(tf.zeros([classes]));
      const opt = tf.train.adam(0.05);
      for (let step = 0; step < 150; step++) {
        opt.minimize(
          () =>
            tf.add(
              tf.losses.softmaxCrossEntropy(yt, tf.add(tf.matMul(xtn, w), b)),
              tf.mul(tf.sum(tf.square(w)), 1e-3),
            ) as tf.Scalar,
        );
      }
      const xs = norm(tf.tensor2d(testIdx.map((i) => x[i] as number[])));
      const pred = tf.argMax(tf.add(tf.matMul(xs, w), b), 1).dataSync();
      let ok = 0;
      testIdx.forEach((i, j) => {
        if (pred[j] === y[i]) ok++;
      });
      opt.dispose();
      w.dispose();
      b.dispose();
      return ok;
    });
  }
  return correct / n;
}
