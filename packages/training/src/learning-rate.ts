/**
 * tfjs optimizers keep the learning rate in two ways: SGD and Momentum
 * precompute a `-learningRate` scalar (`c`) and must be told through
 * `setLearningRate`; Adam, Adamax, RMSProp, Adagrad and Adadelta read the
 * plain `learningRate` field on every step. Keras keeps it in a float32
 * variable, so graft rounds it to float32 the same way.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { TrainingError } from "./errors.ts";

type WithLearningRate = tf.Optimizer & {
  learningRate?: number;
  setLearningRate?: (lr: number) => void;
};

/**
 * The optimizer's learning rate, rounded to float32. Throws ERR_GRAFT_OPTIMIZER when it has no
 * numeric `learningRate`.
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as WithLearningRate).learningRate;
  if (typeof lr !== "number") {
    throw new TrainingError(
      "ERR_GRAFT_OPTIMIZER",
      `Optimizer ${optimizer.getClassName()} has no numeric learningRate`,
    );
  }
  return Math.fround(lr);
}

/**
 * Sets the optimizer's learning rate (rounded to float32) in whichever way it keeps it
 * (see the module comment). Throws ERR_GRAFT_OPTIMIZER when it has neither.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as WithLearningRate;
  const value = Math.fround(lr);
  if (typeof o.setLearningRate === "function") o.setLearningRate(value);
  else if (typeof o.learningRate === "number") o.learningRate = value;
  else {
    throw new TrainingError(
      "ERR_GRAFT_OPTIMIZER",
      `Cannot set the learning rate of optimizer ${optimizer.getClassName()}`,
    );
  }
}
