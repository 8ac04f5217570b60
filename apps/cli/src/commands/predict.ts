import { readdirSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { KERAS_FORMATS, loadImage } from "@graft/data";
import { preprocessInput } from "@graft/models";
import type * as tfc from "@tensorflow/tfjs-core";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { loadTrainedModel } from "../model-file.ts";
import { userPath } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { withCliErrors } from "./common.ts";

export const predictHelp = `Usage: graft predict --model RUN_DIR/best.h5|RUN_DIR IMAGE|DIR… [--top-k 3] [--json]
                     [--batch-size 16] [--preprocess caffe|rescale|none] [--backend auto|…]

Classifies images (folders are searched recursively, files in sorted order) with a trained
model, using the class names and preprocessing stored in it. Prints the top-k classes per
image; --json prints one JSON object per line per image:
  {"file": "...", "top": [{"label": "...", "index": 0, "probability": 0.97}, …]}`;

const IMAGE_EXTS = new Set(KERAS_FORMATS.map((e) => `.${e}`));

function collect(path: string, flag: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`${flag}: no such file or folder '${path}'`);
  }
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(path);
  return out;
}

export async function predictCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(predictHelp);
    return 0;
  }
  const s = { type: "string" as const };
  const { values, positionals } = parse(
    argv,
    { model: s, "top-k": s, json: { type: "boolean" }, "batch-size": s, preprocess: s, backend: s },
    "predict",
  );
  if (!values.model) throw new UsageError("predict: --model RUN_DIR/best.h5 is required");
  if (positionals.length === 0) throw new UsageError("predict: give at least one IMAGE or DIR");
  const topK = positiveInt(values["top-k"], "--top-k", 3) as number;
  const batchSize = positiveInt(values["batch-size"], "--batch-size", 16) as number;
  const preprocessFlag = oneOf(values.preprocess, "--preprocess", [
    "caffe",
    "rescale",
    "none",
  ] as const);
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  const files = positionals.flatMap((p) => collect(userPath(p, io.env), "predict"));
  if (files.length === 0) throw new UsageError(`predict: no images in ${positionals.join(", ")}`);
  const cwd = userPath(".", io.env);

  return withCliErrors(async () => {
    const tf = await initTf(backend);
    const loaded = await loadTrainedModel(userPath(values.model as string, io.env));
    const preprocess = preprocessFlag ?? loaded.preprocess ?? "caffe";
    if (!loaded.classNames)
      io.err(`warning: ${loaded.path} stores no class names; labels are class indices`);
    const [h, w] = loaded.inputSize;
    for (let start = 0; start < files.length; start += batchSize) {
      const chunk = files.slice(start, start + batchSize);
      const images = await Promise.all(
        chunk.map(async (f) => {
          try {
            return await loadImage(f, { targetSize: [h, w] });
          } catch (err) {
            throw new UsageError(`predict: cannot read '${f}': ${(err as Error).message}`);
          }
        }),
      );
      const batch = new Float32Array(chunk.length * h * w * 3);
      // loadImage's default colour mode is Keras' "rgb": three channels whatever the file holds.
      images.forEach((img, i) => {
        batch.set(img.data, i * h * w * 3);
      });
      const probs = tf.tidy(() => {
        const x = preprocessInput(tf.tensor4d(batch, [chunk.length, h, w, 3]), preprocess);
        return loaded.model.predict(x) as tfc.Tensor2D;
      });
      const rows = (await probs.array()) as number[][];
      probs.dispose();
      rows.forEach((p, i) => {
        const top = p
          .map((probability, index) => ({ index, probability }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, topK)
          .map((t) => ({
            label: loaded.classNames?.[t.index] ?? String(t.index),
            index: t.index,
            probability: t.probability,
          }));
        const rel = relative(cwd, chunk[i] as string);
        const file = rel === "" || rel.startsWith("..") ? (chunk[i] as string) : rel;
        if (values.json) io.out(JSON.stringify({ file, top }));
        else
          io.out(
            `${file}: ${top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(", ")}`,
          );
      });
    }
    loaded.model.dispose();
    return 0;
  });
}
