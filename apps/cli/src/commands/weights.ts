import {
  fetchMobileNetV2Weights,
  fetchMobileNetV3Weights,
  fetchMobileNetWeights,
  fetchOfficialWeights,
  MOBILENET_V2_WEIGHT_ALPHAS,
  MOBILENET_WEIGHT_ALPHAS,
  mobileNetV2Weights,
  mobileNetV3Weights,
  mobileNetWeights,
  OFFICIAL_MODELS,
  type OfficialModel,
  officialWeights,
  openWeights,
} from "@graft/weights";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userPath } from "../paths.ts";

export const weightsHelp = `Usage:
  graft weights inspect FILE [--json] [--stats] [--time-limit S]
      Detected layout, keras_version and each layer's weights (name, shape, dtype).
      --stats adds min, max, mean and sum (sum in float64) of every array.
      --time-limit S ends the read of a damaged file after S seconds (default 600;
      its HDF5 structure gets at most 60).
  graft weights fetch MODEL [--include-top] [--base-url URL] [--cache-dir DIR]
      MODEL: ${OFFICIAL_MODELS.join(", ")},
      or mobilenetv2 [--alpha ${MOBILENET_V2_WEIGHT_ALPHAS.join("|")}] [--input-size 96|128|160|192|224],
      or mobilenet [--alpha ${MOBILENET_WEIGHT_ALPHAS.join("|")}] [--input-size 128|160|192|224],
      or mobilenetv3small, mobilenetv3large [--alpha 0.75|1.0] [--minimalistic]
      (minimalistic only at alpha 1.0; one file serves every input size).
      Downloads the official Keras ImageNet file into the Keras cache ($KERAS_HOME or
      ~/.keras, subdir models), verifying its md5 (MobileNet's and MobileNetV2's have none:
      Keras gives no checksum). A mirror can be given with --base-url or GRAFT_WEIGHTS_BASE_URL.`;

interface WeightStats {
  min: number;
  max: number;
  mean: number;
  sum: number;
}

/** min, max, mean and a float64 sum of a float32 array. */
export function weightStats(data: Float32Array): WeightStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return data.length === 0
    ? { min: Number.NaN, max: Number.NaN, mean: Number.NaN, sum: 0 }
    : { min, max, mean: sum / data.length, sum };
}

export async function weightsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.out(weightsHelp);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "inspect") return inspect(rest, io);
  if (sub === "fetch") return fetch(rest, io);
  throw new UsageError(`weights: unknown subcommand '${sub}' (expected inspect or fetch)`);
}

async function inspect(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      json: { type: "boolean" },
      stats: { type: "boolean" },
      "time-limit": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    "weights inspect",
  );
  if (values.help) {
    io.out(weightsHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("weights inspect: expected exactly one FILE");
  const path = userPath(positionals[0] as string, io.env);
  const limit = values["time-limit"] === undefined ? undefined : Number(values["time-limit"]);
  if (limit !== undefined && !(limit > 0)) {
    throw new UsageError(
      `weights inspect: --time-limit wants seconds > 0, got '${values["time-limit"]}'`,
    );
  }
  const file = await openWeights(path, limit === undefined ? {} : { timeLimitMs: limit * 1000 });
  try {
    const layers = file.layers.map((l) => ({
      name: l.name,
      key: l.key,
      weights: l.weights.map((w) => ({
        name: w.name,
        shape: w.shape,
        dtype: w.dtype,
        ...(values.stats ? { stats: weightStats(w.read()) } : {}),
      })),
    }));
    const params = layers.reduce(
      (s, l) => s + l.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0),
      0,
    );
    if (values.json) {
      io.out(
        JSON.stringify({
          file: path,
          layout: file.layout,
          keras_version: file.kerasVersion,
          backend: file.backend,
          has_model_config: file.modelConfig !== null,
          params,
          layers,
        }),
      );
      return 0;
    }
    io.out(`File:          ${path}`);
    io.out(`Layout:        ${file.layout}`);
    io.out(`keras_version: ${file.kerasVersion ?? "(none: Keras 1 file)"}`);
    if (file.backend) io.out(`backend:       ${file.backend}`);
    io.out(
      `Layers:        ${layers.length} (${layers.filter((l) => l.weights.length > 0).length} with weights), ${params.toLocaleString("en-US")} parameters`,
    );
    for (const l of layers) {
      io.out(
        `${l.name}${l.key !== l.name ? `  [${l.key}]` : ""}${l.weights.length === 0 ? "  (no weights)" : ""}`,
      );
      for (const w of l.weights) {
        let line = `  ${w.name}  (${w.shape.join(", ")}${w.shape.length === 1 ? "," : ""})  ${w.dtype}`;
        if (w.stats) {
          const s = w.stats;
          line += `  min=${s.min.toPrecision(6)} max=${s.max.toPrecision(6)} mean=${s.mean.toPrecision(6)} sum=${s.sum.toPrecision(10)}`;
        }
        io.out(line);
      }
    }
    return 0;
  } finally {
    file.close();
  }
}

