/** The node arguments that run `graft bench … --json` from the CLI's sources, for the benches here. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const main = join(
  fileURLToPath(new URL(".", import.meta.url)),
  "..",
  "..",
  "apps",
  "cli",
  "src",
  "main.ts",
);

export interface GraftBenchRun {
  task: string;
  backend: string;
  size: string | number;
  batch: string | number;
  steps: string | number;
  /** The five blocks' widths (`--filters`); Keras' when left out. */
  filters?: number[];
  /** Resolve graft's packages to their .ts sources (`--conditions=@graft/source`), not dist/. */
  source?: boolean;
}

export function graftBenchArgs(o: GraftBenchRun): string[] {
  return [
    ...(o.source ? ["--conditions=@graft/source"] : []),
    "--import",
    "tsx",
    main,
    "bench",
    "--task",
    o.task,
    "--backend",
    o.backend,
    "--input-size",
    String(o.size),
    "--batch-size",
    String(o.batch),
    "--steps",
    String(o.steps),
    ...(o.filters ? ["--filters", o.filters.join(",")] : []),
    "--json",
  ];
}
