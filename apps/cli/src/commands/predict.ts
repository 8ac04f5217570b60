import { readdirSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { EXTRA_FORMATS, imageFailure, KERAS_FORMATS, loadImage } from "@graft/data";
import { PREPROCESS_MODES, preprocessInput } from "@graft/models";
import type * as tfc from "@tensorflow/tfjs-core";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { loadTrainedModel } from "../model-file.ts";
import { userPath } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { withCliErrors } from "./common.ts";

export const predictHelp = `Usage: graft predict --model RUN_DIR/best.h5|RUN_DIR IMAGE|DIR… [--top-k 3] [--json]
                     [--batch-size 16] [--preprocess caffe|tf|torch|rescale|none] [--backend auto|…]

Classifies images (folders are searched recursively, files in sorted order) with a trained
model, using the class names and preprocessing stored in it. Prints the top-k classes per
image; --json prints one JSON object per line per image:
  {"file": "...", "top": [{"label": "...", "index": 0, "probability": 0.97}, …]}
An image that cannot be read is named on stderr ({"file": "...", "error": "..."} with
--json) and the others are still classified; the exit status is then 1.`;

// Keras' formats plus GIF/WebP (an animation is read as its first frame, as Pillow does).
const IMAGE_EXTS = new Set([...KERAS_FORMATS, ...EXTRA_FORMATS].map((e) => `.${e}`));

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
  const preprocessFlag = oneOf(values.preprocess, "--preprocess", PREPROCESS_MODES);
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  const files = positionals.flatMap((p) => collect(userPath(p, io.env), "predict"));
  if (files.length === 0) throw new UsageError(`predict: no images in ${positionals.join(", ")}`);
  const cwd = userPath(".", io.env);

  return withCliErrors(async () => {
    const tf = await initTf(backend);
    const loaded = await loadTrainedModel(userPath(values.model as string, io.env), {
      scoredBy: "predict",
    });
    const preprocess = preprocessFlag ?? loaded.preprocess ?? "caffe";
    if (!loaded.classNames)
      io.err(`warning: ${loaded.path} stores no class names; labels are class indices`);
    const [h, w] = loaded.inputSize;
    const shown = (f: string) => {
      const rel = relative(cwd, f);
      return rel === "" || rel.startsWith("..") ? f : rel;
    };
    let failed = 0;
    for (let start = 0; start < files.length; start += batchSize) {
      const chunk = files.slice(start, start + batchSize);
      // Each file on its own: a bad one is reported and the rest still get their answers.
      const settled = await Promise.allSettled(
        chunk.map((f) => loadImage(f, { targetSize: [h, w] })),
      );
      const good: { file: string; data: ArrayLike<number> }[] = [];
      settled.forEach((r, i) => {
        const f = chunk[i] as string;
        if (r.status === "fulfilled") {
          good.push({ file: f, data: r.value.data });
          return;
        }
        failed++;
        const why = imageFailure(r.reason);
        io.err(`predict: cannot read '${f}': ${why}`);
        if (values.json) io.out(JSON.stringify({ file: shown(f), error: why }));
      });
      if (good.length === 0) continue;
      const batch = new Float32Array(good.length * h * w * 3);
      // loadImage's default colour mode is Keras' "rgb": three channels whatever the file holds.
      good.forEach((img, i) => {
        batch.set(img.data, i * h * w * 3);
      });
      const probs = tf.tidy(() => {
        const x = preprocessInput(tf.tensor4d(batch, [good.length, h, w, 3]), preprocess);
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
        const file = shown((good[i] as { file: string }).file);
        if (values.json) io.out(JSON.stringify({ file, top }));
        else
          io.out(
            `${file}: ${top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(", ")}`,
          );
      });
    }
    loaded.model.dispose();
    if (failed > 0) {
      io.err(`predict: ${failed} of ${files.length} images could not be read`);
      return 1;
    }
    return 0;
  });
}