async function fetch(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      "include-top": { type: "boolean" },
      "base-url": { type: "string" },
      "cache-dir": { type: "string" },
      alpha: { type: "string" },
      "input-size": { type: "string" },
      minimalistic: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "weights fetch",
  );
  if (values.help) {
    io.out(weightsHelp);
    return 0;
  }
  const models = [
    ...OFFICIAL_MODELS,
    "mobilenet",
    "mobilenetv2",
    "mobilenetv3small",
    "mobilenetv3large",
  ] as const;
  if (positionals.length !== 1)
    throw new UsageError(`weights fetch: expected one of ${models.join(", ")}`);
  const name = oneOf(positionals[0], "the model", models);
  const includeTop = values["include-top"] ?? false;
  const baseUrl = values["base-url"] ?? io.env.GRAFT_WEIGHTS_BASE_URL;
  const cacheDir =
    values["cache-dir"] !== undefined ? userPath(values["cache-dir"], io.env) : undefined;
  const options = {
    includeTop,
    ...(baseUrl !== undefined && { baseUrl }),
    ...(cacheDir !== undefined && { cacheDir }),
    progress: true,
  };
  if (name !== "mobilenetv3small" && name !== "mobilenetv3large" && values.minimalistic) {
    throw new UsageError(
      "weights fetch: --minimalistic is for mobilenetv3small and mobilenetv3large",
    );
  }
  if (name === "mobilenetv3small" || name === "mobilenetv3large") {
    if (values["input-size"] !== undefined) {
      throw new UsageError(
        "weights fetch: MobileNetV3 has one file for every input size; drop --input-size",
      );
    }
    const type = name === "mobilenetv3small" ? "small" : "large";
    const minimalistic = values.minimalistic ?? false;
    const alphas = minimalistic ? [1.0] : [0.75, 1.0];
    const alpha = values.alpha === undefined ? 1.0 : Number(values.alpha);
    if (!alphas.includes(alpha)) {
      throw new UsageError(
        `Expected ${minimalistic ? "1.0 (minimalistic)" : "0.75 or 1.0"} for --alpha but received '${values.alpha}'`,
      );
    }
    const file = mobileNetV3Weights(type, alpha, minimalistic, includeTop, baseUrl);
    io.err(`Fetching ${file.fname} from ${file.url}`);
    const path = await fetchMobileNetV3Weights(type, alpha, minimalistic, options);
    io.out(path);
    return 0;
  }
  if (name === "mobilenet" || name === "mobilenetv2") {
    const v2 = name === "mobilenetv2";
    const alphas: readonly number[] = v2 ? MOBILENET_V2_WEIGHT_ALPHAS : MOBILENET_WEIGHT_ALPHAS;
    const alpha = values.alpha === undefined ? 1.0 : Number(values.alpha);
    if (!alphas.includes(alpha)) {
      throw new UsageError(
        `Expected one of ${alphas.join(", ")} for --alpha but received '${values.alpha}'`,
      );
    }
    const side = positiveInt(values["input-size"], "--input-size", 224) as number;
    const file = (v2 ? mobileNetV2Weights : mobileNetWeights)(
      alpha,
      side,
      side,
      includeTop,
      baseUrl,
    );
    io.err(`Fetching ${file.fname} from ${file.url} (Keras gives this file no checksum)`);
    const path = await (v2 ? fetchMobileNetV2Weights : fetchMobileNetWeights)(
      alpha,
      side,
      side,
      options,
    );
    io.out(path);
    return 0;
  }
  if (values.alpha !== undefined || values["input-size"] !== undefined) {
    throw new UsageError(
      "weights fetch: --alpha and --input-size are for mobilenet, mobilenetv2 and mobilenetv3 (--alpha)",
    );
  }
  const model = name as OfficialModel;
  const info = officialWeights(model, includeTop, baseUrl);
  const size = info.bytes === null ? "" : ` (${(info.bytes / 1e6).toFixed(1)} MB)`;
  io.err(`Fetching ${info.fname}${size} from ${info.url}`);
  const path = await fetchOfficialWeights(model, options);
  io.out(path);
  return 0;
}
