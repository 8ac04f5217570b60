import { APPLICATION_NAMES, application, PREPROCESS_MODES } from "@graft/models";
import { loadBase, recommend } from "@graft/scenarios";
import { blockFilters, oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userPath, weightsArg } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { withCliErrors } from "./common.ts";

export const recommendHelp = `Usage: graft recommend --data DIR [--model vgg19|vgg16|resnet50|…] [--weights imagenet|FILE]
                       [--input-size 224] [--block-filters 8,16,32,64,64] [--preprocess caffe|tf|torch|rescale|none]
                       [--large-per-class 500] [--json] [--backend auto|…]

Picks a transfer-learning scenario for the class folders DIR and says why: "small" or
"large" from the images per class, "similar" or "different" from a linear probe of the
base's early features (the end of its second stage: block2_pool, conv2_block3_out) against
its last ones on a sample of the images. --model: ${APPLICATION_NAMES.join(", ")}; the
preprocessing defaults to the model's own.`;

export async function recommendCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(recommendHelp);
    return 0;
  }
  const s = { type: "string" as const };
  const { values, positionals } = parse(
    argv,
    {
      data: s,
      model: s,
      weights: s,
      "input-size": s,
      "block-filters": s,
      preprocess: s,
      "large-per-class": s,
      json: { type: "boolean" },
      backend: s,
      "cache-dir": s,
    },
    "recommend",
  );
  if (positionals.length)
    throw new UsageError(`recommend: unexpected argument '${positionals[0]}'`);
  if (!values.data) throw new UsageError("recommend: --data DIR is required");
  const model = oneOf(values.model, "--model", APPLICATION_NAMES) ?? "vgg19";
  const inputSize = positiveInt(
    values["input-size"],
    "--input-size",
    application(model).defaultSize,
  ) as number;
  const largePerClass = positiveInt(values["large-per-class"], "--large-per-class", 500) as number;
  const preprocess =
    oneOf(values.preprocess, "--preprocess", PREPROCESS_MODES) ?? application(model).preprocess;
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  const filters = blockFilters(values["block-filters"]);
  return withCliErrors(async () => {
    await initTf(backend);
    const base = await loadBase({
      model,
      weights: weightsArg(values.weights, io.env),
      inputSize,
      blockFilters: filters,
      cacheDir: values["cache-dir"] ? userPath(values["cache-dir"], io.env) : null,
    });
    const r = await recommend({
      base,
      data: userPath(values.data as string, io.env),
      inputSize,
      preprocess,
      earlyLayer: application(model).earlyLayer,
      largePerClass,
      log: values.json ? () => {} : (m) => io.out(m),
    });
    base.dispose();
    if (values.json) io.out(JSON.stringify(r));
    else {
      io.out(`Recommended scenario: ${r.scenario}`);
      for (const reason of r.reasons) io.out(`  ${reason}`);
      const modelFlag = model === "vgg19" ? "" : ` --model ${model}`;
      io.out(`Train with: graft train --data ${values.data}${modelFlag} --scenario ${r.scenario}`);
    }
    return 0;
  });
}
