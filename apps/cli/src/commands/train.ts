import { parseRunConfig, RUN_CONFIG_KEYS, resumeRun, runTraining } from "@graft/scenarios";
import { parse } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userCwd, userPath } from "../paths.ts";
import { type BackendChoice, initTf } from "../tf.ts";
import { progressStream, readJsonObject, warnOnce, withCliErrors } from "./common.ts";

const width = Math.max(...Object.keys(RUN_CONFIG_KEYS).map((k) => k.length)) + 2;

export const trainHelp = `Usage: graft train --data DIR [options]
       graft train --config train.json [options]
       graft train --resume RUN_DIR

Fine-tunes a VGG base on class folders, as the classic Keras recipe does by default
(VGG19 ImageNet base at 256×256, layers[:5] frozen, Flatten → Dense 1024 → Dropout 0.5 →
Dense 1024 → softmax, SGD lr 1e-4 momentum 0.9, the recipe's augmentation, best val_acc
checkpoint, EarlyStopping patience 10, 50 epochs), or runs one of the four scenarios.
Writes RUN_DIR/best.h5, last.h5 (Keras 2 full-model files), history.csv, config.json,
class_indices.json and report.html. Nothing is written when an option is wrong.

Options (also the keys of --config's JSON object; flags override the file):
${Object.entries(RUN_CONFIG_KEYS)
  .map(([k, d]) => `  --${k.padEnd(width)}${d.help}`)
  .join("\n")}
  --${"config".padEnd(width)}a JSON file of the options above
  --${"resume".padEnd(width)}continue RUN_DIR from its last finished epoch (same weights as never interrupted)`;

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(trainHelp);
    return 0;
  }
  const flagOptions = Object.fromEntries(
    [...Object.keys(RUN_CONFIG_KEYS), "config", "resume"].map((k) => [
      k,
      { type: "string" as const },
    ]),
  );
  const { values, positionals } = parse(argv, flagOptions, "train");
  if (positionals.length > 0)
    throw new UsageError(`train: unexpected argument '${positionals[0]}' (see graft train --help)`);
  const cwd = userCwd(io.env);
  const log = (m: string) => io.out(m);
  const warn = warnOnce(io);
  return withCliErrors(async () => {
    if (values.resume !== undefined) {
      const others = Object.keys(values).filter((k) => k !== "resume" && k !== "backend");
      if (others.length)
        throw new UsageError(
          `train: --resume takes the run's own options; drop --${others.join(", --")}`,
        );
      const backend = (values.backend as BackendChoice | undefined) ?? "auto";
      const tf = await initTf(backend);
      log(`backend: ${tf.getBackend()}`);
      await resumeRun(userPath(values.resume as string, io.env), {
        log,
        warn,
        progressStream: progressStream(io),
        cwd,
        exitOnSignal: true,
      });
      return 0;
    }
    let raw: Record<string, unknown> = {};
    let where = "";
    if (values.config !== undefined) {
      const path = userPath(values.config as string, io.env);
      raw = readJsonObject(path, "--config");
      where = `${values.config}: `;
    }
    // Check the file's keys with JSON types, then the flags as text over them.
    const fileConfig = parseRunConfigLoose(raw, where);
    const flags = Object.fromEntries(Object.entries(values).filter(([k]) => k !== "config"));
    const merged = { ...fileConfig, ...flags };
    const config = parseRunConfig(merged, {
      fromText: true,
      where: Object.keys(flags).length ? "" : where,
    });
    const tf = await initTf(config.backend);
    log(`backend: ${tf.getBackend()}`);
    await runTraining(config, {
      log,
      warn,
      progressStream: progressStream(io),
      cwd,
      exitOnSignal: true,
    });
    return 0;
  });
}

/** Validates a --config object (JSON types) and returns it as text values for merging with flags. */
function parseRunConfigLoose(raw: Record<string, unknown>, where: string): Record<string, string> {
  if (Object.keys(raw).length === 0) return {};
  // Full check of the file on its own (types as JSON), with "data" allowed to come from a flag.
  parseRunConfig({ data: "-", ...raw }, { where });
  return Object.fromEntries(
    Object.entries(raw)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]),
  );
}
