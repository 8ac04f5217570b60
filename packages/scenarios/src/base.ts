/** Loading the base network a run transfers from, with errors that say what to do. */
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type ApplicationName, application, type VGGOptions } from "@graft/models";
import { GetFileError, OFFICIAL_MODELS, type OfficialModel, officialWeights } from "@graft/weights";
import type * as tfl from "@tensorflow/tfjs-layers";
import { configError, ScenarioError } from "./errors.ts";

/** Options of `loadBase`. */
export interface BaseOptions {
  /** The base network: any keras.applications name graft builds (`vgg19`, `resnet50`, …). */
  model: ApplicationName;
  /** "imagenet", "none" or a weights file. */
  weights: string;
  /** Height and width of the base's square input, in pixels. */
  inputSize: number;
  /**
   * Conv widths per block for a narrow base; null or absent for VGG's own (imagenet needs those).
   */
  blockFilters?: [number, number, number, number, number] | null;
  /** Keras cache folder for "imagenet"; default $KERAS_HOME or ~/.keras. */
  cacheDir?: string | null;
  /** False loads no weights whatever `weights` says (random initialisation). */
  pretrained?: boolean;
  /** Download progress of the official file. */
  progress?: VGGOptions["progress"];
}

/** The base without top at inputSize×inputSize×3. */
export async function loadBase(o: BaseOptions): Promise<tfl.LayersModel> {
  const app = application(o.model);
  if (o.blockFilters && app.family !== "vgg16" && app.family !== "vgg19") {
    throw configError(`block-filters: narrows a VGG base only, not ${o.model}`);
  }
  const inputShape: [number, number, number] = [o.inputSize, o.inputSize, 3];
  const shape = {
    includeTop: false,
    inputShape,
    ...(o.blockFilters ? { blockFilters: o.blockFilters } : {}),
  };
  if (o.weights === "none" || o.pretrained === false) return app.build({ ...shape, weights: null });
  if (o.weights === "imagenet") {
    if (o.blockFilters) {
      throw configError(
        "block-filters: the imagenet weights have VGG's own widths; give --weights FILE (or none) for a narrow base",
      );
    }
    try {
      return await app.load({
        ...shape,
        weights: "imagenet",
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.progress ? { progress: o.progress } : {}),
      });
    } catch (err) {
      if (err instanceof GetFileError && (OFFICIAL_MODELS as readonly string[]).includes(o.model)) {
        const file = officialWeights(o.model as OfficialModel, false);
        const home = o.cacheDir ?? process.env.KERAS_HOME ?? join(homedir(), ".keras");
        throw new ScenarioError(
          "ERR_GRAFT_WEIGHTS_UNAVAILABLE",
          `weights: the ImageNet weights for ${o.model} (${file.fname}) are not in the Keras cache (${join(home, "models")}) and could not be downloaded (${err.message}). Fetch them once with \`graft weights fetch ${o.model}\` (or copy the file into that folder), or pass --weights FILE or --weights none.`,
        );
      }
      throw err;
    }
  }
  if (!existsSync(o.weights) || !statSync(o.weights).isFile()) {
    throw configError(
      `weights: no such file '${o.weights}' (expected imagenet, none or a weights FILE)`,
    );
  }
  try {
    return await app.load({ ...shape, weights: o.weights });
  } catch (err) {
    throw configError(
      `weights: cannot load '${o.weights}' into ${o.model}: ${(err as Error).message}`,
    );
  }
}
