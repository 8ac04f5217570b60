/** Loading a trained model (a run's best.h5, a Keras file) with what graft stored beside it. */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { PREPROCESS_MODES, type PreprocessMode } from "@graft/models";
import { loadKerasModel, readModelMetadata } from "@graft/weights";
import type * as tfl from "@tensorflow/tfjs-layers";
import { UsageError } from "./errors.ts";

export interface LoadedModel {
  model: tfl.LayersModel;
  path: string;
  classNames: string[] | null;
  preprocess: PreprocessMode | null;
  /** [height, width] the model takes. */
  inputSize: [number, number];
  /** Classes it scores, when loaded with `scoredBy`; null otherwise. */
  classes: number | null;
}

/** What `loadTrainedModel` checks beyond a loadable model taking fixed-size RGB images. */
export interface LoadTrainedModelOptions {
  /** The flag the path came from, for messages. Default "--model". */
  flag?: string;
  /**
   * The command that needs one score per class (predict, evaluate): a model without a
   * classifier head is then refused, naming the command.
   */
  scoredBy?: string;
}

/** A model file, or a run folder (its best.h5, else last.h5). */
export async function loadTrainedModel(
  pathOrRun: string,
  options: LoadTrainedModelOptions = {},
): Promise<LoadedModel> {
  const flag = options.flag ?? "--model";
  let path = pathOrRun;
  if (existsSync(path) && statSync(path).isDirectory()) {
    const best = join(path, "best.h5");
    const last = join(path, "last.h5");
    if (existsSync(best)) path = best;
    else if (existsSync(last)) path = last;
    else throw new UsageError(`${flag}: '${pathOrRun}' is a folder without best.h5 or last.h5`);
  }
  if (!existsSync(path)) throw new UsageError(`${flag}: no such file '${pathOrRun}'`);
  let model: tfl.LayersModel;
  try {
    model = await loadKerasModel(path);
  } catch (err) {
    const message = `${flag}: cannot load '${path}' as a Keras model: ${(err as Error).message}`;
    // A damaged or unsupported file is bad input, not a bad flag: exit 1 with graft's code.
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_GRAFT_"))
      throw Object.assign(new Error(message), { code });
    throw new UsageError(message);
  }
  const meta = (await readModelMetadata(path)) ?? {};
  const shape = (model.inputs[0] as tfl.SymbolicTensor).shape;
  const h = shape[1];
  const w = shape[2];
  if (typeof h !== "number" || typeof w !== "number" || shape[3] !== 3) {
    model.dispose();
    throw new UsageError(
      `${flag}: '${path}' does not take fixed-size RGB images (input shape [${shape.join(", ")}])`,
    );
  }
  let classes: number | null = null;
  if (options.scoredBy !== undefined) {
    try {
      classes = classCount(model, path, options.scoredBy);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  const names = meta.classNames;
  const pre = meta.preprocess;
  return {
    model,
    path,
    classNames:
      Array.isArray(names) && names.every((n) => typeof n === "string")
        ? (names as string[])
        : null,
    preprocess:
      typeof pre === "string" && (PREPROCESS_MODES as readonly string[]).includes(pre)
        ? (pre as PreprocessMode)
        : null,
    inputSize: [h, w],
    classes,
  };
}

/**
 * How many classes a model scores; a UsageError when its output is not one row of scores
 * per image (a base without a classifier head, whose feature maps are for extract).
 */
function classCount(model: tfl.LayersModel, path: string, command: string): number {
  const shape = model.outputs[0]?.shape ?? [];
  const k = shape[1];
  if (model.outputs.length !== 1 || shape.length !== 2 || typeof k !== "number" || k < 1) {
    throw new UsageError(
      `${command}: '${path}' outputs shape [${shape.map((d) => d ?? "null").join(", ")}], not one score per class: it has no classifier head (\`graft extract\` writes such features)`,
    );
  }
  return k;
}
