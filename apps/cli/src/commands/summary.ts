import { buildVGG, formatSummary, freezeLayers, summarize, type VGGVariant } from "@graft/models";
import { nonNegativeInt, oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { initTf } from "../tf.ts";

export const summaryHelp = `Usage: graft summary --model vgg16|vgg19 [--include-top] [--input-size N] [--freeze N] [--show-trainable]

Prints Keras' summary table of a VGG network (architecture only: no weights are loaded).
  --model           vgg16 or vgg19 (required)
  --include-top     keep fc1, fc2 and predictions (input 224×224)
  --input-size N    square input of N×N×3 pixels (default 224)
  --freeze N        freeze the first N layers, as Keras' layers[:N] (the input layer counts)
  --show-trainable  add Keras' Trainable column`;

export async function summaryCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      model: { type: "string" },
      "include-top": { type: "boolean" },
      "input-size": { type: "string" },
      freeze: { type: "string" },
      "show-trainable": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "summary",
  );
  if (values.help) {
    io.out(summaryHelp);
    return 0;
  }
  const variant = oneOf(values.model, "--model", ["vgg16", "vgg19"] as const);
  if (!variant) throw new UsageError("summary: --model vgg16|vgg19 is required");
  const size = positiveInt(values["input-size"], "--input-size", 224) as number;
  const includeTop = values["include-top"] ?? false;
  if (includeTop && size !== 224)
    throw new UsageError("--include-top needs --input-size 224 (fc1 is sized for 7×7×512)");
  const freeze = nonNegativeInt(values.freeze, "--freeze");
  await initTf();
  const model = buildVGG(variant as VGGVariant, {
    includeTop,
    inputShape: [size, size, 3],
    weights: null,
  });
  try {
    if (freeze !== undefined) freezeLayers(model, freeze);
    io.out(formatSummary(summarize(model), { showTrainable: values["show-trainable"] ?? false }));
  } finally {
    model.dispose();
  }
  return 0;
}
