import { flowFromDirectory } from "@graft/data";
import { PREPROCESS_MODES } from "@graft/models";
import { evaluateModel, formatEvaluation } from "@graft/scenarios";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { loadTrainedModel } from "../model-file.ts";
import { userPath } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { warnOnce, withCliErrors } from "./common.ts";

export const evaluateHelp = `Usage: graft evaluate --model RUN_DIR/best.h5|RUN_DIR --data DIR [--batch-size 16] [--json]
                      [--preprocess caffe|tf|torch|rescale|none] [--backend auto|…]

Scores a trained model on class folders (named as the model's classes): accuracy,
per-class precision, recall and F1, and the confusion matrix (rows: true class). Images that
cannot be read are named in a warning, left out of the scores (--json lists them under
"skipped") and make the exit status 1.`;

export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(evaluateHelp);
    return 0;
  }
  const s = { type: "string" as const };
  const { values, positionals } = parse(
    argv,
    { model: s, data: s, "batch-size": s, json: { type: "boolean" }, preprocess: s, backend: s },
    "evaluate",
  );
  if (positionals.length) throw new UsageError(`evaluate: unexpected argument '${positionals[0]}'`);
  if (!values.model) throw new UsageError("evaluate: --model is required");
  if (!values.data) throw new UsageError("evaluate: --data DIR is required");
  const batchSize = positiveInt(values["batch-size"], "--batch-size", 16) as number;
  const preprocessFlag = oneOf(values.preprocess, "--preprocess", PREPROCESS_MODES);
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  return withCliErrors(async () => {
    await initTf(backend);
    const loaded = await loadTrainedModel(userPath(values.model as string, io.env), {
      scoredBy: "evaluate",
    });
    const data = userPath(values.data as string, io.env);
    let it: Awaited<ReturnType<typeof flowFromDirectory>>;
    try {
      it = await flowFromDirectory(data, {
        targetSize: loaded.inputSize,
        batchSize,
        classMode: "categorical",
        shuffle: false,
        ...(loaded.classNames ? { classes: loaded.classNames } : {}),
        warn: warnOnce(io),
      });
    } catch (err) {
      throw new UsageError(`--data: ${(err as Error).message}`);
    }
    if (it.samples === 0) throw new UsageError(`--data: no images found in '${data}'`);
    const outputs = loaded.classes as number;
    if (it.numClasses !== outputs) {
      throw new UsageError(
        `--data: '${data}' has ${it.numClasses} classes but the model predicts ${outputs}`,
      );
    }
    const classNames = loaded.classNames ?? Object.keys(it.classIndices);
    const preprocess = preprocessFlag ?? loaded.preprocess ?? "caffe";
    const e = await evaluateModel(loaded.model, it, { preprocess, classNames });
    // Files the listing or the decoder skipped (each already warned about once).
    const skipped = it.skipped.map((f) => ({ file: f.filename, reason: f.reason }));
    if (values.json) {
      io.out(
        JSON.stringify({
          samples: e.samples,
          accuracy: e.accuracy,
          preprocess,
          classes: e.classNames,
          perClass: e.perClass,
          confusion: e.confusion,
          skipped,
        }),
      );
    } else io.out(formatEvaluation(e));
    loaded.model.dispose();
    if (skipped.length > 0) {
      io.err(
        `evaluate: ${skipped.length} image${skipped.length === 1 ? "" : "s"} could not be read and ${skipped.length === 1 ? "is" : "are"} not counted; the scores are over the other ${e.samples}`,
      );
      return 1;
    }
    return 0;
  });
}
