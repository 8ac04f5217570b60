/**
 * The four transfer-learning scenarios (small/large × similar/different data)
 * behind one strategy interface, feature caching, and a recommender that picks
 * one from the data.
 *
 * @module @graft/scenarios
 */
export { type BaseOptions, loadBase } from "./base.ts";
export {
  parseRunConfig,
  RECIPE_AUGMENT,
  RUN_CONFIG_KEYS,
  type RunConfig,
  type RunConfigKey,
  runConfigToJson,
} from "./config.ts";
export {
  classNamesOf,
  type DataOptions,
  type OpenedData,
  openData,
  preprocessedDataset,
} from "./data.ts";
export { ScenarioError } from "./errors.ts";
export {
  type ClassScores,
  type Evaluation,
  evaluateModel,
  formatEvaluation,
  type Prediction,
  scorePredictions,
} from "./evaluate.ts";
export { type ExtractOptions, extractFeatures, type Features } from "./features.ts";
export {
  applyLayers,
  type DenseActivation,
  formatHead,
  type HeadLayerSpec,
  headLayers,
  parseHead,
} from "./head.ts";
export { chooseSeed, SeededMathRandom } from "./random.ts";
export {
  probeAccuracy,
  type Recommendation,
  type RecommendOptions,
  recommend,
} from "./recommend.ts";
export { type RunReportInput, writeRunReport } from "./report.ts";
export { type RunOptions, type RunResult, resumeRun, runTraining } from "./run.ts";
export {
  BaseScenario,
  type BuiltModel,
  GENERAL_DEFAULTS,
  getScenario,
  registerScenario,
  resolveSettings,
  type Scenario,
  type ScenarioSettings,
  scenarioNames,
  type TrainContext,
  type TrainOutcome,
} from "./scenario.ts";
export { LargeDifferent, LargeSimilar, SmallDifferent, SmallSimilar } from "./strategies/index.ts";
