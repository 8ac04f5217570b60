/** The graft command as a user runs it: a real Node process on src/main.ts. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const cliDir = fileURLToPath(new URL("..", import.meta.url));
// tsx is named by path, so that runs from a scratch folder (where relative paths
// are the user's) still find it.
const tsxLoader = pathToFileURL(join(cliDir, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliOptions {
  /** Added to the environment. INIT_CWD and npm_lifecycle_event are cleared unless given. */
  env?: NodeJS.ProcessEnv;
  /** The working directory; the CLI package by default. */
  cwd?: string;
  timeoutMs?: number;
}

/** `graft ...args`, waited for, with its exit code, signal and both outputs. */
export function graft(args: string[], o: CliOptions = {}): CliRun {
  const r = spawnSync(
    process.execPath,
    ["--import", tsxLoader, join(cliDir, "src", "main.ts"), ...args],
    {
      cwd: o.cwd ?? cliDir,
      encoding: "utf8",
      env: { ...process.env, INIT_CWD: "", npm_lifecycle_event: "", ...o.env },
      timeout: o.timeoutMs ?? 300_000,
    },
  );
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}
