/**
 * Keras' training callbacks (ModelCheckpoint, EarlyStopping, ReduceLROnPlateau,
 * CSVLogger, a progress bar), balanced class weights and resumable training
 * state for tfjs-layers `fit()`.
 *
 * @module @graft/training
 */
export { balancedClassWeights, type ClassWeight, classCounts } from "./class-weights.ts";
export { CSVLogger, type CSVLoggerOptions } from "./csv-logger.ts";
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from "./early-stopping.ts";
export { TrainingError } from "./errors.ts";
export { formatPath, pyFloat } from "./format.ts";
export { FusedMomentumOptimizer, MOMENTUM_UPDATE, sgdMomentum } from "./fused-momentum.ts";
export { KerasAdamOptimizer, kerasAdam } from "./keras-adam.ts";
export { getLearningRate, setLearningRate } from "./learning-rate.ts";
export { type Logs, resolveLogs, type UnresolvedLogs } from "./logs.ts";
export { ModelCheckpoint, type ModelCheckpointOptions } from "./model-checkpoint.ts";
export { Monitor, type MonitorMode, monitorDirection } from "./monitor.ts";
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from "./progress-bar.ts";
export { type RandomState, SeededRandom } from "./random.ts";
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
} from "./reduce-lr-on-plateau.ts";
export {
  hasTrainingState,
  type JsonValue,
  type LoadedTrainingState,
  loadTrainingState,
  saveTrainingState,
  type TrainingStateInput,
} from "./training-state.ts";
