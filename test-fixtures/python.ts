import { spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `pnpm bench:setup` (scripts/bench-setup.mjs) puts the benchmarks' references. */
export const BENCH_VENV = join(dirname(fileURLToPath(import.meta.url)), "..", ".bench-venv");

const found = new Map<string, string | null>();

/**
 * A Python interpreter that can import `modules`, or null. Package scripts run
 * with node's own folder first on PATH, where a system python3 without Keras
 * can shadow the one the user installed it into; so this tries $PYTHON, then the
 * virtual environment `pnpm bench:setup` makes, then python3 and python on PATH,
 * then pyenv's shims.
 */
export function findPython(modules: string): string | null {
  const cached = found.get(modules);
  if (cached !== undefined) return cached;
  const candidates = [
    process.env.PYTHON,
    join(BENCH_VENV, "bin", "python"),
    "python3",
    "python",
    join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "shims", "python3"),
  ].filter((c): c is string => Boolean(c));
  const hit =
    candidates.find(
      (c) =>
        spawnSync(c, ["-c", `import ${modules}`], { stdio: "ignore", timeout: 120_000 }).status ===
        0,
    ) ?? null;
  found.set(modules, hit);
  return hit;
}

/**
 * What a benchmark prints when its reference is missing, after graft's own figure: which
 * modules it needed and the one command that installs them.
 */
export function missingReference(modules: string, setup = "pnpm bench:setup"): string {
  return `reference not measured: no Python here imports ${modules}. Install the references once with \`${setup}\` (a virtual environment in .bench-venv that the benches find on their own), then run the bench again.`;
}
