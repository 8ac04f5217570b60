import { pathToFileURL } from "node:url";
import { CliError, UsageError } from "./errors.ts";
import { type Io, processIo } from "./io.ts";

/**
 * A command: its one-line summary, and its module, imported only when the command runs
 * (each pulls in tfjs, sharp or the native addon; `graft --help` needs none of them).
 */
type Command = {
  load: () => Promise<{ run: (argv: string[], io: Io) => Promise<number>; help: string }>;
  summary: string;
};

const COMMANDS: Record<string, Command> = {
  augment: {
    load: async () => {
      const m = await import("./commands/augment.ts");
      return { run: m.augmentCommand, help: m.augmentHelp };
    },
    summary: "a PNG grid of augmented samples per class (ImageDataGenerator arguments as JSON)",
  },
  backends: {
    load: async () => {
      const m = await import("./commands/backends.ts");
      return { run: m.backendsCommand, help: m.backendsHelp };
    },
    summary: "the tfjs backends that can run here, their capabilities and the default",
  },
  bench: {
    load: async () => {
      const m = await import("./commands/bench.ts");
      return { run: m.benchCommand, help: m.benchHelp };
    },
    summary: "images per second of VGG extraction or the recipe's training step",
  },
  data: {
    load: async () => {
      const m = await import("./commands/data.ts");
      return { run: m.dataCommand, help: m.dataHelp };
    },
    summary: "list a class-folder dataset as Keras' flow_from_directory would",
  },
  demo: {
    load: async () => {
      const m = await import("./commands/demo.ts");
      return { run: m.demoCommand, help: m.demoHelp };
    },
    summary: "the bundled default: a VGG summary and a prediction with a fixture model",
  },
  evaluate: {
    load: async () => {
      const m = await import("./commands/evaluate.ts");
      return { run: m.evaluateCommand, help: m.evaluateHelp };
    },
    summary: "accuracy, per-class precision/recall/F1 and confusion matrix of a trained model",
  },
  extract: {
    load: async () => {
      const m = await import("./commands/extract.ts");
      return { run: m.extractCommand, help: m.extractHelp };
    },
    summary: "features of every image at a layer, to PREFIX.npy + PREFIX.csv",
  },
  predict: {
    load: async () => {
      const m = await import("./commands/predict.ts");
      return { run: m.predictCommand, help: m.predictHelp };
    },
    summary: "top-k classes of images with a trained model (--json: one object per line)",
  },
  recommend: {
    load: async () => {
      const m = await import("./commands/recommend.ts");
      return { run: m.recommendCommand, help: m.recommendHelp };
    },
    summary: "pick a transfer-learning scenario for a dataset, with reasons",
  },
  summary: {
    load: async () => {
      const m = await import("./commands/summary.ts");
      return { run: m.summaryCommand, help: m.summaryHelp };
    },
    summary: "Keras' summary table of VGG16/VGG19",
  },
  train: {
    load: async () => {
      const m = await import("./commands/train.ts");
      return { run: m.trainCommand, help: m.trainHelp };
    },
    summary: "fine-tune a VGG base on class folders (the classic recipe, or one of four scenarios)",
  },
  weights: {
    load: async () => {
      const m = await import("./commands/weights.ts");
      return { run: m.weightsCommand, help: m.weightsHelp };
    },
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
      return await (await import("./version.ts")).versionCommand(io);
    const command = COMMANDS[name];
    if (!command)
      throw new UsageError(
        `Unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(", ")}`,
      );
    return await (await command.load()).run(rest, io);
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
