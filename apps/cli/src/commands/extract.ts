import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DirectoryIterator, listDirectory } from "@graft/data";
import {
  APPLICATION_NAMES,
  application,
  cutAt,
  isApplicationName,
  PREPROCESS_MODES,
  type PreprocessMode,
  preprocessInput,
} from "@graft/models";
import { loadBase } from "@graft/scenarios";
import { replaceAtomic, temporaryPath, writeFileAtomic } from "@graft/weights";
import type * as tfc from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { blockFilters, oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { loadTrainedModel } from "../model-file.ts";
import { NpyWriter } from "../npy.ts";
import { userPath, weightsArg } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { warnOnce, withCliErrors } from "./common.ts";

export const extractHelp = `Usage: graft extract --data DIR --out PREFIX [--model vgg19|resnet50|…|FILE] [--weights imagenet|FILE|none]
                     [--layer block5_pool] [--pooling avg|max|none] [--input-size 224] [--batch-size 16]
                     [--preprocess caffe|tf|torch|rescale|none] [--block-filters 8,16,32,64,64] [--backend auto|…]

Runs every image of the class folders DIR (in Keras' flow_from_directory order) through the
network up to --layer and writes
  PREFIX.npy  float32 [N, …] features in NumPy's format (np.load reads it)
  PREFIX.csv  filename,class — one row per image, in the .npy's order.
--model FILE takes a Keras model file (a run's best.h5) with its stored preprocessing;
a keras.applications name (${APPLICATION_NAMES.join(", ")}) takes the base without top,
--weights imagenet by default, and the model's own preprocessing (caffe for VGG and ResNet,
tf for ResNetV2).`;

export async function extractCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(extractHelp);
    return 0;
  }
  const s = { type: "string" as const };
  const { values, positionals } = parse(
    argv,
    {
      data: s,
      out: s,
      model: s,
      weights: s,
      layer: s,
      pooling: s,
      "input-size": s,
      "batch-size": s,
      preprocess: s,
      "block-filters": s,
      backend: s,
      "cache-dir": s,
    },
    "extract",
  );
  if (positionals.length) throw new UsageError(`extract: unexpected argument '${positionals[0]}'`);
  if (!values.data) throw new UsageError("extract: --data DIR is required");
  if (!values.out) throw new UsageError("extract: --out PREFIX is required");
  const pooling = oneOf(values.pooling, "--pooling", ["avg", "max", "none"] as const) ?? "none";
  let preprocess: PreprocessMode | undefined = oneOf(
    values.preprocess,
    "--preprocess",
    PREPROCESS_MODES,
  );
  const batchSize = positiveInt(values["batch-size"], "--batch-size", 16) as number;
  const inputSizeFlag = positiveInt(values["input-size"], "--input-size");
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  const filters = blockFilters(values["block-filters"]);
  const data = userPath(values.data, io.env);
  const prefix = userPath(values.out, io.env);
  if (!existsSync(dirname(prefix)) || !statSync(dirname(prefix)).isDirectory()) {
    throw new UsageError(`--out: folder '${dirname(prefix)}' does not exist`);
  }
  const modelArg = values.model ?? "vgg19";

  return withCliErrors(async () => {
    const tf = await initTf(backend);
    let listing: Awaited<ReturnType<typeof listDirectory>>;
    try {
      listing = await listDirectory(data, { warn: warnOnce(io) });
    } catch (err) {
      throw new UsageError(`--data: ${(err as Error).message}`);
    }
    if (listing.samples === 0) throw new UsageError(`--data: no images found in '${data}'`);

    let model: tfl.LayersModel;
    let inputSize: [number, number];
    if (isApplicationName(modelArg)) {
      const size = inputSizeFlag ?? application(modelArg).defaultSize;
      model = await loadBase({
        model: modelArg,
        weights: weightsArg(values.weights, io.env),
        inputSize: size,
        blockFilters: filters,
        cacheDir: values["cache-dir"] ? userPath(values["cache-dir"], io.env) : null,
      });
      inputSize = [size, size];
      preprocess ??= application(modelArg).preprocess;
    } else {
      if (values.weights || values["block-filters"]) {
        throw new UsageError(
          "extract: --weights and --block-filters apply to a keras.applications name, not to a model FILE",
        );
      }
      const loaded = await loadTrainedModel(userPath(modelArg, io.env));
      model = loaded.model;
      inputSize = loaded.inputSize;
      if (inputSizeFlag !== undefined && inputSizeFlag !== inputSize[0]) {
        throw new UsageError(
          `--input-size: ${modelArg} takes ${inputSize[0]}×${inputSize[1]} images`,
        );
      }
      preprocess ??= loaded.preprocess ?? "caffe";
    }
    const layerName = values.layer ?? model.layers[model.layers.length - 1]?.name ?? "";
    if (!model.layers.some((l) => l.name === layerName)) {
      throw new UsageError(
        `--layer: no layer named '${layerName}' in ${modelArg}; layers: ${model.layers.map((l) => l.name).join(", ")}`,
      );
    }
    const cut = cutAt(model, layerName);
    let out = cut.outputs[0] as tfl.SymbolicTensor;
    if (pooling !== "none") {
      if (out.shape.length !== 4)
        throw new UsageError(
          `--pooling: ${layerName} gives [${out.shape.join(", ")}], not a feature map`,
        );
      const pool =
        pooling === "avg"
          ? tfl.layers.globalAveragePooling2d({})
          : tfl.layers.globalMaxPooling2d({});
      out = pool.apply(out) as tfl.SymbolicTensor;
    }
    const extractor = tfl.model({ inputs: cut.inputs, outputs: out });
    const featShape = out.shape.slice(1) as number[];
    const it = new DirectoryIterator(listing, {
      targetSize: inputSize,
      batchSize,
      classMode: null,
      shuffle: false,
      warn: warnOnce(io),
    });
    io.out(
      `Extracting ${layerName}${pooling !== "none" ? ` (${pooling} pooled)` : ""} features [${featShape.join(", ")}] of ${listing.samples} images (backend ${tf.getBackend()}, preprocess ${preprocess})`,
    );
    // The .npy streams into a temporary beside it (fsynced and renamed by replaceAtomic); the
    // .csv follows through writeFileAtomic: a failure leaves earlier files as they were.
    const npyPath = `${prefix}.npy`;
    const npyTmp = temporaryPath(npyPath);
    const writer = new NpyWriter(npyTmp, [listing.samples, ...featShape]);
    const names = listing.classNames;
    const rows = ["filename,class"];
    try {
      let done = 0;
      let shown = Date.now();
      for await (const b of it) {
        const y = tf.tidy(
          () =>
            extractor.predict(preprocessInput(b.xs, preprocess as PreprocessMode)) as tfc.Tensor,
        );
        writer.write((await y.data()) as Float32Array);
        for (const i of b.indices) {
          rows.push(
            `${csvField(listing.filenames[i] as string)},${csvField(names[listing.classes[i] as number] as string)}`,
          );
        }
        tf.dispose([y, b.xs]);
        done += b.indices.length;
        if (Date.now() - shown > 2000 || done === listing.samples) {
          shown = Date.now();
          io.out(`  ${done}/${listing.samples} images`);
        }
      }
      writer.close();
      await replaceAtomic(npyPath, (tmp) => renameSync(npyTmp, tmp));
      writeFileAtomic(`${prefix}.csv`, `${rows.join("\n")}\n`);
    } catch (err) {
      try {
        writer.close(); // releases the file; its complaint about a short write is moot here
      } catch {}
      rmSync(npyTmp, { force: true });
      throw err;
    }
    io.out(
      `Wrote ${prefix}.npy (float32 [${[listing.samples, ...featShape].join(", ")}]) and ${prefix}.csv`,
    );
    model.dispose();
    return 0;
  });
}

/** RFC 4180 quoting where needed. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
