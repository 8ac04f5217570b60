import { pathToFileURL } from "node:url";
import { augmentCommand, augmentHelp } from "./commands/augment.ts";
import { backendsCommand, backendsHelp } from "./commands/backends.ts";
import { benchCommand, benchHelp } from "./commands/bench.ts";
import { dataCommand, dataHelp } from "./commands/data.ts";
import { demoCommand, demoHelp } from "./commands/demo.ts";
import { evaluateCommand, evaluateHelp } from "./commands/evaluate.ts";
import { extractCommand, extractHelp } from "./commands/extract.ts";
import { predictCommand, predictHelp } from "./commands/predict.ts";
import { recommendCommand, recommendHelp } from "./commands/recommend.ts";
import { summaryCommand, summaryHelp } from "./commands/summary.ts";
import { trainCommand, trainHelp } from "./commands/train.ts";
import { weightsCommand, weightsHelp } from "./commands/weights.ts";
import { CliError, UsageError } from "./errors.ts";
import { type Io, processIo } from "./io.ts";
import { versionCommand } from "./version.ts";

type Command = { run: (argv: string[], io: Io) => Promise<number>; help: string; summary: string };

const COMMANDS: Record<string, Command> = {
  augment: {
    run: augmentCommand,
    help: augmentHelp,
    summary: "a PNG grid of augmented samples per class (ImageDataGenerator arguments as JSON)",
  },
  backends: {
    run: backendsCommand,
    help: backendsHelp,
    summary: "the tfjs backends that can run here, their capabilities and the default",
  },
  bench: {
    run: benchCommand,
    help: benchHelp,
    summary: "images per second of VGG extraction or the recipe's training step",
  },
  data: {
    run: dataCommand,
    help: dataHelp,
    summary: "list a class-folder dataset as Keras' flow_from_directory would",
  },
  demo: {
    run: demoCommand,
    help: demoHelp,
    summary: "the bundled default: a VGG summary and a prediction with a fixture model",
  },
  evaluate: {
    run: evaluateCommand,
    help: evaluateHelp,
    summary: "accuracy, per-class precision/recall/F1 and confusion matrix of a trained model",
  },
  extract: {
    run: extractCommand,
    help: extractHelp,
    summary: "features of every image at a layer, to PREFIX.npy + PREFIX.csv",
  },
  predict: {
    run: predictCommand,
    help: predictHelp,
    summary: "top-k classes of images with a trained model (--json: one object per line)",
  },
  recommend: {
    run: recommendCommand,
    help: recommendHelp,
    summary: "pick a transfer-learning scenario for a dataset, with reasons",
  },
  summary: {
    run: summaryCommand,
    help: summaryHelp,
    summary: "Keras' summary table of VGG16/VGG19",
  },
  train: {
    run: trainCommand,
    help: trainHelp,
    summary: "fine-tune a VGG base on class folders (the classic recipe, or one of four scenarios)",
  },
  weights: {
    run: weightsCommand,
    help: weightsHelp,
    summary: "inspect Keras weight files, fetch the official VGG files",
  },
};

export const mainHelp = `Usage: graft <command> [options]   (graft <command> --help for details)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join("\n")}

Options for every command:
  --verbose   print stack traces with errors

graft --version prints every graft package's version and the native backends' build.`;

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const verbose = argv.includes("--verbose");
  const args = argv.filter((a) => a !== "--verbose");
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      io.out(mainHelp);
      return name === undefined ? 2 : 0;
    }
    if (name === "--version" || name === "-V" || name === "version")
      return await versionCommand(io);
    const command = COMMANDS[name];
    if (!command)
      throw new UsageError(
        `Unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(", ")}`,
      );
    return await command.run(rest, io);
  } catch (err) {
    const e = err as Error & { code?: string };
    io.err(
      `graft: error: ${e.message}${e.code && !(err instanceof CliError) ? ` [${e.code}]` : ""}`,
    );
    if (verbose && e.stack) io.err(e.stack);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
