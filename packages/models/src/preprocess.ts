import * as tf from "@tensorflow/tfjs-core";
import { ModelsError } from "./errors.ts";

/** The ImageNet channel means in BGR order, as Keras' caffe mode subtracts them. */
export const IMAGENET_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/** The ImageNet channel means in RGB order, on the 0–1 scale, as Keras' torch mode uses them. */
export const IMAGENET_RGB_MEAN = [0.485, 0.456, 0.406] as const;
/** The ImageNet channel standard deviations in RGB order, on the 0–1 scale, as Keras' torch mode uses them. */
export const IMAGENET_RGB_STD = [0.229, 0.224, 0.225] as const;

/**
 * How `preprocessInput` prepares pixels: Keras' three modes of
 * `imagenet_utils.preprocess_input` — `caffe` (BGR minus ImageNet means: VGG, ResNet),
 * `tf` (scaled to −1…1: ResNetV2, MobileNet, Inception, Xception), `torch` (÷ 255, then
 * ImageNet mean and std per RGB channel: DenseNet) — plus graft's `rescale` (÷ 255) and
 * `none` (the family normalises inside the model, as EfficientNet and ConvNeXt do).
 */
export type PreprocessMode = "caffe" | "tf" | "torch" | "rescale" | "none";

/** Every `PreprocessMode`. */
export const PREPROCESS_MODES: readonly PreprocessMode[] = [
  "caffe",
  "tf",
  "torch",
  "rescale",
  "none",
];

/**
 * keras.applications' preprocess_input on float pixels in 0–255: "caffe" (the default, VGG's
 * and ResNet's) reverses RGB to BGR and subtracts the ImageNet means, without scaling; "tf"
 * computes x / 127.5 − 1; "torch" computes (x / 255 − mean) / std per RGB channel;
 * "rescale" divides by 255; "none" returns the input as float32.
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
    if (mode === "tf") return tf.sub(tf.div(f, 127.5), 1) as T;
    if (mode === "torch") {
      const mean = tf.tensor1d(IMAGENET_RGB_MEAN as unknown as number[]);
      const std = tf.tensor1d(IMAGENET_RGB_STD as unknown as number[]);
      return tf.div(tf.sub(tf.div(f, 255), mean), std) as T;
    }
    if (mode !== "caffe")
      throw new ModelsError("ERR_GRAFT_ARG", `Unknown preprocess mode ${String(mode)}`);
    return tf.sub(tf.reverse(f, -1), tf.tensor1d(IMAGENET_BGR_MEAN as unknown as number[])) as T;
  });
}
