import * as tf from "@tensorflow/tfjs-core";
import { ModelsError } from "./errors.ts";

/** The ImageNet channel means in BGR order, as Keras' caffe mode subtracts them. */
export const IMAGENET_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/**
 * How `preprocessInput` prepares pixels: Keras' `caffe` (BGR minus ImageNet means), `rescale` (÷
 * 255) or `none`.
 */
export type PreprocessMode = "caffe" | "rescale" | "none";

/**
 * keras.applications.vgg16/vgg19.preprocess_input ("caffe" mode): float pixels
 * in 0–255, RGB → BGR, minus the ImageNet means, no scaling. "rescale" divides
 * by 255 instead; "none" returns the input as float32.
 */
export function preprocessInput<T extends tf.Tensor>(x: T, mode: PreprocessMode = "caffe"): T {
  if (x.rank < 1 || x.shape[x.rank - 1] !== 3) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected images with 3 channels last for preprocessInput but received shape [${x.shape.join(", ")}]`,
    );
  }
  return tf.tidy(() => {
    const f = tf.cast(x, "float32");
    if (mode === "none") return f as T;
    if (mode === "rescale") return tf.div(f, 255) as T;
    if (mode !== "caffe")
      throw new ModelsError("ERR_GRAFT_ARG", `Unknown preprocess mode ${String(mode)}`);
    return tf.sub(tf.reverse(f, -1), tf.tensor1d(IMAGENET_BGR_MEAN as unknown as number[])) as T;
  });
}
