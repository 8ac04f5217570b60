import { spawnSync } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";

const found = new Map<string, string | null>();

/**
 * A Python interpreter that can import `modules`, or null. Package scripts run
 * with node's own folder first on PATH, where a system python3 without Keras
 * can shadow the one the user installed it into; so this tries $PYTHON, then
 * python3 and python on PATH, then pyenv's shims.
 */
export function findPython(modules: string): string | null {
  const cached = found.get(modules);
  if (cached !== undefined) return cached;
  const candidates = [
    process.env.PYTHON,
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
