import {
  APPLICATION_NAMES,
  application,
  formatSummary,
  freezeCountUntil,
  freezeLayers,
  summarize,
} from "@graft/models";
import { nonNegativeInt, oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { initTf } from "../tf.ts";

export const summaryHelp = `Usage: graft summary --model NAME [--include-top] [--input-size N] [--freeze N | --freeze-until LAYER] [--show-trainable]

Prints Keras' summary table of a keras.applications network, with Keras' totals
(architecture only: no weights are loaded).
  --model           ${APPLICATION_NAMES.join(", ")} (required)
  --include-top     keep the classifier (VGG's fc1, fc2 and predictions need input 224×224)
  --input-size N    square input of N×N×3 pixels (default 224; 299 for xception, inception_v3)
  --freeze N        freeze the first N layers, as Keras' layers[:N] (the input layer counts)
  --freeze-until L  freeze up to and including layer L, or block/stage L (block4, conv4)
  --show-trainable  add Keras' Trainable column`;

export async function summaryCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      model: { type: "string" },
      "include-top": { type: "boolean" },
      "input-size": { type: "string" },
      freeze: { type: "string" },
      "freeze-until": { type: "string" },
      "show-trainable": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "summary",
  );
  if (values.help) {
    io.out(summaryHelp);
    return 0;
  }
  const name = oneOf(values.model, "--model", APPLICATION_NAMES);
  if (!name) throw new UsageError(`summary: --model is required (${APPLICATION_NAMES.join(", ")})`);
  const app = application(name);
  const size = positiveInt(values["input-size"], "--input-size", app.defaultSize) as number;
  const includeTop = values["include-top"] ?? false;
  const vgg = app.family === "vgg16" || app.family === "vgg19";
  if (includeTop && vgg && size !== 224)
    throw new UsageError("--include-top needs --input-size 224 (fc1 is sized for 7×7×512)");
  const freeze = nonNegativeInt(values.freeze, "--freeze");
  const until = values["freeze-until"];
  if (freeze !== undefined && until !== undefined)
    throw new UsageError("summary: give --freeze or --freeze-until, not both");
  await initTf();
  const model = app.build({ includeTop, inputShape: [size, size, 3], weights: null });
  try {
    if (freeze !== undefined) freezeLayers(model, freeze);
    if (until !== undefined) {
      try {
        freezeLayers(model, freezeCountUntil(model, until));
      } catch (err) {
        throw new UsageError(`--freeze-until: ${(err as Error).message}`);
      }
    }
    io.out(formatSummary(summarize(model), { showTrainable: values["show-trainable"] ?? false }));
  } finally {
    model.dispose();
  }
  return 0;
}
